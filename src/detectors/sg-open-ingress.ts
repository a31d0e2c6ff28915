// sg-open-ingress: security groups that let the internet in on every port, on admin ports or on
// mining-pool ports, and the API call that opened them. Attackers open SSH/RDP to the world to
// keep access to the miners they run, and pool proxies listen on the pool ports; a rule opened in
// the audit window by an API call is worse than one that has stood for months.

import { z } from 'zod';
import type { AuditData, CloudTrailRecord, SecurityGroup } from '../providers/types.js';
import { findingId } from '../domain/finding-id.js';
import { SEVERITIES, type Detector, type Finding, type ResourceRef, type Severity } from './types.js';
import { actorOf, findingActor, windowEvents } from './lib/cloudtrail.js';
import { CORRELATION_EVENTS, alsoDid, actorActivity } from './lib/correlation.js';
import { sourceFailed } from './lib/coverage.js';
import { bounded, enabledOption, lowerSeverity } from './lib/finding.js';
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

function describePorts(r: Rule): string {
  if (opensAllPorts(r.protocol, r.fromPort, r.toPort)) return 'all ports';
  const range = r.fromPort === r.toPort ? `${r.fromPort}` : `${r.fromPort}-${r.toPort}`;
  return `${r.protocol} ${range}`;
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

  const findings: Finding[] = [];
  for (const entry of judged.values()) {
    const { rule, exposures, calls } = entry;
    if (exposures.length === 0) continue;
    const instances = attached.get(rule.groupId) ?? [];
    calls.sort((a, b) => eventTimeMs(a) - eventTimeMs(b));
    const actors = calls.map(actorOf);
    const actor = findingActor(actors);
    // Opening ingress is this finding itself; what matters besides is whether the actor launched instances.
    const did = actor ? alsoDid(activity, actor).filter((d) => d !== 'opened-ingress') : [];

    let severity: Severity;
    if (exposures.includes('web-ports') && exposures.length === 1) {
      if (o.webPortsSeverity === 'ignore') continue;
      severity = o.webPortsSeverity;
    } else {
      // A long-standing rule is exposure (high for every port, medium for admin or pool ports);
      // opened by an API call in the window it is an act (one level up), and critical when the
      // same actor also launched instances: the brief's attacker opening a door to the miners.
      severity = exposures.includes('all-ports') ? 'high' : 'medium';
      if (calls.length > 0) severity = did.includes('launched-instances') ? 'critical' : exposures.includes('all-ports') ? 'critical' : 'high';
      // Nothing runs behind a group attached to no instance, and a rule revoked since is closed.
      if (!sourceFailed(data, 'ec2', rule.region) && instances.length === 0) severity = lowerSeverity(severity, 1, 'low');
      if (!entry.current) severity = lowerSeverity(severity, 1, 'low');
    }

    const group = groups.get(rule.groupId);
    const times = calls.map(eventTimeMs);
    const resources: ResourceRef[] = [{ type: 'AWS::EC2::SecurityGroup', id: rule.groupId, region: rule.region }];
    if (rule.ruleId) resources.push({ type: 'AWS::EC2::SecurityGroupIngress', id: rule.ruleId, region: rule.region });
    resources.push(...instances.map((id) => ({ type: 'AWS::EC2::Instance', id, region: rule.region })));
    findings.push({
      id: findingId('sg-open-ingress', data.account.id, rule.region, rule.groupId, ruleKey(rule)),
      detector: 'sg-open-ingress',
      severity,
      title: `${rule.groupId}${group ? ` (${group.name})` : ''} open to ${rule.cidr} on ${describePorts(rule)} (${exposures.join(', ')})` +
        (calls.length > 0 ? `, opened by ${actor?.arn ?? 'an API call'}` : ''),
      account: data.account.id,
      region: rule.region,
      resources,
      ...(actor ? { actor } : {}),
      ...(times.length > 0 ? { firstSeen: iso(Math.min(...times)), lastSeen: iso(Math.max(...times)) } : {}),
      evidence: {
        groupId: rule.groupId,
        groupName: group?.name,
        vpcId: group?.vpcId,
        rule: { ruleId: rule.ruleId, protocol: rule.protocol, fromPort: rule.fromPort, toPort: rule.toPort, cidr: rule.cidr, description: rule.description },
        exposures,
        adminPorts: bounded(entry.ports.admin),
        miningPorts: bounded(entry.ports.mining),
        currentlyOpen: entry.current,
        openedInWindow: calls.length > 0,
        openedBy: bounded(calls.map((r, k) => ({
          eventId: r.eventID,
          eventName: r.eventName,
          eventTime: r.eventTime,
          principal: actors[k]?.arn,
          accessKeyId: actors[k]?.accessKeyId,
          sourceIP: actors[k]?.sourceIP,
          userAgent: actors[k]?.userAgent,
        }))),
        actorAlso: did,
        attachedInstances: instances.length,
        instanceIds: bounded(instances),
      },
      remediations: entry.current ? ['revoke-ingress'] : [],
    });
  }
  return findings;
}

export const detector: Detector<Options> = {
  meta: {
    id: 'sg-open-ingress',
    title: 'Security group open to the internet',
    description:
      'Ingress rules from 0.0.0.0/0 or ::/0 on all ports, on admin ports (SSH, RDP, VNC, Docker, Redis, Elasticsearch, MongoDB ...) or on ' +
      'mining-pool ports, from the current rules and from AuthorizeSecurityGroupIngress / ModifySecurityGroupRules calls in the window, ' +
      'with the call that opened each rule. Web ports 80/443 and private CIDRs are not flagged by default; groups attached to no instance rank lower.',
    docs: 'docs/detectors.md#sg-open-ingress',
    sources: ['ec2', 'cloudtrail'],
    cloudtrailEvents: CORRELATION_EVENTS,
  },
  options,
  detect,
};
