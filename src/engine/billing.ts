// The billing anomaly report (the finance side of the report): each day's bill against what was
// expected, where the money above it went (day, service, region, account), month-to-date, a
// month-end forecast, the top services for a chart, and AWS Cost Anomaly Detection's anomalies
// beside rigwatch's with when each was first flagged.
//
// One baseline: `expected` is bill-spike's (src/detectors/lib/cost-baseline.ts, with bill-spike's
// options from the config), and rigwatch's anomalous days are exactly the days of bill-spike's
// findings of at least medium severity that count (not muted, not resolved). A low bill-spike
// finding (less than `severity.medium` above baseline over its days, $75 by default) is a bump,
// not an anomaly: a sale day's Auto Scaling surge is one. On an anomalous day, the cells (one
// service in one region) that are themselves far above their own baseline (bill-spike's `factor`
// and `minDailyExcess`) are the anomalies listed; when none is, the cells that explain most of
// the day's excess are.
//
// The account dimension: Cost Explorer's rows are grouped by service and region only, so every
// cell is the audited account's (in an Organization's management account, that includes the
// members' cost).

import { detector as billSpike, type Options as BillSpikeOptions } from '../detectors/bill-spike.js';
import {
  CELL_SEPARATOR, costCalendar, expectedAndActual, figuresOn, judgeScopes, type CostCalendar, type DayVerdict, type JudgedScope,
} from '../detectors/lib/cost-baseline.js';
import { median, sum } from '../detectors/lib/stats.js';
import { addDays, daysBetween, daysInMonth, round } from '../detectors/lib/time.js';
import { SEVERITY_RANK, type Finding, type Severity } from '../detectors/types.js';
import type { AuditData } from '../providers/types.js';
import type { Config } from './config.js';
import { counts } from './report.js';
import type { AwsCostAnomaly, BillingAnomaly, BillingDay, BillingReport } from './story.js';

/** A bill-spike finding at or above this severity makes its days anomalous. */
export const MIN_ANOMALY_SEVERITY: Severity = 'medium';
/** Services drawn one by one in `byService`; the rest are summed as "Other". */
export const TOP_SERVICES = 6;
/** When no cell is far above its own baseline on an anomalous day: the cells that explain this share of its excess, at most MAX_CONTRIBUTORS. */
const CONTRIBUTOR_SHARE = 0.5;
const MAX_CONTRIBUTORS = 5;

interface SpikeFinding {
  id: string;
  scope: 'total' | 'service' | 'region';
  name: string;
  days: string[];
}

/** The bill-spike findings that make days anomalous. */
function anomalousFindings(findings: Finding[]): SpikeFinding[] {
  return findings
    .filter((f) => f.detector === 'bill-spike' && counts(f) && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[MIN_ANOMALY_SEVERITY])
    .flatMap((f) => {
      const scope = f.evidence.scope;
      const days = Array.isArray(f.evidence.days) ? (f.evidence.days as { date?: unknown }[]).map((d) => d.date).filter((d): d is string => typeof d === 'string') : [];
      if ((scope !== 'total' && scope !== 'service' && scope !== 'region') || typeof f.evidence.name !== 'string' || days.length === 0) return [];
      return [{ id: f.id, scope, name: f.evidence.name, days }];
    });
}

const money = (x: number): number => round(x, 2);

