// Checks every generated scenario must pass, and small readers over its cost data.

import { expect } from 'vitest';
import type { CloudTrailRecord, Scenario, ScenarioInstance } from '../../src/scenario/types.js';

const DAY = 86_400_000;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const INSTANCE_ID = /^i-[0-9a-f]{17}$/;
export const GROUP_ID = /^sg-[0-9a-f]{17}$/;
export const VOLUME_ID = /^vol-[0-9a-f]{17}$/;
export const ACCESS_KEY_ID = /^AKIA[A-Z0-9]{16}$/;

/** Everything dated in a scenario, with where it is. */
function datedThings(s: Scenario): [where: string, iso: string][] {
  const out: [string, string][] = [];
  for (const e of s.cloudtrail?.events ?? []) out.push([`event ${e.eventName} ${e.eventID}`, e.eventTime]);
  for (const i of s.ec2?.instances ?? []) out.push([`instance ${i.InstanceId}`, i.LaunchTime]);
  for (const v of s.ec2?.volumes ?? []) out.push([`volume ${String(v.VolumeId)}`, String(v.CreateTime)]);
  for (const t of s.cloudtrail?.trails ?? []) {
    for (const k of ['LatestDeliveryTime', 'StopLoggingTime', 'StartLoggingTime'] as const) {
      const v = t[k];
      if (v) out.push([`trail ${t.Name} ${k}`, v]);
    }
  }
  for (const u of s.iam?.users ?? []) {
    out.push([`user ${u.UserName}`, u.CreateDate]);
    if (u.PasswordLastUsed) out.push([`user ${u.UserName} PasswordLastUsed`, u.PasswordLastUsed]);
    for (const k of u.AccessKeys ?? []) {
      out.push([`key ${k.AccessKeyId}`, k.CreateDate]);
      if (k.LastUsed?.LastUsedDate) out.push([`key ${k.AccessKeyId} LastUsed`, k.LastUsed.LastUsedDate]);
    }
  }
  for (const f of s.guardduty?.findings ?? []) {
    for (const k of ['CreatedAt', 'UpdatedAt']) if (typeof f[k] === 'string') out.push([`finding ${String(f.Id)} ${k}`, f[k] as string]);
  }
  return out;
}

/** The invariants of the format and of realism that every built-in scenario keeps. */
export function expectWellFormed(s: Scenario): void {
  const now = Date.parse(s.now);
  const today = s.now.slice(0, 10);

  // Nothing is dated after now.
  const late = datedThings(s).filter(([, t]) => Date.parse(t) > now);
  expect(late).toEqual([]);
  const lateSeries = (s.cloudwatch?.series ?? []).filter((x) => Date.parse(x.Start) + x.Values.length * x.Period * 1000 > now);
  expect(lateSeries.map((x) => x.Dimensions[0]?.Value)).toEqual([]);
  for (const d of s.costs?.daily ?? []) {
    expect(new Date(Date.parse(`${d.start}T00:00:00Z`) + (d.amounts.length - 1) * DAY).toISOString().slice(0, 10) <= today).toBe(true);
  }
  for (const li of s.costs?.lineItems ?? []) expect(li.date <= today).toBe(true);

  // Every regional thing is in one of the scenario's regions.
  const regions = new Set((s.regions ?? []).map((r) => r.RegionName));
  expect(regions.size).toBeGreaterThan(0);
  const regional = [
    ...(s.ec2?.instances ?? []).map((i) => i.Region),
    ...(s.ec2?.securityGroups ?? []).map((g) => g.Region),
    ...(s.ec2?.volumes ?? []).map((v) => v.Region),
    ...(s.cloudwatch?.series ?? []).map((x) => x.Region),
    ...(s.guardduty?.detectors ?? []).map((d) => d.Region),
    ...(s.cloudtrail?.events ?? []).map((e) => e.awsRegion),
  ];
  expect([...new Set(regional)].filter((r) => !regions.has(r))).toEqual([]);

  // Identifiers are shaped as AWS shapes them, and unique where AWS makes them unique.
  const events = s.cloudtrail?.events ?? [];
  expect(events.filter((e) => !UUID.test(e.eventID)).map((e) => e.eventID)).toEqual([]);
  expect(new Set(events.map((e) => e.eventID)).size).toBe(events.length);
  const instances = s.ec2?.instances ?? [];
  expect(instances.filter((i) => !INSTANCE_ID.test(i.InstanceId)).map((i) => i.InstanceId)).toEqual([]);
  expect(new Set(instances.map((i) => i.InstanceId)).size).toBe(instances.length);
  for (const g of s.ec2?.securityGroups ?? []) expect(g.GroupId).toMatch(GROUP_ID);
  for (const i of instances) for (const m of i.BlockDeviceMappings ?? []) expect(m.Ebs?.VolumeId).toMatch(VOLUME_ID);
  for (const u of s.iam?.users ?? []) for (const k of u.AccessKeys ?? []) expect(k.AccessKeyId).toMatch(ACCESS_KEY_ID);

  // Events are oldest first, as the collectors' merge expects of any source.
  for (let k = 1; k < events.length; k++) expect(events[k - 1]!.eventTime <= events[k]!.eventTime).toBe(true);

  // No credential material anywhere: CloudTrail never logs secrets, and scenarios do not either.
  const json = JSON.stringify(s);
  expect(json).not.toMatch(/secretAccessKey/i);
  expect(json).not.toMatch(/sessionToken/i);
  // JSON-clean: no undefined, NaN or Infinity that a round trip would change.
  expect(JSON.parse(json)).toEqual(s);
}

