import { describe, expect, it } from 'vitest';
import {
  BENIGN_SCENARIOS,
  buildAutoScalingAccount,
  buildBatchAccount,
  buildMonthStartAccount,
  buildNightlyCiAccount,
  buildSteadyAccount,
} from '../../src/scenario/generators/benign.js';
import { buildDemoScenario } from '../../src/scenario/generators/demo.js';
import type { Scenario } from '../../src/scenario/types.js';
import { decodeUserData, eventsNamed, expectWellFormed, launchedIds, seriesOf, tagOf } from './helpers.js';

const HOUR = 3_600_000;
const ATTACKER = /^(185\.220\.101|45\.9\.148)\./;
const ADMIN_OR_MINING_PORTS = [22, 3389, 3333, 3334, 3335, 3336, 4444, 5555, 7777, 8333, 9999, 14433, 14444, 45700];

describe('benign scenarios', () => {
  const built = Object.fromEntries(Object.entries(BENIGN_SCENARIOS).map(([name, build]) => [name, build()])) as Record<string, Scenario>;

  it('are the five quiet accounts, each named by its key', () => {
    expect(Object.keys(BENIGN_SCENARIOS)).toEqual(['benign-steady', 'benign-nightly-ci', 'benign-auto-scaling', 'benign-month-start', 'benign-batch']);
    for (const [name, s] of Object.entries(built)) expect(s.name).toBe(name);
  });

  describe.each(Object.keys(BENIGN_SCENARIOS))('%s', (name) => {
    const s = built[name] as Scenario;
    const build = BENIGN_SCENARIOS[name] as () => Scenario;

    it('is deterministic', () => {
      expect(build()).toEqual(s);
    });

    it('keeps the format invariants', () => {
      expectWellFormed(s);
    });

    it('has none of the attack: no attacker addresses, no new users or keys, no tampering, no miners', () => {
      const events = s.cloudtrail?.events ?? [];
      expect(events.filter((e) => ATTACKER.test(e.sourceIPAddress ?? ''))).toEqual([]);
      const suspicious = ['CreateUser', 'CreateAccessKey', 'CreateLoginProfile', 'AttachUserPolicy', 'StopLogging', 'DeleteTrail', 'DeleteLogGroup', 'DeleteDetector', 'ModifyInstanceAttribute'];
      expect(events.filter((e) => suspicious.includes(e.eventName)).map((e) => e.eventName)).toEqual([]);
      expect(events.filter((e) => e.eventName === 'ConsoleLogin' && e.additionalEventData?.MFAUsed !== 'Yes')).toEqual([]);
      expect((s.ec2?.instances ?? []).filter((i) => /xmrig|stratum/.test(decodeUserData(i)))).toEqual([]);
      expect(s.cloudtrail?.trails?.every((t) => t.IsLogging)).toBe(true);
      expect(s.guardduty?.detectors).toHaveLength(17);
      expect(s.guardduty?.findings ?? []).toEqual([]);
    });

    it('opens no admin or mining port to the world', () => {
      for (const g of s.ec2?.securityGroups ?? []) {
        for (const p of g.IpPermissions) {
          const world = p.IpRanges?.some((r) => r.CidrIp === '0.0.0.0/0') || p.Ipv6Ranges?.some((r) => r.CidrIpv6 === '::/0');
          if (!world) continue;
          expect(p.IpProtocol).toBe('tcp');
          expect(ADMIN_OR_MINING_PORTS.filter((port) => port >= (p.FromPort ?? 0) && port <= (p.ToPort ?? 65535))).toEqual([]);
        }
      }
    });

    it('never holds any instance above 85% CPU for 3 hours', () => {
      for (const x of s.cloudwatch?.series ?? []) {
        if (x.MetricName !== 'CPUUtilization') continue;
        let run = 0;
        let longest = 0;
        for (const v of x.Values) {
          run = (v ?? 0) > 85 ? run + 1 : 0;
          longest = Math.max(longest, run);
        }
        expect(longest * x.Period * 1000, x.Dimensions[0]?.Value).toBeLessThan(3 * HOUR);
      }
    });
  });

  it('steady is the demo account without the attack, same history', () => {
    const steady = buildSteadyAccount();
    const demo = buildDemoScenario();
    expect(steady.now).toBe(demo.now);
    const demoIds = new Set((demo.ec2?.instances ?? []).map((i) => i.InstanceId));
    expect((steady.ec2?.instances ?? []).every((i) => demoIds.has(i.InstanceId))).toBe(true);
    const demoEvents = new Set((demo.cloudtrail?.events ?? []).map((e) => e.eventID));
    expect((steady.cloudtrail?.events ?? []).every((e) => demoEvents.has(e.eventID))).toBe(true);
  });

  it('nightly CI: 40 runners every night for 30 nights, tonight\'s still running inside the window', () => {
    const s = buildNightlyCiAccount();
    const now = Date.parse(s.now);
    const ci = eventsNamed(s, 'RunInstances').filter((e) => e.userIdentity?.sessionContext?.sessionIssuer?.userName === 'ci-runner');
    const nights = new Map<string, number>();
    for (const e of ci) nights.set(e.eventTime.slice(0, 10), (nights.get(e.eventTime.slice(0, 10)) ?? 0) + launchedIds(e).length);
    expect(nights.size).toBe(31);
    expect([...nights.values()].every((n) => n === 40)).toBe(true);
    const tonight = (s.ec2?.instances ?? []).filter((i) => tagOf(i, 'role') === 'ci');
    expect(tonight).toHaveLength(40);
    for (const i of tonight) {
      expect(now - Date.parse(i.LaunchTime)).toBeLessThan(HOUR);
      expect(i.InstanceType).toBe('c5.2xlarge');
      expect(seriesOf(s, i.InstanceId, 'CPUUtilization').values.length).toBeGreaterThan(5);
    }
  });

  it('auto scaling: the service role takes the group from 4 to 30 today, CPU 60-80% with variance', () => {
    const s = buildAutoScalingAccount();
    const today = s.now.slice(0, 10);
    const group = (s.ec2?.instances ?? []).filter((i) => tagOf(i, 'aws:autoscaling:groupName') === 'storefront-web-asg');
    expect(group).toHaveLength(30);
    const launchedToday = eventsNamed(s, 'RunInstances').filter((e) => e.eventTime.startsWith(today));
    expect(launchedToday.flatMap(launchedIds)).toHaveLength(26);
    for (const e of launchedToday) {
      expect(e.userIdentity?.invokedBy).toBe('autoscaling.amazonaws.com');
      expect(e.userIdentity?.sessionContext?.sessionIssuer?.userName).toBe('AWSServiceRoleForAutoScaling');
    }
    const saleStart = Date.parse(`${today}T12:00:00Z`);
    for (const i of group) {
      const cpu = seriesOf(s, i.InstanceId, 'CPUUtilization');
      const sale = cpu.values.filter((_, k) => cpu.start + k * cpu.period >= saleStart).map((v) => v ?? 0);
      expect(Math.min(...sale)).toBeGreaterThanOrEqual(60);
      expect(Math.max(...sale)).toBeLessThanOrEqual(80);
      expect(Math.max(...sale) - Math.min(...sale)).toBeGreaterThan(5);
    }
  });

  it('month start: the Support and Savings Plan fees land on the 1st, inside the window', () => {
    const s = buildMonthStartAccount();
    expect(s.now.slice(8, 10)).toBe('02');
    const firstOfDecember = (s.costs?.lineItems ?? []).filter((li) => li.date === '2026-12-01');
    expect(firstOfDecember.map((li) => [li.service, li.recordType, li.amount]).sort()).toEqual([
      ['AWS Support (Business)', 'RecurringFee', 100],
      ['Savings Plans for AWS Compute usage', 'RecurringFee', 2000],
    ]);
    // The same fees on every earlier 1st in the 90 days of costs: a recurring charge, not a new one.
    const savings = (s.costs?.lineItems ?? []).filter((li) => li.service.startsWith('Savings Plans')).map((li) => li.date);
    expect(savings).toEqual(['2026-10-01', '2026-11-01', '2026-12-01']);
    expect((s.costs?.lineItems ?? []).some((li) => li.date === '2026-11-30' && li.recordType === 'Tax')).toBe(true);
  });

  it('batch: the ETL instance runs ~95% CPU, bursty, for two hours every night', () => {
    const s = buildBatchAccount();
    const etl = (s.ec2?.instances ?? []).find((i) => tagOf(i, 'Name') === 'etl-1');
    expect(etl?.InstanceType).toBe('c5.4xlarge');
    const cpu = seriesOf(s, etl?.InstanceId ?? '', 'CPUUtilization');
    const nightly = cpu.values.filter((_, k) => {
      const hour = new Date(cpu.start + k * cpu.period).getUTCHours();
      return hour >= 1 && hour < 3;
    }).map((v) => v ?? 0);
    const mean = nightly.reduce((a, b) => a + b, 0) / nightly.length;
    expect(mean).toBeGreaterThan(85);
    expect(Math.min(...nightly)).toBeLessThan(75);
    const day = cpu.values.filter((_, k) => new Date(cpu.start + k * cpu.period).getUTCHours() >= 8).map((v) => v ?? 0);
    expect(Math.max(...day)).toBeLessThan(15);
  });
});
