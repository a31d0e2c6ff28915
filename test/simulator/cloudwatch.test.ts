import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, paginateGetMetricData } from '@aws-sdk/client-cloudwatch';
import type { GetMetricDataInput, GetMetricDataOutput, ListMetricsOutput, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import type { MetricSeriesSpec, Scenario, ScenarioAccount } from '../../src/scenario/types.js';
import { SimulatedAccount } from '../../src/simulator/account.js';
import { cloudwatchService, MAX_DATAPOINTS_PER_CALL } from '../../src/simulator/services/cloudwatch.js';
import type { SimContext } from '../../src/simulator/types.js';

const NOW = '2026-03-10T12:00:00Z';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const at = (iso: string) => new Date(iso);
const ago = (ms: number) => new Date(Date.parse(NOW) - ms);

function cpu(instance: string, start: string, period: number, values: (number | null)[], region = 'us-east-1'): MetricSeriesSpec {
  return {
    Namespace: 'AWS/EC2',
    MetricName: 'CPUUtilization',
    Dimensions: [{ Name: 'InstanceId', Value: instance }],
    Region: region,
    Start: start,
    Period: period,
    Values: values,
  };
}

function context(series: MetricSeriesSpec[], { region = 'us-east-1', enforceLimits = true } = {}): SimContext {
  const scenario: ScenarioAccount = { account: { id: '123456789012' }, cloudwatch: { series } };
  return {
    account: { id: '123456789012', scenario, regions: ['us-east-1', 'eu-west-1'], now: Date.parse(NOW), cache: new Map() },
    region,
    simulation: { enforceLimits },
  };
}

function query(id: string, instance: string, period: number, stat = 'Average'): MetricDataQuery {
  return {
    Id: id,
    MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: instance }] }, Period: period, Stat: stat },
  };
}

function getMetricData(ctx: SimContext, input: GetMetricDataInput): GetMetricDataOutput {
  return cloudwatchService.operations.GetMetricData!(ctx, input) as GetMetricDataOutput;
}

function expectError(fn: () => unknown, code: string): void {
  expect(fn).toThrow(expect.objectContaining({ name: code }));
}

/** Points of one result as [ISO, value] pairs. */
function points(out: GetMetricDataOutput, id = 'm'): [string, number][] {
  const result = out.MetricDataResults?.find((r) => r.Id === id);
  return (result?.Timestamps ?? []).map((t, i) => [t.toISOString(), result?.Values?.[i] ?? NaN]);
}

// 5-minute CPU, 00:00 to 12:00 on "now"'s day: value k at 00:00 + 5k minutes.
const fiveMinute = cpu('i-1', '2026-03-10T00:00:00Z', 300, Array.from({ length: 144 }, (_, k) => k));

