// The state on disk: JSON, gzip-compressed. Metric series, the bulk of a large account's state,
// are stored as a start, a period and the values with gaps as null (not two arrays of numbers),
// rounded to hundredths (CPU percent, bytes): CloudWatch's doubles carry digits no detector uses.

import { gunzipSync, gzipSync } from 'node:zlib';
import type { MetricSeries } from '../providers/types.js';
import { STATE_FORMAT, type AuditState } from './types.js';

interface PackedSeries {
  instanceId: string;
  region: string;
  metric: MetricSeries['metric'];
  period: number;
  start: number;
  values: (number | null)[];
}

function pack(s: MetricSeries): PackedSeries | MetricSeries {
  const step = s.period * 1000;
  const start = s.timestamps[0] ?? 0;
  const values: (number | null)[] = [];
  for (let k = 0; k < s.timestamps.length; k++) {
    const slot = ((s.timestamps[k] as number) - start) / step;
    // Off the period grid: keep the series as it is.
    if (!Number.isInteger(slot) || slot < values.length) return s;
    while (values.length < slot) values.push(null);
    values.push(Math.round((s.values[k] as number) * 100) / 100);
  }
  return { instanceId: s.instanceId, region: s.region, metric: s.metric, period: s.period, start, values };
}

function unpack(p: PackedSeries | MetricSeries): MetricSeries {
  if ('timestamps' in p) return p;
  const timestamps: number[] = [];
  const values: number[] = [];
  p.values.forEach((v, k) => {
    if (v === null) return;
    timestamps.push(p.start + k * p.period * 1000);
    values.push(v);
  });
  return { instanceId: p.instanceId, region: p.region, metric: p.metric, period: p.period, timestamps, values };
}

export function encodeState(state: AuditState): Buffer {
  const cache = state.cache && { ...state.cache, metrics: { ...state.cache.metrics, series: state.cache.metrics.series.map(pack) } };
  return gzipSync(JSON.stringify({ ...state, cache }), { level: 6 });
}

/** Throws with a plain message when the bytes are not a rigwatch state (the caller names the place). */
export function decodeState(bytes: Uint8Array): AuditState {
  let value: unknown;
  try {
    value = JSON.parse(gunzipSync(bytes).toString('utf8'));
  } catch (error) {
    throw new Error(`not a rigwatch state (gzip-compressed JSON): ${(error as Error).message}`, { cause: error });
  }
  const state = value as AuditState & { cache?: { metrics: { series: (PackedSeries | MetricSeries)[] } } };
  if (!state || typeof state !== 'object' || state.format !== STATE_FORMAT) {
    throw new Error(`not a rigwatch state: format is ${JSON.stringify((state as { format?: unknown } | null)?.format)}, expected "${STATE_FORMAT}"`);
  }
  if (typeof state.account !== 'string' || typeof state.findings !== 'object' || typeof state.acks !== 'object') {
    throw new Error('not a rigwatch state: account, findings or acks missing');
  }
  if (state.cache) state.cache.metrics.series = state.cache.metrics.series.map(unpack);
  return state;
}
