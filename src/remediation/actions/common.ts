// What the remediation actions share: step ids, the principals behind findings' actors, the tags
// rigwatch writes, instance state reads, and outcomes. Not an action itself (the registry in
// ../index.ts names the six action modules).

import { DescribeInstancesCommand, StartInstancesCommand, StopInstancesCommand, type Instance as Ec2Instance } from '@aws-sdk/client-ec2';
import { DeleteRolePolicyCommand, DeleteUserPolicyCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { z } from 'zod';
import { actorOf, succeeded } from '../../detectors/lib/cloudtrail.js';
import { eventTimeMs } from '../../detectors/lib/time.js';
import type { Finding } from '../../detectors/types.js';
import type { AwsClients } from '../../providers/aws/clients.js';
import type { AuditData, CloudTrailRecord } from '../../providers/types.js';
import type { ActionContext, ActionId, PlannedStep, StepOutcome, StepResource } from '../types.js';

export const GLOBAL = 'global';

// The tags rigwatch writes live in the domain: the detectors read them too (a re-audit knows
// rigwatch's own isolation groups and what is already quarantined).
export { TAG_FINDING, TAG_ISOLATION, TAG_QUARANTINED, TAG_STEP } from '../../domain/rigwatch-tags.js';

export function stepId(action: ActionId, part: string, region: string, resourceId: string): string {
  return `${action}:${part}:${region}:${resourceId}`;
}

/** The findings that list `action` among their remediations, in the report's order (most severe first). */
export function findingsAsking(findings: readonly Finding[], action: ActionId): Finding[] {
  return findings.filter((f) => f.remediations?.includes(action));
}

/**
 * Targets gathered from several findings: one entry per key, with every finding that asked for it
 * (first-seen order). `sorted()` gives a deterministic order whatever the findings' order.
 */
export class Targets<T> {
  private readonly entries = new Map<string, { value: T; findings: string[] }>();

  add(key: string, value: T, findingId: string): void {
    const entry = this.entries.get(key);
    if (!entry) this.entries.set(key, { value, findings: [findingId] });
    else if (!entry.findings.includes(findingId)) entry.findings.push(findingId);
  }

  sorted(): { key: string; value: T; findings: string[] }[] {
    return [...this.entries.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, entry]) => ({ key, ...entry }));
  }
}

// ---- principals -------------------------------------------------------------------------------

/** An IAM user or role that a step changes; `params.principal` of every IAM step, read by the planner's safety checks. */
export interface Principal {
  type: 'user' | 'role';
  name: string;
  arn: string;
}

export const principalSchema = z.object({ type: z.enum(['user', 'role']), name: z.string().min(1), arn: z.string() });

const IAM_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):(user|role)\/(?:.*\/)?([^/]+)$/;
const SESSION_ARN = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;

/**
 * The IAM user or role behind an ARN: the user, the role, or for an assumed-role session the role
 * it was issued by (the session itself cannot be changed; its role can). Undefined for the root
 * user, federated users, services and other accounts: nothing rigwatch may put a policy on.
 */
export function principalOf(arn: string, data: Pick<AuditData, 'account' | 'iam'>): Principal | undefined {
  const iam = IAM_ARN.exec(arn);
  if (iam) {
    const [, account, kind, name] = iam as unknown as [string, string, 'user' | 'role', string];
    if (account !== data.account.id) return undefined;
    return { type: kind, name, arn };
  }
  const session = SESSION_ARN.exec(arn);
  if (session) {
    const [, account, roleName] = session as unknown as [string, string, string];
    if (account !== data.account.id) return undefined;
    const role = data.iam.roles.find((r) => r.name === roleName);
    return { type: 'role', name: roleName, arn: role?.arn ?? `arn:aws:iam::${account}:role/${roleName}` };
  }
  return undefined;
}

/** The session name of an assumed-role ARN: an instance id when the credentials are an instance profile's. */
export function sessionNameOf(arn: string): string | undefined {
  return SESSION_ARN.exec(arn)?.[3];
}

/** Service-linked roles (path /aws-service-role/) cannot be given policies: IAM answers UnmodifiableEntity. */
export function isServiceLinkedRole(principal: Principal, data: Pick<AuditData, 'iam'>): boolean {
  if (principal.type !== 'role') return false;
  const role = data.iam.roles.find((r) => r.name === principal.name);
  return (role?.path ?? '').startsWith('/aws-service-role/') || principal.arn.includes(':role/aws-service-role/');
}

export function principalResource(principal: Principal): StepResource {
  return { type: principal.type === 'user' ? 'AWS::IAM::User' : 'AWS::IAM::Role', id: principal.name, region: GLOBAL };
}

/** The principals of the findings asking for `action` (by their actors), keyed `user/name` or `role/name`. */
export function actorPrincipals(input: { findings: readonly Finding[]; data: AuditData }, action: ActionId): Targets<Principal> {
  const targets = new Targets<Principal>();
  for (const finding of findingsAsking(input.findings, action)) {
    const principal = finding.actor ? principalOf(finding.actor.arn, input.data) : undefined;
    if (principal && !isServiceLinkedRole(principal, input.data)) targets.add(`${principal.type}/${principal.name}`, principal, finding.id);
  }
  return targets;
}

/**
 * Successful calls in the audit window made by a finding's actor: the same principal and, when the
 * finding names the access key it saw, that key (so the principal's own legitimate work with another
 * key is left alone).
 */
export function callsByActor(data: AuditData, finding: Finding, eventNames: readonly string[]): CloudTrailRecord[] {
  const actor = finding.actor;
  if (!actor) return [];
  const names = new Set(eventNames);
  return data.cloudtrail.events.filter((record) => {
    if (!names.has(record.eventName) || !succeeded(record)) return false;
    const t = eventTimeMs(record);
    if (!(t >= data.window.start && t <= data.window.end)) return false;
    const who = actorOf(record);
    if (who.arn !== actor.arn && who.sessionArn !== actor.arn) return false;
    return actor.accessKeyId === undefined || who.accessKeyId === actor.accessKeyId;
  });
}

