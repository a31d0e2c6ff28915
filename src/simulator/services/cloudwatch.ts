// Simulated CloudWatch: GetMetricData and ListMetrics answered from `scenario.cloudwatch.series`.
//
// A series is a regular stream of datapoints (`Values[k]` at `Start + k*Period`). Asked for a period
// that is a multiple of the series' own, datapoints are combined per output period (aligned to the
// rounded StartTime) the way CloudWatch combines stored datapoints: Average = mean, Sum, Maximum,
// Minimum, SampleCount = count. Asked for a period shorter than the series' own, each datapoint is
// returned at its own timestamp: that is what CloudWatch gives for data stored at a coarser
// resolution (it cannot split a stored datapoint). Several series for the same metric and
// dimensions are merged, the finer one winning wherever their time spans overlap.

import type {
  Dimension,
  DimensionFilter,
  GetMetricDataInput,
  GetMetricDataOutput,
  ListMetricsInput,
  ListMetricsOutput,
  Metric,
  MetricDataQuery,
  MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { MetricSeriesSpec } from '../../scenario/types.js';
import { decodeToken, encodeToken, queryFingerprint, queryOf } from '../next-token.js';
import { AwsError, type SimContext, type SimulatedService } from '../types.js';

/** GetMetricData limits (CloudWatch API reference, GetMetricData). */
export const MAX_METRIC_DATA_QUERIES = 500;
export const MAX_DATAPOINTS_PER_CALL = 100_800;
/** ListMetrics returns up to 500 metrics a call. */
export const LIST_METRICS_PAGE_SIZE = 500;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Retention (CloudWatch concepts, "Metrics retention"): the finest period kept at each age. */
const HIGH_RESOLUTION_AGE = 3 * HOUR;
const ONE_MINUTE_AGE = 15 * DAY;
const FIVE_MINUTE_AGE = 63 * DAY;
const ONE_HOUR_AGE = 455 * DAY;
/** ListMetrics does not return metrics that have reported no data in the past two weeks. */
const LIST_METRICS_RECENT = 14 * DAY;
const RECENTLY_ACTIVE_PT3H = 3 * HOUR;

const STATISTICS = ['Average', 'Sum', 'Maximum', 'Minimum', 'SampleCount'] as const;
type Statistic = (typeof STATISTICS)[number];
const HIGH_RESOLUTION_PERIODS = new Set([1, 5, 10, 20, 30]);
const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;

interface StoredSeries {
  start: number;
  period: number;
  values: (number | null)[];
  /** Spans [from, to) of finer series of the same metric: this series' datapoints there are hidden. */
  finerSpans: [number, number][];
}

interface MetricEntry {
  metric: { Namespace: string; MetricName: string; Dimensions: Dimension[] };
  /** Finest period first. */
  series: StoredSeries[];
  /** Timestamp of the newest non-null datapoint at or before `now` (-Infinity when none). */
  lastDataAt: number;
}

interface CloudWatchIndex {
  now: number;
  /** region -> metric key -> entry */
  byRegion: Map<string, Map<string, MetricEntry>>;
  /** region -> entries in ListMetrics order */
  listing: Map<string, MetricEntry[]>;
}

const CACHE_KEY = 'cloudwatch:index';

function validation(message: string): AwsError {
  return new AwsError('ValidationError', message, 400);
}

function sortedDimensions(dimensions: readonly { Name?: string; Value?: string }[] | undefined): Dimension[] {
  return (dimensions ?? [])
    .map((d) => ({ Name: d.Name ?? '', Value: d.Value ?? '' }))
    .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : a.Value < b.Value ? -1 : a.Value > b.Value ? 1 : 0));
}

function metricKey(namespace: string, metricName: string, dimensions: Dimension[]): string {
  return JSON.stringify([namespace, metricName, dimensions.map((d) => [d.Name, d.Value])]);
}

function lastDataAt(series: StoredSeries, now: number): number {
  const newest = Math.min(series.values.length - 1, Math.floor((now - series.start) / (series.period * SECOND)));
  for (let k = newest; k >= 0; k--) {
    if (series.values[k] != null && !hiddenByFiner(series, series.start + k * series.period * SECOND)) {
      return series.start + k * series.period * SECOND;
    }
  }
  return -Infinity;
}

