// quarantine-principal: least privilege for a compromised IAM user or role, as AWS does with its
// AWSCompromisedKeyQuarantine policies: an inline deny of what a cryptojacker needs (compute
// launches, IAM persistence, covering tracks), plus detaching the admin policies the attacker
// attached during the window. Policies that were there before the attack are never detached.

import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { z } from 'zod';
import { field, str } from '../../detectors/lib/json.js';
import { QUARANTINE_POLICY_PREFIX } from '../../domain/rigwatch-tags.js';
import type { AuditData } from '../../providers/types.js';
import type { ActionContext, PlannedStep, RemediationAction, StepOutcome } from '../types.js';
import {
  actorPrincipals, awsErrorCode, callsByActor, deleteInlinePolicy, done, failed, findingsAsking, parseStepData, plural, principalResource,
  principalSchema, putInlinePolicy, skipped, step, Targets, unless, type Principal,
} from './common.js';

const ID = 'quarantine-principal';

const options = z.strictObject({
  adminPolicies: z.array(z.string().min(1)).default(['AdministratorAccess', 'IAMFullAccess', 'PowerUserAccess'])
    .describe('AWS managed policies (by name) that are detached when a finding\'s actor attached them in the window.'),
});
export type Options = z.infer<typeof options>;

export function policyName(runId: string): string {
  return `${QUARANTINE_POLICY_PREFIX}${runId}`;
}

/**
 * Modelled on AWSCompromisedKeyQuarantineV2/V3, narrowed to cryptojacking and widened where the
 * attack in the brief went further. Kept short: a user's inline policies share 2,048 characters.
 */
export const QUARANTINE_DENIED_ACTIONS = [
  // Compute the attacker would mine on: instances, spot, fleets, launch templates, Auto Scaling,
  // containers, functions, batch, notebooks, and the quota increases that make room for them.
  'ec2:RunInstances', 'ec2:StartInstances', 'ec2:RequestSpot*', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate*', 'ec2:ModifyLaunchTemplate',
  'autoscaling:Create*', 'autoscaling:Update*', 'autoscaling:SetDesiredCapacity', 'autoscaling:AttachInstances',
  'lambda:CreateFunction', 'lambda:UpdateFunctionCode', 'ecs:RunTask', 'ecs:StartTask', 'ecs:CreateService', 'ecs:UpdateService',
  'ecs:RegisterTaskDefinition', 'sagemaker:Create*', 'batch:Submit*', 'batch:CreateComputeEnvironment', 'lightsail:Create*',
  'servicequotas:RequestServiceQuotaIncrease',
  // Undoing the containment: reopening ports, swapping isolated instances' groups back, new SSH
  // keys, sharing or deleting the evidence snapshots.
  'ec2:AuthorizeSecurityGroup*', 'ec2:Modify*Attribute', 'ec2:CreateKeyPair', 'ec2:ImportKeyPair', 'ec2:DeleteSnapshot',
  // Persistence through IAM: users, keys, login profiles, policies (including removing this one),
  // group membership, passing roles to new compute, and pivoting into other roles.
  'iam:Create*', 'iam:Attach*', 'iam:Put*', 'iam:Update*', 'iam:Delete*', 'iam:Detach*', 'iam:AddUserToGroup', 'iam:PassRole',
  'iam:ChangePassword', 'iam:SetDefaultPolicyVersion', 'iam:Upload*', 'sts:AssumeRole',
  // Covering tracks, as the brief's attacker did: trails, GuardDuty, logs, and leaving the organization.
  'cloudtrail:StopLogging', 'cloudtrail:DeleteTrail', 'cloudtrail:UpdateTrail', 'cloudtrail:PutEventSelectors',
  'guardduty:Delete*', 'guardduty:UpdateDetector', 'guardduty:Disassociate*', 'logs:Delete*',
  'organizations:LeaveOrganization', 'organizations:CreateAccount', 'organizations:InviteAccountToOrganization',
] as const;

export function quarantinePolicy(): Record<string, unknown> {
  return { Version: '2012-10-17', Statement: [{ Sid: 'RigwatchQuarantine', Effect: 'Deny', Action: [...QUARANTINE_DENIED_ACTIONS], Resource: ['*'] }] };
}

const ATTACH_EVENTS = { user: 'AttachUserPolicy', role: 'AttachRolePolicy' } as const;

const denyParams = z.object({ principal: principalSchema, policyName: z.string() });
const detachParams = z.object({ principal: principalSchema, policyArns: z.array(z.string()).min(1) });
const denyUndo = z.object({ policyName: z.string() });
const detachUndo = z.object({ detached: z.array(z.string()) });