export function buildBillingReport(data: AuditData, config: Config, findings: Finding[]): BillingReport {
  const o: BillSpikeOptions = billSpike.options.parse(config.detectors['bill-spike'] ?? {});
  const currency = data.costs.currency || 'USD';
  const account = data.account.id;
  const notes = [
    `Cost Explorer's rows are grouped by service and region, not by linked account: every figure is account ${account}'s view ` +
      '(in an Organization\'s management account, that includes its members\' cost).',
  ];
  if (!o.enabled) notes.push('bill-spike is disabled in the config: no day is judged anomalous.');
  const report: BillingReport = {
    currency,
    account,
    window: { start: new Date(data.window.start).toISOString(), end: new Date(data.window.end).toISOString() },
    days: [],
    byService: [],
    anomalies: [],
    anomalyImpact: 0,
    monthToDate: 0,
    forecast: { monthEnd: 0, atBaseline: 0, basis: 'no cost data' },
    notes,
  };
  const cal = costCalendar(data, o);
  const aws = awsInWindow(data.costs.awsAnomalies, cal?.firstWindowDay ?? new Date(data.window.start).toISOString().slice(0, 10));
  if (aws) report.awsAnomalies = aws;
  if (!cal) {
    notes.push(data.costs.byServiceRegion.length === 0 ? 'No cost data (see coverage: costexplorer).' : 'No day of the window has cost data yet.');
    return withFirstFlagged(report, undefined, aws);
  }

  const judged = judgeScopes(cal, o);
  if (!judged) {
    const n = cal.baselineDays.length;
    notes.push(`Too little history to judge: ${n} complete baseline day${n === 1 ? '' : 's'} before the window, bill-spike needs ${o.minBaselineDays}; ` +
      '`expected` is the median of the days there are (0 with none) and no day is judged.');
  }
  const total = judged?.find((j) => j.scope.kind === 'total');
  const baselineDaily = total?.baseline ?? median(cal.baselineDays.map((d) => figuresOn(cal.total, d).amount - figuresOn(cal.total, d).fees));
  if (cal.baselineDays.length > 0) {
    report.baseline = {
      dailyMedian: money(baselineDaily),
      days: cal.baselineDays.length,
      from: cal.baselineDays[0] as string,
      to: cal.baselineDays[cal.baselineDays.length - 1] as string,
      excludes: `estimated days, month-start and month-end days, fixed-fee services (${o.fixedFeeServices.join(', ')})`,
    };
  }

  // rigwatch's anomalies: the days of bill-spike's findings, and the cells behind them.
  const spikes = judged && o.enabled ? anomalousFindings(findings) : [];
  const anomalousDays = new Set(spikes.flatMap((s) => s.days));
  const byKindName = new Map((judged ?? []).map((j) => [`${j.scope.kind}${CELL_SEPARATOR}${j.scope.name}`, j]));
  const cells = (judged ?? []).filter((j) => j.scope.kind === 'service-region');
  const verdictOn = (j: JudgedScope, date: string): DayVerdict | undefined => j.days.find((d) => d.date === date);
  const anomalies = new Map<string, BillingAnomaly>();
  let anomalyImpact = 0;
  for (const spike of spikes) {
    const scope = byKindName.get(`${spike.scope}${CELL_SEPARATOR}${spike.name}`);
    const inScope = cells.filter((c) => spike.scope === 'total' || (spike.scope === 'service' ? c.scope.service === spike.name : c.scope.region === spike.name));
    for (const date of spike.days) {
      const day = scope && verdictOn(scope, date);
      if (day) anomalyImpact += day.excess;
      const candidates = inScope.flatMap((c) => {
        const v = verdictOn(c, date);
        return v && v.excess > 0 ? [{ cell: c, v }] : [];
      }).sort((a, b) => b.v.excess - a.v.excess || a.cell.scope.name.localeCompare(b.cell.scope.name));
      let chosen = candidates.filter((x) => x.v.flagged);
      if (chosen.length === 0) {
        // No single cell is far above its own baseline: list those that explain most of the day's excess.
        const target = CONTRIBUTOR_SHARE * Math.max(0, day?.excess ?? sum(candidates.map((x) => x.v.excess)));
        let covered = 0;
        chosen = [];
        for (const x of candidates) {
          if (covered >= target || chosen.length >= MAX_CONTRIBUTORS) break;
          chosen.push(x);
          covered += x.v.excess;
        }
      }
      for (const { cell, v } of chosen) {
        const { expected, actual } = expectedAndActual(v);
        const key = `${date}${CELL_SEPARATOR}${cell.scope.name}`;
        if (anomalies.has(key)) continue;
        anomalies.set(key, {
          date, service: cell.scope.service ?? '', region: cell.scope.region ?? 'global', account,
          expected: money(expected), actual: money(actual), impact: money(v.excess), findingId: spike.id,
          ...(v.estimated && { estimated: true }), ...(v.partial && { partial: true }),
        });
      }
    }
  }
  report.anomalies = [...anomalies.values()].sort((a, b) => a.date.localeCompare(b.date) || b.impact - a.impact || a.service.localeCompare(b.service) || a.region.localeCompare(b.region));
  report.anomalyImpact = money(anomalyImpact);

  // The account's days: the baseline period at its median, the window as judged.
  const shown = billingDays(cal, total, baselineDaily, anomalousDays);
  report.days = shown;
  report.byService = byService(cal, shown);
  Object.assign(report, monthFigures(cal, total, baselineDaily));
  return withFirstFlagged(report, [...anomalousDays].sort()[0], aws);
}

/** AWS's anomalies that reach into the window (the last day, or the first while open, not before its first day). */
function awsInWindow(anomalies: AwsCostAnomaly[] | undefined, firstWindowDay: string): AwsCostAnomaly[] | undefined {
  return anomalies?.filter((a) => (a.end ?? a.start) >= firstWindowDay);
}

function withFirstFlagged(report: BillingReport, rigwatch: string | undefined, aws: AwsCostAnomaly[] | undefined): BillingReport {
  const awsFirst = aws?.map((a) => a.firstFlagged).filter((d): d is string => d !== undefined).sort()[0];
  if (rigwatch || awsFirst) report.firstFlagged = { ...(rigwatch && { rigwatch }), ...(awsFirst && { aws: awsFirst }) };
  return report;
}

