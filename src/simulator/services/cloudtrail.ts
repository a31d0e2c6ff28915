// Simulated CloudTrail: trails and their status, and LookupEvents over scenario.cloudtrail.events.
// LookupEvents answers as AWS does: per Region (global services' events in us-east-1 only),
// newest first, 90 days back from `now`, one lookup attribute at most, inclusive time bounds.
// Events are indexed once per scenario version: per Region a newest-first list, and per lookup
// attribute a newest-first list per value, built on first use. A call binary-searches its time
// range and cursor and slices one page, so its cost does not grow with the number of events.

import type {
  DescribeTrailsRequest,
  DescribeTrailsResponse,
  Event,
  GetEventSelectorsRequest,
  GetEventSelectorsResponse,
  GetTrailStatusRequest,
  GetTrailStatusResponse,
  ListTrailsResponse,
  LookupAttribute,
  LookupEventsRequest,
  LookupEventsResponse,
  Resource,
  Trail,
} from '@aws-sdk/client-cloudtrail';
import type { CloudTrailRecord, ScenarioTrail } from '../../scenario/types.js';
import { LOOKUP_EVENTS_RETENTION_MS, PAGE_LIMITS } from '../limits.js';
import { decodeToken, encodeToken, queryFingerprint } from '../next-token.js';
import { AwsError, type SimContext, type SimulatedService } from '../types.js';

/** Services whose events CloudTrail records in us-east-1 only. */
const GLOBAL_EVENT_SOURCES = new Set([
  'iam', 'sts', 'signin', 'cloudfront', 'organizations', 'support', 'route53', 'route53domains',
  'waf', 'shield', 'health', 'account', 'budgets', 'ce',
]);

const LOOKUP_ATTRIBUTE_KEYS = ['EventId', 'EventName', 'ReadOnly', 'Username', 'ResourceType', 'ResourceName', 'EventSource', 'AccessKeyId'] as const;
type LookupKey = (typeof LOOKUP_ATTRIBUTE_KEYS)[number];

/** The resource type an EC2 id names, by its prefix (CreateTags / DeleteTags name several kinds). */
const EC2_TYPES_BY_PREFIX: [prefix: string, type: string][] = [
  ['i-', 'AWS::EC2::Instance'], ['sg-', 'AWS::EC2::SecurityGroup'], ['snap-', 'AWS::EC2::Snapshot'], ['vol-', 'AWS::EC2::Volume'],
];

const READ_ONLY_PREFIX = /^(Describe|Get|List|Lookup|Head|Search|BatchGet)/;

interface EventEntry {
  record: CloudTrailRecord;
  time: number;
  /** Position in the scenario: orders events with the same time, stable when events are appended. */
  seq: number;
  resources?: Resource[];
  json?: string;
}

interface RegionEvents {
  /** Newest first; equal times in scenario order. */
  entries: EventEntry[];
  byAttribute: Map<LookupKey, Map<string, EventEntry[]>>;
}

const CACHE_KEY = 'cloudtrail:events';

/** The Region whose LookupEvents returns an event. */
export function lookupRegionOf(record: CloudTrailRecord): string {
  const service = record.eventSource.replace(/\.amazonaws\.com$/, '');
  return GLOBAL_EVENT_SOURCES.has(service) ? 'us-east-1' : record.awsRegion;
}

/** Drops the event index: call after changing `scenario.cloudtrail.events`. */
export function eventsChanged(ctx: SimContext): void {
  ctx.account.cache.delete(CACHE_KEY);
}

function eventIndex(ctx: SimContext): Map<string, RegionEvents> {
  const cached = ctx.account.cache.get(CACHE_KEY) as Map<string, RegionEvents> | undefined;
  if (cached) return cached;
  const index = new Map<string, RegionEvents>();
  const events = ctx.account.scenario.cloudtrail?.events ?? [];
  events.forEach((record, seq) => {
    const time = Date.parse(record.eventTime);
    if (Number.isNaN(time)) return;
    const region = lookupRegionOf(record);
    let regionEvents = index.get(region);
    if (!regionEvents) {
      regionEvents = { entries: [], byAttribute: new Map() };
      index.set(region, regionEvents);
    }
    regionEvents.entries.push({ record, time, seq });
  });
  for (const { entries } of index.values()) entries.sort((a, b) => b.time - a.time || a.seq - b.seq);
  ctx.account.cache.set(CACHE_KEY, index);
  return index;
}

