// quarantine-instance: contain a mining instance the way AWS's incident-response playbooks do,
// keeping the evidence and never terminating. One step per playbook stage, each depending on the
// previous, so an interrupted run resumes between stages:
//   record -> snapshot -> protect -> shutdown-behavior -> tag -> detach -> isolate [-> stop]
// plus one isolation-group step per VPC that every isolate step in that VPC depends on.
//
// Connection tracking: a security-group change does not cut connections the group already tracks,
// so a miner's open connection to its pool would survive a plain swap to an empty group. A flow
// allowed by an all-traffic rule in both directions (0.0.0.0/0 and ::/0, all protocols) is not
// tracked, so the isolate step swaps to `rigwatch-isolation-open` (all traffic in and out) first
// and then to `rigwatch-isolation` (no rules): the untracked flows stop at the second swap, as in
// AWS's isolation runbook.

import {
  AttachInstancesCommand,
  DescribeAutoScalingInstancesCommand,
  DetachInstancesCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  ModifyInstanceAttributeCommand,
  paginateDescribeSecurityGroupRules,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type EC2Client,
  type IpPermission,
  type SecurityGroupRule as Ec2Rule,
  type Tag,
} from '@aws-sdk/client-ec2';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  paginateDescribeTargetGroups,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { z } from 'zod';
import type { AwsClients } from '../../providers/aws/clients.js';
import type { Instance } from '../../providers/types.js';
import type { ActionContext, PlannedStep, RemediationAction, StepOutcome, UndoData } from '../types.js';
import {
  describeInstance,
  done,
  failed,
  findingsAsking,
  instanceStateUndo,
  parseStepData,
  plural,
  readInstanceState,
  restartInstance,
  skipped,
  step,
  stopInstance,
  TAG_FINDING,
  TAG_ISOLATION,
  TAG_QUARANTINED,
  TAG_STEP,
  tagRecord,
  Targets,
  unless,
} from './common.js';

const ID = 'quarantine-instance';

export const ISOLATION_OPEN_GROUP = 'rigwatch-isolation-open';
export const ISOLATION_GROUP = 'rigwatch-isolation';

const options = z.strictObject({
  stop: z.boolean().default(false)
    .describe('Also stop each instance after isolating it (the CLI\'s --stop); undo starts it again. Never terminates.'),
});
export type Options = z.infer<typeof options>;

/** Instances in these states can be quarantined; pending, stopping and terminated ones are left for the next run. */
const QUARANTINABLE_STATES = new Set(['running', 'stopped']);

// ---- the stages -------------------------------------------------------------------------------

type Part = 'record' | 'snapshot' | 'protect' | 'shutdown-behavior' | 'tag' | 'detach' | 'isolation-group' | 'isolate' | 'stop';

/** What each stage's prepare and apply call (reads included: they are part of applying the step). */
const CALLS: Record<Part, string[]> = {
  record: ['ec2:DescribeInstanceAttribute'],
  snapshot: ['ec2:DescribeSnapshots', 'ec2:CreateSnapshots', 'ec2:CreateTags'],
  protect: ['ec2:DescribeInstanceAttribute', 'ec2:ModifyInstanceAttribute'],
  'shutdown-behavior': ['ec2:DescribeInstanceAttribute', 'ec2:ModifyInstanceAttribute'],
  tag: ['ec2:DescribeInstances', 'ec2:CreateTags'],
  detach: [
    'autoscaling:DescribeAutoScalingInstances', 'autoscaling:DetachInstances',
    'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth', 'elasticloadbalancing:DeregisterTargets',
  ],
  'isolation-group': [
    'ec2:DescribeSecurityGroups', 'ec2:CreateSecurityGroup', 'ec2:CreateTags', 'ec2:DescribeSecurityGroupRules',
    'ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress',
  ],
  isolate: ['ec2:DescribeInstances', 'ec2:DescribeSecurityGroups', 'ec2:ModifyInstanceAttribute'],
  stop: ['ec2:DescribeInstances', 'ec2:StopInstances'],
};

/** What undo calls beyond the stages' own calls. */
const UNDO_CALLS = ['ec2:DeleteTags', 'autoscaling:AttachInstances', 'elasticloadbalancing:RegisterTargets', 'ec2:StartInstances'];

const instanceParams = z.object({ part: z.string(), instanceId: z.string() });
const snapshotParams = instanceParams.extend({ volumeIds: z.array(z.string()) });
const groupParams = z.object({ part: z.literal('isolation-group'), vpcId: z.string() });
const isolateParams = instanceParams.extend({ vpcId: z.string(), groupsAtAudit: z.array(z.string()) });

// ---- plan -------------------------------------------------------------------------------------

