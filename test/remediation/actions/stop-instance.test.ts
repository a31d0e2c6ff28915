import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/detectors/types.js';
import type { Instance, MetricSeries } from '../../../src/providers/types.js';
import { action } from '../../../src/remediation/actions/stop-instance.js';
import { emptyAccount, hoursAgo, instance as dataInstance, iso, NOW, series } from '../../detectors/fixtures.js';
import { applySteps, finding, harness, HOUR, instance, NOW_MS, REGION, RUN_ID, scenario, undoSteps, volumeOf } from './harness.js';

const opts = (o: Record<string, unknown> = {}) => action.options.parse(o);
const NON_CORE = { 'rigwatch:tier': 'non-core' };
const PERIOD = 300;

/** `hours` of 5-minute CPU datapoints ending at the clock, all `value` except where `at` says. */
function cpu(id: string, hours: number, value: number, at: Record<number, number> = {}, end = NOW): MetricSeries {
  const n = hours * 12;
  return series(id, 'CPUUtilization', end - hours * 3_600_000, PERIOD, Array.from({ length: n }, (_, k) => at[k] ?? value));
}

/** A cpu-sustained finding whose hot run is the last `hours` hours (or the given interval). */
function hot(ids: string[], o: { from?: number; to?: number; detector?: Finding['detector']; remediations?: string[] } = {}): Finding {
  return finding({
    id: 'cpu-sustained:1', detector: o.detector ?? 'cpu-sustained', region: 'us-east-1',
    resources: ids.map((id) => ({ type: 'AWS::EC2::Instance', id, region: 'us-east-1' })),
    evidence: { instances: ids.map((instanceId) => ({ instanceId, firstAbove: iso(o.from ?? hoursAgo(6)), runEnd: iso(o.to ?? NOW) })) },
    remediations: o.remediations ?? ['quarantine-instance', 'stop-instance'],
  });
}

const batch = (o: Partial<Instance> = {}) => dataInstance({ id: 'i-01', tags: NON_CORE, ...o });

describe('stop-instance plan', () => {
  const cases: { name: string; instances: Instance[]; metrics: MetricSeries[]; findings: Finding[]; options?: Record<string, unknown>; expected: string[] }[] = [
    { name: 'a non-core instance above 90% for the whole run, still hot', instances: [batch()], metrics: [cpu('i-01', 6, 97)], findings: [hot(['i-01'])], expected: ['stop-instance:stop:us-east-1:i-01'] },
    { name: 'not tagged non-core (a core workload): never', instances: [batch({ tags: {} })], metrics: [cpu('i-01', 6, 97)], findings: [hot(['i-01'])], expected: [] },
    { name: 'one datapoint at 89% in the run: not "stays above 90"', instances: [batch()], metrics: [cpu('i-01', 6, 97, { 30: 89 })], findings: [hot(['i-01'])], expected: [] },
    { name: 'cooled down since (the run ended before the latest datapoint)', instances: [batch()], metrics: [cpu('i-01', 6, 97, { 70: 20, 71: 20 })], findings: [hot(['i-01'], { to: hoursAgo(1) })], expected: [] },
    { name: 'no CPU collected: cannot tell, not stopped', instances: [batch()], metrics: [], findings: [hot(['i-01'])], expected: [] },
    { name: 'already stopped', instances: [batch({ state: 'stopped' })], metrics: [cpu('i-01', 6, 97)], findings: [hot(['i-01'])], expected: [] },
    { name: 'a higher threshold from config', instances: [batch()], metrics: [cpu('i-01', 6, 97)], findings: [hot(['i-01'])], options: { cpuThresholdPercent: 98 }, expected: [] },
    { name: 'another non-core tag from config', instances: [batch({ tags: { tier: 'batch' } })], metrics: [cpu('i-01', 6, 97)], findings: [hot(['i-01'])], options: { nonCoreTag: { key: 'tier', value: 'batch' } }, expected: ['stop-instance:stop:us-east-1:i-01'] },
    { name: 'only cpu-sustained findings trip the breaker', instances: [batch()], metrics: [cpu('i-01', 6, 97)], findings: [hot(['i-01'], { detector: 'network-spike' })], expected: [] },
    { name: 'a finding that does not ask for it (benign side): nothing', instances: [batch()], metrics: [cpu('i-01', 6, 97)], findings: [hot(['i-01'], { remediations: ['quarantine-instance'] })], expected: [] },
  ];
  it.each(cases)('$name', ({ instances, metrics, findings, options, expected }) => {
    const data = emptyAccount({ ec2: { instances, securityGroups: [] }, metrics });
    expect(action.plan({ findings, data, runId: RUN_ID }, opts(options)).map((s) => s.id)).toEqual(expected);
  });

  it('is off by default in config, and says what it saw in the step', async () => {
    const { remediationConfig: loadRemediationConfig } = await import('./harness.js');
    expect((await loadRemediationConfig()).enabled).not.toContain('stop-instance');
    const data = emptyAccount({ ec2: { instances: [batch()], securityGroups: [] }, metrics: [cpu('i-01', 6, 97, { 5: 93.5 })] });
    const [s] = action.plan({ findings: [hot(['i-01'])], data, runId: RUN_ID }, opts());
    expect(s!.params.cpu).toMatchObject({ thresholdPercent: 90, lowest: 93.5, datapoints: 72 });
    expect(s!.title).toContain('lowest 93.5%');
  });
});

describe('stop-instance against the simulated account', () => {
  it('stops the instance (never terminates) and undo starts it; only declared calls', async () => {
    const id = 'i-0d0000000000000d1';
    const h = harness(scenario({
      ec2: { instances: [instance(id, { Tags: [{ Key: 'rigwatch:tier', Value: 'non-core' }] })], volumes: [volumeOf(id)] },
      cloudwatch: {
        series: [{ Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: id }], Region: REGION, Start: new Date(NOW_MS - 6 * HOUR).toISOString(), Period: PERIOD, Values: Array.from({ length: 72 }, () => 97) }],
      },
    }));
    const data = await h.collect();
    const steps = action.plan({ findings: [hot([id], { from: NOW_MS - 6 * HOUR, to: NOW_MS })], data, runId: RUN_ID }, opts());
    expect(steps.map((s) => s.id)).toEqual([`stop-instance:stop:${REGION}:${id}`]);
    const state = async () => (await h.clients.ec2(REGION).send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!.State?.Name;

    const applied = await applySteps(h, action, steps);
    expect(applied[0]!.outcome.status).toBe('done');
    expect(await state()).toBe('stopped');
    expect((await applySteps(h, action, steps))[0]!.outcome).toMatchObject({ status: 'done', reason: expect.stringContaining('already stopped') });

    expect(await undoSteps(h, action, applied)).toEqual([{ status: 'done', reason: `started ${id}` }]);
    expect(await state()).toBe('running');
    expect([...h.actionCalls].sort()).toEqual(['ec2:DescribeInstances', 'ec2:StartInstances', 'ec2:StopInstances']);
    expect([...h.actionCalls].filter((c) => !action.permissions.includes(c))).toEqual([]);
  });
});
