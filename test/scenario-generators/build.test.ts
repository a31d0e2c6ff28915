import { describe, expect, it } from 'vitest';
import {
  CostLedger,
  Recorder,
  Rng,
  assumedRoleIdentity,
  autoScalingIdentity,
  buildInstance,
  consoleLogin,
  createAccessKey,
  deleteDetector,
  deleteLogGroup,
  deleteTrail,
  getCallerIdentity,
  hourlyPrice,
  iamDate,
  iamUserIdentity,
  metricSeries,
  newId,
  roleRef,
  runInstances,
  authorizeSecurityGroupIngress,
  stopLogging,
  tcpFrom,
  usageType,
  userRef,
  type Caller,
} from '../../src/scenario/generators/build.js';
import { ACCESS_KEY_ID, GROUP_ID, INSTANCE_ID, UUID, VOLUME_ID } from './helpers.js';

const ACCOUNT = '111122223333';
const user = userRef(ACCOUNT, 'ops', 'AIDAEXAMPLEEXAMPLE123');
const caller: Caller = { identity: iamUserIdentity(user, 'AKIAEXAMPLEEXAMPLE00'), sourceIPAddress: '198.51.100.1', userAgent: 'test' };
const T = Date.parse('2026-11-24T02:31:07Z');

describe('Rng', () => {
  it('repeats for a seed; forks are independent of what the parent drew', () => {
    const a = new Rng('seed');
    const b = new Rng('seed');
    expect([a.next(), a.next(), a.next()]).toEqual([b.next(), b.next(), b.next()]);
    const fresh = new Rng('seed').fork('x').next();
    const used = new Rng('seed');
    used.next();
    expect(used.fork('x').next()).toBe(fresh);
    expect(new Rng('seed').fork('y').next()).not.toBe(fresh);
  });
});

describe('identifiers', () => {
  const r = new Rng(42);
  it.each([
    ['instance', newId.instance(r), INSTANCE_ID],
    ['security group', newId.securityGroup(r), GROUP_ID],
    ['volume', newId.volume(r), VOLUME_ID],
    ['access key', newId.accessKey(r), ACCESS_KEY_ID],
    ['session key', newId.sessionKey(r), /^ASIA[A-Z2-7]{16}$/],
    ['user id', newId.userId(r), /^AIDA[A-Z2-7]{17}$/],
    ['event id', r.uuid(), UUID],
    ['detector', newId.detector(r), /^[0-9a-f]{32}$/],
    ['monero-shaped wallet', newId.moneroAddress(r), /^4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}$/],
  ])('%s', (_name, id, shape) => {
    expect(id).toMatch(shape);
  });
});

