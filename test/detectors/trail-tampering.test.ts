import { describe, expect, it } from 'vitest';
import { detector } from '../../src/detectors/trail-tampering.js';
import type { AuditData, CloudTrailRecord, Trail } from '../../src/providers/types.js';
import type { Finding } from '../../src/detectors/types.js';
import { ACCOUNT, emptyAccount, event, hoursAgo, iamUser, instance, run, runInstances, type DetectorCase } from './fixtures.js';

const ops = iamUser('ops', 'AKIAEXAMPLEOPS00001');
const TRAIL_ARN = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/main`;
const main = (o: Partial<Trail> = {}): Trail => ({
  name: 'main', arn: TRAIL_ARN, homeRegion: 'us-east-1', isMultiRegion: true, isOrganizationTrail: false, isLogging: true, s3BucketName: 'acme-trail', ...o,
});

const call = (eventName: string, eventSource: string, request: Record<string, unknown>, time = hoursAgo(3), region = 'us-east-1'): CloudTrailRecord =>
  event(eventName, eventSource, { time, identity: ops, region, request, sourceIP: '185.220.101.45' });
const CT = 'cloudtrail.amazonaws.com';
const GD = 'guardduty.amazonaws.com';

/** A healthy account: the multi-region trail logs, GuardDuty is on where the instance runs. */
function account(events: CloudTrailRecord[] = [], o: { trails?: Trail[]; detectors?: AuditData['guardduty']['detectors'] } & Partial<AuditData> = {}): AuditData {
  const data = emptyAccount(o);
  data.cloudtrail.trails = o.trails ?? [main()];
  data.cloudtrail.events = events;
  data.ec2.instances = [instance({ id: 'i-0000000000000web1', region: 'us-east-1' })];
  data.guardduty.detectors = o.detectors ?? [{ region: 'us-east-1', id: 'd0123', status: 'ENABLED' }];
  return data;
}

type Case = DetectorCase;

const kinds = (findings: Finding[]): [string, string][] => findings.map((f) => [f.evidence.kind as string, f.severity]);

const cases: Case[] = [
  {
    name: 'attack: the key that launched the miners stops the trail; the stopped state joins the same finding',
    data: () => account(
      [call('StopLogging', CT, { name: TRAIL_ARN }), runInstances({ time: hoursAgo(2), identity: ops, type: 'c5.4xlarge', count: 4 })],
      { trails: [main({ isLogging: false, stopLoggingTime: hoursAgo(3) })] },
    ),
    expect: (findings) => {
      expect(kinds(findings)).toEqual([['logging-stopped', 'critical']]);
      const f = findings[0] as Finding;
      expect(f.resources).toEqual([{ type: 'AWS::CloudTrail::Trail', id: TRAIL_ARN, region: 'us-east-1' }]);
      expect(f.actor).toMatchObject({ arn: 'arn:aws:iam::111122223333:user/ops', accessKeyId: 'AKIAEXAMPLEOPS00001', sourceIPs: ['185.220.101.45'] });
      expect(f.evidence.actorAlso).toEqual(['launched-instances']);
      expect(f.evidence.currentState).toMatchObject({ isLogging: false });
      expect((f.evidence.events as { eventName: string }[]).map((e) => e.eventName)).toEqual(['StopLogging']);
      expect(f.remediations).toEqual(['disable-access-key', 'revoke-sessions', 'quarantine-principal']);
    },
  },
  {
    name: 'StopLogging by itself is high',
    data: () => account([call('StopLogging', CT, { name: 'main' })]),
    expect: (findings) => expect(kinds(findings)).toEqual([['logging-stopped', 'high']]),
  },
  {
    name: 'a trail not logging with no call in the window is high, with no actor',
    data: () => account([], { trails: [main({ isLogging: false })] }),
    expect: (findings) => {
      expect(kinds(findings)).toEqual([['logging-stopped', 'high']]);
      expect(findings[0]?.actor).toBeUndefined();
      expect(findings[0]?.remediations).toBeUndefined();
    },
  },
  {
    name: 'an account with only a single-region trail',
    data: () => account([], { trails: [main({ isMultiRegion: false })] }),
    expect: (findings) => {
      expect(kinds(findings)).toEqual([['no-multi-region-trail', 'medium']]);
      expect(findings[0]?.resources).toEqual([]);
    },
  },
  {
    name: 'benign: the trail logs, GuardDuty is on, nothing was touched',
    data: () => account(),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'UpdateTrail pointing the trail at another bucket and narrowing it',
    data: () => account([call('UpdateTrail', CT, { name: 'main', s3BucketName: 'attacker-bucket', isMultiRegionTrail: false })]),
    expect: (findings) => {
      expect(kinds(findings)).toEqual([['trail-weakened', 'high']]);
      expect((findings[0]?.evidence.events as { changes: string[] }[])[0]?.changes).toEqual(['s3BucketName=attacker-bucket', 'isMultiRegionTrail=false']);
    },
  },
  {
    name: 'benign: UpdateTrail that turns on log file validation',
    data: () => account([call('UpdateTrail', CT, { name: 'main', enableLogFileValidation: true })]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'PutEventSelectors that drops management events',
    data: () => account([call('PutEventSelectors', CT, { trailName: 'main', eventSelectors: [{ readWriteType: 'All', includeManagementEvents: false, dataResources: [] }] })]),
    expect: (findings) => expect(kinds(findings)).toEqual([['management-events-excluded', 'high']]),
  },
  {
    name: 'benign: PutEventSelectors that adds S3 data events and keeps management events',
    data: () => account([call('PutEventSelectors', CT, { trailName: 'main', eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true, dataResources: [{ type: 'AWS::S3::Object', values: ['arn:aws:s3'] }] }] })]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'advanced selectors without a management category drop management events',
    data: () => account([call('PutEventSelectors', CT, { trailName: 'main', advancedEventSelectors: [{ name: 'data only', fieldSelectors: [{ field: 'eventCategory', equals: ['Data'] }] }] })]),
    expect: (findings) => expect(kinds(findings)).toEqual([['management-events-excluded', 'high']]),
  },
  {
    name: 'GuardDuty disabled by a call; the disabled detector joins the same finding',
    data: () => account([call('UpdateDetector', GD, { detectorId: 'd0123', enable: false })], { detectors: [{ region: 'us-east-1', id: 'd0123', status: 'DISABLED' }] }),
    expect: (findings) => {
      expect(kinds(findings)).toEqual([['guardduty-disabled', 'high']]);
      expect(findings[0]?.evidence.currentState).toEqual({ status: 'DISABLED' });
    },
  },
  {
    name: 'GuardDuty detector deleted',
    data: () => account([call('DeleteDetector', GD, { detectorId: 'd0123' })], { detectors: [] }),
    expect: (findings) => expect(kinds(findings)).toEqual([['guardduty-detector-deleted', 'high']]),
  },
  {
    name: 'a disabled GuardDuty detector in a region that runs instances is medium',
    data: () => account([], { detectors: [{ region: 'us-east-1', id: 'd0123', status: 'DISABLED' }] }),
    expect: (findings) => expect(kinds(findings)).toEqual([['guardduty-disabled', 'medium']]),
  },
  {
    name: 'no GuardDuty detector where instances run, when GuardDuty answered, is low',
    data: () => account([], { detectors: [], coverage: [{ source: 'guardduty', region: 'us-east-1', status: 'ok' }] }),
    expect: (findings) => expect(kinds(findings)).toEqual([['guardduty-absent', 'low']]),
  },
  {
    name: 'a GuardDuty source that failed is not read as "no detector"',
    data: () => account([], { detectors: [], coverage: [{ source: 'guardduty', region: 'us-east-1', status: 'error', error: 'AccessDenied' }] }),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'a CloudTrail source that failed is not read as "no trail"',
    data: () => account([], { trails: [], coverage: [{ source: 'cloudtrail', region: 'us-east-1', status: 'error', error: 'AccessDenied' }] }),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'log groups deleted',
    data: () => account([call('DeleteLogGroup', 'logs.amazonaws.com', { logGroupName: '/var/log/secure' })]),
    expect: (findings) => expect(kinds(findings)).toEqual([['logs-deleted', 'medium']]),
  },
  {
    name: "the trail's bucket deleted; another bucket's deletion is not tampering",
    data: () => account([
      call('DeleteBucket', 's3.amazonaws.com', { bucketName: 'acme-trail' }),
      call('DeleteBucket', 's3.amazonaws.com', { bucketName: 'scratch' }),
    ]),
    expect: (findings) => {
      expect(kinds(findings)).toEqual([['trail-bucket-deleted', 'high']]);
      expect(findings[0]?.resources).toEqual([{ type: 'AWS::S3::Bucket', id: 'acme-trail', region: 'us-east-1' }]);
    },
  },
  {
    name: 'a failed StopLogging changed nothing',
    data: () => account([{ ...call('StopLogging', CT, { name: 'main' }), errorCode: 'AccessDenied' }]),
    expect: (findings) => expect(findings).toEqual([]),
  },
];

describe('trail-tampering', () => {
  it.each(cases)('$name', (c) => c.expect(run(detector, c.data(), c.options)));
});
