// network-spike: instances whose network traffic swings far above their own normal (the brief: a
// swing above 300%), and when. Compromised hosts download miners and tooling, scan for the next
// victim and talk to pools, and keep doing it: a swing three days ago that never came down hides
// in any "recent vs everything before" comparison, because the attack fills the baseline. So each
// series is scanned for the earliest point in the window where the level after it is a multiple of
// the level in the day before it. The instance's own history is the norm, so a daily backup peak
// that the history already holds is not a swing. Instances with too little history are not judged.

import { z } from 'zod';
import type { AuditData, AuditWindow, MetricSeries } from '../providers/types.js';
import { findingId } from '../domain/finding-id.js';
import { SEVERITY_RANK, type Detector, type Finding, type Severity } from './types.js';
import { flatHighCpu, type HotRun } from './lib/cpu.js';
import { bounded, enabledOption, lowerSeverity, maxSeverity } from './lib/finding.js';
import { corroborator, isConfirmed, type Corroboration } from './lib/instances.js';
import { MINING_STRINGS } from './lib/mining.js';
import { SlidingMedian } from './lib/sliding-median.js';
import { median } from './lib/stats.js';
import { HOUR_MS, iso, round } from './lib/time.js';

const MIB = 1024 * 1024;

const options = z.object({
  enabled: enabledOption,
  swingPercent: z.number().positive().default(300)
    .describe('How far above the baseline median the level after a swing must be, in percent (the brief: 300%, i.e. 4x).'),
  sustainHours: z.number().positive().default(1)
    .describe('Hours the raised level must hold: the level after a candidate start is the median over this stretch, and the same stretch at the end of the window tells whether the swing is still going.'),
  baselineHours: z.number().positive().default(24)
    .describe("Hours before a candidate start whose median datapoint is the instance's normal (the baseline)."),
  minBaselineHours: z.number().positive().default(12)
    .describe('Hours of datapoints the baseline needs before a start is judged; an instance with no start judged in the window is counted as not judged.'),
  minHistoryHours: z.number().nonnegative().default(24)
    .describe("Hours of history before a start (from the instance's first datapoint) needed to judge it: the history peak must have seen a whole day, or the first run of a nightly job in the data reads as a swing."),
  minRecentMBPerHour: z.number().nonnegative().default(100)
    .describe('Level after the swing (MiB an hour) below which nothing is flagged: small instances swing by ratio on tiny volumes.'),
  historyPeakMargin: z.number().min(1).default(1.5)
    .describe("The level after must also exceed the highest level the instance sustained (over a stretch of `sustainHours`) at any time before the start by this factor, so recurring peaks such as backups pass."),
  highFactor: z.number().positive().default(10)
    .describe('A swing to at least this multiple of the baseline is high severity.'),
  flatCpu: z.object({
    thresholdPercent: z.number().min(0).max(100).default(85).describe('CPUUtilization (Average) a datapoint must exceed (the brief: 85%).'),
    minHours: z.number().positive().default(3).describe('Hours the CPU must stay above it without a break (the brief: 3 hours).'),
    flatCv: z.number().nonnegative().default(0.03).describe('Coefficient of variation of that stretch at or below which it counts as flat.'),
    maxMissingDatapoints: z.number().int().nonnegative().default(2).describe('Consecutive missing CPU datapoints bridged inside the stretch.'),
  }).strict().prefault({})
    .describe('Flat high CPU after the swing starts corroborates mining, as mining strings and GuardDuty crypto findings do (same defaults as cpu-sustained).'),
  miningStrings: z.array(z.string()).default([...MINING_STRINGS])
    .describe('Strings in user data that corroborate mining (case-insensitive).'),
}).strict();

export type Options = z.infer<typeof options>;

interface Swing {
  metric: string;
  /** The first datapoint of the raised level. */
  start: number;
  /** The end of the raised stretch: the end of the window while it is still elevated. */
  end: number;
  stillElevated: boolean;
  baseline: number;
  /** Median over `sustainHours` from the start. */
  after: number;
  /** Median over the last `sustainHours` of the window. */
  latest: number;
  historyPeak: number;
  ratio: number;
  /** Bytes per datapoint -> MiB an hour. */
  perHour: number;
  afterDatapoints: number;
  baselineDatapoints: number;
}

/**
 * The earliest swing of one series in the window; 'not-judged' when it has datapoints in the
 * window but no start there had enough history before it; otherwise undefined. Candidate starts are the datapoints in the window; for
 * each, the level after (median over [t, t + sustain)) and the baseline (median over
 * [t - baselineHours, t)) come from sliding windows, and the history peak is the highest level
 * after of any stretch that ended by t. A start must itself be raised, so the swing starts at the
 * jump and not up to half a stretch before it, where the median already sees the raised level.
 */
