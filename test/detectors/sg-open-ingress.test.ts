import { describe, expect, it } from 'vitest';
import { detector } from '../../src/detectors/sg-open-ingress.js';
import type { AuditData, SecurityGroup } from '../../src/providers/types.js';
import type { Finding } from '../../src/detectors/types.js';
import {
  authorizeIngress, emptyAccount, event, hoursAgo, iamUser, instance, rule, run, runInstances, securityGroup,
} from './fixtures.js';

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

interface Case {
  name: string;
  data: () => AuditData;
  options?: Record<string, unknown>;
  expect: (findings: Finding[]) => void;
}

const cases: Case[] = [
  {
    name: 'attack: SSH opened to the world in the window by a stolen key',
    data: () => account([securityGroup('sg-ssh', [ssh], { name: 'ssh' })], { events: [openedSsh()] }),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      const f = findings[0] as Finding;
      expect(f.severity).toBe('high');
      expect(f.actor).toMatchObject({ arn: 'arn:aws:iam::111122223333:user/ops', accessKeyId: 'AKIAEXAMPLEOPS00001', sourceIPs: ['185.220.101.45'] });
      expect(f.resources).toEqual([
        { type: 'AWS::EC2::SecurityGroup', id: 'sg-ssh', region: 'us-east-1' },
        { type: 'AWS::EC2::SecurityGroupIngress', id: 'sgr-0000000000000ssh', region: 'us-east-1' },
        { type: 'AWS::EC2::Instance', id: 'i-0000000000000web1', region: 'us-east-1' },
      ]);
      expect(f.evidence).toMatchObject({ exposures: ['admin-ports'], adminPorts: [22], openedInWindow: true, currentlyOpen: true });
      expect((f.evidence.openedBy as { eventId: string }[])[0]?.eventId).toBeDefined();
      expect(f.remediations).toEqual(['revoke-ingress']);
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
    name: 'a long-standing SSH rule to the world is medium, with no actor',
    data: () => account([securityGroup('sg-ssh', [ssh])]),
    expect: (findings) => {
      expect(findings.map((f) => f.severity)).toEqual(['medium']);
      expect(findings[0]?.actor).toBeUndefined();
      expect(findings[0]?.evidence.openedInWindow).toBe(false);
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
    name: 'a rule opened in the window and revoked since is still reported, lower, with nothing to revoke',
    data: () => account([securityGroup('sg-ssh', [])], { events: [openedSsh()] }),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect(findings[0]?.severity).toBe('medium');
      expect(findings[0]?.evidence.currentlyOpen).toBe(false);
      expect(findings[0]?.remediations).toEqual([]);
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
      expect((findings[0]?.evidence.openedBy as { eventName: string }[])[0]?.eventName).toBe('ModifySecurityGroupRules');
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

  it('keeps a rule\'s id whether or not the call that opened it is in the window', () => {
    const standing = run(detector, account([securityGroup('sg-ssh', [ssh])]));
    const opened = run(detector, account([securityGroup('sg-ssh', [ssh])], { events: [openedSsh()] }));
    expect(standing[0]?.id).toBe(opened[0]?.id);
  });
});