function plan(input: Parameters<RemediationAction<Options>['plan']>[0], opts: Options): PlannedStep[] {
  const known = new Map(input.data.ec2.instances.map((i) => [`${i.region}/${i.id}`, i]));
  const targets = new Targets<Instance>();
  for (const finding of findingsAsking(input.findings, ID)) {
    for (const resource of finding.resources) {
      if (resource.type !== 'AWS::EC2::Instance') continue;
      const instance = known.get(`${resource.region ?? finding.region}/${resource.id}`);
      if (instance && QUARANTINABLE_STATES.has(instance.state)) targets.add(`${instance.region}/${instance.id}`, instance, finding.id);
    }
  }

  const vpcs = new Targets<{ region: string; vpcId: string }>();
  const perInstance: PlannedStep[] = [];
  for (const { value: instance, findings } of targets.sorted()) {
    const resource = { type: 'AWS::EC2::Instance', id: instance.id, region: instance.region };
    const id = instance.id;
    let previous: string | undefined;
    const add = (part: Part, title: string, params: Record<string, unknown> = {}, alsoAfter: string[] = []): void => {
      const s = step({
        action: ID, part, title, resource, findings: [...findings], calls: [...CALLS[part]],
        params: { part, instanceId: id, ...params },
        dependsOn: [...(previous ? [previous] : []), ...alsoAfter],
      });
      perInstance.push(s);
      previous = s.id;
    };
    const groups = instance.securityGroups.map((g) => g.id);
    add('record', `record the security groups of ${id} (${groups.join(', ') || 'none'})`);
    add('snapshot', `snapshot the EBS volumes of ${id} (${plural(instance.volumeIds.length, 'volume')}), kept as evidence`, { volumeIds: [...instance.volumeIds].sort() });
    add('protect', `turn on termination protection for ${id}`);
    add('shutdown-behavior', `make a shutdown from inside ${id} stop it, not terminate it`);
    add('tag', `tag ${id} ${TAG_QUARANTINED}=${input.runId}`);
    add('detach', `detach ${id} from its Auto Scaling group and load balancer target groups, if any`);
    if (instance.vpcId) {
      const groupStep = `${ID}:isolation-group:${instance.region}:${instance.vpcId}`;
      for (const f of findings) vpcs.add(`${instance.region}/${instance.vpcId}`, { region: instance.region, vpcId: instance.vpcId }, f);
      add('isolate', `isolate ${id}: swap its security groups to ${ISOLATION_OPEN_GROUP}, then ${ISOLATION_GROUP} (cuts tracked connections)`,
        { vpcId: instance.vpcId, groupsAtAudit: groups }, [groupStep]);
    }
    if (opts.stop) add('stop', `stop ${id} (never terminated; undo starts it)`);
  }

  const groupSteps = vpcs.sorted().map(({ value: { region, vpcId }, findings }) => step({
    action: ID, part: 'isolation-group',
    title: `find or create the isolation security groups ${ISOLATION_OPEN_GROUP} and ${ISOLATION_GROUP} in ${vpcId}`,
    resource: { type: 'AWS::EC2::VPC', id: vpcId, region },
    findings, calls: [...CALLS['isolation-group']],
    // Exists only for the isolate steps that depend on it: the planner drops it when they are refused.
    params: { part: 'isolation-group', vpcId, onlyForDependents: true },
    dependsOn: [],
  }));
  return [...groupSteps, ...perInstance];
}

// ---- record, protect, shutdown behaviour, tag ------------------------------------------------

async function attribute(ec2: EC2Client, instanceId: string, name: 'groupSet' | 'disableApiTermination' | 'instanceInitiatedShutdownBehavior') {
  return unless(['InvalidInstanceID.NotFound'], () => ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: name })));
}

const recordUndo = z.object({ found: z.boolean(), groups: z.array(z.object({ id: z.string(), name: z.string().optional() })) });

const record: Stage = {
  async prepare(s, ctx, { instanceId }) {
    const out = await attribute(ctx.clients.ec2(s.resource.region), instanceId, 'groupSet');
    const groups = (out?.Groups ?? []).map((g) => ({ id: g.GroupId ?? '', ...(g.GroupName !== undefined && { name: g.GroupName }) }));
    return { found: out !== undefined, groups };
  },
  async apply(s, undo, _ctx, { instanceId }) {
    const u = parseStepData(recordUndo, undo, 'undo data', s);
    if (!u.found) return skipped(`${instanceId} no longer exists`);
    return done(`recorded ${plural(u.groups.length, 'security group')}: ${u.groups.map((g) => g.id).join(', ') || 'none'}`);
  },
  async undo() {
    return done('nothing was changed');
  },
};

const flagUndo = z.object({ found: z.boolean(), previous: z.boolean().optional() });

