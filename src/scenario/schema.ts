// The zod schema of the scenario format (shared/scenario/FORMAT.md). rigwatch's own shapes (the top
// level, sections, cost items, metric series, simulation) are strict, so a misspelt key is an
// error; AWS's shapes (instances, security groups, trails, CloudTrail records, IAM and GuardDuty
// objects) keep unknown keys, because real API output carries many and the format promises to
// accept it, but the keys the format names are type-checked.

import { z } from 'zod';
import {
  DEFAULT_REGIONS,
  SCENARIO_FORMAT,
  type Scenario,
  type ScenarioAccount,
} from './types.js';

const NOT_TIMESTAMP = 'not an ISO-8601 timestamp';
const NOT_DATE = 'not a YYYY-MM-DD date';
const NOT_ACCOUNT_ID = 'not a 12-digit AWS account id';

/** A schema-level message for a present but wrong value; a missing one stays "required". */
function unlessMissing(message: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : message);
}

// ---- Scalars ----

const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isRealDate(year: number, month: number, day: number): boolean {
  const leapDay = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0;
  return day >= 1 && day <= (DAYS_IN_MONTH[month - 1] ?? 0) + leapDay;
}

function isIsoTimestamp(text: string): boolean {
  const m = ISO_TIMESTAMP.exec(text);
  // Groups: year, month, day, hour, minute, then optional second, offset hours, offset minutes.
  return (
    m !== null &&
    isRealDate(Number(m[1]), Number(m[2]), Number(m[3])) &&
    Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6] ?? 0) <= 59 &&
    Number(m[7] ?? 0) <= 23 && Number(m[8] ?? 0) <= 59
  );
}

function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  return m !== null && isRealDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

const isValidDate = (value: unknown): value is Date => value instanceof Date && !Number.isNaN(value.getTime());

/** A Date (from a YAML 1.1 parser, or code) as an ISO string; anything else untouched. */
const dateToIso = (value: unknown) => (isValidDate(value) ? value.toISOString() : value);

/** ISO-8601 with a time zone, kept as written. */
const timestamp = z.preprocess(
  dateToIso,
  z.string({ error: unlessMissing(NOT_TIMESTAMP) }).refine(isIsoTimestamp, NOT_TIMESTAMP),
);

const utcTimestamp = z.preprocess(
  dateToIso,
  z
    .string({ error: unlessMissing(NOT_TIMESTAMP) })
    .refine(isIsoTimestamp, { message: NOT_TIMESTAMP, abort: true })
    .refine((text) => text.endsWith('Z') || text.endsWith('+00:00'), 'must be in UTC (end in Z or +00:00)'),
);

const calendarDate = z.preprocess(
  (value) => (isValidDate(value) ? value.toISOString().slice(0, 10) : value),
  z.string({ error: unlessMissing(NOT_DATE) }).refine(isIsoDate, NOT_DATE),
);

// YAML reads an unquoted 123456789012 as a number. Twelve digits are unambiguous; a shorter number
// may be an id whose leading zeros YAML dropped, so it is refused with a hint rather than padded.
const accountId = z.preprocess(
  (value) => (typeof value === 'number' && Number.isInteger(value) && value >= 1e11 && value < 1e12 ? String(value) : value),
  z
    .string({
      error: (issue) => {
        if (issue.input === undefined) return 'required';
        return typeof issue.input === 'number' ? `${NOT_ACCOUNT_ID} (quote it, or leading zeros are lost)` : undefined;
      },
    })
    .regex(/^\d{12}$/, NOT_ACCOUNT_ID),
);

const identifier = z.string().min(1);
const text = z.string();
const anyObject = z.looseObject({});

/** Base64 as AWS returns it; line breaks, as `base64` writes them, are tolerated. */
const base64 = z.string().regex(/^[A-Za-z0-9+/\s]*={0,2}\s*$/, 'not base64');

const REGION_NAME = /^[a-z]+(?:-[a-z]+)+-\d+$/;
const regionName = z.string().regex(REGION_NAME, 'not an AWS region name');

// YAML reads an unquoted `-1` (all protocols) or `6` as a number; AWS accepts both as strings.
const ipProtocol = z.preprocess(
  (value) => (typeof value === 'number' && Number.isInteger(value) ? String(value) : value),
  identifier,
);

