// Simulated STS: who rigwatch is in the simulated account. rigwatch runs as the session
// "rigwatch" of the role "rigwatch-auditor"; remediation must never touch that role.

import { createHash } from 'node:crypto';
import type { GetCallerIdentityResponse } from '@aws-sdk/client-sts';
import type { SimContext, SimulatedService } from '../types.js';

export const AUDITOR_ROLE_NAME = 'rigwatch-auditor';
export const AUDITOR_SESSION_NAME = 'rigwatch';

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
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = 'AROA';
  for (let i = 0; i < 17; i++) id += alphabet[digest[i]! % alphabet.length];
  return id;
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
