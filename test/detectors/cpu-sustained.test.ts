import { describe, expect, it } from 'vitest';
import { detector } from '../../src/detectors/cpu-sustained.js';
import type { AuditData, Instance, MetricSeries } from '../../src/providers/types.js';
import type { Finding } from '../../src/detectors/types.js';
import { emptyAccount, hoursAgo, iamUser, instance, run, runInstances, series, type DetectorCase } from './fixtures.js';

const FIVE_MIN = 300;
const perHour = 3600 / FIVE_MIN;

/** `hours` of 5-minute CPU datapoints ending now, from `make(k)`. */
const cpu = (id: string, hours: number, make: (k: number) => number, region = 'us-east-1', endHoursAgo = 0): MetricSeries =>
  series(id, 'CPUUtilization', hoursAgo(hours + endHoursAgo), FIVE_MIN, Array.from({ length: hours * perHour }, (_, k) => make(k)), region);

/** A miner: 98-99.4%, flat. */
const flat = (k: number): number => 98.6 + (k % 3) * 0.4;
/** A CPU-heavy batch: always above 85 but swinging between 86 and 99. */
const noisy = (k: number): number => 86 + ((k * 7) % 14);

function account(metrics: MetricSeries[], instances: Instance[] = [], extra: Partial<AuditData> = {}): AuditData {
  const data = emptyAccount(extra);
  data.metrics = metrics;
  data.ec2.instances = instances;
  return data;
}

const withGaps = (s: MetricSeries, missing: number[]): MetricSeries => ({
  ...s,
  timestamps: s.timestamps.filter((_, k) => !missing.includes(k)),
  values: s.values.filter((_, k) => !missing.includes(k)),
});

type Case = DetectorCase;

const launch = runInstances({ time: hoursAgo(6), identity: iamUser('ops'), region: 'eu-west-1', type: 'c5.4xlarge', ids: ['i-0000000000miner2'] });

const cases: Case[] = [
  {
    name: 'attack: a fleet of flat miners in one region is one finding listing each instance',
    data: () => {
      const data = account(
        [cpu('i-0000000000miner1', 5, flat, 'eu-west-1'), cpu('i-0000000000miner2', 5, flat, 'eu-west-1'), cpu('i-0000000000miner3', 5, flat, 'eu-west-1')],
        [
          instance({ id: 'i-0000000000miner1', region: 'eu-west-1', type: 'c5.4xlarge', userData: '#!/bin/bash\n/opt/xmrig -o stratum+tcp://pool.supportxmr.com:3333\n' }),
          instance({ id: 'i-0000000000miner2', region: 'eu-west-1', type: 'c5.4xlarge', launchTime: hoursAgo(6) }),
          instance({ id: 'i-0000000000miner3', region: 'eu-west-1', type: 'c5.4xlarge' }),
        ],
      );
      data.cloudtrail.events = [launch];
      return data;
    },
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      const f = findings[0] as Finding;
      expect(f.severity).toBe('critical');
      expect(f.region).toBe('eu-west-1');
      expect(f.resources.map((r) => r.id)).toEqual(['i-0000000000miner1', 'i-0000000000miner2', 'i-0000000000miner3']);
      const instances = f.evidence.instances as Record<string, unknown>[];
      expect(instances.map((i) => i.severity)).toEqual(['critical', 'critical', 'high']);
      expect(instances[0]).toMatchObject({ maxRunHours: 5, meanCpu: 99, miningStrings: ['xmrig', 'stratum+tcp://', 'supportxmr'] });
      expect(instances[1]).toMatchObject({ launchedInWindow: true, launchedBy: 'arn:aws:iam::111122223333:user/ops' });
      expect(instances[2]?.cv as number).toBeLessThan(0.01);
      expect(f.evidence).toMatchObject({ instanceCount: 3, flatCount: 3, confirmedCount: 1 });
      expect(f.remediations).toEqual(['quarantine-instance', 'stop-instance']);
    },
  },
  {
    name: 'a GuardDuty crypto finding on a flat instance confirms it',
    data: () => account([cpu('i-00000000000000gd', 4, flat)], [], {
      guardduty: { detectors: [], findings: [{ id: 'f1', region: 'us-east-1', type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', severity: 8, resourceIds: ['i-00000000000000gd'] }] },
    }),
    expect: (findings) => {
      expect(findings.map((f) => f.severity)).toEqual(['critical']);
      expect((findings[0]?.evidence.instances as Record<string, unknown>[])[0]?.guardDutyFindings).toEqual(['CryptoCurrency:EC2/BitcoinTool.B!DNS']);
    },
  },
  {
    name: 'benign: above 85% for 2 hours only',
    data: () => account([cpu('i-0000000000000two', 2, flat)]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'benign: a batch that spikes and drops every half hour',
    data: () => account([cpu('i-00000000000batch', 8, (k) => (Math.floor(k / 6) % 2 === 0 ? 97 : 20))]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'a CPU-heavy job above 85% for 4 hours but with high variance is low',
    data: () => account([cpu('i-000000000000noisy', 4, noisy)]),
    expect: (findings) => {
      expect(findings.map((f) => f.severity)).toEqual(['low']);
      expect((findings[0]?.evidence.instances as { cv: number }[])[0]?.cv).toBeGreaterThan(0.03);
    },
  },
  {
    name: 'one or two missing datapoints do not break a run',
    data: () => account([withGaps(cpu('i-0000000000000gap', 4, flat), [10, 20, 21])]),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect((findings[0]?.evidence.instances as { missingDatapoints: number; maxRunHours: number }[])[0]).toMatchObject({ missingDatapoints: 3, maxRunHours: 4 });
    },
  },
  {
    name: 'three missing datapoints in a row end the run',
    data: () => account([withGaps(cpu('i-0000000000000gap', 5, flat), [28, 29, 30])]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'a dip to the threshold ends the run',
    data: () => account([cpu('i-000000000000000dip', 5, (k) => (k === 30 ? 85 : 99))]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'one finding per region',
    data: () => account([cpu('i-0000000000000use', 4, flat, 'us-east-1'), cpu('i-0000000000000euw', 4, flat, 'eu-west-1')]),
    expect: (findings) => expect(findings.map((f) => [f.region, f.resources.length]).sort()).toEqual([['eu-west-1', 1], ['us-east-1', 1]]),
  },
  {
    name: 'a run before the window is not judged',
    data: () => account([cpu('i-000000000000older', 5, flat, 'us-east-1', 30)]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'thresholds are configurable',
    data: () => account([cpu('i-00000000000000cfg', 4, () => 90)]),
    options: { thresholdPercent: 95 },
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'hourly datapoints: three in a row above the threshold make 3 hours',
    data: () => account([series('i-0000000000hourly', 'CPUUtilization', hoursAgo(5), 3600, [40, 99, 99, 99, 40])]),
    expect: (findings) => expect((findings[0]?.evidence.instances as { maxRunHours: number }[])[0]?.maxRunHours).toBe(3),
  },
];

describe('cpu-sustained', () => {
  it.each(cases)('$name', (c) => c.expect(run(detector, c.data(), c.options)));
});