// ---- Shared AWS shapes ----

const tags = z.array(z.looseObject({ Key: text, Value: text }));
const attachedPolicies = z.array(z.looseObject({ PolicyName: identifier, PolicyArn: identifier }));
const inlinePolicies = z.record(z.string(), z.unknown());

const ipPermission = z.looseObject({
  IpProtocol: ipProtocol,
  FromPort: z.int().optional(),
  ToPort: z.int().optional(),
  IpRanges: z.array(z.looseObject({ CidrIp: z.cidrv4({ error: 'not an IPv4 CIDR' }), Description: text.optional() })).optional(),
  Ipv6Ranges: z.array(z.looseObject({ CidrIpv6: z.cidrv6({ error: 'not an IPv6 CIDR' }), Description: text.optional() })).optional(),
  UserIdGroupPairs: z
    .array(z.looseObject({ GroupId: text.optional(), UserId: text.optional(), Description: text.optional() }))
    .optional(),
  PrefixListIds: z.array(z.looseObject({ PrefixListId: text.optional(), Description: text.optional() })).optional(),
});

// ---- ec2 ----

const INSTANCE_STATES = ['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped'] as const;

const instance = z.looseObject({
  InstanceId: identifier,
  InstanceType: identifier,
  LaunchTime: timestamp,
  State: z.looseObject({ Name: z.enum(INSTANCE_STATES), Code: z.int().optional() }),
  Region: regionName,
  SecurityGroups: z.array(z.looseObject({ GroupId: identifier, GroupName: text.optional() })).optional(),
  Tags: tags.optional(),
  IamInstanceProfile: z.looseObject({ Arn: text.optional(), Id: text.optional() }).optional(),
  Placement: z.looseObject({ AvailabilityZone: text.optional() }).optional(),
  VpcId: text.optional(),
  SubnetId: text.optional(),
  PrivateIpAddress: text.optional(),
  PublicIpAddress: text.optional(),
  ImageId: text.optional(),
  KeyName: text.optional(),
  NetworkInterfaces: z.array(anyObject).optional(),
  BlockDeviceMappings: z
    .array(
      z.looseObject({
        DeviceName: text.optional(),
        Ebs: z.looseObject({ VolumeId: text.optional(), DeleteOnTermination: z.boolean().optional() }).optional(),
      }),
    )
    .optional(),
  Architecture: text.optional(),
  CpuOptions: z.looseObject({ CoreCount: z.int().positive().optional(), ThreadsPerCore: z.int().positive().optional() }).optional(),
  UserData: base64.optional(),
});

const securityGroup = z.looseObject({
  GroupId: identifier,
  GroupName: identifier,
  Region: regionName,
  VpcId: text.optional(),
  Description: text.optional(),
  OwnerId: accountId.optional(),
  IpPermissions: z.array(ipPermission),
  IpPermissionsEgress: z.array(ipPermission),
  Tags: tags.optional(),
});

const volume = z.looseObject({ Region: regionName, VolumeId: identifier.optional(), CreateTime: timestamp.optional() });
const snapshot = z.looseObject({ Region: regionName, SnapshotId: identifier.optional(), StartTime: timestamp.optional() });

const ec2 = z.strictObject({
  instances: z.array(instance).optional(),
  securityGroups: z.array(securityGroup).optional(),
  volumes: z.array(volume).optional(),
  snapshots: z.array(snapshot).optional(),
});

// ---- cloudtrail ----

const trail = z.looseObject({
  Name: identifier,
  HomeRegion: regionName,
  IsMultiRegionTrail: z.boolean(),
  IsLogging: z.boolean(),
  TrailARN: text.optional(),
  S3BucketName: text.optional(),
  IsOrganizationTrail: z.boolean().optional(),
  LatestDeliveryTime: timestamp.optional(),
  StopLoggingTime: timestamp.optional(),
  StartLoggingTime: timestamp.optional(),
});

// CloudTrail writes mfaAuthenticated as the string "true"/"false"; unquoted in YAML it is a boolean.
const stringBoolean = z.preprocess((value) => (typeof value === 'boolean' ? String(value) : value), text);

