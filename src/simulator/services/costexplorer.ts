// Simulated Cost Explorer (global: the SDK sends it to us-east-1): GetCostAndUsage,
// GetDimensionValues, GetCostForecast and GetAnomalies answered from `scenario.costs`.
//
// Line items and the compact `daily` series are expanded once into per-day records (cached); a
// request sums the records of the days it covers. Cost Explorer reports as of `now`: days after
// now's date have no cost yet, today is partial, and the last two days are `Estimated`.

import type {
  Anomaly,
  DateInterval,
  Expression,
  ForecastResult,
  GetAnomaliesRequest,
  GetAnomaliesResponse,
  GetCostAndUsageRequest,
  GetCostAndUsageResponse,
  GetCostForecastRequest,
  GetCostForecastResponse,
  GetDimensionValuesRequest,
  GetDimensionValuesResponse,
  Group,
  GroupDefinition,
  MetricValue,
  ResultByTime,
} from '@aws-sdk/client-cost-explorer';
import type { CostDimensions } from '../../scenario/types.js';
import { decodeToken, encodeToken, queryFingerprint } from '../next-token.js';
import { AwsError, type SimContext, type SimulatedService } from '../types.js';

/**
 * GetCostAndUsage page size. AWS does not document it; the simulated account returns at most this
 * many groups a page (summed over ResultsByTime) and continues with NextPageToken, splitting a
 * time period's groups over two pages when one period alone does not fit.
 */
export const CE_GROUPS_PER_PAGE = 5_000;
/** GetDimensionValues page size (undocumented by AWS; chosen here). */
export const CE_DIMENSION_VALUES_PER_PAGE = 1_000;
/** GetAnomalies page size when MaxResults is absent (undocumented by AWS; chosen here). */
export const CE_ANOMALIES_PER_PAGE = 100;
/** Cost Explorer keeps the current month and the 13 before it (without multi-year data). */
const HISTORY_MONTHS = 13;
/** GetCostForecast's simple model: the mean daily cost of the last 14 complete days. */
const FORECAST_LOOKBACK_DAYS = 14;
/** Cost anomalies are available for up to 90 days. */
const ANOMALY_RETENTION_DAYS = 90;

const DAY_MS = 86_400_000;

/** The dimensions the simulated account can filter and group by, and their value when absent. */
const DIMENSIONS = {
  SERVICE: 'service',
  REGION: 'region',
  USAGE_TYPE: 'usageType',
  INSTANCE_TYPE: 'instanceType',
  LINKED_ACCOUNT: 'linkedAccount',
  RECORD_TYPE: 'recordType',
} as const;
type DimensionKey = keyof typeof DIMENSIONS;
type DimensionField = (typeof DIMENSIONS)[DimensionKey];

interface CostRecord extends Record<DimensionField, string> {
  amount: number;
  usageQuantity: number;
}

interface CostIndex {
  byDay: Map<number, CostRecord[]>;
  currency: string;
}

const INDEX_KEY = 'ce:index';
const RESULTS_KEY = 'ce:results';
const RESULTS_MEMO_SIZE = 64;

type MetricKind = 'cost' | 'quantity';
const METRICS: Record<string, MetricKind> = {
  unblendedcost: 'cost',
  blendedcost: 'cost',
  amortizedcost: 'cost',
  netunblendedcost: 'cost',
  netamortizedcost: 'cost',
  usagequantity: 'quantity',
  normalizedusageamount: 'quantity',
};
const FORECAST_METRICS = new Set(['AMORTIZED_COST', 'BLENDED_COST', 'NET_AMORTIZED_COST', 'NET_UNBLENDED_COST', 'UNBLENDED_COST']);

function validation(message: string): AwsError {
  return new AwsError('ValidationException', message, 400);
}

// ---- dates as day numbers (days since 1970-01-01, UTC) ----

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDay(value: unknown, name: string): number {
  const m = typeof value === 'string' ? DATE.exec(value) : null;
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const ms = Date.UTC(y, mo - 1, d);
    const back = new Date(ms);
    if (back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d) return ms / DAY_MS;
  }
  throw validation(`${name}: ${JSON.stringify(value)} is not a valid date (YYYY-MM-DD).`);
}

function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The first day of the month `delta` months from the month of `day`. */
function monthStart(day: number, delta = 0): number {
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + delta, 1) / DAY_MS;
}

function today(ctx: SimContext): number {
  return Math.floor(ctx.account.now / DAY_MS);
}