// ---- plan -------------------------------------------------------------------------------------

/** An AWS managed policy named in `names`, in any partition. */
function isAdminPolicy(arn: string, names: readonly string[]): boolean {
  const m = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m !== null && names.includes(m[1]!);
}

function findPrincipal(data: AuditData, type: 'user' | 'role', name: string) {
  return type === 'user' ? data.iam.users.find((u) => u.name === name) : data.iam.roles.find((r) => r.name === name);
}

function plan(input: Parameters<RemediationAction<Options>['plan']>[0], opts: Options): PlannedStep[] {
  const { data } = input;
  const deny = actorPrincipals(input, ID);
  const detach = new Targets<Principal>();
  const detachArns = new Map<string, Set<string>>();
  for (const finding of findingsAsking(input.findings, ID)) {
    // Users the actor created: back doors, quarantined like the actor.
    for (const record of callsByActor(data, finding, ['CreateUser'])) {
      const user = data.iam.users.find((u) => u.name === str(field(record.requestParameters, 'userName')));
      if (user) deny.add(`user/${user.name}`, { type: 'user', name: user.name, arn: user.arn }, finding.id);
    }
    // Admin policies the actor attached in the window (to itself or anyone), still attached now.
    for (const type of ['user', 'role'] as const) {
      for (const record of callsByActor(data, finding, [ATTACH_EVENTS[type]])) {
        const name = str(field(record.requestParameters, type === 'user' ? 'userName' : 'roleName'));
        const arn = str(field(record.requestParameters, 'policyArn'));
        const principal = name ? findPrincipal(data, type, name) : undefined;
        if (!principal || !arn || !isAdminPolicy(arn, opts.adminPolicies)) continue;
        if (!principal.attachedPolicies.some((p) => p.arn === arn)) continue;
        const key = `${type}/${principal.name}`;
        detach.add(key, { type, name: principal.name, arn: principal.arn }, finding.id);
        detachArns.set(key, new Set([...(detachArns.get(key) ?? []), arn]));
      }
    }
  }

  const name = policyName(input.runId);
  const steps: PlannedStep[] = deny.sorted().map(({ value: principal, findings }) => step({
    action: ID, part: `deny-${principal.type}`,
    title: `quarantine IAM ${principal.type} ${principal.name}: inline deny ${name} (compute launches, IAM changes, log and trail tampering)`,
    resource: principalResource(principal),
    findings, calls: [principal.type === 'user' ? 'iam:PutUserPolicy' : 'iam:PutRolePolicy'],
    params: { principal, policyName: name },
    dependsOn: [],
  }));
  for (const { key, value: principal, findings } of detach.sorted()) {
    const arns = [...(detachArns.get(key) ?? [])].sort();
    const [list, detachCall] = principal.type === 'user'
      ? ['iam:ListAttachedUserPolicies', 'iam:DetachUserPolicy']
      : ['iam:ListAttachedRolePolicies', 'iam:DetachRolePolicy'];
    steps.push(step({
      action: ID, part: `detach-admin-${principal.type}`,
      title: `detach ${arns.map((a) => a.split('/').pop()).join(', ')} from IAM ${principal.type} ${principal.name} (attached by the attacker)`,
      resource: principalResource(principal),
      findings, calls: [list, detachCall],
      params: { principal, policyArns: arns },
      dependsOn: [],
    }));
  }
  return steps;
}

// ---- apply and undo ---------------------------------------------------------------------------

