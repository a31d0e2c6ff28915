// revoke-ingress: close exactly the security-group rules that opened a group to the internet, by
// rule id (never by matching permissions: a revoke by permission that matches nothing still
// answers success in a default VPC), keeping each rule's full permission to put it back.

import {
  AuthorizeSecurityGroupIngressCommand,
  paginateDescribeSecurityGroupRules,
  RevokeSecurityGroupIngressCommand,
  type EC2Client,
  type IpPermission,
  type SecurityGroupRule as Ec2Rule,
} from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { field, list, str } from '../../detectors/lib/json.js';
import type { SecurityGroup } from '../../providers/types.js';
import type { PlannedStep, RemediationAction, StepOutcome } from '../types.js';
import { awsErrorCode, done, findingsAsking, parseStepData, plural, skipped, step, TAG_ISOLATION, Targets, unless } from './common.js';

const ID = 'revoke-ingress';

const options = z.strictObject({});
export type Options = z.infer<typeof options>;

const CALLS = ['ec2:DescribeSecurityGroupRules', 'ec2:RevokeSecurityGroupIngress'];
const UNDO_CALLS = ['ec2:AuthorizeSecurityGroupIngress'];

const params = z.object({ groupId: z.string(), ruleIds: z.array(z.string()).min(1) });

/** A rule as DescribeSecurityGroupRules gave it: everything AuthorizeSecurityGroupIngress needs to recreate it. */
const ruleSchema = z.object({
  ruleId: z.string(),
  protocol: z.string(),
  fromPort: z.number().optional(),
  toPort: z.number().optional(),
  cidrIpv4: z.string().optional(),
  cidrIpv6: z.string().optional(),
  prefixListId: z.string().optional(),
  referencedGroupId: z.string().optional(),
  referencedUserId: z.string().optional(),
  description: z.string().optional(),
});
type Rule = z.infer<typeof ruleSchema>;
const undoSchema = z.object({ rules: z.array(ruleSchema), alreadyRevoked: z.array(z.string()) });

// ---- plan -------------------------------------------------------------------------------------

/** The rule ids a finding names: its AWS::EC2::SecurityGroupRule resources and its evidence's rules. */
function ruleIdsOf(finding: { resources: { type: string; id: string }[]; evidence: Record<string, unknown> }): Set<string> {
  const ids = new Set(finding.resources.filter((r) => r.type === 'AWS::EC2::SecurityGroupRule').map((r) => r.id));
  for (const rule of list(field(finding.evidence, 'rules'))) {
    const id = str(field(rule, 'ruleId'));
    if (id && field(rule, 'currentlyOpen') !== false) ids.add(id);
  }
  return ids;
}

function plan(input: Parameters<RemediationAction<Options>['plan']>[0]): PlannedStep[] {
  const groups = new Map(input.data.ec2.securityGroups.map((g) => [`${g.region}/${g.id}`, g]));
  const targets = new Targets<SecurityGroup>();
  const named = new Map<string, Set<string>>();
  for (const finding of findingsAsking(input.findings, ID)) {
    const ruleIds = ruleIdsOf(finding);
    for (const resource of finding.resources) {
      if (resource.type !== 'AWS::EC2::SecurityGroup') continue;
      const group = groups.get(`${resource.region ?? finding.region}/${resource.id}`);
      // rigwatch's own isolation groups are open on purpose (see quarantine-instance).
      if (!group || group.tags[TAG_ISOLATION] !== undefined) continue;
      const key = `${group.region}/${group.id}`;
      targets.add(key, group, finding.id);
      named.set(key, new Set([...(named.get(key) ?? []), ...ruleIds]));
    }
  }
  const steps: PlannedStep[] = [];
  for (const { key, value: group, findings } of targets.sorted()) {
    const ruleIds = named.get(key) ?? new Set<string>();
    // Only ingress rules the group has now: the finding's ids, checked against the collected rules.
    const rules = group.rules.filter((r) => !r.isEgress && ruleIds.has(r.ruleId)).sort((a, b) => a.ruleId.localeCompare(b.ruleId));
    if (rules.length === 0) continue;
    const what = rules.map((r) => `${r.protocol === '-1' ? 'all traffic' : `${r.protocol} ${portRange(r.fromPort, r.toPort)}`} from ${r.cidrIpv4 ?? r.cidrIpv6 ?? r.prefixListId ?? r.referencedGroupId}`);
    steps.push(step({
      action: ID, part: 'revoke',
      title: `revoke ${plural(rules.length, 'internet-open ingress rule')} of ${group.id} (${group.name}): ${what.join(', ')}`,
      resource: { type: 'AWS::EC2::SecurityGroup', id: group.id, region: group.region },
      findings, calls: [...CALLS],
      params: { groupId: group.id, ruleIds: rules.map((r) => r.ruleId) },
      dependsOn: [],
    }));
  }
  return steps;
}