describe('GetMetricData aggregation', () => {
  const ctx = context([fiveMinute]);
  const firstHour = { StartTime: at('2026-03-10T00:00:00Z'), EndTime: at('2026-03-10T01:00:00Z') };

  it.each([
    ['Average', 5.5],
    ['Maximum', 11],
    ['Minimum', 0],
    ['Sum', 66],
    ['SampleCount', 12],
  ])('combines 5-minute datapoints into an hour: %s = %d', (stat, expected) => {
    const out = getMetricData(ctx, { ...firstHour, MetricDataQueries: [query('m', 'i-1', 3600, stat)] });
    expect(points(out)).toEqual([['2026-03-10T00:00:00.000Z', expected]]);
  });

  it('returns the datapoint itself as every statistic at the series period', () => {
    for (const stat of ['Average', 'Maximum', 'Minimum', 'Sum']) {
      const out = getMetricData(ctx, { ...firstHour, MetricDataQueries: [query('m', 'i-1', 300, stat)], ScanBy: 'TimestampAscending' });
      expect(points(out).map(([, v]) => v)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    }
  });

  it('aligns output periods to StartTime', () => {
    const out = getMetricData(ctx, {
      StartTime: at('2026-03-10T00:10:00Z'),
      EndTime: at('2026-03-10T00:40:00Z'),
      MetricDataQueries: [query('m', 'i-1', 900, 'Sum')],
      ScanBy: 'TimestampAscending',
    });
    expect(points(out)).toEqual([
      ['2026-03-10T00:10:00.000Z', 2 + 3 + 4],
      ['2026-03-10T00:25:00.000Z', 5 + 6 + 7],
    ]);
  });

  it('treats StartTime as inclusive and EndTime as exclusive', () => {
    const out = getMetricData(ctx, {
      StartTime: at('2026-03-10T00:00:00Z'),
      EndTime: at('2026-03-10T00:15:00Z'),
      MetricDataQueries: [query('m', 'i-1', 300)],
      ScanBy: 'TimestampAscending',
    });
    expect(points(out).map(([t]) => t)).toEqual(['2026-03-10T00:00:00.000Z', '2026-03-10T00:05:00.000Z', '2026-03-10T00:10:00.000Z']);
  });

  it('orders timestamps newest first by default and oldest first with TimestampAscending', () => {
    const input = { StartTime: at('2026-03-10T00:00:00Z'), EndTime: at('2026-03-10T00:15:00Z'), MetricDataQueries: [query('m', 'i-1', 300)] };
    expect(points(getMetricData(ctx, input)).map(([, v]) => v)).toEqual([2, 1, 0]);
    expect(points(getMetricData(ctx, { ...input, ScanBy: 'TimestampAscending' })).map(([, v]) => v)).toEqual([0, 1, 2]);
  });

  it('shows nothing dated after now', () => {
    const long = cpu('i-2', '2026-03-10T11:00:00Z', 300, Array.from({ length: 48 }, () => 50));
    const out = getMetricData(context([long]), {
      StartTime: at('2026-03-10T11:00:00Z'),
      EndTime: at('2026-03-10T16:00:00Z'),
      MetricDataQueries: [query('m', 'i-2', 300)],
    });
    expect(points(out)).toHaveLength(13); // 11:00 ... 12:00
    expect(points(out)[0]?.[0]).toBe('2026-03-10T12:00:00.000Z');
  });
});

describe('GetMetricData gaps', () => {
  it('omits null datapoints and periods without data, and averages only what exists', () => {
    const gappy = cpu('i-1', '2026-03-10T00:00:00Z', 300, [10, null, 20, ...Array(12).fill(null), 30]);
    const ctx = context([gappy]);
    const base = { StartTime: at('2026-03-10T00:00:00Z'), EndTime: at('2026-03-10T03:00:00Z'), ScanBy: 'TimestampAscending' as const };
    expect(points(getMetricData(ctx, { ...base, MetricDataQueries: [query('m', 'i-1', 300)] }))).toEqual([
      ['2026-03-10T00:00:00.000Z', 10],
      ['2026-03-10T00:10:00.000Z', 20],
      ['2026-03-10T01:15:00.000Z', 30],
    ]);
    expect(points(getMetricData(ctx, { ...base, MetricDataQueries: [query('m', 'i-1', 1800)] }))).toEqual([
      ['2026-03-10T00:00:00.000Z', 15],
      ['2026-03-10T01:00:00.000Z', 30],
    ]);
  });

  it('answers an unknown metric, or another region, with an empty Complete result', () => {
    const input = { StartTime: at('2026-03-10T00:00:00Z'), EndTime: at('2026-03-10T01:00:00Z'), MetricDataQueries: [query('m', 'i-404', 300)] };
    const out = getMetricData(context([fiveMinute]), input);
    expect(out.MetricDataResults).toEqual([{ Id: 'm', Label: 'CPUUtilization', Timestamps: [], Values: [], StatusCode: 'Complete' }]);
    expect(points(getMetricData(context([fiveMinute], { region: 'eu-west-1' }), { ...input, MetricDataQueries: [query('m', 'i-1', 300)] }))).toEqual([]);
  });
});

describe('GetMetricData periods and data age', () => {
  it('returns coarser-stored datapoints at their own timestamps when asked for a shorter period', () => {
    const hourly = cpu('i-1', '2026-03-10T00:00:00Z', 3600, [40, 50, 60]);
    const out = getMetricData(context([hourly]), {
      StartTime: at('2026-03-10T00:00:00Z'),
      EndTime: at('2026-03-10T03:00:00Z'),
      MetricDataQueries: [query('m', 'i-1', 300)],
      ScanBy: 'TimestampAscending',
    });
    expect(points(out)).toEqual([
      ['2026-03-10T00:00:00.000Z', 40],
      ['2026-03-10T01:00:00.000Z', 50],
      ['2026-03-10T02:00:00.000Z', 60],
    ]);
  });

  it('merges an hourly history with a 5-minute recent series, the finer one winning where they overlap', () => {
    const history = cpu('i-1', '2026-03-09T22:00:00Z', 3600, [1, 2, 1000, 1000]); // 22:00 .. 01:00
    const recent = cpu('i-1', '2026-03-10T00:00:00Z', 300, Array(24).fill(7)); // 00:00 .. 02:00
    const out = getMetricData(context([history, recent]), {
      StartTime: at('2026-03-09T22:00:00Z'),
      EndTime: at('2026-03-10T02:00:00Z'),
      MetricDataQueries: [query('m', 'i-1', 3600, 'Maximum')],
      ScanBy: 'TimestampAscending',
    });
    expect(points(out)).toEqual([
      ['2026-03-09T22:00:00.000Z', 1],
      ['2026-03-09T23:00:00.000Z', 2],
      ['2026-03-10T00:00:00.000Z', 7],
      ['2026-03-10T01:00:00.000Z', 7],
    ]);
  });

  // One-minute data from 20 days ago to 10 days ago: CloudWatch keeps it at 1 minute for 15 days.
  const oneMinute = cpu('i-1', ago(20 * DAY).toISOString(), 60, Array(10 * 24 * 60).fill(1));
  // Hourly data from 100 days ago to 90 days ago: beyond 63 days only hourly data remains.
  const old = cpu('i-2', ago(100 * DAY).toISOString(), 3600, Array(10 * 24).fill(1));

  it.each([
    ['1-minute data older than 15 days, period 60', oneMinute, 'i-1', 60, 5 * 24 * 60],
    ['1-minute data older than 15 days, period 300', oneMinute, 'i-1', 300, 10 * 24 * 12],
    ['data older than 63 days, period 300', old, 'i-2', 300, 0],
    ['data older than 63 days, period 3600', old, 'i-2', 3600, 10 * 24],
  ])('%s: %d datapoints', (_name, series, instance, period, expected) => {
    const out = getMetricData(context([series], { enforceLimits: false }), {
      StartTime: ago(120 * DAY),
      EndTime: at(NOW),
      MetricDataQueries: [query('m', instance, period)],
    });
    expect(points(out)).toHaveLength(expected);
  });

  it('keeps nothing older than 455 days', () => {
    const ancient = cpu('i-3', ago(460 * DAY).toISOString(), 3600, Array(10 * 24).fill(1));
    const out = getMetricData(context([ancient]), { StartTime: ago(470 * DAY), EndTime: at(NOW), MetricDataQueries: [query('m', 'i-3', 3600)] });
    expect(points(out)).toHaveLength(5 * 24);
  });
});

describe('GetMetricData validation', () => {
  const ctx = context([fiveMinute]);
  const window = { StartTime: at('2026-03-10T00:00:00Z'), EndTime: at('2026-03-10T01:00:00Z') };

  it('rejects more than 500 queries', () => {
    const queries = Array.from({ length: 501 }, (_, i) => query(`q${i}`, 'i-1', 300));
    expectError(() => getMetricData(ctx, { ...window, MetricDataQueries: queries }), 'ValidationError');
    expect(getMetricData(ctx, { ...window, MetricDataQueries: queries.slice(0, 500) }).MetricDataResults).toHaveLength(500);
    expect(getMetricData(context([fiveMinute], { enforceLimits: false }), { ...window, MetricDataQueries: queries }).MetricDataResults).toHaveLength(501);
  });

  it.each([
    ['an Id starting with a capital', [query('Cpu', 'i-1', 300)]],
    ['duplicate Ids', [query('m', 'i-1', 300), query('m', 'i-1', 3600)]],
    ['a period that is not a multiple of 60', [query('m', 'i-1', 90)]],
    ['a percentile statistic', [query('m', 'i-1', 300, 'p99')]],
    ['a metric math expression', [{ Id: 'e', Expression: 'SUM(METRICS())' }]],
    ['no queries', []],
  ])('rejects %s', (_name, queries) => {
    expectError(() => getMetricData(ctx, { ...window, MetricDataQueries: queries }), 'ValidationError');
  });

  it('rejects StartTime at or after EndTime', () => {
    expectError(() => getMetricData(ctx, { StartTime: window.EndTime, EndTime: window.StartTime, MetricDataQueries: [query('m', 'i-1', 300)] }), 'ValidationError');
  });

  it('rejects a NextToken it did not issue, or one from another query', () => {
    const input = { ...window, MetricDataQueries: [query('m', 'i-1', 300)], MaxDatapoints: 5 };
    expectError(() => getMetricData(ctx, { ...input, NextToken: 'bogus' }), 'InvalidNextToken');
    const token = getMetricData(ctx, input).NextToken;
    expect(token).toBeDefined();
    expectError(() => getMetricData(ctx, { ...input, StartTime: at('2026-03-10T00:05:00Z'), NextToken: token }), 'InvalidNextToken');
  });

  it('omits queries with ReturnData false and labels results with the metric name unless a Label is given', () => {
    const out = getMetricData(ctx, {
      ...window,
      MetricDataQueries: [{ ...query('a', 'i-1', 300), ReturnData: false }, { ...query('b', 'i-1', 300), Label: 'web cpu' }, query('c', 'i-1', 300)],
    });
    expect(out.MetricDataResults?.map((r) => [r.Id, r.Label])).toEqual([
      ['b', 'web cpu'],
      ['c', 'CPUUtilization'],
    ]);
    expect(out.Messages).toEqual([]);
  });
});

describe('GetMetricData paging', () => {
  function collect(ctx: SimContext, input: GetMetricDataInput): { pages: GetMetricDataOutput[]; seen: Map<string, number[]> } {
    const pages: GetMetricDataOutput[] = [];
    const seen = new Map<string, number[]>();
    let token: string | undefined;
    do {
      const page = getMetricData(ctx, { ...input, NextToken: token });
      pages.push(page);
      for (const r of page.MetricDataResults ?? []) {
        const list = seen.get(r.Id ?? '') ?? [];
        list.push(...(r.Timestamps ?? []).map((t) => t.getTime()));
        seen.set(r.Id ?? '', list);
      }
      token = page.NextToken;
    } while (token && pages.length < 100);
    return { pages, seen };
  }

  it('pages by MaxDatapoints, newest data first across queries, and returns every datapoint exactly once', () => {
    const ctx = context([fiveMinute, cpu('i-2', '2026-03-10T06:00:00Z', 300, Array(72).fill(3))]);
    const input: GetMetricDataInput = {
      StartTime: at('2026-03-10T00:00:00Z'),
      EndTime: at('2026-03-10T12:00:00Z'),
      MetricDataQueries: [query('a', 'i-1', 300), query('b', 'i-2', 300)],
      MaxDatapoints: 50,
    };
    const { pages, seen } = collect(ctx, input);
    expect(pages).toHaveLength(Math.ceil((144 + 72) / 50));
    for (const page of pages.slice(0, -1)) {
      expect(page.MetricDataResults?.reduce((n, r) => n + (r.Values?.length ?? 0), 0)).toBe(50);
      expect(page.MetricDataResults?.some((r) => r.StatusCode === 'PartialData')).toBe(true);
    }
    expect(pages.at(-1)?.MetricDataResults?.every((r) => r.StatusCode === 'Complete')).toBe(true);
    expect(pages.at(-1)?.NextToken).toBeUndefined();
    for (const [id, expected] of [['a', 144], ['b', 72]] as const) {
      const timestamps = seen.get(id) ?? [];
      expect(timestamps).toHaveLength(expected);
      expect(new Set(timestamps).size).toBe(expected);
      expect(timestamps).toEqual([...timestamps].sort((x, y) => y - x));
    }
    // The first page holds the newest 50 datapoints of both queries: 06:00 onwards is shared.
    expect(pages[0]?.MetricDataResults?.map((r) => r.Values?.length)).toEqual([25, 25]);
  });

  it('caps a call at 100,800 datapoints even without MaxDatapoints', () => {
    // 24 one-minute series of 3 days: 24 * 4320 = 103,680 datapoints.
    const series = Array.from({ length: 24 }, (_, i) => cpu(`i-${i}`, ago(3 * DAY).toISOString(), 60, Array(3 * 24 * 60).fill(i)));
    const ctx = context(series);
    const input: GetMetricDataInput = {
      StartTime: ago(3 * DAY),
      EndTime: at(NOW),
      MetricDataQueries: series.map((_, i) => query(`q${i}`, `i-${i}`, 60)),
    };
    const { pages, seen } = collect(ctx, input);
    expect(pages).toHaveLength(2);
    expect(pages[0]?.MetricDataResults?.reduce((n, r) => n + (r.Values?.length ?? 0), 0)).toBe(MAX_DATAPOINTS_PER_CALL);
    expect([...seen.values()].reduce((n, list) => n + new Set(list).size, 0)).toBe(24 * 4320);
  });
});

describe('ListMetrics', () => {
  function list(ctx: SimContext, input: Record<string, unknown>): ListMetricsOutput {
    return cloudwatchService.operations.ListMetrics!(ctx, input) as ListMetricsOutput;
  }

  it('filters by namespace, metric name and dimensions, and leaves out metrics silent for two weeks', () => {
    const network = { ...fiveMinute, MetricName: 'NetworkIn' };
    const stale = cpu('i-stale', ago(30 * DAY).toISOString(), 3600, Array(24).fill(1));
    const custom = { ...fiveMinute, Namespace: 'Custom', Dimensions: [{ Name: 'Host', Value: 'a' }] };
    const ctx = context([fiveMinute, network, stale, custom, cpu('i-eu', '2026-03-10T00:00:00Z', 300, [1], 'eu-west-1')]);
    expect(list(ctx, {}).Metrics).toHaveLength(3);
    expect(list(ctx, { Namespace: 'AWS/EC2' }).Metrics?.map((m) => m.MetricName).sort()).toEqual(['CPUUtilization', 'NetworkIn']);
    expect(list(ctx, { Dimensions: [{ Name: 'InstanceId', Value: 'i-1' }], MetricName: 'NetworkIn' }).Metrics).toEqual([
      { Namespace: 'AWS/EC2', MetricName: 'NetworkIn', Dimensions: [{ Name: 'InstanceId', Value: 'i-1' }] },
    ]);
    expect(list(ctx, { Dimensions: [{ Name: 'Host' }] }).Metrics).toHaveLength(1);
    expect(list(ctx, { RecentlyActive: 'PT3H', Namespace: 'Custom' }).Metrics).toHaveLength(1);
  });

  it('pages 500 metrics a call', () => {
    const series = Array.from({ length: 1200 }, (_, i) => cpu(`i-${i}`, '2026-03-10T00:00:00Z', 300, [1]));
    const ctx = context(series);
    const first = list(ctx, {});
    const second = list(ctx, { NextToken: first.NextToken });
    const third = list(ctx, { NextToken: second.NextToken });
    expect([first, second, third].map((p) => p.Metrics?.length)).toEqual([500, 500, 200]);
    expect(third.NextToken).toBeUndefined();
    const ids = [first, second, third].flatMap((p) => p.Metrics?.map((m) => m.Dimensions?.[0]?.Value) ?? []);
    expect(new Set(ids).size).toBe(1200);
  });
});

describe('through the AWS SDK', () => {
  const scenario: Scenario = {
    format: 'rigwatch-scenario/1',
    name: 'cloudwatch',
    now: NOW,
    account: { id: '123456789012' },
    cloudwatch: { series: [fiveMinute, cpu('i-2', '2026-03-10T00:00:00Z', 300, Array(144).fill(2))] },
  };

  function client(account: SimulatedAccount): CloudWatchClient {
    return account.attach(
      new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' } }),
      'us-east-1',
    );
  }

  it('answers GetMetricData with Date timestamps and numeric values', async () => {
    const cw = client(new SimulatedAccount(scenario, { services: [cloudwatchService] }));
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: at('2026-03-10T00:00:00Z'),
        EndTime: at('2026-03-10T02:00:00Z'),
        MetricDataQueries: [query('m', 'i-1', 3600, 'Maximum')],
      }),
    );
    expect(points(out)).toEqual([
      ['2026-03-10T01:00:00.000Z', 23],
      ['2026-03-10T00:00:00.000Z', 11],
    ]);
    expect(out.MetricDataResults?.[0]?.Timestamps?.[0]).toBeInstanceOf(Date);
  });

  it("pages with the SDK's paginator until every datapoint is read", async () => {
    const cw = client(new SimulatedAccount(scenario, { services: [cloudwatchService] }));
    let total = 0;
    let pages = 0;
    for await (const page of paginateGetMetricData(
      { client: cw, pageSize: 100 },
      { StartTime: at('2026-03-10T00:00:00Z'), EndTime: at(NOW), MetricDataQueries: [query('a', 'i-1', 300), query('b', 'i-2', 300)] },
    )) {
      pages += 1;
      total += page.MetricDataResults?.reduce((n, r) => n + (r.Values?.length ?? 0), 0) ?? 0;
    }
    expect(pages).toBe(3);
    expect(total).toBe(288);
  });

  it('throws the SDK error for a rejected request', async () => {
    const cw = client(new SimulatedAccount(scenario, { services: [cloudwatchService] }));
    const queries = Array.from({ length: 501 }, (_, i) => query(`q${i}`, 'i-1', 300));
    await expect(cw.send(new GetMetricDataCommand({ StartTime: at('2026-03-10T00:00:00Z'), EndTime: at(NOW), MetricDataQueries: queries }))).rejects.toMatchObject({
      name: 'ValidationError',
      $metadata: { httpStatusCode: 400 },
    });
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'AWS/EC2' }));
    expect(listed.Metrics).toHaveLength(2);
  });
});
