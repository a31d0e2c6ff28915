// The planner: from an audit's findings to the steps the enabled actions would take, with the
// safety rules applied on top of every action: protected resources and rigwatch's own identity
// are refused (and listed with why), never silently dropped. Pure: the same audit, config and
// caller give the same plan, in the same order.

import { z } from 'zod';
import { parseInput } from '../engine/errors.js';
import { QUARANTINE_POLICY_PREFIX, REVOKE_SESSIONS_POLICY_PREFIX, TAG_ISOLATION, TAG_QUARANTINED } from '../domain/rigwatch-tags.js';
import type { AuditData } from '../providers/types.js';
import { principalOf, principalSchema, sessionNameOf } from './actions/common.js';
import { ACTION_MODULES, ACTIONS, type ActionOptions } from './index.js';
import { ACTION_IDS, type ActionId, type PlanInput, type PlannedStep, type StepResource } from './types.js';

// ---- configuration ----------------------------------------------------------------------------

/** Stopping takes a workload down: it is the one action that has to be enabled on purpose. */
export const DEFAULT_ENABLED: readonly ActionId[] = ACTION_IDS.filter((id) => id !== 'stop-instance');

/** Each action's options schema, its defaults filled in when the section or the key is absent. */
const withDefaults = <K extends ActionId>(id: K) => (ACTION_MODULES[id].options as z.ZodType<ActionOptions<K>>).prefault({});

const actionOptions = z.strictObject({
  'quarantine-instance': withDefaults('quarantine-instance'),
  'revoke-ingress': withDefaults('revoke-ingress'),
  'disable-access-key': withDefaults('disable-access-key'),
  'revoke-sessions': withDefaults('revoke-sessions'),
  'quarantine-principal': withDefaults('quarantine-principal'),
  'stop-instance': withDefaults('stop-instance'),
} satisfies Record<ActionId, unknown>).prefault({});

export const remediationConfigSchema = z.strictObject({
  enabled: z.array(z.enum(ACTION_IDS)).default([...DEFAULT_ENABLED])
    .describe('The actions that may be planned; the others never are.'),
  protectTag: z.strictObject({ key: z.string().min(1), value: z.string() }).default({ key: 'rigwatch:protect', value: 'true' })
    .describe('Resources with this tag (instances, security groups, IAM users and roles) are refused, whatever the findings say.'),
  maxResources: z.number().int().positive().default(200)
    .describe('The caller refuses to apply a plan touching more resources than this (countResources); the planner never drops steps for it.'),
  actions: actionOptions.describe('Each action\'s options.'),
});

export type RemediationConfig = z.infer<typeof remediationConfigSchema>;

export function parseRemediationConfig(value: unknown, source = 'config remediation'): RemediationConfig {
  return parseInput(remediationConfigSchema, value ?? {}, source);
}

// ---- planning ---------------------------------------------------------------------------------

export interface Refusal {
  resource: StepResource;
  reason: string;
}

export interface RemediationPlan {
  steps: PlannedStep[];
  refused: Refusal[];
}

/**
 * Plans every enabled action over the findings, merges steps with the same id, refuses steps on
 * protected resources and on the caller's own identity, and orders the rest. `callerArn` defaults
 * to the identity the audit ran as.
 */
