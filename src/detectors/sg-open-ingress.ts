// sg-open-ingress: security groups that let the internet in on every port, on admin ports or on
// mining-pool ports, and the API calls that opened them. Attackers open SSH/RDP to the world to
// keep access to the miners they run, and pool proxies listen on the pool ports; a rule opened in
// the audit window by an API call is worse than one that has stood for months. One finding per
// group: a responder closes a group, and an attacker opens its ports together.

import { z } from 'zod';
import type { AuditData, CloudTrailRecord, SecurityGroup } from '../providers/types.js';
import { findingId } from '../domain/finding-id.js';
import { TAG_ISOLATION } from '../domain/rigwatch-tags.js';
import { SEVERITIES, SEVERITY_RANK, type Detector, type Finding, type ResourceRef, type Severity } from './types.js';
import { actorOf, credentialRemediations, distinct, findingActor, isAwsSourceAddress, windowEvents, type RecordActor } from './lib/cloudtrail.js';
import { CORRELATION_EVENTS, alsoDid, actorActivity, type ActorActivity } from './lib/correlation.js';
import { sourceFailed } from './lib/coverage.js';
import { bounded, enabledOption, lowerSeverity, maxSeverity, type Remediation } from './lib/finding.js';
import { INGRESS_EVENTS, ingressOpened } from './lib/ingress.js';
import { MINING_PORTS } from './lib/mining.js';
import { expandPorts, isInternetCidr, opensAllPorts, portsOpened } from './lib/network.js';
import { eventTimeMs, iso } from './lib/time.js';

const portList = z.array(z.union([z.number().int().min(0).max(65535), z.string().regex(/^\d+(-\d+)?$/)]));

const options = z.object({
  enabled: enabledOption,
  adminPorts: portList.default([22, 3389, 23, 5900, 5985, 5986, 2375, 2376, 6379, 9200, 27017, 3306, 5432, 1433, 11211])
    .describe('Remote-administration and database ports that must not face the internet (numbers or "from-to" ranges).'),
  miningPorts: portList.default([...MINING_PORTS])
    .describe('Ports mining pools and stratum proxies listen on (AWS-FACTS.md); numbers or "from-to" ranges.'),
  webPorts: portList.default([80, 443])
    .describe('Ports a web server legitimately opens to the world.'),
  webPortsSeverity: z.enum(['ignore', ...SEVERITIES]).default('ignore')
    .describe('What a rule opening only web ports to the internet reports as: "ignore" (no finding) or a severity.'),
  internetPrefixLength: z.number().int().min(0).max(32).default(0)
    .describe('Public CIDRs with a prefix this short or shorter count as the internet; 0 means only 0.0.0.0/0 and ::/0.'),
}).strict();

export type Options = z.infer<typeof options>;

type Exposure = 'all-ports' | 'admin-ports' | 'mining-ports' | 'web-ports';

interface Rule {
  groupId: string;
  region: string;
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidr: string;
  ruleId?: string;
  description?: string;
}

interface Judged {
  rule: Rule;
  exposures: Exposure[];
  ports: { admin: number[]; mining: number[] };
  current: boolean;
  calls: CloudTrailRecord[];
}

/** Identifies a rule by what it allows, so a current rule and the call that created it meet. */
function ruleKey(r: Pick<Rule, 'groupId' | 'protocol' | 'fromPort' | 'toPort' | 'cidr'>): string {
  const protocol = r.protocol.toLowerCase() === 'all' ? '-1' : r.protocol.toLowerCase();
  const ports = protocol === '-1' ? '*' : `${r.fromPort ?? '*'}-${r.toPort ?? '*'}`;
  return [r.groupId, protocol, ports, r.cidr].join('|');
}

/** A rule that lets the internet in, judged: what it exposes, who opened it and how bad it is. */
interface Verdict extends Judged {
  severity: Severity;
  /** Who made each of `calls`. */
  actors: RecordActor[];
  /** What the rule's actor did besides opening ingress ("launched-instances"). */
  did: string[];
}

/** A rule's ports for the title: "22", "1000-5000", "all ports"; its protocol when it has no ports. */
function portLabel(r: Rule): string {
  if (opensAllPorts(r.protocol, r.fromPort, r.toPort)) return 'all ports';
  if (r.fromPort === undefined || r.fromPort === -1) return r.protocol;
  return r.fromPort === r.toPort || r.toPort === undefined ? `${r.fromPort}` : `${r.fromPort}-${r.toPort}`;
}

