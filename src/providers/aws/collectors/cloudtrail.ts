// CloudTrail: the trails with their status, and the management events the detectors need.
//
// LookupEvents is the slow source: 50 events a page, 2 calls a second per region, one lookup
// attribute per call. A region is read with a plan of ever narrower queries, each covering a
// set of event names and abandoned as soon as the density of its pages says finishing it would
// cost more than the narrower queries it stands for:
//   1. `ReadOnly=false` (every event the detectors read is a write) for all names: one call
//      covers a quiet region, which is most regions and the ones attackers like;
//   2. `EventSource=<service>` for each service with several names (12 IAM names, 6 CloudTrail
//      ones...): one call when that service is quiet;
//   3. `EventName=<name>` for the rest.
// Each narrower query covers only the range the wider one did not reach (newest first), so no
// page read is wasted. Global services' events (IAM, STS, sign-in) exist only in us-east-1.

import { DescribeTrailsCommand, GetTrailStatusCommand, LookupEventsCommand, type LookupAttribute } from '@aws-sdk/client-cloudtrail';
import type { CloudTrailRecord, Trail } from '../../types.js';
import { GLOBAL_REGION } from '../clients.js';
import { toMs, type CloudTrailNeed, type CollectContext } from '../collector.js';

export const PERMISSIONS = ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:LookupEvents'] as const;

/** Services whose events CloudTrail records in us-east-1 only. */
const GLOBAL_SOURCES = new Set([
  'iam.amazonaws.com', 'sts.amazonaws.com', 'signin.amazonaws.com', 'cloudfront.amazonaws.com',
  'organizations.amazonaws.com', 'support.amazonaws.com', 'route53.amazonaws.com',
]);

export const isGlobalSource = (eventSource: string): boolean => GLOBAL_SOURCES.has(eventSource);

/** The needs to read in `region`: regional events everywhere, global-service events in us-east-1 only. */
export function needsForRegion(needs: CloudTrailNeed[], region: string): CloudTrailNeed[] {
  return needs.filter((n) => (isGlobalSource(n.eventSource) ? region === GLOBAL_REGION : true));
}

export interface RegionEvents {
  records: CloudTrailRecord[];
  /** Calls by the attribute they looked up: ReadOnly, EventSource, EventName. */
  calls: { ReadOnly: number; EventSource: number; EventName: number };
  /**
   * Every write event in the region over the range read, when the `ReadOnly=false` query read it
   * all: the services written to, which tells an incremental run what inventory changed. Absent
   * when that query was abandoned for narrower ones (a busy region: assume everything changed).
   */
  writes?: { sources: Set<string>; since: number };
}

interface Scope {
  attribute: LookupAttribute;
  /** Event name -> the earliest time it is needed from. */
  names: Map<string, number>;
  /** The newest time still to read (inclusive): what wider queries did not reach. */
  until: number;
}