// ---- the index ----

function record(dims: CostDimensions, accountId: string, amount: number, usageQuantity: number): CostRecord {
  return {
    service: dims.service,
    region: dims.region ?? 'global',
    usageType: dims.usageType ?? 'NoUsageType',
    instanceType: dims.instanceType ?? 'NoInstanceType',
    linkedAccount: dims.linkedAccount ?? accountId,
    recordType: dims.recordType ?? 'Usage',
    amount,
    usageQuantity,
  };
}

function buildIndex(ctx: SimContext): CostIndex {
  const costs = ctx.account.scenario.costs;
  const byDay = new Map<number, CostRecord[]>();
  const add = (day: number, r: CostRecord): void => {
    const list = byDay.get(day);
    if (list) list.push(r);
    else byDay.set(day, [r]);
  };
  for (const item of costs?.lineItems ?? []) {
    add(parseDay(item.date, 'costs.lineItems[].date'), record(item, ctx.account.id, item.amount, item.usageQuantity ?? 0));
  }
  for (const series of costs?.daily ?? []) {
    const start = parseDay(series.start, 'costs.daily[].start');
    series.amounts.forEach((amount, k) => add(start + k, record(series, ctx.account.id, amount, 0)));
  }
  return { byDay, currency: costs?.currency ?? 'USD' };
}

function index(ctx: SimContext): CostIndex {
  let built = ctx.account.cache.get(INDEX_KEY) as CostIndex | undefined;
  if (!built) ctx.account.cache.set(INDEX_KEY, (built = buildIndex(ctx)));
  return built;
}

// ---- filters ----

type Predicate = (r: CostRecord) => boolean;

function dimensionField(key: unknown, where: string): DimensionField {
  if (typeof key === 'string' && Object.hasOwn(DIMENSIONS, key)) return DIMENSIONS[key as DimensionKey];
  throw validation(`${where}: dimension ${JSON.stringify(key)} is not supported by the simulated account (use ${Object.keys(DIMENSIONS).join(', ')}).`);
}

function compileFilter(expr: Expression | undefined, where = 'Filter'): Predicate {
  if (expr === undefined) return () => true;
  const present = (['And', 'Or', 'Not', 'Dimensions', 'Tags', 'CostCategories'] as const).filter((k) => expr[k] !== undefined);
  if (present.length !== 1) {
    throw validation(`${where}: an expression must have exactly one of And, Or, Not, Dimensions, Tags or CostCategories (got ${present.join(', ') || 'none'}).`);
  }
  if (expr.And || expr.Or) {
    const list = (expr.And ?? expr.Or) as Expression[];
    if (list.length === 0) throw validation(`${where}.${expr.And ? 'And' : 'Or'}: needs at least one expression.`);
    const parts = list.map((e, i) => compileFilter(e, `${where}.${expr.And ? 'And' : 'Or'}[${i}]`));
    return expr.And ? (r) => parts.every((p) => p(r)) : (r) => parts.some((p) => p(r));
  }
  if (expr.Not) {
    const inner = compileFilter(expr.Not, `${where}.Not`);
    return (r) => !inner(r);
  }
  if (!expr.Dimensions) throw validation(`${where}: Tags and CostCategories filters are not supported by the simulated account (the scenario has no tags).`);
  const { Key, Values, MatchOptions } = expr.Dimensions as { Key?: string; Values?: string[]; MatchOptions?: string[] };
  const field = dimensionField(Key, `${where}.Dimensions.Key`);
  if (!Array.isArray(Values) || Values.length === 0) throw validation(`${where}.Dimensions.Values: needs at least one value.`);
  const options = new Set(MatchOptions ?? []);
  const unsupported = [...options].filter((o) => !['EQUALS', 'STARTS_WITH', 'ENDS_WITH', 'CONTAINS', 'CASE_SENSITIVE', 'CASE_INSENSITIVE'].includes(o));
  if (unsupported.length > 0) throw validation(`${where}.Dimensions.MatchOptions: ${unsupported.join(', ')} not supported by the simulated account.`);
  const fold = options.has('CASE_INSENSITIVE') ? (s: string) => s.toLowerCase() : (s: string) => s;
  const wanted = Values.map(fold);
  const test: (value: string, w: string) => boolean = options.has('STARTS_WITH')
    ? (v, w) => v.startsWith(w)
    : options.has('ENDS_WITH')
      ? (v, w) => v.endsWith(w)
      : options.has('CONTAINS')
        ? (v, w) => v.includes(w)
        : (v, w) => v === w;
  return (r) => {
    const value = fold(r[field]);
    return wanted.some((w) => test(value, w));
  };
}

