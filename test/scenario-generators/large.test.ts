import { describe, expect, it } from 'vitest';
import { LARGE_DEFAULT, LARGE_REGION_ORDER, buildLarge, buildLargeAccount, type LargeAccountOptions } from '../../src/scenario/generators/large.js';
import { expectWellFormed, launchedIds } from './helpers.js';

const DAY = 86_400_000;
const SMALL: LargeAccountOptions = { instances: 240, regions: 5, events: 4000, costDays: 45, seed: 7 };

describe('the large benchmark account', () => {
  it('honours its counts exactly', () => {
    const s = buildLargeAccount(SMALL);
    expect(s.ec2?.instances).toHaveLength(240);
    expect(s.cloudtrail?.events).toHaveLength(4000);
    expect(new Set(s.ec2?.instances?.map((i) => i.Region))).toEqual(new Set(LARGE_REGION_ORDER.slice(0, 5)));
    const starts = (s.costs?.daily ?? []).map((d) => d.start).sort();
    const first = new Date(Date.parse(s.now.slice(0, 10)) - 45 * DAY).toISOString().slice(0, 10);
    expect(starts[0]).toBe(first);
    const now = Date.parse(s.now);
    const events = s.cloudtrail?.events ?? [];
    expect(Date.parse(events[0]?.eventTime ?? '')).toBeGreaterThanOrEqual(now - 30 * DAY);
    expectWellFormed(s);
  });

  it('spreads many kinds of management events over 30 days, mostly writes', () => {
    const s = buildLargeAccount(SMALL);
    const events = s.cloudtrail?.events ?? [];
    const names = new Set(events.map((e) => e.eventName));
    expect(names.size).toBeGreaterThanOrEqual(15);
    for (const n of ['RunInstances', 'TerminateInstances', 'CreateTags', 'AuthorizeSecurityGroupIngress', 'CreateNetworkInterface', 'AssumeRole', 'ConsoleLogin']) expect(names).toContain(n);
    expect(events.filter((e) => e.readOnly === false).length / events.length).toBeGreaterThan(0.7);
    const days = new Set(events.map((e) => e.eventTime.slice(0, 10)));
    expect(days.size).toBeGreaterThanOrEqual(30);
    // Ingress changes only ever admit private ranges.
    for (const e of events.filter((x) => x.eventName === 'AuthorizeSecurityGroupIngress')) {
      expect(JSON.stringify(e.requestParameters)).not.toContain('0.0.0.0/0');
    }
    // Instances launched in the last 30 days have their RunInstances records.
    const launched = new Set(events.flatMap(launchedIds));
    const recent = (s.ec2?.instances ?? []).filter((i) => Date.parse(i.LaunchTime) > Date.parse(s.now) - 30 * DAY);
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.every((i) => launched.has(i.InstanceId))).toBe(true);
  });

  it('writes 5-minute CPU and network for every running instance over the last 3 days', () => {
    const s = buildLargeAccount(SMALL);
    const now = Date.parse(s.now);
    const running = (s.ec2?.instances ?? []).filter((i) => i.State.Name === 'running');
    const series = s.cloudwatch?.series ?? [];
    expect(series).toHaveLength(running.length * 3);
    for (const x of series) {
      const instance = running.find((i) => i.InstanceId === x.Dimensions[0]?.Value);
      const hours = Math.min(72, (now - Date.parse(instance?.LaunchTime ?? '')) / 3_600_000);
      expect(x.Period).toBe(300);
      expect(x.Values.length).toBeGreaterThanOrEqual(Math.floor(hours * 12) - 1);
      expect(x.Values.length).toBeLessThanOrEqual(72 * 12);
    }
  });

  it('answers with realistic latencies and AWS limits', () => {
    const s = buildLargeAccount(SMALL);
    expect(s.simulation?.enforceLimits).toBe(true);
    expect(s.simulation?.latencyMs).toMatchObject({
      'cloudtrail:LookupEvents': 150, 'ec2:DescribeInstances': 250, 'cloudwatch:GetMetricData': 300, 'ce:GetCostAndUsage': 600, 'iam:ListUsers': 80,
    });
  });

  it('is deterministic for a seed, and differs between seeds', () => {
    const a = buildLargeAccount(SMALL);
    expect(buildLargeAccount(SMALL)).toEqual(a);
    const b = buildLargeAccount({ ...SMALL, seed: 8 });
    expect(b.ec2?.instances?.[0]?.InstanceId).not.toBe(a.ec2?.instances?.[0]?.InstanceId);
  });

  it('mixes in the attack on top of its own counts', () => {
    const { scenario: s, attack } = buildLarge({ ...SMALL, attack: true });
    expect(attack?.minerInstanceIds).toHaveLength(128);
    expect(s.ec2?.instances).toHaveLength(240 + 128);
    const own = buildLargeAccount(SMALL).cloudtrail?.events?.length ?? 0;
    const attackEvents = (s.cloudtrail?.events ?? []).filter((e) => /^(185\.220\.101|45\.9\.148)\./.test(e.sourceIPAddress ?? ''));
    expect(s.cloudtrail?.events?.length).toBe(own + attackEvents.length);
    expect(s.cloudtrail?.trails?.[0]?.IsLogging).toBe(false);
    expectWellFormed(s);
  });

  it('refuses impossible options', () => {
    expect(() => buildLargeAccount({ ...SMALL, regions: 18 })).toThrow(RangeError);
    expect(() => buildLargeAccount({ ...SMALL, instances: 2 })).toThrow(/instances/);
    expect(() => buildLargeAccount({ ...SMALL, events: -1 })).toThrow(/events/);
  });

  it('builds the default benchmark account (3,000 instances, 12 regions, 50,000 events, 90 days) in seconds', () => {
    const started = performance.now();
    const { scenario: s, attack } = buildLarge(LARGE_DEFAULT);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(s.ec2?.instances).toHaveLength(3000 + 128);
    expect(new Set(s.ec2?.instances?.map((i) => i.Region)).size).toBe(12 + (attack ? 4 : 0));
    expect(s.cloudtrail?.events?.length).toBe(50_000 + (s.cloudtrail?.events ?? []).filter((e) => /^(185\.220\.101|45\.9\.148)\./.test(e.sourceIPAddress ?? '')).length);
    expect((s.costs?.daily ?? []).map((d) => d.start).sort()[0]).toBe('2026-08-29');
  });
});
