// revoke-sessions: cut off every session a compromised user or role already holds, as the IAM
// console's "Revoke active sessions" does: an inline policy denying everything to credentials
// issued before now. Deactivating a key does not end the temporary credentials made from it
// (GetSessionToken, AssumeRole, console sign-in); this does, and new sessions still work.

import { z } from 'zod';
import { REVOKE_SESSIONS_POLICY_PREFIX } from '../../domain/rigwatch-tags.js';
import type { PlannedStep, RemediationAction, StepOutcome } from '../types.js';
import {
  actorPrincipals, deleteInlinePolicy, done, parseStepData, principalResource, principalSchema, putInlinePolicy, skipped, step, unless,
} from './common.js';

const ID = 'revoke-sessions';

const options = z.strictObject({});
export type Options = z.infer<typeof options>;

const params = z.object({ principal: principalSchema, policyName: z.string() });
const undoSchema = z.object({ policyName: z.string() });

export function policyName(runId: string): string {
  return `${REVOKE_SESSIONS_POLICY_PREFIX}${runId}`;
}

/** Denies every request signed with credentials issued before `now`; later credentials are unaffected. */
export function revokeSessionsPolicy(now: number): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [{
      Sid: 'RigwatchRevokeOlderSessions',
      Effect: 'Deny',
      Action: ['*'],
      Resource: ['*'],
      Condition: { DateLessThan: { 'aws:TokenIssueTime': new Date(now).toISOString() } },
    }],
  };
}

function plan(input: Parameters<RemediationAction<Options>['plan']>[0]): PlannedStep[] {
  const name = policyName(input.runId);
  return actorPrincipals(input, ID).sorted().map(({ value: principal, findings }) => step({
    action: ID, part: principal.type,
    title: `revoke the active sessions of IAM ${principal.type} ${principal.name} (inline deny ${name} for credentials issued before now)`,
    resource: principalResource(principal),
    findings, calls: principal.type === 'user' ? ['iam:PutUserPolicy'] : ['iam:PutRolePolicy'],
    params: { principal, policyName: name },
    dependsOn: [],
  }));
}

export const action: RemediationAction<Options> = {
  id: ID,
  title: 'Revoke active sessions',
  description:
    'For each IAM user or role whose credentials a finding\'s actor used (for an assumed-role session, the role), puts the inline ' +
    'policy rigwatch-revoke-sessions-<run> denying every action to requests whose aws:TokenIssueTime is before the run\'s clock: what ' +
    'the IAM console\'s "Revoke active sessions" does. Sessions and console sign-ins made before it stop working at once; credentials ' +
    'issued later, and requests signed with long-term access keys (disable-access-key handles those), are not affected. The root user, ' +
    'other accounts\' principals and service-linked roles are left alone. Needs iam:PutUserPolicy and iam:PutRolePolicy; undo deletes ' +
    'the policy (iam:DeleteUserPolicy, iam:DeleteRolePolicy).',
  permissions: ['iam:DeleteRolePolicy', 'iam:DeleteUserPolicy', 'iam:PutRolePolicy', 'iam:PutUserPolicy'],
  options,
  plan,
  async prepare(s) {
    // Nothing to read: the policy's name carries the run id, so a policy by that name is this step's own.
    return { policyName: parseStepData(params, s.params, 'params', s).policyName };
  },
  async apply(s, _undo, ctx): Promise<StepOutcome> {
    const { principal, policyName: name } = parseStepData(params, s.params, 'params', s);
    const out = await unless(['NoSuchEntity'], () => putInlinePolicy(ctx, principal, name, revokeSessionsPolicy(ctx.now)).then(() => true));
    if (!out) return skipped(`IAM ${principal.type} ${principal.name} no longer exists`);
    return done(`sessions of ${principal.name} issued before ${new Date(ctx.now).toISOString()} revoked (${name})`);
  },
  async undo(s, undo, ctx): Promise<StepOutcome> {
    const { principal } = parseStepData(params, s.params, 'params', s);
    const { policyName: name } = parseStepData(undoSchema, undo, 'undo data', s);
    const deleted = await deleteInlinePolicy(ctx, principal, name);
    return deleted ? done(`${name} deleted from ${principal.name}`) : skipped(`${name} was not on ${principal.name}`);
  },
};
