// STS: which account the credentials reach and who the auditor is (the remediation never touches
// its own principal).

import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsClients } from '../clients.js';

export const PERMISSIONS = ['sts:GetCallerIdentity'] as const;

export async function callerIdentity(clients: AwsClients): Promise<{ account: string; arn: string; userId?: string }> {
  const out = await clients.sts().send(new GetCallerIdentityCommand({}));
  if (!out.Account || !out.Arn) throw new Error('GetCallerIdentity returned no account');
  return { account: out.Account, arn: out.Arn, userId: out.UserId };
}