function scan(series: MetricSeries, o: Options, window: AuditWindow): Swing | 'not-judged' | undefined {
  let n = 0;
  while (n < series.timestamps.length && (series.timestamps[n] as number) < window.end) n++;
  const ts = series.timestamps.slice(0, n);
  const values = series.values.slice(0, n);
  const step = series.period * 1000;
  const sustain = o.sustainHours * HOUR_MS;
  // A stretch with most of its datapoints missing says nothing about a level.
  const minAfter = Math.max(1, Math.ceil(sustain / step / 2));
  const minBaseline = Math.ceil((o.minBaselineHours * HOUR_MS) / step);
  const minHistory = o.minHistoryHours * HOUR_MS;
  const perHour = 3600 / series.period / MIB;

  const level = new Float64Array(n).fill(NaN);
  const levelCount = new Int32Array(n);
  const after = new SlidingMedian(values);
  for (let i = 0, hi = 0; i < n && (ts[i] as number) + sustain <= window.end; i++) {
    while (hi < n && (ts[hi] as number) < (ts[i] as number) + sustain) hi++;
    if (hi - i < minAfter) continue;
    after.slideTo(i, hi);
    level[i] = after.median();
    levelCount[i] = hi - i;
  }

  // The baseline window slides only to the starts that pass the cheap tests: most datapoints are
  // below their history peak and need no baseline.
  const base = new SlidingMedian(values, after);
  let judged = false;
  let peak = 0;
  let start = -1;
  let baseline = 0;
  for (let i = 0, lo = 0, ended = 0; i < n; i++) {
    const t = ts[i] as number;
    while ((ts[lo] as number) < t - o.baselineHours * HOUR_MS) lo++;
    for (; ended < i && (ts[ended] as number) + sustain <= t; ended++) {
      if (!Number.isNaN(level[ended] as number)) peak = Math.max(peak, level[ended] as number);
    }
    const l = level[i] as number;
    if (t < window.start || Number.isNaN(l) || i - lo < minBaseline || t - (ts[0] as number) < minHistory) continue;
    judged = true;
    if (l * perHour < o.minRecentMBPerHour || l <= o.historyPeakMargin * peak) continue;
    base.slideTo(lo, i);
    const floor = (1 + o.swingPercent / 100) * base.median();
    if ((values[i] as number) >= floor && l >= floor) {
      start = i;
      baseline = base.median();
      break;
    }
  }
  if (start < 0) return judged || !ts.some((t) => t >= window.start) ? undefined : 'not-judged';

  const floor = (1 + o.swingPercent / 100) * baseline;
  const latest = median(values.filter((_, k) => (ts[k] as number) >= window.end - sustain));
  const stillElevated = latest >= floor;
  let end = window.end;
  if (!stillElevated) {
    // Where the level after first falls below the floor, the drop is within that stretch, and the
    // raised stretch ends at its first datapoint that is no longer raised. With no complete
    // stretch below the floor, the drop is in the last stretch, or the data stopped.
    let drop = level.findIndex((l, k) => k > start && l < floor);
    if (drop < 0) drop = ts.findIndex((t, k) => k > start && t >= window.end - sustain);
    let low = drop < 0 ? n : drop;
    while (low < n && (values[low] as number) >= floor) low++;
    end = low < n ? (ts[low] as number) : (ts[n - 1] as number) + step;
  }
  const afterLevel = level[start] as number;
  return {
    metric: series.metric,
    start: ts[start] as number,
    end,
    stillElevated,
    baseline,
    after: afterLevel,
    latest,
    historyPeak: peak,
    ratio: baseline > 0 ? afterLevel / baseline : Infinity,
    perHour,
    afterDatapoints: levelCount[start] as number,
    baselineDatapoints: base.size,
  };
}

interface Spiking {
  instanceId: string;
  swings: Swing[];
  corroboration: Corroboration;
  flatCpu?: HotRun;
  severity: Severity;
}

