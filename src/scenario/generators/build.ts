// Building blocks for the scenario generators: a seeded PRNG, AWS-shaped identifiers, CloudTrail
// records as CloudTrail writes them, DescribeInstances / DescribeSecurityGroups objects, CloudWatch
// series from profile functions, Cost Explorer daily series from a ledger, and an account draft
// that ties them together so costs and metrics follow from the same instances the inventory shows.
//
// Everything is deterministic: no Date.now(), no Math.random(). Randomness comes from `Rng`
// (mulberry32) streams forked by label, so adding to one part of a scenario does not reshuffle the
// ids of another; metric noise is stateless (`noise(seed, k)`) so profiles compose freely.

import {
  DEFAULT_REGIONS,
  SCENARIO_FORMAT,
  type CloudTrailRecord,
  type CostDimensions,
  type CostLineItem,
  type IpPermission,
  type MetricSeriesSpec,
  type Scenario,
  type ScenarioAccessKey,
  type ScenarioCosts,
  type ScenarioGroup,
  type ScenarioGuardDuty,
  type ScenarioInstance,
  type ScenarioRole,
  type ScenarioSecurityGroup,
  type ScenarioSimulation,
  type ScenarioTrail,
  type ScenarioUser,
  type UserIdentity,
} from '../types.js';
import { baseHourlyPrice, hourlyPrice as domainHourlyPrice, regionPriceFactor as domainRegionPriceFactor } from '../../domain/ec2-prices.js';

// ---------------------------------------------------------------------------------------------
// Randomness

/** FNV-1a, then an avalanche step: a well-spread 32-bit hash of a label. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

function mix32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

const HEX = '0123456789abcdef';
/** The alphabet of AWS access key ids after the AKIA/ASIA prefix. */
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** mulberry32: small, fast, and good enough for synthetic data. */
export class Rng {
  readonly seed: number;
  private state: number;

  constructor(seed: number | string) {
    this.seed = typeof seed === 'string' ? hash32(seed) : seed >>> 0;
    this.state = this.seed;
  }

  /** An independent stream named `label`: the same label always gives the same stream. */
  fork(label: string | number): Rng {
    return new Rng(mix32(this.seed ^ hash32(String(label))));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  range(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** Picks by weight: `[[value, weight], ...]`. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [value, weight] of entries) {
      r -= weight;
      if (r < 0) return value;
    }
    const last = entries[entries.length - 1];
    if (!last) throw new Error('weighted pick from an empty list');
    return last[0];
  }

  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  hex(length: number): string {
    return this.chars(HEX, length);
  }

