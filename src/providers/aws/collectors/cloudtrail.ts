// CloudTrail: the trails with their status, and the management events the detectors need.
//
// LookupEvents is the slow source: 50 events a page, 2 calls a second per region, one lookup
// attribute per call. Every event the detectors read is a write (readOnly: false), so each
// region is read newest first through `ReadOnly=false` pages — one call covers a quiet region,
// which is most regions and the ones attackers like — for as long as that stays cheaper than
// one query per event name (at most as many pages as there are names). A busy region then gets
// per-name queries, each only for the part of its range the write pages did not reach.
// Global services' events (IAM, STS, sign-in) exist only in us-east-1.

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
  /** Pages of write events read, and per-name queries made after them. */
  writePages: number;
  nameQueries: number;
}

export async function collectEventsRegion(ctx: CollectContext, region: string): Promise<RegionEvents> {
  const needs = needsForRegion(ctx.settings.cloudtrail, region);
  const since = new Map<string, number>();
  for (const n of needs) since.set(n.eventName, Math.min(since.get(n.eventName) ?? Infinity, n.since));
  if (since.size === 0) return { records: [], writePages: 0, nameQueries: 0 };
  const client = ctx.clients.cloudtrail(region);
  const earliest = Math.min(...since.values());
  const records = new Map<string, CloudTrailRecord>();
  const keep = (events: { CloudTrailEvent?: string }[] | undefined): void => {
    for (const r of parseEvents(events)) {
      const from = since.get(r.eventName);
      if (from !== undefined && Date.parse(r.eventTime) >= from) records.set(r.eventID, r);
    }
  };

  // Write events, newest first, until the range is covered or the page budget is spent.
  let covered = ctx.window.end;
  let token: string | undefined;
  let writePages = 0;
  do {
    const page = await client.send(new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'false' }],
      StartTime: new Date(earliest), EndTime: new Date(ctx.window.end), MaxResults: 50, NextToken: token,
    }));
    writePages += 1;
    keep(page.Events);
    token = page.NextToken;
    const oldest = page.Events?.at(-1)?.EventTime;
    if (oldest) covered = oldest.getTime();
  } while (token && writePages < since.size);
  if (!token) return { records: [...records.values()], writePages, nameQueries: 0 };

  // What the pages did not reach: [since(name), covered], inclusive, so the boundary second is
  // read twice and de-duplicated by event id.
  let nameQueries = 0;
  for (const [eventName, from] of since) {
    if (from > covered) continue;
    const attribute: LookupAttribute = { AttributeKey: 'EventName', AttributeValue: eventName };
    let next: string | undefined;
    do {
      const page = await client.send(new LookupEventsCommand({
        LookupAttributes: [attribute], StartTime: new Date(from), EndTime: new Date(covered), MaxResults: 50, NextToken: next,
      }));
      nameQueries += 1;
      keep(page.Events);
      next = page.NextToken;
    } while (next);
  }
  return { records: [...records.values()], writePages, nameQueries };
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