// ---- helpers ----

function amountString(x: number): string {
  if (Math.abs(x) < 5e-11) return '0';
  return x.toFixed(10).replace(/\.?0+$/, '');
}

/** The position a NextPageToken carries; a malformed token, or one from another query, is refused. */
function tokenPosition<T>(token: string, fingerprint: string, valid: (position: unknown) => position is T): T {
  const position = decodeToken(token, fingerprint);
  if (valid(position)) return position;
  throw new AwsError('InvalidNextTokenException', 'The pagination token is invalid. Try again without a pagination token.', 400);
}

function isOffset(position: unknown): position is number {
  return typeof position === 'number' && Number.isInteger(position) && position >= 0;
}

interface Span {
  start: number;
  end: number;
}

/** Validates a TimePeriod against what Cost Explorer holds as of now's date. */
function costPeriod(ctx: SimContext, period: DateInterval | undefined): Span {
  if (!period) throw validation('TimePeriod is required.');
  const start = parseDay(period.Start, 'TimePeriod.Start');
  const end = parseDay(period.End, 'TimePeriod.End');
  if (start >= end) throw validation('Start date (and hour) should be before end date (and hour)');
  const now = today(ctx);
  if (start > now) throw validation('Start date must be equal to or no later than the current date.');
  if (end > monthStart(now, 1)) throw validation('end date past the beginning of next month');
  if (start < monthStart(now, -HISTORY_MONTHS)) {
    throw validation(`Start date ${formatDay(start)} is too old: Cost Explorer holds the current month and the ${HISTORY_MONTHS} months before it (earliest ${formatDay(monthStart(now, -HISTORY_MONTHS))}).`);
  }
  return { start, end };
}

function periods(span: Span, granularity: string): Span[] {
  const out: Span[] = [];
  if (granularity === 'DAILY') {
    for (let d = span.start; d < span.end; d++) out.push({ start: d, end: d + 1 });
  } else {
    for (let s = span.start; s < span.end; ) {
      const e = Math.min(monthStart(s, 1), span.end);
      out.push({ start: s, end: e });
      s = e;
    }
  }
  return out;
}

function granularityOf(value: unknown): 'DAILY' | 'MONTHLY' {
  if (value === 'DAILY' || value === 'MONTHLY') return value;
  if (value === 'HOURLY') throw validation('Hourly granularity is not enabled for this account (the simulated account supports DAILY and MONTHLY).');
  throw validation(`Granularity ${JSON.stringify(value)} is not valid: use DAILY or MONTHLY.`);
}

interface Sums {
  amount: number;
  usageQuantity: number;
}

/** Sums the matching records of each day of `span` (days after today have none). */
function eachRecord(ctx: SimContext, span: Span, predicate: Predicate, visit: (r: CostRecord) => void): void {
  const { byDay } = index(ctx);
  const last = Math.min(span.end, today(ctx) + 1);
  for (let d = span.start; d < last; d++) {
    for (const r of byDay.get(d) ?? []) if (predicate(r)) visit(r);
  }
}

// ---- GetCostAndUsage ----

interface ComputedPeriod {
  span: Span;
  estimated: boolean;
  total: Sums;
  groups: { keys: string[]; sums: Sums }[];
}

function computeCostAndUsage(ctx: SimContext, span: Span, granularity: string, groupFields: DimensionField[], predicate: Predicate): ComputedPeriod[] {
  const estimatedFrom = today(ctx) - 1;
  return periods(span, granularity).map((p) => {
    const total: Sums = { amount: 0, usageQuantity: 0 };
    const groups = new Map<string, { keys: string[]; sums: Sums }>();
    eachRecord(ctx, p, predicate, (r) => {
      total.amount += r.amount;
      total.usageQuantity += r.usageQuantity;
      if (groupFields.length === 0) return;
      const keys = groupFields.map((f) => r[f]);
      const id = keys.join('\u0000');
      let group = groups.get(id);
      if (!group) groups.set(id, (group = { keys, sums: { amount: 0, usageQuantity: 0 } }));
      group.sums.amount += r.amount;
      group.sums.usageQuantity += r.usageQuantity;
    });
    return {
      span: p,
      estimated: p.end - 1 >= estimatedFrom,
      total,
      groups: [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g),
    };
  });
}