const protect: Stage = {
  async prepare(s, ctx, { instanceId }) {
    const out = await attribute(ctx.clients.ec2(s.resource.region), instanceId, 'disableApiTermination');
    return out ? { found: true, previous: out.DisableApiTermination?.Value ?? false } : { found: false };
  },
  async apply(s, undo, ctx, { instanceId }) {
    const u = parseStepData(flagUndo, undo, 'undo data', s);
    if (!u.found) return skipped(`${instanceId} no longer exists`);
    if (u.previous) return done('termination protection was already on');
    await ctx.clients.ec2(s.resource.region).send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, DisableApiTermination: { Value: true } }));
    return done('termination protection on');
  },
  async undo(s, undo, ctx, { instanceId }) {
    const u = parseStepData(flagUndo, undo, 'undo data', s);
    if (!u.found) return skipped(`${instanceId} did not exist`);
    if (u.previous) return skipped('termination protection was on before the quarantine: left on');
    const ec2 = ctx.clients.ec2(s.resource.region);
    const now = await attribute(ec2, instanceId, 'disableApiTermination');
    if (!now) return failed(`${instanceId} no longer exists`);
    if (now.DisableApiTermination?.Value !== true) return done('termination protection is already off');
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, DisableApiTermination: { Value: false } }));
    return done('termination protection off again');
  },
};

const behaviourUndo = z.object({ found: z.boolean(), previous: z.string().optional() });

const shutdownBehaviour: Stage = {
  async prepare(s, ctx, { instanceId }) {
    const out = await attribute(ctx.clients.ec2(s.resource.region), instanceId, 'instanceInitiatedShutdownBehavior');
    return out ? { found: true, previous: out.InstanceInitiatedShutdownBehavior?.Value ?? 'stop' } : { found: false };
  },
  async apply(s, undo, ctx, { instanceId }) {
    const u = parseStepData(behaviourUndo, undo, 'undo data', s);
    if (!u.found) return skipped(`${instanceId} no longer exists`);
    if (u.previous === 'stop') return done('shutdown behaviour was already stop');
    await ctx.clients.ec2(s.resource.region).send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, InstanceInitiatedShutdownBehavior: { Value: 'stop' } }));
    return done(`shutdown behaviour stop (was ${u.previous})`);
  },
  async undo(s, undo, ctx, { instanceId }) {
    const u = parseStepData(behaviourUndo, undo, 'undo data', s);
    if (!u.found || u.previous === undefined || u.previous === 'stop') return skipped('shutdown behaviour was stop before the quarantine: left as it is');
    const ec2 = ctx.clients.ec2(s.resource.region);
    const now = await attribute(ec2, instanceId, 'instanceInitiatedShutdownBehavior');
    if (!now) return failed(`${instanceId} no longer exists`);
    if (now.InstanceInitiatedShutdownBehavior?.Value !== 'stop') return skipped('shutdown behaviour changed since the quarantine: left as it is');
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, InstanceInitiatedShutdownBehavior: { Value: u.previous } }));
    return done(`shutdown behaviour ${u.previous} again`);
  },
};

/** `tags` are the values this run sets: undo runs under the rollback's own run id, so it must not recompute them. */
const tagUndo = z.object({ found: z.boolean(), tags: z.record(z.string(), z.string()), previous: z.record(z.string(), z.string().nullable()) });

function quarantineTags(s: PlannedStep, ctx: ActionContext): Record<string, string> {
  return { [TAG_QUARANTINED]: ctx.runId, [TAG_FINDING]: s.findings[0] ?? 'unknown' };
}

