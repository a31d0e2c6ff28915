// A finding's life across scheduled runs. Ids are stable (src/domain/finding-id.ts), so a run
// compares its findings with the state the last run left: a finding never seen (or seen again
// after it was resolved) is `new`, one seen before is `open`, one that went away is `resolved`
// (reported once, then remembered for `resolvedRetentionDays`), and one the mutelist or an ack
// covers is `muted`. A finding is only resolved when the sources its detector reads answered in
// its region this run: a failed source must not read as "the attack stopped".

import { DETECTORS } from '../detectors/index.js';
import { SEVERITY_RANK, type Finding, type Severity } from '../detectors/types.js';
import type { DigestItem } from '../notify/types.js';
import type { CoverageEntry, SourceName } from '../providers/types.js';
import type { AuditState, FindingRecord } from '../state/types.js';
import { expiresAt, mutingRule, type MuteRule, type TagLookup } from './mutelist.js';

const DAY = 86_400_000;

export interface LifecycleInput {
  /** The audited account, for the findings reported resolved. */
  account: string;
  findings: Finding[];
  /** The state the last run left; absent on the first run (every finding is new). */
  previous?: Pick<AuditState, 'findings' | 'acks'>;
  coverage: CoverageEntry[];
  now: number;
  mutelist: readonly MuteRule[];
  tags: TagLookup;
  resolvedRetentionDays: number;
}

export interface LifecycleOutput {
  /** This run's findings with their status, then the ones resolved since the last run. */
  findings: Finding[];
  /** The findings part of the next state. */
  records: Record<string, FindingRecord>;
}

const SOURCES = new Map(DETECTORS.map((d) => [d.meta.id as string, d.meta.sources]));

function judgedEverywhere(detector: string, region: string, coverage: CoverageEntry[]): boolean {
  const sources = new Set<SourceName>(SOURCES.get(detector) ?? []);
  return !coverage.some((c) => c.status !== 'ok' && sources.has(c.source) && (c.region === region || c.region === 'global' || region === 'global'));
}

export function applyLifecycle(input: LifecycleInput): LifecycleOutput {
  const iso = new Date(input.now).toISOString();
  const before = input.previous?.findings ?? {};
  const acks = input.previous?.acks ?? {};
  const records: Record<string, FindingRecord> = {};
  const out: Finding[] = [];

  for (const f of input.findings) {
    const rec = before[f.id];
    const ack = acks[f.id];
    const acked = ack && (ack.until === undefined || expiresAt(ack.until) >= input.now) ? ack : undefined;
    const rule = acked ? undefined : mutingRule(input.mutelist, f, input.now, input.tags);
    const seenBefore = rec !== undefined && rec.status === 'open';
    let status: Finding['status'] = seenBefore ? 'open' : 'new';
    let muted: Finding['muted'];
    if (acked) {
      status = 'muted';
      muted = { reason: acked.reason, by: 'ack', ...(acked.until !== undefined && { until: acked.until }) };
    } else if (rule) {
      status = 'muted';
      muted = { reason: rule.rule.reason, by: 'mutelist', rule: rule.index, ...(rule.rule.expires !== undefined && { until: rule.rule.expires }) };
    }
    out.push({ ...f, status, ...(muted && { muted }) });
    records[f.id] = {
      id: f.id,
      detector: f.detector,
      title: f.title,
      region: f.region,
      severity: f.severity,
      status: 'open',
      firstReported: seenBefore ? rec.firstReported : iso,
      lastReported: iso,
      // A finding resolved and back starts its notifications afresh.
      notified: seenBefore ? rec.notified : {},
    };
  }

  const current = new Set(input.findings.map((f) => f.id));
  for (const rec of Object.values(before)) {
    if (current.has(rec.id)) continue;
    if (rec.status === 'open') {
      if (!judgedEverywhere(rec.detector, rec.region, input.coverage)) {
        records[rec.id] = rec;
        continue;
      }
      records[rec.id] = { ...rec, status: 'resolved', resolvedAt: iso };
      out.push({
        id: rec.id,
        detector: rec.detector as Finding['detector'],
        severity: rec.severity,
        title: rec.title,
        account: input.account,
        region: rec.region,
        resources: [],
        evidence: { lastReported: rec.lastReported, firstReported: rec.firstReported },
        status: 'resolved',
      });
    } else if (rec.resolvedAt && input.now - Date.parse(rec.resolvedAt) < input.resolvedRetentionDays * DAY) {
      records[rec.id] = rec;
    }
  }
  return { findings: out, records };
}

/**
 * What a channel has not been told yet: findings new or open (not muted) at or above
 * `minSeverity` that it was never notified of, or notified at a lower severity (escalated).
 * A channel whose last delivery failed is still owed them: nothing is lost silently.
 */
export function owedTo(channel: string, findings: Finding[], records: Record<string, FindingRecord>, minSeverity: Severity): Pick<DigestItem, 'finding' | 'reason' | 'previousSeverity'>[] {
  const items: Pick<DigestItem, 'finding' | 'reason' | 'previousSeverity'>[] = [];
  for (const f of findings) {
    if (f.status !== 'new' && f.status !== 'open') continue;
    if (SEVERITY_RANK[f.severity] < SEVERITY_RANK[minSeverity]) continue;
    const told = records[f.id]?.notified[channel];
    if (told === undefined) items.push({ finding: f, reason: 'new' });
    else if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[told]) items.push({ finding: f, reason: 'escalated', previousSeverity: told });
  }
  return items;
}

/** Records that `channel` now knows these findings at their current severity. */
export function markNotified(channel: string, findings: Finding[], records: Record<string, FindingRecord>): void {
  for (const f of findings) {
    const rec = records[f.id];
    if (rec) rec.notified = { ...rec.notified, [channel]: f.severity };
  }
}
