// The mutelist, in the manner of Prowler's: rules in config that mute findings an account has
// accepted (a bastion's SSH, a CI fleet's nightly launches), each with a reason and an expiry.
// A rule names any of account, detector, region, resource and tags (globs: * and ?); a finding
// is muted when every field the rule gives matches. A resource or tag condition must hold for
// EVERY resource of the finding: muting one bastion never hides a miner next to it.

import { z } from 'zod';
import type { Finding, ResourceRef } from '../detectors/types.js';
import type { AuditData } from '../providers/types.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

export const muteRuleSchema = z.strictObject({
  account: z.string().min(1).optional(),
  detector: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  /** A resource id or ARN glob: sg-0abc*, i-*, arn:aws:iam::*:user/ci-* */
  resource: z.string().min(1).optional(),
  /** Tags every resource of the finding carries (value globs). */
  tags: z.record(z.string(), z.string()).optional(),
  reason: z.string().min(1, 'a mute needs a reason'),
  /** YYYY-MM-DD or an ISO instant; the rule stops muting after it. */
  expires: z.string().regex(ISO_DATE, 'not a YYYY-MM-DD date or ISO-8601 instant').optional(),
}).refine((r) => r.account ?? r.detector ?? r.region ?? r.resource ?? r.tags, { message: 'a mute rule must name at least one of account, detector, region, resource, tags' });

export type MuteRule = z.infer<typeof muteRuleSchema>;
export const mutelistSchema = z.array(muteRuleSchema);

/** `*` any run of characters, `?` one; everything else literal; case-sensitive as AWS ids are. */
export function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
  return re.test(value);
}

/** End of the expiry: a bare date lasts the whole day (UTC). */
export function expiresAt(expires: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(expires) ? Date.parse(`${expires}T23:59:59.999Z`) : Date.parse(expires);
}

export type TagLookup = (ref: ResourceRef, finding: Finding) => Record<string, string> | undefined;

/** Tags of instances, security groups, IAM users and roles, from what the audit collected. */
export function tagLookup(data: AuditData): TagLookup {
  const byKey = new Map<string, Record<string, string>>();
  for (const i of data.ec2.instances) byKey.set(`AWS::EC2::Instance|${i.id}`, i.tags);
  for (const g of data.ec2.securityGroups) byKey.set(`AWS::EC2::SecurityGroup|${g.id}`, g.tags);
  for (const u of data.iam.users) {
    byKey.set(`AWS::IAM::User|${u.name}`, u.tags);
    byKey.set(`AWS::IAM::User|${u.arn}`, u.tags);
  }
  for (const r of data.iam.roles) {
    byKey.set(`AWS::IAM::Role|${r.name}`, r.tags);
    byKey.set(`AWS::IAM::Role|${r.arn}`, r.tags);
  }
  return (ref) => byKey.get(`${ref.type}|${ref.id}`);
}

/** The first rule (and its index) muting `finding` at `now`, if any. */
export function mutingRule(rules: readonly MuteRule[], finding: Finding, now: number, tags: TagLookup): { rule: MuteRule; index: number } | undefined {
  for (const [index, rule] of rules.entries()) {
    if (rule.expires !== undefined && expiresAt(rule.expires) < now) continue;
    if (rule.account !== undefined && !globMatch(rule.account, finding.account)) continue;
    if (rule.detector !== undefined && !globMatch(rule.detector, finding.detector)) continue;
    if (rule.region !== undefined && !globMatch(rule.region, finding.region)) continue;
    if (rule.resource !== undefined || rule.tags !== undefined) {
      if (finding.resources.length === 0) continue;
      const all = finding.resources.every((ref) => {
        if (rule.resource !== undefined && !globMatch(rule.resource, ref.id)) return false;
        if (rule.tags === undefined) return true;
        const have = tags(ref, finding) ?? {};
        return Object.entries(rule.tags).every(([k, v]) => have[k] !== undefined && globMatch(v, have[k]));
      });
      if (!all) continue;
    }
    return { rule, index };
  }
  return undefined;
}