function memoized<T>(ctx: SimContext, key: string, compute: () => T): T {
  let memo = ctx.account.cache.get(RESULTS_KEY) as Map<string, unknown> | undefined;
  if (!memo) ctx.account.cache.set(RESULTS_KEY, (memo = new Map()));
  if (memo.has(key)) return memo.get(key) as T;
  const value = compute();
  if (memo.size >= RESULTS_MEMO_SIZE) memo.delete(memo.keys().next().value as string);
  memo.set(key, value);
  return value;
}

function metricKinds(metrics: unknown): [string, MetricKind][] {
  if (!Array.isArray(metrics) || metrics.length === 0) throw validation('Metrics is required: name at least one metric (for example UnblendedCost).');
  return metrics.map((m) => {
    const name = typeof m === 'string' ? m.toLowerCase().replace(/_/g, '') : '';
    const kind = Object.hasOwn(METRICS, name) ? METRICS[name] : undefined;
    if (!kind) throw validation(`Metric ${JSON.stringify(m)} is not valid: use AmortizedCost, BlendedCost, NetAmortizedCost, NetUnblendedCost, NormalizedUsageAmount, UnblendedCost or UsageQuantity.`);
    return [m as string, kind];
  });
}

function metricValues(metrics: [string, MetricKind][], sums: Sums, currency: string): Record<string, MetricValue> {
  return Object.fromEntries(
    metrics.map(([name, kind]) => [
      name,
      kind === 'cost' ? { Amount: amountString(sums.amount), Unit: currency } : { Amount: amountString(sums.usageQuantity), Unit: 'N/A' },
    ]),
  );
}

function groupFieldsOf(groupBy: GroupDefinition[] | undefined): DimensionField[] {
  const list = groupBy ?? [];
  if (list.length > 2) throw validation(`GroupBy: at most 2 group definitions are allowed (got ${list.length}).`);
  return list.map((g, i) => {
    if (g.Type !== 'DIMENSION') {
      throw validation(`GroupBy[${i}].Type ${JSON.stringify(g.Type)} is not supported by the simulated account: group by DIMENSION (the scenario has no tags or cost categories).`);
    }
    return dimensionField(g.Key, `GroupBy[${i}].Key`);
  });
}

function getCostAndUsage(ctx: SimContext, input: GetCostAndUsageRequest): GetCostAndUsageResponse {
  const span = costPeriod(ctx, input.TimePeriod);
  const granularity = granularityOf(input.Granularity);
  const metrics = metricKinds(input.Metrics);
  const groupFields = groupFieldsOf(input.GroupBy);
  const predicate = compileFilter(input.Filter);
  const { currency } = index(ctx);

  const request = JSON.stringify([today(ctx), span, granularity, input.Filter ?? null, groupFields]);
  const computed = memoized(ctx, `GetCostAndUsage ${request}`, () => computeCostAndUsage(ctx, span, granularity, groupFields, predicate));
  const period = (p: ComputedPeriod): DateInterval => ({ Start: formatDay(p.span.start), End: formatDay(p.span.end) });

  if (groupFields.length === 0) {
    return {
      ResultsByTime: computed.map((p) => ({ TimePeriod: period(p), Total: metricValues(metrics, p.total, currency), Groups: [], Estimated: p.estimated })),
      DimensionValueAttributes: [],
    };
  }

  const fingerprint = queryFingerprint(request);
  const isPosition = (x: unknown): x is { p: number; g: number } =>
    typeof x === 'object' && x !== null && isOffset((x as { p?: unknown }).p) && isOffset((x as { g?: unknown }).g);
  let { p, g } = input.NextPageToken ? tokenPosition(input.NextPageToken, fingerprint, isPosition) : { p: 0, g: 0 };
  let budget = CE_GROUPS_PER_PAGE;
  const results: ResultByTime[] = [];
  while (p < computed.length && budget > 0) {
    const current = computed[p] as ComputedPeriod;
    const taken = current.groups.slice(g, g + budget);
    results.push({
      TimePeriod: period(current),
      Total: {},
      Groups: taken.map((group): Group => ({ Keys: group.keys, Metrics: metricValues(metrics, group.sums, currency) })),
      Estimated: current.estimated,
    });
    budget -= taken.length;
    g += taken.length;
    if (g >= current.groups.length) {
      p += 1;
      g = 0;
    }
  }
  return {
    ...(p < computed.length ? { NextPageToken: encodeToken({ p, g }, fingerprint) } : {}),
    GroupDefinitions: (input.GroupBy ?? []).map((d) => ({ Type: d.Type, Key: d.Key })),
    ResultsByTime: results,
    DimensionValueAttributes: [],
  };
}