const sessionIssuer = z.looseObject({
  type: text.optional(),
  principalId: text.optional(),
  arn: text.optional(),
  accountId: text.optional(),
  userName: text.optional(),
});

const userIdentity = z.looseObject({
  type: text.optional(),
  principalId: text.optional(),
  arn: text.optional(),
  accountId: text.optional(),
  accessKeyId: text.optional(),
  userName: text.optional(),
  invokedBy: text.optional(),
  sessionContext: z
    .looseObject({
      sessionIssuer: sessionIssuer.optional(),
      attributes: z.looseObject({ creationDate: timestamp.optional(), mfaAuthenticated: stringBoolean.optional() }).optional(),
    })
    .optional(),
});

const cloudTrailRecord = z.looseObject({
  eventTime: timestamp,
  eventSource: identifier,
  eventName: identifier,
  awsRegion: regionName,
  eventID: identifier,
  eventVersion: text.optional(),
  sourceIPAddress: text.optional(),
  userAgent: text.optional(),
  userIdentity: userIdentity.optional(),
  requestParameters: anyObject.nullable().optional(),
  responseElements: anyObject.nullable().optional(),
  additionalEventData: anyObject.optional(),
  errorCode: text.optional(),
  errorMessage: text.optional(),
  readOnly: z.boolean().optional(),
  eventType: text.optional(),
  managementEvent: z.boolean().optional(),
  recipientAccountId: accountId.optional(),
  resources: z.array(z.looseObject({ ARN: text.optional(), accountId: text.optional(), type: text.optional() })).optional(),
});

const cloudtrail = z.strictObject({
  trails: z.array(trail).optional(),
  events: z.array(cloudTrailRecord).optional(),
});

// ---- cloudwatch ----

const HIGH_RESOLUTION_PERIODS = [1, 5, 10, 30];

const period = z
  .int()
  .positive()
  .refine(
    (seconds) => seconds % 60 === 0 || HIGH_RESOLUTION_PERIODS.includes(seconds),
    'must be 1, 5, 10, 30 or a multiple of 60 seconds',
  );

const metricSeries = z.strictObject({
  Namespace: identifier,
  MetricName: identifier,
  Dimensions: z.array(z.looseObject({ Name: identifier, Value: text })),
  Region: regionName,
  Start: timestamp,
  Period: period,
  Values: z.array(z.number().nullable()),
});

const cloudwatch = z.strictObject({ series: z.array(metricSeries).optional() });

// ---- costs ----

const costDimensions = {
  service: identifier,
  region: text.optional(),
  usageType: text.optional(),
  instanceType: text.optional(),
  linkedAccount: accountId.optional(),
  recordType: text.optional(),
};

const costLineItem = z.strictObject({
  date: calendarDate,
  ...costDimensions,
  amount: z.number(),
  usageQuantity: z.number().optional(),
});

const costDailySeries = z.strictObject({
  start: calendarDate,
  ...costDimensions,
  amounts: z.array(z.number()),
});

const anomaly = z.looseObject({
  AnomalyId: identifier,
  AnomalyStartDate: text.optional(),
  AnomalyEndDate: text.optional(),
  DimensionValue: text.optional(),
  MonitorArn: text.optional(),
  Impact: z.looseObject({ MaxImpact: z.number(), TotalImpact: z.number().optional() }),
  AnomalyScore: z.looseObject({ MaxScore: z.number().optional(), CurrentScore: z.number().optional() }).optional(),
  RootCauses: z.array(anyObject).optional(),
});

const costs = z.strictObject({
  currency: z.string().regex(/^[A-Z]{3}$/, 'not a currency code (USD, EUR, ...)').optional(),
  lineItems: z.array(costLineItem).optional(),
  daily: z.array(costDailySeries).optional(),
  anomalies: z.array(anomaly).optional(),
});

// ---- iam ----

const accessKey = z.looseObject({
  AccessKeyId: identifier,
  Status: z.enum(['Active', 'Inactive']),
  CreateDate: timestamp,
  LastUsed: z
    .looseObject({ LastUsedDate: timestamp.optional(), ServiceName: text.optional(), Region: text.optional() })
    .optional(),
});

