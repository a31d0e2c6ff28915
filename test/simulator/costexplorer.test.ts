import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import type {
  GetAnomaliesResponse,
  GetCostAndUsageRequest,
  GetCostAndUsageResponse,
  GetCostForecastResponse,
  GetDimensionValuesResponse,
} from '@aws-sdk/client-cost-explorer';
import { describe, expect, it } from 'vitest';
import type { Scenario, ScenarioAccount, ScenarioCosts } from '../../src/scenario/types.js';
import { SimulatedAccount } from '../../src/simulator/account.js';
import { CE_GROUPS_PER_PAGE, costExplorerService } from '../../src/simulator/services/costexplorer.js';
import type { SimContext } from '../../src/simulator/types.js';

const NOW = '2026-03-10T12:00:00Z';
const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const SUPPORT = 'AWS Support (Business)';
const S3 = 'Amazon Simple Storage Service';

// Modelled on the minimal example scenario: a steady m5.large, a miner's first day, a monthly fee.
const COSTS: ScenarioCosts = {
  currency: 'USD',
  daily: [
    { service: EC2, region: 'us-east-1', usageType: 'USE1-BoxUsage:m5.large', start: '2026-02-24', amounts: [2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 1.15] },
    { service: S3, start: '2026-03-01', amounts: [0.5, 0.25, 0.125] },
  ],
  lineItems: [
    { date: '2026-03-10', service: EC2, region: 'eu-west-1', usageType: 'EU-BoxUsage:c5.4xlarge', instanceType: 'c5.4xlarge', recordType: 'Usage', amount: 8.53, usageQuantity: 12 },
    { date: '2026-03-01', service: SUPPORT, region: 'global', recordType: 'RecurringFee', amount: 100 },
    { date: '2026-03-09', service: EC2, region: 'us-east-1', recordType: 'Credit', amount: -1.5 },
  ],
};

function context(costs: ScenarioCosts = COSTS, now = NOW): SimContext {
  const scenario: ScenarioAccount = { account: { id: '123456789012' }, costs };
  return {
    account: { id: '123456789012', scenario, regions: ['us-east-1'], now: Date.parse(now), cache: new Map() },
    region: 'us-east-1',
    simulation: { enforceLimits: true },
  };
}

function call<T>(ctx: SimContext, operation: string, input: unknown): T {
  return costExplorerService.operations[operation]!(ctx, input) as T;
}

function costAndUsage(ctx: SimContext, input: Partial<GetCostAndUsageRequest>): GetCostAndUsageResponse {
  return call(ctx, 'GetCostAndUsage', { Granularity: 'DAILY', Metrics: ['UnblendedCost'], ...input });
}

function expectError(fn: () => unknown, code: string): void {
  expect(fn).toThrow(expect.objectContaining({ name: code }));
}

/** `{ date: { key: amount } }` from a grouped answer. */
function byDay(out: GetCostAndUsageResponse, metric = 'UnblendedCost'): Record<string, Record<string, string>> {
  return Object.fromEntries(
    (out.ResultsByTime ?? []).map((r) => [
      r.TimePeriod?.Start,
      Object.fromEntries((r.Groups ?? []).map((g) => [(g.Keys ?? []).join(' | '), g.Metrics?.[metric]?.Amount ?? ''])),
    ]),
  );
}

function totals(out: GetCostAndUsageResponse, metric = 'UnblendedCost'): Record<string, string> {
  return Object.fromEntries((out.ResultsByTime ?? []).map((r) => [r.TimePeriod?.Start, r.Total?.[metric]?.Amount ?? '']));
}

