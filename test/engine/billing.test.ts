// The billing anomaly report: small accounts whose figures are checked by hand, then the
// built-in scenarios side by side (the attack shows its anomaly; every benign account shows none,
// a month-start fee included).

import { beforeAll, describe, expect, it } from 'vitest';
import { detector as billSpike } from '../../src/detectors/bill-spike.js';
import type { Finding } from '../../src/detectors/types.js';
import { runAudit } from '../../src/engine/audit.js';
import { buildBillingReport } from '../../src/engine/billing.js';
import { loadConfig, type Config } from '../../src/engine/config.js';
import type { AwsCostAnomaly, BillingReport } from '../../src/engine/story.js';
import { scenarioTarget } from '../../src/engine/target.js';
import type { AuditData, CostRow } from '../../src/providers/types.js';
import { BENIGN_SCENARIOS } from '../../src/scenario/generators/benign.js';
import { buildDemo } from '../../src/scenario/generators/demo.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { ACCOUNT, DAY, NOW, costDaily, emptyAccount, run } from '../detectors/fixtures.js';

const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const SUPPORT = 'AWS Support (Business)';

let config: Config;
beforeAll(async () => {
  config = await loadConfig();
});

// ---- small accounts: now is 2026-03-10 12:00 UTC, half of today has passed ----

/** `days` days of `daily` from `start` through today (half the amount today). */
function steady(service: string, region: string, start: string, days: number, daily: number): CostRow[] {
  return costDaily(service, region, start, [...new Array<number>(days - 1).fill(daily), daily / 2]);
}

function account(rows: CostRow[], o: { start?: string; windowDays?: number; aws?: AwsCostAnomaly[] } = {}): AuditData {
  return emptyAccount({
    window: { start: NOW - (o.windowDays ?? 7) * DAY, end: NOW },
    costs: {
      currency: 'USD', byServiceRegion: rows, ec2ByUsageType: [], start: o.start ?? '2026-01-01', end: '2026-03-11',
      ...(o.aws && { awsAnomalies: o.aws }),
    },
  });
}

/** $100 a day of EC2 in us-east-1 since 2026-01-01. */
const baseline = (daily = 100): CostRow[] => steady(EC2, 'us-east-1', '2026-01-01', 69, daily);
/** Miners in eu-west-1 from 2026-03-08: $400 a day, $200 by noon today. */
const miners = (): CostRow[] => costDaily(EC2, 'eu-west-1', '2026-03-08', [400, 400, 200]);
const supportFees = (dates: string[]): CostRow[] => dates.map((date) => ({ date, service: SUPPORT, region: 'global', amount: 100, estimated: false }));

const awsAnomaly = (id: string, start: string, end?: string): AwsCostAnomaly => ({
  id, start, ...(end && { end }), firstFlagged: new Date(Date.parse(`${start}T00:00:00Z`) + DAY).toISOString().slice(0, 10),
  service: EC2, region: 'eu-west-1', account: ACCOUNT, impact: 800,
});

interface Case {
  name: string;
  data: () => AuditData;
  options?: Record<string, unknown>;
  /** What the engine hands over instead of bill-spike's own findings (e.g. muted). */
  findings?: (found: Finding[]) => Finding[];
  expect: (report: BillingReport, findings: Finding[]) => void;
}

function billing(c: Pick<Case, 'data' | 'options' | 'findings'>): { report: BillingReport; findings: Finding[] } {
  const data = c.data();
  const options = c.options ?? {};
  const cfg: Config = { ...config, detectors: { ...config.detectors, 'bill-spike': { ...config.detectors['bill-spike'], ...options } } };
  const found = run(billSpike, data, options);
  const findings = c.findings ? c.findings(found) : found;
  return { report: buildBillingReport(data, cfg, findings), findings };
}

const cell = (date: string, service: string, region: string, expected: number, actual: number, extra: Record<string, unknown> = {}) =>
  ({ date, service, region, account: ACCOUNT, expected, actual, impact: actual - expected, ...extra });

