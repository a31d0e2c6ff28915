// Simulated STS: who rigwatch is in the simulated account. rigwatch runs as the session
// "rigwatch" of the role "rigwatch-auditor"; remediation must never touch that role.

import { createHash } from 'node:crypto';
import type { GetCallerIdentityResponse } from '@aws-sdk/client-sts';
import type { UserIdentity } from '../../scenario/types.js';
import type { SimContext, SimulatedService } from '../types.js';

export const AUDITOR_ROLE_NAME = 'rigwatch-auditor';
export const AUDITOR_SESSION_NAME = 'rigwatch';

/** The characters of IAM unique ids and access key ids. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The auditor role's ARN in an account. */
export function auditorRoleArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:role/${AUDITOR_ROLE_NAME}`;
}

/** The ARN the simulated account reports for rigwatch's own calls. */
export function auditorSessionArn(accountId: string): string {
  return `arn:aws:sts::${accountId}:assumed-role/${AUDITOR_ROLE_NAME}/${AUDITOR_SESSION_NAME}`;
}

/** The role's unique id (AROA + 17 characters), stable per account. */
export function auditorRoleId(accountId: string): string {
  const digest = createHash('sha256').update(`${accountId}/${AUDITOR_ROLE_NAME}`).digest();
  let id = 'AROA';
  for (let i = 0; i < 17; i++) id += ALPHABET[digest[i]! % ALPHABET.length];
  return id;
}

/** The session's temporary access key id (ASIA + 16 characters), stable per account. */
export function auditorAccessKeyId(accountId: string): string {
  const digest = createHash('sha256').update(`${accountId}/${AUDITOR_ROLE_NAME}/${AUDITOR_SESSION_NAME}/key`).digest();
  let id = 'ASIA';
  for (let i = 0; i < 16; i++) id += ALPHABET[digest[i]! % ALPHABET.length];
  return id;
}

/**
 * The auditor's session as CloudTrail records it in `userIdentity`. The session is taken to have
 * been created at `now`: the simulated clock does not advance.
 */
export function auditorIdentity(accountId: string, now: number): UserIdentity {
  const roleId = auditorRoleId(accountId);
  return {
    type: 'AssumedRole',
    principalId: `${roleId}:${AUDITOR_SESSION_NAME}`,
    arn: auditorSessionArn(accountId),
    accountId,
    accessKeyId: auditorAccessKeyId(accountId),
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: roleId, arn: auditorRoleArn(accountId), accountId, userName: AUDITOR_ROLE_NAME },
      attributes: { creationDate: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), mfaAuthenticated: 'false' },
    },
  };
}

function getCallerIdentity(ctx: SimContext): GetCallerIdentityResponse {
  const id = ctx.account.id;
  return { UserId: `${auditorRoleId(id)}:${AUDITOR_SESSION_NAME}`, Account: id, Arn: auditorSessionArn(id) };
}

export const stsService: SimulatedService = {
  service: 'sts',
  clientName: 'STSClient',
  operations: {
    GetCallerIdentity: getCallerIdentity,
  },
};
