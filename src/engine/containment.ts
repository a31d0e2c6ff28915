// How much of a finding is contained now, read from the account as the audit collected it: its
// instances isolated in rigwatch's closed group or stopped, its internet-open rules gone, its
// access keys inactive, its principals under a rigwatch quarantine policy. A re-audit after
// `rigwatch remediate --apply` shows the incident contained without hiding what happened.

import type { Finding } from '../detectors/types.js';
import { QUARANTINE_POLICY_PREFIX, TAG_ISOLATION } from '../domain/rigwatch-tags.js';
import type { AuditData } from '../providers/types.js';

export interface Containment {
  state: 'contained' | 'partial' | 'open';
  /** Containable resources of the finding that are contained now, of `total`. */
  contained: number;
  total: number;
}

type Judge = (id: string) => boolean;

function judges(data: AuditData): Record<string, Judge> {
  const closedGroups = new Set(data.ec2.securityGroups.filter((g) => g.tags[TAG_ISOLATION] === 'closed').map((g) => g.id));
  const instances = new Map(data.ec2.instances.map((i) => [i.id, i]));
  const rules = new Set(data.ec2.securityGroups.flatMap((g) => g.rules.map((r) => r.ruleId)));
  const keys = new Map(data.iam.users.flatMap((u) => u.accessKeys.map((k) => [k.id, k.status] as const)));
  const quarantined = (policies: string[]) => policies.some((p) => p.startsWith(QUARANTINE_POLICY_PREFIX));
  const users = new Map(data.iam.users.map((u) => [u.name, quarantined(u.inlinePolicyNames)]));
  const roles = new Map(data.iam.roles.map((r) => [r.name, quarantined(r.inlinePolicyNames)]));
  return {
    'AWS::EC2::Instance': (id) => {
      const i = instances.get(id);
      if (!i || ['stopped', 'stopping', 'terminated', 'shutting-down'].includes(i.state)) return true;
      return i.securityGroups.length > 0 && i.securityGroups.every((g) => closedGroups.has(g.id));
    },
    'AWS::EC2::SecurityGroupRule': (id) => !rules.has(id),
    'AWS::IAM::AccessKey': (id) => keys.get(id) !== 'Active',
    'AWS::IAM::User': (name) => users.get(name) ?? false,
    'AWS::IAM::Role': (name) => roles.get(name) ?? false,
  };
}

/** Each finding's containment, or none for findings with nothing containable (a bill, a trail, information). */
export function annotateContainment(findings: Finding[], data: AuditData): Finding[] {
  const judge = judges(data);
  return findings.map((f) => {
    if (f.severity === 'info') return f;
    let total = 0;
    let contained = 0;
    for (const r of f.resources) {
      const isContained = judge[r.type];
      if (!isContained) continue;
      total += 1;
      if (isContained(r.id)) contained += 1;
    }
    if (total === 0) return f;
    const state = contained === total ? 'contained' : contained === 0 ? 'open' : 'partial';
    return { ...f, containment: { state, contained, total } };
  });
}
