// The scenario format (shared/scenario/FORMAT.md, version 1): an AWS account written down in AWS's
// own shapes. These types are what a scenario looks like after loading and validation
// (src/scenario/schema.ts); timestamps stay ISO-8601 strings, exactly as written.

export const SCENARIO_FORMAT = 'rigwatch-scenario/1';

export interface Tag {
  Key: string;
  Value: string;
}

export interface ScenarioInstance {
  InstanceId: string;
  InstanceType: string;
  LaunchTime: string;
  State: { Name: string; Code?: number };
  Region: string;
  SecurityGroups?: { GroupId: string; GroupName?: string }[];
  Tags?: Tag[];
  IamInstanceProfile?: { Arn?: string; Id?: string };
  Placement?: { AvailabilityZone?: string; [k: string]: unknown };
  VpcId?: string;
  SubnetId?: string;
  PrivateIpAddress?: string;
  PublicIpAddress?: string;
  ImageId?: string;
  KeyName?: string;
  NetworkInterfaces?: Record<string, unknown>[];
  BlockDeviceMappings?: { DeviceName?: string; Ebs?: { VolumeId?: string; DeleteOnTermination?: boolean; [k: string]: unknown } }[];
  Architecture?: string;
  CpuOptions?: { CoreCount?: number; ThreadsPerCore?: number };
  /** Base64 user data, as DescribeInstanceAttribute(userData) returns it. */
  UserData?: string;
  [k: string]: unknown;
}

export interface IpRange {
  CidrIp: string;
  Description?: string;
}
export interface Ipv6Range {
  CidrIpv6: string;
  Description?: string;
}

export interface IpPermission {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: IpRange[];
  Ipv6Ranges?: Ipv6Range[];
  UserIdGroupPairs?: { GroupId?: string; UserId?: string; Description?: string }[];
  PrefixListIds?: { PrefixListId?: string; Description?: string }[];
}

export interface ScenarioSecurityGroup {
  GroupId: string;
  GroupName: string;
  Region: string;
  VpcId?: string;
  Description?: string;
  OwnerId?: string;
  IpPermissions: IpPermission[];
  IpPermissionsEgress: IpPermission[];
  Tags?: Tag[];
  [k: string]: unknown;
}

export interface ScenarioTrail {
  Name: string;
  HomeRegion: string;
  IsMultiRegionTrail: boolean;
  IsLogging: boolean;
  TrailARN?: string;
  S3BucketName?: string;
  IsOrganizationTrail?: boolean;
  LatestDeliveryTime?: string;
  StopLoggingTime?: string;
  StartLoggingTime?: string;
  [k: string]: unknown;
}

/** A CloudTrail record exactly as in a CloudTrail log file. Unknown keys pass through. */
export interface CloudTrailRecord {
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  eventID: string;
  eventVersion?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  userIdentity?: UserIdentity;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  errorCode?: string;
  errorMessage?: string;
  readOnly?: boolean;
  eventType?: string;
  managementEvent?: boolean;
  recipientAccountId?: string;
  resources?: { ARN?: string; accountId?: string; type?: string }[];
  [k: string]: unknown;
}