function portRange(from?: number, to?: number): string {
  if (from === undefined || from === -1) return 'all ports';
  return from === to ? String(from) : `${from}-${to}`;
}

// ---- apply and undo ---------------------------------------------------------------------------

async function ingressRules(ec2: EC2Client, groupId: string): Promise<Map<string, Ec2Rule>> {
  const rules = new Map<string, Ec2Rule>();
  for await (const page of paginateDescribeSecurityGroupRules({ client: ec2 }, { Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: 1000 })) {
    for (const r of page.SecurityGroupRules ?? []) if (!r.IsEgress && r.SecurityGroupRuleId) rules.set(r.SecurityGroupRuleId, r);
  }
  return rules;
}

function ruleOf(r: Ec2Rule): Rule {
  const out: Rule = { ruleId: r.SecurityGroupRuleId ?? '', protocol: r.IpProtocol ?? '-1' };
  if (r.FromPort !== undefined) out.fromPort = r.FromPort;
  if (r.ToPort !== undefined) out.toPort = r.ToPort;
  if (r.CidrIpv4) out.cidrIpv4 = r.CidrIpv4;
  if (r.CidrIpv6) out.cidrIpv6 = r.CidrIpv6;
  if (r.PrefixListId) out.prefixListId = r.PrefixListId;
  if (r.ReferencedGroupInfo?.GroupId) out.referencedGroupId = r.ReferencedGroupInfo.GroupId;
  if (r.ReferencedGroupInfo?.UserId) out.referencedUserId = r.ReferencedGroupInfo.UserId;
  if (r.Description) out.description = r.Description;
  return out;
}

/** The IpPermission that recreates one rule. */
export function permissionOf(rule: Rule): IpPermission {
  const p: IpPermission = { IpProtocol: rule.protocol };
  if (rule.protocol !== '-1') {
    if (rule.fromPort !== undefined) p.FromPort = rule.fromPort;
    if (rule.toPort !== undefined) p.ToPort = rule.toPort;
  }
  const description = rule.description !== undefined ? { Description: rule.description } : {};
  if (rule.cidrIpv4) p.IpRanges = [{ CidrIp: rule.cidrIpv4, ...description }];
  if (rule.cidrIpv6) p.Ipv6Ranges = [{ CidrIpv6: rule.cidrIpv6, ...description }];
  if (rule.prefixListId) p.PrefixListIds = [{ PrefixListId: rule.prefixListId, ...description }];
  if (rule.referencedGroupId) {
    p.UserIdGroupPairs = [{ GroupId: rule.referencedGroupId, ...(rule.referencedUserId !== undefined && { UserId: rule.referencedUserId }), ...description }];
  }
  return p;
}

