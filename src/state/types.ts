// The audit state a scheduled rigwatch keeps between runs: the collection cache (so a run reads
// only what is new), each finding's lifecycle, and the findings muted by `rigwatch ack`. One JSON
// document per account, gzip-compressed, in a directory (cron, laptop) or an S3 object (Lambda).

import type { Severity } from '../detectors/types.js';
import type { CollectionCache } from '../providers/cache.js';

export const STATE_FORMAT = 'rigwatch-state/1';

/** What the state remembers of a finding between runs. */
export interface FindingRecord {
  id: string;
  detector: string;
  title: string;
  region: string;
  severity: Severity;
  status: 'open' | 'resolved';
  /** Audit clock (ISO) of the run that first reported it (again, after it was resolved). */
  firstReported: string;
  /** Audit clock (ISO) of the last run that reported it. */
  lastReported: string;
  resolvedAt?: string;
  /** Per notification channel: the severity it was last notified at. */
  notified: Record<string, Severity>;
}

/** A finding muted by `rigwatch ack`. */
export interface Ack {
  findingId: string;
  reason: string;
  /** ISO; the mute lapses after it. Absent: until acknowledged otherwise. */
  until?: string;
  /** Who acknowledged it (the caller's ARN or the local user), and when. */
  by: string;
  at: string;
}

export interface AuditState {
  format: typeof STATE_FORMAT;
  account: string;
  /** Runs that saved this state. */
  runs: number;
  lastRun?: { at: string; apiCalls: number; durationMs: number };
  cache?: CollectionCache;
  findings: Record<string, FindingRecord>;
  acks: Record<string, Ack>;
}

export function emptyState(account: string): AuditState {
  return { format: STATE_FORMAT, account, runs: 0, findings: {}, acks: {} };
}