const tag: Stage = {
  async prepare(s, ctx, { instanceId }) {
    const wanted = quarantineTags(s, ctx);
    const instance = await describeInstance(ctx.clients, s.resource.region, instanceId);
    if (!instance) return { found: false, tags: wanted, previous: {} };
    const tags = tagRecord(instance.Tags);
    // Our own tag from an interrupted earlier attempt of this run is not a previous value to restore.
    const ours = tags[TAG_QUARANTINED] === ctx.runId;
    const previous = Object.fromEntries(Object.keys(wanted).map((k) => [k, ours ? null : tags[k] ?? null]));
    return { found: true, tags: wanted, previous };
  },
  async apply(s, undo, ctx, { instanceId }) {
    const u = parseStepData(tagUndo, undo, 'undo data', s);
    if (!u.found) return skipped(`${instanceId} no longer exists`);
    await ctx.clients.ec2(s.resource.region).send(new CreateTagsCommand({ Resources: [instanceId], Tags: toTags(u.tags) }));
    return done(`tagged ${Object.entries(u.tags).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  },
  async undo(s, undo, ctx, { instanceId }) {
    const u = parseStepData(tagUndo, undo, 'undo data', s);
    if (!u.found) return skipped(`${instanceId} did not exist`);
    const instance = await describeInstance(ctx.clients, s.resource.region, instanceId);
    if (!instance) return failed(`${instanceId} no longer exists`);
    const current = tagRecord(instance.Tags);
    const ec2 = ctx.clients.ec2(s.resource.region);
    const restored: string[] = [];
    for (const [key, value] of Object.entries(u.tags)) {
      if (current[key] !== value) continue; // changed since: not ours to undo
      const previous = u.previous[key];
      // DeleteTags with the value deletes the tag only if it still has our value.
      if (previous === null || previous === undefined) await ec2.send(new DeleteTagsCommand({ Resources: [instanceId], Tags: [{ Key: key, Value: value }] }));
      else await ec2.send(new CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: key, Value: previous }] }));
      restored.push(key);
    }
    return restored.length > 0 ? done(`restored ${restored.join(', ')}`) : skipped('the quarantine tags were changed or removed since: left as they are');
  },
};

function toTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

// ---- snapshot ---------------------------------------------------------------------------------

async function snapshotsOfStep(ec2: EC2Client, s: PlannedStep, runId: string): Promise<string[]> {
  const out = await ec2.send(new DescribeSnapshotsCommand({
    OwnerIds: ['self'],
    Filters: [{ Name: `tag:${TAG_STEP}`, Values: [s.id] }, { Name: `tag:${TAG_QUARANTINED}`, Values: [runId] }],
  }));
  return (out.Snapshots ?? []).map((x) => x.SnapshotId ?? '').filter(Boolean).sort();
}

/** `runId`: the run whose snapshots these are (undo runs under the rollback's run id). */
const snapshotUndo = z.object({ runId: z.string(), existing: z.array(z.string()) });

const snapshot: Stage = {
  async prepare(s, ctx) {
    return { runId: ctx.runId, existing: await snapshotsOfStep(ctx.clients.ec2(s.resource.region), s, ctx.runId) };
  },
  async apply(s, undo, ctx) {
    const { instanceId, volumeIds } = parseStepData(snapshotParams, s.params, 'params', s);
    const u = parseStepData(snapshotUndo, undo, 'undo data', s);
    if (u.existing.length > 0) return done(`already snapshotted by this run: ${u.existing.join(', ')}`);
    if (volumeIds.length === 0) return done(`${instanceId} has no EBS volumes: nothing to snapshot`);
    const out = await unless(['InvalidInstanceID.NotFound'], () => ctx.clients.ec2(s.resource.region).send(new CreateSnapshotsCommand({
      InstanceSpecification: { InstanceId: instanceId, ExcludeBootVolume: false },
      Description: `rigwatch evidence: ${instanceId} before quarantine (run ${u.runId}, finding ${s.findings[0] ?? 'unknown'})`,
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: toTags({ ...quarantineTags(s, ctx), [TAG_STEP]: s.id, Name: `rigwatch evidence ${instanceId}` }) }],
    })));
    if (!out) return skipped(`${instanceId} no longer exists`);
    const ids = (out.Snapshots ?? []).map((x) => x.SnapshotId).filter(Boolean);
    return done(`created ${ids.join(', ')} (kept as evidence)`);
  },
  async undo(s, undo, ctx) {
    const { runId } = parseStepData(snapshotUndo, undo, 'undo data', s);
    const ids = await snapshotsOfStep(ctx.clients.ec2(s.resource.region), s, runId);
    return skipped(`snapshots are kept as evidence${ids.length > 0 ? `: ${ids.join(', ')}` : ''}`);
  },
};

// ---- detach from Auto Scaling and load balancers ----------------------------------------------

interface Registration {
  targetGroupArn: string;
  port?: number;
  availabilityZone?: string;
}

/**
 * Which target groups each instance is registered with, per region, read once per run: a region
 * with 100 miners costs one DescribeTargetGroups walk and one DescribeTargetHealth per target
 * group, not one walk per instance. Keyed by the clients so that no state outlives them.
 */
const registrationCache = new WeakMap<AwsClients, Map<string, Promise<Map<string, Registration[]>>>>();

function registrationsIn(ctx: ActionContext, region: string): Promise<Map<string, Registration[]>> {
  let perClients = registrationCache.get(ctx.clients);
  if (!perClients) {
    perClients = new Map();
    registrationCache.set(ctx.clients, perClients);
  }
  const key = `${ctx.runId}|${region}`;
  let pending = perClients.get(key);
  if (!pending) {
    pending = readRegistrations(ctx.clients, region);
    perClients.set(key, pending);
    const cache = perClients;
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

async function readRegistrations(clients: AwsClients, region: string): Promise<Map<string, Registration[]>> {
  const elb = clients.elbv2(region);
  const byInstance = new Map<string, Registration[]>();
  for await (const page of paginateDescribeTargetGroups({ client: elb }, {})) {
    for (const group of page.TargetGroups ?? []) {
      const arn = group.TargetGroupArn;
      if (!arn || (group.TargetType !== undefined && group.TargetType !== 'instance')) continue;
      const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
      for (const d of health.TargetHealthDescriptions ?? []) {
        const id = d.Target?.Id;
        // A draining target is already being deregistered by someone: not ours to restore.
        if (!id?.startsWith('i-') || d.TargetHealth?.State === 'draining') continue;
        const registration: Registration = { targetGroupArn: arn };
        if (d.Target?.Port !== undefined) registration.port = d.Target.Port;
        if (d.Target?.AvailabilityZone !== undefined) registration.availabilityZone = d.Target.AvailabilityZone;
        byInstance.set(id, [...(byInstance.get(id) ?? []), registration]);
      }
    }
  }
  return byInstance;
}

const registrationSchema = z.object({ targetGroupArn: z.string(), port: z.number().optional(), availabilityZone: z.string().optional() });
const detachUndo = z.object({
  autoScalingGroup: z.string().optional(),
  lifecycleState: z.string().optional(),
  targets: z.array(registrationSchema),
});

async function autoScalingGroupOf(ctx: ActionContext, region: string, instanceId: string) {
  const out = await ctx.clients.autoScaling(region).send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
  return out.AutoScalingInstances?.find((i) => i.InstanceId === instanceId);
}

/** Auto Scaling detaches only InService and Standby instances; Detaching/Detached ones are on their way out already. */
function isDetachable(lifecycleState: string | undefined): boolean {
  return lifecycleState === 'InService' || lifecycleState === 'Standby';
}

function targetOf(instanceId: string, r: z.infer<typeof registrationSchema>) {
  return { Id: instanceId, ...(r.port !== undefined && { Port: r.port }), ...(r.availabilityZone !== undefined && { AvailabilityZone: r.availabilityZone }) };
}

const detach: Stage = {
  async prepare(s, ctx, { instanceId }) {
    const region = s.resource.region;
    const member = await autoScalingGroupOf(ctx, region, instanceId);
    const targets = (await registrationsIn(ctx, region)).get(instanceId) ?? [];
    return {
      ...(member?.AutoScalingGroupName !== undefined && { autoScalingGroup: member.AutoScalingGroupName, lifecycleState: member.LifecycleState ?? 'unknown' }),
      targets,
    };
  },
  async apply(s, undo, ctx, { instanceId }) {
    const u = parseStepData(detachUndo, undo, 'undo data', s);
    const region = s.resource.region;
    const did: string[] = [];
    if (u.autoScalingGroup && isDetachable(u.lifecycleState)) {
      // Decrementing the desired capacity keeps the group from launching a replacement miner.
      await ctx.clients.autoScaling(region).send(new DetachInstancesCommand({
        AutoScalingGroupName: u.autoScalingGroup, InstanceIds: [instanceId], ShouldDecrementDesiredCapacity: true,
      }));
      did.push(`detached from Auto Scaling group ${u.autoScalingGroup} (desired capacity decremented)`);
    } else if (u.autoScalingGroup && !u.lifecycleState?.startsWith('Detach')) {
      return failed(`${instanceId} is ${u.lifecycleState} in Auto Scaling group ${u.autoScalingGroup}: only InService or Standby instances can be detached`);
    }
    const elb = ctx.clients.elbv2(region);
    for (const r of u.targets) {
      await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: r.targetGroupArn, Targets: [targetOf(instanceId, r)] }));
    }
    if (u.targets.length > 0) did.push(`deregistered from ${plural(u.targets.length, 'target group')}`);
    return done(did.length > 0 ? did.join('; ') : `${instanceId} is in no Auto Scaling group and no target group`);
  },
  async undo(s, undo, ctx, { instanceId }) {
    const u = parseStepData(detachUndo, undo, 'undo data', s);
    const region = s.resource.region;
    const did: string[] = [];
    let notAttached: string | undefined;
    if (u.autoScalingGroup && isDetachable(u.lifecycleState)) {
      const member = await autoScalingGroupOf(ctx, region, instanceId);
      const state = member ? undefined : (await describeInstance(ctx.clients, region, instanceId))?.State?.Name;
      if (!member && state !== 'running') {
        // AttachInstances takes only running instances: a stopped one cannot go back by this undo.
        notAttached = `not attached to Auto Scaling group ${u.autoScalingGroup} again: it is ${state ?? 'gone'}, and AttachInstances needs a running instance (start it, then attach it by hand)`;
      } else if (!member) {
        // Attaching raises the desired capacity by one again (and fails if that exceeds the group's maximum).
        await ctx.clients.autoScaling(region).send(new AttachInstancesCommand({ AutoScalingGroupName: u.autoScalingGroup, InstanceIds: [instanceId] }));
        did.push(`attached to Auto Scaling group ${u.autoScalingGroup} again`);
      }
    }
    const elb = ctx.clients.elbv2(region);
    for (const r of u.targets) {
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: r.targetGroupArn, Targets: [targetOf(instanceId, r)] }));
    }
    if (u.targets.length > 0) did.push(`registered with ${plural(u.targets.length, 'target group')} again`);
    if (notAttached) did.push(notAttached);
    return did.length > 0 ? done(did.join('; ')) : skipped('nothing was detached');
  },
};

// ---- isolation groups -------------------------------------------------------------------------

interface IsolationGroups {
  open?: string;
  closed?: string;
}

async function findIsolationGroups(ec2: EC2Client, vpcId: string): Promise<IsolationGroups> {
  const out = await ec2.send(new DescribeSecurityGroupsCommand({
    Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: [ISOLATION_OPEN_GROUP, ISOLATION_GROUP] }],
  }));
  const found: IsolationGroups = {};
  for (const g of out.SecurityGroups ?? []) {
    if (g.GroupName === ISOLATION_OPEN_GROUP && g.GroupId) found.open = g.GroupId;
    if (g.GroupName === ISOLATION_GROUP && g.GroupId) found.closed = g.GroupId;
  }
  return found;
}

async function rulesOf(ec2: EC2Client, groupId: string): Promise<Ec2Rule[]> {
  const rules: Ec2Rule[] = [];
  for await (const page of paginateDescribeSecurityGroupRules({ client: ec2 }, { Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: 1000 })) {
    rules.push(...(page.SecurityGroupRules ?? []));
  }
  return rules;
}

const GROUP_DESCRIPTIONS = {
  open: 'rigwatch isolation, stage 1: all traffic in and out, so that the flows of an instance become untracked',
  closed: 'rigwatch isolation, stage 2: no rules, so no traffic in or out',
};

async function createGroup(ec2: EC2Client, vpcId: string, kind: 'open' | 'closed'): Promise<string> {
  const name = kind === 'open' ? ISOLATION_OPEN_GROUP : ISOLATION_GROUP;
  const out = await unless(['InvalidGroup.Duplicate'], () => ec2.send(new CreateSecurityGroupCommand({
    GroupName: name, Description: GROUP_DESCRIPTIONS[kind], VpcId: vpcId,
    TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'Name', Value: name }, { Key: TAG_ISOLATION, Value: kind }] }],
  })));
  const id = out?.GroupId ?? (await findIsolationGroups(ec2, vpcId))[kind];
  if (!id) throw new Error(`could not create or find ${name} in ${vpcId}`);
  return id;
}

const ALL_TRAFFIC: { ipv4: string; ipv6: string } = { ipv4: '0.0.0.0/0', ipv6: '::/0' };

/** Adds whichever all-traffic rules (IPv4 and IPv6, in and out) the open group lacks. */
async function openUp(ec2: EC2Client, groupId: string): Promise<void> {
  const rules = await rulesOf(ec2, groupId);
  const has = (egress: boolean, cidr: string) => rules.some((r) => r.IsEgress === egress && r.IpProtocol === '-1' && (r.CidrIpv4 === cidr || r.CidrIpv6 === cidr));
  for (const egress of [false, true]) {
    const permission: IpPermission = { IpProtocol: '-1' };
    if (!has(egress, ALL_TRAFFIC.ipv4)) permission.IpRanges = [{ CidrIp: ALL_TRAFFIC.ipv4, Description: 'rigwatch isolation stage 1' }];
    if (!has(egress, ALL_TRAFFIC.ipv6)) permission.Ipv6Ranges = [{ CidrIpv6: ALL_TRAFFIC.ipv6, Description: 'rigwatch isolation stage 1' }];
    if (!permission.IpRanges && !permission.Ipv6Ranges) continue;
    const input = { GroupId: groupId, IpPermissions: [permission] };
    await unless(['InvalidPermission.Duplicate'], async () => {
      if (egress) await ec2.send(new AuthorizeSecurityGroupEgressCommand(input));
      else await ec2.send(new AuthorizeSecurityGroupIngressCommand(input));
    });
  }
}

/** Revokes every rule of the closed group (AWS gives a new group an allow-all egress rule), by rule id, and checks. */
async function closeDown(ec2: EC2Client, groupId: string): Promise<void> {
  const rules = await rulesOf(ec2, groupId);
  const ids = (egress: boolean) => rules.filter((r) => r.IsEgress === egress).map((r) => r.SecurityGroupRuleId).filter((id): id is string => !!id);
  const ingress = ids(false);
  const egress = ids(true);
  if (ingress.length > 0) await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: ingress }));
  if (egress.length > 0) await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, SecurityGroupRuleIds: egress }));
  if (ingress.length + egress.length === 0) return;
  const left = await rulesOf(ec2, groupId);
  if (left.length > 0) throw new Error(`${ISOLATION_GROUP} (${groupId}) still has ${plural(left.length, 'rule')} after revoking them all`);
}

const groupsUndo = z.object({ existing: z.object({ open: z.string().optional(), closed: z.string().optional() }) });

const isolationGroup: Stage = {
  async prepare(s, ctx) {
    const { vpcId } = parseStepData(groupParams, s.params, 'params', s);
    return { existing: await findIsolationGroups(ctx.clients.ec2(s.resource.region), vpcId) };
  },
  async apply(s, undo, ctx) {
    const { vpcId } = parseStepData(groupParams, s.params, 'params', s);
    const { existing } = parseStepData(groupsUndo, undo, 'undo data', s);
    const ec2 = ctx.clients.ec2(s.resource.region);
    // Converges whatever exists (a group interrupted half-made, rules someone added) to the two shapes.
    const open = existing.open ?? (await createGroup(ec2, vpcId, 'open'));
    await openUp(ec2, open);
    const closed = existing.closed ?? (await createGroup(ec2, vpcId, 'closed'));
    await closeDown(ec2, closed);
    const verb = (id: string | undefined) => (id ? 'reused' : 'created');
    return done(`${verb(existing.open)} ${ISOLATION_OPEN_GROUP} ${open}, ${verb(existing.closed)} ${ISOLATION_GROUP} ${closed} in ${vpcId}`);
  },
  async undo() {
    return skipped(`the isolation groups ${ISOLATION_OPEN_GROUP} and ${ISOLATION_GROUP} are left in place: no instance uses them after undo, and the next quarantine reuses them`);
  },
};

// ---- isolate ----------------------------------------------------------------------------------

const isolateUndo = z.object({
  found: z.boolean(),
  previousGroups: z.array(z.string()),
  currentGroups: z.array(z.string()),
  interfaces: z.number(),
  open: z.string().optional(),
  closed: z.string().optional(),
});

const isolate: Stage = {
  async prepare(s, ctx) {
    const { instanceId, vpcId, groupsAtAudit } = parseStepData(isolateParams, s.params, 'params', s);
    const instance = await describeInstance(ctx.clients, s.resource.region, instanceId);
    if (!instance) return { found: false, previousGroups: [], currentGroups: [], interfaces: 0 };
    const groups = await findIsolationGroups(ctx.clients.ec2(s.resource.region), vpcId);
    const current = (instance.SecurityGroups ?? []).map((g) => g.GroupId ?? '').filter(Boolean);
    const isolation = new Set([groups.open, groups.closed].filter(Boolean));
    // Already in the isolation groups: an earlier attempt of this step got that far, so the groups
    // to restore are the ones the audit saw.
    const ours = current.length > 0 && current.every((g) => isolation.has(g));
    return {
      found: true,
      previousGroups: ours ? groupsAtAudit : current,
      currentGroups: current,
      interfaces: instance.NetworkInterfaces?.length ?? 1,
      ...groups,
    };
  },
  async apply(s, undo, ctx, { instanceId }) {
    const u = parseStepData(isolateUndo, undo, 'undo data', s);
    if (!u.found) return skipped(`${instanceId} no longer exists`);
    if (u.interfaces > 1) {
      // ModifyInstanceAttribute Groups covers only single-interface instances; isolating each
      // interface (ModifyNetworkInterfaceAttribute) is not implemented. Failing, not skipping:
      // the instance is NOT isolated and someone has to act.
      return failed(`${instanceId} has ${u.interfaces} network interfaces: rigwatch isolates single-interface instances only; ` +
        'isolate each interface by hand (ModifyNetworkInterfaceAttribute) or stop the instance');
    }
    if (!u.open || !u.closed) {
      const { vpcId } = parseStepData(isolateParams, s.params, 'params', s);
      return failed(`the isolation groups are missing in ${vpcId}: the isolation-group step must run first`);
    }
    if (u.currentGroups.length === 1 && u.currentGroups[0] === u.closed) return done(`${instanceId} was already isolated in ${u.closed}`);
    const ec2 = ctx.clients.ec2(s.resource.region);
    // Two swaps, never one: see the connection-tracking note at the top of this file.
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, Groups: [u.open] }));
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, Groups: [u.closed] }));
    return done(`isolated: ${u.previousGroups.join(', ')} -> ${u.open} (all open, flows untracked) -> ${u.closed} (no rules)`);
  },
  async undo(s, undo, ctx, { instanceId }) {
    const u = parseStepData(isolateUndo, undo, 'undo data', s);
    if (!u.found) return skipped(`${instanceId} did not exist`);
    if (u.previousGroups.length === 0) return failed(`no security groups recorded for ${instanceId}: restore them by hand`);
    const instance = await describeInstance(ctx.clients, s.resource.region, instanceId);
    if (!instance) return failed(`${instanceId} no longer exists`);
    const current = (instance.SecurityGroups ?? []).map((g) => g.GroupId ?? '');
    const isolation = new Set([u.open, u.closed]);
    if (!current.every((g) => isolation.has(g))) {
      return skipped(`${instanceId}'s security groups changed since the isolation (${current.join(', ')}): left as they are`);
    }
    await ctx.clients.ec2(s.resource.region).send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, Groups: u.previousGroups }));
    return done(`security groups restored: ${u.previousGroups.join(', ')}`);
  },
};

