// The ingress that an AuthorizeSecurityGroupIngress or ModifySecurityGroupRules call opened, read
// from its CloudTrail record. AuthorizeSecurityGroupIngress logs
// `requestParameters.ipPermissions.items[]` (ipRanges / ipv6Ranges items) or the legacy flat
// cidrIp/ipProtocol/fromPort/toPort, and the created rule ids in
// `responseElements.securityGroupRuleSet.items[]`; ModifySecurityGroupRules logs
// `requestParameters.ModifySecurityGroupRulesRequest.{GroupId, SecurityGroupRule}`.

import type { CloudTrailRecord } from '../../providers/types.js';
import { field, list, num, str } from './json.js';

export const INGRESS_EVENTS = ['AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules'] as const;

export interface OpenedIngress {
  groupId: string;
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidr: string;
  ruleId?: string;
}

function opened(groupId: string, protocol: unknown, fromPort: unknown, toPort: unknown, cidr: string, ruleId?: string): OpenedIngress {
  const out: OpenedIngress = { groupId, protocol: String(protocol ?? '-1').toLowerCase(), cidr };
  const from = num(fromPort);
  const to = num(toPort);
  if (from !== undefined) out.fromPort = from;
  if (to !== undefined) out.toPort = to;
  if (ruleId) out.ruleId = ruleId;
  return out;
}

function fromAuthorize(record: CloudTrailRecord): OpenedIngress[] {
  const req = record.requestParameters;
  const groupId = str(field(req, 'groupId')) ?? str(field(req, 'groupName')) ?? 'unknown';
  const created = list(field(record.responseElements, 'securityGroupRuleSet')).filter((r) => field(r, 'isEgress') !== true);
  const ruleIdFor = (protocol: unknown, from: unknown, to: unknown, cidr: string): string | undefined =>
    str(field(created.find((r) =>
      String(field(r, 'ipProtocol')) === String(protocol) && num(field(r, 'fromPort')) === num(from) &&
      num(field(r, 'toPort')) === num(to) && (field(r, 'cidrIpv4') === cidr || field(r, 'cidrIpv6') === cidr)), 'securityGroupRuleId'));

  const out: OpenedIngress[] = [];
  for (const perm of list(field(req, 'ipPermissions'))) {
    const protocol = field(perm, 'ipProtocol');
    const from = field(perm, 'fromPort');
    const to = field(perm, 'toPort');
    const cidrs = [
      ...list(field(perm, 'ipRanges')).map((r) => str(field(r, 'cidrIp'))),
      ...list(field(perm, 'ipv6Ranges')).map((r) => str(field(r, 'cidrIpv6'))),
    ];
    for (const cidr of cidrs) if (cidr) out.push(opened(groupId, protocol, from, to, cidr, ruleIdFor(protocol, from, to, cidr)));
  }
  const legacyCidr = str(field(req, 'cidrIp'));
  if (legacyCidr) {
    const [protocol, from, to] = [field(req, 'ipProtocol'), field(req, 'fromPort'), field(req, 'toPort')];
    out.push(opened(groupId, protocol, from, to, legacyCidr, ruleIdFor(protocol, from, to, legacyCidr)));
  }
  return out;
}

function fromModify(record: CloudTrailRecord): OpenedIngress[] {
  const req = field(record.requestParameters, 'ModifySecurityGroupRulesRequest');
  const groupId = str(field(req, 'GroupId')) ?? 'unknown';
  const out: OpenedIngress[] = [];
  for (const update of list(field(req, 'SecurityGroupRule'))) {
    const rule = field(update, 'SecurityGroupRule');
    const cidr = str(field(rule, 'CidrIpv4')) ?? str(field(rule, 'CidrIpv6'));
    if (!cidr) continue;
    out.push(opened(groupId, field(rule, 'IpProtocol'), field(rule, 'FromPort'), field(rule, 'ToPort'), cidr, str(field(update, 'SecurityGroupRuleId'))));
  }
  return out;
}

/** What a successful ingress call opened (empty for other events; the caller checks success). */
export function ingressOpened(record: CloudTrailRecord): OpenedIngress[] {
  if (record.eventName === 'AuthorizeSecurityGroupIngress') return fromAuthorize(record);
  if (record.eventName === 'ModifySecurityGroupRules') return fromModify(record);
  return [];
}