const user = z.looseObject({
  UserName: identifier,
  Arn: identifier,
  CreateDate: timestamp,
  UserId: text.optional(),
  Path: text.optional(),
  PasswordLastUsed: timestamp.optional(),
  Tags: tags.optional(),
  LoginProfile: z.looseObject({ CreateDate: timestamp, PasswordResetRequired: z.boolean().optional() }).optional(),
  AccessKeys: z.array(accessKey).optional(),
  MFADevices: z.array(z.looseObject({ SerialNumber: identifier, EnableDate: timestamp })).optional(),
  AttachedPolicies: attachedPolicies.optional(),
  InlinePolicies: inlinePolicies.optional(),
  Groups: z.array(identifier).optional(),
});

const role = z.looseObject({
  RoleName: identifier,
  Arn: identifier,
  CreateDate: timestamp,
  RoleId: text.optional(),
  Path: text.optional(),
  AssumeRolePolicyDocument: z.unknown().optional(),
  AttachedPolicies: attachedPolicies.optional(),
  InlinePolicies: inlinePolicies.optional(),
  RoleLastUsed: z.looseObject({ LastUsedDate: timestamp.optional(), Region: text.optional() }).optional(),
  Tags: tags.optional(),
});

const group = z.looseObject({
  GroupName: identifier,
  Arn: identifier,
  GroupId: text.optional(),
  CreateDate: timestamp.optional(),
  AttachedPolicies: attachedPolicies.optional(),
  InlinePolicies: inlinePolicies.optional(),
});

const iam = z.strictObject({
  users: z.array(user).optional(),
  roles: z.array(role).optional(),
  groups: z.array(group).optional(),
  root: z
    .strictObject({ mfaActive: z.boolean(), accessKeysActive: z.int().nonnegative(), passwordLastUsed: timestamp.optional() })
    .optional(),
});

// ---- guardduty ----

const guardDutyFinding = z.looseObject({
  Id: identifier,
  Type: identifier,
  Severity: z.number(),
  AccountId: text.optional(),
  Region: text.optional(),
  Arn: text.optional(),
  Title: text.optional(),
  Description: text.optional(),
  CreatedAt: timestamp.optional(),
  UpdatedAt: timestamp.optional(),
  Resource: anyObject.optional(),
  Service: anyObject.optional(),
});

const guardduty = z.strictObject({
  detectors: z
    .array(z.looseObject({ Region: regionName, DetectorId: identifier, Status: z.enum(['ENABLED', 'DISABLED']) }))
    .optional(),
  findings: z.array(guardDutyFinding).optional(),
});

// ---- elbv2 ----

// Optional section, not in FORMAT.md yet: `{ "targetGroups": [ <DescribeTargetGroups TargetGroup
// objects with Region and their registered Targets [{Id, Port?}]> ] }`.
const targetGroup = z.looseObject({
  TargetGroupArn: identifier,
  TargetGroupName: identifier,
  Region: regionName,
  VpcId: text.optional(),
  Protocol: text.optional(),
  Port: z.int().min(1).max(65535).optional(),
  TargetType: z.enum(['instance', 'ip', 'lambda', 'alb']).optional(),
  LoadBalancerArns: z.array(text).optional(),
  Targets: z.array(z.looseObject({ Id: identifier, Port: z.int().min(1).max(65535).optional(), AvailabilityZone: text.optional() })),
});

const elbv2 = z.strictObject({ targetGroups: z.array(targetGroup).optional() });

// ---- s3, sns, ssm ----

// Optional sections, not in FORMAT.md yet. s3: `{ "buckets": [{ Name, Region, Objects?: [{ Key,
// Body (base64), ETag?, LastModified?, ContentType?, ContentEncoding?, Metadata? }] }] }`.
// sns: `{ "topics": [{ TopicArn }], "published": [...] }` (published is what Publish appends).
// ssm: `{ "parameters": [{ Name, Type, Value, Region, Version?, LastModifiedDate?, Labels? }] }`.

/** General purpose bucket names: 3 to 63 lowercase letters, digits, dots and hyphens. */
const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not an S3 bucket name (3 to 63 lowercase letters, digits, dots or hyphens)');

const s3Object = z.looseObject({
  Key: identifier,
  Body: base64,
  ETag: text.optional(),
  LastModified: timestamp.optional(),
  ContentType: text.optional(),
  ContentEncoding: text.optional(),
  Metadata: z.record(z.string(), z.string()).optional(),
  ChecksumCRC32: base64.optional(),
});