const cases: Case[] = [
  {
    name: 'attack: miners in a new region; three anomalous days, $1,200 above expected, AWS a day later',
    data: () => account([...baseline(), ...miners()], { aws: [awsAnomaly('old', '2026-01-20', '2026-01-22'), awsAnomaly('miners', '2026-03-08')] }),
    expect: (r, findings) => {
      const id = findings[0]?.id;
      expect(r.anomalies).toEqual([
        cell('2026-03-08', EC2, 'eu-west-1', 0, 400, { findingId: id }),
        cell('2026-03-09', EC2, 'eu-west-1', 0, 400, { findingId: id }),
        // Today: $200 by noon, pro-rated to a whole day.
        cell('2026-03-10', EC2, 'eu-west-1', 0, 400, { findingId: id, partial: true }),
      ]);
      expect(r.anomalyImpact).toBe(1200);
      // The baseline period (28 days before the window) and the window: 2026-02-03 to today.
      expect(r.days).toHaveLength(36);
      expect(r.days[0]).toEqual({ date: '2026-02-03', expected: 100, actual: 100, estimated: false, anomaly: false });
      expect(r.days.slice(-4)).toEqual([
        { date: '2026-03-07', expected: 100, actual: 100, estimated: false, anomaly: false },
        { date: '2026-03-08', expected: 100, actual: 500, estimated: false, anomaly: true },
        { date: '2026-03-09', expected: 100, actual: 500, estimated: false, anomaly: true },
        { date: '2026-03-10', expected: 100, actual: 500, estimated: false, partial: true, anomaly: true },
      ]);
      // March so far: 9 x $100 + $50 today, and the miners' $1,000.
      expect(r.monthToDate).toBe(1950);
      // $1,700 for the complete days, today $500 pro-rated, 21 more days at $500; at baseline 31 x $100.
      expect(r.forecast).toMatchObject({ monthEnd: 12700, atBaseline: 3100 });
      expect(r.forecast.basis).toMatch(/21 remaining days at the run-rate, 500\.00 a day: the usage of 2026-03-10/);
      expect(r.baseline).toMatchObject({ dailyMedian: 100, from: '2026-02-03', to: '2026-03-02' });
      // The anomaly AWS reported before the window is left out.
      expect(r.awsAnomalies?.map((a) => a.id)).toEqual(['miners']);
      expect(r.firstFlagged).toEqual({ rigwatch: '2026-03-08', aws: '2026-03-09' });
      expect(r.account).toBe(ACCOUNT);
      expect(r.notes?.[0]).toMatch(/not by linked account/);
      // One service: drawn alone, no "Other"; today pro-rated like `days`.
      expect(new Set(r.byService.map((b) => b.service))).toEqual(new Set([EC2]));
      expect(r.byService).toHaveLength(36);
      expect(r.byService.at(-1)).toEqual({ service: EC2, date: '2026-03-10', amount: 500 });
    },
  },
  {
    name: 'AWS anomalies not read (no permission, no monitors): absent, and only rigwatch has a first flag',
    data: () => account([...baseline(), ...miners()]),
    expect: (r) => {
      expect(r.awsAnomalies).toBeUndefined();
      expect(r.firstFlagged).toEqual({ rigwatch: '2026-03-08' });
    },
  },
  {
    name: 'partialDay: skip leaves today out of the days and the anomalies, not out of month-to-date',
    data: () => account([...baseline(), ...miners()]),
    options: { partialDay: 'skip' },
    expect: (r) => {
      expect(r.days.at(-1)?.date).toBe('2026-03-09');
      expect(r.anomalies.map((a) => a.date)).toEqual(['2026-03-08', '2026-03-09']);
      expect(r.anomalyImpact).toBe(800);
      expect(r.monthToDate).toBe(1950);
      // Complete days $1,700, then today and 21 more days at 2026-03-09's $500.
      expect(r.forecast.monthEnd).toBe(12700);
    },
  },
  {
    name: 'benign: the support fee on every 1st is expected (same day of earlier months), not an anomaly',
    data: () => account([...baseline(), ...supportFees(['2026-01-01', '2026-02-01', '2026-03-01'])], { windowDays: 10 }),
    expect: (r) => {
      expect(r.anomalies).toEqual([]);
      expect(r.days.some((d) => d.anomaly)).toBe(false);
      expect(r.days.find((d) => d.date === '2026-03-01')).toEqual({ date: '2026-03-01', expected: 200, actual: 200, estimated: false, anomaly: false });
      // The last day of February compares with the last day of January.
      expect(r.days.find((d) => d.date === '2026-02-28')).toMatchObject({ expected: 100, actual: 100 });
      expect(r.monthToDate).toBe(1050);
      // $1,000 so far in full days, today pro-rated to $100, 21 more at $100; at baseline 31 x $100 + the $100 fee.
      expect(r.forecast).toMatchObject({ monthEnd: 3200, atBaseline: 3200 });
      expect(r.firstFlagged).toBeUndefined();
    },
  },
  {
    name: 'benign: the first fee the data holds is a fixed fee, expected on top of the baseline',
    data: () => account([...steady(EC2, 'us-east-1', '2026-02-10', 29, 100), ...supportFees(['2026-03-01'])], { start: '2026-02-10', windowDays: 10 }),
    expect: (r) => {
      expect(r.anomalies).toEqual([]);
      expect(r.days[0]?.date).toBe('2026-02-10');
      expect(r.days.find((d) => d.date === '2026-03-01')).toEqual({ date: '2026-03-01', expected: 200, actual: 200, estimated: false, anomaly: false });
    },
  },
  {
    name: 'benign: a $60 bump bill-spike rates low is not an anomaly',
    data: () => account([...baseline(), ...costDaily('Amazon SageMaker', 'us-east-1', '2026-03-08', [60])]),
    expect: (r, findings) => {
      expect(findings.map((f) => f.severity)).toEqual(['low']);
      expect(r.anomalies).toEqual([]);
      expect(r.anomalyImpact).toBe(0);
      expect(r.days.find((d) => d.date === '2026-03-08')).toMatchObject({ expected: 100, actual: 160, anomaly: false });
    },
  },
  {
    name: 'a muted spike is not an anomaly',
    data: () => account([...baseline(), ...miners()]),
    findings: (found) => found.map((f) => ({ ...f, status: 'muted' as const, muted: { reason: 'load test', by: 'ack' as const } })),
    expect: (r) => {
      expect(r.anomalies).toEqual([]);
      expect(r.days.some((d) => d.anomaly)).toBe(false);
    },
  },
  {
    name: 'a new service spiking in a big account: its cells, its days, its money',
    data: () => account([...baseline(2000), ...costDaily('Amazon SageMaker', 'us-east-1', '2026-03-08', [120, 120])]),
    expect: (r, findings) => {
      expect(findings.map((f) => [f.evidence.scope, f.severity])).toEqual([['service', 'medium']]);
      expect(r.anomalies).toEqual([
        cell('2026-03-08', 'Amazon SageMaker', 'us-east-1', 0, 120, { findingId: findings[0]?.id }),
        cell('2026-03-09', 'Amazon SageMaker', 'us-east-1', 0, 120, { findingId: findings[0]?.id }),
      ]);
      expect(r.anomalyImpact).toBe(240);
      expect(r.days.find((d) => d.date === '2026-03-08')).toMatchObject({ expected: 2000, actual: 2120, anomaly: true });
    },
  },
  {
    name: 'a spike no single cell explains: the cells that make up half of it',
    data: () => account(['Service A', 'Service B', 'Service C', 'Service D'].flatMap((s) => [
      ...steady(s, 'us-east-1', '2026-01-01', 69, 20), ...costDaily(s, 'us-east-1', '2026-03-08', [24]),
    ])),
    expect: (r, findings) => {
      // $80 a day becomes $176: the total more than doubles, each service only by $24 (under minDailyExcess).
      expect(findings.map((f) => [f.evidence.scope, f.severity])).toEqual([['total', 'medium']]);
      expect(r.anomalyImpact).toBe(96);
      expect(r.anomalies).toEqual([
        cell('2026-03-08', 'Service A', 'us-east-1', 20, 44, { findingId: findings[0]?.id }),
        cell('2026-03-08', 'Service B', 'us-east-1', 20, 44, { findingId: findings[0]?.id }),
      ]);
    },
  },
  {
    name: 'too little history: the days and the month, nothing judged',
    data: () => account([...steady(EC2, 'us-east-1', '2026-03-01', 10, 10), ...miners()], { start: '2026-03-01' }),
    expect: (r) => {
      expect(r.anomalies).toEqual([]);
      expect(r.notes?.some((n) => n.startsWith('Too little history to judge: 1 complete baseline day before the window, bill-spike needs 7'))).toBe(true);
      // Today is not judged, so not shown; the rest at the one baseline day's $10.
      expect(r.days.map((d) => d.date)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09']);
      expect(r.days.find((d) => d.date === '2026-03-08')).toMatchObject({ expected: 10, actual: 410, anomaly: false });
      expect(r.monthToDate).toBe(90 + 5 + 1000);
    },
  },
  {
    name: 'no cost data (the source failed): an empty report that says so',
    data: () => account([]),
    expect: (r) => {
      expect(r).toMatchObject({ days: [], byService: [], anomalies: [], anomalyImpact: 0, monthToDate: 0 });
      expect(r.notes).toContain('No cost data (see coverage: costexplorer).');
      expect(r.firstFlagged).toBeUndefined();
    },
  },
];

describe('buildBillingReport on small accounts', () => {
  it.each(cases)('$name', (c) => {
    const { report, findings } = billing(c);
    c.expect(report, findings);
  });

  it('draws the top services and sums the rest as "Other", each day summing to its actual', () => {
    const services = ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8'];
    const { report } = billing({ data: () => account(services.flatMap((s, k) => steady(s, 'us-east-1', '2026-01-01', 69, 10 * (k + 1)))) });
    expect([...new Set(report.byService.map((b) => b.service))]).toEqual(['S8', 'S7', 'S6', 'S5', 'S4', 'S3', 'Other']);
    expect(report.byService.find((b) => b.service === 'Other' && b.date === '2026-03-09')?.amount).toBe(30);
    for (const day of report.days) {
      const stacked = report.byService.filter((b) => b.date === day.date).reduce((a, b) => a + b.amount, 0);
      expect(stacked).toBeCloseTo(day.actual, 2);
    }
  });
});

// ---- the built-in scenarios ----

async function audit(scenario: Scenario) {
  const target = scenarioTarget(parseScenario(scenario, scenario.name), scenario.name);
  try {
    const { report, data } = await runAudit({ config, clients: target.clients, now: target.now, since: target.now - 7 * DAY });
    return { findings: report.findings, billing: buildBillingReport(data, config, report.findings), coverage: report.coverage };
  } finally {
    target.clients.destroy();
  }
}

describe('buildBillingReport on the built-in scenarios, attack and benign side by side', () => {
  const demo = buildDemo();
  const scenarios: { name: string; build: () => Scenario; attack: boolean }[] = [
    { name: 'brief-incident', build: () => demo.scenario, attack: true },
    ...Object.entries(BENIGN_SCENARIOS).map(([name, build]) => ({ name, build, attack: false })),
  ];

  it.each(scenarios)('$name (attack: $attack)', async ({ build, attack }) => {
    const { billing: b, findings } = await audit(build());
    const spikes = findings.filter((f) => f.detector === 'bill-spike' && ['critical', 'high', 'medium'].includes(f.severity));
    const spikeDays = [...new Set(spikes.flatMap((f) => (f.evidence.days as { date: string }[]).map((d) => d.date)))].sort();
    // The same days bill-spike reports: one baseline, one judgement.
    expect(b.days.filter((d) => d.anomaly).map((d) => d.date)).toEqual(spikeDays);
    expect(b.anomalies.length > 0).toBe(attack);
    expect(b.firstFlagged?.rigwatch !== undefined).toBe(attack);
    expect(b.days.length).toBeGreaterThan(30);
    expect(b.monthToDate).toBeGreaterThan(0);
    if (!attack) {
      expect(b.anomalyImpact).toBe(0);
      expect(b.awsAnomalies).toEqual([]);
      return;
    }
    // The miners' regions, EC2 compute, and the money bill-spike names.
    expect(new Set(b.anomalies.map((a) => a.region))).toEqual(new Set(demo.attack.regions));
    expect(b.anomalies.every((a) => a.service === EC2 && a.account === '111122223333' && a.expected === 0 && a.impact > 0)).toBe(true);
    expect(b.anomalyImpact).toBe(spikes.reduce((s, f) => s + (f.evidence.excess as number), 0));
    expect(b.firstFlagged?.rigwatch).toBe(demo.attack.start.slice(0, 10));
    // AWS's own anomaly: EC2 in the first attack region, from the same day, flagged a day later.
    expect(b.awsAnomalies).toHaveLength(1);
    expect(b.awsAnomalies?.[0]).toMatchObject({ id: demo.attack.awsCostAnomaly?.anomalyId, start: '2026-11-24', end: '2026-11-26', service: EC2, region: 'us-east-2' });
    expect(b.firstFlagged?.aws).toBe('2026-11-25');
    expect((b.firstFlagged?.aws ?? '') > (b.firstFlagged?.rigwatch ?? '')).toBe(true);
    // AWS sees one region's EC2: the same money rigwatch's cells show there over the same days.
    const sameCells = b.anomalies.filter((a) => a.region === 'us-east-2' && a.date >= '2026-11-24' && a.date <= '2026-11-26');
    expect(b.awsAnomalies?.[0]?.impact).toBeCloseTo(sameCells.reduce((s, a) => s + a.impact, 0), 1);
    expect(b.forecast.monthEnd).toBeGreaterThan(b.forecast.atBaseline * 1.5);
  }, 60_000);

  it('benign-month-start: the $2,100 of fees on the 1st are expected, not an anomaly', async () => {
    const { billing: b } = await audit(BENIGN_SCENARIOS['benign-month-start']!());
    const first = b.days.find((d) => d.date === '2026-12-01');
    expect(first?.actual).toBeGreaterThan(2400);
    expect(first?.anomaly).toBe(false);
    expect(Math.abs((first?.actual ?? 0) - (first?.expected ?? 0))).toBeLessThan(25);
  }, 60_000);
});
