// What every collector gets: the clients, the regions and window of the run, its settings, and
// the coverage record. A collector fetches its source once per run; a failure is recorded in
// coverage (never read as "nothing there") and the run goes on with the other sources.

import type { IncrementalSettings } from '../cache.js';
import type { AuditWindow, CoverageEntry, SourceName } from '../types.js';
import type { AwsClients } from './clients.js';

/** A CloudTrail event a detector needs, with how far back it needs it. */
export interface CloudTrailNeed {
  eventName: string;
  /** e.g. ec2.amazonaws.com; global services' events are read once, from us-east-1. */
  eventSource: string;
  /** Epoch ms to look up from: the window's start, or earlier for a baseline. */
  since: number;
}

export interface CollectionSettings {
  /** CloudTrail event names (and from when) the enabled detectors read. */
  cloudtrail: CloudTrailNeed[];
  metrics: { periodSeconds: number; lookbackHours: number };
  costs: { baselineDays: number };
  userData: { enabled: boolean; maxBytes: number };
  guardduty: { enabled: boolean };
  /** Calls a collector keeps in flight at once, per region. */
  concurrency: number;
  /** What a run given the previous run's cache reads again (config `collection.incremental`). */
  incremental: IncrementalSettings;
}

export interface CollectContext {
  clients: AwsClients;
  regions: string[];
  now: number;
  window: AuditWindow;
  settings: CollectionSettings;
  coverage: Coverage;
  progress: (message: string) => void;
}

export class Coverage {
  readonly entries: CoverageEntry[] = [];

  ok(source: SourceName, region: string): void {
    this.entries.push({ source, region, status: 'ok' });
  }

  skipped(source: SourceName, region: string, reason: string): void {
    this.entries.push({ source, region, status: 'skipped', error: reason });
  }

  failed(source: SourceName, region: string, error: unknown): void {
    this.entries.push({ source, region, status: 'error', error: describeAwsError(error) });
  }

  /** Runs `work` for one source and region, recording only an error (another call records the ok). */
  async attempt<T>(source: SourceName, region: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      this.failed(source, region, error);
      return undefined;
    }
  }

  /** Runs `work` for one source and region, recording ok or the error; returns undefined on error. */
  async record<T>(source: SourceName, region: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await work();
      this.ok(source, region);
      return result;
    } catch (error) {
      this.failed(source, region, error);
      return undefined;
    }
  }
}

/** `AccessDeniedException: User ... is not authorized ...`: the code AWS answered and its message. */
export function describeAwsError(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return `${error.name}${status ? ` (HTTP ${status})` : ''}: ${error.message}`;
  }
  return String(error);
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the input order in the result. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}

export const toMs = (d: Date | string | undefined): number | undefined => (d === undefined ? undefined : new Date(d).getTime());
