import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  ListTrailsCommand,
  LookupEventsCommand,
  paginateLookupEvents,
  TrailNotFoundException,
  type LookupAttribute,
  type LookupEventsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord, ScenarioTrail } from '../../src/scenario/types.js';
import { ACCOUNT_ID, ago, clients, DAY, MINUTE, NOW_MS, rejection, scenario, simulated } from './harness.js';

function record(id: string, at: string, parts: Partial<CloudTrailRecord> = {}): CloudTrailRecord {
  return {
    eventVersion: '1.09',
    eventTime: at,
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    awsRegion: 'us-east-1',
    eventID: id,
    readOnly: true,
    userIdentity: { type: 'IAMUser', userName: 'alice', arn: `arn:aws:iam::${ACCOUNT_ID}:user/alice`, accessKeyId: 'AKIAALICE' },
    ...parts,
  };
}

const attacker = {
  type: 'AssumedRole',
  arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/ci-deploy/botocore-session-42`,
  accessKeyId: 'ASIAATTACKER',
  sessionContext: { sessionIssuer: { type: 'Role', userName: 'ci-deploy', arn: `arn:aws:iam::${ACCOUNT_ID}:role/ci-deploy` } },
};

const runInstances = record('evt-run', ago(3 * 3600_000), {
  eventName: 'RunInstances',
  readOnly: false,
  awsRegion: 'eu-west-1',
  userIdentity: attacker,
  requestParameters: { instancesSet: { items: [{ imageId: 'ami-123', minCount: 20, maxCount: 20 }] }, instanceType: 'c5.4xlarge', userData: '<sensitiveDataRemoved>' },
  responseElements: { instancesSet: { items: [{ instanceId: 'i-0aaa' }, { instanceId: 'i-0bbb' }] } },
});
const authorizeIngress = record('evt-sg', ago(3 * 3600_000 - MINUTE), {
  eventName: 'AuthorizeSecurityGroupIngress', readOnly: false, awsRegion: 'eu-west-1', userIdentity: attacker, requestParameters: { groupId: 'sg-0123' },
});
const createUser = record('evt-user', ago(2 * 3600_000), {
  eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', readOnly: false, userIdentity: attacker, requestParameters: { userName: 'backdoor' },
});
const assumeRole = record('evt-sts', ago(2 * 3600_000 + MINUTE), {
  eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity', awsRegion: 'eu-west-1', userIdentity: attacker,
});
const consoleLogin = record('evt-signin', ago(5 * 3600_000), {
  eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', readOnly: false, userIdentity: { type: 'Root', arn: `arn:aws:iam::${ACCOUNT_ID}:root` },
});

// 1,200 us-east-1 events, one a minute, then 120 sharing one second (ties across page boundaries),
// 300 in eu-west-1, some after now and some older than 90 days, and the attack above.
const usEvents = Array.from({ length: 1_200 }, (_, n) => record(`us-${n}`, ago((n + 10) * MINUTE)));
const tied = Array.from({ length: 120 }, (_, n) => record(`tie-${n}`, ago(30 * DAY)));
const euEvents = Array.from({ length: 300 }, (_, n) => record(`eu-${n}`, ago((n + 10) * MINUTE), { awsRegion: 'eu-west-1' }));
const future = [record('future-1', ago(-MINUTE)), record('future-2', ago(-DAY), { awsRegion: 'eu-west-1' })];
const ancient = [record('old-1', ago(90 * DAY + MINUTE)), record('old-2', ago(200 * DAY), { awsRegion: 'eu-west-1' })];
const edge = record('edge-90d', ago(90 * DAY));
const events = [...usEvents, ...tied, ...euEvents, ...future, ...ancient, edge, runInstances, authorizeIngress, createUser, assumeRole, consoleLogin];

const trails: ScenarioTrail[] = [
  { Name: 'org-trail', HomeRegion: 'us-east-1', IsMultiRegionTrail: true, IsLogging: false, S3BucketName: 'logs', StopLoggingTime: ago(2 * 3600_000 - MINUTE), LatestDeliveryTime: ago(2 * 3600_000) },
  { Name: 'eu-only', HomeRegion: 'eu-west-1', IsMultiRegionTrail: false, IsLogging: true, S3BucketName: 'eu-logs', StartLoggingTime: ago(400 * DAY), LatestDeliveryTime: ago(-MINUTE) },
];

const account = simulated(scenario({ cloudtrail: { events, trails }, simulation: { enforceLimits: false } }));
const us = clients(account, 'us-east-1').cloudtrail;
const eu = clients(account, 'eu-west-1').cloudtrail;
/** A client of a fresh account that enforces limits (its LookupEvents bucket holds 2 calls). */
const limited = () => clients(simulated(scenario({ cloudtrail: { events } })), 'ap-south-1').cloudtrail;

/** What LookupEvents should return in a Region, newest first. */
function expectedIn(region: string, keep: (r: CloudTrailRecord) => boolean = () => true): string[] {
  const global = /^(iam|sts|signin)\./;
  return events
    .map((r, seq) => ({ r, seq, t: Date.parse(r.eventTime) }))
    .filter(({ r, t }) => (global.test(r.eventSource) ? region === 'us-east-1' : r.awsRegion === region) && t <= NOW_MS && t >= NOW_MS - 90 * DAY && keep(r))
    .sort((a, b) => b.t - a.t || a.seq - b.seq)
    .map(({ r }) => r.eventID);
}

async function lookupAll(client: CloudTrailClient, input: LookupEventsCommandInput = {}, pageSize?: number): Promise<{ ids: string[]; times: number[]; pages: number }> {
  const ids: string[] = [];
  const times: number[] = [];
  let pages = 0;
  for await (const page of paginateLookupEvents({ client, ...(pageSize && { pageSize }) }, { ...input })) {
    pages++;
    for (const e of page.Events ?? []) {
      ids.push(e.EventId!);
      times.push(e.EventTime!.getTime());
    }
  }
  return { ids, times, pages };
}

describe('LookupEvents pagination', () => {
  const cases = [
    { name: 'us-east-1, 50 a page', client: us, region: 'us-east-1', pageSize: undefined },
    { name: 'us-east-1, 7 a page', client: us, region: 'us-east-1', pageSize: 7 },
    { name: 'eu-west-1, 50 a page', client: eu, region: 'eu-west-1', pageSize: undefined },
  ];
  it.each(cases)('$name: every event exactly once, newest first', async ({ client, region, pageSize }) => {
    const { ids, times, pages } = await lookupAll(client, {}, pageSize);
    const expected = expectedIn(region);
    expect(ids).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(pages).toBe(Math.ceil(expected.length / (pageSize ?? 50)));
  });

  it('follows NextToken by hand with a changing page size', async () => {
    const ids: string[] = [];
    let token: string | undefined;
    let size = 1;
    do {
      const out = await eu.send(new LookupEventsCommand({ MaxResults: size, NextToken: token }));
      ids.push(...out.Events!.map((e) => e.EventId!));
      token = out.NextToken;
      size = (size % 50) + 1;
    } while (token);
    expect(ids).toEqual(expectedIn('eu-west-1'));
  });
});

describe('LookupEvents visibility', () => {
  it('returns global services\' events in us-east-1 only', async () => {
    for (const source of ['iam.amazonaws.com', 'sts.amazonaws.com', 'signin.amazonaws.com']) {
      const attribute: LookupAttribute[] = [{ AttributeKey: 'EventSource', AttributeValue: source }];
      expect((await lookupAll(us, { LookupAttributes: attribute })).ids).toHaveLength(1);
      expect((await lookupAll(eu, { LookupAttributes: attribute })).ids).toHaveLength(0);
    }
  });

  it('shows nothing after now and nothing older than 90 days', async () => {
    const all = [...(await lookupAll(us)).ids, ...(await lookupAll(eu)).ids];
    for (const hidden of ['future-1', 'future-2', 'old-1', 'old-2']) expect(all).not.toContain(hidden);
    expect(all).toContain('edge-90d');
    const late = await us.send(new LookupEventsCommand({ StartTime: new Date(NOW_MS - 1), EndTime: new Date(NOW_MS + DAY) }));
    expect(late.Events).toEqual([]);
  });

  it('treats StartTime and EndTime as inclusive', async () => {
    const out = await us.send(new LookupEventsCommand({ StartTime: new Date(NOW_MS - 12 * MINUTE), EndTime: new Date(NOW_MS - 10 * MINUTE) }));
    expect(out.Events!.map((e) => e.EventId)).toEqual(['us-0', 'us-1', 'us-2']);
  });
});

describe('LookupEvents attributes', () => {
  const cases: { key: LookupAttribute['AttributeKey']; value: string; region: 'us' | 'eu'; expected: string[] }[] = [
    { key: 'EventName', value: 'RunInstances', region: 'eu', expected: ['evt-run'] },
    { key: 'EventId', value: 'evt-sg', region: 'eu', expected: ['evt-sg'] },
    { key: 'Username', value: 'botocore-session-42', region: 'eu', expected: ['evt-sg', 'evt-run'] },
    { key: 'Username', value: 'root', region: 'us', expected: ['evt-signin'] },
    { key: 'AccessKeyId', value: 'ASIAATTACKER', region: 'us', expected: ['evt-user', 'evt-sts'] },
    { key: 'ResourceName', value: 'i-0bbb', region: 'eu', expected: ['evt-run'] },
    { key: 'ResourceName', value: 'backdoor', region: 'us', expected: ['evt-user'] },
    { key: 'ResourceType', value: 'AWS::EC2::SecurityGroup', region: 'eu', expected: ['evt-sg'] },
    { key: 'ReadOnly', value: 'false', region: 'eu', expected: ['evt-sg', 'evt-run'] },
    { key: 'EventSource', value: 'iam.amazonaws.com', region: 'us', expected: ['evt-user'] },
  ];
  it.each(cases)('$key = $value', async ({ key, value, region, expected }) => {
    const { ids } = await lookupAll(region === 'us' ? us : eu, { LookupAttributes: [{ AttributeKey: key, AttributeValue: value }] });
    expect(ids).toEqual(expected);
  });

  it('pages through one attribute value', async () => {
    const { ids, pages } = await lookupAll(us, { LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'alice' }] }, 50);
    expect(ids).toEqual(expectedIn('us-east-1', (r) => r.userIdentity?.userName === 'alice'));
    expect(pages).toBeGreaterThan(20);
  });
});

describe('LookupEvents Events[] items', () => {
  it('are built as AWS builds them', async () => {
    const out = await eu.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: 'evt-run' }] }));
    const [event] = out.Events!;
    expect(event).toEqual({
      EventId: 'evt-run',
      EventName: 'RunInstances',
      ReadOnly: 'false',
      AccessKeyId: 'ASIAATTACKER',
      EventTime: new Date(runInstances.eventTime),
      EventSource: 'ec2.amazonaws.com',
      Username: 'botocore-session-42',
      Resources: [
        { ResourceType: 'AWS::EC2::Instance', ResourceName: 'i-0aaa' },
        { ResourceType: 'AWS::EC2::Instance', ResourceName: 'i-0bbb' },
      ],
      CloudTrailEvent: JSON.stringify(runInstances),
    });
    expect(JSON.parse(event!.CloudTrailEvent!)).toEqual(runInstances);
  });
});

describe('LookupEvents input validation', () => {
  const cases: { name: string; input: LookupEventsCommandInput; error: string }[] = [
    { name: 'MaxResults 0', input: { MaxResults: 0 }, error: 'InvalidMaxResultsException' },
    { name: 'MaxResults 51', input: { MaxResults: 51 }, error: 'InvalidMaxResultsException' },
    {
      name: 'two lookup attributes',
      input: { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'RunInstances' }, { AttributeKey: 'Username', AttributeValue: 'alice' }] },
      error: 'InvalidLookupAttributesException',
    },
    { name: 'an unknown attribute key', input: { LookupAttributes: [{ AttributeKey: 'Colour' as 'EventName', AttributeValue: 'red' }] }, error: 'InvalidLookupAttributesException' },
    { name: 'StartTime after EndTime', input: { StartTime: new Date(NOW_MS), EndTime: new Date(NOW_MS - DAY) }, error: 'InvalidTimeRangeException' },
    { name: 'a forged NextToken', input: { NextToken: 'not-a-token' }, error: 'InvalidNextTokenException' },
  ];
  it.each(cases)('rejects $name with $error', async ({ input, error }) => {
    const e = await rejection(limited().send(new LookupEventsCommand(input)));
    expect([e.name, e.$metadata?.httpStatusCode]).toEqual([error, 400]);
  });

  it('accepts MaxResults 1 and 50', async () => {
    const client = limited();
    await expect(client.send(new LookupEventsCommand({ MaxResults: 1 }))).resolves.toBeDefined();
    await expect(client.send(new LookupEventsCommand({ MaxResults: 50 }))).resolves.toBeDefined();
  });

  it('rejects a NextToken used with another query', async () => {
    const first = await us.send(new LookupEventsCommand({ MaxResults: 5 }));
    const e = await rejection(us.send(new LookupEventsCommand({ MaxResults: 5, NextToken: first.NextToken, LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'alice' }] })));
    expect(e.name).toBe('InvalidNextTokenException');
    const otherRegion = await rejection(eu.send(new LookupEventsCommand({ MaxResults: 5, NextToken: first.NextToken })));
    expect(otherRegion.name).toBe('InvalidNextTokenException');
  });
});

describe('trails', () => {
  it('DescribeTrails: multi-Region trails everywhere, single-Region trails in their home Region', async () => {
    const [inUs, inEu, inAsia, euOwn] = await Promise.all([
      us.send(new DescribeTrailsCommand({})),
      eu.send(new DescribeTrailsCommand({})),
      clients(account, 'ap-south-1').cloudtrail.send(new DescribeTrailsCommand({})),
      eu.send(new DescribeTrailsCommand({ includeShadowTrails: false })),
    ]);
    expect(inUs.trailList!.map((t) => t.Name)).toEqual(['org-trail']);
    expect(inEu.trailList!.map((t) => t.Name)).toEqual(['org-trail', 'eu-only']);
    expect(inAsia.trailList!.map((t) => t.Name)).toEqual(['org-trail']);
    expect(euOwn.trailList!.map((t) => t.Name)).toEqual(['eu-only']);
    expect(inUs.trailList![0]).toEqual({
      Name: 'org-trail', HomeRegion: 'us-east-1', IsMultiRegionTrail: true, S3BucketName: 'logs',
      TrailARN: `arn:aws:cloudtrail:us-east-1:${ACCOUNT_ID}:trail/org-trail`,
      IncludeGlobalServiceEvents: true, LogFileValidationEnabled: false, HasCustomEventSelectors: false, HasInsightSelectors: false, IsOrganizationTrail: false,
    });
  });

  it('GetTrailStatus by name in the home Region and by ARN anywhere', async () => {
    const byName = await us.send(new GetTrailStatusCommand({ Name: 'org-trail' }));
    expect(byName).toMatchObject({ IsLogging: false, StopLoggingTime: new Date(trails[0]!.StopLoggingTime!), LatestDeliveryTime: expect.any(Date) });
    const byArn = await eu.send(new GetTrailStatusCommand({ Name: `arn:aws:cloudtrail:us-east-1:${ACCOUNT_ID}:trail/org-trail` }));
    expect(byArn.IsLogging).toBe(false);
    const euOnly = await eu.send(new GetTrailStatusCommand({ Name: 'eu-only' }));
    expect(euOnly.IsLogging).toBe(true);
    expect(euOnly).not.toHaveProperty('LatestDeliveryTime');
  });

  const notFound: [string, CloudTrailClient, string][] = [
    ['a multi-Region trail by name outside its home Region', eu, 'org-trail'],
    ['a single-Region trail by name outside its home Region', us, 'eu-only'],
    ['an unknown trail', us, 'nope'],
    ['an unknown ARN', eu, `arn:aws:cloudtrail:eu-west-1:${ACCOUNT_ID}:trail/nope`],
  ];
  it.each(notFound)('GetTrailStatus: TrailNotFoundException for %s', async (_name, client, name) => {
    const error = await rejection(client.send(new GetTrailStatusCommand({ Name: name })));
    expect(error).toBeInstanceOf(TrailNotFoundException);
    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['TrailNotFoundException', 400]);
    expect(error.message).toContain(name);
  });

  it('ListTrails and GetEventSelectors', async () => {
    const list = await eu.send(new ListTrailsCommand({}));
    expect(list.Trails!.map((t) => [t.Name, t.HomeRegion])).toEqual([['org-trail', 'us-east-1'], ['eu-only', 'eu-west-1']]);
    const selectors = await us.send(new GetEventSelectorsCommand({ TrailName: 'org-trail' }));
    expect(selectors.EventSelectors).toEqual([{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }]);
  });
});

describe('performance', () => {
  it('answers a thousand lookups over 100,000 events without scanning them', async () => {
    const regions = ['us-east-1', 'eu-west-1', 'ap-south-1', 'sa-east-1'];
    const users = ['alice', 'bob', 'carol', 'dave', 'mallory'];
    const names = ['DescribeInstances', 'RunInstances', 'AssumeRole', 'GetObject', 'CreateAccessKey', 'ListBuckets'];
    const many = Array.from({ length: 100_000 }, (_, n) =>
      record(`e-${n}`, ago((n % 80_000) * MINUTE + (n % 7) * 1000), {
        awsRegion: regions[n % regions.length]!,
        eventName: names[n % names.length]!,
        userIdentity: { type: 'IAMUser', userName: users[n % users.length]!, accessKeyId: `AKIA${n % 97}` },
      }));
    const big = simulated(scenario({ cloudtrail: { events: many }, simulation: { enforceLimits: false } }));
    const client = clients(big, 'us-east-1').cloudtrail;
    const started = performance.now();
    let token: string | undefined;
    let calls = 0;
    for (let i = 0; i < 1_000; i++) {
      if (i % 3 === 0) {
        // One long walk through the Region's last 60 days, page after page.
        const out = await client.send(new LookupEventsCommand({ StartTime: new Date(NOW_MS - 60 * DAY), NextToken: token }));
        token = out.NextToken;
      } else {
        // Fresh attribute lookups over varying windows.
        const attribute = [{ AttributeKey: 'Username' as const, AttributeValue: users[i % users.length]! }];
        const out = await client.send(new LookupEventsCommand({ LookupAttributes: attribute, StartTime: new Date(NOW_MS - (i % 60) * DAY) }));
        expect(out.Events!.length).toBeGreaterThan(0);
      }
      calls++;
    }
    const elapsed = performance.now() - started;
    expect(calls).toBe(1_000);
    expect(big.callCounts()['cloudtrail:LookupEvents']).toBe(1_000);
    // The SDK's own work dominates (under a millisecond a call); rebuilding the index per call
    // (about 60 ms for 100,000 events) would take a minute.
    expect(elapsed).toBeLessThan(10_000);
  });
});