function detect(data: AuditData, o: Options): Finding[] {
  const corroborate = corroborator(data, o.miningStrings);
  const cpu = new Map<string, MetricSeries>();
  const perInstance = new Map<string, { region: string; swings: Swing[] }>();
  const notJudged = new Map<string, Set<string>>();
  for (const series of data.metrics) {
    if (series.metric === 'CPUUtilization') cpu.set(series.instanceId, series);
    if (series.metric !== 'NetworkIn' && series.metric !== 'NetworkOut') continue;
    const verdict = scan(series, o, data.window);
    if (verdict === 'not-judged') {
      notJudged.set(series.region, (notJudged.get(series.region) ?? new Set()).add(series.instanceId));
      continue;
    }
    if (!verdict) continue;
    const entry = perInstance.get(series.instanceId) ?? { region: series.region, swings: [] };
    entry.swings.push(verdict);
    perInstance.set(series.instanceId, entry);
  }

  const byRegion = new Map<string, Spiking[]>();
  for (const [instanceId, { region, swings }] of perInstance) {
    const c = corroborate(instanceId);
    const cpuSeries = cpu.get(instanceId);
    const from = Math.min(...swings.map((s) => s.start));
    const flatCpu = cpuSeries ? flatHighCpu(cpuSeries, o.flatCpu, from, data.window.end) : undefined;
    const corroborated = isConfirmed(c) || flatCpu !== undefined;
    // High: a tenfold jump, or mining corroborated on the same instance; medium: the brief's
    // swing alone. A swing that has ended ranks one level lower than one still going.
    const severity = maxSeverity(swings.map((s) => {
      const level: Severity = s.ratio >= o.highFactor || corroborated ? 'high' : 'medium';
      return s.stillElevated ? level : lowerSeverity(level);
    }));
    const spiking: Spiking = { instanceId, swings, corroboration: c, severity };
    if (flatCpu) spiking.flatCpu = flatCpu;
    byRegion.set(region, [...(byRegion.get(region) ?? []), spiking]);
  }

  const findings: Finding[] = [];
  for (const [region, spiking] of byRegion) {
    const ongoing = (s: Spiking): boolean => s.swings.some((w) => w.stillElevated);
    const volume = (s: Spiking): number => Math.max(...s.swings.map((w) => w.after * w.perHour));
    spiking.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || Number(ongoing(b)) - Number(ongoing(a)) ||
      volume(b) - volume(a) || a.instanceId.localeCompare(b.instanceId));
    const swings = spiking.flatMap((s) => s.swings);
    const stillElevated = spiking.filter(ongoing).length;
    findings.push({
      id: findingId('network-spike', data.account.id, region),
      detector: 'network-spike',
      severity: maxSeverity(spiking.map((s) => s.severity)),
      title: `${spiking.length} instance${spiking.length === 1 ? '' : 's'} in ${region} with network traffic over ${o.swingPercent}% above their own baseline` +
        ` (${stillElevated} still elevated)`,
      account: data.account.id,
      region,
      resources: spiking.map((s) => ({ type: 'AWS::EC2::Instance', id: s.instanceId, region })),
      firstSeen: iso(Math.min(...swings.map((w) => w.start))),
      lastSeen: iso(Math.max(...swings.map((w) => w.end))),
      evidence: {
        thresholds: {
          swingPercent: o.swingPercent, sustainHours: o.sustainHours, baselineHours: o.baselineHours, minBaselineHours: o.minBaselineHours,
          minHistoryHours: o.minHistoryHours, minRecentMBPerHour: o.minRecentMBPerHour, historyPeakMargin: o.historyPeakMargin,
        },
        instanceCount: spiking.length,
        stillElevatedCount: stillElevated,
        notJudgedTooLittleHistory: notJudged.get(region)?.size ?? 0,
        instances: bounded(spiking.map((s) => ({
          instanceId: s.instanceId,
          instanceType: s.corroboration.instanceType,
          severity: s.severity,
          metrics: s.swings.map((w) => ({
            metric: w.metric,
            swingStart: iso(w.start),
            stillElevated: w.stillElevated,
            swingEnd: iso(w.end),
            baselineMiBPerHour: round(w.baseline * w.perHour),
            afterMiBPerHour: round(w.after * w.perHour),
            latestMiBPerHour: round(w.latest * w.perHour),
            historyPeakMiBPerHour: round(w.historyPeak * w.perHour),
            ratio: Number.isFinite(w.ratio) ? round(w.ratio) : null,
            swingPercent: Number.isFinite(w.ratio) ? round((w.ratio - 1) * 100, 0) : null,
            datapoints: { after: w.afterDatapoints, baseline: w.baselineDatapoints },
          })),
          miningStrings: s.corroboration.miningStrings,
          guardDutyFindings: s.corroboration.guardDutyFindings,
          flatHighCpu: s.flatCpu ? { from: iso(s.flatCpu.start), to: iso(s.flatCpu.end), hours: round((s.flatCpu.end - s.flatCpu.start) / HOUR_MS) } : null,
          launchedBy: s.corroboration.launchedBy,
        }))),
      },
      remediations: ['quarantine-instance'],
    });
  }
  return findings;
}

export const detector: Detector<Options> = {
  meta: {
    id: 'network-spike',
    title: 'Network traffic spike',
    description:
      'Instances whose NetworkIn or NetworkOut (Sum) swings at least `swingPercent` above their own normal at some point in the window: ' +
      'the earliest datapoint where the median over the next `sustainHours` is that far above the median of the `baselineHours` before it, ' +
      'above the highest level the instance sustained before (so recurring peaks such as backups pass), and at least `minRecentMBPerHour`. ' +
      'The evidence says when the swing started and whether it is still elevated at the end of the window; an ended swing ranks lower, and ' +
      'one corroborated by mining strings, a GuardDuty crypto finding or flat high CPU ranks high. Starts with less than `minBaselineHours` ' +
      'of baseline or `minHistoryHours` of history before them are not judged (instances with none judged are counted in the evidence). ' +
      'One finding per region.',
    docs: 'docs/detectors.md#network-spike',
    sources: ['cloudwatch', 'ec2', 'ec2-userdata', 'guardduty'],
  },
  options,
  detect,
};