describe('GetCostAndUsage', () => {
  const ctx = context();

  it('sums each day by SERVICE, with amounts as strings', () => {
    const out = costAndUsage(ctx, { TimePeriod: { Start: '2026-03-08', End: '2026-03-11' }, GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }] });
    expect(byDay(out)).toEqual({
      '2026-03-08': { [EC2]: '2.3' },
      '2026-03-09': { [EC2]: '0.8' },
      '2026-03-10': { [EC2]: '9.68' },
    });
    expect(out.GroupDefinitions).toEqual([{ Type: 'DIMENSION', Key: 'SERVICE' }]);
    expect(out.ResultsByTime?.[0]?.Total).toEqual({});
    expect(out.ResultsByTime?.[0]?.Groups?.[0]?.Metrics?.UnblendedCost?.Unit).toBe('USD');
    expect(out.DimensionValueAttributes).toEqual([]);
    expect(out.NextPageToken).toBeUndefined();
  });

  it('groups by SERVICE and REGION, reporting missing regions as global', () => {
    const out = costAndUsage(ctx, {
      TimePeriod: { Start: '2026-03-01', End: '2026-03-02' },
      GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'DIMENSION', Key: 'REGION' }],
    });
    expect(byDay(out)).toEqual({
      '2026-03-01': { [`${EC2} | us-east-1`]: '2.3', [`${S3} | global`]: '0.5', [`${SUPPORT} | global`]: '100' },
    });
  });

  it.each([
    ['USAGE_TYPE', '2026-03-10', '2026-03-11', { 'EU-BoxUsage:c5.4xlarge': '8.53', 'USE1-BoxUsage:m5.large': '1.15' }],
    ['INSTANCE_TYPE', '2026-03-10', '2026-03-11', { 'c5.4xlarge': '8.53', NoInstanceType: '1.15' }],
    ['RECORD_TYPE', '2026-03-09', '2026-03-10', { Credit: '-1.5', Usage: '2.3' }],
    ['LINKED_ACCOUNT', '2026-03-09', '2026-03-10', { '123456789012': '0.8' }],
  ])('groups by %s, with AWS placeholders for missing values', (key, start, end, expected) => {
    const out = costAndUsage(ctx, { TimePeriod: { Start: start, End: end }, GroupBy: [{ Type: 'DIMENSION', Key: key as 'SERVICE' }] });
    expect(byDay(out)[start]).toEqual(expected);
  });

  it('returns Total and no groups without GroupBy, for every metric asked', () => {
    const out = costAndUsage(ctx, { TimePeriod: { Start: '2026-03-10', End: '2026-03-11' }, Metrics: ['UnblendedCost', 'BlendedCost', 'UsageQuantity'] });
    expect(out.ResultsByTime).toEqual([
      {
        TimePeriod: { Start: '2026-03-10', End: '2026-03-11' },
        Total: {
          UnblendedCost: { Amount: '9.68', Unit: 'USD' },
          BlendedCost: { Amount: '9.68', Unit: 'USD' },
          UsageQuantity: { Amount: '12', Unit: 'N/A' },
        },
        Groups: [],
        Estimated: true,
      },
    ]);
    expect(out.GroupDefinitions).toBeUndefined();
  });

  it.each([
    ['SERVICE equals', { Dimensions: { Key: 'SERVICE', Values: [EC2] } }, { '2026-03-01': '2.3', '2026-03-09': '0.8', '2026-03-10': '9.68' }],
    ['not SERVICE', { Not: { Dimensions: { Key: 'SERVICE', Values: [EC2] } } }, { '2026-03-01': '100.5', '2026-03-09': '0', '2026-03-10': '0' }],
    [
      'And of SERVICE and REGION',
      { And: [{ Dimensions: { Key: 'SERVICE', Values: [EC2] } }, { Dimensions: { Key: 'REGION', Values: ['eu-west-1'] } }] },
      { '2026-03-01': '0', '2026-03-09': '0', '2026-03-10': '8.53' },
    ],
    [
      'Or of two services',
      { Or: [{ Dimensions: { Key: 'SERVICE', Values: [S3] } }, { Dimensions: { Key: 'RECORD_TYPE', Values: ['Credit'] } }] },
      { '2026-03-01': '0.5', '2026-03-09': '-1.5', '2026-03-10': '0' },
    ],
    ['case-insensitive prefix', { Dimensions: { Key: 'SERVICE', Values: ['amazon simple'], MatchOptions: ['STARTS_WITH', 'CASE_INSENSITIVE'] } }, { '2026-03-01': '0.5', '2026-03-09': '0', '2026-03-10': '0' }],
  ])('filters: %s', (_name, filter, expected) => {
    const out = costAndUsage(ctx, { TimePeriod: { Start: '2026-03-01', End: '2026-03-11' }, Filter: filter as GetCostAndUsageRequest['Filter'] });
    const all = totals(out);
    expect(Object.fromEntries(Object.keys(expected).map((day) => [day, all[day]]))).toEqual(expected);
  });

  it('expands the compact daily form: amounts[k] is the cost of day start + k', () => {
    const out = costAndUsage(ctx, { TimePeriod: { Start: '2026-02-23', End: '2026-03-11' }, Filter: { Dimensions: { Key: 'USAGE_TYPE', Values: ['USE1-BoxUsage:m5.large'] } } });
    const all = totals(out);
    expect(all['2026-02-23']).toBe('0');
    expect(all['2026-02-24']).toBe('2.3');
    expect(all['2026-03-09']).toBe('2.3');
    expect(all['2026-03-10']).toBe('1.15');
    expect(Object.values(all).filter((a) => a === '2.3')).toHaveLength(14);
  });

  it('puts the 1st-of-month fee on its day', () => {
    const out = costAndUsage(ctx, { TimePeriod: { Start: '2026-02-28', End: '2026-03-03' }, GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }] });
    const days = byDay(out);
    expect(days['2026-02-28']?.[SUPPORT]).toBeUndefined();
    expect(days['2026-03-01']?.[SUPPORT]).toBe('100');
    expect(days['2026-03-02']?.[SUPPORT]).toBeUndefined();
  });

  it('sums calendar months with MONTHLY, clipped to the period', () => {
    const out = costAndUsage(ctx, { Granularity: 'MONTHLY', TimePeriod: { Start: '2026-02-01', End: '2026-04-01' } });
    expect(out.ResultsByTime?.map((r) => [r.TimePeriod?.Start, r.TimePeriod?.End, r.Total?.UnblendedCost?.Amount, r.Estimated])).toEqual([
      ['2026-02-01', '2026-03-01', '11.5', false],
      ['2026-03-01', '2026-04-01', String(+(2.3 * 9 + 1.15 + 0.875 + 100 + 8.53 - 1.5).toFixed(10)), true],
    ]);
  });

  it('marks the day before today and later as Estimated, and shows days after today empty', () => {
    const out = costAndUsage(ctx, { TimePeriod: { Start: '2026-03-07', End: '2026-03-13' }, GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }] });
    expect(out.ResultsByTime?.map((r) => [r.TimePeriod?.Start, r.Estimated, r.Groups?.length])).toEqual([
      ['2026-03-07', false, 1],
      ['2026-03-08', false, 1],
      ['2026-03-09', true, 1],
      ['2026-03-10', true, 1],
      ['2026-03-11', true, 0],
      ['2026-03-12', true, 0],
    ]);
  });

  it.each([
    ['3 GroupBy', { GroupBy: ['SERVICE', 'REGION', 'USAGE_TYPE'].map((Key) => ({ Type: 'DIMENSION' as const, Key: Key as 'SERVICE' })) }],
    ['GroupBy an unsupported dimension', { GroupBy: [{ Type: 'DIMENSION' as const, Key: 'AZ' as const }] }],
    ['GroupBy a tag', { GroupBy: [{ Type: 'TAG' as const, Key: 'team' }] }],
    ['HOURLY granularity', { Granularity: 'HOURLY' as const }],
    ['no Metrics', { Metrics: [] }],
    ['an unknown metric', { Metrics: ['Dollars'] }],
    ['a metric named like an Object property', { Metrics: ['constructor'] }],
    ['GroupBy a key named like an Object property', { GroupBy: [{ Type: 'DIMENSION' as const, Key: 'toString' as 'SERVICE' }] }],
    ['Start after End', { TimePeriod: { Start: '2026-03-05', End: '2026-03-01' } }],
    ['Start equal to End', { TimePeriod: { Start: '2026-03-05', End: '2026-03-05' } }],
    ['a date that does not exist', { TimePeriod: { Start: '2026-02-30', End: '2026-03-05' } }],
    ['Start after today', { TimePeriod: { Start: '2026-03-11', End: '2026-03-12' } }],
    ['End past the first of next month', { TimePeriod: { Start: '2026-03-01', End: '2026-04-02' } }],
    ['Start more than 14 months back', { TimePeriod: { Start: '2025-01-31', End: '2025-03-01' } }],
    ['a filter with two operators', { Filter: { Dimensions: { Key: 'SERVICE' as const, Values: [EC2] }, Not: { Dimensions: { Key: 'SERVICE' as const, Values: [S3] } } } }],
  ])('rejects %s with ValidationException', (_name, input) => {
    expectError(() => costAndUsage(ctx, { TimePeriod: { Start: '2026-03-01', End: '2026-03-05' }, ...input } as Partial<GetCostAndUsageRequest>), 'ValidationException');
  });

  it('accepts the first month of the 14 it keeps', () => {
    expect(costAndUsage(ctx, { Granularity: 'MONTHLY', TimePeriod: { Start: '2025-02-01', End: '2025-03-01' } }).ResultsByTime).toHaveLength(1);
  });
});