// --- How AWS builds an Events[] item -----------------------------------------------------------

/** Username as LookupEvents reports it: the user name, or the role session name. */
export function usernameOf(record: CloudTrailRecord): string | undefined {
  const identity = record.userIdentity;
  if (!identity) return undefined;
  if (identity.userName) return identity.userName;
  if (identity.type === 'Root') return 'root';
  if (identity.arn) return identity.arn.split('/').pop();
  return identity.sessionContext?.sessionIssuer?.userName ?? identity.invokedBy;
}

function readOnlyOf(record: CloudTrailRecord): 'true' | 'false' {
  const readOnly = typeof record.readOnly === 'boolean' ? record.readOnly : READ_ONLY_PREFIX.test(record.eventName);
  return readOnly ? 'true' : 'false';
}

function itemsOf(set: unknown): Record<string, unknown>[] {
  const items = set && typeof set === 'object' ? (set as { items?: unknown }).items : undefined;
  return Array.isArray(items) ? (items as Record<string, unknown>[]) : [];
}

/** The resources a record names, best effort, as LookupEvents lists them. */
function resourcesOf(record: CloudTrailRecord): Resource[] {
  const seen = new Set<string>();
  const resources: Resource[] = [];
  const add = (type: string, name: unknown) => {
    if (typeof name !== 'string' || name === '') return;
    const key = `${type}\u0000${name}`;
    if (seen.has(key)) return;
    seen.add(key);
    resources.push({ ResourceType: type, ResourceName: name });
  };
  const source = record.eventSource.replace(/\.amazonaws\.com$/, '');
  const request = record.requestParameters ?? {};
  const response = record.responseElements ?? {};
  if (source === 'ec2') {
    for (const set of [request.instancesSet, response.instancesSet]) {
      for (const item of itemsOf(set)) add('AWS::EC2::Instance', item.instanceId);
    }
    add('AWS::EC2::Instance', request.instanceId);
    add('AWS::EC2::Ami', request.imageId);
    add('AWS::EC2::KeyPair', request.keyName);
    add('AWS::EC2::SecurityGroup', request.groupId);
    add('AWS::EC2::SecurityGroup', response.groupId);
    for (const item of itemsOf(request.groupSet)) add('AWS::EC2::SecurityGroup', item.groupId);
    add('AWS::EC2::Volume', request.volumeId);
    add('AWS::EC2::Snapshot', request.snapshotId);
    add('AWS::EC2::Snapshot', response.snapshotId);
    for (const { resourceId } of itemsOf(request.resourcesSet)) {
      const type = EC2_TYPES_BY_PREFIX.find(([prefix]) => String(resourceId).startsWith(prefix))?.[1];
      add(type ?? 'AWS::EC2::Resource', resourceId);
    }
    // CreateSnapshots, a newer EC2 API, is recorded in its own request and response shapes.
    const snapshots = request.CreateSnapshotsRequest as { InstanceSpecification?: { InstanceId?: unknown } } | undefined;
    add('AWS::EC2::Instance', snapshots?.InstanceSpecification?.InstanceId);
    const created = (response.CreateSnapshotsResponse as { snapshotSet?: { item?: unknown } } | undefined)?.snapshotSet?.item;
    for (const item of Array.isArray(created) ? (created as Record<string, unknown>[]) : []) add('AWS::EC2::Snapshot', item.snapshotId);
  } else if (source === 'iam') {
    add('AWS::IAM::User', request.userName);
    add('AWS::IAM::Role', request.roleName);
    add('AWS::IAM::Group', request.groupName);
    add('AWS::IAM::Policy', request.policyArn);
    add('AWS::IAM::AccessKey', request.accessKeyId);
    const accessKey = response.accessKey as { accessKeyId?: unknown; userName?: unknown } | undefined;
    add('AWS::IAM::AccessKey', accessKey?.accessKeyId);
    add('AWS::IAM::User', accessKey?.userName);
  } else if (source === 'autoscaling') {
    add('AWS::AutoScaling::AutoScalingGroup', request.autoScalingGroupName);
    for (const id of Array.isArray(request.instanceIds) ? request.instanceIds : []) add('AWS::EC2::Instance', id);
  } else if (source === 'elasticloadbalancing') {
    add('AWS::ElasticLoadBalancingV2::TargetGroup', request.targetGroupArn);
  } else if (source === 'cloudtrail') {
    add('AWS::CloudTrail::Trail', request.name);
  } else if (source === 'guardduty') {
    add('AWS::GuardDuty::Detector', request.detectorId);
  }
  for (const r of record.resources ?? []) add(r.type ?? 'AWS::Unknown', r.ARN);
  return resources;
}