export function daysOf(start: string, n: number): string[] {
  const t = Date.parse(`${start}T00:00:00Z`);
  return Array.from({ length: n }, (_, k) => new Date(t + k * DAY).toISOString().slice(0, 10));
}

/** Cost per day from daily series and line items, optionally only some record types. */
export function costByDay(s: Scenario, recordTypes?: string[]): Map<string, number> {
  const keep = (recordType: string | undefined) => !recordTypes || recordTypes.includes(recordType ?? 'Usage');
  const totals = new Map<string, number>();
  const add = (day: string, amount: number) => totals.set(day, (totals.get(day) ?? 0) + amount);
  for (const d of s.costs?.daily ?? []) {
    if (!keep(d.recordType)) continue;
    daysOf(d.start, d.amounts.length).forEach((day, k) => add(day, d.amounts[k] ?? 0));
  }
  for (const li of s.costs?.lineItems ?? []) if (keep(li.recordType)) add(li.date, li.amount);
  return totals;
}

export function sumMonth(byDay: Map<string, number>, month: string): number {
  let sum = 0;
  for (const [day, amount] of byDay) if (day.startsWith(month)) sum += amount;
  return sum;
}

export function eventsNamed(s: Scenario, name: string): CloudTrailRecord[] {
  return (s.cloudtrail?.events ?? []).filter((e) => e.eventName === name);
}

interface Items<T> {
  items?: T[];
}

/** Instance ids a successful RunInstances record says it launched. */
export function launchedIds(e: CloudTrailRecord): string[] {
  if (e.errorCode) return [];
  const set = (e.responseElements?.instancesSet as Items<{ instanceId: string }> | undefined)?.items ?? [];
  return set.map((i) => i.instanceId);
}

export function seriesOf(s: Scenario, instanceId: string, metric: string): { start: number; period: number; values: (number | null)[] } {
  const x = (s.cloudwatch?.series ?? []).find((m) => m.MetricName === metric && m.Dimensions[0]?.Value === instanceId);
  if (!x) throw new Error(`no ${metric} series for ${instanceId}`);
  return { start: Date.parse(x.Start), period: x.Period * 1000, values: x.Values };
}

export function tagOf(i: ScenarioInstance, key: string): string | undefined {
  return i.Tags?.find((t) => t.Key === key)?.Value;
}

export function decodeUserData(i: ScenarioInstance): string {
  return i.UserData ? Buffer.from(i.UserData, 'base64').toString('utf8') : '';
}

export function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function stdev(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
}
