import { describe, expect, it } from 'vitest';
import { detector } from '../../src/detectors/bill-spike.js';
import type { AuditData, CostRow } from '../../src/providers/types.js';
import type { Finding } from '../../src/detectors/types.js';
import { DAY, NOW, costDaily, emptyAccount, run, type DetectorCase } from './fixtures.js';

const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const SUPPORT = 'AWS Support (Business)';

/** `days` days of `daily` from `start` through today (2026-03-10, half a day so far: half the amount). */
function steady(service: string, region: string, start: string, days: number, daily: number): CostRow[] {
  return costDaily(service, region, start, [...new Array<number>(days - 1).fill(daily), daily / 2]);
}

/** Cost data from `start`; the window is the `windowDays` days before now. */
function account(rows: CostRow[], o: { start?: string; windowDays?: number; usage?: CostRow[] } = {}): AuditData {
  return emptyAccount({
    window: { start: NOW - (o.windowDays ?? 7) * DAY, end: NOW },
    costs: { currency: 'USD', byServiceRegion: rows, ec2ByUsageType: o.usage ?? [], start: o.start ?? '2026-01-01', end: '2026-03-11' },
  });
}

const baseline = (daily = 100): CostRow[] => steady(EC2, 'us-east-1', '2026-01-01', 69, daily);
/** Miners in eu-west-1 from 2026-03-08: $400 a day, today $200 by noon. */
const miners = (): CostRow[] => costDaily(EC2, 'eu-west-1', '2026-03-08', [400, 400, 200], { estimated: false });
const minerUsage = (): CostRow[] => costDaily(EC2, 'eu-west-1', '2026-03-08', [400, 400, 200], { usageType: 'EU-BoxUsage:c5.4xlarge' });
const supportFees = (dates: string[]): CostRow[] => dates.map((date) => ({ date, service: SUPPORT, region: 'global', amount: 100, estimated: false }));

type Case = DetectorCase;

const cases: Case[] = [
  {
    name: 'attack: miners in a new region quintuple the daily bill; one finding for the total, with the breakdown',
    data: () => account([...baseline(), ...miners()], { usage: minerUsage() }),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      const f = findings[0] as Finding;
      expect(f.severity).toBe('critical');
      expect(f.region).toBe('global');
      expect(f.evidence.scope).toBe('total');
      expect(f.evidence.days).toEqual([
        { date: '2026-03-08', actual: 500, baseline: 100, excess: 400, ratio: 5, basis: 'median', estimated: false, partial: false },
        { date: '2026-03-09', actual: 500, baseline: 100, excess: 400, ratio: 5, basis: 'median', estimated: false, partial: false },
        { date: '2026-03-10', actual: 500, baseline: 100, excess: 400, ratio: 5, basis: 'median', estimated: false, partial: true },
      ]);
      expect(f.evidence.excess).toBe(1200);
      expect(f.evidence.breakdown).toEqual({
        services: [{ name: EC2, excess: 1200 }],
        regions: [{ name: 'eu-west-1', excess: 1200 }],
        usageTypes: [{ usageType: 'EU-BoxUsage:c5.4xlarge', instanceType: 'c5.4xlarge', region: 'eu-west-1', actual: 1000, excess: 1000 }],
      });
      expect(f.evidence.monthToDate).toEqual({ through: '2026-03-10', actual: 1950, previousMonthSameDays: 1000, changePct: 95 });
      expect(f.evidence.projectedMonth).toMatchObject({ atBaseline: 3100, atCurrentRate: 12700, upPct: 309.7 });
      expect(f.firstSeen).toBe('2026-03-08T00:00:00.000Z');
      expect(f.lastSeen).toBe('2026-03-10T12:00:00.000Z');
    },
  },
  {
    name: 'estimated window days are judged and marked; partialDay: skip leaves today out',
    data: () => account([...baseline(), ...miners().map((r) => ({ ...r, estimated: r.date >= '2026-03-09' }))]),
    options: { partialDay: 'skip' },
    expect: (findings) => {
      const days = findings[0]?.evidence.days as { date: string; estimated: boolean }[];
      expect(days.map((d) => [d.date, d.estimated])).toEqual([['2026-03-08', false], ['2026-03-09', true]]);
      expect(findings[0]?.severity).toBe('high');
    },
  },
  {
    name: 'benign: a steady bill with the support fee on every 1st (compared with earlier 1sts)',
    data: () => account([...baseline(), ...supportFees(['2026-01-01', '2026-02-01', '2026-03-01'])], { windowDays: 10 }),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'benign: the first support fee the data holds is left out as a fixed fee',
    data: () => account([...steady(EC2, 'us-east-1', '2026-02-10', 29, 100), ...supportFees(['2026-03-01'])], { start: '2026-02-10', windowDays: 10 }),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'without the fixed-fee list the same fee doubles the 1st and is flagged',
    data: () => account([...steady(EC2, 'us-east-1', '2026-02-10', 29, 100), ...supportFees(['2026-03-01'])], { start: '2026-02-10', windowDays: 10 }),
    options: { fixedFeeServices: [] },
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect(findings[0]?.evidence.days).toEqual([
        { date: '2026-03-01', actual: 200, baseline: 100, excess: 100, ratio: 2, basis: 'median', estimated: false, partial: false },
      ]);
      expect(findings[0]?.severity).toBe('medium');
    },
  },
  {
    name: 'a new region spiking inside a big account is reported for the region alone',
    data: () => account([...baseline(2000), ...costDaily(EC2, 'eu-west-1', '2026-03-08', [150, 150])]),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect(findings[0]?.region).toBe('eu-west-1');
      expect(findings[0]?.evidence).toMatchObject({ scope: 'region', name: 'eu-west-1', excess: 300, breakdown: { services: [{ name: EC2, excess: 300 }] } });
      expect(findings[0]?.severity).toBe('high');
    },
  },
  {
    name: 'a new service spiking inside a big region is reported for the service alone',
    data: () => account([...baseline(2000), ...costDaily('Amazon SageMaker', 'us-east-1', '2026-03-08', [120, 120])]),
    expect: (findings) => {
      expect(findings.map((f) => [f.evidence.scope, f.evidence.name, f.severity])).toEqual([['service', 'Amazon SageMaker', 'medium']]);
      expect(findings[0]?.evidence.breakdown).toMatchObject({ regions: [{ name: 'us-east-1', excess: 240 }] });
    },
  },
  {
    name: 'benign: a small account tripling by ten dollars stays under minDailyExcess',
    data: () => account([...baseline(5), ...costDaily(EC2, 'us-east-1', '2026-03-08', [10])]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'too little history to judge',
    data: () => account([...steady(EC2, 'us-east-1', '2026-03-01', 10, 10), ...miners()], { start: '2026-03-01', windowDays: 7 }),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'no cost data (the source failed) means no finding, not a zero bill',
    data: () => account([]),
    expect: (findings) => expect(findings).toEqual([]),
  },
];

describe('bill-spike', () => {
  it.each(cases)('$name', (c) => c.expect(run(detector, c.data(), c.options)));
});
