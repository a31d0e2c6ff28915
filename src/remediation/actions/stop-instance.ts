// stop-instance: the brief's CPU circuit breaker. "Above 90%, automatically pause non-core work":
// an instance a cpu-sustained finding names is stopped (never terminated) when every CPU
// datapoint of the finding's hot run is above the threshold, the run reaches the latest datapoint
// (it is still hot), and the instance is tagged as non-core. Off by default: stopping is the one
// action here that takes a workload down, so it is opted into.

import { z } from 'zod';
import { field, list, str } from '../../detectors/lib/json.js';
import type { Finding } from '../../detectors/types.js';
import type { AuditData, Instance } from '../../providers/types.js';
import type { PlannedStep, RemediationAction } from '../types.js';
import { findingsAsking, instanceStateUndo, parseStepData, readInstanceState, restartInstance, step, stopInstance, Targets } from './common.js';

const ID = 'stop-instance';

const options = z.strictObject({
  cpuThresholdPercent: z.number().min(0).max(100).default(90)
    .describe('Stop only when every CPUUtilization datapoint of the finding\'s hot run is above this (the brief: 90).'),
  nonCoreTag: z.strictObject({ key: z.string().min(1), value: z.string() }).default({ key: 'rigwatch:tier', value: 'non-core' })
    .describe('Only instances with this tag are stopped: the brief pauses non-core work only.'),
});
export type Options = z.infer<typeof options>;

const CALLS = ['ec2:DescribeInstances', 'ec2:StopInstances'];
const params = z.object({ instanceId: z.string() });

interface HotRun {
  from: number;
  to: number;
  min: number;
  datapoints: number;
}

/** The hot run a cpu-sustained finding reports for an instance: [firstAbove, runEnd). */
function reportedRun(finding: Finding, instanceId: string): { from: number; to: number } | undefined {
  const entry = list(field(finding.evidence, 'instances')).find((i) => str(field(i, 'instanceId')) === instanceId);
  const from = Date.parse(str(field(entry, 'firstAbove')) ?? '');
  const to = Date.parse(str(field(entry, 'runEnd')) ?? '');
  return Number.isFinite(from) && Number.isFinite(to) && from < to ? { from, to } : undefined;
}

/** The run, re-checked against the collected CPU: every datapoint in it above `threshold` and the latest one in it. */
function stillHot(data: AuditData, instance: Instance, run: { from: number; to: number }, threshold: number): HotRun | undefined {
  const series = data.metrics.find((m) => m.metric === 'CPUUtilization' && m.instanceId === instance.id && m.region === instance.region);
  if (!series || series.timestamps.length === 0) return undefined;
  const inRun = series.timestamps.flatMap((t, k) => (t >= run.from && t < run.to ? [series.values[k] as number] : []));
  const latest = series.timestamps[series.timestamps.length - 1] as number;
  if (inRun.length === 0 || latest < run.from || latest >= run.to) return undefined;
  const min = Math.min(...inRun);
  return min > threshold ? { ...run, min, datapoints: inRun.length } : undefined;
}

function plan(input: Parameters<RemediationAction<Options>['plan']>[0], opts: Options): PlannedStep[] {
  const known = new Map(input.data.ec2.instances.map((i) => [`${i.region}/${i.id}`, i]));
  const targets = new Targets<{ instance: Instance; hot: HotRun }>();
  for (const finding of findingsAsking(input.findings, ID)) {
    if (finding.detector !== 'cpu-sustained') continue;
    for (const resource of finding.resources) {
      if (resource.type !== 'AWS::EC2::Instance') continue;
      const instance = known.get(`${resource.region ?? finding.region}/${resource.id}`);
      if (!instance || instance.state !== 'running' || instance.tags[opts.nonCoreTag.key] !== opts.nonCoreTag.value) continue;
      const run = reportedRun(finding, instance.id);
      const hot = run && stillHot(input.data, instance, run, opts.cpuThresholdPercent);
      if (hot) targets.add(`${instance.region}/${instance.id}`, { instance, hot }, finding.id);
    }
  }
  return targets.sorted().map(({ value: { instance, hot }, findings }) => step({
    action: ID, part: 'stop',
    title: `stop non-core ${instance.id} (CPU above ${opts.cpuThresholdPercent}% since ${new Date(hot.from).toISOString()}, lowest ${hot.min.toFixed(1)}%)`,
    resource: { type: 'AWS::EC2::Instance', id: instance.id, region: instance.region },
    findings, calls: [...CALLS],
    params: { instanceId: instance.id, cpu: { thresholdPercent: opts.cpuThresholdPercent, from: hot.from, to: hot.to, lowest: hot.min, datapoints: hot.datapoints } },
    dependsOn: [],
  }));
}

export const action: RemediationAction<Options> = {
  id: ID,
  title: 'Stop a non-core instance (CPU circuit breaker)',
  description:
    'The brief\'s circuit breaker: stops (StopInstances, never terminates) a running instance that a cpu-sustained finding names when ' +
    'its CPUUtilization stayed above cpuThresholdPercent (default 90) for every datapoint of the finding\'s hot run, the run reaches ' +
    'the latest datapoint, and the instance carries the non-core tag (default rigwatch:tier=non-core). Off by default. Needs ' +
    'ec2:DescribeInstances and ec2:StopInstances; undo starts the instance again (ec2:StartInstances) if it was running.',
  permissions: [...CALLS, 'ec2:StartInstances'].sort(),
  options,
  plan,
  async prepare(s, ctx) {
    return readInstanceState(ctx, s.resource.region, parseStepData(params, s.params, 'params', s).instanceId);
  },
  async apply(s, undo, ctx) {
    const { instanceId } = parseStepData(params, s.params, 'params', s);
    return stopInstance(ctx, s.resource.region, instanceId, parseStepData(instanceStateUndo, undo, 'undo data', s));
  },
  async undo(s, undo, ctx) {
    const { instanceId } = parseStepData(params, s.params, 'params', s);
    return restartInstance(ctx, s.resource.region, instanceId, parseStepData(instanceStateUndo, undo, 'undo data', s));
  },
  irreversible: 'An instance started again gets a new public IPv4 address (unless it has an Elastic IP) and has lost its instance-store data.',
};
