// disable-access-key: deactivate (never delete) the long-term access keys an attacker used or
// created. A deactivated key can be turned back on; a deleted one is gone, with the evidence of
// which key it was. Temporary (ASIA) keys are not IAM access keys: revoke-sessions handles them.

import { ListAccessKeysCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { z } from 'zod';
import { field, list, str } from '../../detectors/lib/json.js';
import type { Finding } from '../../detectors/types.js';
import type { AuditData } from '../../providers/types.js';
import type { PlannedStep, RemediationAction, StepOutcome } from '../types.js';
import {
  callsByActor, done, failed, findingsAsking, GLOBAL, parseStepData, principalSchema, skipped, step, Targets, unless, type Principal,
} from './common.js';

const ID = 'disable-access-key';

const options = z.strictObject({});
export type Options = z.infer<typeof options>;

const CALLS = ['iam:ListAccessKeys', 'iam:UpdateAccessKey'];

const params = z.object({ accessKeyId: z.string(), userName: z.string(), principal: principalSchema });
const undoSchema = z.object({ found: z.boolean(), previousStatus: z.enum(['Active', 'Inactive']).optional() });

/** The keys a finding points at: the one its actor used, the ones it names, and the ones its actor created. */
function keysOf(finding: Finding, data: AuditData): string[] {
  const ids = [
    finding.actor?.accessKeyId,
    ...finding.resources.filter((r) => r.type === 'AWS::IAM::AccessKey').map((r) => r.id),
    ...list(field(finding.evidence, 'createdAccessKeyIds')).map(str),
    ...callsByActor(data, finding, ['CreateAccessKey']).map((r) => str(field(r.responseElements, 'accessKey', 'accessKeyId'))),
  ];
  return ids.filter((id): id is string => id !== undefined);
}

function plan(input: Parameters<RemediationAction<Options>['plan']>[0]): PlannedStep[] {
  const owners = new Map<string, { userName: string; arn: string; status: string }>();
  for (const user of input.data.iam.users) {
    for (const key of user.accessKeys) owners.set(key.id, { userName: user.name, arn: user.arn, status: key.status });
  }
  const targets = new Targets<{ keyId: string; principal: Principal }>();
  for (const finding of findingsAsking(input.findings, ID)) {
    for (const keyId of keysOf(finding, input.data)) {
      // Only keys IAM lists, and only active ones: a session's ASIA key or an unknown key has no user to update.
      const owner = owners.get(keyId);
      if (!owner || owner.status !== 'Active') continue;
      targets.add(keyId, { keyId, principal: { type: 'user', name: owner.userName, arn: owner.arn } }, finding.id);
    }
  }
  return targets.sorted().map(({ value: { keyId, principal }, findings }) => step({
    action: ID, part: 'deactivate',
    title: `deactivate access key ${keyId} of IAM user ${principal.name} (not deleted)`,
    resource: { type: 'AWS::IAM::AccessKey', id: keyId, region: GLOBAL },
    findings, calls: [...CALLS],
    params: { accessKeyId: keyId, userName: principal.name, principal },
    dependsOn: [],
  }));
}

export const action: RemediationAction<Options> = {
  id: ID,
  title: 'Deactivate access keys',
  description:
    'Deactivates (UpdateAccessKey Status=Inactive, never DeleteAccessKey) the IAM access keys a finding\'s actor used and the keys that ' +
    'actor created for itself or other users (CreateAccessKey calls in the window, and the keys the finding names). Temporary session ' +
    'keys (ASIA...) are not IAM keys and are left to revoke-sessions. Needs iam:ListAccessKeys and iam:UpdateAccessKey; undo sets each ' +
    'key back to the status it had.',
  permissions: [...CALLS].sort(),
  options,
  plan,
  async prepare(s, ctx) {
    const { accessKeyId, userName } = parseStepData(params, s.params, 'params', s);
    const out = await unless(['NoSuchEntity'], () => ctx.clients.iam().send(new ListAccessKeysCommand({ UserName: userName })));
    const key = out?.AccessKeyMetadata?.find((k) => k.AccessKeyId === accessKeyId);
    return key ? { found: true, previousStatus: key.Status === 'Inactive' ? 'Inactive' : 'Active' } : { found: false };
  },
  async apply(s, undo, ctx): Promise<StepOutcome> {
    const { accessKeyId, userName } = parseStepData(params, s.params, 'params', s);
    const u = parseStepData(undoSchema, undo, 'undo data', s);
    if (!u.found) return skipped(`access key ${accessKeyId} of ${userName} no longer exists`);
    if (u.previousStatus === 'Inactive') return done(`access key ${accessKeyId} was already inactive`);
    await ctx.clients.iam().send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: 'Inactive' }));
    return done(`access key ${accessKeyId} of ${userName} deactivated`);
  },
  async undo(s, undo, ctx): Promise<StepOutcome> {
    const { accessKeyId, userName } = parseStepData(params, s.params, 'params', s);
    const u = parseStepData(undoSchema, undo, 'undo data', s);
    if (!u.found || u.previousStatus !== 'Active') return skipped(`access key ${accessKeyId} was not active before: left inactive`);
    const out = await unless(['NoSuchEntity'], () =>
      ctx.clients.iam().send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: 'Active' })));
    if (!out) return failed(`access key ${accessKeyId} of ${userName} no longer exists`);
    return done(`access key ${accessKeyId} of ${userName} active again`);
  },
};