describe('GetCostAndUsage paging', () => {
  // 100 usage types over 60 days: 6,000 groups by USAGE_TYPE, more than one page holds.
  const days = 60;
  const costs: ScenarioCosts = {
    daily: Array.from({ length: 100 }, (_, i) => ({ service: EC2, usageType: `USE1-BoxUsage:t${i}`, start: '2026-01-01', amounts: Array.from({ length: days }, (_, d) => i + d / 100) })),
  };
  const request = { TimePeriod: { Start: '2026-01-01', End: '2026-03-02' }, GroupBy: [{ Type: 'DIMENSION' as const, Key: 'USAGE_TYPE' as const }] };

  it('pages by NextPageToken and covers every group exactly once', () => {
    const ctx = context(costs);
    const seen = new Map<string, string>();
    let token: string | undefined;
    let pages = 0;
    do {
      const page = costAndUsage(ctx, { ...request, NextPageToken: token });
      pages += 1;
      const count = page.ResultsByTime?.reduce((n, r) => n + (r.Groups?.length ?? 0), 0) ?? 0;
      expect(count).toBeLessThanOrEqual(CE_GROUPS_PER_PAGE);
      for (const r of page.ResultsByTime ?? []) {
        for (const g of r.Groups ?? []) {
          const key = `${r.TimePeriod?.Start} ${g.Keys?.[0]}`;
          expect(seen.has(key)).toBe(false);
          seen.set(key, g.Metrics?.UnblendedCost?.Amount ?? '');
        }
      }
      token = page.NextPageToken;
    } while (token && pages < 10);
    expect(pages).toBe(Math.ceil((100 * (days + 1)) / CE_GROUPS_PER_PAGE)); // 2026-03-01 has no cost: 0 groups
    expect(seen.size).toBe(100 * days);
    expect(seen.get('2026-01-01 USE1-BoxUsage:t7')).toBe('7');
    expect(seen.get('2026-03-01 USE1-BoxUsage:t99')).toBe('99.59');
  });

  it('rejects a token it did not issue, or one from another request', () => {
    const ctx = context(costs);
    const token = costAndUsage(ctx, request).NextPageToken;
    expect(token).toBeDefined();
    expectError(() => costAndUsage(ctx, { ...request, NextPageToken: 'bogus' }), 'InvalidNextTokenException');
    expectError(() => costAndUsage(ctx, { ...request, GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }], NextPageToken: token }), 'InvalidNextTokenException');
  });
});

