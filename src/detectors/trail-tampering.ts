// trail-tampering: the attacker blinding the account. Newer trojans delete logs (the brief: one
// investigation took 4 months); in AWS that is StopLogging, DeleteTrail, a trail pointed at
// another bucket or narrowed, event selectors that drop management events, GuardDuty detectors
// deleted or disabled, log groups deleted, the trail's bucket deleted or given a short lifecycle.
// Also the state such acts leave: trails not logging, no multi-region trail, GuardDuty off in a
// region that runs instances. One finding per (resource, kind).

import { z } from 'zod';
import type { AuditData, CloudTrailRecord, Trail } from '../providers/types.js';
import { findingId } from '../domain/finding-id.js';
import type { Detector, Finding, ResourceRef, Severity } from './types.js';
import { actorOf, credentialRemediations, findingActor, windowEvents } from './lib/cloudtrail.js';
import { CORRELATION_EVENTS, actorActivity, alsoDid } from './lib/correlation.js';
import { sourceFailed } from './lib/coverage.js';
import { bounded, enabledOption } from './lib/finding.js';
import { bool, field, list, str } from './lib/json.js';
import { eventTimeMs, iso } from './lib/time.js';

const options = z.object({
  enabled: enabledOption,
  requireMultiRegionTrail: z.boolean().default(true)
    .describe('Report an account with no multi-region trail (one that stopped logging is reported as logging-stopped).'),
  guardDutyRequired: z.boolean().default(true)
    .describe('Report regions that run instances without an enabled GuardDuty detector (disabled: medium; none at all: low).'),
  flagLogDeletion: z.boolean().default(true)
    .describe('Report CloudWatch Logs DeleteLogGroup / DeleteLogStream calls.'),
}).strict();

export type Options = z.infer<typeof options>;

const SOURCES = {
  cloudtrail: 'cloudtrail.amazonaws.com',
  guardduty: 'guardduty.amazonaws.com',
  logs: 'logs.amazonaws.com',
  s3: 's3.amazonaws.com',
} as const;

const EVENTS: { eventName: string; eventSource: string }[] = [
  ...['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors', 'DeleteEventDataStore', 'StopEventDataStoreIngestion']
    .map((eventName) => ({ eventName, eventSource: SOURCES.cloudtrail })),
  ...['DeleteDetector', 'UpdateDetector', 'DisassociateFromMasterAccount', 'DisassociateFromAdministratorAccount']
    .map((eventName) => ({ eventName, eventSource: SOURCES.guardduty })),
  ...['DeleteLogGroup', 'DeleteLogStream'].map((eventName) => ({ eventName, eventSource: SOURCES.logs })),
  ...['DeleteBucket', 'PutBucketLifecycle'].map((eventName) => ({ eventName, eventSource: SOURCES.s3 })),
];

type Kind =
  | 'logging-stopped' | 'trail-deleted' | 'trail-weakened' | 'management-events-excluded' | 'event-data-store-deleted'
  | 'guardduty-detector-deleted' | 'guardduty-disabled' | 'guardduty-disassociated' | 'guardduty-absent'
  | 'logs-deleted' | 'trail-bucket-deleted' | 'trail-bucket-lifecycle' | 'no-multi-region-trail';

/** Severity of each kind when no launch by the same actor makes it critical. Losing the trail or GuardDuty blinds the responder: high. */
const BASE_SEVERITY: Record<Kind, Severity> = {
  'logging-stopped': 'high', 'trail-deleted': 'high', 'trail-weakened': 'high', 'management-events-excluded': 'high',
  'event-data-store-deleted': 'high', 'guardduty-detector-deleted': 'high', 'guardduty-disabled': 'high',
  'guardduty-disassociated': 'high', 'trail-bucket-deleted': 'high', 'trail-bucket-lifecycle': 'high',
  // Log groups are also deleted in routine clean-ups; a missing baseline control is exposure, not an act.
  'logs-deleted': 'medium', 'no-multi-region-trail': 'medium', 'guardduty-absent': 'low',
};

interface Entry {
  kind: Kind;
  region: string;
  /** What the finding is about: a trail, detector, log group or bucket, or the account/region for a missing control. */
  subject: string;
  resources: ResourceRef[];
  events: { record: CloudTrailRecord; changes: string[] }[];
  state?: Record<string, unknown>;
  /** Severity of the state alone, when no event explains it. */
  stateSeverity?: Severity;
}

const trailName = (nameOrArn: string): string => (nameOrArn.includes(':trail/') ? nameOrArn.split(':trail/')[1] ?? nameOrArn : nameOrArn);

/** What an UpdateTrail call weakened: destination moved, scope narrowed, validation off. */
function trailChanges(record: CloudTrailRecord): string[] {
  const req = record.requestParameters;
  const changes: string[] = [];
  const bucket = str(field(req, 's3BucketName'));
  if (bucket) changes.push(`s3BucketName=${bucket}`);
  if (bool(field(req, 'isMultiRegionTrail')) === false) changes.push('isMultiRegionTrail=false');
  if (bool(field(req, 'includeGlobalServiceEvents')) === false) changes.push('includeGlobalServiceEvents=false');
  if (bool(field(req, 'enableLogFileValidation')) === false) changes.push('enableLogFileValidation=false');
  if (field(req, 'cloudWatchLogsLogGroupArn') === '') changes.push('cloudWatchLogsLogGroupArn removed');
  return changes;
}

