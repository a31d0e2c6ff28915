// CloudWatch: CPUUtilization (Average) and NetworkIn/NetworkOut (Sum) of the instances that ran
// in the lookback, batched into GetMetricData: 500 queries a call (never one call per instance),
// and CloudWatch itself pages the answer by its 100,800-datapoint limit with NextToken. Sizing
// batches by the datapoints a range *could* hold would make more calls whenever instances have
// less history than the lookback (new instances, stopped ones, gaps).

import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { Instance, MetricName, MetricSeries } from '../../types.js';
import type { CollectContext } from '../collector.js';

export const PERMISSIONS = ['cloudwatch:GetMetricData'] as const;

export const MAX_QUERIES_PER_CALL = 500;
export const MAX_DATAPOINTS_PER_CALL = 100_800;

const METRICS: { name: MetricName; stat: 'Average' | 'Sum' }[] = [
  { name: 'CPUUtilization', stat: 'Average' },
  { name: 'NetworkIn', stat: 'Sum' },
  { name: 'NetworkOut', stat: 'Sum' },
];

/** Instances worth reading metrics for: running now, or stopped after launching within the lookback. */
export function instancesWithMetrics(instances: Instance[], lookbackStart: number): Instance[] {
  return instances.filter((i) =>
    ['running', 'pending', 'stopping'].includes(i.state) || (i.state === 'stopped' && i.launchTime >= lookbackStart));
}

export function metricsRange(ctx: CollectContext): { start: number; end: number; period: number } {
  const period = ctx.settings.metrics.periodSeconds;
  const step = period * 1000;
  // Aligned to the period, so every call asks for the same buckets CloudWatch stores.
  const end = Math.ceil(ctx.now / step) * step;
  const start = Math.floor((ctx.now - ctx.settings.metrics.lookbackHours * 3_600_000) / step) * step;
  return { start, end, period };
}

/**
 * The metrics of `instances` over the lookback, or for an instance in `readFrom` from that time
 * on (an incremental run re-reads only the window still open). Calls are made per distinct start
 * time, since one GetMetricData call has one StartTime.
 */
export async function collectMetricsRegion(ctx: CollectContext, region: string, instances: Instance[], readFrom?: ReadonlyMap<string, number>): Promise<MetricSeries[]> {
  const { start, end, period } = metricsRange(ctx);
  const targets = instancesWithMetrics(instances, start);
  if (targets.length === 0) return [];
  const byStart = new Map<number, Instance[]>();
  for (const instance of targets) {
    const from = Math.max(start, readFrom?.get(instance.id) ?? start);
    const group = byStart.get(from) ?? [];
    group.push(instance);
    byStart.set(from, group);
  }
  const out: MetricSeries[] = [];
  for (const [from, group] of [...byStart].sort((a, b) => a[0] - b[0])) out.push(...await readMetrics(ctx, region, group, from, end, period));
  return out;
}

async function readMetrics(ctx: CollectContext, region: string, targets: Instance[], start: number, end: number, period: number): Promise<MetricSeries[]> {
  const client = ctx.clients.cloudwatch(region);
  const queries: { query: MetricDataQuery; series: MetricSeries }[] = [];
  for (const instance of targets) {
    for (const m of METRICS) {
      queries.push({
        query: {
          Id: `q${queries.length}`,
          MetricStat: {
            Metric: { Namespace: 'AWS/EC2', MetricName: m.name, Dimensions: [{ Name: 'InstanceId', Value: instance.id }] },
            Period: period,
            Stat: m.stat,
          },
          ReturnData: true,
        },
        series: { instanceId: instance.id, region, metric: m.name, period, timestamps: [], values: [] },
      });
    }
  }
  const byId = new Map(queries.map((q) => [q.query.Id as string, q.series]));
  for (let i = 0; i < queries.length; i += MAX_QUERIES_PER_CALL) {
    const slice = queries.slice(i, i + MAX_QUERIES_PER_CALL).map((q) => q.query);
    let token: string | undefined;
    do {
      const out = await client.send(new GetMetricDataCommand({
        MetricDataQueries: slice, StartTime: new Date(start), EndTime: new Date(end), ScanBy: 'TimestampAscending', NextToken: token,
      }));
      for (const r of out.MetricDataResults ?? []) {
        const series = r.Id ? byId.get(r.Id) : undefined;
        if (!series) continue;
        const ts = r.Timestamps ?? [];
        const vs = r.Values ?? [];
        for (let k = 0; k < ts.length && k < vs.length; k++) {
          series.timestamps.push((ts[k] as Date).getTime());
          series.values.push(vs[k] as number);
        }
      }
      token = out.NextToken;
    } while (token);
  }
  const out = queries.map((q) => q.series).filter((s) => s.values.length > 0);
  for (const s of out) sortSeries(s);
  return out;
}

/** Pages may interleave; detectors expect oldest first. */
function sortSeries(s: MetricSeries): void {
  for (let k = 1; k < s.timestamps.length; k++) {
    if ((s.timestamps[k] as number) < (s.timestamps[k - 1] as number)) {
      const order = s.timestamps.map((t, i) => [t, s.values[i] as number] as const).sort((a, b) => a[0] - b[0]);
      s.timestamps = order.map((p) => p[0]);
      s.values = order.map((p) => p[1]);
      return;
    }
  }
}
