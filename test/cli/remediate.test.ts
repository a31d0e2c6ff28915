// End to end: plan, apply, re-audit, roll back the demo incident through the built CLI.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import type { RemediationOutput } from '../../src/cli/render/remediation.js';
import type { Scenario } from '../../src/scenario/types.js';
import { rigwatch, tempDir } from './helpers.js';

const json = <T>(text: string): T => JSON.parse(text) as T;

describe('rigwatch remediate on the demo incident', () => {
  const dir = tempDir();
  const state = join(dir, 'state');
  let plan: RemediationOutput;
  let applied: RemediationOutput;
  let original: Scenario;
  let contained: Scenario;

  beforeAll(() => {
    original = json<Scenario>(rigwatch('scenario', 'brief-incident').stdout);
    plan = json<RemediationOutput>(rigwatch('remediate', '--demo', '--format', 'json').stdout);
    const r = rigwatch('remediate', '--demo', '--apply', '--yes', '--state-dir', state, '--save-scenario', join(dir, 'contained.json'), '--format', 'json');
    expect(r.stderr).toBe('');
    applied = json<RemediationOutput>(r.stdout);
    contained = json<Scenario>(readFileSync(join(dir, 'contained.json'), 'utf8'));
  });

  it('plans without changing anything', () => {
    expect(plan.format).toBe('rigwatch-remediation/1');
    expect(plan.mode).toBe('plan');
    expect(plan.steps.every((s) => s.status === 'planned')).toBe(true);
  });

  it('covers the whole fleet, the opened rules and the attacker\'s keys, and leaves the account\'s own workloads alone', () => {
    const isolated = new Set(plan.steps.filter((s) => s.id.startsWith('quarantine-instance:isolate:')).map((s) => s.resource.id));
    // The account lives in us-east-1 and eu-west-1; the attacker's fleet is everywhere else.
    const miners = (original.ec2?.instances ?? []).filter((i) => !['us-east-1', 'eu-west-1'].includes(i.Region));
    expect(miners.length).toBe(128);
    for (const m of miners) expect(isolated.has(m.InstanceId)).toBe(true);
    const own = (original.ec2?.instances ?? []).filter((i) => ['us-east-1', 'eu-west-1'].includes(i.Region) && i.State.Name === 'running');
    const touchedOwn = own.filter((i) => isolated.has(i.InstanceId)).map((i) => (i.Tags ?? []).find((t) => t.Key === 'Name')?.Value);
    expect(touchedOwn).toEqual(['web-1']); // the exploited web server, and nothing else of the account's own
    expect(plan.steps.filter((s) => s.action === 'revoke-ingress')).toHaveLength(4);
    expect(plan.steps.filter((s) => s.action === 'disable-access-key').map((s) => s.resource.id).sort()).toEqual(['AKIAANMZMRV63THCZX4L', 'AKIACQM7X6RB7KUF7T3Y']);
    for (const s of plan.steps) expect(s.calls.length).toBeGreaterThan(0);
  });

  it('never touches resources tagged rigwatch:protect=true', () => {
    const protectedIds = (original.ec2?.instances ?? []).filter((i) => (i.Tags ?? []).some((t) => t.Key === 'rigwatch:protect' && t.Value === 'true')).map((i) => i.InstanceId);
    for (const s of plan.steps) expect(protectedIds).not.toContain(s.resource.id);
  });

  it('applies every step', () => {
    expect(applied.mode).toBe('apply');
    expect(applied.steps.filter((s) => s.status !== 'done').map((s) => `${s.id}: ${s.reason}`)).toEqual([]);
    expect(applied.steps.length).toBe(plan.steps.length);
  });

  it('leaves an account a re-audit shows contained', () => {
    const report = json<Report>(rigwatch('audit', '--scenario', join(dir, 'contained.json'), '--format', 'json').stdout);
    const containable = report.findings.filter((f) => f.containment);
    expect(containable.length).toBeGreaterThan(10);
    expect(containable.filter((f) => f.containment?.state !== 'contained').map((f) => f.title)).toEqual([]);
    const keys = (contained.iam?.users ?? []).flatMap((u) => u.AccessKeys ?? []).filter((k) => ['AKIAANMZMRV63THCZX4L', 'AKIACQM7X6RB7KUF7T3Y'].includes(k.AccessKeyId));
    expect(keys.map((k) => k.Status)).toEqual(['Inactive', 'Inactive']);
  });

  it('--resume without --apply shows the run as its journal has it', () => {
    const shown = json<RemediationOutput>(rigwatch('remediate', '--scenario', join(dir, 'contained.json'), '--resume', applied.runId, '--state-dir', state, '--format', 'json').stdout);
    expect(shown.runId).toBe(applied.runId);
    expect(shown.steps.length).toBe(applied.steps.length);
    expect(shown.steps.every((s) => s.status === 'done')).toBe(true);
  });

  it('re-running on the contained account plans nothing again, and says why', () => {
    const again = json<RemediationOutput>(rigwatch('remediate', '--scenario', join(dir, 'contained.json'), '--format', 'json').stdout);
    expect(again.steps.map((s) => s.id)).toEqual([]);
    expect(again.refused.length).toBeGreaterThan(128);
    expect(again.refused.every((r) => /already/.test(r.reason))).toBe(true);
  });

  it('rolls back to the account as it was (groups, keys, policies, rules), keeping the snapshots', () => {
    const preview = json<RemediationOutput>(rigwatch('rollback', applied.runId, '--scenario', join(dir, 'contained.json'), '--state-dir', state, '--format', 'json').stdout);
    expect(preview.steps.length).toBe(applied.steps.length);
    expect(preview.steps.every((s) => s.status === 'planned' && s.id.endsWith(':undo'))).toBe(true);
    const r = rigwatch('rollback', applied.runId, '--scenario', join(dir, 'contained.json'), '--state-dir', state, '--apply', '--yes', '--save-scenario', join(dir, 'restored.json'), '--format', 'json');
    const undone = json<RemediationOutput>(r.stdout);
    expect(undone.mode).toBe('rollback');
    expect(undone.steps.filter((s) => s.status === 'failed').map((s) => `${s.id}: ${s.reason}`)).toEqual([]);
    const restored = json<Scenario>(readFileSync(join(dir, 'restored.json'), 'utf8'));
    const view = (s: Scenario) => ({
      groups: Object.fromEntries((s.ec2?.instances ?? []).map((i) => [i.InstanceId, (i.SecurityGroups ?? []).map((g) => g.GroupId).sort()])),
      tags: Object.fromEntries((s.ec2?.instances ?? []).map((i) => [i.InstanceId, (i.Tags ?? []).filter((t) => !t.Key.startsWith('rigwatch:')).length])),
      quarantineTags: (s.ec2?.instances ?? []).filter((i) => (i.Tags ?? []).some((t) => t.Key === 'rigwatch:quarantined')).length,
      keys: Object.fromEntries((s.iam?.users ?? []).flatMap((u) => (u.AccessKeys ?? []).map((k) => [k.AccessKeyId, k.Status]))),
      policies: Object.fromEntries((s.iam?.users ?? []).map((u) => [u.UserName, { attached: (u.AttachedPolicies ?? []).map((p) => p.PolicyArn).sort(), inline: Object.keys(u.InlinePolicies ?? {}).sort() }])),
      ingress: Object.fromEntries((s.ec2?.securityGroups ?? []).filter((g) => !g.GroupName.startsWith('rigwatch-')).map((g) => [g.GroupId, g.IpPermissions.flatMap((p) => (p.IpRanges ?? []).map((r) => `${p.IpProtocol}:${p.FromPort}-${p.ToPort}:${r.CidrIp}`)).sort()])),
    });
    expect(view(restored)).toEqual(view(original));
    expect((restored.ec2?.snapshots ?? []).length).toBeGreaterThan((original.ec2?.snapshots ?? []).length);
  });
});