describe('CloudTrail record builders', () => {
  it('RunInstances: instance type, launch set, redacted user data, launched ids', () => {
    const rec = new Recorder(ACCOUNT, new Rng(1));
    const r = new Rng(2);
    const instances = [0, 1].map(() => buildInstance({
      id: newId.instance(r), region: 'us-east-2', az: 'us-east-2a', type: 'c5.4xlarge', launchTime: T,
      securityGroups: [{ GroupId: 'sg-00000000000000001', GroupName: 'g' }], vpcId: 'vpc-1', subnetId: 'subnet-1',
      privateIp: '172.31.0.10', imageId: 'ami-00000000000000001', rootVolume: { id: newId.volume(r), sizeGb: 8 },
    }).instance);
    const e = runInstances(rec, caller, { time: T, region: 'us-east-2', instances, reservationId: 'r-0', withUserData: true });
    expect(e).toMatchObject({
      eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', awsRegion: 'us-east-2', eventTime: '2026-11-24T02:31:07Z', readOnly: false,
      eventType: 'AwsApiCall', managementEvent: true, recipientAccountId: ACCOUNT,
      requestParameters: { instanceType: 'c5.4xlarge', userData: '<sensitiveDataRemoved>', instancesSet: { items: [{ imageId: 'ami-00000000000000001', minCount: 2, maxCount: 2 }] } },
    });
    const items = (e.responseElements?.instancesSet as { items: { instanceId: string; instanceType: string }[] }).items;
    expect(items.map((i) => i.instanceId)).toEqual(instances.map((i) => i.InstanceId));
    expect(items.every((i) => i.instanceType === 'c5.4xlarge')).toBe(true);
    expect(e.requestID).toBe(e.responseElements?.requestId);
  });

  it('AuthorizeSecurityGroupIngress: group id and ip permissions in CloudTrail\'s item shape', () => {
    const rec = new Recorder(ACCOUNT, new Rng(1));
    const e = authorizeSecurityGroupIngress(rec, caller, { time: T, region: 'us-east-2', groupId: 'sg-0abc', permissions: [tcpFrom(3333, ['0.0.0.0/0'])], ruleIds: ['sgr-0abc'] });
    expect(e.requestParameters).toEqual({
      groupId: 'sg-0abc',
      ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 3333, toPort: 3333, groups: {}, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] }, ipv6Ranges: {}, prefixListIds: {} }] },
    });
    expect((e.responseElements?.securityGroupRuleSet as { items: unknown[] }).items).toEqual([
      { groupOwnerId: ACCOUNT, groupId: 'sg-0abc', securityGroupRuleId: 'sgr-0abc', isEgress: false, ipProtocol: 'tcp', fromPort: 3333, toPort: 3333, cidrIpv4: '0.0.0.0/0' },
    ]);
  });

  it('CreateAccessKey logs the key id, never a secret', () => {
    const rec = new Recorder(ACCOUNT, new Rng(1));
    const e = createAccessKey(rec, caller, { time: T, userName: 'support-admin', accessKeyId: 'AKIAEXAMPLEEXAMPLE01' });
    expect(e.responseElements).toEqual({ accessKey: { userName: 'support-admin', accessKeyId: 'AKIAEXAMPLEEXAMPLE01', status: 'Active', createDate: 'Nov 24, 2026, 2:31:07 AM' } });
    expect(JSON.stringify(e)).not.toMatch(/secret/i);
  });

  it('ConsoleLogin: signin source, MFA flag, success', () => {
    const rec = new Recorder(ACCOUNT, new Rng(1));
    const e = consoleLogin(rec, { time: T, user, sourceIPAddress: '45.9.148.121', userAgent: 'ua', mfa: false });
    expect(e).toMatchObject({ eventSource: 'signin.amazonaws.com', eventType: 'AwsConsoleSignIn', responseElements: { ConsoleLogin: 'Success' }, additionalEventData: { MFAUsed: 'No' } });
    expect(e.additionalEventData?.LoginTo).toMatch(/^https:\/\/console\.aws\.amazon\.com\//);
  });

  it.each([
    ['StopLogging', (rec: Recorder) => stopLogging(rec, caller, { time: T, region: 'us-east-1', trailArn: 'arn:t' }), 'cloudtrail.amazonaws.com', { name: 'arn:t' }],
    ['DeleteTrail', (rec: Recorder) => deleteTrail(rec, caller, { time: T, region: 'us-east-1', trailArn: 'arn:t' }), 'cloudtrail.amazonaws.com', { name: 'arn:t' }],
    ['DeleteLogGroup', (rec: Recorder) => deleteLogGroup(rec, caller, { time: T, region: 'us-east-1', logGroupName: '/a' }), 'logs.amazonaws.com', { logGroupName: '/a' }],
    ['DeleteDetector', (rec: Recorder) => deleteDetector(rec, caller, { time: T, region: 'eu-west-1', detectorId: 'd' }), 'guardduty.amazonaws.com', { detectorId: 'd' }],
  ])('%s', (name, make, source, request) => {
    const e = make(new Recorder(ACCOUNT, new Rng(1)));
    expect(e).toMatchObject({ eventName: name, eventSource: source, requestParameters: request, responseElements: null, readOnly: false });
  });

  it('GetCallerIdentity is a read-only STS call in us-east-1', () => {
    const e = getCallerIdentity(new Recorder(ACCOUNT, new Rng(1)), caller, { time: T });
    expect(e).toMatchObject({ eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity', awsRegion: 'us-east-1', readOnly: true });
  });
});

describe('userIdentity builders', () => {
  const role = roleRef(ACCOUNT, 'AWSServiceRoleForAutoScaling', 'AROAEXAMPLEEXAMPLE123', '/aws-service-role/autoscaling.amazonaws.com/');

  it('an assumed role carries its session issuer', () => {
    const id = assumedRoleIdentity(roleRef(ACCOUNT, 'ci-runner', 'AROAEXAMPLEEXAMPLE999'), 'gha-1', 'ASIAEXAMPLEEXAMPLE00', T);
    expect(id).toMatchObject({
      type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ci-runner/gha-1`, principalId: 'AROAEXAMPLEEXAMPLE999:gha-1',
      sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/ci-runner`, userName: 'ci-runner' } },
    });
  });

  it('Auto Scaling acts as its service-linked role, or as the bare service', () => {
    expect(autoScalingIdentity(role, T)).toMatchObject({
      type: 'AssumedRole', invokedBy: 'autoscaling.amazonaws.com',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling`,
      sessionContext: { sessionIssuer: { userName: 'AWSServiceRoleForAutoScaling', arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling` } },
    });
    expect(autoScalingIdentity(role, T, 'AWSService')).toEqual({ type: 'AWSService', invokedBy: 'autoscaling.amazonaws.com' });
  });
});