function entryResources(entry: EventEntry): Resource[] {
  return (entry.resources ??= resourcesOf(entry.record));
}

function attributeValues(entry: EventEntry, key: LookupKey): (string | undefined)[] {
  const { record } = entry;
  switch (key) {
    case 'EventId': return [record.eventID];
    case 'EventName': return [record.eventName];
    case 'ReadOnly': return [readOnlyOf(record)];
    case 'Username': return [usernameOf(record)];
    case 'EventSource': return [record.eventSource];
    case 'AccessKeyId': return [record.userIdentity?.accessKeyId];
    case 'ResourceType': return [...new Set(entryResources(entry).map((r) => r.ResourceType))];
    case 'ResourceName': return [...new Set(entryResources(entry).map((r) => r.ResourceName))];
  }
}

function eventItem(entry: EventEntry): Event {
  const { record } = entry;
  const username = usernameOf(record);
  const accessKeyId = record.userIdentity?.accessKeyId;
  return {
    EventId: record.eventID,
    EventName: record.eventName,
    ReadOnly: readOnlyOf(record),
    ...(accessKeyId !== undefined && { AccessKeyId: accessKeyId }),
    EventTime: new Date(entry.time),
    EventSource: record.eventSource,
    ...(username !== undefined && { Username: username }),
    Resources: entryResources(entry).map((r) => ({ ...r })),
    CloudTrailEvent: (entry.json ??= JSON.stringify(record)),
  };
}

// --- LookupEvents ------------------------------------------------------------------------------

function byAttribute(regionEvents: RegionEvents, key: LookupKey): Map<string, EventEntry[]> {
  let byValue = regionEvents.byAttribute.get(key);
  if (!byValue) {
    byValue = new Map();
    for (const entry of regionEvents.entries) {
      for (const value of attributeValues(entry, key)) {
        if (value === undefined) continue;
        const list = byValue.get(value);
        if (list) list.push(entry);
        else byValue.set(value, [entry]);
      }
    }
    regionEvents.byAttribute.set(key, byValue);
  }
  return byValue;
}