// ---- GetDimensionValues ----

function getDimensionValues(ctx: SimContext, input: GetDimensionValuesRequest): GetDimensionValuesResponse {
  const span = costPeriod(ctx, input.TimePeriod);
  const field = dimensionField(input.Dimension, 'Dimension');
  if (input.Context !== undefined && input.Context !== 'COST_AND_USAGE') {
    throw validation(`Context ${JSON.stringify(input.Context)} is not supported by the simulated account: use COST_AND_USAGE.`);
  }
  const predicate = compileFilter(input.Filter);
  const search = input.SearchString?.toLowerCase();
  const values = new Set<string>();
  eachRecord(ctx, span, predicate, (r) => {
    if (search === undefined || r[field].toLowerCase().includes(search)) values.add(r[field]);
  });
  const all = [...values].sort();
  const pageSize = input.MaxResults ?? CE_DIMENSION_VALUES_PER_PAGE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw validation('MaxResults must be a positive integer.');
  const fingerprint = queryFingerprint([span, field, input.Filter ?? null, search ?? null]);
  const offset = input.NextPageToken ? tokenPosition(input.NextPageToken, fingerprint, isOffset) : 0;
  const page = all.slice(offset, offset + pageSize);
  return {
    DimensionValues: page.map((Value) => ({ Value, Attributes: {} })),
    ReturnSize: page.length,
    TotalSize: all.length,
    ...(offset + page.length < all.length ? { NextPageToken: encodeToken(offset + page.length, fingerprint) } : {}),
  };
}

// ---- GetCostForecast ----