/** Whether PutEventSelectors leaves management events (or their writes) unlogged. */
function dropsManagementEvents(record: CloudTrailRecord): string[] {
  const req = record.requestParameters;
  const basic = list(field(req, 'eventSelectors'));
  if (basic.length > 0) {
    const logsWrites = basic.some((s) => bool(field(s, 'includeManagementEvents')) !== false && field(s, 'readWriteType') !== 'ReadOnly');
    return logsWrites ? [] : ['management write events excluded'];
  }
  const advanced = list(field(req, 'advancedEventSelectors'));
  if (advanced.length === 0) return [];
  const management = advanced.some((s) => list(field(s, 'fieldSelectors')).some((f) =>
    field(f, 'field') === 'eventCategory' && list(field(f, 'equals')).includes('Management')));
  return management ? [] : ['advanced selectors log no management events'];
}

function detect(data: AuditData, o: Options): Finding[] {
  const trails = data.cloudtrail.trails;
  const trailBuckets = new Map(trails.filter((t) => t.s3BucketName).map((t) => [t.s3BucketName as string, t]));
  const trailRef = (name: string, region: string): ResourceRef => {
    const trail = trails.find((t) => t.name === trailName(name) || t.arn === name);
    return { type: 'AWS::CloudTrail::Trail', id: trail?.arn ?? trailName(name), region: trail?.homeRegion ?? region };
  };

  const entries = new Map<string, Entry>();
  /** The entry for (kind, subject); `resource` is the subject's resource, absent for a missing control. */
  const entry = (kind: Kind, region: string, subject: string, resource?: ResourceRef): Entry => {
    const key = `${kind}\u0000${subject}`;
    const e = entries.get(key) ?? { kind, region, subject, resources: resource ? [resource] : [], events: [] };
    entries.set(key, e);
    return e;
  };
  const addEvent = (kind: Kind, record: CloudTrailRecord, resource: ResourceRef, changes: string[] = []): void => {
    entry(kind, record.awsRegion, resource.id, resource).events.push({ record, changes });
  };

  for (const record of windowEvents(data, EVENTS.map((e) => e.eventName))) {
    const req = record.requestParameters;
    const region = record.awsRegion;
    const name = str(field(req, 'name')) ?? str(field(req, 'trailName'));
    const detectorId = str(field(req, 'detectorId'));
    const detectorRef: ResourceRef = { type: 'AWS::GuardDuty::Detector', id: detectorId ?? 'unknown', region };
    const bucket = str(field(req, 'bucketName'));
    switch (record.eventName) {
      case 'StopLogging':
        addEvent('logging-stopped', record, trailRef(name ?? 'unknown', region));
        break;
      case 'DeleteTrail':
        addEvent('trail-deleted', record, trailRef(name ?? 'unknown', region));
        break;
      case 'UpdateTrail': {
        const changes = trailChanges(record);
        if (changes.length > 0) addEvent('trail-weakened', record, trailRef(name ?? 'unknown', region), changes);
        break;
      }
      case 'PutEventSelectors': {
        const changes = dropsManagementEvents(record);
        if (changes.length > 0) addEvent('management-events-excluded', record, trailRef(name ?? 'unknown', region), changes);
        break;
      }
      case 'DeleteEventDataStore':
      case 'StopEventDataStoreIngestion':
        addEvent('event-data-store-deleted', record, { type: 'AWS::CloudTrail::EventDataStore', id: str(field(req, 'eventDataStore')) ?? 'unknown', region }, [record.eventName]);
        break;
      case 'DeleteDetector':
        addEvent('guardduty-detector-deleted', record, detectorRef);
        break;
      case 'UpdateDetector':
        if (bool(field(req, 'enable')) === false) addEvent('guardduty-disabled', record, detectorRef, ['enable=false']);
        break;
      case 'DisassociateFromMasterAccount':
      case 'DisassociateFromAdministratorAccount':
        addEvent('guardduty-disassociated', record, detectorRef);
        break;
      case 'DeleteLogGroup':
      case 'DeleteLogStream':
        if (o.flagLogDeletion) {
          const group = str(field(req, 'logGroupName')) ?? 'unknown';
          const stream = str(field(req, 'logStreamName'));
          addEvent('logs-deleted', record, { type: 'AWS::Logs::LogGroup', id: group, region }, stream ? [`logStream=${stream}`] : []);
        }
        break;
      case 'DeleteBucket':
      case 'PutBucketLifecycle':
        if (bucket && trailBuckets.has(bucket)) {
          const trail = trailBuckets.get(bucket) as Trail;
          addEvent(record.eventName === 'DeleteBucket' ? 'trail-bucket-deleted' : 'trail-bucket-lifecycle', record,
            { type: 'AWS::S3::Bucket', id: bucket, region }, [`trail=${trail.name}`]);
        }
        break;
    }
  }

  if (!sourceFailed(data, 'cloudtrail')) {
    for (const t of trails) {
      if (t.isLogging) continue;
      const ref = trailRef(t.arn ?? t.name, t.homeRegion);
      const e = entry('logging-stopped', t.homeRegion, ref.id, ref);
      e.state = { isLogging: false, stopLoggingTime: t.stopLoggingTime ? iso(t.stopLoggingTime) : null, isMultiRegion: t.isMultiRegion };
      e.stateSeverity = 'high';
    }
    // A multi-region trail that stopped logging is reported above; this is for accounts that have none.
    if (o.requireMultiRegionTrail && !trails.some((t) => t.isMultiRegion)) {
      const e = entry('no-multi-region-trail', 'global', 'account');
      e.state = { trails: trails.map((t) => ({ name: t.name, isMultiRegion: t.isMultiRegion, isLogging: t.isLogging })) };
      e.stateSeverity = 'medium';
    }
  }

  if (o.guardDutyRequired) {
    const regionsWithInstances = new Set(data.ec2.instances.filter((i) => i.state === 'running' || i.state === 'pending').map((i) => i.region));
    for (const region of regionsWithInstances) {
      const detectors = data.guardduty.detectors.filter((d) => d.region === region);
      if (detectors.some((d) => d.status === 'ENABLED')) continue;
      const disabled = detectors.find((d) => d.status === 'DISABLED');
      if (disabled) {
        const e = entry('guardduty-disabled', region, disabled.id, { type: 'AWS::GuardDuty::Detector', id: disabled.id, region });
        e.state = { status: 'DISABLED' };
        e.stateSeverity = 'medium';
      } else if (data.coverage.some((c) => c.source === 'guardduty' && c.region === region && c.status === 'ok')) {
        const e = entry('guardduty-absent', region, region);
        e.state = { detectors: 0 };
        e.stateSeverity = 'low';
      }
    }
  }

  const activity = actorActivity(data);
  const findings: Finding[] = [];
  for (const e of entries.values()) {
    e.events.sort((a, b) => eventTimeMs(a.record) - eventTimeMs(b.record));
    const actors = e.events.map((ev) => actorOf(ev.record));
    const actor = findingActor(actors);
    const did = [...new Set(actors.flatMap((a) => alsoDid(activity, a)))];
    // An act in the window weighs its kind; the state alone weighs less when no act explains it
    // (a trail stopped long ago by a forgotten script). Critical: the same actor also launched
    // instances or opened ports, the brief's attacker covering the miners' tracks.
    let severity: Severity = e.events.length > 0 ? BASE_SEVERITY[e.kind] : e.stateSeverity ?? BASE_SEVERITY[e.kind];
    if (e.events.length > 0 && did.length > 0) severity = 'critical';
    const times = e.events.map((ev) => eventTimeMs(ev.record));
    findings.push({
      id: findingId('trail-tampering', data.account.id, e.region, e.kind, e.subject),
      detector: 'trail-tampering',
      severity,
      title: `${e.kind.replace(/-/g, ' ')}: ${e.subject}${actor ? ` by ${actor.arn}` : ''}`,
      account: data.account.id,
      region: e.region,
      resources: e.resources,
      ...(actor ? { actor } : {}),
      ...(times.length > 0 ? { firstSeen: iso(Math.min(...times)), lastSeen: iso(Math.max(...times)) } : {}),
      evidence: {
        kind: e.kind,
        subject: e.subject,
        events: bounded(e.events.map((ev, k) => ({
          eventId: ev.record.eventID,
          eventName: ev.record.eventName,
          eventTime: ev.record.eventTime,
          region: ev.record.awsRegion,
          principal: actors[k]?.arn,
          accessKeyId: actors[k]?.accessKeyId,
          sourceIP: actors[k]?.sourceIP,
          changes: ev.changes,
        }))),
        currentState: e.state ?? null,
        actorAlso: did,
      },
      ...(e.events.length > 0 && actor ? { remediations: credentialRemediations(actor) } : {}),
    });
  }
  return findings;
}

export const detector: Detector<Options> = {
  meta: {
    id: 'trail-tampering',
    title: 'Trail and detection tampering',
    description:
      'CloudTrail StopLogging, DeleteTrail, weakening UpdateTrail, PutEventSelectors that drop management events, DeleteEventDataStore; ' +
      'GuardDuty DeleteDetector, UpdateDetector enable=false, disassociation; CloudWatch Logs deletions; S3 DeleteBucket / PutBucketLifecycle ' +
      'on a trail bucket. Plus the state: trails not logging, no multi-region trail, GuardDuty off in regions that run instances. ' +
      'Critical when the same actor also launched instances or opened ports.',
    docs: 'docs/detectors.md#trail-tampering',
    sources: ['cloudtrail', 'guardduty', 'ec2'],
    cloudtrailEvents: [...EVENTS, ...CORRELATION_EVENTS],
  },
  options,
  detect,
};