describe('remediate safety and usage', () => {
  it('refuses a plan larger than --max-resources, with exit 2', () => {
    const r = rigwatch('remediate', '--demo', '--max-resources', '10');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/more than --max-resources 10/);
  });

  it('will not apply without a terminal to confirm on unless --yes', () => {
    const r = rigwatch('remediate', '--demo', '--apply', '--state-dir', join(tempDir(), 's'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
  });

  it('--only narrows the plan to the named actions, and rejects unknown ones', () => {
    const only = json<RemediationOutput>(rigwatch('remediate', '--demo', '--only', 'disable-access-key', '--format', 'json').stdout);
    expect(new Set(only.steps.map((s) => s.action))).toEqual(new Set(['disable-access-key']));
    const bad = rigwatch('remediate', '--demo', '--only', 'terminate-everything');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/terminate-everything/);
    const off = rigwatch('remediate', '--demo', '--only', 'stop-instance');
    expect(off.code).toBe(2);
    expect(off.stderr).toMatch(/stop-instance: not enabled in the config/);
  });

  it('rollback of an unknown run is exit 2', () => {
    const r = rigwatch('rollback', 'rw-nope', '--demo', '--state-dir', join(tempDir(), 's'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rw-nope/);
  });

  it('policy --remediation prints the mutating actions, separate from the audit policy', () => {
    const policy = json<{ Statement: { Action: string[] }[] }>(rigwatch('policy', '--remediation').stdout);
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions).toEqual(expect.arrayContaining(['ec2:CreateSnapshots', 'ec2:ModifyInstanceAttribute', 'iam:UpdateAccessKey', 'ec2:RevokeSecurityGroupIngress']));
    expect(actions).not.toContain('ec2:TerminateInstances');
    expect(actions.some((a) => /^iam:Delete(User|AccessKey|LoginProfile)$/.test(a))).toBe(false);
  });
});
