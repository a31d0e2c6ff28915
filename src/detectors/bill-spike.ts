// bill-spike: a day's cost far above its baseline, in total, per service or per region, with the
// dollars at stake. Victims usually learn of mining from the bill (the brief: a cloud bill up
// 320%); Cost Explorer's daily figures show it days before the invoice, and by region and
// usage type they show where the miners run.
//
// Baseline: the median of the `baselineDays` complete (not estimated) days before the window.
// Fixed fees: the 1st and the last day of a month carry monthly fees (AWS Support's RecurringFee,
// Savings Plans, Tax). Such a day is compared with the same day of earlier months when the data
// reaches back that far; otherwise the services named in `fixedFeeServices` are left out of it.
// Today is partial: its cost so far is pro-rated to a full day (`partialDay: prorate`) once a
// quarter of the day has passed, or it is not judged (`partialDay: skip`). Cost Explorer lags by
// hours, so the pro-rated figure errs low, never high. The baseline itself is computed in
// lib/cost-baseline.ts, which the billing report (src/engine/billing.ts) shares.

import { z } from 'zod';
import type { AuditData } from '../providers/types.js';
import { findingId } from '../domain/finding-id.js';
import type { Detector, Finding, Severity } from './types.js';
import { bounded, enabledOption } from './lib/finding.js';
import { median, sum } from './lib/stats.js';
import { costCalendar, judgeScopes, type DayVerdict, type JudgedScope } from './lib/cost-baseline.js';
import { DAY_MS, addDays, dayStartMs, daysBetween, daysInMonth, iso, round } from './lib/time.js';

const options = z.object({
  enabled: enabledOption,
  baselineDays: z.number().int().positive().max(365).default(28)
    .describe('Complete days before the window whose median cost is the baseline.'),
  minBaselineDays: z.number().int().positive().default(7)
    .describe('Baseline days with data (not estimated) needed before a scope is judged at all.'),
  factor: z.number().min(1).default(2)
    .describe("A day is flagged when its cost is at least this multiple of the baseline (2 = the bill doubled)."),
  minDailyExcess: z.number().nonnegative().default(25)
    .describe('...and at least this much above the baseline on that day, in the report currency (ignores noise in small accounts).'),
  severity: z.object({
    critical: z.number().nonnegative().default(1000).describe('Excess over the flagged days (currency) at or above which the finding is critical.'),
    high: z.number().nonnegative().default(250).describe('Excess at or above which it is high.'),
    medium: z.number().nonnegative().default(75).describe('Excess at or above which it is medium; below, low.'),
  }).strict().prefault({}).describe('Severity by the money above the baseline over the flagged days.'),
  partialDay: z.enum(['prorate', 'skip']).default('prorate')
    .describe('Today (partial in Cost Explorer): pro-rate its cost so far to a full day, or leave it out.'),
  fixedFeeServices: z.array(z.string()).default(['AWS Support', 'Tax', 'Savings Plans'])
    .describe('Substrings of service names billed as monthly fixed fees, left out of day comparisons that have no same-day-of-month history.'),
  topBreakdown: z.number().int().positive().max(50).default(10)
    .describe('Services, regions and EC2 usage types listed in the evidence breakdown.'),
}).strict();

export type Options = z.infer<typeof options>;

type Judged = JudgedScope;

function detect(data: AuditData, o: Options): Finding[] {
  const cal = costCalendar(data, o);
  if (!cal) return [];
  const judged = judgeScopes(cal, o);
  if (!judged) return [];
  const { today, fractionOf } = cal;
  const flaggedDays = (j: Judged): Set<string> => new Set(j.days.filter((d) => d.flagged).map((d) => d.date));
  const total = judged.find((j) => j.scope.kind === 'total') as Judged;
  const covered = flaggedDays(total);

  // One finding per spike: the total when it spikes (with the breakdown), then services that
  // spike on days the total does not, then regions that spike on days neither covers.
  const emitted: { judged: Judged; days: Set<string> }[] = [];
  if (covered.size > 0) emitted.push({ judged: total, days: covered });
  for (const kind of ['service', 'region'] as const) {
    const claimed = new Set<string>();
    for (const j of judged.filter((x) => x.scope.kind === kind)) {
      const days = new Set([...flaggedDays(j)].filter((d) => !covered.has(d)));
      if (days.size === 0) continue;
      emitted.push({ judged: j, days });
      for (const d of days) claimed.add(d);
    }
    for (const d of claimed) covered.add(d);
  }

  return emitted.map(({ judged: j, days }) => finding(data, o, j, days, judged, today, fractionOf));
}

