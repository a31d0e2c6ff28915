// The JSON report (CONTRACT.md, "rigwatch-report/1") and what decides the exit code.

import { SEVERITY_RANK, type Finding, type Severity } from '../detectors/types.js';
import type { DeliveryResult } from '../notify/types.js';
import type { CoverageEntry } from '../providers/types.js';
import type { BillingReport, Incident, MetricStory } from './story.js';

export const REPORT_FORMAT = 'rigwatch-report/1';

export interface Report {
  format: typeof REPORT_FORMAT;
  account: string;
  generatedAt: string;
  window: { start: string; end: string };
  coverage: CoverageEntry[];
  findings: Finding[];
  /** With a state store: where it is and what this run took from the previous one. */
  state?: { location: string; previousRun?: string; runs: number; incremental: boolean };
  /** What each notification channel did with this run's digest. A failure makes the run exit 3 at least. */
  notifications?: DeliveryResult[];
  /** Findings grouped by actor and time, with cost impact and timeline (src/engine/incidents.ts). */
  incidents?: Incident[];
  /** The billing anomaly report (src/engine/billing.ts). */
  billing?: BillingReport;
  /** What the charts draw: flagged instances' metrics against the normal ones (src/engine/incidents.ts). */
  metrics?: MetricStory[];
  stats: {
    apiCalls: Record<string, number>;
    durationMs: number;
    /** Calls AWS answered with a throttling error (the SDK retried them). */
    throttled: number;
    findingsBySeverity: Record<Severity, number>;
  };
}

export const EXIT = { clean: 0, findings: 1, badInput: 2, incomplete: 3 } as const;

/** Resolved and muted findings are reported but never fail a run. */
export const counts = (f: Pick<Finding, 'status'>): boolean => f.status !== 'resolved' && f.status !== 'muted';

/** 1 when a finding reaches `failOn`; otherwise 3 when a source failed; otherwise 0. */
export function exitCodeFor(report: Pick<Report, 'findings' | 'coverage' | 'notifications'>, failOn: Severity): number {
  if (report.findings.some((f) => counts(f) && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn])) return EXIT.findings;
  if (report.coverage.some((c) => c.status === 'error')) return EXIT.incomplete;
  if (report.notifications?.some((n) => n.status === 'failed')) return EXIT.incomplete;
  return EXIT.clean;
}

/** Worst first; then by region and id, so the order is the same on every run. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) =>
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.detector.localeCompare(b.detector) || a.region.localeCompare(b.region) || a.id.localeCompare(b.id));
}

export function countBySeverity(findings: Finding[]): Record<Severity, number> {
  const out: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) out[f.severity] += 1;
  return out;
}

const SECRET_KEY = /secret|sessiontoken|password|privatekey/i;

/**
 * Never print secrets: whatever a detector copied into evidence from an API answer (a CloudTrail
 * record of CreateAccessKey or AssumeRole, say), values under secret-looking keys are replaced.
 */
export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map(redactSecrets) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '<redacted>' : redactSecrets(v);
    return out as T;
  }
  return value;
}
