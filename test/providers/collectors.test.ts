// The collectors against the simulated account: the calls they make are the product (speed on
// big accounts, Cost Explorer dollars), so these tests count them as well as checking the data.

import { describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/providers/aws/clients.js';
import { Coverage, type CollectContext, type CollectionSettings } from '../../src/providers/aws/collector.js';
import { collectEventsRegion } from '../../src/providers/aws/collectors/cloudtrail.js';
import { collectMetricsRegion } from '../../src/providers/aws/collectors/cloudwatch.js';
import { collectIam } from '../../src/providers/aws/collectors/iam.js';
import { collectCosts } from '../../src/providers/aws/collectors/costs.js';
import { RateLimiter } from '../../src/providers/aws/rate-limit.js';
import type { Instance } from '../../src/providers/types.js';
import type { CloudTrailRecord, Scenario } from '../../src/scenario/types.js';
import { SimulatedAccount } from '../../src/simulator/index.js';

const NOW = Date.parse('2026-11-01T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WINDOW = { start: NOW - 7 * DAY, end: NOW };

function scenario(parts: Partial<Scenario>): Scenario {
  return { format: 'rigwatch-scenario/1', name: 'collectors', now: new Date(NOW).toISOString(), account: { id: '111122223333' }, ...parts };
}

function record(eventName: string, eventSource: string, region: string, time: number, n: number): CloudTrailRecord {
  return {
    eventVersion: '1.10', eventTime: new Date(time).toISOString(), eventSource, eventName, awsRegion: region,
    eventID: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, readOnly: false,
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/ops', accessKeyId: 'AKIAEXAMPLEOPS00001', userName: 'ops' },
  };
}

const SETTINGS: CollectionSettings = {
  cloudtrail: [
    { eventName: 'RunInstances', eventSource: 'ec2.amazonaws.com', since: WINDOW.start - 30 * DAY },
    { eventName: 'AuthorizeSecurityGroupIngress', eventSource: 'ec2.amazonaws.com', since: WINDOW.start },
    { eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com', since: WINDOW.start },
    { eventName: 'CreateUser', eventSource: 'iam.amazonaws.com', since: WINDOW.start },
  ],
  metrics: { periodSeconds: 300, lookbackHours: 24 },
  costs: { baselineDays: 30 },
  userData: { enabled: true, maxBytes: 16384 },
  guardduty: { enabled: false },
  concurrency: 4,
};

/** A context on a simulated account; rate limits off on both sides so the tests count calls, not seconds. */
function context(s: Scenario, settings: Partial<CollectionSettings> = {}): { ctx: CollectContext; clients: AwsClients } {
  const account = new SimulatedAccount({ ...s, simulation: { enforceLimits: false } });
  const clients = new AwsClients({
    credentials: { accessKeyId: 'AKIASIMULATED000000', secretAccessKey: 'simulated' },
    rateLimiter: new RateLimiter({}),
    decorate: (client, region) => account.attach(client, region),
  });
  const ctx: CollectContext = {
    clients, regions: ['us-east-1', 'eu-west-1'], now: NOW, window: WINDOW, settings: { ...SETTINGS, ...settings }, coverage: new Coverage(), progress: () => undefined,
  };
  return { ctx, clients };
}

describe('CloudTrail collection', () => {
  const quiet = [
    record('RunInstances', 'ec2.amazonaws.com', 'eu-west-1', NOW - 20 * DAY, 1), // baseline
    record('RunInstances', 'ec2.amazonaws.com', 'eu-west-1', NOW - 2 * HOUR, 2),
    record('AuthorizeSecurityGroupIngress', 'ec2.amazonaws.com', 'eu-west-1', NOW - 3 * HOUR, 3),
    record('CreateTags', 'ec2.amazonaws.com', 'eu-west-1', NOW - 3 * HOUR, 4), // not needed
    record('AuthorizeSecurityGroupIngress', 'ec2.amazonaws.com', 'eu-west-1', NOW - 9 * DAY, 5), // before the window
    record('CreateUser', 'iam.amazonaws.com', 'eu-west-1', NOW - HOUR, 6), // global: us-east-1 only
  ];

  it('reads a quiet region in one call, keeping only the needed events from their own start', async () => {
    const { ctx, clients } = context(scenario({ cloudtrail: { events: quiet } }));
    const got = await collectEventsRegion(ctx, 'eu-west-1');
    expect(got.records.map((r) => r.eventID.slice(-1)).sort()).toEqual(['1', '2', '3']);
    expect(clients.calls.snapshot()).toEqual({ 'cloudtrail:LookupEvents': 1 });
    expect(got.calls).toEqual({ ReadOnly: 1, EventSource: 0, EventName: 0 });
  });

  it('reads global-service events once, from us-east-1', async () => {
    const { ctx } = context(scenario({ cloudtrail: { events: quiet } }));
    const east = await collectEventsRegion(ctx, 'us-east-1');
    expect(east.records.map((r) => r.eventName)).toEqual(['CreateUser']);
  });

  it('in a busy region, narrows to one query per service, then per name, as soon as a page shows paging cannot win', async () => {
    // 400 unrelated EC2 writes in the last 3 hours: at that density the 37-day range would take
    // hundreds of pages. The EC2 service query is abandoned after one page for the same reason
    // (its two names are then read by name); the three quiet CloudTrail names share one query.
    const noise = Array.from({ length: 400 }, (_, i) => record('CreateTags', 'ec2.amazonaws.com', 'eu-west-1', NOW - i * 30_000, 1000 + i));
    const trailNames = ['DeleteTrail', 'UpdateTrail'].map((eventName) => ({ eventName, eventSource: 'cloudtrail.amazonaws.com', since: WINDOW.start }));
    const stop = record('StopLogging', 'cloudtrail.amazonaws.com', 'eu-west-1', NOW - 5 * HOUR, 7);
    const { ctx, clients } = context(scenario({ cloudtrail: { events: [...quiet, ...noise, stop] } }), { cloudtrail: [...SETTINGS.cloudtrail, ...trailNames] });
    const got = await collectEventsRegion(ctx, 'eu-west-1');
    expect(got.records.map((r) => r.eventID.slice(-1)).sort()).toEqual(['1', '2', '3', '7']);
    expect(new Set(got.records.map((r) => r.eventID)).size).toBe(got.records.length);
    expect(got.calls).toEqual({ ReadOnly: 1, EventSource: 2, EventName: 2 });
    expect(clients.calls.snapshot()['cloudtrail:LookupEvents']).toBe(5);
  });

  it('keeps paging write events while that is cheaper than per-name queries', async () => {
    // 120 writes spread over 37 days: three pages cover the range, as cheap as three name queries.
    const spread = Array.from({ length: 120 }, (_, i) => record('CreateTags', 'ec2.amazonaws.com', 'eu-west-1', NOW - HOUR - i * 7.4 * HOUR, 2000 + i));
    const { ctx, clients } = context(scenario({ cloudtrail: { events: [...quiet, ...spread] } }));
    const got = await collectEventsRegion(ctx, 'eu-west-1');
    expect(got.records.map((r) => r.eventID.slice(-1)).sort()).toEqual(['1', '2', '3']);
    expect(got.calls).toEqual({ ReadOnly: 3, EventSource: 0, EventName: 0 });
    expect(clients.calls.snapshot()['cloudtrail:LookupEvents']).toBe(3);
  });
});

describe('CloudWatch collection', () => {
  it('batches 500 metric queries a call and lets CloudWatch page by datapoints', async () => {
    const instances: Instance[] = Array.from({ length: 200 }, (_, i) => ({
      id: `i-${String(i).padStart(17, '0')}`, region: 'us-east-1', type: 'm5.large', state: 'running', launchTime: NOW - 30 * DAY,
      vcpus: 2, securityGroups: [], tags: {}, volumeIds: [],
    }));
    const series = instances.flatMap((inst) => ['CPUUtilization', 'NetworkIn', 'NetworkOut'].map((metric) => ({
      Namespace: 'AWS/EC2', MetricName: metric, Dimensions: [{ Name: 'InstanceId', Value: inst.id }], Region: 'us-east-1',
      Start: new Date(NOW - 24 * HOUR).toISOString(), Period: 300, Values: Array.from({ length: 288 }, (_, k) => (k % 10) + 1),
    })));
    const { ctx, clients } = context(scenario({ cloudwatch: { series } }));
    const got = await collectMetricsRegion(ctx, 'us-east-1', instances);
    expect(got).toHaveLength(600);
    expect(got.every((s) => s.values.length === 288 && s.timestamps.every((t, k) => k === 0 || t > (s.timestamps[k - 1] as number)))).toBe(true);
    // 600 queries × 288 points = 172,800 datapoints: two batches, the first paged once by the 100,800 cap.
    expect(clients.calls.snapshot()['cloudwatch:GetMetricData']).toBe(3);
  });
});

describe('IAM collection', () => {
  it('joins keys to the credential report by creation time: no per-key calls', async () => {
    const { ctx, clients } = context(scenario({
      iam: {
        users: [{
          UserName: 'ops', Arn: 'arn:aws:iam::111122223333:user/ops', CreateDate: '2025-06-01T09:00:00Z', LoginProfile: { CreateDate: '2025-06-01T09:00:00Z' },
          AccessKeys: [
            { AccessKeyId: 'AKIAEXAMPLEOPS00001', Status: 'Active', CreateDate: '2025-06-01T09:05:00Z', LastUsed: { LastUsedDate: '2026-10-31T06:05:00Z', ServiceName: 'ec2', Region: 'eu-west-1' } },
            { AccessKeyId: 'AKIAEXAMPLEOPS00002', Status: 'Inactive', CreateDate: '2025-09-01T09:05:00Z' },
          ],
          AttachedPolicies: [{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }],
        }],
        root: { mfaActive: false, accessKeysActive: 0 },
      },
    }));
    const got = await collectIam(ctx);
    expect(got.users[0]).toMatchObject({
      name: 'ops', hasLoginProfile: true, mfaEnabled: false, attachedPolicies: [{ name: 'AdministratorAccess' }],
      accessKeys: [
        { id: 'AKIAEXAMPLEOPS00001', status: 'Active', lastUsedDate: Date.parse('2026-10-31T06:05:00Z'), lastUsedRegion: 'eu-west-1', lastUsedService: 'ec2' },
        { id: 'AKIAEXAMPLEOPS00002', status: 'Inactive' },
      ],
    });
    expect(got.root).toEqual({ mfaEnabled: false, accessKeysActive: 0, passwordLastUsed: undefined });
    expect(clients.calls.snapshot()['iam:GetAccessKeyLastUsed']).toBeUndefined();
  });
});

describe('Cost Explorer collection', () => {
  it('asks exactly two questions and reads estimated days', async () => {
    const { ctx, clients } = context(scenario({
      costs: { daily: [{ service: 'Amazon Elastic Compute Cloud - Compute', region: 'us-east-1', usageType: 'BoxUsage:m5.large', start: '2026-09-01', amounts: Array.from({ length: 62 }, () => 2.3) }] },
    }));
    const got = await collectCosts(ctx);
    expect(clients.calls.snapshot()).toEqual({ 'ce:GetCostAndUsage': 2 });
    expect(got.byServiceRegion.every((r) => r.service === 'Amazon Elastic Compute Cloud - Compute' && r.region === 'us-east-1')).toBe(true);
    expect(got.ec2ByUsageType.map((r) => r.usageType)).toContain('BoxUsage:m5.large');
    expect(got.byServiceRegion.find((r) => r.date === '2026-11-01')?.estimated).toBe(true);
    expect(got.byServiceRegion.find((r) => r.date === '2026-10-01')?.estimated).toBe(false);
    expect(got.start <= '2026-09-26' && got.end === '2026-11-02').toBe(true);
  });
});