/** The title's port list: "tcp 22, 3333, 14444", "all ports", "tcp 22; udp 53". */
function describePorts(rules: readonly Rule[]): string {
  if (rules.some((r) => opensAllPorts(r.protocol, r.fromPort, r.toPort))) return 'all ports';
  const byProtocol = new Map<string, string[]>();
  for (const r of rules) {
    const ports = byProtocol.get(r.protocol) ?? [];
    const label = portLabel(r);
    if (label !== r.protocol && !ports.includes(label)) ports.push(label);
    byProtocol.set(r.protocol, ports);
  }
  return [...byProtocol].map(([protocol, ports]) => (ports.length > 0 ? `${protocol} ${ports.join(', ')}` : protocol)).join('; ');
}

/** The part of an ARN after its fifth colon (user/ops-deploy, role/deploy); anything else whole. */
function shortArn(arn: string): string {
  const parts = arn.split(':');
  return parts.length > 5 ? parts.slice(5).join(':') : arn;
}

const byPort = (a: Verdict, b: Verdict): number =>
  a.rule.protocol.localeCompare(b.rule.protocol) || (a.rule.fromPort ?? -1) - (b.rule.fromPort ?? -1) ||
  (a.rule.toPort ?? -1) - (b.rule.toPort ?? -1) || a.rule.cidr.localeCompare(b.rule.cidr);

interface GroupContext {
  /** Instances (not terminated) the group is attached to. */
  instances: string[];
  /** Whether EC2 answered for the group's region, so "attached to nothing" can be believed. */
  ec2Answered: boolean;
  /** rigwatch's transit isolation group: all traffic in and out for the seconds of a swap. */
  rigwatchTransit: boolean;
}

/** One rule's verdict, or undefined when it exposes nothing or only web ports that are ignored. */
function judgeRule(entry: Judged, o: Options, activity: ActorActivity, group: GroupContext): Verdict | undefined {
  const { exposures, calls } = entry;
  if (exposures.length === 0) return undefined;
  calls.sort((a, b) => eventTimeMs(a) - eventTimeMs(b));
  const actors = calls.map(actorOf);
  const actor = findingActor(actors);
  // Opening ingress is this finding itself; what matters besides is whether the actor launched instances.
  const did = actor ? alsoDid(activity, actor).filter((d) => d !== 'opened-ingress') : [];

  let severity: Severity;
  if (exposures.includes('web-ports') && exposures.length === 1) {
    if (o.webPortsSeverity === 'ignore') return undefined;
    severity = o.webPortsSeverity;
  } else {
    // A long-standing rule is exposure (high for every port, medium for admin or pool ports);
    // opened by an API call in the window it is an act (one level up), and critical when the
    // same actor also launched instances: the brief's attacker opening a door to the miners.
    severity = exposures.includes('all-ports') ? 'high' : 'medium';
    if (calls.length > 0) severity = did.includes('launched-instances') ? 'critical' : exposures.includes('all-ports') ? 'critical' : 'high';
    // Nothing runs behind a group attached to no instance, and a rule revoked since is closed.
    if (group.ec2Answered && group.instances.length === 0) severity = lowerSeverity(severity, 1, 'low');
    if (!entry.current) severity = lowerSeverity(severity, 1, 'low');
    // rigwatch's own transit group is open by design and only held instances for the seconds of a
    // quarantine swap; idle, it is information. Attached to anything, it is an exposure like any other.
    if (group.rigwatchTransit && group.ec2Answered && group.instances.length === 0) severity = 'info';
  }
  return { ...entry, severity, actors, did };
}

interface ActorSummary {
  arn: string;
  /** Rules this principal opened. */
  rules: number;
  records: RecordActor[];
  firstCall: number;
}

/** The principals that opened a group's rules, the one that opened the most first. */
function openers(rules: readonly Verdict[]): ActorSummary[] {
  const byArn = new Map<string, ActorSummary>();
  for (const r of rules) {
    r.actors.forEach((a, k) => {
      const summary = byArn.get(a.arn) ?? { arn: a.arn, rules: 0, records: [], firstCall: Infinity };
      summary.records.push(a);
      summary.firstCall = Math.min(summary.firstCall, eventTimeMs(r.calls[k] as CloudTrailRecord));
      byArn.set(a.arn, summary);
    });
    for (const arn of distinct(r.actors.map((a) => a.arn))) (byArn.get(arn) as ActorSummary).rules++;
  }
  return [...byArn.values()].sort((a, b) => b.rules - a.rules || a.firstCall - b.firstCall || a.arn.localeCompare(b.arn));
}

