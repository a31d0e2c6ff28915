import { describe, expect, it } from 'vitest';
import { detector } from '../../src/detectors/fleet-spinup.js';
import type { AuditData, CloudTrailRecord } from '../../src/providers/types.js';
import type { Finding } from '../../src/detectors/types.js';
import {
  ACCOUNT, DAY, HOUR, NOW, assumedRole, autoScaling, daysAgo, emptyAccount, hoursAgo, iamUser, instance, instancesOf, run, runInstances,
 type DetectorCase } from './fixtures.js';

const LOOKUP_30_DAYS = { RunInstances: NOW - 31 * DAY };

/** An account whose CloudTrail reaches 30 days before the window, with `baseline` and `window` RunInstances records. */
function account(records: CloudTrailRecord[], extra: Partial<AuditData> = {}): AuditData {
  const data = emptyAccount(extra);
  data.cloudtrail.events = records;
  data.cloudtrail.lookupStart = extra.cloudtrail?.lookupStart ?? LOOKUP_30_DAYS;
  data.ec2.instances = [...data.ec2.instances, ...records.filter((r) => !r.errorCode).flatMap((r) => instancesOf(r))];
  return data;
}

const ops = iamUser('ops', 'AKIAEXAMPLEOPS00001');
const opsUsedUsEast = runInstances({ time: daysAgo(5), identity: ops, type: 'm5.large' });

/** The nightly CI fleet: 20 c5.xlarge at 02:00 every night for 30 nights, and tonight. */
const nightly = (tonight: number): CloudTrailRecord[] => [
  ...Array.from({ length: 30 }, (_, k) => runInstances({ time: hoursAgo(10) - (k + 1) * DAY, identity: iamUser('ci'), type: 'c5.xlarge', count: 20 })),
  runInstances({ time: hoursAgo(10), identity: iamUser('ci'), type: 'c5.xlarge', count: tonight }),
];

type Case = DetectorCase;

