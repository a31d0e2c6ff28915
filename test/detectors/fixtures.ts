// A small in-test account for detector tests: an empty AuditData and builders for what the
// collectors would hand over (CloudTrail records in their log-file shape, instances, rules, cost
// rows, metric series, IAM users). The clock is fixed: Tuesday 2026-03-10 12:00 UTC.

import type {
  AuditData, CloudTrailRecord, CostRow, IamUser, Instance, MetricName, MetricSeries, SecurityGroup, SecurityGroupRule, UserIdentity,
} from '../../src/providers/types.js';
import type { Detector, Finding } from '../../src/detectors/types.js';
import { vcpusOf } from '../../src/domain/instance-types.js';

export const ACCOUNT = '111122223333';
export const NOW = Date.parse('2026-03-10T12:00:00Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const hoursAgo = (h: number): number => NOW - h * HOUR;
export const daysAgo = (d: number): number => NOW - d * DAY;
export const iso = (ms: number): string => new Date(ms).toISOString();

/** An account with nothing in it; the window is the 24 hours before NOW and CloudTrail reaches 30 days further back. */
export function emptyAccount(overrides: Partial<AuditData> = {}): AuditData {
  return {
    account: { id: ACCOUNT },
    now: NOW,
    window: { start: NOW - DAY, end: NOW },
    regions: ['us-east-1', 'eu-west-1'],
    ec2: { instances: [], securityGroups: [] },
    cloudtrail: { trails: [], events: [], lookupStart: {} },
    metrics: [],
    costs: { currency: 'USD', byServiceRegion: [], ec2ByUsageType: [], start: '', end: '' },
    iam: { users: [], roles: [] },
    guardduty: { detectors: [], findings: [] },
    coverage: [],
    ...overrides,
  };
}

/** Runs a detector with its defaults overlaid by `options`, as the config loader would. */
export function run<O>(detector: Detector<O>, data: AuditData, options: Record<string, unknown> = {}): Finding[] {
  return detector.detect(data, detector.options.parse(options));
}

// ---- identities -------------------------------------------------------------------------------

export function iamUser(name: string, accessKeyId = `AKIA${name.toUpperCase().padEnd(16, 'X').slice(0, 16)}`): UserIdentity {
  return { type: 'IAMUser', principalId: `AIDA${name.toUpperCase()}`, arn: `arn:aws:iam::${ACCOUNT}:user/${name}`, accountId: ACCOUNT, accessKeyId, userName: name };
}

export function assumedRole(roleName: string, session: string, extra: Partial<UserIdentity> = {}): UserIdentity {
  return {
    type: 'AssumedRole',
    principalId: `AROA${roleName.toUpperCase()}:${session}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${session}`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIAEXAMPLESESSION01',
    sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`, accountId: ACCOUNT, userName: roleName } },
    ...extra,
  };
}

/** How Auto Scaling's launches look: the service-linked role's session, invoked by autoscaling. */
export const autoScaling = (): UserIdentity =>
  assumedRole('aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling', 'AutoScaling', { invokedBy: 'autoscaling.amazonaws.com' });

export const root = (): UserIdentity => ({ type: 'Root', principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT });

// ---- CloudTrail -------------------------------------------------------------------------------

let seq = 0;

export interface EventOptions {
  time: number;
  identity: UserIdentity;
  region?: string;
  sourceIP?: string;
  userAgent?: string;
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
  additional?: Record<string, unknown>;
  errorCode?: string;
}

export function event(eventName: string, eventSource: string, o: EventOptions): CloudTrailRecord {
  seq++;
  const record: CloudTrailRecord = {
    eventVersion: '1.10',
    eventTime: iso(o.time).replace('.000Z', 'Z'),
    eventSource,
    eventName,
    awsRegion: o.region ?? 'us-east-1',
    eventID: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    sourceIPAddress: o.sourceIP ?? '198.51.100.10',
    userAgent: o.userAgent ?? 'aws-cli/2.15.0',
    userIdentity: o.identity,
    requestParameters: o.request ?? null,
    responseElements: o.response ?? null,
    readOnly: false,
    eventType: 'AwsApiCall',
    recipientAccountId: ACCOUNT,
  };
  if (o.additional) record.additionalEventData = o.additional;
  if (o.errorCode) record.errorCode = o.errorCode;
  return record;
}

let instanceSeq = 0;
export const nextInstanceId = (): string => `i-${(++instanceSeq).toString(16).padStart(17, '0')}`;

/** A successful RunInstances of `count` instances of `type`; returns the record and the ids it names. */
export function runInstances(o: Omit<EventOptions, 'request' | 'response'> & { type: string; count?: number; ids?: string[] }): CloudTrailRecord {
  const ids = o.ids ?? Array.from({ length: o.count ?? 1 }, nextInstanceId);
  return event('RunInstances', 'ec2.amazonaws.com', {
    ...o,
    request: { instanceType: o.type, instancesSet: { items: [{ imageId: 'ami-0c7217cdde317cfec', minCount: ids.length, maxCount: ids.length }] }, userData: '<sensitiveDataRemoved>' },
    response: { instancesSet: { items: ids.map((instanceId) => ({ instanceId, instanceType: o.type })) } },
  });
}

/** The ids a RunInstances record names. */
export const idsOf = (record: CloudTrailRecord): string[] =>
  ((record.responseElements?.instancesSet as { items: { instanceId: string }[] }).items).map((i) => i.instanceId);

export function authorizeIngress(o: Omit<EventOptions, 'request' | 'response'> & {
  groupId: string; protocol?: string; from?: number; to?: number; cidr?: string; cidrV6?: string; ruleId?: string;
}): CloudTrailRecord {
  const protocol = o.protocol ?? 'tcp';
  const permission: Record<string, unknown> = { ipProtocol: protocol, fromPort: o.from, toPort: o.to };
  if (o.cidr) permission.ipRanges = { items: [{ cidrIp: o.cidr }] };
  if (o.cidrV6) permission.ipv6Ranges = { items: [{ cidrIpv6: o.cidrV6 }] };
  return event('AuthorizeSecurityGroupIngress', 'ec2.amazonaws.com', {
    ...o,
    request: { groupId: o.groupId, ipPermissions: { items: [permission] } },
    response: {
      _return: true,
      securityGroupRuleSet: o.ruleId
        ? { items: [{ groupId: o.groupId, securityGroupRuleId: o.ruleId, isEgress: false, ipProtocol: protocol, fromPort: o.from, toPort: o.to, cidrIpv4: o.cidr, cidrIpv6: o.cidrV6 }] }
        : undefined,
    },
  });
}

// ---- EC2 --------------------------------------------------------------------------------------

export function instance(o: Partial<Instance> & { id?: string; type?: string }): Instance {
  const type = o.type ?? 'm5.large';
  return {
    id: o.id ?? nextInstanceId(),
    region: 'us-east-1',
    type,
    state: 'running',
    launchTime: daysAgo(100),
    vcpus: vcpusOf(type),
    securityGroups: [],
    tags: {},
    volumeIds: [],
    ...o,
  };
}

/** Instances for the ids a RunInstances record names, launched at its time. */
export function instancesOf(record: CloudTrailRecord, extra: Partial<Instance> = {}): Instance[] {
  const type = String(record.requestParameters?.instanceType);
  return idsOf(record).map((id) => instance({ id, type, region: record.awsRegion, launchTime: Date.parse(record.eventTime), ...extra }));
}

let ruleSeq = 0;

export function rule(o: Partial<SecurityGroupRule> & { cidr?: string }): SecurityGroupRule {
  const { cidr, ...rest } = o;
  const r: SecurityGroupRule = { ruleId: `sgr-${(++ruleSeq).toString(16).padStart(17, '0')}`, groupId: '', isEgress: false, protocol: 'tcp', ...rest };
  if (cidr) {
    if (cidr.includes(':')) r.cidrIpv6 = cidr;
    else r.cidrIpv4 = cidr;
  }
  return r;
}

export function securityGroup(id: string, rules: SecurityGroupRule[], o: Partial<SecurityGroup> = {}): SecurityGroup {
  return { id, name: o.name ?? id, region: 'us-east-1', vpcId: 'vpc-0aaaaaaaaaaaaaaa1', tags: {}, ...o, rules: rules.map((r) => ({ ...r, groupId: id })) };
}

// ---- Cost Explorer ----------------------------------------------------------------------------

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/** Daily rows of one service in one region: `amounts[k]` is the cost of `start + k` days. */
export function costDaily(service: string, region: string, start: string, amounts: number[], extra: Partial<CostRow> = {}): CostRow[] {
  return amounts.map((amount, k) => ({ date: addDays(start, k), service, region, amount, estimated: false, ...extra }));
}

// ---- CloudWatch -------------------------------------------------------------------------------

export function series(instanceId: string, metric: MetricName, start: number, period: number, values: number[], region = 'us-east-1'): MetricSeries {
  return { instanceId, region, metric, period, timestamps: values.map((_, k) => start + k * period * 1000), values };
}

// ---- IAM --------------------------------------------------------------------------------------

export function user(name: string, o: Partial<IamUser> = {}): IamUser {
  return {
    name,
    arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    createDate: daysAgo(400),
    hasLoginProfile: false,
    mfaEnabled: false,
    accessKeys: [],
    attachedPolicies: [],
    inlinePolicyNames: [],
    groups: [],
    tags: {},
    ...o,
  };
}

/** One row of a detector's table of cases: an account, optional options, what must (not) be found. */
export interface DetectorCase {
  name: string;
  data: () => AuditData;
  options?: Record<string, unknown>;
  expect: (findings: Finding[]) => void;
}
