// Auditing another account (an organization's member) from a central one: the member's
// `rigwatch-audit` role (deploy/member-role.yaml) is assumed with an external id, and every
// client uses the temporary credentials, renewed before they expire.

import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { AwsClients } from './clients.js';

export const PERMISSIONS = ['sts:AssumeRole'] as const;

/** Renew this long before expiry. */
const RENEW_BEFORE_MS = 5 * 60_000;

export function assumeRoleCredentials(base: AwsClients, roleArn: string, externalId?: string, sessionName = 'rigwatch-audit'): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const renew = async (): Promise<AwsCredentialIdentity> => {
    const out = await base.sts().send(new AssumeRoleCommand({
      RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 3600, ...(externalId && { ExternalId: externalId }),
    }));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`sts:AssumeRole ${roleArn} returned no credentials`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  };
  return async () => {
    if (current && (!current.expiration || current.expiration.getTime() - Date.now() > RENEW_BEFORE_MS)) return current;
    pending ??= renew().finally(() => { pending = undefined; });
    current = await pending;
    return current;
  };
}