export function planRemediation(input: PlanInput, config: RemediationConfig, callerArn?: string): RemediationPlan {
  const planned = new Map<string, PlannedStep>();
  for (const id of ACTION_IDS) {
    if (!config.enabled.includes(id)) continue;
    for (const s of ACTIONS.get(id)!.plan(input, config.actions[id])) {
      const same = planned.get(s.id);
      planned.set(s.id, same ? merge(same, s) : { ...s, findings: [...s.findings], dependsOn: [...s.dependsOn] });
    }
  }

  const refuse = refusalReason(input.data, config.protectTag, callerArn ?? input.data.caller?.arn);
  const contained = alreadyContained(input.data);
  const refusedSteps = new Map<string, string>();
  for (const s of planned.values()) {
    const reason = refuse(s) ?? contained(s);
    if (reason) refusedSteps.set(s.id, reason);
  }
  // A step whose prerequisite is refused cannot run either.
  for (let changed = true; changed;) {
    changed = false;
    for (const s of planned.values()) {
      if (refusedSteps.has(s.id)) continue;
      const blocked = s.dependsOn.find((d) => refusedSteps.has(d));
      if (blocked) {
        refusedSteps.set(s.id, `depends on ${blocked}, which is refused`);
        changed = true;
      }
    }
  }

  let kept = [...planned.values()].filter((s) => !refusedSteps.has(s.id));
  // Steps that exist only for others (a VPC's isolation groups) go when nothing needs them.
  const needed = new Set(kept.flatMap((s) => s.dependsOn));
  kept = kept.filter((s) => s.params.onlyForDependents !== true || needed.has(s.id));

  const refused = new Map<string, Refusal>();
  for (const [id, reason] of refusedSteps) {
    const s = planned.get(id)!;
    if (s.params.onlyForDependents === true) continue;
    refused.set(`${resourceKey(s.resource)}|${reason}`, { resource: s.resource, reason });
  }
  return {
    steps: ordered(kept),
    refused: [...refused.entries()].sort(([a], [b]) => compare(a, b)).map(([, r]) => r),
  };
}

/** How many resources a plan touches (the VPCs that only host isolation groups do not count): what `maxResources` limits. */
export function countResources(steps: readonly PlannedStep[]): number {
  return new Set(steps.filter((s) => s.params.onlyForDependents !== true).map((s) => resourceKey(s.resource))).size;
}

function merge(a: PlannedStep, b: PlannedStep): PlannedStep {
  return {
    ...a,
    findings: [...new Set([...a.findings, ...b.findings])],
    dependsOn: [...new Set([...a.dependsOn, ...b.dependsOn])],
  };
}

