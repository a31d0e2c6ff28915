// The collectors against the simulated account: the calls they make are the product (speed on
// big accounts, Cost Explorer dollars), so these tests count them as well as checking the data.

import { describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/providers/aws/clients.js';
import { Coverage, type CollectContext, type CollectionSettings } from '../../src/providers/aws/collector.js';
import { collectEventsRegion } from '../../src/providers/aws/collectors/cloudtrail.js';
import { collectMetricsRegion } from '../../src/providers/aws/collectors/cloudwatch.js';
import { collectIam } from '../../src/providers/aws/collectors/iam.js';
import { collectCostAnomalies, collectCosts } from '../../src/providers/aws/collectors/costs.js';
import { collect } from '../../src/providers/aws/collect.js';
import { auditActions } from '../../src/providers/aws/permissions.js';
import type { CollectionCache, IncrementalSettings } from '../../src/providers/cache.js';
import { RateLimiter } from '../../src/providers/aws/rate-limit.js';
import type { Instance } from '../../src/providers/types.js';
import type { CloudTrailRecord, Scenario, ScenarioFault } from '../../src/scenario/types.js';
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
  incremental: { cloudtrailOverlapMinutes: 30, metricsOverlapMinutes: 15, inventoryMaxAgeMinutes: 60, costRefreshMinutes: 60, costRestateDays: 3, anomalyRefreshMinutes: 360 },
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

describe('AWS Cost Anomaly Detection (GetAnomalies)', () => {
  const MONITOR = 'arn:aws:ce::111122223333:anomalymonitor/0f1e2d3c';
  const anomaly = (id: string, start: string, end: string | undefined, impact: number, extra: Record<string, unknown> = {}) => ({
    AnomalyId: id, AnomalyStartDate: start, ...(end && { AnomalyEndDate: end }), DimensionValue: 'Amazon Elastic Compute Cloud - Compute',
    AnomalyScore: { MaxScore: 0.9, CurrentScore: 0.8 }, Impact: { MaxImpact: impact / 2, TotalImpact: impact, TotalActualSpend: impact, TotalExpectedSpend: 0 },
    MonitorArn: MONITOR, ...extra,
  });

  it('reads the window\'s anomalies: service, region and account from the largest root cause, impact from TotalImpact', async () => {
    const { ctx, clients } = context(scenario({
      costs: {
        anomalies: [
          anomaly('before-window', '2026-10-01', '2026-10-03', 50),
          anomaly('miners', '2026-10-29', '2026-10-31', 852.05, {
            RootCauses: [
              { Service: 'Amazon Elastic Compute Cloud - Compute', Region: 'us-east-1', LinkedAccount: '111122223333', UsageType: 'BoxUsage:m5.large', Impact: { Contribution: 10 } },
              { Service: 'Amazon Elastic Compute Cloud - Compute', Region: 'us-east-2', LinkedAccount: '444455556666', UsageType: 'USE2-BoxUsage:c5.4xlarge', Impact: { Contribution: 842.05 } },
            ],
            Feedback: 'YES',
          }),
          // Still open, no root cause: the monitor's dimension and the audited account.
          anomaly('open', '2026-10-31', undefined, 40, { Impact: { MaxImpact: 40 } }),
        ],
      },
    }));
    const got = await collectCostAnomalies(ctx, '111122223333');
    expect(clients.calls.snapshot()).toEqual({ 'ce:GetAnomalies': 1 });
    expect(got).toEqual([
      {
        id: 'miners', start: '2026-10-29', end: '2026-10-31', firstFlagged: '2026-10-30', firstFlaggedBasis: expect.stringContaining('AnomalyStartDate + 1 day'),
        service: 'Amazon Elastic Compute Cloud - Compute', region: 'us-east-2', account: '444455556666', usageType: 'USE2-BoxUsage:c5.4xlarge',
        impact: 852.05, expected: 0, actual: 852.05, monitorArn: MONITOR, feedback: 'YES',
      },
      {
        id: 'open', start: '2026-10-31', firstFlagged: '2026-11-01', firstFlaggedBasis: expect.any(String),
        service: 'Amazon Elastic Compute Cloud - Compute', account: '111122223333', impact: 40, monitorArn: MONITOR,
      },
    ]);
  });

  it('follows NextPageToken, every page a request', async () => {
    const many = Array.from({ length: 101 }, (_, k) => anomaly(`a${String(k).padStart(3, '0')}`, '2026-10-30', '2026-10-31', k));
    const { ctx, clients } = context(scenario({ costs: { anomalies: many } }));
    const got = await collectCostAnomalies(ctx, '111122223333');
    expect(got).toHaveLength(101);
    expect(clients.calls.snapshot()).toEqual({ 'ce:GetAnomalies': 2 });
  });

  it('is declared in the audit policy', () => {
    expect(auditActions()).toContain('ce:GetAnomalies');
  });
});

describe('Cost Explorer budget across scheduled runs', () => {
  const INC: IncrementalSettings = {
    cloudtrailOverlapMinutes: 30, metricsOverlapMinutes: 15, inventoryMaxAgeMinutes: 60, costRefreshMinutes: 60, costRestateDays: 3, anomalyRefreshMinutes: 360,
  };
  const MINUTE = 60_000;
  const T0 = Date.parse('2026-11-01T01:00:00Z');
  const costs = {
    daily: [{ service: 'Amazon Elastic Compute Cloud - Compute', region: 'us-east-1', start: '2026-08-01', amounts: Array.from({ length: 93 }, () => 2.3) }],
    anomalies: [{
      AnomalyId: 'miners', AnomalyStartDate: '2026-10-29', AnomalyEndDate: '2026-10-31', Impact: { MaxImpact: 400, TotalImpact: 800 },
      MonitorArn: 'arn:aws:ce::111122223333:anomalymonitor/0f1e2d3c', RootCauses: [{ Service: 'Amazon Elastic Compute Cloud - Compute', Region: 'us-east-2' }],
    }],
  };

  /** One run at `t` on the account as it stands then, from the previous run's cache. */
  async function runAt(t: number, previous?: CollectionCache, faults?: ScenarioFault[]) {
    const account = new SimulatedAccount({ ...scenario({ costs }), now: new Date(t).toISOString(), simulation: { enforceLimits: false, ...(faults && { faults }) } });
    const clients = new AwsClients({
      credentials: { accessKeyId: 'AKIASIMULATED000000', secretAccessKey: 'simulated' },
      rateLimiter: new RateLimiter({}),
      decorate: (client, region) => account.attach(client, region),
    });
    try {
      const got = await collect({ clients, now: t, window: { start: t - 7 * DAY, end: t }, regions: ['us-east-1'], settings: { ...SETTINGS, incremental: INC }, previous });
      const calls = clients.calls.snapshot();
      return { ...got, ce: [calls['ce:GetCostAndUsage'] ?? 0, calls['ce:GetAnomalies'] ?? 0] };
    } finally {
      clients.destroy();
    }
  }

  it('a full run makes 2 GetCostAndUsage and 1 GetAnomalies; no incremental run makes more than 2 requests', async () => {
    // [minutes after the first run, GetCostAndUsage, GetAnomalies]
    const plan: [number, number, number][] = [
      [0, 2, 1], // full: both cost queries and the anomalies
      [15, 0, 0], // costs and anomalies fresh
      [75, 2, 0], // costs refreshed; anomalies wait for a run without cost requests
      [6 * 60 + 5, 2, 0], // costs stale again (from minute 75): refreshed, anomalies (6 h old) still wait
      [6 * 60 + 20, 0, 1], // costs fresh, anomalies older than 6 hours: asked now
      [6 * 60 + 35, 0, 0],
    ];
    let cache: CollectionCache | undefined;
    for (const [minutes, costRequests, anomalyRequests] of plan) {
      const run = await runAt(T0 + minutes * MINUTE, cache);
      expect([minutes, ...run.ce]).toEqual([minutes, costRequests, anomalyRequests]);
      expect(run.data.costs.awsAnomalies?.map((a) => a.id)).toEqual(['miners']);
      expect(run.data.costs.byServiceRegion.length).toBeGreaterThan(0);
      const entry = run.data.coverage.find((c) => c.source === 'costexplorer-anomalies');
      expect(entry?.status).toBe('ok');
      expect(entry?.cachedAt !== undefined).toBe(anomalyRequests === 0);
      cache = run.cache;
    }
  });

  it('a failed GetAnomalies is skipped, not a failed cost source, and is not retried before the refresh interval', async () => {
    const denied: ScenarioFault[] = [{ service: 'ce', operation: 'GetAnomalies', error: 'AccessDeniedException' }];
    const first = await runAt(T0, undefined, denied);
    expect(first.ce).toEqual([2, 1]);
    expect(first.data.coverage.find((c) => c.source === 'costexplorer')?.status).toBe('ok');
    expect(first.data.coverage.find((c) => c.source === 'costexplorer-anomalies')).toMatchObject({ status: 'skipped', error: expect.stringContaining('AccessDeniedException') });
    expect(first.data.costs.awsAnomalies).toBeUndefined();
    expect(first.data.costs.byServiceRegion.length).toBeGreaterThan(0);

    const second = await runAt(T0 + 15 * MINUTE, first.cache, denied);
    expect(second.ce).toEqual([0, 0]);
    expect(second.data.coverage.find((c) => c.source === 'costexplorer-anomalies')).toMatchObject({ status: 'skipped', cachedAt: new Date(T0).toISOString() });
    expect(second.data.costs.awsAnomalies).toBeUndefined();

    // Six hours on, in a run without cost requests, it is asked again (and now answers).
    const later = await runAt(T0 + 6 * 60 * MINUTE, second.cache);
    expect(later.ce).toEqual([2, 0]);
    const again = await runAt(T0 + 6 * 60 * MINUTE + 15 * MINUTE, later.cache);
    expect(again.ce).toEqual([0, 1]);
    expect(again.data.costs.awsAnomalies?.map((a) => a.id)).toEqual(['miners']);
  });
});
