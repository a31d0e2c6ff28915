// Over generated accounts, through the real actions, runner and simulated account: apply then
// rollback leaves the account as it was (instance groups, tags and attributes, key states,
// policies, ingress rules), keeping the snapshots; an apply cut short by AWS errors resumes
// without doing any step twice; a step AWS refuses is reported and the rest goes on.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/detectors/types.js';
import { ACTIONS } from '../../src/remediation/index.js';
import { MemoryJournal } from '../../src/remediation/memory-journal.js';
import { planRemediation } from '../../src/remediation/planner.js';
import { applyPlan, rollbackRun } from '../../src/remediation/runner.js';
import type { Scenario, ScenarioAccessKey, ScenarioFault } from '../../src/scenario/types.js';
import { ACCOUNT_ID, NOW, RUN_ID, group, harness, instance, remediationConfig, scenario, volumeOf } from './actions/harness.js';

interface Shape {
  instances: { asg: boolean; protect: boolean; running: boolean }[];
  openPorts: number[][];
  users: { keys: number }[];
}

const shape: fc.Arbitrary<Shape> = fc.record({
  instances: fc.array(fc.record({ asg: fc.boolean(), protect: fc.boolean(), running: fc.boolean() }), { minLength: 1, maxLength: 5 }),
  openPorts: fc.array(fc.subarray([22, 3333, 14444, 3389], { minLength: 1 }), { minLength: 1, maxLength: 3 }),
  users: fc.array(fc.record({ keys: fc.integer({ min: 1, max: 2 }) }), { minLength: 1, maxLength: 3 }),
});

const iid = (k: number) => `i-0${String(k).padStart(16, '0')}`;
const gid = (k: number) => `sg-0open${String(k).padStart(12, '0')}`;
const key = (u: number, k: number) => `AKIAGENERATED${u}${k}000000`.slice(0, 20);