function finding(
  data: AuditData, o: Options, j: Judged, days: Set<string>, all: Judged[], today: string, fractionOf: (date: string) => number,
): Finding {
  const flagged = j.days.filter((d) => days.has(d.date));
  const excess = sum(flagged.map((d) => d.excess));
  const windowExcess = sum(j.days.map((d) => Math.max(0, d.excess)));
  const currency = data.costs.currency || 'USD';
  // Severity follows the money: what the spike cost above the account's normal.
  const severity: Severity = excess >= o.severity.critical ? 'critical' : excess >= o.severity.high ? 'high' : excess >= o.severity.medium ? 'medium' : 'low';
  const { kind, name } = j.scope;
  const region = kind === 'region' ? name : 'global';
  const peak = flagged.reduce((a, b) => (b.excess > a.excess ? b : a));
  const last = flagged[flagged.length - 1] as DayVerdict;

  // The total breaks down by service and by region; a service by its regions; a region by its services.
  const breakdown = (by: 'service' | 'region') => {
    const parts = all.flatMap((x) => {
      if (kind === 'total') return x.scope.kind === by ? [{ name: x.scope.name, judged: x }] : [];
      if (x.scope.kind !== 'service-region') return [];
      const [service = '', inRegion = ''] = x.scope.name.split('\u0000');
      if (kind === 'service' && service === name) return [{ name: inRegion, judged: x }];
      if (kind === 'region' && inRegion === name) return [{ name: service, judged: x }];
      return [];
    });
    return bounded(parts
      .map((p) => ({ name: p.name, excess: round(sum(p.judged.days.filter((d) => days.has(d.date)).map((d) => Math.max(0, d.excess)))) }))
      .filter((p) => p.excess > 0)
      .sort((a, b) => b.excess - a.excess), o.topBreakdown);
  };

  const monthStart = `${last.date.slice(0, 8)}01`;
  const dayOfMonth = Number(last.date.slice(8));
  const scopeDay = (d: string): { amount: number; fees: number } => j.scope.days.get(d) ?? { amount: 0, fees: 0 };
  const monthDays = daysBetween(monthStart, last.date);
  const usageSoFar = sum(monthDays.map((d) => (scopeDay(d).amount - scopeDay(d).fees) / fractionOf(d)));
  const atCurrentRate = usageSoFar + last.usage * (daysInMonth(last.date) - dayOfMonth);
  const atBaseline = j.baseline * daysInMonth(last.date);
  const prevMonthStart = `${addDays(monthStart, -1).slice(0, 8)}01`;
  const firstDataDay = data.costs.start || '9999-12-31';
  const previousSameDays = firstDataDay <= prevMonthStart
    ? sum(daysBetween(prevMonthStart, addDays(prevMonthStart, Math.min(dayOfMonth, daysInMonth(prevMonthStart)) - 1)).map((d) => scopeDay(d).amount))
    : undefined;
  const monthToDate = sum(monthDays.map((d) => scopeDay(d).amount));

  const label = kind === 'total' ? 'Total daily cost' : kind === 'service' ? `Daily cost of ${name}` : `Daily cost in ${name}`;
  return {
    id: findingId('bill-spike', data.account.id, region, kind, name),
    detector: 'bill-spike',
    severity,
    title: `${label} up to ${round(peak.actual)} ${currency} on ${peak.date} against a baseline of ${round(peak.baseline)} ` +
      `(+${round(excess)} ${currency} over ${flagged.length} day${flagged.length === 1 ? '' : 's'})`,
    account: data.account.id,
    region,
    resources: [],
    firstSeen: iso(dayStartMs((flagged[0] as DayVerdict).date)),
    lastSeen: iso(Math.min(dayStartMs(last.date) + DAY_MS, data.now)),
    evidence: {
      scope: kind,
      name,
      currency,
      days: flagged.map((d) => ({
        date: d.date, actual: round(d.actual), baseline: round(d.baseline), excess: round(d.excess),
        ratio: d.baseline > 0 ? round(d.actual / d.baseline) : null, basis: d.basis, estimated: d.estimated, partial: d.partial,
      })),
      excess: round(excess),
      windowExcess: round(windowExcess),
      baseline: { dailyMedian: round(j.baseline), dailyMad: round(j.baselineMad), days: j.baselineDaysUsed, excludes: 'estimated days, month-start and month-end days, fixed-fee services' },
      thresholds: { factor: o.factor, minDailyExcess: o.minDailyExcess },
      breakdown: {
        ...(kind !== 'service' ? { services: breakdown('service') } : {}),
        ...(kind !== 'region' ? { regions: breakdown('region') } : {}),
        usageTypes: topUsageTypes(data, o, j, days, today),
      },
      monthToDate: {
        through: last.date,
        actual: round(monthToDate),
        previousMonthSameDays: previousSameDays === undefined ? null : round(previousSameDays),
        changePct: previousSameDays ? round((monthToDate / previousSameDays - 1) * 100, 1) : null,
      },
      projectedMonth: {
        atCurrentRate: round(atCurrentRate),
        atBaseline: round(atBaseline),
        upPct: atBaseline > 0 ? round((atCurrentRate / atBaseline - 1) * 100, 1) : null,
        excludesFixedFees: true,
      },
    },
  };
}

