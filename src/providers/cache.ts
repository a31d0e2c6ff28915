// What one run collected, kept for the next: an incremental run reads only what changed since
// (CloudTrail from the last event seen, the metrics window still open, the cost days not final
// yet, the inventory of regions CloudTrail shows written to) and takes the rest from here.
// Times are the audit clock's epoch ms.

import type { AwsCostAnomaly } from '../engine/story.js';
import type { CloudTrailRecord, CostData, GuardDutyDetector, GuardDutyFinding, IamRole, IamUser, Instance, MetricSeries, RootAccount, SecurityGroup, Trail } from './types.js';

export interface Dated<T> {
  /** When it was read (audit clock): its age, for the maximum age. */
  at: number;
  /** Up to when CloudTrail's write events confirm it unchanged (default `at`). */
  checked?: number;
  value: T;
}

export interface CollectionCache {
  /** The account it belongs to: a cache is never applied to another. */
  account: string;
  /** The clock of the run that wrote it. */
  at: number;
  regions?: Dated<string[]>;
  /** Per region: instances (with their user data) and security groups. */
  ec2: Record<string, Dated<{ instances: Instance[]; securityGroups: SecurityGroup[] }>>;
  /** Per region: the trails DescribeTrails shows there, with their status. */
  trails: Record<string, Dated<Trail[]>>;
  /** Per region: GuardDuty's detectors (findings are polled every run). */
  guardduty: Record<string, Dated<{ detectors: GuardDutyDetector[]; findings: GuardDutyFinding[] }>>;
  cloudtrail: {
    /** Per event name: the earliest time the cached events cover. */
    since: Record<string, number>;
    /** Per region: the records read there (global services' in us-east-1), and up to when. */
    regions: Record<string, Dated<CloudTrailRecord[]>>;
  };
  metrics: {
    period: number;
    /** Start of the lookback the series cover. */
    start: number;
    /** Per region: the end of the range read. */
    regions: Record<string, number>;
    series: MetricSeries[];
  };
  costs?: Dated<CostData>;
  /**
   * AWS Cost Anomaly Detection's answer (GetAnomalies) and when it was asked; `error` when it
   * could not be read (no permission, no monitors), so that is not asked again before the refresh interval.
   */
  costAnomalies?: Dated<{ anomalies?: AwsCostAnomaly[]; error?: string }>;
  iam?: Dated<{ users: IamUser[]; roles: IamRole[]; root?: RootAccount }>;
}

/** How an incremental run decides what to read again (config `collection.incremental`). */
export interface IncrementalSettings {
  /** CloudTrail is re-read from this long before the last run's end: LookupEvents delivers late. */
  cloudtrailOverlapMinutes: number;
  /** Metric datapoints this close to the last run's end are read again (CloudWatch fills them late). */
  metricsOverlapMinutes: number;
  /** Inventory (EC2, trails, GuardDuty detectors, IAM) older than this is read again whatever CloudTrail says. */
  inventoryMaxAgeMinutes: number;
  /** Cost Explorer is asked again only after this long ($0.01 a request; it refreshes a few times a day). */
  costRefreshMinutes: number;
  /** The last days re-read at every cost refresh even when Cost Explorer calls them final. */
  costRestateDays: number;
  /**
   * AWS Cost Anomaly Detection (GetAnomalies, $0.01) is asked again only after this long, and only
   * in a run that makes no GetCostAndUsage request: a run makes at most 2 Cost Explorer requests. Default 360.
   */
  anomalyRefreshMinutes: number;
}