async function revoke(ec2: EC2Client, groupId: string, ruleIds: string[]): Promise<void> {
  try {
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: ruleIds }));
  } catch (error) {
    // One of them was revoked meanwhile: the whole call fails, so revoke the ones still there.
    if (awsErrorCode(error) !== 'InvalidSecurityGroupRuleId.NotFound') throw error;
    const still = await ingressRules(ec2, groupId);
    const left = ruleIds.filter((id) => still.has(id));
    if (left.length > 0) await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: left }));
  }
}

export const action: RemediationAction<Options> = {
  id: ID,
  title: 'Revoke internet-open ingress rules',
  description:
    'For each security group a sg-open-ingress finding names, revokes exactly the ingress rules that opened it to the internet, by ' +
    'security-group rule id (RevokeSecurityGroupIngress with SecurityGroupRuleIds), after recording each rule\'s full permission ' +
    '(protocol, ports, CIDR or prefix list or group, description) with DescribeSecurityGroupRules; a rule already revoked is skipped, ' +
    'and the group is described again to confirm. Other rules of the group are left alone, and rigwatch\'s own isolation groups are ' +
    'never touched. Needs ec2:DescribeSecurityGroupRules, ec2:RevokeSecurityGroupIngress, and for undo ' +
    'ec2:AuthorizeSecurityGroupIngress, which re-authorizes the same permissions (AWS gives them new rule ids).',
  permissions: [...CALLS, ...UNDO_CALLS].sort(),
  options,
  plan,
  /**
   * Reads the rules to revoke. On a re-run after an interrupted apply, a rule this step already
   * revoked reads as "already revoked" and undo does not restore it: rigwatch cannot tell it from a
   * rule someone else closed, and re-opening a port to the internet is the wrong way to err. The
   * runner keeps the first attempt's undo data, which has it.
   */
  async prepare(s, ctx) {
    const { groupId, ruleIds } = parseStepData(params, s.params, 'params', s);
    const current = await ingressRules(ctx.clients.ec2(s.resource.region), groupId);
    const rules = ruleIds.flatMap((id) => { const r = current.get(id); return r ? [ruleOf(r)] : []; });
    return { rules, alreadyRevoked: ruleIds.filter((id) => !current.has(id)) };
  },
  async apply(s, undo, ctx): Promise<StepOutcome> {
    const { groupId } = parseStepData(params, s.params, 'params', s);
    const u = parseStepData(undoSchema, undo, 'undo data', s);
    if (u.rules.length === 0) return done(`the rules were already revoked: ${u.alreadyRevoked.join(', ')}`);
    const ec2 = ctx.clients.ec2(s.resource.region);
    const ids = u.rules.map((r) => r.ruleId);
    await revoke(ec2, groupId, ids);
    const still = [...(await ingressRules(ec2, groupId)).keys()].filter((id) => ids.includes(id));
    if (still.length > 0) throw new Error(`${groupId}: ${still.join(', ')} still present after RevokeSecurityGroupIngress`);
    const already = u.alreadyRevoked.length > 0 ? ` (${plural(u.alreadyRevoked.length, 'rule')} already revoked)` : '';
    return done(`revoked ${ids.join(', ')}${already}`);
  },
  async undo(s, undo, ctx): Promise<StepOutcome> {
    const { groupId } = parseStepData(params, s.params, 'params', s);
    const u = parseStepData(undoSchema, undo, 'undo data', s);
    if (u.rules.length === 0) return skipped('nothing was revoked');
    const ec2 = ctx.clients.ec2(s.resource.region);
    let restored = 0;
    for (const rule of u.rules) {
      // One call per rule: a permission that exists again answers Duplicate and must not block the others.
      const out = await unless(['InvalidPermission.Duplicate'], () =>
        ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [permissionOf(rule)] })));
      if (out) restored++;
    }
    return done(`re-authorized ${plural(restored, 'rule')}${restored < u.rules.length ? ` (${u.rules.length - restored} already present)` : ''}`);
  },
  irreversible: 'The re-authorized rules have the same permissions and descriptions but new security-group rule ids.',
};