/** The EC2 usage types (instance types) behind the flagged days, by money above their own baseline. */
function topUsageTypes(data: AuditData, o: Options, j: Judged, days: Set<string>, today: string) {
  const { kind, name } = j.scope;
  const rows = data.costs.ec2ByUsageType.filter((r) =>
    (kind !== 'region' || r.region === name) && (kind !== 'service' || r.service === name));
  const baselineDays = new Set<string>();
  const firstFlagged = [...days].sort()[0] as string;
  const from = addDays(firstFlagged, -o.baselineDays);
  const series = new Map<string, { region: string; usageType: string; byDay: Map<string, number> }>();
  for (const r of rows) {
    if (!r.usageType) continue;
    const key = `${r.region}\u0000${r.usageType}`;
    const s = series.get(key) ?? { region: r.region, usageType: r.usageType, byDay: new Map<string, number>() };
    series.set(key, s);
    s.byDay.set(r.date, (s.byDay.get(r.date) ?? 0) + r.amount);
    if (r.date >= from && r.date < firstFlagged && !r.estimated && r.date !== today) baselineDays.add(r.date);
  }
  const base = [...baselineDays];
  return bounded([...series.values()]
    .map((s) => {
      const baseline = base.length > 0 ? median(base.map((d) => s.byDay.get(d) ?? 0)) : 0;
      const actual = sum([...days].map((d) => s.byDay.get(d) ?? 0));
      return {
        usageType: s.usageType,
        instanceType: s.usageType.includes(':') ? s.usageType.split(':').pop() : undefined,
        region: s.region,
        actual: round(actual),
        excess: round(actual - baseline * days.size),
      };
    })
    .filter((u) => u.excess > 0)
    .sort((a, b) => b.excess - a.excess), o.topBreakdown);
}

export const detector: Detector<Options> = {
  meta: {
    id: 'bill-spike',
    title: 'Bill spike',
    description:
      "Days whose cost (in total, per service, per region) is at least `factor` times the median of the complete days before the window " +
      'and at least `minDailyExcess` above it, with the money above the baseline, the services, regions and EC2 usage types behind it, ' +
      'and the month-to-date and projected monthly change. Month-start and month-end days are compared with the same day of earlier ' +
      "months (fixed fees); today's partial cost is pro-rated. One finding per spike: the total when it spikes, otherwise the service or region that does.",
    docs: 'docs/detectors.md#bill-spike',
    sources: ['costexplorer'],
  },
  options,
  detect,
};