describe('metrics, prices and costs', () => {
  it('writes only the 5-minute periods complete by the end', () => {
    const from = Date.parse('2026-11-27T08:02:00Z');
    const to = Date.parse('2026-11-27T09:00:00Z');
    const x = metricSeries({ instanceId: 'i-1', region: 'us-east-1', metric: 'CPUUtilization', from, to, profile: () => 50.04, digits: 1 });
    expect(x?.Start).toBe('2026-11-27T08:05:00Z');
    expect(x?.Values).toEqual(new Array(11).fill(50));
  });

  it('prices by region and names usage types as Cost Explorer does', () => {
    expect(hourlyPrice('c5.4xlarge', 'us-east-1')).toBe(0.68);
    expect(hourlyPrice('c5.4xlarge', 'sa-east-1')).toBeGreaterThan(1);
    expect(usageType('ap-southeast-1', 'BoxUsage:c5.4xlarge')).toBe('APS1-BoxUsage:c5.4xlarge');
    expect(usageType('eu-west-1', 'BoxUsage:m5.large')).toBe('EU-BoxUsage:m5.large');
    expect(usageType('us-east-1', 'BoxUsage:m5.large')).toBe('BoxUsage:m5.large');
    expect(usageType('us-east-1', 'PublicIPv4:InUseAddress', { legacy: false })).toBe('USE1-PublicIPv4:InUseAddress');
  });

  it('splits instance hours across days, and today is partial', () => {
    const now = Date.parse('2026-11-27T06:00:00Z');
    const ledger = new CostLedger(now, 2);
    ledger.addSpan({ service: 'EC2', region: 'us-east-2' }, Date.parse('2026-11-26T18:00:00Z'), Infinity, 1);
    const costs = ledger.toCosts();
    expect(costs.daily).toEqual([{ service: 'EC2', region: 'us-east-2', start: '2026-11-26', amounts: [6, 6] }]);
  });

  it('charges tax on the last day of each ended month, scaled up for a month the ledger only partly covers', () => {
    const ledger = new CostLedger(Date.parse('2026-12-02T00:00:00Z'), 40);
    ledger.addDaily({ service: 'S3', recordType: 'Usage' }, () => 10);
    ledger.addMonthEndTax(0.1);
    expect(ledger.toCosts().lineItems).toEqual([
      { date: '2026-10-31', service: 'Tax', region: 'global', recordType: 'Tax', amount: 31 },
      { date: '2026-11-30', service: 'Tax', region: 'global', recordType: 'Tax', amount: 30 },
    ]);
  });

  it('writes IAM dates as IAM responses in CloudTrail do', () => {
    expect(iamDate(Date.parse('2026-11-24T15:04:05Z'))).toBe('Nov 24, 2026, 3:04:05 PM');
    expect(iamDate(Date.parse('2026-11-24T00:04:05Z'))).toBe('Nov 24, 2026, 12:04:05 AM');
  });
});