// ---- stop -------------------------------------------------------------------------------------

const stop: Stage = {
  prepare: (s, ctx, { instanceId }) => readInstanceState(ctx, s.resource.region, instanceId),
  apply: (s, undo, ctx, { instanceId }) => stopInstance(ctx, s.resource.region, instanceId, parseStepData(instanceStateUndo, undo, 'undo data', s)),
  undo: (s, undo, ctx, { instanceId }) => restartInstance(ctx, s.resource.region, instanceId, parseStepData(instanceStateUndo, undo, 'undo data', s)),
};

// ---- dispatch ---------------------------------------------------------------------------------

interface Stage {
  prepare(step: PlannedStep, ctx: ActionContext, params: { instanceId: string }): Promise<UndoData>;
  apply(step: PlannedStep, undo: UndoData, ctx: ActionContext, params: { instanceId: string }): Promise<StepOutcome>;
  undo(step: PlannedStep, undo: UndoData, ctx: ActionContext, params: { instanceId: string }): Promise<StepOutcome>;
}

const STAGES: Record<Part, Stage> = {
  record, snapshot, protect, 'shutdown-behavior': shutdownBehaviour, tag, detach, 'isolation-group': isolationGroup, isolate, stop,
};

function stageOf(s: PlannedStep): { stage: Stage; params: { instanceId: string } } {
  const part = s.params.part as Part;
  const stage = STAGES[part];
  if (!stage) throw new Error(`${s.id}: unknown ${ID} part "${String(part)}"`);
  const params = part === 'isolation-group' ? { instanceId: '' } : parseStepData(instanceParams, s.params, 'params', s);
  return { stage, params };
}