function buildIndex(ctx: SimContext): CloudWatchIndex {
  const now = ctx.account.now;
  const grouped = new Map<string, Map<string, { metric: MetricEntry['metric']; specs: MetricSeriesSpec[] }>>();
  for (const spec of ctx.account.scenario.cloudwatch?.series ?? []) {
    const dimensions = sortedDimensions(spec.Dimensions);
    const key = metricKey(spec.Namespace, spec.MetricName, dimensions);
    let region = grouped.get(spec.Region);
    if (!region) grouped.set(spec.Region, (region = new Map()));
    let group = region.get(key);
    if (!group) {
      group = { metric: { Namespace: spec.Namespace, MetricName: spec.MetricName, Dimensions: dimensions }, specs: [] };
      region.set(key, group);
    }
    group.specs.push(spec);
  }

  const byRegion: CloudWatchIndex['byRegion'] = new Map();
  const listing: CloudWatchIndex['listing'] = new Map();
  for (const [region, groups] of grouped) {
    const entries = new Map<string, MetricEntry>();
    for (const [key, { metric, specs }] of groups) {
      const ordered = [...specs].sort((a, b) => a.Period - b.Period);
      const series: StoredSeries[] = [];
      for (const spec of ordered) {
        const start = Date.parse(spec.Start);
        series.push({
          start,
          period: spec.Period,
          values: spec.Values,
          finerSpans: series
            .filter((finer) => finer.period < spec.Period)
            .map((finer) => [finer.start, finer.start + finer.values.length * finer.period * SECOND]),
        });
      }
      entries.set(key, { metric, series, lastDataAt: Math.max(...series.map((s) => lastDataAt(s, now))) });
    }
    byRegion.set(region, entries);
    listing.set(
      region,
      [...entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry),
    );
  }
  return { now, byRegion, listing };
}

function index(ctx: SimContext): CloudWatchIndex {
  const cached = ctx.account.cache.get(CACHE_KEY) as CloudWatchIndex | undefined;
  if (cached && cached.now === ctx.account.now) return cached;
  const built = buildIndex(ctx);
  ctx.account.cache.set(CACHE_KEY, built);
  return built;
}

function hiddenByFiner(series: StoredSeries, t: number): boolean {
  const end = t + series.period * SECOND;
  return series.finerSpans.some(([from, to]) => t < to && end > from);
}

function toMillis(value: unknown, name: string): number {
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'string' || typeof value === 'number' ? new Date(value).getTime() : NaN;
  if (!Number.isFinite(ms)) throw validation(`The parameter ${name} is required and must be a timestamp.`);
  return ms;
}

/** CloudWatch rounds StartTime down by its age (GetMetricData, StartTime). */
function roundStartTime(start: number, now: number): number {
  const age = now - start;
  const unit = age > FIVE_MINUTE_AGE ? HOUR : age > ONE_MINUTE_AGE ? 5 * MINUTE : MINUTE;
  return Math.floor(start / unit) * unit;
}

/** Whether datapoints of this age exist at this period; a finer period than retention keeps returns nothing. */
function periodSuitsAge(periodSeconds: number, age: number): boolean {
  if (age > ONE_HOUR_AGE) return false;
  if (age > FIVE_MINUTE_AGE) return periodSeconds % 3600 === 0;
  if (age > ONE_MINUTE_AGE) return periodSeconds % 300 === 0;
  if (age > HIGH_RESOLUTION_AGE) return periodSeconds % 60 === 0;
  return true;
}

/** Aggregated datapoints per output timestamp, ascending: parallel arrays. */
interface Buckets {
  keys: number[];
  count: number[];
  sum: number[];
  min: number[];
  max: number[];
}

function emptyBuckets(): Buckets {
  return { keys: [], count: [], sum: [], min: [], max: [] };
}

/**
 * One series' visible datapoints in [start, last] combined per output period (or, for a period
 * shorter than the series', kept at their own timestamps). Datapoints come in time order, so
 * output timestamps do too.
 */
