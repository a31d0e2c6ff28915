import { GetRolePolicyCommand, GetUserPolicyCommand, ListRolePoliciesCommand, ListUserPoliciesCommand } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/detectors/types.js';
import type { AuditData } from '../../../src/providers/types.js';
import { action, policyName, revokeSessionsPolicy } from '../../../src/remediation/actions/revoke-sessions.js';
import {
  ACCOUNT_ID, applySteps, finding, harness, NOW, ROLE_SESSION_FINDING, RUN_ID, STOLEN_KEY_FINDING, stolenKeyScenario, undoSteps, type Harness,
} from './harness.js';

const opts = action.options.parse({});
const actorFinding = (arn: string): Finding => finding({ id: 'x:1', detector: 'trail-tampering', actor: { arn }, remediations: ['revoke-sessions'] });

describe('revoke-sessions', () => {
  let h: Harness;
  let data: AuditData;
  beforeAll(async () => {
    h = harness(stolenKeyScenario());
    data = await h.collect();
  });

  const cases: { name: string; findings: Finding[]; expected: string[] }[] = [
    { name: 'the user whose key was used', findings: [STOLEN_KEY_FINDING], expected: ['revoke-sessions:user:global:ops-deploy'] },
    { name: 'the role behind an assumed-role session', findings: [ROLE_SESSION_FINDING], expected: ['revoke-sessions:role:global:ci-runner'] },
    { name: 'a session ARN is taken to its role', findings: [actorFinding(`arn:aws:sts::${ACCOUNT_ID}:assumed-role/ci-runner/i-0abc`)], expected: ['revoke-sessions:role:global:ci-runner'] },
    { name: 'not the root user', findings: [actorFinding(`arn:aws:iam::${ACCOUNT_ID}:root`)], expected: [] },
    { name: 'not another account\'s principal', findings: [actorFinding('arn:aws:iam::999999999999:user/mallory')], expected: [] },
    { name: 'not a service-linked role (IAM refuses)', findings: [actorFinding(`arn:aws:sts::${ACCOUNT_ID}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling`)], expected: [] },
    { name: 'a finding that does not ask for it (benign side): nothing', findings: [{ ...STOLEN_KEY_FINDING, remediations: ['disable-access-key'] }], expected: [] },
    { name: 'two findings, one principal: one step', findings: [STOLEN_KEY_FINDING, { ...STOLEN_KEY_FINDING, id: 'y:2' }], expected: ['revoke-sessions:user:global:ops-deploy'] },
  ];
  it.each(cases)('plans $name', ({ findings, expected }) => {
    expect(action.plan({ findings, data, runId: RUN_ID }, opts).map((s) => s.id)).toEqual(expected);
  });

  it('denies everything to credentials issued before the run\'s clock, as the console\'s "Revoke active sessions"', () => {
    expect(revokeSessionsPolicy(Date.parse(NOW))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'RigwatchRevokeOlderSessions', Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { DateLessThan: { 'aws:TokenIssueTime': NOW } } }],
    });
  });

  it('puts the policy on the user and the role, and undo deletes it; only declared calls', async () => {
    const name = policyName(RUN_ID);
    const steps = action.plan({ findings: [STOLEN_KEY_FINDING, ROLE_SESSION_FINDING], data, runId: RUN_ID }, opts);
    const iam = h.clients.iam();
    const userPolicies = async () => (await iam.send(new ListUserPoliciesCommand({ UserName: 'ops-deploy' }))).PolicyNames;
    const rolePolicies = async () => (await iam.send(new ListRolePoliciesCommand({ RoleName: 'ci-runner' }))).PolicyNames;

    const applied = await applySteps(h, action, steps);
    expect(applied.map((a) => a.outcome.status)).toEqual(['done', 'done']);
    expect(await userPolicies()).toEqual([name]);
    expect(await rolePolicies()).toEqual([name]);
    const document = (await iam.send(new GetUserPolicyCommand({ UserName: 'ops-deploy', PolicyName: name }))).PolicyDocument!;
    expect(JSON.parse(decodeURIComponent(document))).toEqual(revokeSessionsPolicy(h.ctx.now));
    expect((await iam.send(new GetRolePolicyCommand({ RoleName: 'ci-runner', PolicyName: name }))).PolicyDocument).toBe(document);

    expect((await undoSteps(h, action, applied)).map((o) => o.status)).toEqual(['done', 'done']);
    expect(await userPolicies()).toEqual([]);
    expect(await rolePolicies()).toEqual([]);
    expect((await undoSteps(h, action, applied)).map((o) => o.status)).toEqual(['skipped', 'skipped']);

    const seen = [...h.actionCalls].sort();
    expect(seen.filter((c) => !action.permissions.includes(c)).sort()).toEqual([]);
    expect(seen.sort()).toEqual(['iam:DeleteRolePolicy', 'iam:DeleteUserPolicy', 'iam:PutRolePolicy', 'iam:PutUserPolicy']);
  });
});
