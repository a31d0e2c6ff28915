// The cost baseline, in one place: bill-spike judges spikes with it and the billing report
// (src/engine/billing.ts) draws its expected-against-actual from it, so both always agree.
//
// Cost Explorer's daily rows are summed into scopes (the account total, each service, each
// region, each service in each region). The baseline of a scope is the median of the complete
// (not estimated) days of the `baselineDays` before the window, month-start and month-end days
// left out; fixed-fee services (AWS Support, Tax, Savings Plans) are left out of every median.
// A window day is judged against that median, or, on the 1st and on the last day of a month,
// against the same day of earlier months when the data reaches back that far. Today is partial:
// its usage so far is pro-rated to a whole day once a quarter of the day has passed (`prorate`),
// or it is not judged (`skip`).

import type { AuditData, CostRow } from '../../providers/types.js';
import { median, mad } from './stats.js';
import { DAY_MS, addDays, dayKey, dayStartMs, daysBetween, daysInMonth } from './time.js';

/** The options the baseline reads: bill-spike's (config `detectors.bill-spike`). */
export interface CostBaselineOptions {
  baselineDays: number;
  minBaselineDays: number;
  factor: number;
  minDailyExcess: number;
  partialDay: 'prorate' | 'skip';
  fixedFeeServices: string[];
}

/** Below this share of today, pro-rating multiplies noise more than it tells. */
export const MIN_PRORATE_FRACTION = 0.25;

/** `service-region` scopes are the cells: one service in one region. */
export type ScopeKind = 'total' | 'service' | 'region' | 'service-region';

export interface DayFigures {
  amount: number;
  /** The part of `amount` from fixed-fee services. */
  fees: number;
}

export interface CostScope {
  kind: ScopeKind;
  /** "total", the service, the region, or `service\u0000region` for a cell. */
  name: string;
  /** Set for service and cell scopes. */
  service?: string;
  /** Set for region and cell scopes ("global" for rows without a region). */
  region?: string;
  days: Map<string, DayFigures>;
  /** Every row of it is a fixed fee (AWS Support ...): judged only against the same day of earlier months. */
  feesOnly: boolean;
}

export interface DayVerdict {
  date: string;
  /** The day's cost as compared: pro-rated when partial, fixed fees left out on the median basis. */
  actual: number;
  /** The day's cost without fixed fees, pro-rated when partial: the rate a month is projected at. */
  usage: number;
  /** The day's fixed fees (never pro-rated). */
  fees: number;
  baseline: number;
  excess: number;
  flagged: boolean;
  basis: 'median' | 'same-day-of-month';
  estimated: boolean;
  partial: boolean;
}

export interface JudgedScope {
  scope: CostScope;
  /** Median daily usage (fixed fees left out) of the baseline days. */
  baseline: number;
  /** Median absolute deviation of the baseline days: how much the normal day varies. */
  baselineMad: number;
  baselineDaysUsed: number;
  /** The window days judged, oldest first. */
  days: DayVerdict[];
}

/** The cost rows summed into scopes, with the calendar the baseline and the window follow. */
export interface CostCalendar {
  scopes: CostScope[];
  total: CostScope;
  /** Days some row marks estimated (Cost Explorer has not called them final). */
  estimated: Set<string>;
  today: string;
  firstDataDay: string;
  firstWindowDay: string;
  lastWindowDay: string;
  windowDays: string[];
  /** Complete days with data before the window. */
  history: string[];
  /** First day the baseline may use. */
  baselineFrom: string;
  /** The days whose median is the baseline. */
  baselineDays: string[];
  /** The share of a day elapsed (1 for every day but today). */
  fractionOf(date: string): number;
  isFee(service: string): boolean;
}

export const isMonthEdge = (date: string): boolean => date.endsWith('-01') || Number(date.slice(8)) === daysInMonth(date);
const sameEdge = (a: string, b: string): boolean => a.endsWith('-01') === b.endsWith('-01');
const later = (a: string, b: string): string => (a > b ? a : b);
const earlier = (a: string, b: string): string => (a < b ? a : b);

/** Cost Explorer's region of a row as a scope name: rows of global services have "global", "NoRegion" or none. */
export const costRegion = (row: Pick<CostRow, 'region'>): string =>
  row.region && row.region !== 'global' && row.region !== 'NoRegion' ? row.region : 'global';

export const CELL_SEPARATOR = '\u0000';

function addRow(scopes: Map<string, CostScope>, kind: ScopeKind, name: string, row: CostRow, isFee: boolean, extra: Pick<CostScope, 'service' | 'region'>): void {
  const key = `${kind}${CELL_SEPARATOR}${name}`;
  let scope = scopes.get(key);
  if (!scope) scopes.set(key, (scope = { kind, name, ...extra, days: new Map(), feesOnly: true }));
  const day = scope.days.get(row.date) ?? { amount: 0, fees: 0 };
  day.amount += row.amount;
  if (isFee) day.fees += row.amount;
  scope.days.set(row.date, day);
  scope.feesOnly &&= isFee;
}

