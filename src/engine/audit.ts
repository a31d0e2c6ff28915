// The engine: collect the account once, run every enabled detector over it, build the report.
// The CLI and the Lambda handler are thin adapters over runAudit.

import { DETECTORS } from '../detectors/index.js';
import type { DetectorId, Finding } from '../detectors/types.js';
import type { AwsClients } from '../providers/aws/clients.js';
import { collect } from '../providers/aws/collect.js';
import type { CollectionCache } from '../providers/cache.js';
import type { AuditState, FindingRecord } from '../state/types.js';
import { applyLifecycle } from './lifecycle.js';
import { buildIncidents, metricStory } from './incidents.js';
import { buildBillingReport } from './billing.js';
import type { RemediateTarget } from '../notify/digest.js';
import { tagLookup } from './mutelist.js';
import type { CloudTrailNeed, CollectionSettings } from '../providers/aws/collector.js';
import type { AuditData } from '../providers/types.js';
import type { Config } from './config.js';
import { annotateContainment } from './containment.js';
import { counts, countBySeverity, redactSecrets, REPORT_FORMAT, sortFindings, type Report } from './report.js';

const DAY = 86_400_000;
/** LookupEvents reaches 90 days back. */
const CLOUDTRAIL_RETENTION = 90 * DAY;

export interface AuditRequest {
  config: Config;
  clients: AwsClients;
  /** The audit's clock. */
  now: number;
  /** Window start (epoch ms). */
  since: number;
  regions?: string[];
  progress?: (message: string) => void;
  /** Whom the report's `rigwatch remediate` commands point at (the scenario or profile audited). */
  remediateTarget?: RemediateTarget;
  /** The state the last run left (a scheduled run): makes collection incremental and gives findings their status. */
  previous?: Pick<AuditState, 'account' | 'cache' | 'findings' | 'acks'>;
}

export interface AuditResult {
  report: Report;
  data: AuditData;
  /** For the next run's state. */
  cache: CollectionCache;
  records: Record<string, FindingRecord>;
}

export function enabledDetectors(config: Config) {
  return DETECTORS.filter((d) => config.detectors[d.meta.id as DetectorId]?.enabled !== false);
}

/** What the collectors read, derived from the enabled detectors (read only what they need). */
export function collectionSettings(config: Config, now: number, since: number): CollectionSettings {
  const needs = new Map<string, CloudTrailNeed>();
  const oldest = now - CLOUDTRAIL_RETENTION;
  for (const d of enabledDetectors(config)) {
    for (const e of d.meta.cloudtrailEvents ?? []) {
      const from = Math.max(oldest, e.baseline ? since - config.collection.cloudtrailBaselineDays * DAY : since);
      const prev = needs.get(e.eventName);
      if (!prev || from < prev.since) needs.set(e.eventName, { eventName: e.eventName, eventSource: e.eventSource, since: from });
    }
  }
  const { metrics, costs, userData, guardduty, concurrency, incremental } = config.collection;
  return { cloudtrail: [...needs.values()], metrics, costs, userData, guardduty, concurrency, incremental };
}

export async function runAudit(request: AuditRequest): Promise<AuditResult> {
  const started = performance.now();
  // The clients may outlive one run (a warm Lambda container): count this run's calls only.
  const callsBefore = request.clients.calls.snapshot();
  const throttledBefore = request.clients.calls.throttled;
  const window = { start: request.since, end: request.now };
  const { data, cache } = await collect({
    clients: request.clients,
    now: request.now,
    window,
    regions: request.regions,
    settings: collectionSettings(request.config, request.now, request.since),
    progress: request.progress,
    previous: request.previous?.cache,
  });
  request.progress?.('judging');
  const findings: Finding[] = [];
  for (const detector of enabledDetectors(request.config)) {
    for (const f of detector.detect(data, request.config.detectors[detector.meta.id as DetectorId])) {
      findings.push({ ...f, evidence: redactSecrets(f.evidence) });
    }
  }
  sortFindings(findings);
  const { findings: annotated, records } = applyLifecycle({
    account: data.account.id,
    findings: annotateContainment(findings, data),
    previous: request.previous?.account === data.account.id ? request.previous : undefined,
    coverage: data.coverage,
    now: request.now,
    mutelist: request.config.mutelist,
    tags: tagLookup(data),
    resolvedRetentionDays: request.config.state.resolvedRetentionDays,
  });
  const report: Report = {
    format: REPORT_FORMAT,
    account: data.account.id,
    generatedAt: new Date(request.now).toISOString(),
    window: { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() },
    coverage: data.coverage,
    findings: annotated,
    incidents: buildIncidents({ findings: annotated, data, target: request.remediateTarget }),
    billing: buildBillingReport(data, request.config, annotated),
    metrics: metricStory(annotated, data),
    stats: {
      apiCalls: callsSince(callsBefore, request.clients.calls.snapshot()),
      durationMs: Math.round(performance.now() - started),
      throttled: request.clients.calls.throttled - throttledBefore,
      findingsBySeverity: countBySeverity(annotated.filter(counts)),
    },
  };
  return { report, data, cache, records };
}

function callsSince(before: Record<string, number>, now: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [call, n] of Object.entries(now)) {
    const d = n - (before[call] ?? 0);
    if (d > 0) out[call] = d;
  }
  return out;
}