describe('GetDimensionValues', () => {
  it('lists the values a dimension takes in the period, optionally searched', () => {
    const ctx = context();
    const out = call<GetDimensionValuesResponse>(ctx, 'GetDimensionValues', { TimePeriod: { Start: '2026-03-01', End: '2026-03-11' }, Dimension: 'SERVICE' });
    expect(out.DimensionValues?.map((v) => v.Value)).toEqual([S3, EC2, SUPPORT].sort());
    expect(out.TotalSize).toBe(3);
    const searched = call<GetDimensionValuesResponse>(ctx, 'GetDimensionValues', { TimePeriod: { Start: '2026-03-01', End: '2026-03-11' }, Dimension: 'REGION', SearchString: 'EU' });
    expect(searched.DimensionValues).toEqual([{ Value: 'eu-west-1', Attributes: {} }]);
  });
});

describe('GetCostForecast', () => {
  it('forecasts the mean of the last 14 complete days for each future day', () => {
    const steady: ScenarioCosts = { daily: [{ service: EC2, start: '2026-02-01', amounts: Array(40).fill(10) }] };
    const out = call<GetCostForecastResponse>(context(steady), 'GetCostForecast', {
      TimePeriod: { Start: '2026-03-10', End: '2026-04-03' },
      Metric: 'UNBLENDED_COST',
      Granularity: 'MONTHLY',
    });
    expect(out.Total).toEqual({ Amount: '240', Unit: 'USD' });
    expect(out.ForecastResultsByTime).toEqual([
      { TimePeriod: { Start: '2026-03-10', End: '2026-04-01' }, MeanValue: '220' },
      { TimePeriod: { Start: '2026-04-01', End: '2026-04-03' }, MeanValue: '20' },
    ]);
  });

  it('adds a prediction interval when asked, and refuses a start before today or no history', () => {
    const ctx = context();
    const out = call<GetCostForecastResponse>(ctx, 'GetCostForecast', {
      TimePeriod: { Start: '2026-03-11', End: '2026-03-12' },
      Metric: 'UNBLENDED_COST',
      Granularity: 'DAILY',
      PredictionIntervalLevel: 80,
    });
    const [result] = out.ForecastResultsByTime ?? [];
    expect(Number(result?.PredictionIntervalLowerBound)).toBeLessThan(Number(result?.MeanValue));
    expect(Number(result?.PredictionIntervalUpperBound)).toBeGreaterThan(Number(result?.MeanValue));
    expectError(() => call(ctx, 'GetCostForecast', { TimePeriod: { Start: '2026-03-09', End: '2026-03-12' }, Metric: 'UNBLENDED_COST', Granularity: 'DAILY' }), 'ValidationException');
    expectError(() => call(ctx, 'GetCostForecast', { TimePeriod: { Start: '2026-03-11', End: '2026-03-12' }, Metric: 'USAGE_QUANTITY', Granularity: 'DAILY' }), 'ValidationException');
    expectError(() => call(context({}), 'GetCostForecast', { TimePeriod: { Start: '2026-03-11', End: '2026-03-12' }, Metric: 'UNBLENDED_COST', Granularity: 'DAILY' }), 'DataUnavailableException');
  });
});