export interface UserIdentity {
  type?: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  invokedBy?: string;
  sessionContext?: {
    sessionIssuer?: { type?: string; principalId?: string; arn?: string; accountId?: string; userName?: string };
    attributes?: { creationDate?: string; mfaAuthenticated?: string };
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface MetricSeriesSpec {
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Region: string;
  Start: string;
  Period: number;
  Values: (number | null)[];
}

/** Optional cost dimensions shared by line items and daily series. */
export interface CostDimensions {
  service: string;
  region?: string;
  usageType?: string;
  instanceType?: string;
  linkedAccount?: string;
  recordType?: string;
}

export interface CostLineItem extends CostDimensions {
  date: string;
  amount: number;
  usageQuantity?: number;
}

export interface CostDailySeries extends CostDimensions {
  start: string;
  amounts: number[];
}

export interface ScenarioCosts {
  currency?: string;
  lineItems?: CostLineItem[];
  daily?: CostDailySeries[];
  /** AWS Cost Anomaly Detection Anomaly objects, as GetAnomalies returns them. */
  anomalies?: Record<string, unknown>[];
}

export interface AttachedPolicy {
  PolicyName: string;
  PolicyArn: string;
}

export interface ScenarioAccessKey {
  AccessKeyId: string;
  Status: 'Active' | 'Inactive';
  CreateDate: string;
  LastUsed?: { LastUsedDate?: string; ServiceName?: string; Region?: string };
}

export interface ScenarioUser {
  UserName: string;
  Arn: string;
  CreateDate: string;
  UserId?: string;
  Path?: string;
  PasswordLastUsed?: string;
  Tags?: Tag[];
  LoginProfile?: { CreateDate: string; PasswordResetRequired?: boolean };
  AccessKeys?: ScenarioAccessKey[];
  MFADevices?: { SerialNumber: string; EnableDate: string }[];
  AttachedPolicies?: AttachedPolicy[];
  InlinePolicies?: Record<string, unknown>;
  Groups?: string[];
}

export interface ScenarioRole {
  RoleName: string;
  Arn: string;
  CreateDate: string;
  RoleId?: string;
  Path?: string;
  AssumeRolePolicyDocument?: unknown;
  AttachedPolicies?: AttachedPolicy[];
  InlinePolicies?: Record<string, unknown>;
  RoleLastUsed?: { LastUsedDate?: string; Region?: string };
  Tags?: Tag[];
}

export interface ScenarioGroup {
  GroupName: string;
  Arn: string;
  GroupId?: string;
  CreateDate?: string;
  AttachedPolicies?: AttachedPolicy[];
  InlinePolicies?: Record<string, unknown>;
}

export interface ScenarioIam {
  users?: ScenarioUser[];
  roles?: ScenarioRole[];
  groups?: ScenarioGroup[];
  root?: { mfaActive: boolean; accessKeysActive: number; passwordLastUsed?: string };
}

export interface ScenarioGuardDuty {
  detectors?: { Region: string; DetectorId: string; Status: 'ENABLED' | 'DISABLED' }[];
  findings?: Record<string, unknown>[];
}

/**
 * One Elastic Load Balancing (v2) target group: a DescribeTargetGroups `TargetGroup` object with
 * `Region` (required) and its registered `Targets` (`[{Id, Port?}]`, DescribeTargetHealth's
 * `Target`; Port defaults to the group's). Not in FORMAT.md yet: the optional `elbv2` section is
 * `{ "targetGroups": [...] }`. The simulated account reports every registered instance target that
 * is running as healthy.
 */
export interface ScenarioTargetGroup {
  TargetGroupArn: string;
  TargetGroupName: string;
  Region: string;
  VpcId?: string;
  Protocol?: string;
  Port?: number;
  TargetType?: 'instance' | 'ip' | 'lambda' | 'alb';
  LoadBalancerArns?: string[];
  Targets: { Id: string; Port?: number; AvailabilityZone?: string; [k: string]: unknown }[];
  [k: string]: unknown;
}

/**
 * One S3 object: ListObjectsV2's `Object` members that matter (Key, ETag, LastModified) with its
 * content as base64 `Body` and the metadata GetObject answers. `ETag` defaults to the quoted MD5 of
 * the body, `LastModified` to the scenario's now. An object dated after now does not exist yet.
 */
export interface ScenarioS3Object {
  Key: string;
  /** The object's bytes, base64. */
  Body: string;
  ETag?: string;
  LastModified?: string;
  ContentType?: string;
  ContentEncoding?: string;
  Metadata?: Record<string, string>;
  /** Base64 CRC32 of the body, as S3 stores it when the upload carried one. */
  ChecksumCRC32?: string;
  [k: string]: unknown;
}

/** One general purpose bucket (ListBuckets' `Bucket`, with its Region and objects). */
export interface ScenarioS3Bucket {
  Name: string;
  Region: string;
  CreationDate?: string;
  Objects?: ScenarioS3Object[];
  [k: string]: unknown;
}

/** A message the account's SNS topics accepted through Publish, as the simulated account records it. */
export interface ScenarioSnsMessage {
  TopicArn: string;
  MessageId: string;
  Message: string;
  /** ISO-8601: the scenario's now when the message was published. */
  Timestamp: string;
  Subject?: string;
  MessageStructure?: string;
  /** Binary values as base64. */
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
  [k: string]: unknown;
}

export interface ScenarioSns {
  /** Topics by ARN (`arn:aws:sns:<region>:<account>:<name>`); the ARN carries the Region. */
  topics?: { TopicArn: string; Attributes?: Record<string, string>; [k: string]: unknown }[];
  /** Appended to by Publish. */
  published?: ScenarioSnsMessage[];
}

/** One Systems Manager parameter (GetParameter's `Parameter`, with its Region). */
export interface ScenarioSsmParameter {
  Name: string;
  Type: 'String' | 'SecureString' | 'StringList';
  /** The plain value, also for a SecureString. */
  Value: string;
  Region: string;
  Version?: number;
  LastModifiedDate?: string;
  DataType?: string;
  /** For a SecureString: the KMS key (default alias/aws/ssm). */
  KeyId?: string;
  /** Labels of this version, for `name:label` selectors. */
  Labels?: string[];
  [k: string]: unknown;
}

export interface ScenarioFault {
  service: string;
  operation: string;
  region?: string;
  error: string;
  times?: number;
}

export interface ScenarioSimulation {
  enforceLimits?: boolean;
  latencyMs?: Record<string, number>;
  faults?: ScenarioFault[];
}

/** One account: the top level of a single-account scenario, or a member of an organization. */
export interface ScenarioAccount {
  account: { id: string; alias?: string };
  regions?: { RegionName: string; OptInStatus: string }[];
  ec2?: {
    instances?: ScenarioInstance[];
    securityGroups?: ScenarioSecurityGroup[];
    volumes?: (Record<string, unknown> & { Region: string })[];
    snapshots?: (Record<string, unknown> & { Region: string })[];
  };
  cloudtrail?: { trails?: ScenarioTrail[]; events?: CloudTrailRecord[] };
  cloudwatch?: { series?: MetricSeriesSpec[] };
  costs?: ScenarioCosts;
  iam?: ScenarioIam;
  guardduty?: ScenarioGuardDuty;
  elbv2?: { targetGroups?: ScenarioTargetGroup[] };
  s3?: { buckets?: ScenarioS3Bucket[] };
  sns?: ScenarioSns;
  ssm?: { parameters?: ScenarioSsmParameter[] };
}

export interface Scenario extends Omit<ScenarioAccount, 'account'> {
  /** Required unless `members` is given (an organization scenario). */
  account?: ScenarioAccount['account'];
  format: typeof SCENARIO_FORMAT;
  name: string;
  description?: string;
  now: string;
  simulation?: ScenarioSimulation;
  organization?: { id: string; managementAccountId: string };
  members?: (ScenarioAccount | string)[];
}

/** The 17 regions that need no opt-in: the default `regions` of a scenario. */
export const DEFAULT_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2',
  'ca-central-1', 'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1', 'sa-east-1',
];
