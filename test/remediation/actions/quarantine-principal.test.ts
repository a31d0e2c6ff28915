import { GetUserPolicyCommand, ListAttachedRolePoliciesCommand, ListAttachedUserPoliciesCommand, ListRolePoliciesCommand, ListUserPoliciesCommand } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/detectors/types.js';
import type { AuditData } from '../../../src/providers/types.js';
import { action, policyName, QUARANTINE_DENIED_ACTIONS, quarantinePolicy } from '../../../src/remediation/actions/quarantine-principal.js';
import { revokeSessionsPolicy } from '../../../src/remediation/actions/revoke-sessions.js';
import {
  ADMIN, applySteps, harness, NOW_MS, POWER_USER, ROLE_SESSION_FINDING, RUN_ID, STOLEN_KEY_FINDING, stolenKeyScenario, undoSteps, type Harness,
} from './harness.js';

const opts = (o: Record<string, unknown> = {}) => action.options.parse(o);

describe('quarantine-principal', () => {
  let h: Harness;
  let data: AuditData;
  beforeAll(async () => {
    h = harness(stolenKeyScenario());
    data = await h.collect();
  });

  const plan = (findings: Finding[], o: Record<string, unknown> = {}, d?: AuditData) =>
    action.plan({ findings, data: d ?? data, runId: RUN_ID }, opts(o)).map((s) => `${s.id} ${s.params.policyArns ? JSON.stringify(s.params.policyArns) : ''}`.trim());

  const cases: { name: string; findings: () => Finding[]; options?: Record<string, unknown>; data?: () => AuditData; expected: string[] }[] = [
    {
      name: 'the actor and the user it created are denied; the admin policies it attached (not CI\'s) are detached',
      findings: () => [STOLEN_KEY_FINDING],
      expected: [
        'quarantine-principal:deny-user:global:ops-deploy',
        'quarantine-principal:deny-user:global:support-admin',
        `quarantine-principal:detach-admin-role:global:ci-runner ["${POWER_USER}"]`,
        `quarantine-principal:detach-admin-user:global:support-admin ["${ADMIN}"]`,
      ],
    },
    {
      name: 'a role session\'s actor: the role is denied',
      findings: () => [ROLE_SESSION_FINDING],
      expected: ['quarantine-principal:deny-role:global:ci-runner'],
    },
    {
      name: 'only the admin policies configured',
      findings: () => [STOLEN_KEY_FINDING],
      options: { adminPolicies: ['AdministratorAccess'] },
      expected: [
        'quarantine-principal:deny-user:global:ops-deploy',
        'quarantine-principal:deny-user:global:support-admin',
        `quarantine-principal:detach-admin-user:global:support-admin ["${ADMIN}"]`,
      ],
    },
    {
      name: 'a policy detached since the audit started is not planned',
      findings: () => [STOLEN_KEY_FINDING],
      data: () => ({ ...data, iam: { ...data.iam, users: data.iam.users.map((u) => (u.name === 'support-admin' ? { ...u, attachedPolicies: [] } : u)) } }),
      expected: [
        'quarantine-principal:deny-user:global:ops-deploy',
        'quarantine-principal:deny-user:global:support-admin',
        `quarantine-principal:detach-admin-role:global:ci-runner ["${POWER_USER}"]`,
      ],
    },
    {
      name: 'a finding that does not ask for it (benign side): nothing',
      findings: () => [{ ...STOLEN_KEY_FINDING, remediations: ['disable-access-key', 'revoke-sessions'] }],
      expected: [],
    },
  ];
  it.each(cases)('plans: $name', ({ findings, options, data: d, expected }) => {
    expect(plan(findings(), options, d?.())).toEqual(expected);
  });

  it('denies what a cryptojacker needs, and fits a user\'s 2,048 inline-policy characters next to revoke-sessions', () => {
    expect(QUARANTINE_DENIED_ACTIONS).toEqual(expect.arrayContaining([
      'ec2:RunInstances', 'ec2:StartInstances', 'ec2:RequestSpot*', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate*', 'autoscaling:Create*',
      'lambda:CreateFunction', 'ecs:RunTask', 'sagemaker:Create*', 'batch:Submit*', 'iam:Create*', 'iam:Attach*', 'iam:Put*', 'iam:PassRole',
      'ec2:AuthorizeSecurityGroup*', 'ec2:CreateKeyPair', 'sts:AssumeRole', 'cloudtrail:StopLogging', 'guardduty:Delete*',
    ]));
    const size = (doc: unknown) => JSON.stringify(doc).length;
    expect(size(quarantinePolicy()) + size(revokeSessionsPolicy(NOW_MS))).toBeLessThan(2_048);
  });

  it('puts the deny, detaches what the attacker attached, and undo puts it all back; only declared calls', async () => {
    const iam = h.clients.iam();
    const state = async () => ({
      opsInline: (await iam.send(new ListUserPoliciesCommand({ UserName: 'ops-deploy' }))).PolicyNames,
      backdoorInline: (await iam.send(new ListUserPoliciesCommand({ UserName: 'support-admin' }))).PolicyNames,
      backdoorAttached: (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'support-admin' }))).AttachedPolicies?.map((p) => p.PolicyArn),
      roleInline: (await iam.send(new ListRolePoliciesCommand({ RoleName: 'ci-runner' }))).PolicyNames,
      roleAttached: (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'ci-runner' }))).AttachedPolicies?.map((p) => p.PolicyArn).sort(),
      bobAttached: (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'bob' }))).AttachedPolicies?.map((p) => p.PolicyArn),
    });
    const before = await state();
    const steps = action.plan({ findings: [STOLEN_KEY_FINDING, ROLE_SESSION_FINDING], data, runId: RUN_ID }, opts());

    const applied = await applySteps(h, action, steps);
    expect(applied.map((a) => a.outcome.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    const name = policyName(RUN_ID);
    expect(await state()).toEqual({
      opsInline: [name], backdoorInline: [name], backdoorAttached: [],
      roleInline: [name], roleAttached: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], bobAttached: [ADMIN],
    });
    const document = (await iam.send(new GetUserPolicyCommand({ UserName: 'ops-deploy', PolicyName: name }))).PolicyDocument!;
    expect(JSON.parse(decodeURIComponent(document))).toEqual(quarantinePolicy());

    expect((await undoSteps(h, action, applied)).map((o) => o.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(await state()).toEqual(before);

    const seen = [...h.actionCalls].sort();
    expect(seen.filter((c) => !action.permissions.includes(c))).toEqual([]);
    expect(seen).toEqual(expect.arrayContaining(['iam:PutUserPolicy', 'iam:PutRolePolicy', 'iam:DetachUserPolicy', 'iam:DetachRolePolicy', 'iam:AttachUserPolicy', 'iam:AttachRolePolicy', 'iam:DeleteUserPolicy', 'iam:DeleteRolePolicy']));
    for (const a of applied) expect(a.step.calls, a.step.id).toEqual(expect.arrayContaining(a.calls));
  });
});
