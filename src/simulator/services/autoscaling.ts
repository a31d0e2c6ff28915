// Simulated Amazon EC2 Auto Scaling, per Region, derived from the instances: an instance belongs to
// the group its `aws:autoscaling:groupName` tag names, the tag AWS puts on a group's instances. The
// scenario has no section of its own for groups, so a group is what its instances say: its size
// is its number of instances (Min = Desired = Max), and it exists while an instance is in it or
// was detached from it.
//
// DetachInstances removes the tag, as AWS does, and notes the group on the instance
// (`DetachedFromAutoScalingGroup`, see ec2-model.ts); AttachInstances puts the tag back. AWS would
// launch a replacement when a detach does not decrement the desired capacity; the simulated
// account launches nothing. No rate limit is simulated (AWS publishes none per action).

import type {
  Activity,
  ActivitiesType,
  AttachInstancesQuery,
  AutoScalingGroup,
  AutoScalingGroupNamesType,
  AutoScalingGroupsType,
  AutoScalingInstanceDetails,
  AutoScalingInstancesType,
  DescribeAutoScalingInstancesType,
  DetachInstancesQuery,
  Instance as GroupInstance,
} from '@aws-sdk/client-auto-scaling';
import type { ScenarioInstance } from '../../scenario/types.js';
import { Change } from '../changes.js';
import { decodeToken, encodeToken, queryFingerprint, queryOf } from '../next-token.js';
import { AwsError, type SimContext, type SimulatedService } from '../types.js';
import { ASG_TAG, availabilityZone, ec2Changed, ec2Index, tagsOf } from './ec2-model.js';
import { setTags } from './ec2-mutations.js';

const EVENT_SOURCE = 'autoscaling.amazonaws.com';
const DETACHED_KEY = 'DetachedFromAutoScalingGroup';
/** DescribeAutoScalingGroups: MaxRecords up to 100; DescribeAutoScalingInstances: up to 50. */
const MAX_GROUP_RECORDS = 100;
const MAX_INSTANCE_RECORDS = 50;
const DEFAULT_RECORDS = 50;
/** DetachInstances / AttachInstances take at most 20 instances. */
const MAX_INSTANCES_PER_CALL = 20;

function validation(message: string): AwsError {
  return new AwsError('ValidationError', message);
}

function groupOf(instance: ScenarioInstance): string | undefined {
  return tagsOf(instance).find((t) => t.Key === ASG_TAG)?.Value;
}

/** The Region's instances that can be in a group: visible, not terminated. */
function liveInstances(ctx: SimContext): ScenarioInstance[] {
  return (ec2Index(ctx).instances.get(ctx.region) ?? []).filter((i) => i.State.Name !== 'terminated' && i.State.Name !== 'shutting-down');
}