/** Puts or deletes an inline policy of a user or role: the IAM calls differ only in the entity's name. */
export async function putInlinePolicy(ctx: ActionContext, principal: Principal, name: string, document: Record<string, unknown>): Promise<void> {
  const PolicyDocument = JSON.stringify(document);
  if (principal.type === 'user') await ctx.clients.iam().send(new PutUserPolicyCommand({ UserName: principal.name, PolicyName: name, PolicyDocument }));
  else await ctx.clients.iam().send(new PutRolePolicyCommand({ RoleName: principal.name, PolicyName: name, PolicyDocument }));
}

/** Deletes the inline policy; true when it was there. */
export async function deleteInlinePolicy(ctx: ActionContext, principal: Principal, name: string): Promise<boolean> {
  const out = await unless(['NoSuchEntity'], async () => {
    if (principal.type === 'user') await ctx.clients.iam().send(new DeleteUserPolicyCommand({ UserName: principal.name, PolicyName: name }));
    else await ctx.clients.iam().send(new DeleteRolePolicyCommand({ RoleName: principal.name, PolicyName: name }));
    return true;
  });
  return out === true;
}

// ---- steps and outcomes -----------------------------------------------------------------------

export function step(fields: Omit<PlannedStep, 'id'> & { part: string }): PlannedStep {
  const { part, ...rest } = fields;
  return { id: stepId(fields.action, part, fields.resource.region, fields.resource.id), ...rest };
}

/*
 * Apply's outcomes, as the runner reads them: `done` when the step's goal holds afterwards (changed
 * now, or already so: the reason says which), so the steps after it go on; `skipped` only when the
 * step does not apply any more (its resource is gone), which skips the steps that depend on it.
 * Undo says `skipped` for what it deliberately leaves as it is.
 */
export const done = (reason?: string): StepOutcome => (reason === undefined ? { status: 'done' } : { status: 'done', reason });
export const skipped = (reason: string): StepOutcome => ({ status: 'skipped', reason });
export const failed = (reason: string): StepOutcome => ({ status: 'failed', reason });

/** Parses a step's params or journaled undo data; a mismatch is a bug or a corrupted journal, named as such. */
export function parseStepData<T>(schema: z.ZodType<T>, value: unknown, what: string, step: PlannedStep): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new Error(`${step.id}: unexpected ${what}: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}

/**
 * The AWS error code of a failed SDK call, or undefined for anything else. The SDK names modeled
 * errors after their class (IAM's NoSuchEntity arrives as NoSuchEntityException) and unmodeled
 * ones after the code (EC2's InvalidInstanceID.NotFound): both read as the code.
 */
export function awsErrorCode(error: unknown): string | undefined {
  return error instanceof Error ? error.name.replace(/Exception$/, '') : undefined;
}

/** Runs `call`; an AWS error with one of `codes` resolves to undefined instead of throwing. */
export async function unless<T>(codes: readonly string[], call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    const code = awsErrorCode(error);
    if (code !== undefined && codes.some((c) => c.replace(/Exception$/, '') === code)) return undefined;
    throw error;
  }
}

export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

// ---- instances --------------------------------------------------------------------------------

/** The instance as EC2 describes it now, or undefined when EC2 no longer knows it. */
export async function describeInstance(clients: AwsClients, region: string, instanceId: string): Promise<Ec2Instance | undefined> {
  const out = await unless(['InvalidInstanceID.NotFound'], () =>
    clients.ec2(region).send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })));
  return out?.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
}

/** Tags as a plain record. */
export function tagRecord(tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

export const instanceStateUndo = z.object({ found: z.boolean(), state: z.string().optional() });
export type InstanceStateUndo = z.infer<typeof instanceStateUndo>;

export async function readInstanceState(ctx: ActionContext, region: string, instanceId: string): Promise<InstanceStateUndo> {
  const instance = await describeInstance(ctx.clients, region, instanceId);
  return instance ? { found: true, state: instance.State?.Name ?? 'unknown' } : { found: false };
}

/** Stops a running instance (never terminates); the undo data says what it was before. */
export async function stopInstance(ctx: ActionContext, region: string, instanceId: string, before: InstanceStateUndo): Promise<StepOutcome> {
  if (!before.found) return skipped(`${instanceId} no longer exists`);
  if (before.state === 'stopped' || before.state === 'stopping') return done(`${instanceId} was already ${before.state}`);
  if (before.state !== 'running' && before.state !== 'pending') return failed(`${instanceId} is ${before.state}: only a running instance can be stopped`);
  await ctx.clients.ec2(region).send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
  return done(`stopped ${instanceId} (was ${before.state})`);
}

/** Starts the instance again if this run stopped it and it is stopped now. */
export async function restartInstance(ctx: ActionContext, region: string, instanceId: string, before: InstanceStateUndo): Promise<StepOutcome> {
  if (before.state !== 'running' && before.state !== 'pending') return skipped(`${instanceId} was ${before.state ?? 'absent'} before: nothing to start`);
  const now = await readInstanceState(ctx, region, instanceId);
  if (!now.found) return failed(`${instanceId} no longer exists`);
  if (now.state === 'running' || now.state === 'pending') return done(`${instanceId} is already ${now.state}`);
  if (now.state !== 'stopped') return failed(`${instanceId} is ${now.state}: it can be started once it is stopped; undo again then`);
  await ctx.clients.ec2(region).send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
  return done(`started ${instanceId}`);
}