const bucket = z.looseObject({
  Name: bucketName,
  Region: regionName,
  CreationDate: timestamp.optional(),
  Objects: z.array(s3Object).optional(),
});

const s3 = z.strictObject({ buckets: z.array(bucket).optional() });

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z]+(?:-[a-z]+)+-\d+):\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$/;

/** The Region a topic ARN names, or undefined when it is not a topic ARN. */
export function topicArnRegion(arn: string): string | undefined {
  return TOPIC_ARN.exec(arn)?.[1];
}

const topicArn = z.string().regex(TOPIC_ARN, 'not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)');

const snsMessage = z.looseObject({
  TopicArn: topicArn,
  MessageId: identifier,
  Message: text,
  Timestamp: timestamp,
  Subject: text.optional(),
  MessageStructure: text.optional(),
  MessageAttributes: z
    .record(z.string(), z.looseObject({ DataType: identifier, StringValue: text.optional(), BinaryValue: base64.optional() }))
    .optional(),
  MessageGroupId: text.optional(),
  MessageDeduplicationId: text.optional(),
});

const sns = z.strictObject({
  topics: z.array(z.looseObject({ TopicArn: topicArn, Attributes: z.record(z.string(), z.string()).optional() })).optional(),
  published: z.array(snsMessage).optional(),
});

const ssmParameter = z.looseObject({
  Name: z.string().min(1).max(2048),
  Type: z.enum(['String', 'SecureString', 'StringList']),
  Value: text,
  Region: regionName,
  Version: z.int().positive().optional(),
  LastModifiedDate: timestamp.optional(),
  DataType: text.optional(),
  KeyId: text.optional(),
  Labels: z.array(identifier).optional(),
});

const ssm = z.strictObject({ parameters: z.array(ssmParameter).optional() });

// ---- simulation ----

const latencyKey = z.string().regex(/^(?:default|[a-z0-9-]+:[A-Za-z0-9]+)$/, 'expected "default" or "service:Operation"');

const fault = z.strictObject({
  service: identifier,
  operation: identifier,
  region: regionName.optional(),
  error: identifier,
  times: z.int().positive().optional(),
});

const simulation = z.strictObject({
  enforceLimits: z.boolean().optional(),
  latencyMs: z.record(latencyKey, z.number().nonnegative()).optional(),
  faults: z.array(fault).optional(),
});

// ---- Accounts ----

const accountInfo = z.strictObject({ id: accountId, alias: text.optional() });

const OPT_IN_STATUSES = ['opt-in-not-required', 'opted-in', 'not-opted-in'] as const;

const accountSections = {
  regions: z.array(z.looseObject({ RegionName: regionName, OptInStatus: z.enum(OPT_IN_STATUSES) })).optional(),
  ec2: ec2.optional(),
  cloudtrail: cloudtrail.optional(),
  cloudwatch: cloudwatch.optional(),
  costs: costs.optional(),
  iam: iam.optional(),
  guardduty: guardduty.optional(),
  elbv2: elbv2.optional(),
  s3: s3.optional(),
  sns: sns.optional(),
  ssm: ssm.optional(),
};

type AccountSections = Omit<ScenarioAccount, 'account'>;
type Ctx = z.RefinementCtx;