function resourceKey(r: StepResource): string {
  return `${r.type}|${r.region}|${r.id}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- safety -----------------------------------------------------------------------------------

/** The reason a step must not run, or undefined. */
function refusalReason(data: AuditData, protectTag: { key: string; value: string }, callerArn: string | undefined): (s: PlannedStep) => string | undefined {
  const isProtected = (tags: Record<string, string> | undefined): boolean => tags?.[protectTag.key] === protectTag.value;
  const instances = new Map(data.ec2.instances.map((i) => [`${i.region}/${i.id}`, i.tags]));
  const groups = new Map(data.ec2.securityGroups.map((g) => [`${g.region}/${g.id}`, g.tags]));
  const principalTags = (type: 'user' | 'role', name: string): Record<string, string> | undefined => {
    if (type === 'user') return data.iam.users.find((u) => u.name === name)?.tags;
    return data.iam.roles.find((r) => r.name === name)?.tags;
  };
  const caller = callerArn ? principalOf(callerArn, data) : undefined;
  const callerSession = callerArn ? sessionNameOf(callerArn) : undefined;
  // EC2 names an instance profile's role session after the instance.
  const callerInstance = callerSession && /^i-[0-9a-f]+$/.test(callerSession) ? callerSession : undefined;
  const tagReason = `tagged ${protectTag.key}=${protectTag.value}`;

  return (s) => {
    const { resource } = s;
    const principal = principalSchema.safeParse(s.params.principal);
    const who = principal.success ? principal.data : undefined;
    if (caller && who && who.type === caller.type && who.name === caller.name) {
      return `rigwatch runs as this ${who.type} (${callerArn}): changing it could cut rigwatch off mid-run`;
    }
    if (callerInstance && resource.type === 'AWS::EC2::Instance' && resource.id === callerInstance) {
      return `rigwatch runs on this instance (${callerArn}): isolating it would cut rigwatch off mid-run`;
    }
    switch (resource.type) {
      case 'AWS::EC2::Instance':
        if (isProtected(instances.get(`${resource.region}/${resource.id}`))) return tagReason;
        break;
      case 'AWS::EC2::SecurityGroup':
        if (isProtected(groups.get(`${resource.region}/${resource.id}`))) return tagReason;
        break;
    }
    if (who && isProtected(principalTags(who.type, who.name))) {
      return who.name === resource.id ? tagReason : `its ${who.type} ${who.name} is ${tagReason}`;
    }
    return undefined;
  };
}

/**
 * What an earlier run already contained, so re-running remediate does not quarantine twice (a
 * second snapshot, a second deny policy under a new run id): an instance tagged quarantined that
 * sits in rigwatch's closed isolation group, a principal that carries rigwatch's quarantine or
 * session-revoking policy. What is still open (a key still active, an admin policy still attached,
 * a rule still there) is planned as usual.
 */
function alreadyContained(data: AuditData): (s: PlannedStep) => string | undefined {
  const closed = new Set(data.ec2.securityGroups.filter((g) => g.tags[TAG_ISOLATION] === 'closed').map((g) => g.id));
  const instances = new Map(data.ec2.instances.map((i) => [`${i.region}/${i.id}`, i]));
  const inline = (type: 'user' | 'role', name: string): string[] =>
    (type === 'user' ? data.iam.users.find((u) => u.name === name) : data.iam.roles.find((r) => r.name === name))?.inlinePolicyNames ?? [];
  return (s) => {
    if (s.action === 'quarantine-instance' && s.resource.type === 'AWS::EC2::Instance') {
      const i = instances.get(`${s.resource.region}/${s.resource.id}`);
      const run = i?.tags[TAG_QUARANTINED];
      if (run && i.securityGroups.length > 0 && i.securityGroups.every((g) => closed.has(g.id))) return `already quarantined by run ${run}`;
      return undefined;
    }
    const principal = principalSchema.safeParse(s.params.principal);
    if (!principal.success) return undefined;
    const policies = inline(principal.data.type, principal.data.name);
    const part = s.id.split(':')[1] ?? '';
    const has = (prefix: string) => policies.find((p) => p.startsWith(prefix));
    if (s.action === 'revoke-sessions' && has(REVOKE_SESSIONS_POLICY_PREFIX)) return `sessions already revoked by its inline policy ${has(REVOKE_SESSIONS_POLICY_PREFIX)}`;
    if (s.action === 'quarantine-principal' && part.startsWith('deny') && has(QUARANTINE_POLICY_PREFIX)) return `already quarantined by its inline policy ${has(QUARANTINE_POLICY_PREFIX)}`;
    return undefined;
  };
}

// ---- order ------------------------------------------------------------------------------------

/**
 * By action (ACTION_IDS order), region, then the steps that exist for others (isolation groups)
 * before the rest, resource id, and the order the action gave (its stages); then prerequisites
 * are moved before their dependents where that order alone did not do it.
 */
function ordered(steps: PlannedStep[]): PlannedStep[] {
  const index = new Map(steps.map((s, k) => [s.id, k]));
  const sorted = [...steps].sort((a, b) =>
    ACTION_IDS.indexOf(a.action) - ACTION_IDS.indexOf(b.action)
    || compare(a.resource.region, b.resource.region)
    || Number(b.params.onlyForDependents === true) - Number(a.params.onlyForDependents === true)
    || compare(a.resource.id, b.resource.id)
    || compare(a.resource.type, b.resource.type)
    || index.get(a.id)! - index.get(b.id)!);
  const present = new Set(sorted.map((s) => s.id));
  const out: PlannedStep[] = [];
  const emitted = new Set<string>();
  let pending = sorted;
  while (pending.length > 0) {
    const next: PlannedStep[] = [];
    for (const s of pending) {
      if (s.dependsOn.every((d) => emitted.has(d) || !present.has(d))) {
        out.push(s);
        emitted.add(s.id);
      } else next.push(s);
    }
    if (next.length === pending.length) throw new Error(`remediation plan has a dependency cycle among ${next.map((s) => s.id).join(', ')}`);
    pending = next;
  }
  return out;
}
