import { describe, expect, it } from 'vitest';
import { actorOf, findingActor, isServiceCall, succeeded } from '../../src/detectors/lib/cloudtrail.js';
import { ingressOpened } from '../../src/detectors/lib/ingress.js';
import { list } from '../../src/detectors/lib/json.js';
import { miningIndicators } from '../../src/detectors/lib/mining.js';
import { expandPorts, isInternetCidr, isPrivateCidr, opensAllPorts, portsOpened } from '../../src/detectors/lib/network.js';
import { coefficientOfVariation, mad, median, quantile } from '../../src/detectors/lib/stats.js';
import { addDays, daysInMonth } from '../../src/detectors/lib/time.js';
import { assumedRole, autoScaling, authorizeIngress, event, hoursAgo, iamUser, root } from './fixtures.js';

describe('network', () => {
  it.each([
    ['0.0.0.0/0', 0, true],
    ['::/0', 0, true],
    ['10.0.0.0/8', 0, false],
    ['172.31.0.0/16', 8, false],
    ['100.64.0.0/10', 16, false],
    ['fd00::/8', 8, false],
    ['52.0.0.0/8', 0, false],
    ['52.0.0.0/8', 8, true],
    ['not-a-cidr', 32, false],
  ] as const)('isInternetCidr(%s, %i) = %s', (cidr, prefix, expected) => expect(isInternetCidr(cidr, prefix)).toBe(expected));

  it('knows private ranges only when wholly inside them', () => {
    expect(isPrivateCidr('192.168.1.0/24')).toBe(true);
    expect(isPrivateCidr('192.0.0.0/8')).toBe(false);
  });

  it.each([
    ['-1', undefined, undefined, true],
    ['tcp', 0, 65535, true],
    ['tcp', 22, 22, false],
    ['icmp', -1, -1, false],
  ] as const)('opensAllPorts(%s, %s, %s) = %s', (protocol, from, to, expected) => expect(opensAllPorts(protocol, from, to)).toBe(expected));

  it('lists the ports a range covers, and none for ICMP', () => {
    expect(portsOpened([22, 3389, 6379], 'tcp', 20, 3400)).toEqual([22, 3389]);
    expect(portsOpened([22], 'icmp', 0, 65535)).toEqual([]);
    expect(expandPorts(['3333-3335', 22, 22])).toEqual([22, 3333, 3334, 3335]);
  });
});

describe('stats', () => {
  it('is robust to the outlier a compromise adds', () => {
    const days = [100, 98, 102, 101, 99, 5000];
    expect(median(days)).toBe(100.5);
    expect(mad(days)).toBe(1.5);
    expect(quantile([0, 10], 0.9)).toBe(9);
    expect(quantile([], 0.5)).toBe(0);
  });

  it('tells flat from bursty', () => {
    expect(coefficientOfVariation([99, 99, 99])).toBe(0);
    expect(coefficientOfVariation([95, 20, 95, 20])).toBeGreaterThan(0.5);
    expect(coefficientOfVariation([0, 0])).toBe(0);
  });
});

describe('time', () => {
  it('steps dates across months and knows month lengths', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(daysInMonth('2026-02-10')).toBe(28);
    expect(daysInMonth('2028-02-10')).toBe(29);
  });
});

describe('CloudTrail records', () => {
  it('names the session issuer role as the principal of an assumed-role call, and keeps the session', () => {
    const actor = actorOf(event('RunInstances', 'ec2.amazonaws.com', { time: hoursAgo(1), identity: assumedRole('deploy', 'ci-42') }));
    expect(actor).toMatchObject({
      arn: 'arn:aws:iam::111122223333:role/deploy',
      sessionArn: 'arn:aws:sts::111122223333:assumed-role/deploy/ci-42',
      type: 'AssumedRole',
      accessKeyId: 'ASIAEXAMPLESESSION01',
    });
  });

  it('recognises AWS acting for a principal', () => {
    const scaling = event('RunInstances', 'ec2.amazonaws.com', { time: hoursAgo(1), identity: autoScaling() });
    expect(isServiceCall(scaling, ['autoscaling.amazonaws.com'])).toBe(true);
    expect(isServiceCall(event('RunInstances', 'ec2.amazonaws.com', { time: hoursAgo(1), identity: iamUser('ops') }), ['autoscaling.amazonaws.com'])).toBe(false);
  });

  it('treats errors and failed sign-ins as not done', () => {
    const base = { time: hoursAgo(1), identity: root() };
    expect(succeeded(event('StopLogging', 'cloudtrail.amazonaws.com', { ...base, errorCode: 'AccessDenied' }))).toBe(false);
    expect(succeeded(event('ConsoleLogin', 'signin.amazonaws.com', { ...base, response: { ConsoleLogin: 'Failure' } }))).toBe(false);
    expect(succeeded(event('ConsoleLogin', 'signin.amazonaws.com', { ...base, response: { ConsoleLogin: 'Success' } }))).toBe(true);
  });

  it('builds a finding actor from the calls: main key, every network address, no AWS service addresses', () => {
    const ops = iamUser('ops', 'AKIAEXAMPLEOPS00001');
    const calls = ['185.220.101.45', '185.220.101.46', 'ec2.amazonaws.com', '185.220.101.45'].map((sourceIP) =>
      actorOf(event('RunInstances', 'ec2.amazonaws.com', { time: hoursAgo(1), identity: ops, sourceIP })));
    expect(findingActor(calls)).toEqual({
      arn: 'arn:aws:iam::111122223333:user/ops', accessKeyId: 'AKIAEXAMPLEOPS00001', sourceIPs: ['185.220.101.45', '185.220.101.46'], userAgent: 'aws-cli/2.15.0',
    });
    expect(findingActor([])).toBeUndefined();
  });

  it('reads what an ingress call opened, with the created rule id', () => {
    const record = authorizeIngress({ time: hoursAgo(1), identity: iamUser('ops'), groupId: 'sg-1', from: 22, to: 22, cidr: '0.0.0.0/0', ruleId: 'sgr-1' });
    expect(ingressOpened(record)).toEqual([{ groupId: 'sg-1', protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0', ruleId: 'sgr-1' }]);
    const legacy = event('AuthorizeSecurityGroupIngress', 'ec2.amazonaws.com', {
      time: hoursAgo(1), identity: iamUser('ops'), request: { groupId: 'sg-2', ipProtocol: 'tcp', fromPort: 3389, toPort: 3389, cidrIp: '0.0.0.0/0' },
    });
    expect(ingressOpened(legacy)).toEqual([{ groupId: 'sg-2', protocol: 'tcp', fromPort: 3389, toPort: 3389, cidr: '0.0.0.0/0' }]);
  });

  it('reads CloudTrail lists in either shape', () => {
    expect(list({ items: [1, 2] })).toEqual([1, 2]);
    expect(list([3])).toEqual([3]);
    expect(list(undefined)).toEqual([]);
  });
});

describe('mining strings', () => {
  it('finds miner binaries, stratum URLs and pools, case-insensitively', () => {
    expect(miningIndicators('#!/bin/sh\n./XMRig --donate-level 1 -o stratum+ssl://gulf.moneroocean.stream:20128')).toEqual([
      'xmrig', 'stratum+ssl://', '--donate-level', 'moneroocean',
    ]);
    expect(miningIndicators('#!/bin/sh\nyum install -y nginx')).toEqual([]);
    expect(miningIndicators(undefined)).toEqual([]);
  });
});