async function attachedPolicies(ctx: ActionContext, principal: Principal): Promise<string[] | undefined> {
  const iam = ctx.clients.iam();
  const arns: string[] = [];
  let marker: string | undefined;
  do {
    const page = await unless(['NoSuchEntity'], () => principal.type === 'user'
      ? iam.send(new ListAttachedUserPoliciesCommand({ UserName: principal.name, ...(marker && { Marker: marker }) }))
      : iam.send(new ListAttachedRolePoliciesCommand({ RoleName: principal.name, ...(marker && { Marker: marker }) })));
    if (!page) return undefined;
    arns.push(...(page.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? ''));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return arns;
}

async function setAttached(ctx: ActionContext, principal: Principal, arn: string, attach: boolean): Promise<void> {
  const iam = ctx.clients.iam();
  if (principal.type === 'user') {
    const input = { UserName: principal.name, PolicyArn: arn };
    await (attach ? iam.send(new AttachUserPolicyCommand(input)) : iam.send(new DetachUserPolicyCommand(input)));
  } else {
    const input = { RoleName: principal.name, PolicyArn: arn };
    await (attach ? iam.send(new AttachRolePolicyCommand(input)) : iam.send(new DetachRolePolicyCommand(input)));
  }
}

const isDeny = (s: PlannedStep): boolean => s.id.startsWith(`${ID}:deny-`);

export const action: RemediationAction<Options> = {
  id: ID,
  title: 'Quarantine a principal',
  description:
    'For each IAM user or role a finding\'s actor used (for an assumed-role session, the role), and each user that actor created, puts ' +
    'the inline policy rigwatch-quarantine-<run> denying what a cryptojacker needs, modelled on AWS\'s AWSCompromisedKeyQuarantineV2: ' +
    'launching compute (EC2, spot, fleets, launch templates, Auto Scaling, ECS, Lambda, SageMaker, Batch, Lightsail, quota increases), ' +
    'undoing the containment (security-group and instance-attribute changes, key pairs, deleting snapshots), persistence through IAM ' +
    '(creating, attaching, putting, updating, deleting, passing roles, assuming roles) and covering tracks (CloudTrail, GuardDuty, ' +
    'CloudWatch Logs, leaving the organization). Then detaches the AWS managed admin policies (AdministratorAccess, IAMFullAccess, ' +
    'PowerUserAccess by default) that the actor attached in the window and that are still attached; policies attached before are left ' +
    'alone. Needs iam:PutUserPolicy, iam:PutRolePolicy, iam:ListAttachedUserPolicies, iam:ListAttachedRolePolicies, ' +
    'iam:DetachUserPolicy, iam:DetachRolePolicy; undo deletes the inline policy (iam:DeleteUserPolicy, iam:DeleteRolePolicy) and ' +
    're-attaches what was detached (iam:AttachUserPolicy, iam:AttachRolePolicy).',
  permissions: [
    'iam:AttachRolePolicy', 'iam:AttachUserPolicy', 'iam:DeleteRolePolicy', 'iam:DeleteUserPolicy', 'iam:DetachRolePolicy',
    'iam:DetachUserPolicy', 'iam:ListAttachedRolePolicies', 'iam:ListAttachedUserPolicies', 'iam:PutRolePolicy', 'iam:PutUserPolicy',
  ],
  options,
  plan,
  async prepare(s, ctx) {
    if (isDeny(s)) return { policyName: parseStepData(denyParams, s.params, 'params', s).policyName };
    const { principal, policyArns } = parseStepData(detachParams, s.params, 'params', s);
    const attached = (await attachedPolicies(ctx, principal)) ?? [];
    return { detached: policyArns.filter((arn) => attached.includes(arn)) };
  },
  async apply(s, undo, ctx): Promise<StepOutcome> {
    if (isDeny(s)) {
      const { principal, policyName: name } = parseStepData(denyParams, s.params, 'params', s);
      try {
        await putInlinePolicy(ctx, principal, name, quarantinePolicy());
      } catch (error) {
        if (awsErrorCode(error) === 'NoSuchEntity') return skipped(`IAM ${principal.type} ${principal.name} no longer exists`);
        if (awsErrorCode(error) === 'LimitExceeded') {
          return failed(`${principal.name}'s inline policies would exceed IAM's size limit with ${name}: attach a deny policy by hand`);
        }
        throw error;
      }
      return done(`${name} put on ${principal.name}`);
    }
    const { principal } = parseStepData(detachParams, s.params, 'params', s);
    const { detached } = parseStepData(detachUndo, undo, 'undo data', s);
    if (detached.length === 0) return done(`none of the policies is attached to ${principal.name} any more`);
    for (const arn of detached) await unless(['NoSuchEntity'], () => setAttached(ctx, principal, arn, false));
    return done(`detached ${plural(detached.length, 'policy', 'policies')} from ${principal.name}: ${detached.join(', ')}`);
  },
  async undo(s, undo, ctx): Promise<StepOutcome> {
    if (isDeny(s)) {
      const { principal } = parseStepData(denyParams, s.params, 'params', s);
      const { policyName: name } = parseStepData(denyUndo, undo, 'undo data', s);
      const deleted = await deleteInlinePolicy(ctx, principal, name);
      return deleted ? done(`${name} deleted from ${principal.name}`) : skipped(`${name} was not on ${principal.name}`);
    }
    const { principal } = parseStepData(detachParams, s.params, 'params', s);
    const { detached } = parseStepData(detachUndo, undo, 'undo data', s);
    if (detached.length === 0) return skipped('nothing was detached');
    for (const arn of detached) await setAttached(ctx, principal, arn, true);
    return done(`re-attached ${plural(detached.length, 'policy', 'policies')} to ${principal.name}: ${detached.join(', ')}`);
  },
};
