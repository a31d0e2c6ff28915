// Rewinding a scenario to an earlier instant: the brief's incident seen before and during the
// attack (and audited by the real engine), CloudTrail's delivery delay, Cost Explorer's lag, record
// shapes from AWS's documentation rather than from our generator, the simulator's own changes
// undone, and the large benchmark account within its time budget.

import { ModifyInstanceAttributeCommand, RevokeSecurityGroupIngressCommand, AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { AttachUserPolicyCommand, DetachUserPolicyCommand, PutUserPolicyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { SEVERITY_RANK, type Finding } from '../../src/detectors/types.js';
import { runAudit } from '../../src/engine/audit.js';
import { loadConfig } from '../../src/engine/config.js';
import { scenarioTarget } from '../../src/engine/target.js';
import type { AttackManifest } from '../../src/scenario/generators/attack.js';
import { buildDemo } from '../../src/scenario/generators/demo.js';
import { LARGE_DEFAULT, buildLarge } from '../../src/scenario/generators/large.js';
import { parseScenario } from '../../src/scenario/load.js';
import { defaultCloudTrailDelayMs, rewindScenario } from '../../src/scenario/rewind.js';
import type { CloudTrailRecord, Scenario, ScenarioSecurityGroup } from '../../src/scenario/types.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ZERO = { cloudtrailDelayMs: () => 0, costLagMs: 0 };

const t = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

let demo: Scenario;
let attack: AttackManifest;
let events: CloudTrailRecord[];
/** The attacker's first API call (the exploit of web-1 at 02:13 makes none). */
let firstCall: number;

beforeAll(() => {
  ({ scenario: demo, attack } = buildDemo());
  events = demo.cloudtrail?.events ?? [];
  firstCall = Math.min(...events.filter((e) => attack.attackerIPs.includes(e.sourceIPAddress ?? '')).map((e) => t(e.eventTime)));
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const group = (s: Scenario, id: string) => s.ec2?.securityGroups?.find((g) => g.GroupId === id);
const user = (s: Scenario, name: string) => s.iam?.users?.find((u) => u.UserName === name);
const stolenArn = () => user(demo, attack.stolenKey.userName)?.Arn ?? '';
/** Ingress open to the world on a port: [groupId, port] pairs. */
const openToWorld = (s: Scenario, ports: number[]) =>
  (s.ec2?.securityGroups ?? []).flatMap((g) => g.IpPermissions
    .filter((p) => (p.IpRanges ?? []).some((r) => r.CidrIp === '0.0.0.0/0') && ports.some((port) => p.IpProtocol === '-1' || ((p.FromPort ?? 0) <= port && port <= (p.ToPort ?? 65535))))
    .map((p) => [g.GroupId, p.FromPort]));

/** Findings the attack is behind: acted by the stolen user, or naming a miner. */
function attackFindings(findings: Finding[], minSeverity: Finding['severity']): Finding[] {
  const miners = new Set(attack.minerInstanceIds);
  return findings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[minSeverity]
    && (f.actor?.arn === stolenArn() || f.resources.some((r) => r.type === 'AWS::EC2::Instance' && miners.has(r.id))));
}

async function audit(s: Scenario) {
  const target = scenarioTarget(s, 'x');
  try {
    return await runAudit({ config: await loadConfig(), clients: target.clients, now: target.now, since: target.now - 7 * DAY });
  } finally {
    target.clients.destroy();
  }
}

describe('the demo an hour before the attacker\'s first call', () => {
  let at: number;
  let r: Scenario;

  beforeAll(() => {
    at = firstCall - HOUR;
    r = rewindScenario(demo, at);
  });

  it('is dated at that instant and still a valid scenario', () => {
    expect(iso(firstCall)).toBe('2026-11-24T02:19:41Z');
    expect(r.now).toBe(iso(at));
    expect(() => parseScenario(r, 'rewound')).not.toThrow();
  });

  it('has no miner, no attacker group, and web-1 runs as before', () => {
    const ids = new Set((r.ec2?.instances ?? []).map((i) => i.InstanceId));
    expect(attack.minerInstanceIds.filter((id) => ids.has(id))).toEqual([]);
    expect(r.ec2?.instances).toHaveLength((demo.ec2?.instances?.length ?? 0) - attack.minerInstanceIds.length);
    expect(r.ec2?.instances?.find((i) => i.InstanceId === attack.webCompromise.instanceId)?.State.Name).toBe('running');
    for (const g of attack.securityGroups) expect(group(r, g.groupId)).toBeUndefined();
    expect(openToWorld(r, [22, 3333, 14444])).toEqual([]);
    expect(openToWorld(demo, [22, 3333, 14444]).length).toBeGreaterThan(0);
    const minerVolumes = new Set((demo.ec2?.instances ?? []).filter((i) => attack.minerInstanceIds.includes(i.InstanceId)).map((i) => i.BlockDeviceMappings?.[0]?.Ebs?.VolumeId));
    expect((r.ec2?.volumes ?? []).filter((v) => minerVolumes.has(v.VolumeId as string))).toEqual([]);
  });

  it('shows none of the attacker\'s calls and nothing after the instant', () => {
    const shown = r.cloudtrail?.events ?? [];
    expect(shown.map((e) => e.eventID)).toEqual(events.filter((e) => t(e.eventTime) + defaultCloudTrailDelayMs(e) <= at).map((e) => e.eventID));
    expect(shown.length).toBeGreaterThan(100);
    expect(shown.filter((e) => attack.attackerIPs.includes(e.sourceIPAddress ?? ''))).toEqual([]);
    expect(shown.filter((e) => t(e.eventTime) > at)).toEqual([]);
    const key = user(r, attack.stolenKey.userName)?.AccessKeys?.[0];
    expect(t(key?.LastUsed?.LastUsedDate ?? '')).toBeLessThanOrEqual(at);
    expect(key?.LastUsed?.Region).toBe('us-east-1');
  });

  it('has no back-door user, the GuardDuty detector in ap-southeast-1, and a logging trail', () => {
    expect(user(r, attack.persistence.userName)).toBeUndefined();
    expect(user(demo, attack.persistence.userName)).toBeDefined();
    const { region, detectorId } = attack.tampering.deleteDetector;
    expect(r.guardduty?.detectors).toContainEqual({ Region: region, DetectorId: detectorId, Status: 'ENABLED' });
    expect(demo.guardduty?.detectors?.some((d) => d.DetectorId === detectorId)).toBe(false);
    expect(r.guardduty?.findings).toEqual([]);
    const trail = r.cloudtrail?.trails?.[0];
    expect(trail?.IsLogging).toBe(true);
    expect(trail?.StopLoggingTime).toBeUndefined();
    expect(t(trail?.LatestDeliveryTime ?? '')).toBeLessThanOrEqual(at);
    expect(demo.cloudtrail?.trails?.[0]?.IsLogging).toBe(false);
  });

  it('bills nothing of the attack days nor of the attack\'s regions', () => {
    const lastDay = (d: { start: string; amounts: number[] }) => iso(t(`${d.start}T00:00:00Z`) + (d.amounts.length - 1) * DAY).slice(0, 10);
    const daily = r.costs?.daily ?? [];
    expect(daily.length).toBeGreaterThan(10);
    // At 01:19 with an 8 hour lag Cost Explorer shows up to 17:19 the day before.
    expect(daily.map(lastDay).filter((d) => d >= '2026-11-24')).toEqual([]);
    expect((r.costs?.lineItems ?? []).filter((li) => li.date >= '2026-11-24')).toEqual([]);
    expect(daily.filter((d) => attack.regions.includes(d.region ?? ''))).toEqual([]);
    expect((demo.costs?.daily ?? []).filter((d) => attack.regions.includes(d.region ?? '')).length).toBeGreaterThan(0);
  });

  it('audits without a finding at medium or above from the attack (and the same audit of the demo has them)', async () => {
    const before = await audit(r);
    expect(before.data.ec2.instances.length).toBeGreaterThan(10);
    expect(before.data.cloudtrail.events.length).toBeGreaterThan(0);
    expect(attackFindings(before.report.findings, 'medium')).toEqual([]);
    const after = await audit(demo);
    expect(attackFindings(after.report.findings, 'medium').length).toBeGreaterThan(0);
  });
});

describe('the demo 30 minutes after the first miners launched', () => {
  let at: number;
  let r: Scenario;

  beforeAll(() => {
    at = t(attack.batches[0]!.at) + 30 * MINUTE;
    r = rewindScenario(demo, at);
  });

  it('has exactly the miners launched before that instant, running', () => {
    const expected = attack.batches.filter((b) => t(b.at) <= at).flatMap((b) => b.instanceIds);
    expect(expected).toHaveLength(16);
    const miners = (r.ec2?.instances ?? []).filter((i) => attack.minerInstanceIds.includes(i.InstanceId));
    expect(miners.map((i) => i.InstanceId).sort()).toEqual([...expected].sort());
    expect(new Set(miners.map((i) => i.State.Name))).toEqual(new Set(['running']));
    // The groups of the regions set up by then exist, with their rules.
    const setUp = attack.securityGroups.filter((g) => events.some((e) => e.eventName === 'CreateSecurityGroup' && e.responseElements?.groupId === g.groupId && t(e.eventTime) <= at));
    expect(setUp.map((g) => g.region)).toEqual(['us-east-2', 'ap-southeast-1']);
    for (const g of setUp) expect(group(r, g.groupId)?.IpPermissions.map((p) => p.FromPort).sort()).toEqual([14444, 22, 3333]);
    expect(r.ec2?.securityGroups?.filter((g) => g.GroupName === 'launch-wizard-1')).toHaveLength(2);
  });

  it('shows none of the next hour\'s events', () => {
    const next = events.filter((e) => t(e.eventTime) > at && t(e.eventTime) <= at + HOUR);
    expect(next.map((e) => e.eventName)).toEqual(expect.arrayContaining(['RunInstances', 'CreateUser', 'CreateAccessKey', 'AttachUserPolicy']));
    const shown = new Set((r.cloudtrail?.events ?? []).map((e) => e.eventID));
    expect(next.filter((e) => shown.has(e.eventID))).toEqual([]);
    expect(user(r, attack.persistence.userName)).toBeUndefined();
  });

  it('shows the miners\' launch, an event older than the longest delay', () => {
    const shown = new Set((r.cloudtrail?.events ?? []).map((e) => e.eventID));
    expect(shown.has(attack.batches[0]!.eventID)).toBe(true);
    // Every event at least 10 minutes old is visible; none under 2 minutes old is.
    const old = events.filter((e) => at - t(e.eventTime) >= 10 * MINUTE);
    const fresh = events.filter((e) => t(e.eventTime) <= at && at - t(e.eventTime) < 2 * MINUTE);
    expect(old.every((e) => shown.has(e.eventID))).toBe(true);
    expect(fresh.filter((e) => shown.has(e.eventID))).toEqual([]);
  });
});

describe('CloudTrail\'s delivery delay', () => {
  const attackRecord = (name: string) => () => events.find((e) => e.eventName === name && attack.attackerIPs.includes(e.sourceIPAddress ?? ''))!;
  it.each([
    ['the first RunInstances', () => events.find((e) => e.eventID === attack.batches[0]!.eventID)!],
    ['CreateUser', attackRecord('CreateUser')],
    ['ConsoleLogin', attackRecord('ConsoleLogin')],
    ['StopLogging', attackRecord('StopLogging')],
    ['DeleteDetector', attackRecord('DeleteDetector')],
  ])('hides %s 1 minute after the call and shows it 15 minutes after', (_name, find) => {
    const record = find();
    expect(record).toBeDefined();
    const shownAt = (at: number) => (rewindScenario(demo, at).cloudtrail?.events ?? []).some((e) => e.eventID === record.eventID);
    expect(shownAt(t(record.eventTime) + MINUTE)).toBe(false);
    expect(shownAt(t(record.eventTime) + 15 * MINUTE)).toBe(true);
    expect(shownAt(t(record.eventTime) + defaultCloudTrailDelayMs(record))).toBe(true);
    expect(shownAt(t(record.eventTime) + defaultCloudTrailDelayMs(record) - 1)).toBe(false);
  });

  it('is 2 to 10 minutes per event, about 5 on average, and the same every time', () => {
    const delays = events.map(defaultCloudTrailDelayMs);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(2 * MINUTE);
    expect(Math.max(...delays)).toBeLessThanOrEqual(10 * MINUTE);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThan(4.7 * MINUTE);
    expect(mean).toBeLessThan(5.3 * MINUTE);
    expect(events.map(defaultCloudTrailDelayMs)).toEqual(delays);
  });

  it('can be replaced', () => {
    const at = t(attack.batches[0]!.at);
    const now = rewindScenario(demo, at, { cloudtrailDelayMs: () => 0 });
    expect(now.cloudtrail?.events?.some((e) => e.eventID === attack.batches[0]!.eventID)).toBe(true);
    const late = rewindScenario(demo, at + HOUR, { cloudtrailDelayMs: () => 2 * HOUR });
    expect(late.cloudtrail?.events?.some((e) => e.eventID === attack.batches[0]!.eventID)).toBe(false);
  });
});

describe('the demo step by step', () => {
  const persistence = (name: string) => () => t(events.find((e) => e.eventName === name && e.requestParameters?.userName === attack.persistence.userName)!.eventTime);
  it.each([
    { step: 'before CreateUser', at: () => persistence('CreateUser')() - SECOND, exists: false, keys: 0, profile: false, admin: false, lastLogin: undefined },
    { step: 'after CreateUser', at: persistence('CreateUser'), exists: true, keys: 0, profile: false, admin: false, lastLogin: undefined },
    { step: 'after CreateAccessKey', at: persistence('CreateAccessKey'), exists: true, keys: 1, profile: false, admin: false, lastLogin: undefined },
    { step: 'after CreateLoginProfile', at: persistence('CreateLoginProfile'), exists: true, keys: 1, profile: true, admin: false, lastLogin: undefined },
    { step: 'after AttachUserPolicy', at: persistence('AttachUserPolicy'), exists: true, keys: 1, profile: true, admin: true, lastLogin: undefined },
    { step: 'after the console sign-in', at: () => t(attack.persistence.consoleLogin.at), exists: true, keys: 1, profile: true, admin: true, lastLogin: 'login' },
  ])('the back-door user $step', ({ at, exists, keys, profile, admin, lastLogin }) => {
    const r = rewindScenario(demo, at());
    const u = user(r, attack.persistence.userName);
    expect(u !== undefined).toBe(exists);
    if (!u) return;
    expect(u.AccessKeys ?? []).toHaveLength(keys);
    expect(u.LoginProfile !== undefined).toBe(profile);
    expect((u.AttachedPolicies ?? []).some((p) => p.PolicyName === 'AdministratorAccess')).toBe(admin);
    expect(u.PasswordLastUsed).toBe(lastLogin ? attack.persistence.consoleLogin.at : undefined);
  });

  it.each([
    { at: () => t(attack.tampering.stopLogging.at) - SECOND, logging: true },
    { at: () => t(attack.tampering.stopLogging.at), logging: false },
  ])('the trail around StopLogging (logging: $logging)', ({ at, logging }) => {
    const trail = rewindScenario(demo, at()).cloudtrail?.trails?.[0];
    expect(trail?.IsLogging).toBe(logging);
    expect(trail?.StopLoggingTime).toBe(logging ? undefined : attack.tampering.stopLogging.at);
  });

  it.each([
    { at: () => t(attack.tampering.deleteDetector.at) - SECOND, present: true },
    { at: () => t(attack.tampering.deleteDetector.at), present: false },
  ])('the ap-southeast-1 detector around DeleteDetector (present: $present)', ({ at, present }) => {
    const detectors = rewindScenario(demo, at()).guardduty?.detectors ?? [];
    expect(detectors.some((d) => d.DetectorId === attack.tampering.deleteDetector.detectorId)).toBe(present);
  });

  it('undoes the generator\'s own benign rule change: SSH from the office to the bastion', () => {
    const change = events.find((e) => e.eventName === 'AuthorizeSecurityGroupIngress' && e.userIdentity?.userName === 'alice')!;
    const bastion = String(change.requestParameters?.groupId);
    const before = group(rewindScenario(demo, t(change.eventTime) - SECOND), bastion);
    const after = group(rewindScenario(demo, t(change.eventTime)), bastion);
    expect(group(demo, bastion)?.IpPermissions).toHaveLength(1);
    expect(before?.IpPermissions).toEqual([]);
    expect(after?.IpPermissions).toEqual(group(demo, bastion)?.IpPermissions);
  });

  it('clamps GuardDuty findings to the instant and drops later ones', () => {
    const crypto = attack.guardDutyFindings.find((f) => f.type.startsWith('CryptoCurrency'))!;
    const original = demo.guardduty?.findings?.find((f) => f.Id === crypto.id) as { CreatedAt: string; UpdatedAt: string; Service: { EventFirstSeen: string; EventLastSeen: string; Count: number } };
    // Ten minutes after it was created, before the other finding (11 minutes after StopLogging).
    const at = t(original.CreatedAt) + 10 * MINUTE;
    const findings = rewindScenario(demo, at).guardduty?.findings ?? [];
    expect(findings.map((f) => f.Id)).toEqual([crypto.id]);
    const f = findings[0] as typeof original;
    expect(f.UpdatedAt).toBe(iso(at));
    expect(f.Service.EventLastSeen).toBe(iso(at));
    const share = (at - t(original.Service.EventFirstSeen)) / (t(original.Service.EventLastSeen) - t(original.Service.EventFirstSeen));
    expect(f.Service.Count).toBe(Math.round(original.Service.Count * share));
  });

  it('cuts metric series to the periods started before the instant', () => {
    const at = t(attack.start) + 7 * MINUTE;
    const series = rewindScenario(demo, at).cloudwatch?.series ?? [];
    const web = series.find((s) => s.MetricName === 'CPUUtilization' && s.Dimensions[0]?.Value === attack.webCompromise.instanceId)!;
    const original = (demo.cloudwatch?.series ?? []).find((s) => s.MetricName === 'CPUUtilization' && s.Dimensions[0]?.Value === attack.webCompromise.instanceId)!;
    const last = t(web.Start) + (web.Values.length - 1) * web.Period * SECOND;
    // The 02:15 period has started (partial); 02:20 has not.
    expect(iso(last)).toBe('2026-11-24T02:15:00Z');
    expect(web.Values).toEqual(original.Values.slice(0, web.Values.length));
    expect(series.every((s) => t(s.Start) + (s.Values.length - 1) * s.Period * SECOND < at)).toBe(true);
    expect(series.some((s) => attack.minerInstanceIds.includes(s.Dimensions[0]?.Value ?? ''))).toBe(false);
  });
});

describe('rewinding to now', () => {
  it('with no delay and no lag gives the scenario back', () => {
    expect(rewindScenario(demo, t(demo.now), ZERO)).toEqual(demo);
  });

  it('with the defaults hides only the freshest events and the last hours of cost', () => {
    const now = t(demo.now);
    const r = rewindScenario(demo, now);
    const hidden = new Set(events.map((e) => e.eventID));
    for (const e of r.cloudtrail?.events ?? []) hidden.delete(e.eventID);
    expect([...hidden].every((id) => now - t(events.find((e) => e.eventID === id)!.eventTime) < 10 * MINUTE)).toBe(true);
    const { cloudtrail: _c, costs: _k, ...rest } = r;
    const { cloudtrail: _dc, costs: _dk, ...demoRest } = demo;
    expect(rest).toEqual(demoRest);
    expect(r.costs?.daily?.map((d) => d.start)).toEqual(demo.costs?.daily?.map((d) => d.start));
  });
});

describe('costs', () => {
  /** A small account: four days of one service, the last partial (now is 12:00), a fee and two anomalies. */
  const small = (): Scenario => ({
    format: 'rigwatch-scenario/1',
    name: 'costs',
    now: '2026-03-10T12:00:00Z',
    account: { id: '123456789012' },
    costs: {
      daily: [{ service: 'Amazon Elastic Compute Cloud - Compute', region: 'us-east-1', start: '2026-03-07', amounts: [24, 48, 96, 12] }],
      lineItems: [{ date: '2026-03-09', service: 'AWS Support (Business)', amount: 10, usageQuantity: 5, recordType: 'RecurringFee' }],
      anomalies: [
        { AnomalyId: 'a-early', AnomalyStartDate: '2026-03-08', AnomalyEndDate: '2026-03-10', Impact: { TotalImpact: 50 } },
        { AnomalyId: 'a-late', AnomalyStartDate: '2026-03-10', Impact: { TotalImpact: 5 } },
      ],
    },
  });

  it.each([
    // at, lag: what accrued by at - lag. Day 03-10 accrued 12 over its first 12 hours.
    { at: '2026-03-10T12:00:00Z', lag: 0, daily: [24, 48, 96, 12], fee: [10, 5] },
    { at: '2026-03-10T12:00:00Z', lag: 6 * HOUR, daily: [24, 48, 96, 6], fee: [10, 5] },
    { at: '2026-03-10T12:00:00Z', lag: 8 * HOUR, daily: [24, 48, 96, 4], fee: [10, 5] },
    { at: '2026-03-09T18:00:00Z', lag: 6 * HOUR, daily: [24, 48, 48], fee: [5, 2.5] },
    { at: '2026-03-09T08:00:00Z', lag: 8 * HOUR, daily: [24, 48], fee: undefined },
    { at: '2026-03-08T02:00:00Z', lag: 8 * HOUR, daily: [24 * (18 / 24)], fee: undefined },
    { at: '2026-03-07T06:00:00Z', lag: 8 * HOUR, daily: undefined, fee: undefined },
  ])('at $at with a lag of $lag ms shows $daily', ({ at, lag, daily, fee }) => {
    const r = rewindScenario(small(), t(at), { costLagMs: lag });
    const series = r.costs?.daily ?? [];
    if (daily) {
      expect(series).toHaveLength(1);
      expect(series[0]?.start).toBe('2026-03-07');
      expect(series[0]?.amounts).toEqual(daily.map((a) => expect.closeTo(a, 9)));
    } else expect(series).toEqual([]);
    const items = r.costs?.lineItems ?? [];
    if (fee) expect(items.map((i) => [i.amount, i.usageQuantity])).toEqual([fee]);
    else expect(items).toEqual([]);
  });

  it('drops anomalies that start later and reopens those that end later', () => {
    const r = rewindScenario(small(), t('2026-03-09T12:00:00Z'));
    expect(r.costs?.anomalies).toEqual([{ AnomalyId: 'a-early', AnomalyStartDate: '2026-03-08', Impact: { TotalImpact: 50 } }]);
  });

  it('prorates the demo\'s day of the instant with the default 8 hour lag', () => {
    const at = t('2026-11-25T20:00:00Z');
    const r = rewindScenario(demo, at);
    const dayOf = (d: { start: string }, day: string) => Math.round((t(`${day}T00:00:00Z`) - t(`${d.start}T00:00:00Z`)) / DAY);
    let compared = 0;
    const same = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      ['service', 'region', 'usageType', 'instanceType', 'recordType', 'linkedAccount', 'start'].every((k) => a[k] === b[k]);
    for (const d of r.costs?.daily ?? []) {
      const original = demo.costs!.daily!.find((o) => same(o as unknown as Record<string, unknown>, d as unknown as Record<string, unknown>))!;
      const k = dayOf(d, '2026-11-25');
      expect(d.amounts.slice(0, k)).toEqual(original.amounts.slice(0, k));
      if (original.amounts.length <= k) {
        expect(d.amounts).toEqual(original.amounts);
        continue;
      }
      expect(d.amounts).toHaveLength(k + 1);
      expect(d.amounts[k]).toBeCloseTo(original.amounts[k]! * 0.5, 9);
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
    // eu-north-1's miners first ran on 11-25: half of that day's accrual is shown.
    expect((r.costs?.daily ?? []).some((d) => d.region === 'eu-north-1' && d.start === '2026-11-25')).toBe(true);
  });
});

describe('the input', () => {
  it('is never changed, and the result shares nothing with it', () => {
    const frozen = deepFreeze(buildDemo().scenario);
    const copy = structuredClone(frozen);
    for (const at of [firstCall - HOUR, t(attack.batches[0]!.at) + 30 * MINUTE, t(attack.tampering.deleteDetector.at) + HOUR, t(demo.now)]) {
      const r = rewindScenario(frozen, at);
      // Frozen input: writing to it would have thrown. The result is writable throughout.
      const parts: unknown[] = [
        r.ec2?.instances?.[0], r.ec2?.securityGroups?.[0]?.IpPermissions, r.cloudtrail?.events?.[0]?.userIdentity, r.cloudtrail?.trails?.[0],
        r.cloudwatch?.series?.[0]?.Values, r.iam?.users?.find((u) => u.AccessKeys?.length)?.AccessKeys, r.costs?.daily?.[0]?.amounts, r.guardduty?.detectors,
      ];
      for (const part of parts) {
        expect(part).toBeTypeOf('object');
        expect(Object.isFrozen(part)).toBe(false);
      }
    }
    expect(frozen).toEqual(copy);
  });

  it('must not be rewound forward', () => {
    expect(() => rewindScenario(demo, t(demo.now) + 1)).toThrow(/after the scenario's now/);
    expect(() => rewindScenario(demo, Number.NaN)).toThrow(RangeError);
  });
});

describe('records as AWS documents them', () => {
  const ACCOUNT = '123456789012';
  const GROUP = 'sg-0a1b2c3d4e5f60718';
  const AT = '2026-03-10T06:00:00Z';

  /** A group as DescribeSecurityGroups shows it now, after the record below. */
  const groupNow = (): ScenarioSecurityGroup => ({
    GroupId: GROUP, GroupName: 'web', Region: 'us-east-1', VpcId: 'vpc-0abc', OwnerId: ACCOUNT,
    IpPermissions: [
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      { IpProtocol: 'tcp', FromPort: 998, ToPort: 998, IpRanges: [{ CidrIp: '192.168.0.0/32' }] },
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }, { CidrIp: '0.0.0.0/0', Description: 'temp' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
    ],
    IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
  });
  const scenarioWith = (records: CloudTrailRecord[], groupState = groupNow()): Scenario => ({
    format: 'rigwatch-scenario/1', name: 'docs', now: '2026-03-10T12:00:00Z', account: { id: ACCOUNT },
    ec2: { securityGroups: [groupState] },
    cloudtrail: { events: records },
  });
  const identity = {
    type: 'AssumedRole', principalId: 'AROAEXAMPLE:Bob', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/Bob`, accountId: ACCOUNT, accessKeyId: 'ASIAEXAMPLE',
    sessionContext: { attributes: { mfaAuthenticated: 'false', creationDate: '2026-03-10T07:15:25Z' }, sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: `arn:aws:iam::${ACCOUNT}:role/Admin`, accountId: ACCOUNT, userName: 'Admin' } },
  };
  /**
   * The AWS Knowledge Center's example record ("an inbound rule allows TCP port 998 from
   * 192.168.0.0/32", https://repost.aws/knowledge-center/cloudtrail-event-history-changed): event
   * version 1.05, console user agent, no securityGroupRuleSet in the response.
   */
  const knowledgeCenter: CloudTrailRecord = {
    eventVersion: '1.05', userIdentity: identity, eventTime: '2026-03-10T08:10:17Z', eventSource: 'ec2.amazonaws.com',
    eventName: 'AuthorizeSecurityGroupIngress', awsRegion: 'us-east-1', sourceIPAddress: '192.0.2.10', userAgent: 'console.ec2.amazonaws.com',
    requestParameters: {
      groupId: GROUP,
      ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 998, toPort: 998, groups: {}, ipRanges: { items: [{ cidrIp: '192.168.0.0/32' }] }, ipv6Ranges: {}, prefixListIds: {} }] },
    },
    responseElements: { requestId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111', _return: true },
    requestID: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111', eventID: 'a1b2c3d4-5678-90ab-cdef-EXAMPLEbbbbb', eventType: 'AwsApiCall', recipientAccountId: ACCOUNT,
  };
  /** A newer record: protocol by number, a description, IPv4 and IPv6 in one permission, rule ids in the response. */
  const newer: CloudTrailRecord = {
    ...knowledgeCenter, eventVersion: '1.09', eventTime: '2026-03-10T09:00:00Z', eventID: 'b1b2c3d4-5678-90ab-cdef-EXAMPLEbbbbb', userAgent: 'aws-cli/2.15.0',
    requestParameters: {
      groupId: GROUP,
      ipPermissions: { items: [{ ipProtocol: '6', fromPort: 22, toPort: 22, groups: {}, ipRanges: { items: [{ cidrIp: '0.0.0.0/0', description: 'temp' }] }, ipv6Ranges: { items: [{ cidrIpv6: '::/0' }] }, prefixListIds: {} }] },
    },
    responseElements: {
      requestId: 'b1', _return: true,
      securityGroupRuleSet: { items: [
        { groupOwnerId: ACCOUNT, groupId: GROUP, securityGroupRuleId: 'sgr-0aaaaaaaaaaaaaaa1', isEgress: false, ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0', description: 'temp' },
        { groupOwnerId: ACCOUNT, groupId: GROUP, securityGroupRuleId: 'sgr-0aaaaaaaaaaaaaaa2', isEgress: false, ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv6: '::/0' },
      ] },
    },
  };

  it.each([
    { when: 'before both', at: AT, ports: [443, 22], ssh: [['10.0.0.0/8'], []] },
    { when: 'between them', at: '2026-03-10T08:30:00Z', ports: [443, 998, 22], ssh: [['10.0.0.0/8'], []] },
    { when: 'after both', at: '2026-03-10T09:30:00Z', ports: [443, 998, 22], ssh: [['10.0.0.0/8', '0.0.0.0/0'], ['::/0']] },
  ])('AuthorizeSecurityGroupIngress: $when', ({ at, ports, ssh }) => {
    const r = rewindScenario(scenarioWith([knowledgeCenter, newer]), t(at));
    const g = r.ec2?.securityGroups?.[0];
    expect(g?.IpPermissions.map((p) => p.FromPort)).toEqual(ports);
    const p22 = g?.IpPermissions.find((p) => p.FromPort === 22);
    expect([(p22?.IpRanges ?? []).map((x) => x.CidrIp), (p22?.Ipv6Ranges ?? []).map((x) => x.CidrIpv6)]).toEqual(ssh);
    expect(g?.IpPermissionsEgress).toEqual(groupNow().IpPermissionsEgress);
  });

  it('RevokeSecurityGroupIngress as the API reference describes its response puts the rule back', () => {
    const revoke: CloudTrailRecord = {
      ...knowledgeCenter, eventName: 'RevokeSecurityGroupIngress', eventTime: '2026-03-10T10:00:00Z', eventID: 'c1',
      requestParameters: { groupId: GROUP, securityGroupRuleIds: { items: [{ securityGroupRuleId: 'sgr-0bbbbbbbbbbbbbbb1' }] } },
      responseElements: { requestId: 'c1', _return: true, revokedSecurityGroupRuleSet: { items: [
        { securityGroupRuleId: 'sgr-0bbbbbbbbbbbbbbb1', groupId: GROUP, isEgress: false, ipProtocol: 'tcp', fromPort: 3389, toPort: 3389, cidrIpv4: '203.0.113.0/24', description: 'rdp' },
      ] } },
    };
    const r = rewindScenario(scenarioWith([revoke]), t(AT));
    expect(r.ec2?.securityGroups?.[0]?.IpPermissions.at(-1)).toEqual({
      IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: '203.0.113.0/24', Description: 'rdp', SecurityGroupRuleId: 'sgr-0bbbbbbbbbbbbbbb1' }],
    });
  });

  it('a revoke by rule id alone is resolved through the authorize that created the rule', () => {
    const revoke: CloudTrailRecord = {
      ...knowledgeCenter, eventName: 'RevokeSecurityGroupIngress', eventTime: '2026-03-10T10:00:00Z', eventID: 'd1',
      requestParameters: { groupId: GROUP, securityGroupRuleIds: { items: [{ securityGroupRuleId: 'sgr-0aaaaaaaaaaaaaaa2' }] } },
      responseElements: { requestId: 'd1', _return: true },
    };
    // Now: the ::/0 rule of `newer` was revoked at 10:00.
    const state = groupNow();
    delete state.IpPermissions[2]!.Ipv6Ranges;
    const ipv6 = (at: string) => rewindScenario(scenarioWith([knowledgeCenter, newer, revoke], state), t(at)).ec2?.securityGroups?.[0]?.IpPermissions.find((p) => p.FromPort === 22)?.Ipv6Ranges;
    expect(ipv6('2026-03-10T11:00:00Z')).toBeUndefined();
    expect(ipv6('2026-03-10T09:30:00Z')).toEqual([{ CidrIpv6: '::/0', SecurityGroupRuleId: 'sgr-0aaaaaaaaaaaaaaa2' }]);
    expect(ipv6(AT)).toBeUndefined();
  });

  it('a failed call changes nothing', () => {
    const failed = { ...knowledgeCenter, errorCode: 'InvalidPermission.Duplicate', errorMessage: 'the specified rule already exists' };
    const r = rewindScenario(scenarioWith([failed]), t(AT));
    expect(r.ec2?.securityGroups?.[0]?.IpPermissions).toEqual(groupNow().IpPermissions);
  });
});

describe('the simulator\'s own changes', () => {
  it('are undone by rewinding to just before them', async () => {
    const changed = structuredClone(demo);
    const target = scenarioTarget(changed, 'changes');
    const miner = attack.batches[0]!.instanceIds[0]!;
    const region = attack.batches[0]!.region;
    const minerGroup = attack.securityGroups.find((g) => g.region === region)!.groupId;
    const web = demo.ec2!.securityGroups!.find((g) => g.GroupName === 'acme-web')!;
    const ops = user(demo, attack.stolenKey.userName)!;
    try {
      const ec2 = target.clients.ec2(region);
      const { GroupId: isolation } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'rigwatch-isolation', Description: 'no traffic', VpcId: demo.ec2!.instances!.find((i) => i.InstanceId === miner)!.VpcId }));
      await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: miner, Groups: [isolation!] }));
      // (Not DisableApiTermination: the demo's records turn it on for every miner while its inventory leaves it unset.)
      await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: miner, InstanceInitiatedShutdownBehavior: { Value: 'terminate' } }));
      await ec2.send(new StopInstancesCommand({ InstanceIds: [miner] }));
      await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: minerGroup, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
      await target.clients.ec2('us-east-1').send(new AuthorizeSecurityGroupIngressCommand({ GroupId: web.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8443, ToPort: 8443, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }] }));
      const iam = target.clients.iam();
      await iam.send(new UpdateAccessKeyCommand({ UserName: ops.UserName, AccessKeyId: attack.stolenKey.accessKeyId, Status: 'Inactive' }));
      await iam.send(new DetachUserPolicyCommand({ UserName: ops.UserName, PolicyArn: ops.AttachedPolicies![1]!.PolicyArn }));
      await iam.send(new AttachUserPolicyCommand({ UserName: ops.UserName, PolicyArn: 'arn:aws:iam::aws:policy/AWSDenyAll' }));
      await iam.send(new PutUserPolicyCommand({ UserName: ops.UserName, PolicyName: 'deny-all', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] }) }));
    } finally {
      target.clients.destroy();
    }
    const after = target.simulated!.toScenario();
    const recorded = (after.cloudtrail?.events?.length ?? 0) - events.length;
    expect(recorded).toBe(10);
    expect(after.ec2?.instances?.find((i) => i.InstanceId === miner)?.State.Name).toBe('stopped');
    expect(user(after, ops.UserName)?.AccessKeys?.[0]?.Status).toBe('Inactive');

    // A group's rules are a set: a rule put back comes last.
    const normalised = (s: Scenario) => ({
      ...s,
      ec2: { ...s.ec2, securityGroups: s.ec2?.securityGroups?.map((g) => ({ ...g, IpPermissions: [...g.IpPermissions].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) })) },
    });
    const at = t(demo.now) - SECOND;
    expect(normalised(rewindScenario(after, at, ZERO))).toEqual(normalised(rewindScenario(demo, at, ZERO)));
    expect(rewindScenario(after, at, ZERO).ec2?.securityGroups?.find((g) => g.GroupId === minerGroup)?.IpPermissions.map((p) => p.FromPort)).toEqual([3333, 14444, 22]);
  });
});

describe('instances from their records', () => {
  const REGION = 'eu-west-1';
  const launch: CloudTrailRecord = {
    eventVersion: '1.10', eventTime: '2026-03-10T02:00:00Z', eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', awsRegion: REGION, eventID: 'run-1',
    requestParameters: { instancesSet: { items: [{ imageId: 'ami-0123', minCount: 1, maxCount: 1, keyName: 'ci' }] }, instanceType: 'c5.2xlarge', disableApiTermination: false,
      tagSpecificationSet: { items: [{ resourceType: 'instance', tags: [{ key: 'Name', value: 'ci-runner' }] }] } },
    responseElements: { reservationId: 'r-1', instancesSet: { items: [{
      instanceId: 'i-0gone', imageId: 'ami-0123', instanceType: 'c5.2xlarge', launchTime: t('2026-03-10T02:00:00Z'), instanceState: { code: 0, name: 'pending' },
      placement: { availabilityZone: 'eu-west-1a' }, subnetId: 'subnet-1', vpcId: 'vpc-1', privateIpAddress: '10.0.0.5', architecture: 'x86_64',
      groupSet: { items: [{ groupId: 'sg-1', groupName: 'ci' }] }, cpuOptions: { coreCount: 4, threadsPerCore: 2 },
    }] } },
  };
  const stateChange = (name: string, id: string, time: string, from: [number, string], to: [number, string]): CloudTrailRecord => ({
    eventVersion: '1.10', eventTime: time, eventSource: 'ec2.amazonaws.com', eventName: name, awsRegion: REGION, eventID: `${name}-${id}-${time}`,
    requestParameters: { instancesSet: { items: [{ instanceId: id }] } },
    responseElements: { instancesSet: { items: [{ instanceId: id, currentState: { code: to[0], name: to[1] }, previousState: { code: from[0], name: from[1] } }] } },
  });
  const scenario: Scenario = {
    format: 'rigwatch-scenario/1', name: 'instances', now: '2026-03-10T12:00:00Z', account: { id: '123456789012' },
    ec2: { instances: [
      { InstanceId: 'i-0stopped', InstanceType: 'm5.large', LaunchTime: '2026-01-01T00:00:00Z', State: { Code: 80, Name: 'stopped' }, Region: REGION, StateTransitionReason: 'User initiated (2026-03-10 08:00:00 GMT)' },
      { InstanceId: 'i-0restarted', InstanceType: 'm5.large', LaunchTime: '2026-03-10T09:00:00Z', State: { Code: 16, Name: 'running' }, Region: REGION },
    ] },
    cloudtrail: { events: [
      stateChange('StartInstances', 'i-0restarted', '2026-03-09T09:00:00Z', [80, 'stopped'], [0, 'pending']),
      stateChange('StopInstances', 'i-0restarted', '2026-03-09T20:00:00Z', [16, 'running'], [64, 'stopping']),
      launch,
      stateChange('StopInstances', 'i-0stopped', '2026-03-10T08:00:00Z', [16, 'running'], [64, 'stopping']),
      stateChange('StartInstances', 'i-0restarted', '2026-03-10T09:00:00Z', [80, 'stopped'], [0, 'pending']),
      stateChange('TerminateInstances', 'i-0gone', '2026-03-10T10:00:00Z', [16, 'running'], [32, 'shutting-down']),
    ] },
  };
  const at = (when: string) => Object.fromEntries((rewindScenario(scenario, t(when)).ec2?.instances ?? []).map((i) => [i.InstanceId, [i.State.Name, i.LaunchTime]]));

  it.each([
    { when: '2026-03-10T12:00:00Z', expected: { 'i-0stopped': ['stopped', '2026-01-01T00:00:00Z'], 'i-0restarted': ['running', '2026-03-10T09:00:00Z'] } },
    { when: '2026-03-10T09:30:00Z', expected: { 'i-0stopped': ['stopped', '2026-01-01T00:00:00Z'], 'i-0restarted': ['running', '2026-03-10T09:00:00Z'], 'i-0gone': ['running', '2026-03-10T02:00:00Z'] } },
    { when: '2026-03-10T07:00:00Z', expected: { 'i-0stopped': ['running', '2026-01-01T00:00:00Z'], 'i-0restarted': ['stopped', '2026-03-09T09:00:00Z'], 'i-0gone': ['running', '2026-03-10T02:00:00Z'] } },
    { when: '2026-03-10T01:00:00Z', expected: { 'i-0stopped': ['running', '2026-01-01T00:00:00Z'], 'i-0restarted': ['stopped', '2026-03-09T09:00:00Z'] } },
  ])('at $when', ({ when, expected }) => {
    expect(at(when)).toEqual(expected);
  });

  it('rebuilds a terminated instance from its RunInstances record, and a stopped one has no transition reason when running', () => {
    const r = rewindScenario(scenario, t('2026-03-10T07:00:00Z'));
    expect(r.ec2?.instances?.find((i) => i.InstanceId === 'i-0gone')).toEqual({
      InstanceId: 'i-0gone', InstanceType: 'c5.2xlarge', LaunchTime: '2026-03-10T02:00:00Z', State: { Code: 16, Name: 'running' }, Region: REGION,
      ImageId: 'ami-0123', Architecture: 'x86_64', Placement: { AvailabilityZone: 'eu-west-1a' }, VpcId: 'vpc-1', SubnetId: 'subnet-1', PrivateIpAddress: '10.0.0.5',
      KeyName: 'ci', SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'ci' }], CpuOptions: { CoreCount: 4, ThreadsPerCore: 2 }, Tags: [{ Key: 'Name', Value: 'ci-runner' }],
    });
    expect(r.ec2?.instances?.find((i) => i.InstanceId === 'i-0stopped')?.StateTransitionReason).toBeUndefined();
  });
});

describe('IAM and GuardDuty from their records', () => {
  const ACCOUNT = '123456789012';
  const admin = { type: 'IAMUser', principalId: 'AIDAADMIN', arn: `arn:aws:iam::${ACCOUNT}:user/admin`, accountId: ACCOUNT, accessKeyId: 'AKIAADMIN', userName: 'admin' };
  let n = 0;
  const call = (eventName: string, eventTime: string, requestParameters: Record<string, unknown>, extra: Partial<CloudTrailRecord> = {}): CloudTrailRecord => ({
    eventVersion: '1.09', userIdentity: admin, eventTime, eventSource: 'iam.amazonaws.com', eventName, awsRegion: 'us-east-1',
    requestParameters, responseElements: null, eventID: `e-${++n}`, ...extra,
  });
  const doc = (effect: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: 's3:*', Resource: '*' }] });
  const key = 'AKIAKEYONE0000000001';
  const gone = 'AKIAKEYGONE000000002';
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/deployer`;
  // Now (12:00): the key is Active again, the old key deleted, ReadOnly detached, S3 attached, the
  // inline policy rewritten to Deny, bob in `ops`, the detector disabled.
  const scenario: Scenario = {
    format: 'rigwatch-scenario/1', name: 'iam', now: '2026-03-10T12:00:00Z', account: { id: ACCOUNT },
    iam: {
      users: [{
        UserName: 'bob', Arn: `arn:aws:iam::${ACCOUNT}:user/bob`, CreateDate: '2025-01-01T00:00:00Z', PasswordLastUsed: '2026-03-10T11:00:00Z',
        AccessKeys: [{ AccessKeyId: key, Status: 'Active', CreateDate: '2025-01-01T00:00:00Z', LastUsed: { LastUsedDate: '2026-03-10T11:30:00Z', ServiceName: 's3', Region: 'eu-west-1' } }],
        AttachedPolicies: [{ PolicyName: 'AmazonS3FullAccess', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' }],
        InlinePolicies: { data: JSON.parse(doc('Deny')) as unknown },
        Groups: ['devs', 'ops'],
      }],
      roles: [{ RoleName: 'deployer', Arn: roleArn, CreateDate: '2025-01-01T00:00:00Z', RoleLastUsed: { LastUsedDate: '2026-03-10T10:00:00Z', Region: 'us-east-1' } }],
    },
    guardduty: { detectors: [{ Region: 'eu-west-1', DetectorId: 'd0a1', Status: 'DISABLED' }] },
    cloudtrail: { events: [
      call('CreateAccessKey', '2026-03-01T00:00:00Z', { userName: 'bob' }, { responseElements: { accessKey: { userName: 'bob', accessKeyId: gone, status: 'Active', createDate: 'Mar 1, 2026, 12:00:00 AM' } } }),
      call('PutUserPolicy', '2026-03-02T00:00:00Z', { userName: 'bob', policyName: 'data', policyDocument: doc('Allow') }),
      call('UpdateAccessKey', '2026-03-05T00:00:00Z', { userName: 'bob', accessKeyId: key, status: 'Inactive' }),
      call('ConsoleLogin', '2026-03-06T09:00:00Z', {}, { eventSource: 'signin.amazonaws.com', userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/bob`, userName: 'bob' }, responseElements: { ConsoleLogin: 'Success' } }),
      call('GetObject', '2026-03-06T10:00:00Z', {}, { eventSource: 's3.amazonaws.com', awsRegion: 'eu-central-1', userIdentity: { type: 'IAMUser', userName: 'bob', accessKeyId: gone } }),
      call('ListBuckets', '2026-03-07T10:00:00Z', {}, { eventSource: 's3.amazonaws.com', userIdentity: { type: 'AssumedRole', accessKeyId: 'ASIAROLE', sessionContext: { sessionIssuer: { type: 'Role', arn: roleArn } } } }),
      call('UpdateAccessKey', '2026-03-10T08:00:00Z', { userName: 'bob', accessKeyId: key, status: 'Active' }),
      call('DeleteAccessKey', '2026-03-10T08:05:00Z', { userName: 'bob', accessKeyId: gone }),
      call('DetachUserPolicy', '2026-03-10T08:10:00Z', { userName: 'bob', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }),
      call('AttachUserPolicy', '2026-03-10T08:15:00Z', { userName: 'bob', policyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' }),
      call('PutUserPolicy', '2026-03-10T08:20:00Z', { userName: 'bob', policyName: 'data', policyDocument: doc('Deny') }),
      call('AddUserToGroup', '2026-03-10T08:25:00Z', { userName: 'bob', groupName: 'ops' }),
      call('AttachUserPolicy', '2026-03-10T08:30:00Z', { userName: 'bob', policyArn: 'arn:aws:iam::aws:policy/IAMFullAccess' }, { errorCode: 'AccessDenied' }),
      call('UpdateDetector', '2026-03-10T09:00:00Z', { detectorId: 'd0a1', enable: false }, { eventSource: 'guardduty.amazonaws.com', awsRegion: 'eu-west-1' }),
    ] },
  };

  it('puts every principal and detector back as it was before the morning\'s changes', () => {
    const r = rewindScenario(scenario, t('2026-03-10T07:00:00Z'));
    const bob = r.iam?.users?.[0];
    expect(bob?.AccessKeys).toEqual([
      { AccessKeyId: key, Status: 'Inactive', CreateDate: '2025-01-01T00:00:00Z' },
      { AccessKeyId: gone, Status: 'Active', CreateDate: '2026-03-01T00:00:00Z', LastUsed: { LastUsedDate: '2026-03-06T10:00:00Z', ServiceName: 's3', Region: 'eu-central-1' } },
    ]);
    expect(bob?.AttachedPolicies).toEqual([{ PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }]);
    expect(bob?.InlinePolicies).toEqual({ data: JSON.parse(doc('Allow')) });
    expect(bob?.Groups).toEqual(['devs']);
    expect(bob?.PasswordLastUsed).toBe('2026-03-06T09:00:00Z');
    expect(r.iam?.roles?.[0]?.RoleLastUsed).toEqual({ LastUsedDate: '2026-03-07T10:00:00Z', Region: 'us-east-1' });
    expect(r.guardduty?.detectors).toEqual([{ Region: 'eu-west-1', DetectorId: 'd0a1', Status: 'ENABLED' }]);
  });

  it('keeps what the changes before the instant did, and the failed call changes nothing', () => {
    const r = rewindScenario(scenario, t('2026-03-10T08:27:00Z'), ZERO);
    const bob = r.iam?.users?.[0];
    expect(bob?.AccessKeys?.map((k) => [k.AccessKeyId, k.Status])).toEqual([[key, 'Active']]);
    expect(bob?.AttachedPolicies?.map((p) => p.PolicyName)).toEqual(['AmazonS3FullAccess']);
    expect(bob?.Groups).toEqual(['devs', 'ops']);
    expect(bob?.AccessKeys?.[0]?.LastUsed).toBeUndefined();
    expect(r.guardduty?.detectors?.[0]?.Status).toBe('ENABLED');
  });
});

describe('the large benchmark account', () => {
  it('rewinds in well under two seconds', () => {
    const { scenario } = buildLarge(LARGE_DEFAULT);
    const now = t(scenario.now);
    const timings: number[] = [];
    for (const back of [HOUR, 2 * DAY]) {
      const cpu = process.cpuUsage();
      const r = rewindScenario(scenario, now - back);
      const used = process.cpuUsage(cpu);
      timings.push((used.user + used.system) / 1000);
      expect(r.now).toBe(iso(now - back));
      expect(r.cloudtrail?.events?.length).toBeGreaterThan(40_000);
      expect(r.ec2?.instances?.length).toBeGreaterThan(2900);
      expect(r.cloudtrail?.events?.every((e) => t(e.eventTime) <= now - back)).toBe(true);
    }
    // CPU time, not wall time: the test machine may be busy with other work.
    expect(Math.max(...timings)).toBeLessThan(2000);
  });
});