/** The first index whose entry satisfies `pred`, which is false then true along the list. */
function firstIndex(list: EventEntry[], pred: (e: EventEntry) => boolean, from = 0): number {
  let lo = from;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(list[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function millis(value: unknown, member: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new AwsError('InvalidTimeRangeException', `${member} is not a valid timestamp.`);
  return ms;
}

function lookupAttribute(attributes: LookupAttribute[] | undefined): { key: LookupKey; value: string } | undefined {
  if (!attributes || attributes.length === 0) return undefined;
  if (attributes.length > 1) {
    throw new AwsError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
  }
  const [{ AttributeKey, AttributeValue }] = attributes as [LookupAttribute];
  if (!LOOKUP_ATTRIBUTE_KEYS.includes(AttributeKey as LookupKey)) {
    throw new AwsError('InvalidLookupAttributesException', `${String(AttributeKey)} is not a valid lookup attribute key.`);
  }
  if (typeof AttributeValue !== 'string' || AttributeValue.length === 0 || AttributeValue.length > 2000) {
    throw new AwsError('InvalidLookupAttributesException', 'The lookup attribute value must be between 1 and 2000 characters.');
  }
  return { key: AttributeKey as LookupKey, value: AttributeValue };
}

function lookupEvents(ctx: SimContext, input: LookupEventsRequest): LookupEventsResponse {
  const { min, max } = PAGE_LIMITS.lookupEvents;
  const size = input.MaxResults ?? max;
  if (!Number.isInteger(size) || size < min || (ctx.simulation.enforceLimits && size > max)) {
    throw new AwsError('InvalidMaxResultsException', `MaxResults must be between ${min} and ${max}.`);
  }
  const attribute = lookupAttribute(input.LookupAttributes);
  const start = millis(input.StartTime, 'StartTime');
  const end = millis(input.EndTime, 'EndTime');
  if (start !== undefined && end !== undefined && start > end) {
    throw new AwsError('InvalidTimeRangeException', 'StartTime must be before EndTime.');
  }
  if (input.EventCategory !== undefined && input.EventCategory !== 'insight') {
    throw new AwsError('InvalidEventCategoryException', `${String(input.EventCategory)} is not a valid event category.`);
  }
  const fingerprint = queryFingerprint({
    account: ctx.account.id, region: ctx.region, attribute, start, end, category: input.EventCategory,
  });
  let cursor: [number, number] | undefined;
  if (input.NextToken) {
    const position = decodeToken(input.NextToken, fingerprint);
    if (!Array.isArray(position) || position.length !== 2 || !position.every((n) => typeof n === 'number')) {
      throw new AwsError('InvalidNextTokenException', 'Invalid token or token that was previously used in a request with different parameters.');
    }
    cursor = position as [number, number];
  }
  // No Insights events are simulated.
  if (input.EventCategory === 'insight') return { Events: [] };

  const regionEvents = eventIndex(ctx).get(ctx.region);
  if (!regionEvents) return { Events: [] };
  const list = attribute ? (byAttribute(regionEvents, attribute.key).get(attribute.value) ?? []) : regionEvents.entries;
  const now = ctx.account.now;
  const newest = Math.min(end ?? now, now);
  const oldest = Math.max(start ?? -Infinity, now - LOOKUP_EVENTS_RETENTION_MS);
  let first = firstIndex(list, (e) => e.time <= newest);
  if (cursor) {
    const [t, s] = cursor;
    first = firstIndex(list, (e) => e.time < t || (e.time === t && e.seq > s), first);
  }
  const stop = firstIndex(list, (e) => e.time < oldest, first);
  const last = Math.min(first + size, stop);
  const Events = list.slice(first, last).map(eventItem);
  if (last >= stop) return { Events };
  const tail = list[last - 1]!;
  return { Events, NextToken: encodeToken([tail.time, tail.seq], fingerprint) };
}

// --- Trails ------------------------------------------------------------------------------------

const TRAIL_MEMBERS = [
  'Name', 'S3BucketName', 'S3KeyPrefix', 'SnsTopicName', 'SnsTopicARN', 'IncludeGlobalServiceEvents',
  'IsMultiRegionTrail', 'HomeRegion', 'TrailARN', 'LogFileValidationEnabled', 'CloudWatchLogsLogGroupArn',
  'CloudWatchLogsRoleArn', 'KmsKeyId', 'HasCustomEventSelectors', 'HasInsightSelectors', 'IsOrganizationTrail',
] as const;

const STATUS_TIMES = [
  'LatestDeliveryTime', 'LatestNotificationTime', 'StartLoggingTime', 'StopLoggingTime',
  'LatestCloudWatchLogsDeliveryTime', 'LatestDigestDeliveryTime',
] as const;

const STATUS_STRINGS = [
  'LatestDeliveryError', 'LatestNotificationError', 'LatestCloudWatchLogsDeliveryError', 'LatestDigestDeliveryError',
  'LatestDeliveryAttemptTime', 'LatestNotificationAttemptTime', 'LatestNotificationAttemptSucceeded',
  'LatestDeliveryAttemptSucceeded', 'TimeLoggingStarted', 'TimeLoggingStopped',
] as const;

export function trailArn(trail: ScenarioTrail, accountId: string): string {
  return trail.TrailARN ?? `arn:aws:cloudtrail:${trail.HomeRegion}:${accountId}:trail/${trail.Name}`;
}

function trails(ctx: SimContext): ScenarioTrail[] {
  return ctx.account.scenario.cloudtrail?.trails ?? [];
}

function trailShape(trail: ScenarioTrail, accountId: string): Trail {
  const out: Record<string, unknown> = {
    IncludeGlobalServiceEvents: true,
    LogFileValidationEnabled: false,
    HasCustomEventSelectors: false,
    HasInsightSelectors: false,
    IsOrganizationTrail: false,
  };
  for (const member of TRAIL_MEMBERS) if (trail[member] !== undefined) out[member] = trail[member];
  out.TrailARN = trailArn(trail, accountId);
  return out as Trail;
}

/** The trail a Name parameter designates: an ARN anywhere, a bare name in its home Region only. */
function trailNamed(ctx: SimContext, name: string | undefined): ScenarioTrail | undefined {
  if (name === undefined) return undefined;
  return name.startsWith('arn:')
    ? trails(ctx).find((t) => trailArn(t, ctx.account.id) === name)
    : trails(ctx).find((t) => t.Name === name && t.HomeRegion === ctx.region);
}

function describeTrails(ctx: SimContext, input: DescribeTrailsRequest): DescribeTrailsResponse {
  const names = input.trailNameList ?? [];
  const includeShadows = input.includeShadowTrails ?? true;
  const visible = names.length > 0
    ? names.map((n) => trailNamed(ctx, n)).filter((t): t is ScenarioTrail => t !== undefined)
    : trails(ctx).filter((t) => t.HomeRegion === ctx.region || (t.IsMultiRegionTrail && includeShadows));
  return { trailList: [...new Set(visible)].map((t) => trailShape(t, ctx.account.id)) };
}

function listTrails(ctx: SimContext): ListTrailsResponse {
  return { Trails: trails(ctx).map((t) => ({ TrailARN: trailArn(t, ctx.account.id), Name: t.Name, HomeRegion: t.HomeRegion })) };
}

function requireTrail(ctx: SimContext, name: string | undefined): ScenarioTrail {
  if (name === undefined || name === '') throw new AwsError('InvalidTrailNameException', 'Trail name or ARN cannot be empty.');
  const trail = trailNamed(ctx, name);
  if (!trail) throw new AwsError('TrailNotFoundException', `Unknown trail: ${name} for the user: ${ctx.account.id}`);
  return trail;
}

function getTrailStatus(ctx: SimContext, input: GetTrailStatusRequest): GetTrailStatusResponse {
  const trail = requireTrail(ctx, input.Name);
  const now = ctx.account.now;
  const at = (member: string): number | undefined => {
    const value = trail[member];
    return typeof value === 'string' ? Date.parse(value) : undefined;
  };
  // The scenario may record a start or stop after `now`: the trail's state at `now` is the one before it.
  let isLogging = trail.IsLogging;
  if (!isLogging && (at('StopLoggingTime') ?? -Infinity) > now) isLogging = true;
  else if (isLogging && (at('StartLoggingTime') ?? -Infinity) > now) isLogging = false;
  const status: Record<string, unknown> = { IsLogging: isLogging };
  for (const member of STATUS_TIMES) {
    const time = at(member);
    if (time !== undefined && time <= now) status[member] = new Date(time);
  }
  for (const member of STATUS_STRINGS) if (trail[member] !== undefined) status[member] = trail[member];
  return status as GetTrailStatusResponse;
}

function getEventSelectors(ctx: SimContext, input: GetEventSelectorsRequest): GetEventSelectorsResponse {
  const trail = requireTrail(ctx, input.TrailName);
  const TrailARN = trailArn(trail, ctx.account.id);
  if (Array.isArray(trail.AdvancedEventSelectors)) {
    return { TrailARN, AdvancedEventSelectors: structuredClone(trail.AdvancedEventSelectors) };
  }
  const EventSelectors = Array.isArray(trail.EventSelectors)
    ? structuredClone(trail.EventSelectors)
    : [{ ReadWriteType: 'All' as const, IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }];
  return { TrailARN, EventSelectors };
}

export const cloudtrailService: SimulatedService = {
  service: 'cloudtrail',
  clientName: 'CloudTrailClient',
  operations: {
    DescribeTrails: describeTrails,
    ListTrails: listTrails,
    GetTrailStatus: getTrailStatus,
    GetEventSelectors: getEventSelectors,
    LookupEvents: lookupEvents,
  },
};