export const action: RemediationAction<Options> = {
  id: ID,
  title: 'Quarantine an instance',
  description:
    'Contains each instance a finding names, in the order of AWS\'s incident-response playbooks and keeping the evidence: records its ' +
    'security groups, snapshots its EBS volumes (tagged with the run and the finding), turns on termination protection, makes an ' +
    'OS-initiated shutdown stop rather than terminate it, tags it rigwatch:quarantined=<run> and rigwatch:finding=<finding>, detaches it ' +
    'from its Auto Scaling group (decrementing the desired capacity, so no replacement is launched) and deregisters it from its load ' +
    'balancer target groups, then isolates it: its security groups are swapped to rigwatch-isolation-open (all traffic in and out, ' +
    'which makes its flows untracked) and then to rigwatch-isolation (no rules), because security groups do not cut connections they ' +
    'already track and a miner\'s pool connection would otherwise survive. The two isolation groups are found or created once per VPC. ' +
    'Optionally (stop: true, --stop) stops the instance; it never terminates anything. Instances with several network interfaces are ' +
    'not isolated (the step fails with the reason). Needs ec2 Describe*/CreateSnapshots/CreateTags/DeleteTags/ModifyInstanceAttribute/' +
    'CreateSecurityGroup/Authorize*/Revoke*/StopInstances/StartInstances, autoscaling Describe/Detach/AttachInstances and ' +
    'elasticloadbalancing DescribeTargetGroups/DescribeTargetHealth/DeregisterTargets/RegisterTargets. Undo restores every ' +
    'attribute, tag, group membership, registration and security group it changed, where it is still as the quarantine left it.',
  permissions: [...new Set([...Object.values(CALLS).flat(), ...UNDO_CALLS])].sort(),
  options,
  plan,
  prepare: (s, ctx) => {
    const { stage, params } = stageOf(s);
    return stage.prepare(s, ctx, params);
  },
  apply: (s, undo, ctx) => {
    const { stage, params } = stageOf(s);
    return stage.apply(s, undo, ctx, params);
  },
  undo: (s, undo, ctx) => {
    const { stage, params } = stageOf(s);
    return stage.undo(s, undo, ctx, params);
  },
  irreversible:
    'The EBS snapshots are kept as evidence (delete them by hand once the investigation is closed), and the isolation security groups ' +
    'rigwatch-isolation-open and rigwatch-isolation stay in their VPCs (no instance uses them after undo; the next quarantine reuses them). ' +
    'With stop: an instance started again gets a new public IPv4 address (unless it has an Elastic IP) and has lost its instance-store data.',
};