function billingDays(cal: CostCalendar, total: JudgedScope | undefined, baselineDaily: number, anomalous: Set<string>): BillingDay[] {
  const first = cal.baselineFrom > cal.firstDataDay ? cal.baselineFrom : cal.firstDataDay;
  const verdicts = new Map((total?.days ?? []).map((d) => [d.date, d]));
  const out: BillingDay[] = [];
  for (const date of daysBetween(first, cal.lastWindowDay)) {
    const fig = figuresOn(cal.total, date);
    const estimated = cal.estimated.has(date);
    if (date >= cal.firstWindowDay && total) {
      const v = verdicts.get(date);
      if (!v) continue; // today before a quarter of it has passed, or partialDay: skip
      const { expected, actual } = expectedAndActual(v);
      out.push({ date, expected: money(expected), actual: money(actual), estimated, ...(v.partial && { partial: true }), anomaly: anomalous.has(date) });
    } else {
      if (cal.fractionOf(date) < 1) continue; // today, not judged: a partial figure is not a day's bill
      out.push({ date, expected: money(baselineDaily + fig.fees), actual: money(fig.amount), estimated, anomaly: false });
    }
  }
  return out;
}

/** Daily cost of the top services over the window, the rest as "Other"; today pro-rated as `days` is, so a stack sums to each day's actual. */
function byService(cal: CostCalendar, days: BillingDay[]): BillingReport['byService'] {
  const services = cal.scopes.filter((s) => s.kind === 'service');
  const amountOn = (service: (typeof services)[number], day: BillingDay): number => {
    const { amount } = figuresOn(service, day.date);
    return day.partial && !service.feesOnly ? amount / cal.fractionOf(day.date) : amount;
  };
  const windowDays = days.filter((d) => d.date >= cal.firstWindowDay);
  const ranked = services
    .map((s) => ({ s, window: sum(windowDays.map((d) => amountOn(s, d))) }))
    .sort((a, b) => b.window - a.window || a.s.name.localeCompare(b.s.name));
  const top = ranked.slice(0, TOP_SERVICES).filter((r) => r.window > 0).map((r) => r.s);
  const rest = services.filter((s) => !top.includes(s));
  const out: BillingReport['byService'] = [];
  for (const s of top) for (const d of days) out.push({ service: s.name, date: d.date, amount: money(amountOn(s, d)) });
  if (rest.length > 0) for (const d of days) out.push({ service: 'Other', date: d.date, amount: money(sum(rest.map((s) => amountOn(s, d)))) });
  return out;
}

/** Month-to-date and the month-end forecast, at the current run-rate and at the baseline. */
function monthFigures(cal: CostCalendar, total: JudgedScope | undefined, baselineDaily: number): Pick<BillingReport, 'monthToDate' | 'forecast'> {
  const today = cal.today;
  const monthStart = `${today.slice(0, 8)}01`;
  const inMonth = daysBetween(monthStart, today);
  const fig = (d: string) => figuresOn(cal.total, d);
  const monthToDate = sum(inMonth.map((d) => fig(d).amount));
  const feesSoFar = sum(inMonth.map((d) => fig(d).fees));
  const monthDays = daysInMonth(today);
  const remaining = monthDays - Number(today.slice(8));

  // The run-rate: the last judged day's usage (today pro-rated when judged), fixed fees left out.
  const last = total?.days[total.days.length - 1];
  let rateDay: string | undefined;
  let rate = 0;
  if (last) {
    rateDay = last.date;
    rate = last.usage;
  } else {
    for (let d = addDays(today, -1); d >= cal.firstDataDay; d = addDays(d, -1)) {
      if (cal.total.days.has(d)) {
        rateDay = d;
        rate = fig(d).amount - fig(d).fees;
        break;
      }
    }
  }
  const complete = sum(inMonth.filter((d) => d !== today).map((d) => fig(d).amount));
  const todayFull = last?.date === today ? last.usage + fig(today).fees : rate + fig(today).fees;
  const monthEnd = complete + todayFull + rate * remaining;
  const atBaseline = baselineDaily * monthDays + feesSoFar;
  const usd = (x: number) => x.toFixed(2);
  const basis =
    `monthEnd: the month's complete days as billed, today ${last?.date === today ? 'pro-rated to a whole day' : 'at the run-rate'} ` +
    `and the ${remaining} remaining day${remaining === 1 ? '' : 's'} at the run-rate, ${usd(rate)} a day: the usage of ${rateDay ?? 'no day'} ` +
    `(${rateDay === today ? 'pro-rated, ' : ''}fixed fees left out). atBaseline: the baseline's median daily usage, ${usd(baselineDaily)}, ` +
    `over the month's ${monthDays} days, plus the fixed fees billed so far this month (${usd(feesSoFar)}). ` +
    'Fixed fees still to come this month (month-end tax, the next month\'s fees) are in neither.';
  return { monthToDate: money(monthToDate), forecast: { monthEnd: money(monthEnd), atBaseline: money(atBaseline), basis } };
}