function seriesBuckets(series: StoredSeries, start: number, last: number, period: number): Buckets {
  const out = emptyBuckets();
  const step = series.period * SECOND;
  const kFrom = Math.max(0, Math.ceil((start - series.start) / step));
  const kTo = Math.min(series.values.length - 1, Math.floor((last - series.start) / step));
  const checkFiner = series.finerSpans.length > 0;
  const own = period < step;
  let key = NaN;
  let count = 0;
  let sum = 0;
  let min = 0;
  let max = 0;
  const flush = (): void => {
    if (count === 0) return;
    out.keys.push(key);
    out.count.push(count);
    out.sum.push(sum);
    out.min.push(min);
    out.max.push(max);
  };
  for (let k = kFrom; k <= kTo; k++) {
    const value = series.values[k];
    if (value == null) continue;
    const t = series.start + k * step;
    if (checkFiner && hiddenByFiner(series, t)) continue;
    const bucket = own ? t : start + Math.floor((t - start) / period) * period;
    if (bucket === key) {
      count += 1;
      sum += value;
      if (value < min) min = value;
      if (value > max) max = value;
    } else {
      flush();
      key = bucket;
      count = 1;
      sum = min = max = value;
    }
  }
  flush();
  return out;
}

/** Two ascending bucket lists as one, combining the buckets they share. */
function mergeBuckets(a: Buckets, b: Buckets): Buckets {
  if (b.keys.length === 0) return a;
  if (a.keys.length === 0) return b;
  const out = emptyBuckets();
  const push = (from: Buckets, i: number): void => {
    out.keys.push(from.keys[i] ?? 0);
    out.count.push(from.count[i] ?? 0);
    out.sum.push(from.sum[i] ?? 0);
    out.min.push(from.min[i] ?? 0);
    out.max.push(from.max[i] ?? 0);
  };
  let i = 0;
  let j = 0;
  while (i < a.keys.length || j < b.keys.length) {
    const ka = a.keys[i] ?? Infinity;
    const kb = b.keys[j] ?? Infinity;
    if (ka < kb) push(a, i++);
    else if (kb < ka) push(b, j++);
    else {
      push(a, i++);
      const n = out.keys.length - 1;
      out.count[n] = (out.count[n] ?? 0) + (b.count[j] ?? 0);
      out.sum[n] = (out.sum[n] ?? 0) + (b.sum[j] ?? 0);
      out.min[n] = Math.min(out.min[n] ?? Infinity, b.min[j] ?? Infinity);
      out.max[n] = Math.max(out.max[n] ?? -Infinity, b.max[j] ?? -Infinity);
      j++;
    }
  }
  return out;
}

function statValue(stat: Statistic, buckets: Buckets, i: number): number {
  switch (stat) {
    case 'Average':
      return (buckets.sum[i] ?? 0) / (buckets.count[i] ?? 1);
    case 'Sum':
      return buckets.sum[i] ?? 0;
    case 'Maximum':
      return buckets.max[i] ?? 0;
    case 'Minimum':
      return buckets.min[i] ?? 0;
    case 'SampleCount':
      return buckets.count[i] ?? 0;
  }
}

interface QueryPoints {
  /** Ascending. */
  timestamps: number[];
  values: number[];
}

function queryPoints(
  entry: MetricEntry | undefined,
  start: number,
  end: number,
  periodSeconds: number,
  stat: Statistic,
  now: number,
): QueryPoints {
  const out: QueryPoints = { timestamps: [], values: [] };
  if (!entry) return out;
  const last = Math.min(end - 1, now);
  const buckets = entry.series
    .map((series) => seriesBuckets(series, start, last, periodSeconds * SECOND))
    .reduce(mergeBuckets, emptyBuckets());
  buckets.keys.forEach((t, i) => {
    if (!periodSuitsAge(periodSeconds, now - t)) return;
    out.timestamps.push(t);
    out.values.push(statValue(stat, buckets, i));
  });
  return out;
}

function tokenOffset(token: string | undefined, fingerprint: string): number {
  if (token === undefined) return 0;
  const offset = decodeToken(token, fingerprint);
  if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  throw new AwsError('InvalidNextToken', 'The service cannot process the NextToken. Try again without it, or with the one the previous call returned.', 400);
}

interface ValidQuery {
  query: MetricDataQuery;
  metric: Required<Pick<Metric, 'Namespace' | 'MetricName'>> & { Dimensions: Dimension[] };
  period: number;
  stat: Statistic;
}

