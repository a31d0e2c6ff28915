// What the providers collect once per run and every detector reads: the account as AWS answered
// about it, normalised just enough that detectors stay pure and simple. Timestamps are epoch
// milliseconds (numbers compare and subtract cheaply on a hot path); CloudTrail records stay in
// their original shape because responders know that shape.

import type { CloudTrailRecord } from '../scenario/types.js';
import type { AwsCostAnomaly } from '../engine/story.js';

export type { CloudTrailRecord, UserIdentity } from '../scenario/types.js';

/** A data source as the report's `coverage` names it. */
export type SourceName =
  | 'sts'
  | 'ec2'
  | 'ec2-userdata'
  | 'cloudtrail'
  | 'cloudwatch'
  | 'costexplorer'
  /** AWS Cost Anomaly Detection (ce:GetAnomalies): optional, never fails the cost source. */
  | 'costexplorer-anomalies'
  | 'iam'
  | 'guardduty';

export interface CoverageEntry {
  source: SourceName;
  /** An AWS region, or "global" for IAM and Cost Explorer. */
  region: string;
  status: 'ok' | 'error' | 'skipped';
  error?: string;
  /** An incremental run took this source from the state: when it was last read. */
  cachedAt?: string;
}

export interface Instance {
  id: string;
  region: string;
  type: string;
  /** pending | running | stopping | stopped | shutting-down | terminated */
  state: string;
  launchTime: number;
  vcpus: number;
  architecture?: string;
  imageId?: string;
  keyName?: string;
  vpcId?: string;
  subnetId?: string;
  privateIp?: string;
  publicIp?: string;
  instanceProfileArn?: string;
  securityGroups: { id: string; name?: string }[];
  tags: Record<string, string>;
  volumeIds: string[];
  /** Decoded user data, for instances launched in the audit window (DescribeInstanceAttribute). */
  userData?: string;
}

export interface SecurityGroupRule {
  ruleId: string;
  groupId: string;
  isEgress: boolean;
  /** "tcp", "udp", "icmp", "-1" (all) or a protocol number, as AWS gives it. */
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  referencedGroupId?: string;
  prefixListId?: string;
  description?: string;
}

export interface SecurityGroup {
  id: string;
  name: string;
  region: string;
  vpcId?: string;
  description?: string;
  tags: Record<string, string>;
  rules: SecurityGroupRule[];
}

export interface Trail {
  name: string;
  arn?: string;
  homeRegion: string;
  isMultiRegion: boolean;
  isOrganizationTrail: boolean;
  isLogging: boolean;
  s3BucketName?: string;
  latestDeliveryTime?: number;
  stopLoggingTime?: number;
}

export type MetricName = 'CPUUtilization' | 'NetworkIn' | 'NetworkOut';

/** One instance's metric, oldest first. CPU is the Average (percent); network is the Sum (bytes a period). */
export interface MetricSeries {
  instanceId: string;
  region: string;
  metric: MetricName;
  period: number;
  timestamps: number[];
  values: number[];
}

export interface CostRow {
  /** YYYY-MM-DD (UTC), the day the cost accrued. */
  date: string;
  service: string;
  region: string;
  /** Set on the EC2-by-usage-type rows. */
  usageType?: string;
  amount: number;
  /** Cost Explorer marks days that are not final yet. */
  estimated: boolean;
}

export interface CostData {
  currency: string;
  /** Daily unblended cost by service and region, baseline period and window. */
  byServiceRegion: CostRow[];
  /** Daily unblended cost of EC2 compute by region and usage type. */
  ec2ByUsageType: CostRow[];
  /** First day (inclusive) and last day (exclusive) asked for. */
  start: string;
  end: string;
  /**
   * What AWS Cost Anomaly Detection reported (GetAnomalies) for the window; undefined when it was
   * not asked or could not be read (no permission, no monitors: see coverage `costexplorer-anomalies`).
   */
  awsAnomalies?: AwsCostAnomaly[];
}

export interface AccessKey {
  id: string;
  userName: string;
  status: 'Active' | 'Inactive';
  createDate: number;
  lastUsedDate?: number;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

export interface IamUser {
  name: string;
  arn: string;
  id?: string;
  createDate: number;
  passwordLastUsed?: number;
  hasLoginProfile: boolean;
  loginProfileCreateDate?: number;
  mfaEnabled: boolean;
  accessKeys: AccessKey[];
  attachedPolicies: { name: string; arn: string }[];
  inlinePolicyNames: string[];
  groups: string[];
  tags: Record<string, string>;
}

export interface IamRole {
  name: string;
  arn: string;
  createDate: number;
  path?: string;
  tags: Record<string, string>;
  attachedPolicies: { name: string; arn: string }[];
  inlinePolicyNames: string[];
  lastUsedDate?: number;
}

/** The root user, from the credential report's `<root_account>` row. */
export interface RootAccount {
  mfaEnabled: boolean;
  accessKeysActive: number;
  passwordLastUsed?: number;
}

export interface GuardDutyDetector {
  region: string;
  id: string;
  status: 'ENABLED' | 'DISABLED';
}

export interface GuardDutyFinding {
  id: string;
  region: string;
  type: string;
  severity: number;
  title?: string;
  createdAt?: number;
  updatedAt?: number;
  resourceIds: string[];
}

export interface AuditWindow {
  start: number;
  end: number;
}

/** Everything one audit run collected. A source that failed has an `error` coverage entry and empty data. */
export interface AuditData {
  account: { id: string; alias?: string };
  /** The identity the audit runs as (STS GetCallerIdentity). */
  caller?: { arn: string; userId?: string };
  /** The audit's clock: now for a live account, the scenario's `now` for a scenario. */
  now: number;
  window: AuditWindow;
  regions: string[];
  ec2: { instances: Instance[]; securityGroups: SecurityGroup[] };
  cloudtrail: {
    trails: Trail[];
    /** Management events, de-duplicated by eventID, oldest first. */
    events: CloudTrailRecord[];
    /** Earliest time events were looked up from, per event name (the baseline reaches further back). */
    lookupStart: Record<string, number>;
  };
  metrics: MetricSeries[];
  costs: CostData;
  iam: { users: IamUser[]; roles: IamRole[]; root?: RootAccount };
  guardduty: { detectors: GuardDutyDetector[]; findings: GuardDutyFinding[] };
  coverage: CoverageEntry[];
}