/** Two-sided standard-normal quantile for a prediction interval level (percent), by bisection on erf. */
function normalQuantile(levelPercent: number): number {
  const target = 0.5 + levelPercent / 200;
  const cdf = (z: number): number => {
    // Abramowitz and Stegun 7.1.26
    const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
    const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
    return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
  };
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * A deliberately simple forecast: every future day costs the mean daily cost (after Filter) of
 * the last 14 complete days before today; the prediction interval, when asked for, is
 * mean +/- z * stdev * sqrt(days).
 */
function getCostForecast(ctx: SimContext, input: GetCostForecastRequest): GetCostForecastResponse {
  if (!input.TimePeriod) throw validation('TimePeriod is required.');
  const start = parseDay(input.TimePeriod.Start, 'TimePeriod.Start');
  const end = parseDay(input.TimePeriod.End, 'TimePeriod.End');
  if (start >= end) throw validation('Start date (and hour) should be before end date (and hour)');
  const now = today(ctx);
  if (start < now) throw validation('Start date must be equal to or later than the current date.');
  const granularity = granularityOf(input.Granularity);
  if (typeof input.Metric !== 'string' || !FORECAST_METRICS.has(input.Metric.toUpperCase())) {
    throw validation(`Metric ${JSON.stringify(input.Metric)} is not valid for GetCostForecast: use ${[...FORECAST_METRICS].join(', ')}.`);
  }
  const level = input.PredictionIntervalLevel;
  if (level !== undefined && (!Number.isInteger(level) || level < 51 || level > 99)) {
    throw validation('PredictionIntervalLevel must be an integer from 51 to 99.');
  }
  const predicate = compileFilter(input.Filter);
  const daily = new Array<number>(FORECAST_LOOKBACK_DAYS).fill(0);
  const lookbackStart = now - FORECAST_LOOKBACK_DAYS;
  let seen = 0;
  for (let d = lookbackStart; d < now; d++) {
    eachRecord(ctx, { start: d, end: d + 1 }, predicate, (r) => {
      daily[d - lookbackStart] = (daily[d - lookbackStart] ?? 0) + r.amount;
      seen += 1;
    });
  }
  if (seen === 0) throw new AwsError('DataUnavailableException', 'Insufficient amount of historical data to generate forecast.', 400);
  const mean = daily.reduce((a, b) => a + b, 0) / daily.length;
  const stdev = Math.sqrt(daily.reduce((a, b) => a + (b - mean) ** 2, 0) / daily.length);
  const z = level === undefined ? 0 : normalQuantile(level);
  const { currency } = index(ctx);

  const results: ForecastResult[] = periods({ start, end }, granularity).map((p) => {
    const days = p.end - p.start;
    const value = mean * days;
    const spread = z * stdev * Math.sqrt(days);
    return {
      TimePeriod: { Start: formatDay(p.start), End: formatDay(p.end) },
      MeanValue: amountString(value),
      ...(level === undefined
        ? {}
        : { PredictionIntervalLowerBound: amountString(Math.max(0, value - spread)), PredictionIntervalUpperBound: amountString(value + spread) }),
    };
  });
  return { Total: { Amount: amountString(mean * (end - start)), Unit: currency }, ForecastResultsByTime: results };
}

// ---- GetAnomalies ----

function anomalyDay(value: unknown): number | undefined {
  return typeof value === 'string' && DATE.test(value.slice(0, 10)) ? parseDay(value.slice(0, 10), 'anomaly date') : undefined;
}

function totalImpactMatches(filter: NonNullable<GetAnomaliesRequest['TotalImpact']>, impact: number): boolean {
  const { NumericOperator: op, StartValue: a = 0, EndValue: b } = filter;
  switch (op) {
    case 'EQUAL':
      return impact === a;
    case 'GREATER_THAN':
      return impact > a;
    case 'GREATER_THAN_OR_EQUAL':
      return impact >= a;
    case 'LESS_THAN':
      return impact < a;
    case 'LESS_THAN_OR_EQUAL':
      return impact <= a;
    case 'BETWEEN':
      if (b === undefined) throw validation('TotalImpact: BETWEEN needs an EndValue.');
      return impact >= a && impact <= b;
    default:
      throw validation(`TotalImpact.NumericOperator ${JSON.stringify(op)} is not valid.`);
  }
}

/**
 * Returns the scenario's anomalies whose AnomalyEndDate (AnomalyStartDate while still open) lies in
 * DateInterval, as the API reference describes; anomalies that start after now are not visible yet.
 */
function getAnomalies(ctx: SimContext, input: GetAnomaliesRequest): GetAnomaliesResponse {
  const interval = input.DateInterval;
  if (!interval?.StartDate) throw validation('DateInterval.StartDate is required.');
  const now = today(ctx);
  const from = parseDay(interval.StartDate.slice(0, 10), 'DateInterval.StartDate');
  const to = interval.EndDate ? parseDay(interval.EndDate.slice(0, 10), 'DateInterval.EndDate') : now;
  if (from > to) throw validation('DateInterval.StartDate must not be after DateInterval.EndDate.');
  const pageSize = input.MaxResults ?? CE_ANOMALIES_PER_PAGE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw validation('MaxResults must be a positive integer.');

  const anomalies = (ctx.account.scenario.costs?.anomalies ?? []) as unknown as Anomaly[];
  const matching = anomalies.filter((a) => {
    const started = anomalyDay(a.AnomalyStartDate);
    if (started !== undefined && started > now) return false;
    const day = anomalyDay(a.AnomalyEndDate) ?? started;
    if (day === undefined || day < from || day > to || day < now - ANOMALY_RETENTION_DAYS) return false;
    if (input.MonitorArn !== undefined && a.MonitorArn !== input.MonitorArn) return false;
    if (input.Feedback !== undefined && a.Feedback !== input.Feedback) return false;
    return input.TotalImpact === undefined || totalImpactMatches(input.TotalImpact, a.Impact?.TotalImpact ?? 0);
  });
  const fingerprint = queryFingerprint([from, to, input.MonitorArn ?? null, input.Feedback ?? null, input.TotalImpact ?? null]);
  const offset = input.NextPageToken ? tokenPosition(input.NextPageToken, fingerprint, isOffset) : 0;
  const page = matching.slice(offset, offset + pageSize);
  return {
    Anomalies: page.map((a) => structuredClone(a)),
    ...(offset + page.length < matching.length ? { NextPageToken: encodeToken(offset + page.length, fingerprint) } : {}),
  };
}

export const costExplorerService: SimulatedService = {
  service: 'ce',
  clientName: 'CostExplorerClient',
  operations: {
    GetCostAndUsage: getCostAndUsage,
    GetDimensionValues: getDimensionValues,
    GetCostForecast: getCostForecast,
    GetAnomalies: getAnomalies,
  },
};