function validateQueries(queries: MetricDataQuery[] | undefined, enforceLimits: boolean): ValidQuery[] {
  if (!Array.isArray(queries) || queries.length === 0) {
    throw validation('The parameter MetricDataQueries is required and must contain at least one query.');
  }
  if (enforceLimits && queries.length > MAX_METRIC_DATA_QUERIES) {
    throw validation(
      `1 validation error detected: Value at 'metricDataQueries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_METRIC_DATA_QUERIES} (got ${queries.length}).`,
    );
  }
  const ids = new Set<string>();
  return queries.map((query, i) => {
    const where = `MetricDataQueries.member.${i + 1}`;
    const id = query.Id;
    if (typeof id !== 'string' || id.length === 0 || id.length > 255 || !QUERY_ID.test(id)) {
      throw validation(`The value ${String(id)} for parameter ${where}.Id is not valid: it must start with a lowercase letter and contain only letters, numbers and underscores.`);
    }
    if (ids.has(id)) throw validation(`The value ${id} for parameter ${where}.Id is a duplicate: Ids must be unique within a request.`);
    ids.add(id);
    if (query.Expression !== undefined) {
      throw validation(`${where}.Expression: metric math and Metrics Insights expressions are not supported by the simulated account; use MetricStat.`);
    }
    const stat = query.MetricStat;
    if (!stat?.Metric) throw validation(`The parameter ${where}.MetricStat is required (the simulated account supports MetricStat queries only).`);
    const { Namespace, MetricName, Dimensions } = stat.Metric;
    if (!Namespace || !MetricName) throw validation(`${where}.MetricStat.Metric requires Namespace and MetricName.`);
    const period = stat.Period;
    if (typeof period !== 'number' || !Number.isInteger(period) || period < 1 || !(period % 60 === 0 || HIGH_RESOLUTION_PERIODS.has(period))) {
      throw validation(`The value ${String(period)} for parameter ${where}.MetricStat.Period is not valid: it must be 1, 5, 10, 20, 30, 60 or a multiple of 60.`);
    }
    if (!(STATISTICS as readonly string[]).includes(stat.Stat ?? '')) {
      throw validation(`The value ${String(stat.Stat)} for parameter ${where}.MetricStat.Stat is not supported by the simulated account: use one of ${STATISTICS.join(', ')}.`);
    }
    return {
      query,
      metric: { Namespace, MetricName, Dimensions: sortedDimensions(Dimensions) },
      period,
      stat: stat.Stat as Statistic,
    };
  });
}

/**
 * Which datapoints a page returns, per query: positions [from, to) in ScanBy order. Across queries
 * CloudWatch returns the newest (or, ascending, the oldest) data first, so a page is a slice of the
 * datapoints of all queries merged by timestamp (ties in query order).
 */
function pageRanges(points: QueryPoints[], offset: number, limit: number, descending: boolean): { from: number; to: number }[] {
  const total = points.reduce((n, p) => n + p.timestamps.length, 0);
  if (offset === 0 && total <= limit) return points.map((p) => ({ from: 0, to: p.timestamps.length }));
  const order: { t: number; q: number }[] = [];
  points.forEach((p, q) => {
    for (const t of p.timestamps) order.push({ t, q });
  });
  order.sort((a, b) => (a.t !== b.t ? (descending ? b.t - a.t : a.t - b.t) : a.q - b.q));
  const ranges = points.map(() => ({ from: 0, to: 0 }));
  order.forEach(({ q }, i) => {
    const range = ranges[q];
    if (!range || i >= offset + limit) return;
    if (i < offset) range.from++;
    range.to++;
  });
  return ranges;
}