describe('GetAnomalies', () => {
  const monitor = 'arn:aws:ce::123456789012:anomalymonitor/abc';
  const anomaly = (id: string, start: string, end: string | undefined, impact: number, monitorArn = monitor) => ({
    AnomalyId: id,
    AnomalyStartDate: start,
    ...(end ? { AnomalyEndDate: end } : {}),
    DimensionValue: EC2,
    AnomalyScore: { MaxScore: 0.9, CurrentScore: 0.8 },
    Impact: { MaxImpact: impact, TotalImpact: impact },
    MonitorArn: monitorArn,
  });
  const ctx = context({
    anomalies: [
      anomaly('old', '2026-01-02', '2026-01-03', 10),
      anomaly('miner', '2026-03-09', '2026-03-10', 250),
      anomaly('open', '2026-03-08', undefined, 40, 'arn:aws:ce::123456789012:anomalymonitor/other'),
      anomaly('future', '2026-03-11', undefined, 99),
    ],
  });
  const ids = (out: GetAnomaliesResponse) => out.Anomalies?.map((a) => a.AnomalyId);

  it('returns the anomalies dated in DateInterval, none from the future', () => {
    expect(ids(call(ctx, 'GetAnomalies', { DateInterval: { StartDate: '2026-03-01' } }))).toEqual(['miner', 'open']);
    expect(ids(call(ctx, 'GetAnomalies', { DateInterval: { StartDate: '2026-01-01', EndDate: '2026-01-31' } }))).toEqual(['old']);
  });

  it('filters by MonitorArn and TotalImpact, and pages by MaxResults', () => {
    expect(ids(call(ctx, 'GetAnomalies', { DateInterval: { StartDate: '2026-01-01' }, MonitorArn: monitor }))).toEqual(['old', 'miner']);
    expect(ids(call(ctx, 'GetAnomalies', { DateInterval: { StartDate: '2026-01-01' }, TotalImpact: { NumericOperator: 'GREATER_THAN', StartValue: 100 } }))).toEqual(['miner']);
    const first = call<GetAnomaliesResponse>(ctx, 'GetAnomalies', { DateInterval: { StartDate: '2026-01-01' }, MaxResults: 2 });
    const second = call<GetAnomaliesResponse>(ctx, 'GetAnomalies', { DateInterval: { StartDate: '2026-01-01' }, MaxResults: 2, NextPageToken: first.NextPageToken });
    expect([...(ids(first) ?? []), ...(ids(second) ?? [])]).toEqual(['old', 'miner', 'open']);
    expect(second.NextPageToken).toBeUndefined();
  });
});

describe('through the AWS SDK', () => {
  it('answers GetCostAndUsage from us-east-1 whatever region the client names', async () => {
    const scenario: Scenario = { format: 'rigwatch-scenario/1', name: 'ce', now: NOW, account: { id: '123456789012' }, costs: COSTS };
    const account = new SimulatedAccount(scenario, { services: [costExplorerService] });
    const ce = account.attach(new CostExplorerClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' } }), 'eu-west-1');
    const out = await ce.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2026-03-09', End: '2026-03-11' },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost'],
        GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
      }),
    );
    expect(byDay(out)).toEqual({ '2026-03-09': { [EC2]: '0.8' }, '2026-03-10': { [EC2]: '9.68' } });
    await expect(
      ce.send(new GetCostAndUsageCommand({ TimePeriod: { Start: '2026-03-09', End: '2026-03-11' }, Granularity: 'HOURLY', Metrics: ['UnblendedCost'] })),
    ).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  });
});