function build(s: Shape, faults: ScenarioFault[] = []): { scenario: Scenario; findings: Finding[] } {
  const groups = s.openPorts.map((ports, k) => group(gid(k), `open-${k}`, {
    IpPermissions: ports.map((p) => ({ IpProtocol: 'tcp', FromPort: p, ToPort: p, IpRanges: [{ CidrIp: '0.0.0.0/0' }] })),
  }));
  const instances = s.instances.map((o, k) => instance(iid(k), {
    State: { Name: o.running ? 'running' : 'stopped' },
    SecurityGroups: [{ GroupId: gid(k % groups.length), GroupName: `open-${k % groups.length}` }],
    Tags: [
      { Key: 'Name', Value: `miner-${k}` },
      ...(o.asg ? [{ Key: 'aws:autoscaling:groupName', Value: 'fleet' }] : []),
      ...(o.protect ? [{ Key: 'rigwatch:protect', Value: 'true' }] : []),
    ],
  }));
  const users = s.users.map((u, n) => ({
    UserName: `user-${n}`, Arn: `arn:aws:iam::${ACCOUNT_ID}:user/user-${n}`, CreateDate: '2026-01-01T00:00:00Z',
    AccessKeys: Array.from({ length: u.keys }, (_, k): ScenarioAccessKey => ({ AccessKeyId: key(n, k), Status: 'Active', CreateDate: `2026-0${k + 1}-01T00:00:00Z` })),
    AttachedPolicies: [{ PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
  }));
  const findings: Finding[] = [
    { id: 'fleet', detector: 'fleet-spinup', severity: 'critical', title: 'fleet', account: ACCOUNT_ID, region: 'us-east-1', evidence: {},
      resources: instances.map((i) => ({ type: 'AWS::EC2::Instance', id: i.InstanceId, region: 'us-east-1' })), remediations: ['quarantine-instance'] },
    ...users.map((u, n): Finding => ({
      id: `actor-${n}`, detector: 'iam-credential-activity', severity: 'critical', title: u.UserName, account: ACCOUNT_ID, region: 'global', evidence: {},
      resources: [{ type: 'AWS::IAM::User', id: u.UserName }], actor: { arn: u.Arn, accessKeyId: key(n, 0) },
      remediations: ['disable-access-key', 'revoke-sessions', 'quarantine-principal'],
    })),
  ];
  return {
    scenario: scenario({
      ec2: { instances, securityGroups: groups, volumes: instances.map((i) => volumeOf(i.InstanceId)) },
      iam: { users },
      simulation: { enforceLimits: false, faults },
    }),
    findings,
  };
}

/** Everything remediation may change and rollback must restore; snapshots and rigwatch's isolation groups are kept by design. */
function view(s: Scenario) {
  const sorted = <T>(xs: T[], k: (x: T) => string) => [...xs].sort((a, b) => k(a).localeCompare(k(b)));
  return {
    instances: (s.ec2?.instances ?? []).map((i) => ({
      id: i.InstanceId, state: i.State.Name, groups: i.SecurityGroups?.map((g) => g.GroupId),
      tags: sorted(i.Tags ?? [], (t) => t.Key), protection: i.DisableApiTermination ?? false, shutdown: i.InstanceInitiatedShutdownBehavior ?? 'stop',
    })),
    ingress: (s.ec2?.securityGroups ?? []).filter((g) => !g.GroupName.startsWith('rigwatch-')).map((g) => ({
      id: g.GroupId, rules: g.IpPermissions.flatMap((p) => (p.IpRanges ?? []).map((r) => `${p.IpProtocol}:${p.FromPort}-${p.ToPort}:${r.CidrIp}`)).sort(),
    })),
    users: (s.iam?.users ?? []).map((u) => ({
      name: u.UserName, keys: (u.AccessKeys ?? []).map((k) => `${k.AccessKeyId}:${k.Status}`),
      attached: (u.AttachedPolicies ?? []).map((p) => p.PolicyArn).sort(), inline: Object.keys(u.InlinePolicies ?? {}).sort(),
    })),
  };
}

async function plan(s: Shape, faults: ScenarioFault[] = []) {
  const { scenario: sc, findings } = build(s, faults);
  const h = harness(sc);
  const data = await h.collect();
  const config = await remediationConfig();
  const planned = planRemediation({ findings, data, runId: RUN_ID }, config);
  const run = { runId: RUN_ID, mode: 'apply' as const, account: ACCOUNT_ID, createdAt: NOW, steps: planned.steps };
  return { h, sc, run, planned };
}

describe('remediation over generated accounts', () => {
  it('apply then rollback leaves the account as it was, keeping the snapshots', async () => {
    await fc.assert(fc.asyncProperty(shape, async (s) => {
      const { h, sc, run, planned } = await plan(s);
      const before = view(sc);
      const journal = new MemoryJournal();
      const applied = await applyPlan(run, ACTIONS, journal, h.ctx);
      expect(applied.filter((r) => r.status === 'failed').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
      // Protected instances are refused, every other one ends isolated.
      const isolated = view(sc).instances.filter((i) => i.groups?.length === 1 && i.groups[0]?.startsWith('sg-') && !before.instances.find((b) => b.id === i.id)?.groups?.includes(i.groups[0]));
      expect(isolated.length).toBe(s.instances.filter((i) => !i.protect).length);
      expect(planned.refused.filter((r) => r.resource.type === 'AWS::EC2::Instance').length).toBe(s.instances.filter((i) => i.protect).length);
      expect(view(sc).users.every((u) => u.keys.some((k) => k.endsWith(':Inactive')))).toBe(true);

      const undone = await rollbackRun(RUN_ID, `${RUN_ID}-rollback`, ACTIONS, journal, { ...h.ctx, runId: `${RUN_ID}-rollback` });
      expect(undone.filter((r) => r.status === 'failed').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
      // The one thing AWS will not put back: a stopped instance cannot be attached to its Auto
      // Scaling group again (AttachInstances takes running instances); rollback says so.
      const stoppedMembers = s.instances.flatMap((o, k) => (o.asg && !o.running && !o.protect ? [iid(k)] : []));
      for (const id of stoppedMembers) {
        expect(undone.find((r) => r.id === `quarantine-instance:detach:us-east-1:${id}:undo`)?.reason).toMatch(/not attached to Auto Scaling group fleet again/);
      }
      const expected = { ...before, instances: before.instances.map((i) => (stoppedMembers.includes(i.id) ? { ...i, tags: i.tags.filter((t) => t.Key !== 'aws:autoscaling:groupName') } : i)) };
      expect(view(sc)).toEqual(expected);
      expect((sc.ec2?.snapshots ?? []).length).toBe(s.instances.filter((i) => !i.protect).length);
      h.clients.destroy();
    }), { numRuns: 20 });
  });

  it('an apply cut short by AWS errors resumes without doing any step twice', async () => {
    const s: Shape = { instances: [{ asg: true, protect: false, running: true }, { asg: false, protect: false, running: true }, { asg: false, protect: false, running: false }], openPorts: [[22, 3333]], users: [{ keys: 2 }] };
    const { h, sc, run } = await plan(s, [{ service: 'ec2', operation: 'ModifyInstanceAttribute', error: 'InternalError', times: 2 }]);
    const journal = new MemoryJournal();
    const first = await applyPlan(run, ACTIONS, journal, h.ctx);
    expect(first.filter((r) => r.status === 'failed').length).toBeGreaterThan(0);
    const counts = h.account.callCounts();
    const second = await applyPlan(run, ACTIONS, journal, h.ctx);
    expect(second.filter((r) => r.status !== 'done').map((r) => `${r.id}: ${r.status} ${r.reason ?? ''}`)).toEqual([]);
    const again = h.account.callCounts();
    // Steps done the first time were not run again: no second snapshot, no second deactivation.
    expect((again['ec2:CreateSnapshots'] ?? 0) - (counts['ec2:CreateSnapshots'] ?? 0)).toBe(0);
    expect((again['iam:UpdateAccessKey'] ?? 0) - (counts['iam:UpdateAccessKey'] ?? 0)).toBe(0);
    expect((sc.ec2?.snapshots ?? []).length).toBe(3);
    const third = await applyPlan(run, ACTIONS, journal, h.ctx);
    expect(h.account.callCounts()).toEqual(again);
    expect(third.map((r) => r.status)).toEqual(second.map((r) => r.status));
    h.clients.destroy();
  });

  it('a step AWS refuses is reported with AWS\'s error, and the steps that do not depend on it go on', async () => {
    const s: Shape = { instances: [{ asg: false, protect: false, running: true }], openPorts: [[22]], users: [{ keys: 1 }, { keys: 1 }] };
    const { h, sc, run } = await plan(s, [{ service: 'iam', operation: 'UpdateAccessKey', error: 'AccessDenied' }]);
    const applied = await applyPlan(run, ACTIONS, new MemoryJournal(), h.ctx);
    const failed = applied.filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.action)).toEqual(['disable-access-key', 'disable-access-key']);
    expect(failed.every((r) => /AccessDenied/.test(r.reason ?? ''))).toBe(true);
    expect(applied.filter((r) => r.status === 'done').length).toBe(applied.length - 2);
    expect(sc.ec2?.instances?.[0]?.SecurityGroups?.[0]?.GroupName).toBe('rigwatch-isolation');
    expect(Object.keys(sc.iam?.users?.[0]?.InlinePolicies ?? {}).some((p) => p.startsWith('rigwatch-quarantine-'))).toBe(true);
    h.clients.destroy();
  });
});

