// Simulated EC2's view of `scenario.ec2`, shared by the describes (ec2.ts) and the changes
// (ec2-mutations.ts, ec2-security-groups.ts): the per-Region index, SDK shapes, ids, and the
// security-group rules a group's IpPermissions stand for.
//
// Keys the simulated account keeps on a scenario instance beyond AWS's Instance shape (they are
// not returned by DescribeInstances; DescribeInstanceAttribute answers the first three, and a saved
// scenario keeps them all):
// - `DisableApiTermination`, `DisableApiStop` (booleans), `InstanceInitiatedShutdownBehavior`
//   ('stop' | 'terminate'): set by ModifyInstanceAttribute.
// - `UserData`: base64 user data (FORMAT.md).
// - `DetachedFromAutoScalingGroup`: the group an instance was detached from (DetachInstances
//   removes the `aws:autoscaling:groupName` tag, as AWS does; this key remembers the group so it
//   still exists, empty, for AttachInstances).
// Rule targets (IpRanges[], Ipv6Ranges[], UserIdGroupPairs[], PrefixListIds[] items) may carry
// `SecurityGroupRuleId`: rules authorized through the account get a new id stored there; rules
// without one get an id derived from their content.

import { createHash } from 'node:crypto';
import type { IpPermission, SecurityGroupRule } from '@aws-sdk/client-ec2';
import type { ScenarioInstance, ScenarioSecurityGroup, Tag } from '../../scenario/types.js';
import { AwsError, type SimContext } from '../types.js';

export type Item = Record<string, unknown> & { Region: string };

export interface Ec2Index {
  instances: Map<string, ScenarioInstance[]>;
  instanceById: Map<string, ScenarioInstance>;
  groups: Map<string, ScenarioSecurityGroup[]>;
  rules: Map<string, SecurityGroupRule[]>;
  volumes: Map<string, Item[]>;
  snapshots: Map<string, Item[]>;
  /** Result lists of queries already answered, by query fingerprint. */
  results: Map<string, unknown[]>;
}

const CACHE_KEY = 'ec2';

/** Keys whose ISO-8601 strings the SDK deserializes into Dates. */
const TIMESTAMP_KEYS = new Set(['LaunchTime', 'AttachTime', 'UsageOperationUpdateTime', 'CreateTime', 'StartTime', 'CompletionTime', 'RestoreExpiryTime']);

/** Scenario keys that are not members of the SDK's Instance shape. */
export const NON_INSTANCE_KEYS = new Set([
  'Region', 'UserData', 'DisableApiTermination', 'DisableApiStop', 'InstanceInitiatedShutdownBehavior', 'DetachedFromAutoScalingGroup',
]);

export const STATE_CODES: Record<string, number> = {
  pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80,
};

/** The tag AWS Auto Scaling puts on the instances of a group. */
export const ASG_TAG = 'aws:autoscaling:groupName';

export function visibleAt(time: unknown, now: number): boolean {
  return typeof time !== 'string' || !(Date.parse(time) > now);
}

function groupByRegion<T extends { Region: string }>(items: T[], visible: (item: T) => boolean): Map<string, T[]> {
  const byRegion = new Map<string, T[]>();
  for (const item of items) {
    if (!visible(item)) continue;
    const list = byRegion.get(item.Region);
    if (list) list.push(item);
    else byRegion.set(item.Region, [item]);
  }
  return byRegion;
}

export function ec2Index(ctx: SimContext): Ec2Index {
  const cached = ctx.account.cache.get(CACHE_KEY) as Ec2Index | undefined;
  if (cached) return cached;
  const ec2 = ctx.account.scenario.ec2 ?? {};
  const now = ctx.account.now;
  const instances = groupByRegion(ec2.instances ?? [], (i) => visibleAt(i.LaunchTime, now));
  const index: Ec2Index = {
    instances,
    instanceById: new Map([...instances.values()].flat().map((i) => [i.InstanceId, i])),
    groups: groupByRegion(ec2.securityGroups ?? [], () => true),
    rules: new Map(),
    volumes: groupByRegion(ec2.volumes ?? [], (v) => visibleAt(v.CreateTime, now)),
    snapshots: groupByRegion(ec2.snapshots ?? [], (s) => visibleAt(s.StartTime, now)),
    results: new Map(),
  };
  ctx.account.cache.set(CACHE_KEY, index);
  return index;
}

/** Drops the index and every cached describe result: call after changing `scenario.ec2`. */
export function ec2Changed(ctx: SimContext): void {
  ctx.account.cache.delete(CACHE_KEY);
}

/** A deep copy in SDK shape: timestamp strings become Dates. */
export function sdkShape(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => sdkShape(v));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = sdkShape(v, k);
    return out;
  }
  if (typeof value === 'string' && key !== undefined && TIMESTAMP_KEYS.has(key)) return new Date(value);
  return value;
}

export function withoutKeys(item: Record<string, unknown>, keys: Set<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !keys.has(k)));
}

/** A 17-hex-digit id suffix, stable for its seed. */
export function hexId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 17);
}

export function tagsOf(item: unknown): Tag[] {
  const tags = (item as { Tags?: unknown }).Tags;
  return Array.isArray(tags) ? (tags as Tag[]) : [];
}

