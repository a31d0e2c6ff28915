// The remediation actions by id, and the IAM permissions a remediation run needs: the union of
// what the enabled actions declare they call (apply and undo), never more.

import type { PolicyDocument } from '../providers/aws/permissions.js';
import * as disableAccessKey from './actions/disable-access-key.js';
import * as quarantineInstance from './actions/quarantine-instance.js';
import * as quarantinePrincipal from './actions/quarantine-principal.js';
import * as revokeIngress from './actions/revoke-ingress.js';
import * as revokeSessions from './actions/revoke-sessions.js';
import * as stopInstance from './actions/stop-instance.js';
import { ACTION_IDS, type ActionId, type RemediationAction } from './types.js';

/** Each action with its own options type, for config validation. */
export const ACTION_MODULES = {
  'quarantine-instance': quarantineInstance.action,
  'revoke-ingress': revokeIngress.action,
  'disable-access-key': disableAccessKey.action,
  'revoke-sessions': revokeSessions.action,
  'quarantine-principal': quarantinePrincipal.action,
  'stop-instance': stopInstance.action,
} as const satisfies Record<ActionId, { id: ActionId }>;

/** The options of action `K` after validation (defaults filled in). */
export type ActionOptions<K extends ActionId> = (typeof ACTION_MODULES)[K] extends RemediationAction<infer O> ? O : never;

// Options differ per action; the registry's users only plan, prepare, apply and undo.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ACTIONS: ReadonlyMap<ActionId, RemediationAction<any>> = new Map(ACTION_IDS.map((id) => [id, ACTION_MODULES[id]]));

/** Every IAM action the enabled remediation actions may call, applying or undoing, sorted. */
export function remediationPermissions(enabled: readonly ActionId[]): string[] {
  return [...new Set(enabled.flatMap((id) => ACTION_MODULES[id].permissions))].sort();
}

/**
 * The policy for the identity that runs remediation, separate from the read-only audit policy.
 * Resource "*": the resources are the findings', unknown until the audit has run.
 */
export function remediationPolicy(enabled: readonly ActionId[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Sid: 'RigwatchRemediation', Effect: 'Allow', Action: remediationPermissions(enabled), Resource: '*' }] };
}