  /** A version-4-shaped UUID. */
  uuid(): string {
    const variant = HEX[8 + Math.floor(this.next() * 4)];
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${variant}${this.hex(3)}-${this.hex(12)}`;
  }
}

/** Stateless noise in [-1, 1): the same (seed, k) always gives the same value. */
export function noise(seed: number, k: number): number {
  return (mix32(seed ^ mix32(k + 0x9e3779b9)) / 4294967296) * 2 - 1;
}

/** Roughly bell-shaped stateless noise in [-1, 1) (the mean of two uniforms). */
export function softNoise(seed: number, k: number): number {
  return (noise(seed, k) + noise(seed ^ 0x5bd1e995, k)) / 2;
}

// ---------------------------------------------------------------------------------------------
// Identifiers, shaped as AWS writes them

export const newId = {
  instance: (r: Rng): string => `i-0${r.hex(16)}`,
  securityGroup: (r: Rng): string => `sg-0${r.hex(16)}`,
  securityGroupRule: (r: Rng): string => `sgr-0${r.hex(16)}`,
  volume: (r: Rng): string => `vol-0${r.hex(16)}`,
  vpc: (r: Rng): string => `vpc-0${r.hex(16)}`,
  subnet: (r: Rng): string => `subnet-0${r.hex(16)}`,
  image: (r: Rng): string => `ami-0${r.hex(16)}`,
  reservation: (r: Rng): string => `r-0${r.hex(16)}`,
  keyPair: (r: Rng): string => `key-0${r.hex(16)}`,
  /** Long-term IAM user access key id. */
  accessKey: (r: Rng): string => `AKIA${r.chars(KEY_ALPHABET, 16)}`,
  /** Temporary (STS) access key id. */
  sessionKey: (r: Rng): string => `ASIA${r.chars(KEY_ALPHABET, 16)}`,
  userId: (r: Rng): string => `AIDA${r.chars(KEY_ALPHABET, 17)}`,
  roleId: (r: Rng): string => `AROA${r.chars(KEY_ALPHABET, 17)}`,
  groupId: (r: Rng): string => `AGPA${r.chars(KEY_ALPHABET, 17)}`,
  detector: (r: Rng): string => r.hex(32),
  finding: (r: Rng): string => r.hex(32),
  clientToken: (r: Rng): string => r.chars(UPPER_ALNUM, 8) + r.uuid().slice(8),
  /** A Monero-address-shaped string (95 base58 characters starting with 4): not a real wallet. */
  moneroAddress: (r: Rng): string => `4${r.pick(['4', '7', '8', '9', 'A', 'B'])}${r.chars(BASE58, 93)}`,
};

// ---------------------------------------------------------------------------------------------
// Time

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Epoch ms of an ISO-8601 instant; throws on a malformed one (generator bugs surface early). */
export function ms(text: string): number {
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new Error(`not an ISO-8601 instant: ${text}`);
  return t;
}

/** `2026-11-24T02:13:00Z`: the form CloudTrail writes, without milliseconds. */
export function iso(t: number): string {
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `YYYY-MM-DD` (UTC). */
export function isoDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

export function dayStart(t: number): number {
  return Math.floor(t / DAY) * DAY;
}

/** Hour of day (UTC, fractional). */
export function hourOfDay(t: number): number {
  return (t - dayStart(t)) / HOUR;
}

/** 0 = Sunday ... 6 = Saturday (UTC). */
export function weekday(t: number): number {
  return new Date(t).getUTCDay();
}

export function isWeekend(t: number): boolean {
  const d = weekday(t);
  return d === 0 || d === 6;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The date form IAM responses carry in CloudTrail records: `Nov 24, 2026, 3:22:14 AM`. */
export function iamDate(t: number): string {
  const d = new Date(t);
  const h = d.getUTCHours();
  const two = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 === 0 ? 12 : h % 12}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

// ---------------------------------------------------------------------------------------------
// Regions, billing codes and prices

/** DescribeRegions items for the 17 regions that need no opt-in. */
export function defaultRegions(): { RegionName: string; OptInStatus: string }[] {
  return DEFAULT_REGIONS.map((RegionName) => ({ RegionName, OptInStatus: 'opt-in-not-required' }));
}

/** AWS's region billing codes (the prefix of usage types). */
export const REGION_BILLING_CODE: Record<string, string> = {
  'us-east-1': 'USE1', 'us-east-2': 'USE2', 'us-west-1': 'USW1', 'us-west-2': 'USW2',
  'ap-south-1': 'APS3', 'ap-northeast-1': 'APN1', 'ap-northeast-2': 'APN2', 'ap-northeast-3': 'APN3',
  'ap-southeast-1': 'APS1', 'ap-southeast-2': 'APS2', 'ca-central-1': 'CAN1', 'eu-central-1': 'EUC1',
  'eu-west-1': 'EU', 'eu-west-2': 'EUW2', 'eu-west-3': 'EUW3', 'eu-north-1': 'EUN1', 'sa-east-1': 'SAE1',
};

/**
 * A usage type as Cost Explorer shows it. The older usage types (EC2 BoxUsage, EBS, data transfer,
 * S3, RDS, ELB, CloudWatch) carry no prefix in us-east-1; newer ones (public IPv4) carry USE1.
 */
export function usageType(region: string, suffix: string, opts: { legacy?: boolean } = {}): string {
  const code = REGION_BILLING_CODE[region];
  if (!code) throw new Error(`no billing code for region ${region}`);
  if (region === 'us-east-1' && (opts.legacy ?? true)) return suffix;
  return `${code}-${suffix}`;
}

/** A region's price relative to us-east-1 (src/domain/ec2-prices.ts); throws for an unknown region. */
export function regionPriceFactor(region: string): number {
  const factor = domainRegionPriceFactor(region);
  if (factor === undefined) throw new Error(`no price factor for region ${region}`);
  return factor;
}

/** On-demand Linux price per hour of an instance type in a region; throws for an unknown type or region. */
export function hourlyPrice(instanceType: string, region: string): number {
  if (baseHourlyPrice(instanceType) === undefined) throw new Error(`no price for instance type ${instanceType}`);
  regionPriceFactor(region);
  return domainHourlyPrice(instanceType, region) as number;
}

/** Internet egress per GB (first 10 TB tier). */
export function egressPricePerGb(region: string): number {
  if (region === 'sa-east-1') return 0.15;
  if (region.startsWith('ap-')) return 0.12;
  return 0.09;
}

export const GP3_PER_GB_MONTH = 0.08;
export const PUBLIC_IPV4_PER_HOUR = 0.005;

export const SERVICE = {
  ec2Compute: 'Amazon Elastic Compute Cloud - Compute',
  ec2Other: 'EC2 - Other',
  vpc: 'Amazon Virtual Private Cloud',
  s3: 'Amazon Simple Storage Service',
  rds: 'Amazon Relational Database Service',
  cloudwatch: 'AmazonCloudWatch',
  elb: 'Amazon Elastic Load Balancing',
  elasticache: 'Amazon ElastiCache',
  kms: 'AWS Key Management Service',
  lambda: 'AWS Lambda',
  sqs: 'Amazon Simple Queue Service',
  route53: 'Amazon Route 53',
  support: 'AWS Support (Business)',
  savingsPlans: 'Savings Plans for AWS Compute usage',
  tax: 'Tax',
} as const;

/** Public IPv4 ranges EC2 hands out, by region (first two octets). */
const PUBLIC_IP_PREFIXES: Record<string, readonly string[]> = {
  'us-east-1': ['3.85', '34.204', '44.201', '54.87'], 'us-east-2': ['3.139', '18.188', '18.221'],
  'us-west-1': ['13.57', '54.183'], 'us-west-2': ['34.212', '44.234', '54.70'],
  'ap-south-1': ['13.232', '65.0'], 'ap-northeast-1': ['18.181', '54.250'], 'ap-northeast-2': ['3.36', '43.201'],
  'ap-northeast-3': ['13.208', '15.152'], 'ap-southeast-1': ['13.212', '18.141', '54.169'],
  'ap-southeast-2': ['3.105', '54.206'], 'ca-central-1': ['15.222', '35.183'], 'eu-central-1': ['3.72', '18.184'],
  'eu-west-1': ['34.242', '52.48', '54.216'], 'eu-west-2': ['18.130', '35.176'], 'eu-west-3': ['13.38', '15.237'],
  'eu-north-1': ['13.48', '16.16'], 'sa-east-1': ['18.228', '54.232'],
};

export function publicIp(r: Rng, region: string): string {
  const prefixes = PUBLIC_IP_PREFIXES[region];
  if (!prefixes) throw new Error(`no public IP range for region ${region}`);
  return `${r.pick(prefixes)}.${r.int(0, 255)}.${r.int(1, 254)}`;
}

export function privateDnsName(ip: string, region: string): string {
  const host = `ip-${ip.replaceAll('.', '-')}`;
  return region === 'us-east-1' ? `${host}.ec2.internal` : `${host}.${region}.compute.internal`;
}

export function publicDnsName(ip: string, region: string): string {
  const host = `ec2-${ip.replaceAll('.', '-')}`;
  return region === 'us-east-1' ? `${host}.compute-1.amazonaws.com` : `${host}.${region}.compute.amazonaws.com`;
}

// ---------------------------------------------------------------------------------------------
// Principals and userIdentity blocks

export interface UserRef {
  account: string;
  userName: string;
  userId: string;
  path: string;
  arn: string;
}

export interface RoleRef {
  account: string;
  roleName: string;
  roleId: string;
  path: string;
  arn: string;
}

export function userRef(account: string, userName: string, userId: string, path = '/'): UserRef {
  return { account, userName, userId, path, arn: `arn:aws:iam::${account}:user${path}${userName}` };
}

export function roleRef(account: string, roleName: string, roleId: string, path = '/'): RoleRef {
  return { account, roleName, roleId, path, arn: `arn:aws:iam::${account}:role${path}${roleName}` };
}

/** An IAM user calling with a long-term key, or (with `consoleSession`) from a console sign-in. */
export function iamUserIdentity(
  user: UserRef,
  accessKeyId?: string,
  consoleSession?: { creationDate: number; mfa: boolean },
): UserIdentity {
  const identity: UserIdentity = {
    type: 'IAMUser',
    principalId: user.userId,
    arn: user.arn,
    accountId: user.account,
  };
  if (accessKeyId) identity.accessKeyId = accessKeyId;
  identity.userName = user.userName;
  if (consoleSession) {
    identity.sessionContext = {
      sessionIssuer: {},
      webIdFederationData: {},
      attributes: { creationDate: iso(consoleSession.creationDate), mfaAuthenticated: String(consoleSession.mfa) },
    };
  }
  return identity;
}

/** A role session (sts AssumeRole / AssumeRoleWithWebIdentity / instance profile). */
export function assumedRoleIdentity(
  role: RoleRef,
  sessionName: string,
  accessKeyId: string,
  creationDate: number,
  opts: { mfa?: boolean; invokedBy?: string } = {},
): UserIdentity {
  const identity: UserIdentity = {
    type: 'AssumedRole',
    principalId: `${role.roleId}:${sessionName}`,
    arn: `arn:aws:sts::${role.account}:assumed-role/${role.roleName}/${sessionName}`,
    accountId: role.account,
    accessKeyId,
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: role.roleId, arn: role.arn, accountId: role.account, userName: role.roleName },
      webIdFederationData: {},
      attributes: { creationDate: iso(creationDate), mfaAuthenticated: String(opts.mfa ?? false) },
    },
  };
  if (opts.invokedBy) identity.invokedBy = opts.invokedBy;
  return identity;
}

export const AUTOSCALING_ROLE_PATH = '/aws-service-role/autoscaling.amazonaws.com/';

/**
 * The Auto Scaling service acting for a group: the AWSServiceRoleForAutoScaling session CloudTrail
 * shows for launches and terminations (`AssumedRole`), or the bare `AWSService` form.
 */
export function autoScalingIdentity(
  serviceRole: RoleRef,
  creationDate: number,
  form: 'AssumedRole' | 'AWSService' = 'AssumedRole',
): UserIdentity {
  if (form === 'AWSService') return { type: 'AWSService', invokedBy: 'autoscaling.amazonaws.com' };
  const session = 'AutoScaling';
  return {
    type: 'AssumedRole',
    principalId: `${serviceRole.roleId}:${session}`,
    arn: `arn:aws:sts::${serviceRole.account}:assumed-role/${serviceRole.roleName}/${session}`,
    accountId: serviceRole.account,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: serviceRole.roleId,
        arn: serviceRole.arn,
        accountId: serviceRole.account,
        userName: serviceRole.roleName,
      },
      attributes: { creationDate: iso(creationDate), mfaAuthenticated: 'false' },
    },
    invokedBy: 'autoscaling.amazonaws.com',
  };
}

/** Who makes a call, from where, with what client. */
export interface Caller {
  identity: UserIdentity;
  sourceIPAddress: string;
  userAgent: string;
  /** Calls made from a console session carry `sessionCredentialFromConsole`. */
  console?: boolean;
}

/** Calls AWS services make on their own behalf (Auto Scaling, ...). */
export function serviceCaller(identity: UserIdentity, service: string): Caller {
  return { identity, sourceIPAddress: service, userAgent: service };
}

// ---------------------------------------------------------------------------------------------
// CloudTrail records

const GLOBAL_ENDPOINTS: Record<string, string> = {
  'iam.amazonaws.com': 'iam.amazonaws.com',
  'sts.amazonaws.com': 'sts.amazonaws.com',
};

export interface RecordSpec {
  time: number;
  source: string;
  name: string;
  region: string;
  readOnly: boolean;
  request?: Record<string, unknown> | null;
  response?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  resources?: { ARN?: string; accountId?: string; type?: string }[];
  errorCode?: string;
  errorMessage?: string;
  eventType?: string;
}

/** Writes CloudTrail records for one account; ids come from its own stream. */
export class Recorder {
  readonly account: string;
  private readonly rng: Rng;
  readonly records: CloudTrailRecord[] = [];

  constructor(account: string, rng: Rng) {
    this.account = account;
    this.rng = rng;
  }

  /** A fresh request id (the `requestId` inside EC2 responses matches the record's `requestID`). */
  requestId(): string {
    return this.rng.uuid();
  }

  record(caller: Caller, spec: RecordSpec, requestID = this.rng.uuid()): CloudTrailRecord {
    const byService = caller.identity.type === 'AWSService' || caller.sourceIPAddress.endsWith('.amazonaws.com');
    // Built key by key in the order CloudTrail writes them.
    const rec: Record<string, unknown> = {
      eventVersion: spec.source === 'signin.amazonaws.com' ? '1.09' : '1.10',
      userIdentity: caller.identity,
      eventTime: iso(spec.time),
      eventSource: spec.source,
      eventName: spec.name,
      awsRegion: spec.region,
      sourceIPAddress: caller.sourceIPAddress,
      userAgent: caller.userAgent,
    };
    if (spec.errorCode) rec.errorCode = spec.errorCode;
    if (spec.errorMessage) rec.errorMessage = spec.errorMessage;
    rec.requestParameters = spec.request ?? null;
    rec.responseElements = spec.response ?? null;
    if (spec.additionalEventData) rec.additionalEventData = spec.additionalEventData;
    if (spec.source !== 'signin.amazonaws.com') rec.requestID = requestID;
    rec.eventID = this.rng.uuid();
    rec.readOnly = spec.readOnly;
    if (spec.resources) rec.resources = spec.resources;
    rec.eventType = spec.eventType ?? 'AwsApiCall';
    rec.managementEvent = true;
    rec.recipientAccountId = this.account;
    rec.eventCategory = 'Management';
    if (!byService && spec.source !== 'signin.amazonaws.com') {
      const service = spec.source.replace('.amazonaws.com', '');
      rec.tlsDetails = {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: GLOBAL_ENDPOINTS[spec.source] ?? `${service}.${spec.region}.amazonaws.com`,
      };
    }
    if (caller.console) rec.sessionCredentialFromConsole = 'true';
    const record = rec as CloudTrailRecord;
    this.records.push(record);
    return record;
  }
}

const STATE_CODES: Record<string, number> = {
  pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80,
};

export function stateOf(name: keyof typeof STATE_CODES | string): { Code: number; Name: string } {
  const code = STATE_CODES[name];
  if (code === undefined) throw new Error(`unknown instance state ${name}`);
  return { Code: code, Name: name };
}

/** An AWS-SDK-shaped IpPermission in CloudTrail's request shape (lower camel case, `items`). */
function permissionItem(p: IpPermission): Record<string, unknown> {
  const item: Record<string, unknown> = { ipProtocol: p.IpProtocol };
  if (p.FromPort !== undefined) item.fromPort = p.FromPort;
  if (p.ToPort !== undefined) item.toPort = p.ToPort;
  item.groups = p.UserIdGroupPairs?.length ? { items: p.UserIdGroupPairs.map((g) => ({ groupId: g.GroupId })) } : {};
  item.ipRanges = p.IpRanges?.length
    ? { items: p.IpRanges.map((r) => (r.Description ? { cidrIp: r.CidrIp, description: r.Description } : { cidrIp: r.CidrIp })) }
    : {};
  item.ipv6Ranges = p.Ipv6Ranges?.length ? { items: p.Ipv6Ranges.map((r) => ({ cidrIpv6: r.CidrIpv6 })) } : {};
  item.prefixListIds = {};
  return item;
}

export interface RunInstancesSpec {
  time: number;
  region: string;
  /** The instances as DescribeInstances shows them (all of one type, image and launch). */
  instances: ScenarioInstance[];
  reservationId: string;
  withUserData: boolean;
  tags?: Record<string, string>;
}

/** ec2:RunInstances with AWS's request and response shapes; user data redacted as CloudTrail does. */
export function runInstances(rec: Recorder, caller: Caller, spec: RunInstancesSpec): CloudTrailRecord {
  const first = spec.instances[0];
  if (!first) throw new Error('RunInstances needs at least one instance');
  const count = spec.instances.length;
  const launchItem: Record<string, unknown> = { imageId: first.ImageId, minCount: count, maxCount: count };
  if (first.KeyName) launchItem.keyName = first.KeyName;
  const request: Record<string, unknown> = {
    instancesSet: { items: [launchItem] },
    groupSet: { items: (first.SecurityGroups ?? []).map((g) => ({ groupId: g.GroupId })) },
  };
  if (spec.withUserData) request.userData = '<sensitiveDataRemoved>';
  Object.assign(request, {
    instanceType: first.InstanceType,
    blockDeviceMapping: {},
    monitoring: { enabled: false },
    disableApiTermination: false,
    disableApiStop: false,
    clientToken: newIdFromRecorder(rec),
  });
  if (first.SubnetId) request.subnetId = first.SubnetId;
  if (spec.tags) {
    request.tagSpecificationSet = {
      items: [{ resourceType: 'instance', tags: Object.entries(spec.tags).map(([key, value]) => ({ key, value })) }],
    };
  }
  const requestId = rec.requestId();
  const items = spec.instances.map((inst, index) => {
    const item: Record<string, unknown> = {
      instanceId: inst.InstanceId,
      imageId: inst.ImageId,
      currentInstanceBootMode: 'legacy-bios',
      instanceState: { code: 0, name: 'pending' },
      privateDnsName: inst.PrivateDnsName,
      amiLaunchIndex: index,
      productCodes: {},
      instanceType: inst.InstanceType,
      launchTime: spec.time,
      placement: { availabilityZone: inst.Placement?.AvailabilityZone, tenancy: 'default' },
      monitoring: { state: 'disabled' },
      subnetId: inst.SubnetId,
      vpcId: inst.VpcId,
      privateIpAddress: inst.PrivateIpAddress,
      stateReason: { code: 'pending', message: 'pending' },
      architecture: inst.Architecture,
      rootDeviceType: 'ebs',
      rootDeviceName: '/dev/xvda',
      blockDeviceMapping: {},
      virtualizationType: 'hvm',
      hypervisor: 'xen',
      groupSet: { items: (inst.SecurityGroups ?? []).map((g) => ({ groupId: g.GroupId, groupName: g.GroupName })) },
      sourceDestCheck: true,
      ebsOptimized: false,
      enaSupport: true,
      cpuOptions: { coreCount: inst.CpuOptions?.CoreCount, threadsPerCore: inst.CpuOptions?.ThreadsPerCore },
      enclaveOptions: { enabled: false },
      metadataOptions: { state: 'pending', httpTokens: (inst.MetadataOptions as { HttpTokens?: string } | undefined)?.HttpTokens ?? 'optional', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' },
    };
    if (inst.KeyName) item.keyName = inst.KeyName;
    return item;
  });
  return rec.record(
    caller,
    {
      time: spec.time,
      source: 'ec2.amazonaws.com',
      name: 'RunInstances',
      region: spec.region,
      readOnly: false,
      request,
      response: {
        requestId,
        reservationId: spec.reservationId,
        ownerId: rec.account,
        groupSet: {},
        instancesSet: { items },
      },
    },
    requestId,
  );
}

function newIdFromRecorder(rec: Recorder): string {
  return rec.requestId().replaceAll('-', '').slice(0, 24);
}

/** ec2:RunInstances with DryRun: AWS answers with an error, and no instances exist. */
export function runInstancesDryRun(
  rec: Recorder,
  caller: Caller,
  spec: { time: number; region: string; instanceType: string; imageId: string; count: number },
): CloudTrailRecord {
  return rec.record(caller, {
    time: spec.time,
    source: 'ec2.amazonaws.com',
    name: 'RunInstances',
    region: spec.region,
    readOnly: false,
    errorCode: 'Client.DryRunOperation',
    errorMessage: 'Request would have succeeded, but DryRun flag is set.',
    request: {
      instancesSet: { items: [{ imageId: spec.imageId, minCount: spec.count, maxCount: spec.count }] },
      instanceType: spec.instanceType,
      blockDeviceMapping: {},
      monitoring: { enabled: false },
      disableApiTermination: false,
      disableApiStop: false,
    },
  });
}

export function terminateInstances(
  rec: Recorder,
  caller: Caller,
  spec: { time: number; region: string; instanceIds: string[] },
): CloudTrailRecord {
  return ec2Write(rec, caller, spec, 'TerminateInstances',
    { instancesSet: { items: spec.instanceIds.map((instanceId) => ({ instanceId })) } },
    {
      instancesSet: {
        items: spec.instanceIds.map((instanceId) => ({
          instanceId,
          currentState: { code: 32, name: 'shutting-down' },
          previousState: { code: 16, name: 'running' },
        })),
      },
    });
}

export function createSecurityGroup(
  rec: Recorder,
  caller: Caller,
  spec: { time: number; group: ScenarioSecurityGroup },
): CloudTrailRecord {
  const g = spec.group;
  return ec2Write(rec, caller, { time: spec.time, region: g.Region }, 'CreateSecurityGroup',
    { groupName: g.GroupName, groupDescription: g.Description ?? g.GroupName, vpcId: g.VpcId },
    { _return: true, groupId: g.GroupId, securityGroupArn: `arn:aws:ec2:${g.Region}:${rec.account}:security-group/${g.GroupId}` });
}

/** ec2:AuthorizeSecurityGroupIngress; `ruleIds` are the sgr- ids AWS assigns, one per range. */
export function authorizeSecurityGroupIngress(
  rec: Recorder,
  caller: Caller,
  spec: { time: number; region: string; groupId: string; permissions: IpPermission[]; ruleIds: string[] },
): CloudTrailRecord {
  const requestId = rec.requestId();
  const rules: Record<string, unknown>[] = [];
  let n = 0;
  for (const p of spec.permissions) {
    const sources: Record<string, unknown>[] = [
      ...(p.IpRanges ?? []).map((r) => ({ cidrIpv4: r.CidrIp })),
      ...(p.Ipv6Ranges ?? []).map((r) => ({ cidrIpv6: r.CidrIpv6 })),
      ...(p.UserIdGroupPairs ?? []).map((g) => ({ referencedGroupInfo: { groupId: g.GroupId, userId: rec.account } })),
    ];
    for (const source of sources) {
      rules.push({
        groupOwnerId: rec.account,
        groupId: spec.groupId,
        securityGroupRuleId: spec.ruleIds[n++] ?? `sgr-0${requestId.replaceAll('-', '').slice(0, 16)}`,
        isEgress: false,
        ipProtocol: p.IpProtocol,
        fromPort: p.FromPort ?? -1,
        toPort: p.ToPort ?? -1,
        ...source,
      });
    }
  }
  return rec.record(
    caller,
    {
      time: spec.time,
      source: 'ec2.amazonaws.com',
      name: 'AuthorizeSecurityGroupIngress',
      region: spec.region,
      readOnly: false,
      request: { groupId: spec.groupId, ipPermissions: { items: spec.permissions.map(permissionItem) } },
      response: { requestId, _return: true, securityGroupRuleSet: { items: rules } },
    },
    requestId,
  );
}

/** ec2:ModifyInstanceAttribute for a boolean attribute such as disableApiTermination. */
export function modifyInstanceAttribute(
  rec: Recorder,
  caller: Caller,
  spec: { time: number; region: string; instanceId: string; attribute: string; value: boolean | string },
): CloudTrailRecord {
  return ec2Write(rec, caller, spec, 'ModifyInstanceAttribute',
    { instanceId: spec.instanceId, [spec.attribute]: { value: spec.value } },
    { _return: true });
}

export function createTags(
  rec: Recorder,
  caller: Caller,
  spec: { time: number; region: string; resourceIds: string[]; tags: Record<string, string> },
): CloudTrailRecord {
  return ec2Write(rec, caller, spec, 'CreateTags', {
    resourcesSet: { items: spec.resourceIds.map((resourceId) => ({ resourceId })) },
    tagSet: { items: Object.entries(spec.tags).map(([key, value]) => ({ key, value })) },
  }, { _return: true });
}

export function importKeyPair(
  rec: Recorder,
  caller: Caller,
  spec: { time: number; region: string; keyName: string; keyPairId: string; fingerprint: string },
): CloudTrailRecord {
  return ec2Write(rec, caller, spec, 'ImportKeyPair',
    { keyName: spec.keyName, publicKeyMaterial: '<sensitiveDataRemoved>' },
    { keyName: spec.keyName, keyFingerprint: spec.fingerprint, keyPairId: spec.keyPairId });
}

export function describeRegions(rec: Recorder, caller: Caller, spec: { time: number; region: string }): CloudTrailRecord {
  return rec.record(caller, {
    time: spec.time,
    source: 'ec2.amazonaws.com',
    name: 'DescribeRegions',
    region: spec.region,
    readOnly: true,
    request: { regionSet: {}, allRegions: true },
  });
}

/** servicequotas:GetServiceQuota, e.g. L-1216C47A (running On-Demand Standard instances, vCPUs). */
export function getServiceQuota(
  rec: Recorder,
  caller: Caller,
  spec: { time: number; region: string; serviceCode: string; quotaCode: string },
): CloudTrailRecord {
  return rec.record(caller, {
    time: spec.time,
    source: 'servicequotas.amazonaws.com',
    name: 'GetServiceQuota',
    region: spec.region,
    readOnly: true,
    request: { ServiceCode: spec.serviceCode, QuotaCode: spec.quotaCode },
  });
}

export function getCallerIdentity(rec: Recorder, caller: Caller, spec: { time: number; region?: string }): CloudTrailRecord {
  return rec.record(caller, {
    time: spec.time,
    source: 'sts.amazonaws.com',
    name: 'GetCallerIdentity',
    region: spec.region ?? 'us-east-1',
    readOnly: true,
  });
}

/** The user object IAM returns for CreateUser, as CloudTrail logs it. */
function iamUserResponse(user: UserRef, createDate: number): Record<string, unknown> {
  return { path: user.path, userName: user.userName, userId: user.userId, arn: user.arn, createDate: iamDate(createDate) };
}

/** A successful management write by `caller`: what the IAM and tampering builders share. */
function managementWrite(
  rec: Recorder, caller: Caller, spec: { time: number; region: string }, source: string, name: string,
  request: Record<string, unknown>, response?: Record<string, unknown>,
): CloudTrailRecord {
  return rec.record(caller, { time: spec.time, source, name, region: spec.region, readOnly: false, request, ...(response ? { response } : {}) });
}

/** An EC2 write: EC2 echoes the request id in its response, and CloudTrail records the same id. */
function ec2Write(
  rec: Recorder, caller: Caller, spec: { time: number; region: string }, name: string,
  request: Record<string, unknown>, response: Record<string, unknown>,
): CloudTrailRecord {
  const requestId = rec.requestId();
  return rec.record(caller, { time: spec.time, source: 'ec2.amazonaws.com', name, region: spec.region, readOnly: false, request, response: { requestId, ...response } }, requestId);
}

/** IAM is global: CloudTrail records its calls in us-east-1. */
function iamWrite(rec: Recorder, caller: Caller, time: number, name: string, request: Record<string, unknown>, response?: Record<string, unknown>): CloudTrailRecord {
  return managementWrite(rec, caller, { time, region: 'us-east-1' }, 'iam.amazonaws.com', name, request, response);
}

export function createUser(rec: Recorder, caller: Caller, spec: { time: number; user: UserRef }): CloudTrailRecord {
  const request = spec.user.path === '/' ? { userName: spec.user.userName } : { path: spec.user.path, userName: spec.user.userName };
  return iamWrite(rec, caller, spec.time, 'CreateUser', request, { user: iamUserResponse(spec.user, spec.time) });
}

/** iam:CreateAccessKey. CloudTrail never logs the secret access key, and neither does this. */
export function createAccessKey(
  rec: Recorder,
  caller: Caller,
  spec: { time: number; userName: string; accessKeyId: string },
): CloudTrailRecord {
  return iamWrite(rec, caller, spec.time, 'CreateAccessKey', { userName: spec.userName }, {
    accessKey: { userName: spec.userName, accessKeyId: spec.accessKeyId, status: 'Active', createDate: iamDate(spec.time) },
  });
}

export function createLoginProfile(
  rec: Recorder,
  caller: Caller,
  spec: { time: number; userName: string; passwordResetRequired?: boolean },
): CloudTrailRecord {
  const reset = spec.passwordResetRequired ?? false;
  return iamWrite(rec, caller, spec.time, 'CreateLoginProfile', { userName: spec.userName, passwordResetRequired: reset }, {
    loginProfile: { userName: spec.userName, createDate: iamDate(spec.time), passwordResetRequired: reset },
  });
}

export function attachUserPolicy(
  rec: Recorder,
  caller: Caller,
  spec: { time: number; userName: string; policyArn: string },
): CloudTrailRecord {
  return iamWrite(rec, caller, spec.time, 'AttachUserPolicy', { userName: spec.userName, policyArn: spec.policyArn });
}

/** A successful console sign-in of an IAM user. */
export function consoleLogin(
  rec: Recorder,
  spec: { time: number; user: UserRef; sourceIPAddress: string; userAgent: string; mfa: boolean },
): CloudTrailRecord {
  const caller: Caller = {
    identity: iamUserIdentity(spec.user),
    sourceIPAddress: spec.sourceIPAddress,
    userAgent: spec.userAgent,
  };
  const additionalEventData: Record<string, unknown> = {
    LoginTo: 'https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_c6e3d1a0f1b2c3d4',
    MobileVersion: 'No',
    MFAUsed: spec.mfa ? 'Yes' : 'No',
  };
  if (spec.mfa) additionalEventData.MfaType = 'Virtual MFA';
  return rec.record(caller, {
    time: spec.time,
    source: 'signin.amazonaws.com',
    name: 'ConsoleLogin',
    region: 'us-east-1',
    readOnly: false,
    response: { ConsoleLogin: 'Success' },
    additionalEventData,
    eventType: 'AwsConsoleSignIn',
  });
}

export function stopLogging(rec: Recorder, caller: Caller, spec: { time: number; region: string; trailArn: string }): CloudTrailRecord {
  return managementWrite(rec, caller, spec, 'cloudtrail.amazonaws.com', 'StopLogging', { name: spec.trailArn });
}

export function deleteTrail(rec: Recorder, caller: Caller, spec: { time: number; region: string; trailArn: string }): CloudTrailRecord {
  return managementWrite(rec, caller, spec, 'cloudtrail.amazonaws.com', 'DeleteTrail', { name: spec.trailArn });
}

export function deleteLogGroup(rec: Recorder, caller: Caller, spec: { time: number; region: string; logGroupName: string }): CloudTrailRecord {
  return managementWrite(rec, caller, spec, 'logs.amazonaws.com', 'DeleteLogGroup', { logGroupName: spec.logGroupName });
}

export function deleteDetector(rec: Recorder, caller: Caller, spec: { time: number; region: string; detectorId: string }): CloudTrailRecord {
  return managementWrite(rec, caller, spec, 'guardduty.amazonaws.com', 'DeleteDetector', { detectorId: spec.detectorId });
}

/**
 * sts:AssumeRole. The real record also carries the session token in `responseElements.credentials`;
 * scenarios leave it out so that no credential material of any kind appears in them.
 */
export function assumeRole(
  rec: Recorder,
  caller: Caller,
  spec: { time: number; region: string; role: RoleRef; sessionName: string; accessKeyId: string; durationSeconds?: number },
): CloudTrailRecord {
  const duration = spec.durationSeconds ?? 3600;
  return rec.record(caller, {
    time: spec.time,
    source: 'sts.amazonaws.com',
    name: 'AssumeRole',
    region: spec.region,
    readOnly: true,
    request: { roleArn: spec.role.arn, roleSessionName: spec.sessionName, durationSeconds: duration },
    response: {
      credentials: { accessKeyId: spec.accessKeyId, expiration: iamDate(spec.time + duration * 1000) },
      assumedRoleUser: {
        assumedRoleId: `${spec.role.roleId}:${spec.sessionName}`,
        arn: `arn:aws:sts::${spec.role.account}:assumed-role/${spec.role.roleName}/${spec.sessionName}`,
      },
    },
    resources: [{ accountId: spec.role.account, type: 'AWS::IAM::Role', ARN: spec.role.arn }],
  });
}

// ---------------------------------------------------------------------------------------------
// EC2 objects

export interface InstanceSpec {
  id: string;
  region: string;
  az: string;
  type: string;
  launchTime: number;
  state?: string;
  tags?: Record<string, string>;
  securityGroups: { GroupId: string; GroupName: string }[];
  vpcId: string;
  subnetId: string;
  privateIp: string;
  publicIp?: string;
  imageId: string;
  keyName?: string;
  architecture?: 'x86_64' | 'arm64';
  /** Plain-text user data; stored base64 as DescribeInstanceAttribute returns it. */
  userData?: string;
  instanceProfileArn?: string;
  rootVolume: { id: string; sizeGb: number };
  imdsV2?: boolean;
}

export interface ScenarioVolume extends Record<string, unknown> {
  Region: string;
  VolumeId: string;
}

/** vCPUs split into cores and threads as DescribeInstances reports them (x86: 2 threads a core). */
function cpuOptions(type: string): { CoreCount: number; ThreadsPerCore: number } {
  const size = type.split('.')[1] ?? 'large';
  const m = /^(\d+)xlarge$/.exec(size);
  const vcpus = m ? Number(m[1]) * 4 : size === 'xlarge' ? 4 : 2;
  return { CoreCount: vcpus / 2, ThreadsPerCore: 2 };
}

export function buildInstance(spec: InstanceSpec): { instance: ScenarioInstance; volume: ScenarioVolume } {
  const state = spec.state ?? 'running';
  const instance: ScenarioInstance = {
    InstanceId: spec.id,
    InstanceType: spec.type,
    LaunchTime: iso(spec.launchTime),
    State: stateOf(state),
    Region: spec.region,
    ImageId: spec.imageId,
    Architecture: spec.architecture ?? 'x86_64',
    Placement: { AvailabilityZone: spec.az, GroupName: '', Tenancy: 'default' },
    VpcId: spec.vpcId,
    SubnetId: spec.subnetId,
    PrivateIpAddress: spec.privateIp,
    PrivateDnsName: privateDnsName(spec.privateIp, spec.region),
  };
  if (spec.publicIp && state === 'running') {
    instance.PublicIpAddress = spec.publicIp;
    instance.PublicDnsName = publicDnsName(spec.publicIp, spec.region);
  }
  if (spec.keyName) instance.KeyName = spec.keyName;
  instance.SecurityGroups = spec.securityGroups.map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName }));
  if (spec.instanceProfileArn) instance.IamInstanceProfile = { Arn: spec.instanceProfileArn, Id: `AIPA${spec.id.slice(2, 19).toUpperCase()}` };
  instance.BlockDeviceMappings = [
    {
      DeviceName: '/dev/xvda',
      Ebs: { AttachTime: iso(spec.launchTime + 1000), DeleteOnTermination: true, Status: 'attached', VolumeId: spec.rootVolume.id },
    },
  ];
  instance.RootDeviceName = '/dev/xvda';
  instance.RootDeviceType = 'ebs';
  instance.VirtualizationType = 'hvm';
  instance.EbsOptimized = false;
  instance.EnaSupport = true;
  instance.Monitoring = { State: 'disabled' };
  instance.PlatformDetails = 'Linux/UNIX';
  instance.CpuOptions = cpuOptions(spec.type);
  instance.MetadataOptions = { HttpTokens: spec.imdsV2 === false ? 'optional' : 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2 };
  if (spec.tags && Object.keys(spec.tags).length > 0) {
    instance.Tags = Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value }));
  }
  if (state === 'stopped') instance.StateTransitionReason = `User initiated (${iso(spec.launchTime + DAY)})`;
  if (spec.userData !== undefined) instance.UserData = Buffer.from(spec.userData, 'utf8').toString('base64');

  const volume: ScenarioVolume = {
    Region: spec.region,
    VolumeId: spec.rootVolume.id,
    Size: spec.rootVolume.sizeGb,
    VolumeType: 'gp3',
    Iops: 3000,
    Throughput: 125,
    State: 'in-use',
    AvailabilityZone: spec.az,
    CreateTime: iso(spec.launchTime),
    Encrypted: spec.region === 'us-east-1' || spec.region === 'eu-west-1',
    MultiAttachEnabled: false,
    Attachments: [
      {
        AttachTime: iso(spec.launchTime + 1000),
        Device: '/dev/xvda',
        InstanceId: spec.id,
        State: 'attached',
        VolumeId: spec.rootVolume.id,
        DeleteOnTermination: true,
      },
    ],
  };
  return { instance, volume };
}

const ALL_TRAFFIC: IpPermission = { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] };

/** A tcp rule from CIDRs (IPv4, and IPv6 when a CIDR contains ':'). */
export function tcpFrom(port: number, cidrs: string[], toPort = port, description?: string): IpPermission {
  const rule: IpPermission = { IpProtocol: 'tcp', FromPort: port, ToPort: toPort };
  const v4 = cidrs.filter((c) => !c.includes(':'));
  const v6 = cidrs.filter((c) => c.includes(':'));
  if (v4.length) rule.IpRanges = v4.map((CidrIp) => (description ? { CidrIp, Description: description } : { CidrIp }));
  if (v6.length) rule.Ipv6Ranges = v6.map((CidrIpv6) => (description ? { CidrIpv6, Description: description } : { CidrIpv6 }));
  return rule;
}

/** A rule that admits members of another group (or, for the default group, of itself). */
export function fromGroup(protocol: string, groupId: string, account: string, port?: number): IpPermission {
  const rule: IpPermission = { IpProtocol: protocol };
  if (port !== undefined) Object.assign(rule, { FromPort: port, ToPort: port });
  rule.UserIdGroupPairs = [{ GroupId: groupId, UserId: account }];
  return rule;
}

export function buildSecurityGroup(spec: {
  id: string;
  name: string;
  description: string;
  region: string;
  vpcId: string;
  owner: string;
  ingress: IpPermission[];
  egress?: IpPermission[];
  tags?: Record<string, string>;
}): ScenarioSecurityGroup {
  const group: ScenarioSecurityGroup = {
    GroupId: spec.id,
    GroupName: spec.name,
    Description: spec.description,
    Region: spec.region,
    VpcId: spec.vpcId,
    OwnerId: spec.owner,
    IpPermissions: spec.ingress,
    IpPermissionsEgress: spec.egress ?? [ALL_TRAFFIC],
  };
  if (spec.tags) group.Tags = Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value }));
  return group;
}

// ---------------------------------------------------------------------------------------------
// CloudWatch series

/** A metric's value for the 5-minute period starting at `t` (epoch ms); null means no datapoint. */
export type Profile = (t: number) => number | null;

export type Ec2Metric = 'CPUUtilization' | 'NetworkIn' | 'NetworkOut';

/** One AWS/EC2 metric of one instance over [from, to): only periods complete by `to` are written. */
export function metricSeries(spec: {
  instanceId: string;
  region: string;
  metric: Ec2Metric;
  from: number;
  to: number;
  profile: Profile;
  period?: number;
  digits?: number;
}): MetricSeriesSpec | undefined {
  const period = spec.period ?? 300;
  const step = period * 1000;
  const start = Math.ceil(spec.from / step) * step;
  const count = Math.floor((spec.to - start) / step);
  if (count <= 0) return undefined;
  const scale = 10 ** (spec.digits ?? 0);
  const values = Array.from({ length: count }, (_, k) => {
    const v = spec.profile(start + k * step);
    return v === null ? null : Math.round(v * scale) / scale;
  });
  return {
    Namespace: 'AWS/EC2',
    MetricName: spec.metric,
    Dimensions: [{ Name: 'InstanceId', Value: spec.instanceId }],
    Region: spec.region,
    Start: iso(start),
    Period: period,
    Values: values,
  };
}

/** 0 at the quietest hour, 1 at `peakHourUtc`: a smooth daily cycle. */
export function diurnal(t: number, peakHourUtc: number): number {
  return 0.5 + 0.5 * Math.cos(((hourOfDay(t) - peakHourUtc) / 24) * 2 * Math.PI);
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** 5-minute period index: the `k` for stateless noise. */
export function periodIndex(t: number): number {
  return Math.floor(t / (5 * MINUTE));
}

// ---------------------------------------------------------------------------------------------
// Costs

interface LedgerSeries {
  dims: CostDimensions;
  amounts: number[];
}

/**
 * Daily unblended cost as Cost Explorer would report it at `now`: whole days back to `startDay`,
 * and today only up to `now`. Written out as compact `daily` series plus `lineItems` for fees.
 */
export class CostLedger {
  readonly start: number;
  readonly now: number;
  readonly days: number;
  private readonly series = new Map<string, LedgerSeries>();
  private readonly items: CostLineItem[] = [];
  /** AWS Cost Anomaly Detection anomalies (GetAnomalies `Anomaly` objects), written as `costs.anomalies`. */
  readonly anomalies: Record<string, unknown>[] = [];

  constructor(now: number, daysBack: number) {
    this.now = now;
    this.start = dayStart(now) - daysBack * DAY;
    this.days = daysBack + 1;
  }

  private bucket(dims: CostDimensions): number[] {
    const key = [dims.service, dims.region, dims.usageType, dims.instanceType, dims.recordType, dims.linkedAccount].join('|');
    let s = this.series.get(key);
    if (!s) {
      s = { dims, amounts: new Array<number>(this.days).fill(0) };
      this.series.set(key, s);
    }
    return s.amounts;
  }

  /** Cost accruing at `ratePerHour` over [from, to), clipped to the ledger's span and to now. */
  addSpan(dims: CostDimensions, from: number, to: number, ratePerHour: number): void {
    const a = Math.max(from, this.start);
    const b = Math.min(to, this.now);
    if (b <= a || ratePerHour === 0) return;
    const amounts = this.bucket(dims);
    for (let t = a; t < b; ) {
      const d = Math.floor((t - this.start) / DAY);
      const end = Math.min(b, this.start + (d + 1) * DAY);
      amounts[d] = (amounts[d] ?? 0) + ((end - t) / HOUR) * ratePerHour;
      t = end;
    }
  }

  /** A cost accruing evenly through each day; today gets the share elapsed by now. */
  addDaily(dims: CostDimensions, perDay: (dayStartMs: number, dayIndex: number) => number, from = this.start): void {
    const amounts = this.bucket(dims);
    for (let d = 0; d < this.days; d++) {
      const t = this.start + d * DAY;
      if (t + DAY <= from) continue;
      const share = Math.min(1, (this.now - t) / DAY);
      if (share <= 0) break;
      amounts[d] = (amounts[d] ?? 0) + perDay(t, d) * share;
    }
  }

  /** A cost of `amount` on the day containing `t` (if that day is in range and not after now). */
  addOnDay(dims: CostDimensions, t: number, amount: number): void {
    if (t < this.start || t > this.now) return;
    const amounts = this.bucket(dims);
    const d = Math.floor((t - this.start) / DAY);
    amounts[d] = (amounts[d] ?? 0) + amount;
  }

  /** A monthly fee charged on the 1st of every month in range. */
  addOnFirstOfMonths(item: (date: string) => CostLineItem): void {
    for (let d = 0; d < this.days; d++) {
      const date = isoDay(this.start + d * DAY);
      if (date.endsWith('-01')) this.addLineItem(item(date));
    }
  }

  /** A one-off charge (fees, tax) written as a line item. */
  addLineItem(item: CostLineItem): void {
    const t = ms(`${item.date}T00:00:00Z`);
    if (t < this.start || t > this.now) return;
    this.items.push(item);
  }

  /**
   * Tax on each month that ended within the ledger, charged on its last day: `rate` times the
   * month's usage (scaled up when the ledger starts mid-month).
   */
  addMonthEndTax(rate: number, dims: CostDimensions = { service: SERVICE.tax, region: 'global', recordType: 'Tax' }): void {
    const months = new Map<string, { amount: number; days: number }>();
    for (const { dims: d, amounts } of this.series.values()) {
      if ((d.recordType ?? 'Usage') !== 'Usage') continue;
      amounts.forEach((v, i) => {
        const month = isoDay(this.start + i * DAY).slice(0, 7);
        const m = months.get(month) ?? { amount: 0, days: 0 };
        m.amount += v;
        months.set(month, m);
      });
    }
    for (let i = 0; i < this.days; i++) {
      const month = isoDay(this.start + i * DAY).slice(0, 7);
      const m = months.get(month);
      if (m) m.days++;
    }
    for (const [month, m] of months) {
      const [y, mo] = month.split('-').map(Number) as [number, number];
      const lastDay = Date.UTC(y, mo, 0);
      const daysInMonth = new Date(lastDay).getUTCDate();
      if (lastDay + DAY > this.now) continue;
      const amount = Math.round(rate * m.amount * (daysInMonth / m.days) * 100) / 100;
      this.addLineItem({ date: isoDay(lastDay), ...dims, amount });
    }
  }

  /** The daily cost of the series whose dimensions `match`, summed, by date (YYYY-MM-DD). */
  dailyAmounts(match: (dims: CostDimensions) => boolean): Map<string, number> {
    const out = new Map<string, number>();
    for (let d = 0; d < this.days; d++) out.set(isoDay(this.start + d * DAY), 0);
    for (const { dims, amounts } of this.series.values()) {
      if (!match(dims)) continue;
      amounts.forEach((v, d) => {
        const date = isoDay(this.start + d * DAY);
        out.set(date, (out.get(date) ?? 0) + v);
      });
    }
    return out;
  }

  toCosts(): ScenarioCosts {
    const daily = [];
    for (const { dims, amounts } of this.series.values()) {
      const first = amounts.findIndex((v) => v > 0);
      if (first < 0) continue;
      let last = amounts.length - 1;
      while (last > first && (amounts[last] ?? 0) <= 0) last--;
      // Four decimals: Cost Explorer gives more digits, which nothing here needs.
      const out = amounts.slice(first, last + 1).map((v) => Math.round(v * 10_000) / 10_000);
      daily.push({ ...dims, start: isoDay(this.start + first * DAY), amounts: out });
    }
    const costs: ScenarioCosts = { currency: 'USD', daily };
    if (this.items.length) costs.lineItems = [...this.items].sort((a, b) => a.date.localeCompare(b.date));
    if (this.anomalies.length) costs.anomalies = this.anomalies;
    return costs;
  }
}

// ---------------------------------------------------------------------------------------------
// The account draft

/** What an instance does over its life: profiles for its metrics, and how much of its traffic leaves AWS. */
export interface Workload {
  instanceId: string;
  region: string;
  type: string;
  from: number;
  /** End of life (termination) or Infinity. */
  to: number;
  cpu: Profile;
  netIn: Profile;
  netOut: Profile;
  /** Share of NetworkOut that is internet egress (billed as data transfer out). */
  egressShare: number;
  rootGb: number;
  publicIp: boolean;
  /** Write CloudWatch series from this instant (or from launch, whichever is later); none when absent. */
  metricsFrom?: number;
}

/**
 * One account being written: the sections of a scenario plus the workloads behind its metrics and
 * its EC2 costs. `toScenario` renders series and instance costs from the workloads, so the bill,
 * the metrics and the inventory agree.
 */
export class AccountDraft {
  readonly account: string;
  readonly alias: string;
  readonly now: number;
  readonly rng: Rng;
  readonly recorder: Recorder;
  readonly ledger: CostLedger;
  readonly instances: ScenarioInstance[] = [];
  readonly volumes: ScenarioVolume[] = [];
  readonly securityGroups: ScenarioSecurityGroup[] = [];
  readonly trails: ScenarioTrail[] = [];
  readonly users: ScenarioUser[] = [];
  readonly roles: ScenarioRole[] = [];
  readonly groups: ScenarioGroup[] = [];
  readonly guardduty: Required<ScenarioGuardDuty> = { detectors: [], findings: [] };
  readonly workloads = new Map<string, Workload>();
  /** Run after instance costs are in the ledger and before it is written (taxes on the month's usage). */
  readonly costFinalizers: ((ledger: CostLedger) => void)[] = [];
  root: { mfaActive: boolean; accessKeysActive: number; passwordLastUsed?: string } = { mfaActive: true, accessKeysActive: 0 };

  constructor(opts: { account: string; alias: string; now: string; seed: string | number; costDays: number }) {
    this.account = opts.account;
    this.alias = opts.alias;
    this.now = ms(opts.now);
    this.rng = new Rng(opts.seed);
    this.recorder = new Recorder(opts.account, this.rng.fork('cloudtrail'));
    this.ledger = new CostLedger(this.now, opts.costDays);
  }

  /** Adds an instance to the inventory (and its root volume), with the workload behind it. */
  addInstance(spec: InstanceSpec, workload?: Omit<Workload, 'instanceId' | 'region' | 'type' | 'from' | 'rootGb' | 'publicIp'>): ScenarioInstance {
    const { instance, volume } = buildInstance(spec);
    this.instances.push(instance);
    this.volumes.push(volume);
    if (workload) this.addWorkload(spec, workload);
    return instance;
  }

  /** A workload for an instance that is not (or no longer) in the inventory, e.g. a terminated CI runner. */
  addWorkload(spec: InstanceSpec, workload: Omit<Workload, 'instanceId' | 'region' | 'type' | 'from' | 'rootGb' | 'publicIp'>): void {
    this.workloads.set(spec.id, {
      instanceId: spec.id,
      region: spec.region,
      type: spec.type,
      from: spec.launchTime,
      rootGb: spec.rootVolume.sizeGb,
      publicIp: spec.publicIp !== undefined,
      ...workload,
    });
  }

  workload(instanceId: string): Workload {
    const w = this.workloads.get(instanceId);
    if (!w) throw new Error(`no workload for ${instanceId}`);
    return w;
  }

  user(userName: string): ScenarioUser {
    const u = this.users.find((x) => x.UserName === userName);
    if (!u) throw new Error(`no user ${userName}`);
    return u;
  }

  /** Marks an access key as last used by `time` (keeps the latest use). */
  touchKey(userName: string, accessKeyId: string, time: number, service: string, region: string): void {
    const key = this.user(userName).AccessKeys?.find((k) => k.AccessKeyId === accessKeyId);
    if (!key) throw new Error(`no key ${accessKeyId} for ${userName}`);
    const last = key.LastUsed?.LastUsedDate ? ms(key.LastUsed.LastUsedDate) : 0;
    if (time >= last) key.LastUsed = { LastUsedDate: iso(time), ServiceName: service, Region: region };
  }

  /** EC2 instance hours, EBS, public IPv4 and data transfer out, from the workloads. */
  private addWorkloadCosts(): void {
    const egressByRegion = new Map<string, number[]>();
    for (const w of this.workloads.values()) {
      const to = Math.min(w.to, this.now);
      this.ledger.addSpan(
        { service: SERVICE.ec2Compute, region: w.region, usageType: usageType(w.region, `BoxUsage:${w.type}`), instanceType: w.type, recordType: 'Usage' },
        w.from, to, hourlyPrice(w.type, w.region),
      );
      this.ledger.addSpan(
        { service: SERVICE.ec2Other, region: w.region, usageType: usageType(w.region, 'EBS:VolumeUsage.gp3'), recordType: 'Usage' },
        w.from, to, (w.rootGb * GP3_PER_GB_MONTH) / 730,
      );
      if (w.publicIp) {
        this.ledger.addSpan(
          { service: SERVICE.vpc, region: w.region, usageType: usageType(w.region, 'PublicIPv4:InUseAddress', { legacy: false }), recordType: 'Usage' },
          w.from, to, PUBLIC_IPV4_PER_HOUR,
        );
      }
      if (w.egressShare > 0) {
        // Hourly sampling of the 5-minute profile is exact enough for a bill and keeps large accounts fast.
        const days = egressByRegion.get(w.region) ?? new Array<number>(this.ledger.days).fill(0);
        egressByRegion.set(w.region, days);
        const a = Math.max(w.from, this.ledger.start);
        for (let t = Math.floor(a / HOUR) * HOUR; t < to; t += HOUR) {
          const covered = (Math.min(t + HOUR, to) - Math.max(t, a)) / HOUR;
          const bytes = (w.netOut(t + 30 * MINUTE) ?? 0) * 12 * w.egressShare * covered;
          const d = Math.floor((t - this.ledger.start) / DAY);
          days[d] = (days[d] ?? 0) + bytes / 1024 ** 3;
        }
      }
    }
    for (const [region, days] of egressByRegion) {
      const dims = { service: SERVICE.ec2Other, region, usageType: usageType(region, 'DataTransfer-Out-Bytes'), recordType: 'Usage' };
      days.forEach((gb, d) => this.ledger.addOnDay(dims, this.ledger.start + d * DAY, gb * egressPricePerGb(region)));
    }
  }

  private renderSeries(): MetricSeriesSpec[] {
    const series: MetricSeriesSpec[] = [];
    for (const w of this.workloads.values()) {
      if (w.metricsFrom === undefined) continue;
      const from = Math.max(w.from, w.metricsFrom);
      const to = Math.min(w.to, this.now);
      const metrics: [Ec2Metric, Profile, number][] = [
        ['CPUUtilization', w.cpu, 1],
        ['NetworkIn', w.netIn, 0],
        ['NetworkOut', w.netOut, 0],
      ];
      for (const [metric, profile, digits] of metrics) {
        const s = metricSeries({ instanceId: w.instanceId, region: w.region, metric, from, to, profile, digits });
        if (s) series.push(s);
      }
    }
    return series;
  }

  toScenario(opts: { name: string; description: string; simulation?: ScenarioSimulation }): Scenario {
    this.addWorkloadCosts();
    for (const finalize of this.costFinalizers) finalize(this.ledger);
    const events = [...this.recorder.records].sort((a, b) => a.eventTime.localeCompare(b.eventTime));
    const late = events.find((e) => ms(e.eventTime) > this.now);
    if (late) throw new Error(`event ${late.eventName} at ${late.eventTime} is after now`);
    const scenario: Scenario = {
      format: SCENARIO_FORMAT,
      name: opts.name,
      description: opts.description,
      now: iso(this.now),
      account: { id: this.account, alias: this.alias },
      regions: defaultRegions(),
      ec2: { instances: this.instances, securityGroups: this.securityGroups, volumes: this.volumes },
      cloudtrail: { trails: this.trails, events },
      cloudwatch: { series: this.renderSeries() },
      costs: this.ledger.toCosts(),
      iam: { users: this.users, roles: this.roles, groups: this.groups, root: this.root },
      guardduty: this.guardduty,
    };
    if (opts.simulation) scenario.simulation = opts.simulation;
    return scenario;
  }
}

/** An access key entry as the scenario's IAM section holds it. */
export function accessKeyEntry(accessKeyId: string, created: number): ScenarioAccessKey {
  return { AccessKeyId: accessKeyId, Status: 'Active', CreateDate: iso(created) };
}

export const POLICY = {
  admin: { PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
  powerUser: { PolicyName: 'PowerUserAccess', PolicyArn: 'arn:aws:iam::aws:policy/PowerUserAccess' },
  readOnly: { PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
  ec2Full: { PolicyName: 'AmazonEC2FullAccess', PolicyArn: 'arn:aws:iam::aws:policy/AmazonEC2FullAccess' },
  iamFull: { PolicyName: 'IAMFullAccess', PolicyArn: 'arn:aws:iam::aws:policy/IAMFullAccess' },
  ssmCore: { PolicyName: 'AmazonSSMManagedInstanceCore', PolicyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore' },
  cwAgent: { PolicyName: 'CloudWatchAgentServerPolicy', PolicyArn: 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy' },
  autoScalingService: {
    PolicyName: 'AutoScalingServiceRolePolicy',
    PolicyArn: 'arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy',
  },
} as const;

/** A trust policy document for a service principal or an OIDC provider. */
export function trustPolicy(principal: Record<string, string>, action = 'sts:AssumeRole'): Record<string, unknown> {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: action }] };
}

/** The user agents seen in the scenarios. */
export const USER_AGENT = {
  browser: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  browserWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  browserLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  awsCli: (command: string): string =>
    `aws-cli/2.17.5 md/awscrt#0.20.11 ua/2.0 os/linux#6.5.0-1025-azure md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.22 md/prompt#off md/command#${command}`,
  terraform: 'APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.76.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.4 ua/2.1 os/linux lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.187.0',
  boto3: 'Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.15.0-122-generic md/arch#x86_64 lang/python#3.10.12 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.144',
  consoleInternal: 'AWS Internal',
} as const;