function detect(data: AuditData, o: Options): Finding[] {
  const admin = expandPorts(o.adminPorts);
  const mining = expandPorts(o.miningPorts);
  const web = expandPorts(o.webPorts);
  const classify = (r: Rule): Pick<Judged, 'exposures' | 'ports'> => {
    const ports = { admin: portsOpened(admin, r.protocol, r.fromPort, r.toPort), mining: portsOpened(mining, r.protocol, r.fromPort, r.toPort) };
    const exposures: Exposure[] = [];
    if (opensAllPorts(r.protocol, r.fromPort, r.toPort)) exposures.push('all-ports');
    else {
      if (ports.admin.length > 0) exposures.push('admin-ports');
      if (ports.mining.length > 0) exposures.push('mining-ports');
      if (exposures.length === 0 && portsOpened(web, r.protocol, r.fromPort, r.toPort).length > 0) exposures.push('web-ports');
    }
    return { exposures, ports };
  };

  const judged = new Map<string, Judged>();
  const byRuleId = new Map<string, Judged>();
  const groups = new Map<string, SecurityGroup>();
  const egressRuleIds = new Set<string>();
  for (const group of data.ec2.securityGroups) {
    groups.set(group.id, group);
    for (const r of group.rules) {
      if (r.isEgress) {
        egressRuleIds.add(r.ruleId);
        continue;
      }
      const cidr = r.cidrIpv4 ?? r.cidrIpv6;
      if (!cidr || !isInternetCidr(cidr, o.internetPrefixLength)) continue;
      const rule: Rule = { groupId: group.id, region: group.region, protocol: r.protocol, cidr, ruleId: r.ruleId };
      if (r.fromPort !== undefined) rule.fromPort = r.fromPort;
      if (r.toPort !== undefined) rule.toPort = r.toPort;
      if (r.description) rule.description = r.description;
      const entry: Judged = { rule, ...classify(rule), current: true, calls: [] };
      judged.set(ruleKey(rule), entry);
      byRuleId.set(r.ruleId, entry);
    }
  }

  for (const record of windowEvents(data, INGRESS_EVENTS)) {
    for (const opened of ingressOpened(record)) {
      if (!isInternetCidr(opened.cidr, o.internetPrefixLength) || (opened.ruleId && egressRuleIds.has(opened.ruleId))) continue;
      const rule: Rule = { ...opened, region: record.awsRegion };
      const key = ruleKey(rule);
      let entry = (opened.ruleId ? byRuleId.get(opened.ruleId) : undefined) ?? judged.get(key);
      if (!entry) {
        entry = { rule, ...classify(rule), current: false, calls: [] };
        judged.set(key, entry);
      }
      entry.calls.push(record);
    }
  }

  const attached = new Map<string, string[]>();
  for (const i of data.ec2.instances) {
    if (i.state === 'terminated') continue;
    for (const g of i.securityGroups) attached.set(g.id, [...(attached.get(g.id) ?? []), i.id]);
  }
  const activity = actorActivity(data);

  const byGroup = new Map<string, { region: string; groupId: string; rules: Verdict[] }>();
  for (const entry of judged.values()) {
    const { region, groupId } = entry.rule;
    const context = {
      instances: attached.get(groupId) ?? [],
      ec2Answered: !sourceFailed(data, 'ec2', region),
      rigwatchTransit: groups.get(groupId)?.tags[TAG_ISOLATION] === 'open',
    };
    const verdict = judgeRule(entry, o, activity, context);
    if (!verdict) continue;
    const key = `${region}\u0000${groupId}`;
    const group = byGroup.get(key) ?? { region, groupId, rules: [] };
    group.rules.push(verdict);
    byGroup.set(key, group);
  }

  const findings: Finding[] = [];
  for (const { region, groupId, rules } of byGroup.values()) {
    rules.sort(byPort);
    const group = groups.get(groupId);
    const instances = attached.get(groupId) ?? [];
    const calls = rules.flatMap((r) => r.calls);
    const times = calls.map(eventTimeMs);
    const opened = openers(rules);
    const main = opened[0];
    const actor = main ? findingActor(main.records) : undefined;
    const did = actor ? alsoDid(activity, actor).filter((d) => d !== 'opened-ingress') : [];
    const openedBy = main ? ` — opened by ${shortArn(main.arn)}${opened.length > 1 ? ` and ${opened.length - 1} other${opened.length > 2 ? 's' : ''}` : ''}` : '';

    const resources: ResourceRef[] = [{ type: 'AWS::EC2::SecurityGroup', id: groupId, region }];
    for (const r of rules) if (r.rule.ruleId) resources.push({ type: 'AWS::EC2::SecurityGroupRule', id: r.rule.ruleId, region });
    resources.push(...instances.map((id) => ({ type: 'AWS::EC2::Instance', id, region })));
    const severity = maxSeverity(rules.map((r) => r.severity));
    // Cutting off the opener's credentials is for a door worth worrying about, not a low or info one.
    const remediations: Remediation[] = [
      ...(rules.some((r) => r.current) ? ['revoke-ingress' as const] : []),
      ...(SEVERITY_RANK[severity] >= SEVERITY_RANK.medium ? credentialRemediations(actor) : []),
    ];

    findings.push({
      id: findingId('sg-open-ingress', data.account.id, region, groupId),
      detector: 'sg-open-ingress',
      severity,
      title: `${groupId}${group ? ` (${group.name})` : ''} open to the internet on ${describePorts(rules.map((r) => r.rule))}` + openedBy,
      account: data.account.id,
      region,
      resources,
      ...(actor ? { actor } : {}),
      ...(times.length > 0 ? { firstSeen: iso(Math.min(...times)), lastSeen: iso(Math.max(...times)) } : {}),
      evidence: {
        groupId,
        groupName: group?.name,
        vpcId: group?.vpcId,
        ruleCount: rules.length,
        exposures: distinct(rules.flatMap((r) => r.exposures)),
        adminPorts: bounded([...new Set(rules.flatMap((r) => r.ports.admin))].sort((a, b) => a - b)),
        miningPorts: bounded([...new Set(rules.flatMap((r) => r.ports.mining))].sort((a, b) => a - b)),
        currentlyOpen: rules.some((r) => r.current),
        openedInWindow: calls.length > 0,
        actors: bounded(opened.map((a) => ({
          principal: a.arn,
          rules: a.rules,
          accessKeyIds: distinct(a.records.map((r) => r.accessKeyId)),
          sourceIPs: bounded(distinct(a.records.map((r) => r.sourceIP).filter((ip) => !isAwsSourceAddress(ip)))),
        }))),
        actorAlso: did,
        attachedInstances: instances.length,
        instanceIds: bounded(instances),
        rules: bounded(rules.map((r) => ({
          ruleId: r.rule.ruleId,
          protocol: r.rule.protocol,
          fromPort: r.rule.fromPort,
          toPort: r.rule.toPort,
          cidr: r.rule.cidr,
          description: r.rule.description,
          exposures: r.exposures,
          adminPorts: bounded(r.ports.admin),
          miningPorts: bounded(r.ports.mining),
          severity: r.severity,
          currentlyOpen: r.current,
          openedBy: bounded(r.calls.map((call, k) => ({
            eventId: call.eventID,
            eventName: call.eventName,
            eventTime: call.eventTime,
            principal: r.actors[k]?.arn,
            accessKeyId: r.actors[k]?.accessKeyId,
            sourceIP: r.actors[k]?.sourceIP,
            userAgent: r.actors[k]?.userAgent,
          }))),
          actorAlso: r.did,
        }))),
      },
      remediations,
    });
  }
  return findings;
}

export const detector: Detector<Options> = {
  meta: {
    id: 'sg-open-ingress',
    title: 'Security group open to the internet',
    description:
      'Security groups with ingress rules from 0.0.0.0/0 or ::/0 on all ports, on admin ports (SSH, RDP, VNC, Docker, Redis, Elasticsearch, ' +
      'MongoDB ...) or on mining-pool ports, from the current rules and from AuthorizeSecurityGroupIngress / ModifySecurityGroupRules calls in ' +
      'the window, with the call that opened each rule. One finding per group, as severe as its worst rule, naming the principal that opened ' +
      'the most of them. Web ports 80/443 and private CIDRs are not flagged by default; groups attached to no instance rank lower.',
    docs: 'docs/detectors.md#sg-open-ingress',
    sources: ['ec2', 'cloudtrail'],
    cloudtrailEvents: CORRELATION_EVENTS,
  },
  options,
  detect,
};