function getMetricData(ctx: SimContext, input: GetMetricDataInput): GetMetricDataOutput {
  const { enforceLimits } = ctx.simulation;
  const queries = validateQueries(input.MetricDataQueries, enforceLimits);
  const now = ctx.account.now;
  const requestedStart = toMillis(input.StartTime, 'StartTime');
  const end = toMillis(input.EndTime, 'EndTime');
  if (requestedStart >= end) throw validation('The parameter StartTime must be less than the parameter EndTime.');
  const scanBy = input.ScanBy ?? 'TimestampDescending';
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
    throw validation(`The value ${String(scanBy)} for parameter ScanBy is not valid: use TimestampDescending or TimestampAscending.`);
  }
  const maxDatapoints = input.MaxDatapoints ?? MAX_DATAPOINTS_PER_CALL;
  if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1) {
    throw validation(`The value ${String(input.MaxDatapoints)} for parameter MaxDatapoints must be a positive integer.`);
  }
  const limit = enforceLimits ? Math.min(maxDatapoints, MAX_DATAPOINTS_PER_CALL) : maxDatapoints;
  const start = roundStartTime(requestedStart, now);

  const fingerprint = queryFingerprint(queryOf({ ...input }, { region: ctx.region }, 'MaxDatapoints'));
  const offset = tokenOffset(input.NextToken, fingerprint);

  const metrics = index(ctx).byRegion.get(ctx.region);
  const returned = queries.filter((q) => q.query.ReturnData !== false);
  const points = returned.map((q) =>
    queryPoints(
      metrics?.get(metricKey(q.metric.Namespace, q.metric.MetricName, q.metric.Dimensions)),
      start,
      end,
      q.period,
      q.stat,
      now,
    ),
  );
  const descending = scanBy === 'TimestampDescending';
  const total = points.reduce((n, p) => n + p.timestamps.length, 0);

  const page = pageRanges(points, offset, limit, descending);
  const nextOffset = offset + page.reduce((n, r) => n + (r.to - r.from), 0);

  const results: MetricDataResult[] = returned.map((q, i) => {
    const p = points[i] ?? { timestamps: [], values: [] };
    const { from, to } = page[i] ?? { from: 0, to: 0 };
    const n = p.timestamps.length;
    const timestamps: Date[] = [];
    const values: number[] = [];
    for (let j = from; j < to; j++) {
      const k = descending ? n - 1 - j : j;
      timestamps.push(new Date(p.timestamps[k] ?? 0));
      values.push(p.values[k] ?? 0);
    }
    return {
      Id: q.query.Id,
      Label: q.query.Label ?? q.metric.MetricName,
      Timestamps: timestamps,
      Values: values,
      StatusCode: to < n ? 'PartialData' : 'Complete',
    };
  });
  return {
    MetricDataResults: results,
    ...(nextOffset < total ? { NextToken: encodeToken(nextOffset, fingerprint) } : {}),
    Messages: [],
  };
}

function matchesFilter(metric: MetricEntry['metric'], filters: DimensionFilter[]): boolean {
  return filters.every((f) => metric.Dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)));
}

function listMetrics(ctx: SimContext, input: ListMetricsInput): ListMetricsOutput {
  const filters = input.Dimensions ?? [];
  if (filters.length > 10) throw validation('The parameter Dimensions must contain at most 10 filters.');
  if (input.RecentlyActive !== undefined && input.RecentlyActive !== 'PT3H') {
    throw validation(`The value ${String(input.RecentlyActive)} for parameter RecentlyActive is not valid: the only valid value is PT3H.`);
  }
  const now = ctx.account.now;
  const since = now - (input.RecentlyActive ? RECENTLY_ACTIVE_PT3H : LIST_METRICS_RECENT);
  const matching = (index(ctx).listing.get(ctx.region) ?? []).filter(
    ({ metric, lastDataAt }) =>
      lastDataAt >= since &&
      (input.Namespace === undefined || metric.Namespace === input.Namespace) &&
      (input.MetricName === undefined || metric.MetricName === input.MetricName) &&
      matchesFilter(metric, filters),
  );
  const fingerprint = queryFingerprint(queryOf({ ...input }, { region: ctx.region }));
  const offset = tokenOffset(input.NextToken, fingerprint);
  const page = matching.slice(offset, offset + LIST_METRICS_PAGE_SIZE);
  const next = offset + page.length;
  return {
    Metrics: page.map(({ metric }) => ({
      Namespace: metric.Namespace,
      MetricName: metric.MetricName,
      Dimensions: metric.Dimensions.map((d) => ({ ...d })),
    })),
    ...(next < matching.length ? { NextToken: encodeToken(next, fingerprint) } : {}),
  };
}

export const cloudwatchService: SimulatedService = {
  service: 'cloudwatch',
  clientName: 'CloudWatchClient',
  operations: {
    GetMetricData: getMetricData,
    ListMetrics: listMetrics,
  },
};
