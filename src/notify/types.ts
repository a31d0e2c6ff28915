// What a notification carries: one digest per run of the findings that are new or escalated
// since the last run and not muted, with the money at stake and the command that contains them.

import type { Finding, Severity } from '../detectors/types.js';

export const DIGEST_FORMAT = 'rigwatch-digest/1';

/** Money a finding puts at stake, from src/engine/impact.ts. */
export interface Impact {
  currency: string;
  /** On-demand burn rate of the finding's instances that are running now. */
  hourly?: number;
  /** Cost above the baseline so far (bill-spike). */
  excess?: number;
  /**
   * Projected cost above the baseline over the month of the spike, when known (bill-spike: the
   * month at the current rate less the month at baseline).
   */
  projected?: number;
  /**
   * The running instances `hourly` prices, instance id -> price per hour. Several findings often
   * name the same instances (fleet-spinup, cpu-sustained); the digest's totals count each once.
   */
  instances?: Record<string, number>;
}

export interface DigestItem {
  finding: Finding;
  /** new: first seen this run (or since it was resolved); escalated: severity rose since it was notified. */
  reason: 'new' | 'escalated';
  previousSeverity?: Severity;
  impact?: Impact;
  /** The dry-run command that plans this finding's containment; append --apply to carry it out. */
  remediate?: string;
}

export interface Digest {
  format: typeof DIGEST_FORMAT;
  account: string;
  /** The audit's clock. */
  generatedAt: string;
  items: DigestItem[];
  /** Findings that went away since the last run (ids and titles only). */
  resolved: { id: string; detector: string; title: string }[];
  /** Findings still open but already notified, by severity (context for the reader). */
  stillOpen: Record<Severity, number>;
  /** Sum of the items' impact, per currency. */
  totals: { currency: string; hourly: number; excess: number }[];
  /**
   * Set when the digest was cut down to fit a channel's size limit (SNS: 256 KiB): evidence and
   * per-instance prices dropped first, then resources, then trailing items and resolved entries.
   */
  truncated?: true;
}

/** What happened to one channel's delivery; reported in the JSON report's `notifications`. */
export interface DeliveryResult {
  /** The channel's id from config (or its type and index). Never a URL: webhook URLs are secrets. */
  channel: string;
  type: 'sns' | 'slack' | 'webhook';
  status: 'sent' | 'failed' | 'skipped';
  attempts: number;
  /** Finding ids the delivery carried. */
  findingIds: string[];
  error?: string;
  /** sns MessageId, HTTP status... */
  detail?: string;
}
