import { describe, expect, it } from 'vitest';
import { detector } from '../../src/detectors/sg-open-ingress.js';
import type { AuditData, SecurityGroup } from '../../src/providers/types.js';
import type { Finding } from '../../src/detectors/types.js';
import {
  authorizeIngress, emptyAccount, event, hoursAgo, iamUser, instance, iso, rule, run, runInstances, securityGroup,
 type DetectorCase } from './fixtures.js';

const ops = iamUser('ops', 'AKIAEXAMPLEOPS00001');

function account(groups: SecurityGroup[], o: { attach?: string[]; events?: AuditData['cloudtrail']['events'] } = {}): AuditData {
  const data = emptyAccount();
  data.ec2.securityGroups = groups;
  data.ec2.instances = [instance({ id: 'i-0000000000000web1', securityGroups: (o.attach ?? groups.map((g) => g.id)).map((id) => ({ id })) })];
  data.cloudtrail.events = o.events ?? [];
  return data;
}

const ssh = rule({ ruleId: 'sgr-0000000000000ssh', protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' });
const openedSsh = () => authorizeIngress({ time: hoursAgo(5), identity: ops, groupId: 'sg-ssh', from: 22, to: 22, cidr: '0.0.0.0/0', ruleId: 'sgr-0000000000000ssh', sourceIP: '185.220.101.45' });

interface RuleEvidence {
  ruleId?: string;
  fromPort?: number;
  exposures: string[];
  severity: string;
  openedBy: { eventId: string; eventName: string; principal: string }[];
}
const rulesOf = (f: Finding | undefined): RuleEvidence[] => (f?.evidence.rules as RuleEvidence[] | undefined) ?? [];

const dev = iamUser('dev', 'AKIAEXAMPLEDEV00001');
/** The demo's attacker group: SSH and two pool ports opened to the world, one call each. */
const pool = (by: (port: number) => typeof ops = () => ops) => ({
  group: securityGroup('sg-0abc', [22, 3333, 14444].map((port) => rule({ ruleId: `sgr-${String(port).padStart(17, '0')}`, fromPort: port, toPort: port, cidr: '0.0.0.0/0' })), { name: 'launch-wizard-1' }),
  events: [22, 3333, 14444].map((port, k) => authorizeIngress({
    time: hoursAgo(6 - k), identity: by(port), groupId: 'sg-0abc', from: port, to: port, cidr: '0.0.0.0/0', ruleId: `sgr-${String(port).padStart(17, '0')}`,
  })),
});

type Case = DetectorCase;

const cases: Case[] = [
  {
    name: 'attack: SSH opened to the world in the window by a stolen key',
    data: () => account([securityGroup('sg-ssh', [ssh], { name: 'ssh' })], { events: [openedSsh()] }),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      const f = findings[0] as Finding;
      expect(f.severity).toBe('high');
      expect(f.actor).toMatchObject({ arn: 'arn:aws:iam::111122223333:user/ops', accessKeyId: 'AKIAEXAMPLEOPS00001', sourceIPs: ['185.220.101.45'] });
      expect(f.title).toBe('sg-ssh (ssh) open to the internet on tcp 22 — opened by user/ops');
      expect(f.resources).toEqual([
        { type: 'AWS::EC2::SecurityGroup', id: 'sg-ssh', region: 'us-east-1' },
        { type: 'AWS::EC2::SecurityGroupRule', id: 'sgr-0000000000000ssh', region: 'us-east-1' },
        { type: 'AWS::EC2::Instance', id: 'i-0000000000000web1', region: 'us-east-1' },
      ]);
      expect(f.evidence).toMatchObject({ exposures: ['admin-ports'], adminPorts: [22], openedInWindow: true, currentlyOpen: true });
      expect(rulesOf(f)).toMatchObject([{ ruleId: 'sgr-0000000000000ssh', protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0', exposures: ['admin-ports'] }]);
      expect(rulesOf(f)[0]?.openedBy[0]).toMatchObject({ eventName: 'AuthorizeSecurityGroupIngress', principal: 'arn:aws:iam::111122223333:user/ops', sourceIP: '185.220.101.45' });
      expect(f.remediations).toEqual(['revoke-ingress', 'disable-access-key', 'revoke-sessions', 'quarantine-principal']);
    },
  },
  {
    name: 'attack: the same key also launched instances, so the opening is critical',
    data: () => account([securityGroup('sg-ssh', [ssh])], {
      events: [openedSsh(), runInstances({ time: hoursAgo(4), identity: ops, type: 'c5.4xlarge', count: 2 })],
    }),
    expect: (findings) => {
      expect(findings.map((f) => f.severity)).toEqual(['critical']);
      expect(findings[0]?.evidence.actorAlso).toEqual(['launched-instances']);
    },
  },
  {
    name: 'attack: SSH and two pool ports opened on one group are one finding listing every rule',
    data: () => account([pool().group], { events: pool().events }),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      const f = findings[0] as Finding;
      expect(f.title).toBe('sg-0abc (launch-wizard-1) open to the internet on tcp 22, 3333, 14444 — opened by user/ops');
      expect(f.severity).toBe('high');
      expect(rulesOf(f).map((r) => [r.fromPort, r.exposures, r.severity])).toEqual([
        [22, ['admin-ports'], 'high'], [3333, ['mining-ports'], 'high'], [14444, ['mining-ports'], 'high'],
      ]);
      expect(f.resources.map((r) => `${r.type} ${r.id}`)).toEqual([
        'AWS::EC2::SecurityGroup sg-0abc',
        'AWS::EC2::SecurityGroupRule sgr-00000000000000022',
        'AWS::EC2::SecurityGroupRule sgr-00000000000003333',
        'AWS::EC2::SecurityGroupRule sgr-00000000000014444',
        'AWS::EC2::Instance i-0000000000000web1',
      ]);
      expect(f.evidence).toMatchObject({ ruleCount: 3, exposures: ['admin-ports', 'mining-ports'], adminPorts: [22], miningPorts: [3333, 14444] });
      expect(f.firstSeen).toBe(iso(hoursAgo(6)));
      expect(f.lastSeen).toBe(iso(hoursAgo(4)));
    },
  },
  {
    name: 'a group opened by two principals names the one that opened more rules, and lists both',
    data: () => account([pool().group], { events: pool((port) => (port === 14444 ? dev : ops)).events }),
    expect: (findings) => {
      const f = findings[0] as Finding;
      expect(f.actor?.arn).toBe('arn:aws:iam::111122223333:user/ops');
      expect(f.title).toMatch(/— opened by user\/ops and 1 other$/);
      expect(f.evidence.actors).toEqual([
        { principal: 'arn:aws:iam::111122223333:user/ops', rules: 2, accessKeyIds: ['AKIAEXAMPLEOPS00001'], sourceIPs: ['198.51.100.10'] },
        { principal: 'arn:aws:iam::111122223333:user/dev', rules: 1, accessKeyIds: ['AKIAEXAMPLEDEV00001'], sourceIPs: ['198.51.100.10'] },
      ]);
    },
  },
  {
    name: 'the group is as severe as its worst rule',
    data: () => account([securityGroup('sg-mixed', [ssh, rule({ protocol: '-1', cidr: '::/0' })])]),
    expect: (findings) => {
      expect(findings.map((f) => f.severity)).toEqual(['high']);
      expect(rulesOf(findings[0]).map((r) => [r.exposures, r.severity])).toEqual([[['all-ports'], 'high'], [['admin-ports'], 'medium']]);
      expect(findings[0]?.title).toBe('sg-mixed (sg-mixed) open to the internet on all ports');
    },
  },
  {
    name: 'a group with an admin rule and a web rule lists only the admin rule',
    data: () => account([securityGroup('sg-web', [rule({ ruleId: 'sgr-000000000000https', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' }), ssh])]),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect(rulesOf(findings[0]).map((r) => r.ruleId)).toEqual(['sgr-0000000000000ssh']);
      expect(findings[0]?.resources.map((r) => r.id)).not.toContain('sgr-000000000000https');
      expect(findings[0]?.title).toBe('sg-web (sg-web) open to the internet on tcp 22');
    },
  },
  {
    name: 'two groups are two findings',
    data: () => account([securityGroup('sg-ssh', [ssh]), pool().group], { events: pool().events }),
    expect: (findings) => {
      expect(findings.map((f) => [f.evidence.groupId, f.evidence.ruleCount]).sort()).toEqual([['sg-0abc', 3], ['sg-ssh', 1]]);
      expect(new Set(findings.map((f) => f.id)).size).toBe(2);
    },
  },
  {
    name: 'a long-standing SSH rule to the world is medium, with no actor',
    data: () => account([securityGroup('sg-ssh', [ssh])]),
    expect: (findings) => {
      expect(findings.map((f) => f.severity)).toEqual(['medium']);
      expect(findings[0]?.actor).toBeUndefined();
      expect(findings[0]?.evidence.openedInWindow).toBe(false);
      expect(findings[0]?.title).not.toContain('opened by');
      expect(findings[0]?.remediations).toEqual(['revoke-ingress']);
    },
  },
  {
    name: 'every protocol and port open to the world is high',
    data: () => account([securityGroup('sg-all', [rule({ protocol: '-1', cidr: '0.0.0.0/0' })])]),
    expect: (findings) => {
      expect(findings.map((f) => [f.severity, f.evidence.exposures])).toEqual([['high', ['all-ports']]]);
    },
  },
  {
    name: 'a mining-pool port opened in the window',
    data: () => account([securityGroup('sg-pool', [rule({ fromPort: 3333, toPort: 3333, cidr: '0.0.0.0/0' })])], {
      events: [authorizeIngress({ time: hoursAgo(2), identity: ops, groupId: 'sg-pool', from: 3333, to: 3333, cidr: '0.0.0.0/0' })],
    }),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect(findings[0]?.severity).toBe('high');
      expect(findings[0]?.evidence).toMatchObject({ exposures: ['mining-ports'], miningPorts: [3333], openedInWindow: true });
    },
  },
  {
    name: 'a wide range exposes both admin and pool ports',
    data: () => account([securityGroup('sg-range', [rule({ fromPort: 1000, toPort: 5000, cidr: '0.0.0.0/0' })])]),
    expect: (findings) => {
      expect(findings[0]?.evidence.exposures).toEqual(['admin-ports', 'mining-ports']);
      expect(findings[0]?.evidence.adminPorts).toEqual([1433, 2375, 2376, 3306, 3389]);
      expect(findings[0]?.evidence.miningPorts).toEqual([3333, 3334, 3335, 3336, 3357, 4444]);
    },
  },
  {
    name: 'RDP open to ::/0 counts as the internet',
    data: () => account([securityGroup('sg-rdp', [rule({ fromPort: 3389, toPort: 3389, cidr: '::/0' })])]),
    expect: (findings) => expect(findings.map((f) => [f.severity, f.evidence.adminPorts])).toEqual([['medium', [3389]]]),
  },
  {
    name: 'benign: a web group with 80 and 443 open to the world',
    data: () => account([securityGroup('sg-web', [rule({ fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' }), rule({ fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' })])]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'web ports can be reported as info',
    data: () => account([securityGroup('sg-web', [rule({ fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' })])]),
    options: { webPortsSeverity: 'info' },
    expect: (findings) => expect(findings.map((f) => [f.severity, f.evidence.exposures])).toEqual([['info', ['web-ports']]]),
  },
  {
    name: 'benign: SSH from a private range is not the internet',
    data: () => account([securityGroup('sg-vpn', [rule({ fromPort: 22, toPort: 22, cidr: '10.0.0.0/8' }), rule({ fromPort: 22, toPort: 22, cidr: '192.168.1.0/24' })])]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'benign: egress to the world is not ingress',
    data: () => account([securityGroup('sg-out', [rule({ protocol: '-1', cidr: '0.0.0.0/0', isEgress: true })])]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'a group attached to no instance ranks one level lower',
    data: () => account([securityGroup('sg-spare', [ssh])], { attach: [] }),
    expect: (findings) => expect(findings.map((f) => [f.severity, f.evidence.attachedInstances])).toEqual([['low', 0]]),
  },
  {
    name: "rigwatch's idle transit isolation group (open by design) is information",
    data: () => account([securityGroup('sg-transit', [rule({ protocol: '-1', cidr: '0.0.0.0/0' })], { name: 'rigwatch-isolation-open', tags: { 'rigwatch:isolation': 'open' } })], { attach: [] }),
    expect: (findings) => expect(findings.map((f) => f.severity)).toEqual(['info']),
  },
  {
    name: "rigwatch's transit group with an instance left in it is an exposure like any other",
    data: () => account([securityGroup('sg-transit', [rule({ protocol: '-1', cidr: '0.0.0.0/0' })], { name: 'rigwatch-isolation-open', tags: { 'rigwatch:isolation': 'open' } })]),
    expect: (findings) => expect(findings.map((f) => f.severity)).toEqual(['high']),
  },
  {
    name: 'a rule opened in the window and revoked since is still reported, lower, with no rule to revoke but the opener to cut off',
    data: () => account([securityGroup('sg-ssh', [])], { events: [openedSsh()] }),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect(findings[0]?.severity).toBe('medium');
      expect(findings[0]?.evidence.currentlyOpen).toBe(false);
      expect(findings[0]?.remediations).toEqual(['disable-access-key', 'revoke-sessions', 'quarantine-principal']);
    },
  },
  {
    name: 'ModifySecurityGroupRules that turned a rule into SSH from the world names its caller',
    data: () => account([securityGroup('sg-ssh', [ssh])], {
      events: [event('ModifySecurityGroupRules', 'ec2.amazonaws.com', {
        time: hoursAgo(3),
        identity: ops,
        request: { ModifySecurityGroupRulesRequest: { GroupId: 'sg-ssh', SecurityGroupRule: { SecurityGroupRuleId: 'sgr-0000000000000ssh', SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' } } } },
        response: { ModifySecurityGroupRulesResponse: { return: true } },
      })],
    }),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect(findings[0]?.actor?.arn).toBe('arn:aws:iam::111122223333:user/ops');
      expect(rulesOf(findings[0])[0]?.openedBy[0]?.eventName).toBe('ModifySecurityGroupRules');
    },
  },
  {
    name: 'a failed AuthorizeSecurityGroupIngress opened nothing',
    data: () => account([securityGroup('sg-ssh', [])], {
      events: [{ ...openedSsh(), errorCode: 'Client.UnauthorizedOperation' }],
    }),
    expect: (findings) => expect(findings).toEqual([]),
  },
];

describe('sg-open-ingress', () => {
  it.each(cases)('$name', (c) => c.expect(run(detector, c.data(), c.options)));

  it('keeps a group\'s finding id whether or not the calls that opened it are in the window, and as rules come and go', () => {
    const standing = run(detector, account([securityGroup('sg-ssh', [ssh])]));
    const opened = run(detector, account([securityGroup('sg-ssh', [ssh])], { events: [openedSsh()] }));
    const more = run(detector, account([securityGroup('sg-ssh', [ssh, rule({ fromPort: 3333, toPort: 3333, cidr: '0.0.0.0/0' })])]));
    expect(standing[0]?.id).toBe(opened[0]?.id);
    expect(more[0]?.id).toBe(standing[0]?.id);
  });
});