/** Cross-field rules zod cannot express per field: regions exist, ids are unique. */
function checkAccount(account: AccountSections, ctx: Ctx): void {
  const regions = account.regions?.map((region) => region.RegionName);
  const known = new Set(regions ?? DEFAULT_REGIONS);
  const where = regions ? 'is not in regions' : 'is not one of the 17 default regions; list it under regions';
  const checkRegion = (items: readonly { Region: string }[] | undefined, path: PropertyKey[]) =>
    items?.forEach((item, index) => {
      if (!known.has(item.Region)) {
        ctx.addIssue({ code: 'custom', path: [...path, index, 'Region'], message: `region "${item.Region}" ${where}` });
      }
    });

  checkRegion(account.ec2?.instances, ['ec2', 'instances']);
  checkRegion(account.ec2?.securityGroups, ['ec2', 'securityGroups']);
  checkRegion(account.ec2?.volumes, ['ec2', 'volumes']);
  checkRegion(account.ec2?.snapshots, ['ec2', 'snapshots']);
  checkRegion(account.cloudwatch?.series, ['cloudwatch', 'series']);
  checkRegion(account.guardduty?.detectors, ['guardduty', 'detectors']);
  checkRegion(account.elbv2?.targetGroups, ['elbv2', 'targetGroups']);
  checkRegion(account.s3?.buckets, ['s3', 'buckets']);
  checkRegion(account.ssm?.parameters, ['ssm', 'parameters']);
  account.sns?.topics?.forEach((topic, index) => {
    const region = topicArnRegion(topic.TopicArn);
    if (region !== undefined && !known.has(region)) {
      ctx.addIssue({ code: 'custom', path: ['sns', 'topics', index, 'TopicArn'], message: `region "${region}" ${where}` });
    }
  });

  checkUnique(account.ec2?.instances, 'InstanceId', ['ec2', 'instances'], ctx);
  checkUnique(account.ec2?.securityGroups, 'GroupId', ['ec2', 'securityGroups'], ctx);
  checkUnique(account.cloudtrail?.events, 'eventID', ['cloudtrail', 'events'], ctx);
  checkUnique(account.elbv2?.targetGroups, 'TargetGroupArn', ['elbv2', 'targetGroups'], ctx);
  checkUnique(account.s3?.buckets, 'Name', ['s3', 'buckets'], ctx);
  account.s3?.buckets?.forEach((b, index) => checkUnique(b.Objects, 'Key', ['s3', 'buckets', index, 'Objects'], ctx));
  checkUnique(account.sns?.topics, 'TopicArn', ['sns', 'topics'], ctx);
  // A parameter name is unique within its Region.
  const firstParameter = new Map<string, number>();
  account.ssm?.parameters?.forEach((parameter, index) => {
    const id = `${parameter.Region}/${parameter.Name}`;
    const first = firstParameter.get(id);
    if (first === undefined) {
      firstParameter.set(id, index);
    } else {
      ctx.addIssue({
        code: 'custom',
        path: ['ssm', 'parameters', index, 'Name'],
        message: `duplicate Name "${parameter.Name}" in ${parameter.Region} (first at [${first}])`,
      });
    }
  });
}

function checkUnique<K extends string>(
  items: readonly Record<K, string>[] | undefined,
  key: K,
  path: PropertyKey[],
  ctx: Ctx,
): void {
  const firstIndex = new Map<string, number>();
  items?.forEach((item, index) => {
    const id = item[key];
    const first = firstIndex.get(id);
    if (first === undefined) {
      firstIndex.set(id, index);
    } else {
      ctx.addIssue({ code: 'custom', path: [...path, index, key], message: `duplicate ${key} "${id}" (first at [${first}])` });
    }
  });
}

/** One account: a member of an organization, inline or in its own file. */
export const scenarioAccountSchema: z.ZodType<ScenarioAccount> = z
  .strictObject({ account: accountInfo, ...accountSections })
  .superRefine(checkAccount);

export const scenarioSchema: z.ZodType<Scenario> = z
  .strictObject({
    format: z.literal(SCENARIO_FORMAT, {
      error: (issue) =>
        issue.input === undefined
          ? 'required'
          : `unsupported format ${JSON.stringify(issue.input)}: this rigwatch reads "${SCENARIO_FORMAT}"`,
    }),
    name: identifier,
    description: text.optional(),
    now: utcTimestamp,
    account: accountInfo.optional(),
    ...accountSections,
    simulation: simulation.optional(),
    organization: z
      .strictObject({
        id: z.string().regex(/^o-[a-z0-9]{10,32}$/, 'not an organization id (o- and 10 to 32 lowercase letters or digits)'),
        managementAccountId: accountId,
      })
      .optional(),
    members: z.array(z.union([identifier, scenarioAccountSchema])).optional(),
  })
  .superRefine((scenario, ctx) => {
    if (scenario.account === undefined && scenario.members === undefined) {
      ctx.addIssue({ code: 'custom', path: ['account'], message: 'required (unless members is given)' });
    }
    checkAccount(scenario, ctx);
  });