/** The Region's groups by name, with their instances, in name order. */
function groups(ctx: SimContext): Map<string, ScenarioInstance[]> {
  const byName = new Map<string, ScenarioInstance[]>();
  for (const instance of liveInstances(ctx)) {
    const member = groupOf(instance);
    if (member !== undefined) {
      const list = byName.get(member) ?? [];
      list.push(instance);
      byName.set(member, list);
    }
    const detached = instance[DETACHED_KEY];
    if (typeof detached === 'string' && !byName.has(detached)) byName.set(detached, []);
  }
  return new Map([...byName.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function healthOf(instance: ScenarioInstance): string {
  return instance.State.Name === 'running' || instance.State.Name === 'pending' ? 'HEALTHY' : 'UNHEALTHY';
}

function groupArn(ctx: SimContext, name: string): string {
  return `arn:aws:autoscaling:${ctx.region}:${ctx.account.id}:autoScalingGroup:${queryFingerprint({ group: name })}:autoScalingGroupName/${name}`;
}

function page<T>(ctx: SimContext, operation: string, items: T[], input: { NextToken?: string; MaxRecords?: number }, max: number): { items: T[]; NextToken?: string } {
  const size = input.MaxRecords ?? DEFAULT_RECORDS;
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw validation(`1 validation error detected: Value '${String(input.MaxRecords)}' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and ${max}`);
  }
  const fingerprint = queryFingerprint({ operation, account: ctx.account.id, region: ctx.region, query: queryOf(input as Record<string, unknown>, {}, 'MaxRecords') });
  let offset = 0;
  if (input.NextToken) {
    const position = decodeToken(input.NextToken, fingerprint);
    if (typeof position !== 'number') throw new AwsError('InvalidNextToken', 'The token is not valid.');
    offset = position;
  }
  const end = offset + size;
  return end < items.length ? { items: items.slice(offset, end), NextToken: encodeToken(end, fingerprint) } : { items: items.slice(offset) };
}

function describeAutoScalingInstances(ctx: SimContext, input: DescribeAutoScalingInstancesType): AutoScalingInstancesType {
  const wanted = input.InstanceIds && input.InstanceIds.length > 0 ? new Set(input.InstanceIds) : undefined;
  // Unknown ids are left out, not refused, as AWS does.
  const members = liveInstances(ctx).filter((i) => groupOf(i) !== undefined && (!wanted || wanted.has(i.InstanceId)));
  const { items, NextToken } = page(ctx, 'DescribeAutoScalingInstances', members, input, MAX_INSTANCE_RECORDS);
  const AutoScalingInstances: AutoScalingInstanceDetails[] = items.map((i) => ({
    InstanceId: i.InstanceId,
    InstanceType: i.InstanceType,
    AutoScalingGroupName: groupOf(i),
    AvailabilityZone: availabilityZone(i),
    LifecycleState: 'InService',
    HealthStatus: healthOf(i),
    ProtectedFromScaleIn: false,
  }));
  return NextToken ? { AutoScalingInstances, NextToken } : { AutoScalingInstances };
}

function groupShape(ctx: SimContext, name: string, members: ScenarioInstance[], withInstances: boolean): AutoScalingGroup {
  const zones = [...new Set(members.map(availabilityZone))].sort();
  const created = members.length > 0 ? Math.min(...members.map((i) => Date.parse(i.LaunchTime))) : ctx.account.now;
  const instances: GroupInstance[] = members.map((i) => ({
    InstanceId: i.InstanceId,
    InstanceType: i.InstanceType,
    AvailabilityZone: availabilityZone(i),
    LifecycleState: 'InService',
    HealthStatus: healthOf(i),
    ProtectedFromScaleIn: false,
  }));
  const subnets = [...new Set(members.map((i) => i.SubnetId).filter((s): s is string => typeof s === 'string'))];
  return {
    AutoScalingGroupName: name,
    AutoScalingGroupARN: groupArn(ctx, name),
    MinSize: members.length,
    MaxSize: members.length,
    DesiredCapacity: members.length,
    DefaultCooldown: 300,
    AvailabilityZones: zones.length > 0 ? zones : [`${ctx.region}a`],
    LoadBalancerNames: [],
    TargetGroupARNs: [],
    HealthCheckType: 'EC2',
    HealthCheckGracePeriod: 300,
    ...(withInstances && { Instances: instances }),
    CreatedTime: new Date(created),
    SuspendedProcesses: [],
    ...(subnets.length > 0 && { VPCZoneIdentifier: subnets.join(',') }),
    EnabledMetrics: [],
    Tags: [],
    TerminationPolicies: ['Default'],
    NewInstancesProtectedFromScaleIn: false,
    ServiceLinkedRoleARN: `arn:aws:iam::${ctx.account.id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
  };
}

function describeAutoScalingGroups(ctx: SimContext, input: AutoScalingGroupNamesType): AutoScalingGroupsType {
  const all = groups(ctx);
  const names = input.AutoScalingGroupNames && input.AutoScalingGroupNames.length > 0
    ? [...all.keys()].filter((n) => input.AutoScalingGroupNames!.includes(n))
    : [...all.keys()];
  const { items, NextToken } = page(ctx, 'DescribeAutoScalingGroups', names, input, MAX_GROUP_RECORDS);
  const AutoScalingGroups = items.map((name) => groupShape(ctx, name, all.get(name)!, input.IncludeInstances ?? true));
  return NextToken ? { AutoScalingGroups, NextToken } : { AutoScalingGroups };
}

function requireGroup(ctx: SimContext, name: string | undefined): ScenarioInstance[] {
  if (!name) throw validation('1 validation error detected: Value null at \'autoScalingGroupName\' failed to satisfy constraint: Member must not be null');
  const members = groups(ctx).get(name);
  if (!members) throw validation(`AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);
  return members;
}

function instanceIds(ids: string[] | undefined): string[] {
  const list = [...new Set(ids ?? [])];
  if (list.length > MAX_INSTANCES_PER_CALL) {
    throw validation(`1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to ${MAX_INSTANCES_PER_CALL}`);
  }
  return list;
}

function timeOf(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function detachInstances(ctx: SimContext, input: DetachInstancesQuery): ActivitiesType {
  const name = input.AutoScalingGroupName;
  const members = requireGroup(ctx, name);
  if (typeof input.ShouldDecrementDesiredCapacity !== 'boolean') {
    throw validation('1 validation error detected: Value null at \'shouldDecrementDesiredCapacity\' failed to satisfy constraint: Member must not be null');
  }
  const detached = instanceIds(input.InstanceIds).map((id) => {
    const instance = members.find((i) => i.InstanceId === id);
    if (!instance) throw validation(`The instance ${id} is not part of Auto Scaling group ${name}.`);
    return instance;
  });
  const change = new Change(ctx);
  let capacity = members.length;
  const Activities: Activity[] = detached.map((instance, i) => {
    const shrink = input.ShouldDecrementDesiredCapacity ? ` shrinking the capacity from ${capacity} to ${capacity - 1}` : '';
    if (input.ShouldDecrementDesiredCapacity) capacity -= 1;
    return {
      ActivityId: change.uuid(`activity/${i}`),
      AutoScalingGroupName: name,
      Description: `Detaching EC2 instance: ${instance.InstanceId}`,
      Cause: `At ${timeOf(ctx.account.now)} instance ${instance.InstanceId} was detached in response to a user request${shrink}.`,
      StartTime: new Date(ctx.account.now),
      StatusCode: 'InProgress',
      Progress: 50,
      Details: JSON.stringify({ 'Subnet ID': instance.SubnetId ?? '', 'Availability Zone': availabilityZone(instance) }),
    };
  });
  for (const instance of detached) {
    instance.Tags = tagsOf(instance).filter((t) => t.Key !== ASG_TAG);
    if (instance.Tags.length === 0) delete instance.Tags;
    instance[DETACHED_KEY] = name;
  }
  ec2Changed(ctx);
  change.record({
    eventSource: EVENT_SOURCE,
    eventName: 'DetachInstances',
    requestParameters: {
      autoScalingGroupName: name,
      instanceIds: detached.map((i) => i.InstanceId),
      shouldDecrementDesiredCapacity: input.ShouldDecrementDesiredCapacity,
    },
    responseElements: {
      activities: Activities.map((a) => ({
        activityId: a.ActivityId,
        autoScalingGroupName: a.AutoScalingGroupName,
        description: a.Description,
        cause: a.Cause,
        startTime: timeOf(ctx.account.now),
        statusCode: a.StatusCode,
        progress: a.Progress,
        details: a.Details,
      })),
    },
  });
  return { Activities };
}

function attachInstances(ctx: SimContext, input: AttachInstancesQuery): Record<string, never> {
  const name = input.AutoScalingGroupName;
  requireGroup(ctx, name);
  const byId = ec2Index(ctx).instanceById;
  const attached = instanceIds(input.InstanceIds).map((id) => {
    const instance = byId.get(id);
    if (!instance || instance.Region !== ctx.region) throw validation(`Instance ${id} is not in a valid state or does not exist.`);
    if (instance.State.Name !== 'running' && instance.State.Name !== 'pending') throw validation(`Instance ${id} is not in correct state.`);
    const current = groupOf(instance);
    if (current !== undefined) throw validation(`The instance ${id} is already part of Auto Scaling group ${current}.`);
    return instance;
  });
  const change = new Change(ctx);
  for (const instance of attached) {
    setTags(instance, [{ Key: ASG_TAG, Value: name! }]);
    delete instance[DETACHED_KEY];
  }
  ec2Changed(ctx);
  change.record({
    eventSource: EVENT_SOURCE,
    eventName: 'AttachInstances',
    requestParameters: { autoScalingGroupName: name, instanceIds: attached.map((i) => i.InstanceId) },
    responseElements: null,
  });
  return {};
}

export const autoScalingService: SimulatedService = {
  service: 'autoscaling',
  clientName: 'AutoScalingClient',
  operations: {
    DescribeAutoScalingInstances: describeAutoScalingInstances,
    DescribeAutoScalingGroups: describeAutoScalingGroups,
    DetachInstances: detachInstances,
    AttachInstances: attachInstances,
  },
};