export function notFoundError(code: string, noun: string, missing: string[]): AwsError {
  const list = missing.join(', ');
  return new AwsError(code, missing.length === 1 ? `The ${noun} '${list}' does not exist` : `The ${noun}s '${list}' do not exist`);
}

export function availabilityZone(instance: ScenarioInstance): string {
  return instance.Placement?.AvailabilityZone ?? `${instance.Region}a`;
}

/** The visible instance `instanceId` of the call's Region, or EC2's error. */
export function instanceIn(ctx: SimContext, instanceId: unknown): ScenarioInstance {
  if (typeof instanceId !== 'string' || instanceId === '') {
    throw new AwsError('MissingParameter', 'The request must contain the parameter InstanceId');
  }
  const instance = ec2Index(ctx).instanceById.get(instanceId);
  if (!instance || instance.Region !== ctx.region) throw notFoundError('InvalidInstanceID.NotFound', 'instance ID', [instanceId]);
  return instance;
}

/** The visible instances of the call's Region, all or none: EC2 names every missing id. */
export function instancesIn(ctx: SimContext, instanceIds: unknown): ScenarioInstance[] {
  if (!Array.isArray(instanceIds) || instanceIds.length === 0) {
    throw new AwsError('MissingParameter', 'The request must contain the parameter InstanceId');
  }
  const byId = ec2Index(ctx).instanceById;
  const ids = [...new Set(instanceIds as string[])];
  const missing = ids.filter((id) => byId.get(id)?.Region !== ctx.region);
  if (missing.length > 0) throw notFoundError('InvalidInstanceID.NotFound', 'instance ID', missing);
  return ids.map((id) => byId.get(id)!);
}

// --- Security-group rules ----------------------------------------------------------------------

export type RuleKind = 'cidr' | 'ipv6' | 'group' | 'prefix-list';

/** Where each kind of rule target lives in an IpPermission, and which member names it. */
export const RULE_TARGETS: Record<RuleKind, { list: 'IpRanges' | 'Ipv6Ranges' | 'UserIdGroupPairs' | 'PrefixListIds'; member: string }> = {
  cidr: { list: 'IpRanges', member: 'CidrIp' },
  ipv6: { list: 'Ipv6Ranges', member: 'CidrIpv6' },
  group: { list: 'UserIdGroupPairs', member: 'GroupId' },
  'prefix-list': { list: 'PrefixListIds', member: 'PrefixListId' },
};
export const RULE_KINDS = Object.keys(RULE_TARGETS) as RuleKind[];

/** A rule target as the scenario writes it, possibly with the rule's own id. */
export type RuleTarget = Record<string, unknown> & { SecurityGroupRuleId?: unknown; Description?: string };

/** One rule of a group, with the scenario objects it comes from (changes edit those in place). */
export interface RuleEntry {
  rule: SecurityGroupRule;
  isEgress: boolean;
  permission: IpPermission;
  kind: RuleKind;
  target: RuleTarget;
}

export function targetValue(kind: RuleKind, target: RuleTarget): string {
  const value = target[RULE_TARGETS[kind].member];
  return typeof value === 'string' ? value : '';
}

export function ruleEntries(group: ScenarioSecurityGroup, accountId: string): RuleEntry[] {
  const ownerId = group.OwnerId ?? accountId;
  const entries: RuleEntry[] = [];
  const fromPermissions = (isEgress: boolean, permissions: IpPermission[]) => {
    for (const permission of permissions) {
      const protocol = permission.IpProtocol ?? '-1';
      const fromPort = permission.FromPort ?? -1;
      const toPort = permission.ToPort ?? -1;
      for (const kind of RULE_KINDS) {
        for (const target of (permission[RULE_TARGETS[kind].list] ?? []) as RuleTarget[]) {
          const value = targetValue(kind, target);
          const given = target.SecurityGroupRuleId;
          const id = typeof given === 'string'
            ? given
            : `sgr-${hexId([group.GroupId, isEgress ? 'egress' : 'ingress', protocol, fromPort, toPort, kind, value].join('|'))}`;
          const fields: Partial<SecurityGroupRule> =
            kind === 'cidr' ? { CidrIpv4: value }
              : kind === 'ipv6' ? { CidrIpv6: value }
                : kind === 'group' ? { ReferencedGroupInfo: { GroupId: value, UserId: typeof target.UserId === 'string' ? target.UserId : accountId } }
                  : { PrefixListId: value };
          const rule: SecurityGroupRule = {
            SecurityGroupRuleId: id,
            GroupId: group.GroupId,
            GroupOwnerId: ownerId,
            IsEgress: isEgress,
            IpProtocol: protocol,
            FromPort: fromPort,
            ToPort: toPort,
            ...fields,
            ...(target.Description !== undefined && { Description: target.Description }),
            Tags: [],
            SecurityGroupRuleArn: `arn:aws:ec2:${group.Region}:${ownerId}:security-group-rule/${id}`,
          };
          entries.push({ rule, isEgress, permission, kind, target });
        }
      }
    }
  };
  fromPermissions(false, group.IpPermissions as IpPermission[]);
  fromPermissions(true, group.IpPermissionsEgress as IpPermission[]);
  return entries;
}

export function rulesOf(group: ScenarioSecurityGroup, accountId: string): SecurityGroupRule[] {
  return ruleEntries(group, accountId).map((e) => e.rule);
}