const cases: Case[] = [
  {
    name: 'attack: a sub-account launches 128 c5.4xlarge in a region the account never used',
    data: () => account([
      opsUsedUsEast,
      ...[50, 50, 28].map((count, k) => runInstances({ time: hoursAgo(6 - k), identity: ops, region: 'eu-west-1', type: 'c5.4xlarge', count, sourceIP: '185.220.101.45' })),
    ]),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      const f = findings[0] as Finding;
      expect(f.severity).toBe('critical');
      expect(f.region).toBe('eu-west-1');
      expect(f.actor).toEqual({ arn: `arn:aws:iam::${ACCOUNT}:user/ops`, accessKeyId: 'AKIAEXAMPLEOPS00001', sourceIPs: ['185.220.101.45'], userAgent: 'aws-cli/2.15.0' });
      expect(f.resources.filter((r) => r.type === 'AWS::EC2::Instance')).toHaveLength(128);
      expect(f.resources).toContainEqual({ type: 'AWS::IAM::User', id: 'ops' });
      expect(f.evidence.signals).toEqual(['above-baseline', 'single-type-burst', 'new-region']);
      expect(f.evidence.launched).toMatchObject({ instances: 128, vcpus: 128 * 16, calls: 3, byType: { 'c5.4xlarge': 128 } });
      expect((f.evidence.instanceIds as string[]).length).toBe(50);
      expect((f.evidence.eventIds as string[]).length).toBe(3);
      expect(f.remediations).toEqual(['quarantine-instance', 'disable-access-key', 'revoke-sessions', 'quarantine-principal']);
      expect(f.firstSeen).toBe(new Date(hoursAgo(6)).toISOString());
    },
  },
  {
    name: 'attack: a principal that never launched starts GPU instances',
    data: () => account([opsUsedUsEast, runInstances({ time: hoursAgo(2), identity: iamUser('intern'), type: 'p3.2xlarge', count: 4 })]),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect(findings[0]?.severity).toBe('critical');
      expect(findings[0]?.evidence.signals).toEqual(['accelerated-family', 'new-principal']);
      expect(findings[0]?.evidence.acceleratedTypes).toEqual(['p3.2xlarge']);
    },
  },
  {
    name: 'a new principal launching three small instances in a used region is only medium',
    data: () => account([opsUsedUsEast, runInstances({ time: hoursAgo(2), identity: iamUser('newhire'), type: 't3.micro', count: 3 })]),
    expect: (findings) => {
      expect(findings.map((f) => [f.severity, f.evidence.signals])).toEqual([['medium', ['new-principal']]]);
    },
  },
  {
    name: 'attack through a role: the principal is the session issuer role, not the session',
    data: () => account([opsUsedUsEast, runInstances({ time: hoursAgo(3), identity: assumedRole('deploy', 'stolen-session'), type: 'c5.9xlarge', count: 12 })]),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect(findings[0]?.actor?.arn).toBe(`arn:aws:iam::${ACCOUNT}:role/deploy`);
      expect(findings[0]?.severity).toBe('critical');
      expect(findings[0]?.resources).toContainEqual({ type: 'AWS::IAM::Role', id: 'deploy' });
      expect(findings[0]?.remediations).not.toContain('disable-access-key');
    },
  },
  {
    name: 'benign: Auto Scaling launches 30 instances through its service-linked role',
    data: () => account([opsUsedUsEast, runInstances({ time: hoursAgo(4), identity: autoScaling(), type: 'c5.xlarge', count: 30 })]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'benign: the nightly CI fleet launches its usual 20 instances',
    data: () => account(nightly(20)),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'the nightly CI key launching 200 instead of 20 is flagged against its own baseline',
    data: () => account(nightly(200)),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect(findings[0]?.severity).toBe('critical');
      expect(findings[0]?.evidence.baseline).toMatchObject({ available: true, days: 30, launchingDays: 30, perDayInstances: { median: 20, p90: 20, max: 20 } });
      expect(findings[0]?.evidence.busiest24h).toEqual({ instances: 200, vcpus: 800 });
    },
  },
  {
    name: 'failed and dry-run RunInstances calls launch nothing',
    data: () => account([
      opsUsedUsEast,
      runInstances({ time: hoursAgo(2), identity: ops, type: 'c5.4xlarge', count: 40, errorCode: 'Client.DryRunOperation' }),
      runInstances({ time: hoursAgo(1), identity: ops, type: 'c5.4xlarge', count: 40, errorCode: 'Client.VcpuLimitExceeded' }),
    ]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'without baseline history, absolute volume still counts but novelty is not judged',
    data: () => account([runInstances({ time: hoursAgo(2), identity: ops, region: 'eu-west-1', type: 'c5.2xlarge', count: 12 })], {
      cloudtrail: { trails: [], events: [], lookupStart: {} },
    }),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect(findings[0]?.severity).toBe('high');
      expect(findings[0]?.evidence.signals).toEqual(['above-baseline', 'single-type-burst']);
      expect(findings[0]?.evidence.baseline).toMatchObject({ available: false, days: 0 });
    },
  },
  {
    name: 'inventory only: CloudTrail failed, 20 new c5.4xlarge the region never ran',
    data: () => account([], {
      coverage: [{ source: 'cloudtrail', region: 'us-east-1', status: 'error', error: 'AccessDeniedException' }],
      ec2: {
        instances: [
          instance({ type: 'm5.large', launchTime: daysAgo(200) }),
          ...Array.from({ length: 20 }, () => instance({ type: 'c5.4xlarge', launchTime: hoursAgo(5) })),
        ],
        securityGroups: [],
      },
    }),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect(findings[0]?.severity).toBe('high');
      expect(findings[0]?.actor).toBeUndefined();
      expect(findings[0]?.resources).toHaveLength(20);
      expect(findings[0]?.evidence).toMatchObject({ instanceType: 'c5.4xlarge', instances: 20, vcpus: 320, cloudtrailCoverage: 'error' });
    },
  },
  {
    name: 'benign inventory: instances an Auto Scaling group launched carry its tag',
    data: () => account([], {
      ec2: {
        instances: Array.from({ length: 20 }, () => instance({ type: 'c5.4xlarge', launchTime: hoursAgo(5), tags: { 'aws:autoscaling:groupName': 'web' } })),
        securityGroups: [],
      },
    }),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'a burst the operator allows: factor and minimums are configurable',
    data: () => account([opsUsedUsEast, runInstances({ time: hoursAgo(2), identity: ops, type: 'c5.large', count: 12 })]),
    options: { minInstances: 20, minSameType: 20, minVcpus: 100 },
    expect: (findings) => expect(findings).toEqual([]),
  },
];

describe('fleet-spinup', () => {
  it.each(cases)('$name', (c) => c.expect(run(detector, c.data(), c.options)));

  it('gives the same finding the same id on every run, whatever the counts', () => {
    const small = run(detector, account([opsUsedUsEast, runInstances({ time: hoursAgo(2), identity: ops, region: 'eu-west-1', type: 'c5.large', count: 15 })]));
    const large = run(detector, account([opsUsedUsEast, runInstances({ time: hoursAgo(1), identity: ops, region: 'eu-west-1', type: 'c5.large', count: 90 })]));
    expect(small[0]?.id).toBeDefined();
    expect(small[0]?.id).toBe(large[0]?.id);
  });

  it('ignores launches before the window when counting the window', () => {
    const data = account([opsUsedUsEast, runInstances({ time: NOW - DAY - HOUR, identity: ops, type: 'c5.large', count: 40 })]);
    expect(run(detector, data)).toEqual([]);
  });
});