export async function collectEventsRegion(ctx: CollectContext, region: string): Promise<RegionEvents> {
  const needs = needsForRegion(ctx.settings.cloudtrail, region);
  const since = new Map<string, number>();
  const sourceOf = new Map<string, string>();
  for (const n of needs) {
    since.set(n.eventName, Math.min(since.get(n.eventName) ?? Infinity, n.since));
    sourceOf.set(n.eventName, n.eventSource);
  }
  const calls = { ReadOnly: 0, EventSource: 0, EventName: 0 };
  const records = new Map<string, CloudTrailRecord>();
  if (since.size === 0) return { records: [], calls };
  const written = new Set<string>();
  const client = ctx.clients.cloudtrail(region);

  /** Reads `scope` newest first; returns the oldest time reached, or undefined when it read everything. */
  const read = async (scope: Scope, budget: number): Promise<number | undefined> => {
    const earliest = Math.min(...scope.names.values());
    let covered = scope.until;
    let pages = 0;
    let token: string | undefined;
    do {
      const page = await client.send(new LookupEventsCommand({
        LookupAttributes: [scope.attribute], StartTime: new Date(earliest), EndTime: new Date(scope.until), MaxResults: 50, NextToken: token,
      }));
      pages += 1;
      calls[scope.attribute.AttributeKey as keyof typeof calls] += 1;
      if (scope.attribute.AttributeKey === 'ReadOnly') for (const e of page.Events ?? []) if (e.EventSource) written.add(e.EventSource);
      for (const r of parseEvents(page.Events)) {
        const from = scope.names.get(r.eventName);
        if (from !== undefined && Date.parse(r.eventTime) >= from) records.set(r.eventID, r);
      }
      token = page.NextToken;
      const oldest = page.Events?.at(-1)?.EventTime;
      if (oldest) covered = oldest.getTime();
    } while (token && pages + pagesStillNeeded(pages, covered, earliest, scope.until) <= budget);
    return token ? covered : undefined;
  };

  const end = ctx.window.end;
  // A narrower query's budget: the calls the queries it stands for would make at the least.
  const writesReached = await read({ attribute: { AttributeKey: 'ReadOnly', AttributeValue: 'false' }, names: since, until: end }, since.size);
  if (writesReached === undefined) return { records: [...records.values()], calls, writes: { sources: written, since: Math.min(...since.values()) } };

  const bySource = new Map<string, Map<string, number>>();
  for (const [name, from] of since) {
    if (from > writesReached) continue;
    const source = sourceOf.get(name) as string;
    if (!bySource.has(source)) bySource.set(source, new Map());
    bySource.get(source)?.set(name, from);
  }
  for (const [source, names] of bySource) {
    let until = writesReached;
    if (names.size > 1) {
      const reached = await read({ attribute: { AttributeKey: 'EventSource', AttributeValue: source }, names, until }, names.size);
      if (reached === undefined) continue;
      until = reached;
    }
    for (const [name, from] of names) {
      if (from <= until) await read({ attribute: { AttributeKey: 'EventName', AttributeValue: name }, names: new Map([[name, from]]), until }, Infinity);
    }
  }
  return { records: [...records.values()], calls };
}

/**
 * The write pages still to read to reach `earliest`, at the density of the `read` pages so far
 * (which covered (`covered`, `end`]): the cost of finishing the range with write pages.
 */
export function pagesStillNeeded(read: number, covered: number, earliest: number, end: number): number {
  if (covered <= earliest) return 0;
  const span = Math.max(1, end - covered);
  return Math.ceil((read * (covered - earliest)) / span);
}

/** Trails visible from the home-region view, with their logging status. */
export async function collectTrails(ctx: CollectContext, region: string): Promise<Trail[]> {
  const client = ctx.clients.cloudtrail(region);
  const out = await client.send(new DescribeTrailsCommand({ includeShadowTrails: false }));
  const trails: Trail[] = [];
  for (const t of out.trailList ?? []) {
    if (!t.Name) continue;
    const status = await client.send(new GetTrailStatusCommand({ Name: t.TrailARN ?? t.Name }));
    trails.push({
      name: t.Name,
      arn: t.TrailARN,
      homeRegion: t.HomeRegion ?? region,
      isMultiRegion: t.IsMultiRegionTrail ?? false,
      isOrganizationTrail: t.IsOrganizationTrail ?? false,
      isLogging: status.IsLogging ?? false,
      s3BucketName: t.S3BucketName,
      latestDeliveryTime: toMs(status.LatestDeliveryTime),
      stopLoggingTime: toMs(status.StopLoggingTime),
    });
  }
  return trails;
}

function parseEvents(events: { CloudTrailEvent?: string }[] | undefined): CloudTrailRecord[] {
  const out: CloudTrailRecord[] = [];
  for (const e of events ?? []) {
    if (e.CloudTrailEvent) out.push(JSON.parse(e.CloudTrailEvent) as CloudTrailRecord);
  }
  return out;
}
