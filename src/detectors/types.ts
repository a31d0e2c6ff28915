// A detector is one file whose name is its id. It exports a `Detector`: plain metadata, the zod
// schema of its options (defaults live in config/detectors.yaml) and a pure function from the
// collected data to findings.

import type { z } from 'zod';
import type { AuditData, SourceName } from '../providers/types.js';

export const DETECTOR_IDS = [
  'fleet-spinup',
  'sg-open-ingress',
  'bill-spike',
  'cpu-sustained',
  'network-spike',
  'iam-credential-activity',
  'trail-tampering',
] as const;
export type DetectorId = (typeof DETECTOR_IDS)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse; used for --fail-on and sorting. */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

export const FINDING_STATUSES = ['new', 'open', 'resolved', 'muted'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

export interface ResourceRef {
  /** AWS resource type names, CloudFormation's where one exists: AWS::EC2::Instance, AWS::EC2::SecurityGroup, AWS::IAM::User ... */
  type: string;
  id: string;
  region?: string;
}

export interface Actor {
  arn: string;
  accessKeyId?: string;
  sourceIPs?: string[];
  userAgent?: string;
}

/** A finding as the JSON report carries it (CONTRACT.md). */
export interface Finding {
  id: string;
  detector: DetectorId;
  severity: Severity;
  title: string;
  account: string;
  region: string;
  resources: ResourceRef[];
  actor?: Actor;
  firstSeen?: string;
  lastSeen?: string;
  evidence: Record<string, unknown>;
  remediations?: string[];
  /**
   * Set by the engine, not by detectors (src/engine/lifecycle.ts): new (first seen this run, or
   * again after it was resolved), open (seen before), resolved (gone since the last run; reported
   * once), or muted (by the mutelist or `rigwatch ack`). Resolved and muted findings never fail a run.
   */
  status?: FindingStatus;
  /** Why a muted finding is muted. */
  muted?: { reason: string; until?: string; by: 'mutelist' | 'ack'; rule?: number };
  /** Set by the engine, not by detectors: how much of it is contained now (src/engine/containment.ts). */
  containment?: { state: 'contained' | 'partial' | 'open'; contained: number; total: number };
}

export interface DetectorMeta {
  id: DetectorId;
  title: string;
  /** One paragraph: what it flags and why that means mining. */
  description: string;
  /** Where the README documents it. */
  docs: string;
  /** The collected sources it reads; a failed one lowers confidence and is reported in coverage. */
  sources: SourceName[];
  /**
   * The CloudTrail events it reads, so the collector looks up only those. `baseline: true` means
   * it also needs the history before the window (config `collection.cloudtrailBaselineDays`).
   */
  cloudtrailEvents?: { eventName: string; eventSource: string; baseline?: boolean }[];
}

export interface Detector<Options = unknown> {
  meta: DetectorMeta;
  options: z.ZodType<Options>;
  detect(data: AuditData, options: Options): Finding[];
}
