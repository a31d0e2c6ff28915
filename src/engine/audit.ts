// The engine: collect the account once, run every enabled detector over it, build the report.
// The CLI and the Lambda handler are thin adapters over runAudit.

import { DETECTORS } from '../detectors/index.js';
import type { DetectorId, Finding } from '../detectors/types.js';
import type { AwsClients } from '../providers/aws/clients.js';
import { collectAccount } from '../providers/aws/collect.js';
import type { CloudTrailNeed, CollectionSettings } from '../providers/aws/collector.js';
import type { AuditData } from '../providers/types.js';
import type { Config } from './config.js';
import { annotateContainment } from './containment.js';
import { countBySeverity, redactSecrets, REPORT_FORMAT, sortFindings, type Report } from './report.js';

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
}

export interface AuditResult {
  report: Report;
  data: AuditData;
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
  const { metrics, costs, userData, guardduty, concurrency } = config.collection;
  return { cloudtrail: [...needs.values()], metrics, costs, userData, guardduty, concurrency };
}

export async function runAudit(request: AuditRequest): Promise<AuditResult> {
  const started = performance.now();
  const window = { start: request.since, end: request.now };
  const data = await collectAccount({
    clients: request.clients,
    now: request.now,
    window,
    regions: request.regions,
    settings: collectionSettings(request.config, request.now, request.since),
    progress: request.progress,
  });
  request.progress?.('judging');
  const findings: Finding[] = [];
  for (const detector of enabledDetectors(request.config)) {
    for (const f of detector.detect(data, request.config.detectors[detector.meta.id as DetectorId])) {
      findings.push({ ...f, evidence: redactSecrets(f.evidence) });
    }
  }
  sortFindings(findings);
  const annotated = annotateContainment(findings, data);
  const report: Report = {
    format: REPORT_FORMAT,
    account: data.account.id,
    generatedAt: new Date(request.now).toISOString(),
    window: { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() },
    coverage: data.coverage,
    findings: annotated,
    stats: {
      apiCalls: request.clients.calls.snapshot(),
      durationMs: Math.round(performance.now() - started),
      throttled: request.clients.calls.throttled,
      findingsBySeverity: countBySeverity(findings),
    },
  };
  return { report, data };
}
