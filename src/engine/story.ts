// The report's story for finance and security (issue 5): incidents (findings grouped by actor
// and time, with their cost impact and timeline), the billing anomaly report, and the metric
// series the charts draw. Computed by the engine from the collected data, kept in the JSON
// report so `rigwatch report <saved.json>` renders HTML, Markdown or CSV from it alone.

import type { ResourceRef, Severity } from '../detectors/types.js';

/** What an incident costs, and on what basis each figure rests. */
export interface CostImpact {
  /** Money spent so far because of the incident (the best basis available; see `basis`). */
  total: number;
  /** What it costs per hour now: the on-demand price of its instances still running. */
  perHourNow: number;
  currency: string;
  /** One line per figure, saying where it comes from, e.g. "instance-hours x on-demand price (rigwatch's price table, us-east-1 2026)". */
  basis: string[];
  /** The figures behind `total`, by basis, when both exist. */
  instanceHours?: { total: number; hours: number; instances: number; unpriced: number };
  costExplorer?: { total: number; scope: string };
}

export type TimelineKind = 'access' | 'launch' | 'ingress' | 'iam' | 'tampering' | 'cost' | 'detection' | 'other';

export interface TimelineEntry {
  at: string;
  kind: TimelineKind;
  title: string;
  region?: string;
  /** The CloudTrail event name, for calls. */
  eventName?: string;
  /** Calls of the same kind folded into one entry (e.g. 8 RunInstances in a region within minutes). */
  count?: number;
  /** Money for cost entries. */
  amount?: number;
}

export interface Incident {
  /** Stable across runs: derived from the actor's key identity. */
  id: string;
  title: string;
  severity: Severity;
  actor: {
    /** The principal(s) acting: the stolen user, the users and keys it created. */
    principals: string[];
    accessKeyIds: string[];
    sourceIPs: string[];
  };
  firstSeen: string;
  lastSeen: string;
  /** Finding ids, worst first. */
  findings: string[];
  resources: ResourceRef[];
  costImpact: CostImpact;
  timeline: TimelineEntry[];
  /** The dry-run command that plans this incident's containment. */
  remediate: string;
}

/** One day of the account's bill against what was expected (the baseline). */
export interface BillingDay {
  date: string;
  expected: number;
  actual: number;
  /** Cost Explorer has not called the day final. */
  estimated: boolean;
  /** Today's partial day, prorated to a whole day in `actual`. */
  partial?: boolean;
  anomaly: boolean;
}

/** One anomalous cell: a day, service, region and account whose cost is far above expected. */
export interface BillingAnomaly {
  date: string;
  service: string;
  region: string;
  account: string;
  expected: number;
  actual: number;
  impact: number;
  /** The bill-spike finding whose flagged days and scope cover this cell. */
  findingId?: string;
  /** Cost Explorer has not called the day final. */
  estimated?: boolean;
  /** Today's partial day, prorated to a whole day in `actual` and `impact`. */
  partial?: boolean;
}

/** An anomaly AWS Cost Anomaly Detection reported (GetAnomalies), beside rigwatch's. */
export interface AwsCostAnomaly {
  id: string;
  start: string;
  end?: string;
  /** When AWS first flagged it, when known (its feedback/creation time). */
  firstFlagged?: string;
  service?: string;
  region?: string;
  account?: string;
  impact: number;
  monitorArn?: string;
  /** How `firstFlagged` was arrived at (GetAnomalies returns no detection time). */
  firstFlaggedBasis?: string;
  /** The top root cause's usage type, e.g. USE2-BoxUsage:c5.4xlarge. */
  usageType?: string;
  /** Impact.TotalExpectedSpend and Impact.TotalActualSpend, when AWS gives them. */
  expected?: number;
  actual?: number;
  /** The account's feedback on it: YES, NO or PLANNED_ACTIVITY. */
  feedback?: string;
}

export interface BillingReport {
  currency: string;
  /** The audited account: every figure is its Cost Explorer view (rows carry no linked-account dimension). */
  account?: string;
  /** The audit window the anomalies were judged in. */
  window?: { start: string; end: string };
  /** The baseline `expected` rests on (bill-spike's): median daily usage of these days, fixed fees left out. */
  baseline?: { dailyMedian: number; days: number; from: string; to: string; excludes: string };
  /** What a reader should know about the figures (the account dimension, a missing baseline ...). */
  notes?: string[];
  /** The account's total per day, baseline period and window. */
  days: BillingDay[];
  /** Daily cost of the top services (the rest summed as "Other"), for the chart. */
  byService: { service: string; date: string; amount: number }[];
  anomalies: BillingAnomaly[];
  /** The money above expected over the anomalous days. */
  anomalyImpact: number;
  monthToDate: number;
  /** Month-end forecast at the current run-rate, and what it would be at the baseline. */
  forecast: { monthEnd: number; atBaseline: number; basis: string };
  /** Absent when the account has no Cost Anomaly Detection monitors (or the call was not made). */
  awsAnomalies?: AwsCostAnomaly[];
  /** First day rigwatch flagged as anomalous, and first day AWS's detection did (for comparison). */
  firstFlagged?: { rigwatch?: string; aws?: string };
}

/** Hourly series of the flagged instances against the account's normal ones, for the charts. */
export interface MetricStory {
  metric: 'CPUUtilization' | 'NetworkOut' | 'NetworkIn';
  unit: string;
  group: 'flagged' | 'normal';
  /** Instances in the group. */
  instances: number;
  points: { t: string; value: number }[];
}