/** The scopes and calendar of the collected costs; undefined when there is no cost or no window day to judge. */
export function costCalendar(data: AuditData, o: Pick<CostBaselineOptions, 'baselineDays' | 'fixedFeeServices'>): CostCalendar | undefined {
  const rows = data.costs.byServiceRegion;
  if (rows.length === 0) return undefined;
  const isFee = (service: string): boolean => o.fixedFeeServices.some((p) => service.toLowerCase().includes(p.toLowerCase()));

  const scopes = new Map<string, CostScope>();
  const estimated = new Set<string>();
  for (const row of rows) {
    const fee = isFee(row.service);
    const region = costRegion(row);
    addRow(scopes, 'total', 'total', row, fee, {});
    addRow(scopes, 'service', row.service, row, fee, { service: row.service });
    if (region !== 'global') addRow(scopes, 'region', region, row, fee, { region });
    addRow(scopes, 'service-region', `${row.service}${CELL_SEPARATOR}${region}`, row, fee, { service: row.service, region });
    if (row.estimated) estimated.add(row.date);
  }

  const today = dayKey(data.now);
  const firstDataDay = data.costs.start || rows.reduce((min, r) => (r.date < min ? r.date : min), today);
  const lastDataDay = data.costs.end ? addDays(data.costs.end, -1) : today;
  const firstWindowDay = later(dayKey(data.window.start), firstDataDay);
  const lastWindowDay = earlier(earlier(dayKey(data.window.end), today), lastDataDay);
  if (firstWindowDay > lastWindowDay) return undefined;
  const history = firstDataDay < firstWindowDay ? daysBetween(firstDataDay, addDays(firstWindowDay, -1)).filter((d) => !estimated.has(d)) : [];
  const baselineFrom = addDays(firstWindowDay, -o.baselineDays);
  const all = [...scopes.values()];
  return {
    scopes: all,
    total: all.find((s) => s.kind === 'total') as CostScope,
    estimated,
    today,
    firstDataDay,
    firstWindowDay,
    lastWindowDay,
    windowDays: daysBetween(firstWindowDay, lastWindowDay),
    history,
    baselineFrom,
    baselineDays: history.filter((d) => d >= baselineFrom && !isMonthEdge(d)),
    fractionOf: (date) => (date === today ? Math.min(1, (data.now - dayStartMs(date)) / DAY_MS) : 1),
    isFee,
  };
}

/** A scope's figures on a day (zero when it has no cost that day). */
export const figuresOn = (scope: CostScope, date: string): DayFigures => scope.days.get(date) ?? { amount: 0, fees: 0 };

/**
 * Judges every scope's window days against its baseline; undefined when fewer than
 * `minBaselineDays` baseline days have data (too little history to judge anything).
 */
export function judgeScopes(cal: CostCalendar, o: CostBaselineOptions): JudgedScope[] | undefined {
  if (cal.baselineDays.length < o.minBaselineDays) return undefined;
  // Month-start days compare with earlier month starts, month-end days with earlier month ends.
  const priorsOf = new Map(cal.windowDays.map((date) => [date, isMonthEdge(date) ? cal.history.filter((d) => isMonthEdge(d) && sameEdge(d, date)) : []]));

  const judge = (scope: CostScope): JudgedScope => {
    const fig = (d: string): DayFigures => figuresOn(scope, d);
    const baselineValues = cal.baselineDays.map((d) => fig(d).amount - fig(d).fees);
    const baseline = median(baselineValues);
    const days: DayVerdict[] = [];
    for (const date of cal.windowDays) {
      const fraction = cal.fractionOf(date);
      const partial = fraction < 1;
      if (partial && (o.partialDay === 'skip' || fraction < MIN_PRORATE_FRACTION)) continue;
      const { amount, fees } = fig(date);
      const priors = priorsOf.get(date) ?? [];
      const usage = (amount - fees) / fraction;
      const common = { date, usage, fees, estimated: cal.estimated.has(date), partial };
      let verdict: Omit<DayVerdict, 'excess' | 'flagged'>;
      if (priors.length > 0) {
        verdict = { ...common, actual: usage + fees, baseline: median(priors.map((d) => fig(d).amount)), basis: 'same-day-of-month' };
      } else if (!scope.feesOnly) {
        verdict = { ...common, actual: usage, baseline, basis: 'median' };
      } else continue;
      const excess = verdict.actual - verdict.baseline;
      days.push({ ...verdict, excess, flagged: verdict.actual >= o.factor * verdict.baseline && excess >= o.minDailyExcess });
    }
    return { scope, baseline, baselineMad: mad(baselineValues), baselineDaysUsed: cal.baselineDays.length, days };
  };
  return cal.scopes.map(judge);
}

/**
 * A verdict as money a reader compares: what the day was expected to cost and what it cost,
 * fixed fees included on both sides (the median basis compares without them; the
 * same-day-of-month basis already includes them).
 */
export function expectedAndActual(v: DayVerdict): { expected: number; actual: number } {
  return v.basis === 'median' ? { expected: v.baseline + v.fees, actual: v.actual + v.fees } : { expected: v.baseline, actual: v.actual };
}
