// Simulated EC2 changes to security groups: CreateSecurityGroup, AuthorizeSecurityGroupIngress /
// Egress and RevokeSecurityGroupIngress / Egress, on `scenario.ec2.securityGroups` in place.
//
// A rule is one target (CIDR, IPv6 CIDR, group, prefix list) of an IpPermission. An authorized rule
// joins the group's IpPermission with the same protocol and ports (as DescribeSecurityGroups merges
// them) and stores a new SecurityGroupRuleId on its target; a revoked rule's target is removed, and
// a permission left without targets goes. So rule ids stay what DescribeSecurityGroupRules reports,
// and a rule revoked and authorized again gets a new id, as in AWS.
//
// Revoking by IpPermissions that match no rule succeeds and lists them in UnknownIpPermissions: what
// EC2 does in a default VPC (shared/AWS-FACTS.md). EC2 answers InvalidPermission.NotFound in other
// VPCs, but the scenario format does not say which VPC is the default one, so every VPC behaves as
// a default VPC here: callers must re-describe (or revoke by rule id), as they must against AWS.

import type {
  AuthorizeSecurityGroupEgressRequest,
  AuthorizeSecurityGroupIngressRequest,
  AuthorizeSecurityGroupIngressResult,
  CreateSecurityGroupRequest,
  CreateSecurityGroupResult,
  IpPermission,
  RevokedSecurityGroupRule,
  RevokeSecurityGroupIngressRequest,
  RevokeSecurityGroupIngressResult,
  SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import type { IpRange, ScenarioSecurityGroup } from '../../scenario/types.js';
import { Change } from '../changes.js';
import { AwsError, type SimContext } from '../types.js';
import {
  ec2Changed,
  ec2Index,
  notFoundError,
  RULE_KINDS,
  RULE_TARGETS,
  ruleEntries,
  targetValue,
  type RuleEntry,
  type RuleKind,
  type RuleTarget,
} from './ec2-model.js';
import { EC2_EVENT_SOURCE, itemSet, specifiedTags, tagSpecificationSet } from './ec2-mutations.js';

/** EC2's default quota: 60 inbound and 60 outbound rules per group, IPv4 and IPv6 counted apart. */
const MAX_RULES_PER_DIRECTION = 60;

const PROTOCOL_NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', all: '-1' };
/** Protocols whose rules have ports (for ICMP: type and code). */
const WITH_PORTS = new Set(['tcp', 'udp', 'icmp', 'icmpv6']);

function protocolOf(value: unknown): string {
  const text = String(value ?? '-1').toLowerCase();
  return PROTOCOL_NAMES[text] ?? text;
}

function validProtocol(value: unknown): string {
  const protocol = protocolOf(value);
  const number = Number(protocol);
  if (protocol === '-1' || WITH_PORTS.has(protocol) || (Number.isInteger(number) && number >= 0 && number <= 255)) return protocol;
  throw new AwsError('InvalidParameterValue', `Invalid value '${String(value)}' for IP protocol. Unknown protocol.`);
}

/** What makes two rules the same rule: direction, protocol, ports, kind and target. */
function ruleKey(isEgress: boolean, protocol: string, from: number | undefined, to: number | undefined, kind: RuleKind, value: string): string {
  const ports = WITH_PORTS.has(protocol) ? `${from ?? -1}:${to ?? -1}` : '';
  return [isEgress ? 'egress' : 'ingress', protocol, ports, kind, value.toLowerCase()].join('|');
}

function entryKey(entry: RuleEntry): string {
  const { rule } = entry;
  return ruleKey(entry.isEgress, protocolOf(rule.IpProtocol), rule.FromPort, rule.ToPort, entry.kind, targetValue(entry.kind, entry.target));
}

/** A rule a call names: its permission's protocol and ports, and one target. */
interface RequestedRule {
  protocol: string;
  from?: number;
  to?: number;
  kind: RuleKind;
  target: RuleTarget;
  key: string;
}

/** One IpPermission of a call, checked, with its rules. */
interface RequestedPermission {
  given: IpPermission;
  rules: RequestedRule[];
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function checkCidr(kind: RuleKind, value: string): void {
  const m = IPV4_CIDR.exec(value);
  const valid = kind === 'cidr'
    ? m !== null && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32
    : /^[0-9a-f:]+\/\d{1,3}$/i.test(value) && value.includes(':') && Number(value.split('/')[1]) <= 128;
  if (!valid) {
    const member = kind === 'cidr' ? 'cidrIp' : 'cidrIpv6';
    throw new AwsError('InvalidParameterValue', `Value (${value}) for parameter ${member} is invalid. This is not a valid CIDR block.`);
  }
}

function checkPorts(protocol: string, from: number | undefined, to: number | undefined): { from?: number; to?: number } {
  if (protocol === 'tcp' || protocol === 'udp') {
    if (from === undefined || to === undefined) {
      throw new AwsError('InvalidParameterValue', "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange");
    }
    if (from < 0 || to > 65535 || from > to) {
      throw new AwsError('InvalidParameterValue', `Invalid value '${from}-${to}' for portRange. Must be a valid TCP/UDP port range (0-65535, from <= to).`);
    }
    return { from, to };
  }
  if (protocol === 'icmp' || protocol === 'icmpv6') {
    const type = from ?? -1;
    const code = to ?? -1;
    if (type < -1 || type > 255 || code < -1 || code > 255) {
      throw new AwsError('InvalidParameterValue', `Invalid value '${type},${code}' for ICMP type and code.`);
    }
    return { from: type, to: code };
  }
  return {};
}

/**
 * The rules a call's IpPermissions name. `strict` (authorize) also checks that referenced groups
 * exist and that each permission names a target; a revoke's unknown rules are its business.
 */
function requestedPermissions(ctx: SimContext, isEgress: boolean, permissions: IpPermission[], strict: boolean): RequestedPermission[] {
  const regionGroups = ec2Index(ctx).groups.get(ctx.region) ?? [];
  return permissions.map((given) => {
    const protocol = validProtocol(given.IpProtocol);
    const { from, to } = checkPorts(protocol, given.FromPort, given.ToPort);
    const rules: RequestedRule[] = [];
    for (const kind of RULE_KINDS) {
      for (const raw of (given[RULE_TARGETS[kind].list] ?? []) as RuleTarget[]) {
        const value = targetValue(kind, raw);
        if (value === '') throw new AwsError('MissingParameter', `The request must contain the parameter ${RULE_TARGETS[kind].member}`);
        if (kind === 'cidr' || kind === 'ipv6') checkCidr(kind, value);
        if (kind === 'group' && strict && !regionGroups.some((g) => g.GroupId === value)) {
          throw notFoundError('InvalidGroup.NotFound', 'security group', [value]);
        }
        const target: RuleTarget = { [RULE_TARGETS[kind].member]: value };
        if (kind === 'group') target.UserId = typeof raw.UserId === 'string' ? raw.UserId : ctx.account.id;
        if (typeof raw.Description === 'string') target.Description = raw.Description;
        rules.push({ protocol, from, to, kind, target, key: ruleKey(isEgress, protocol, from, to, kind, value) });
      }
    }
    if (strict && rules.length === 0) {
      throw new AwsError('MissingParameter', 'The request must contain at least one of IpRanges, Ipv6Ranges, UserIdGroupPairs or PrefixListIds');
    }
    return { given, rules };
  });
}

/** The call's permissions: IpPermissions, or the older flat members of an ingress call. */
function permissionsOf(input: AuthorizeSecurityGroupIngressRequest | AuthorizeSecurityGroupEgressRequest): IpPermission[] {
  const flat = input as AuthorizeSecurityGroupIngressRequest;
  const hasFlat = flat.CidrIp !== undefined || flat.IpProtocol !== undefined || flat.FromPort !== undefined || flat.ToPort !== undefined;
  if (flat.SourceSecurityGroupName !== undefined || flat.SourceSecurityGroupOwnerId !== undefined) {
    throw new AwsError('UnsupportedOperation', 'The simulated account does not implement SourceSecurityGroupName; use IpPermissions');
  }
  if (hasFlat && input.IpPermissions && input.IpPermissions.length > 0) {
    throw new AwsError('InvalidParameterCombination', 'The parameter IpPermissions cannot be used with the parameters CidrIp, IpProtocol, FromPort and ToPort');
  }
  if (hasFlat) {
    return [{ IpProtocol: flat.IpProtocol, FromPort: flat.FromPort, ToPort: flat.ToPort, ...(flat.CidrIp !== undefined && { IpRanges: [{ CidrIp: flat.CidrIp }] }) }];
  }
  return input.IpPermissions ?? [];
}

function groupFor(ctx: SimContext, input: { GroupId?: string; GroupName?: string }): ScenarioSecurityGroup {
  const regionGroups = ec2Index(ctx).groups.get(ctx.region) ?? [];
  if (input.GroupId) {
    const group = regionGroups.find((g) => g.GroupId === input.GroupId);
    if (!group) throw notFoundError('InvalidGroup.NotFound', 'security group', [input.GroupId]);
    return group;
  }
  if (input.GroupName) {
    const named = regionGroups.filter((g) => g.GroupName === input.GroupName);
    if (named.length === 0) throw new AwsError('InvalidGroup.NotFound', `The security group '${input.GroupName}' does not exist in default VPC`);
    if (named.length > 1) {
      throw new AwsError('InvalidParameterCombination', `Several VPCs have a group named '${input.GroupName}' and the simulated account does not know the default VPC; give GroupId`);
    }
    return named[0]!;
  }
  throw new AwsError('MissingParameter', 'The request must contain the parameter groupName or groupId');
}

function directionOf(group: ScenarioSecurityGroup, isEgress: boolean): IpPermission[] {
  return (isEgress ? group.IpPermissionsEgress : group.IpPermissions) as IpPermission[];
}

// --- CloudTrail shapes --------------------------------------------------------------------------

function permissionElements(permissions: IpPermission[]): Record<string, unknown> {
  const described = (target: Record<string, unknown>, description: unknown) => (typeof description === 'string' ? { ...target, description } : target);
  return itemSet(permissions.map((p) => ({
    ipProtocol: p.IpProtocol,
    ...(p.FromPort !== undefined && { fromPort: p.FromPort }),
    ...(p.ToPort !== undefined && { toPort: p.ToPort }),
    groups: itemSet((p.UserIdGroupPairs ?? []).map((g) => described({ groupId: g.GroupId, ...(g.UserId !== undefined && { userId: g.UserId }) }, g.Description))),
    ipRanges: itemSet((p.IpRanges ?? []).map((r) => described({ cidrIp: r.CidrIp }, r.Description))),
    ipv6Ranges: itemSet((p.Ipv6Ranges ?? []).map((r) => described({ cidrIpv6: r.CidrIpv6 }, r.Description))),
    prefixListIds: itemSet((p.PrefixListIds ?? []).map((r) => described({ prefixListId: r.PrefixListId }, r.Description))),
  })));
}

function ruleElements(rule: SecurityGroupRule): Record<string, unknown> {
  return {
    groupOwnerId: rule.GroupOwnerId,
    groupId: rule.GroupId,
    securityGroupRuleId: rule.SecurityGroupRuleId,
    isEgress: rule.IsEgress,
    ipProtocol: rule.IpProtocol,
    fromPort: rule.FromPort,
    toPort: rule.ToPort,
    ...(rule.CidrIpv4 !== undefined && { cidrIpv4: rule.CidrIpv4 }),
    ...(rule.CidrIpv6 !== undefined && { cidrIpv6: rule.CidrIpv6 }),
    ...(rule.PrefixListId !== undefined && { prefixListId: rule.PrefixListId }),
    ...(rule.ReferencedGroupInfo && { referencedGroupInfo: { groupId: rule.ReferencedGroupInfo.GroupId, userId: rule.ReferencedGroupInfo.UserId } }),
    ...(rule.Description !== undefined && { description: rule.Description }),
  };
}

// --- CreateSecurityGroup -----------------------------------------------------------------------

function knownVpcs(ctx: SimContext): Set<string> {
  const index = ec2Index(ctx);
  const vpcs = [...(index.instances.get(ctx.region) ?? []), ...(index.groups.get(ctx.region) ?? [])].map((item) => item.VpcId);
  return new Set(vpcs.filter((v): v is string => typeof v === 'string'));
}

function createSecurityGroup(ctx: SimContext, input: CreateSecurityGroupRequest): CreateSecurityGroupResult {
  const name = input.GroupName;
  if (!name) throw new AwsError('MissingParameter', 'The request must contain the parameter groupName');
  if (input.Description === undefined || input.Description === '') throw new AwsError('MissingParameter', 'The request must contain the parameter groupDescription');
  if (name.length > 255 || input.Description.length > 255) throw new AwsError('InvalidParameterValue', 'Group name and description must be at most 255 characters long');
  if (name.toLowerCase().startsWith('sg-')) throw new AwsError('InvalidParameterValue', 'Group names may not be in the format sg-*');
  const vpcId = input.VpcId;
  // The scenario does not say which VPC is the default one, so a group needs its VPC named.
  if (!vpcId) throw new AwsError('VPCIdNotSpecified', 'No default VPC for this user');
  if (!knownVpcs(ctx).has(vpcId)) throw new AwsError('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
  if ((ec2Index(ctx).groups.get(ctx.region) ?? []).some((g) => g.VpcId === vpcId && g.GroupName === name)) {
    throw new AwsError('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`);
  }
  const tags = specifiedTags(input.TagSpecifications, 'security-group');
  const change = new Change(ctx);
  const groupId = `sg-${change.hex('group')}`;
  const arn = `arn:aws:ec2:${ctx.region}:${ctx.account.id}:security-group/${groupId}`;
  // EC2 gives every new VPC group one rule: all outbound IPv4 traffic.
  const allOutbound: IpRange & { SecurityGroupRuleId: string } = { CidrIp: '0.0.0.0/0', SecurityGroupRuleId: `sgr-${change.hex('rule/0')}` };
  const group: ScenarioSecurityGroup = {
    GroupId: groupId,
    GroupName: name,
    Description: input.Description,
    Region: ctx.region,
    VpcId: vpcId,
    OwnerId: ctx.account.id,
    IpPermissions: [],
    IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [allOutbound] }],
    ...(tags.length > 0 && { Tags: tags }),
  };
  const ec2 = (ctx.account.scenario.ec2 ??= {});
  (ec2.securityGroups ??= []).push(group);
  ec2Changed(ctx);
  change.record({
    eventSource: EC2_EVENT_SOURCE,
    eventName: 'CreateSecurityGroup',
    requestParameters: { groupName: name, groupDescription: input.Description, vpcId, ...tagSpecificationSet(input.TagSpecifications) },
    responseElements: { requestId: change.requestId, _return: true, groupId, securityGroupArn: arn },
  });
  return { GroupId: groupId, ...(tags.length > 0 && { Tags: tags.map((t) => ({ ...t })) }), SecurityGroupArn: arn };
}

// --- Authorize ---------------------------------------------------------------------------------

function describeRule(rule: RequestedRule): string {
  const value = targetValue(rule.kind, rule.target);
  if (!WITH_PORTS.has(rule.protocol)) return `peer: ${value}, ${rule.protocol === '-1' ? 'ALL' : rule.protocol}, ALLOW`;
  return `peer: ${value}, ${rule.protocol.toUpperCase()}, from port: ${rule.from}, to port: ${rule.to}, ALLOW`;
}

/** The group's permission a new rule joins (same protocol and ports), created when there is none. */
function permissionFor(list: IpPermission[], rule: RequestedRule): IpPermission {
  const found = list.find((p) => protocolOf(p.IpProtocol) === rule.protocol && (!WITH_PORTS.has(rule.protocol) || (p.FromPort === rule.from && p.ToPort === rule.to)));
  if (found) return found;
  const created: IpPermission = { IpProtocol: rule.protocol, ...(WITH_PORTS.has(rule.protocol) && { FromPort: rule.from, ToPort: rule.to }) };
  list.push(created);
  return created;
}

function authorize(ctx: SimContext, isEgress: boolean, input: AuthorizeSecurityGroupIngressRequest | AuthorizeSecurityGroupEgressRequest): AuthorizeSecurityGroupIngressResult {
  const group = groupFor(ctx, input);
  const permissions = permissionsOf(input);
  if (permissions.length === 0) throw new AwsError('MissingParameter', 'The request must contain the parameter ipPermissions');
  const requested = requestedPermissions(ctx, isEgress, permissions, true).flatMap((p) => p.rules);
  const existing = ruleEntries(group, ctx.account.id).filter((e) => e.isEgress === isEgress);
  const keys = new Set(existing.map(entryKey));
  for (const rule of requested) {
    if (keys.has(rule.key)) throw new AwsError('InvalidPermission.Duplicate', `the specified rule "${describeRule(rule)}" already exists`);
    keys.add(rule.key);
  }
  const family = (kind: RuleKind) => (kind === 'ipv6' ? 'ipv6' : 'ipv4');
  for (const f of ['ipv4', 'ipv6']) {
    const count = existing.filter((e) => family(e.kind) === f).length + requested.filter((r) => family(r.kind) === f).length;
    if (count > MAX_RULES_PER_DIRECTION) throw new AwsError('RulesPerSecurityGroupLimitExceeded', 'The maximum number of rules per security group has been reached.');
  }
  const change = new Change(ctx);
  const list = directionOf(group, isEgress);
  const added = new Set<RuleTarget>();
  requested.forEach((rule, i) => {
    const target: RuleTarget = { ...rule.target, SecurityGroupRuleId: `sgr-${change.hex(`rule/${i}`)}` };
    const permission = permissionFor(list, rule) as Record<string, unknown>;
    const member = RULE_TARGETS[rule.kind].list;
    ((permission[member] ??= []) as RuleTarget[]).push(target);
    added.add(target);
  });
  ec2Changed(ctx);
  const rules = ruleEntries(group, ctx.account.id).filter((e) => added.has(e.target)).map((e) => e.rule);
  change.record({
    eventSource: EC2_EVENT_SOURCE,
    eventName: isEgress ? 'AuthorizeSecurityGroupEgress' : 'AuthorizeSecurityGroupIngress',
    requestParameters: { groupId: group.GroupId, ipPermissions: permissionElements(permissions) },
    responseElements: { requestId: change.requestId, _return: true, securityGroupRuleSet: itemSet(rules.map(ruleElements)) },
  });
  return { Return: true, SecurityGroupRules: rules };
}

// --- Revoke ------------------------------------------------------------------------------------

function revokedShape(rule: SecurityGroupRule): RevokedSecurityGroupRule {
  return {
    SecurityGroupRuleId: rule.SecurityGroupRuleId,
    GroupId: rule.GroupId,
    IsEgress: rule.IsEgress,
    IpProtocol: rule.IpProtocol,
    FromPort: rule.FromPort,
    ToPort: rule.ToPort,
    ...(rule.CidrIpv4 !== undefined && { CidrIpv4: rule.CidrIpv4 }),
    ...(rule.CidrIpv6 !== undefined && { CidrIpv6: rule.CidrIpv6 }),
    ...(rule.PrefixListId !== undefined && { PrefixListId: rule.PrefixListId }),
    ...(rule.ReferencedGroupInfo?.GroupId !== undefined && { ReferencedGroupId: rule.ReferencedGroupInfo.GroupId }),
    ...(rule.Description !== undefined && { Description: rule.Description }),
  };
}

/** Removes rules from their group; permissions left without targets go. */
function removeRules(group: ScenarioSecurityGroup, isEgress: boolean, entries: RuleEntry[]): void {
  for (const entry of entries) {
    const permission = entry.permission as Record<string, unknown>;
    const member = RULE_TARGETS[entry.kind].list;
    const targets = permission[member] as RuleTarget[];
    targets.splice(targets.indexOf(entry.target), 1);
    if (targets.length === 0) delete permission[member];
  }
  const kept = directionOf(group, isEgress).filter((p) => RULE_KINDS.some((k) => (p[RULE_TARGETS[k].list]?.length ?? 0) > 0));
  if (isEgress) group.IpPermissionsEgress = kept as ScenarioSecurityGroup['IpPermissionsEgress'];
  else group.IpPermissions = kept as ScenarioSecurityGroup['IpPermissions'];
}

function revoke(ctx: SimContext, isEgress: boolean, input: RevokeSecurityGroupIngressRequest): RevokeSecurityGroupIngressResult {
  const group = groupFor(ctx, input);
  const ids = input.SecurityGroupRuleIds ?? [];
  const permissions = permissionsOf(input);
  if (ids.length > 0 && permissions.length > 0) {
    throw new AwsError('InvalidParameterCombination', 'The parameter SecurityGroupRuleIds cannot be used with the parameter IpPermissions');
  }
  if (ids.length === 0 && permissions.length === 0) {
    throw new AwsError('MissingParameter', 'The request must contain the parameter ipPermissions or securityGroupRuleIds');
  }
  const entries = ruleEntries(group, ctx.account.id).filter((e) => e.isEgress === isEgress);
  let revoked: RuleEntry[];
  const unknown: IpPermission[] = [];
  if (ids.length > 0) {
    const byId = new Map(entries.map((e) => [e.rule.SecurityGroupRuleId!, e]));
    const missing = [...new Set(ids)].filter((id) => !byId.has(id));
    if (missing.length > 0) throw notFoundError('InvalidSecurityGroupRuleId.NotFound', 'security group rule ID', missing);
    revoked = [...new Set(ids)].map((id) => byId.get(id)!);
  } else {
    const byKey = new Map(entries.map((e) => [entryKey(e), e]));
    const matched = new Set<RuleEntry>();
    for (const { given, rules } of requestedPermissions(ctx, isEgress, permissions, false)) {
      const missed = rules.filter((rule) => {
        const entry = byKey.get(rule.key);
        if (entry) matched.add(entry);
        return !entry;
      });
      if (missed.length === 0 && rules.length > 0) continue;
      const unknownPermission: Record<string, unknown> = { IpProtocol: given.IpProtocol, FromPort: given.FromPort, ToPort: given.ToPort };
      for (const kind of RULE_KINDS) {
        unknownPermission[RULE_TARGETS[kind].list] = missed.filter((r) => r.kind === kind).map((r) => ({ ...r.target }));
      }
      unknown.push(unknownPermission as IpPermission);
    }
    revoked = [...matched];
  }
  const change = new Change(ctx);
  const revokedRules = revoked.map((e) => revokedShape(e.rule));
  removeRules(group, isEgress, revoked);
  ec2Changed(ctx);
  change.record({
    eventSource: EC2_EVENT_SOURCE,
    eventName: isEgress ? 'RevokeSecurityGroupEgress' : 'RevokeSecurityGroupIngress',
    requestParameters: ids.length > 0
      ? { groupId: group.GroupId, securityGroupRuleIds: itemSet(ids.map((securityGroupRuleId) => ({ securityGroupRuleId }))) }
      : { groupId: group.GroupId, ipPermissions: permissionElements(permissions) },
    responseElements: {
      requestId: change.requestId,
      _return: true,
      ...(unknown.length > 0 && { unknownIpPermissionSet: permissionElements(unknown) }),
    },
  });
  return { Return: true, ...(unknown.length > 0 && { UnknownIpPermissions: unknown }), RevokedSecurityGroupRules: revokedRules };
}

export const securityGroupMutations = {
  CreateSecurityGroup: createSecurityGroup,
  AuthorizeSecurityGroupIngress: (ctx: SimContext, input: AuthorizeSecurityGroupIngressRequest) => authorize(ctx, false, input),
  AuthorizeSecurityGroupEgress: (ctx: SimContext, input: AuthorizeSecurityGroupEgressRequest) => authorize(ctx, true, input),
  RevokeSecurityGroupIngress: (ctx: SimContext, input: RevokeSecurityGroupIngressRequest) => revoke(ctx, false, input),
  RevokeSecurityGroupEgress: (ctx: SimContext, input: RevokeSecurityGroupIngressRequest) => revoke(ctx, true, input),
};
