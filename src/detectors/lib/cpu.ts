// CPU the way miners run it: above a threshold without a break for hours, and flat (the brief:
// above 85% for 3 hours; AWS-FACTS.md: near 100% or throttled, with a low coefficient of
// variation). Shared by the detectors that read CPUUtilization or take it as corroboration.

import type { MetricSeries } from '../../providers/types.js';
import { coefficientOfVariation } from './stats.js';
import { HOUR_MS } from './time.js';

export interface HotRun {
  start: number;
  /** End of the last datapoint's period. */
  end: number;
  values: number[];
  /** Absent datapoints bridged inside the run. */
  missing: number;
}

/** The longest stretch of datapoints above `threshold` in [from, to], bridging up to `maxMissing` absent datapoints. */
export function longestRunAbove(series: MetricSeries, threshold: number, maxMissing: number, from: number, to: number): HotRun | undefined {
  const step = series.period * 1000;
  let best: HotRun | undefined;
  let current: HotRun | undefined;
  let lastTs = -Infinity;
  for (let k = 0; k < series.timestamps.length; k++) {
    const ts = series.timestamps[k] as number;
    const value = series.values[k] as number;
    if (ts < from || ts > to) continue;
    const gap = Math.round((ts - lastTs) / step) - 1;
    if (current && (value <= threshold || gap > maxMissing)) {
      if (!best || current.end - current.start > best.end - best.start) best = current;
      current = undefined;
    }
    if (value > threshold) {
      if (current) {
        current.missing += Math.max(0, gap);
        current.values.push(value);
        current.end = ts + step;
      } else current = { start: ts, end: ts + step, values: [value], missing: 0 };
    }
    lastTs = ts;
  }
  if (current && (!best || current.end - current.start > best.end - best.start)) best = current;
  return best;
}

export interface FlatCpuThresholds {
  thresholdPercent: number;
  minHours: number;
  flatCv: number;
  maxMissingDatapoints: number;
}

/** The longest hot run in [from, to] when it lasts `minHours` and is flat; undefined otherwise. */
export function flatHighCpu(series: MetricSeries, t: FlatCpuThresholds, from: number, to: number): HotRun | undefined {
  const run = longestRunAbove(series, t.thresholdPercent, t.maxMissingDatapoints, from, to);
  if (!run || run.end - run.start < t.minHours * HOUR_MS) return undefined;
  return coefficientOfVariation(run.values) <= t.flatCv ? run : undefined;
}
