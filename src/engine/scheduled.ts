// A scheduled run: the audit with a state store. It holds the store for the run (a lock file,
// or S3's conditional writes), reads only what is new since the last run, gives findings their
// lifecycle status, tells each notification channel once about what is new or escalated, and
// saves the state for the next run. The CLI (`--state-dir`, cron) and the Lambda handler are
// thin adapters over runScheduledAudit.
//
// Delivery is at least once: the state is saved after the channels were told, so a run that
// dies between the two makes the next run tell them again; a failed delivery leaves the
// findings owed to that channel, and the run exits 3.

import { SEVERITIES, type Finding, type Severity } from '../detectors/types.js';
import { channelName, type NotifyConfig } from '../notify/channels.js';
import { buildDigest, remediateCommand, type RemediateTarget } from '../notify/digest.js';
import { deliver } from '../notify/send.js';
import type { DeliveryResult, DigestItem } from '../notify/types.js';
import type { AwsClients } from '../providers/aws/clients.js';
import type { AuditData } from '../providers/types.js';
import { StateConflictError, type StateStore } from '../state/store.js';
import { STATE_FORMAT, type Ack, type AuditState, type FindingRecord } from '../state/types.js';
import { runAudit, type AuditRequest, type AuditResult } from './audit.js';
import type { Incident } from './story.js';
import { InputError } from './errors.js';
import { findingImpact } from './impact.js';
import { markNotified, owedTo } from './lifecycle.js';
import { expiresAt } from './mutelist.js';
import { counts } from './report.js';

export interface ScheduledRequest extends Omit<AuditRequest, 'previous'> {
  store: StateStore;
  /** Tell the configured channels (config `notify`); false for a dry look at what a run would find. */
  notify: boolean;
  /** Whom the digest's `rigwatch remediate` commands point at. */
  remediateTarget?: RemediateTarget;
  /** Where channels' urlEnv / secretEnv are read (default process.env). */
  env?: Record<string, string | undefined>;
  /** Tests: no real waiting between retries. */
  sleep?: (ms: number) => Promise<void>;
}

export interface ScheduledResult extends AuditResult {
  state: AuditState;
}

export async function runScheduledAudit(request: ScheduledRequest): Promise<ScheduledResult> {
  const release = await request.store.lock();
  try {
    const loaded = await request.store.load();
    const previous = loaded.state;
    const result = await runAudit({ ...request, previous });
    const { report, data, records } = result;
    if (previous && previous.account !== report.account) {
      throw new InputError(`the state belongs to account ${previous.account}, and this audit is of account ${report.account}: give each account its own state`, { file: request.store.location });
    }

    if (request.notify && request.config.notify.channels.length > 0) {
      request.progress?.('notifying');
      report.notifications = await notifyChannels(request.config.notify, {
        findings: report.findings, incidents: report.incidents ?? [], data, records, clients: request.clients, target: request.remediateTarget, env: request.env, sleep: request.sleep,
      });
    }

    const state: AuditState = {
      format: STATE_FORMAT,
      account: report.account,
      runs: (previous?.runs ?? 0) + 1,
      lastRun: { at: report.generatedAt, apiCalls: Object.values(report.stats.apiCalls).reduce((a, b) => a + b, 0), durationMs: report.stats.durationMs },
      cache: result.cache,
      findings: records,
      acks: liveAcks(previous?.acks ?? {}, request.now),
    };
    report.state = {
      location: request.store.location,
      runs: state.runs,
      incremental: previous?.cache !== undefined,
      ...(previous?.lastRun && { previousRun: previous.lastRun.at }),
    };
    request.progress?.('saving the state');
    await saveMergingAcks(request.store, state, loaded.version, previous?.runs ?? 0, request.now);
    return { ...result, state };
  } finally {
    await release();
  }
}

/**
 * Saves; if the stored state changed meanwhile only by acks (`rigwatch ack` while the run was
 * going), takes those acks and saves again. If another run saved meanwhile, refuses.
 */
async function saveMergingAcks(store: StateStore, state: AuditState, version: string | undefined, baseRuns: number, clock: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await store.save(state, version);
      return;
    } catch (error) {
      if (!(error instanceof StateConflictError) || attempt >= 3) throw error;
      const now = await store.load();
      if (!now.state || now.state.runs !== baseRuns) throw error;
      // Acks are written only by `rigwatch ack`: the stored ones are the truth.
      state.acks = liveAcks(now.state.acks, clock);
      version = now.version;
    }
  }
}

function liveAcks(acks: Record<string, Ack>, now: number): Record<string, Ack> {
  return Object.fromEntries(Object.entries(acks).filter(([, a]) => a.until === undefined || expiresAt(a.until) >= now));
}

interface NotifyInput {
  findings: Finding[];
  /** A finding in an incident is contained with its incident's command. */
  incidents: Incident[];
  data: AuditData;
  records: Record<string, FindingRecord>;
  clients: AwsClients;
  target?: RemediateTarget;
  env?: Record<string, string | undefined>;
  sleep?: (ms: number) => Promise<void>;
}

/** One digest per channel, of what that channel is owed; marks what was delivered. */
export async function notifyChannels(config: NotifyConfig, input: NotifyInput): Promise<DeliveryResult[]> {
  const stillOpen = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of input.findings) if (counts(f)) stillOpen[f.severity] += 1;
  const generatedAt = new Date(input.data.now).toISOString();
  return Promise.all(config.channels.map(async (channel, index) => {
    const name = channelName(channel, index);
    const items: DigestItem[] = owedTo(name, input.findings, input.records, config.minSeverity).map((o) => ({
      ...o,
      ...optional('impact', findingImpact(o.finding, input.data)),
      remediate: input.incidents.find((i) => i.findings.includes(o.finding.id))?.remediate ?? remediateCommand([o.finding.id], input.target),
    }));
    const resolved = items.length === 0
      ? []
      : input.findings.filter((f) => f.status === 'resolved' && input.records[f.id]?.notified[name] !== undefined)
        .map((f) => ({ id: f.id, detector: f.detector, title: f.title }));
    const digest = buildDigest({ account: input.data.account.id, generatedAt, items, resolved, stillOpen });
    const result = await deliver(channel, digest, {
      retries: config.retries, timeoutMs: config.timeoutMs, backoffMs: config.backoffMs, index, clients: input.clients,
      ...(input.env && { env: input.env }), ...(input.sleep && { sleep: input.sleep }),
    });
    if (result.status === 'sent') markNotified(name, items.map((i) => i.finding), input.records);
    return result;
  }));
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
