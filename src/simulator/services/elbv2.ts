// Simulated Elastic Load Balancing (v2) target groups, per Region, from the scenario's optional
// `elbv2.targetGroups` section (see ScenarioTargetGroup): DescribeTargetGroups, DescribeTargetHealth,
// RegisterTargets, DeregisterTargets. A registered instance target is healthy while its instance
// runs and `unused` (Target.InvalidState) otherwise; other targets are healthy. Deregistration is
// immediate (AWS drains first, for the group's deregistration delay; the simulated clock does not
// advance). No rate limit is simulated (AWS publishes none per action).

import type {
  DeregisterTargetsInput,
  DescribeTargetGroupsInput,
  DescribeTargetGroupsOutput,
  DescribeTargetHealthInput,
  DescribeTargetHealthOutput,
  RegisterTargetsInput,
  TargetDescription,
  TargetGroup,
  TargetHealth,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ScenarioTargetGroup } from '../../scenario/types.js';
import { Change } from '../changes.js';
import { decodeToken, encodeToken, queryFingerprint } from '../next-token.js';
import { AwsError, type SimContext, type SimulatedService } from '../types.js';
import { ec2Index } from './ec2-model.js';

const EVENT_SOURCE = 'elasticloadbalancing.amazonaws.com';
/** DescribeTargetGroups: PageSize 1 to 400. */
const MAX_PAGE_SIZE = 400;

type Target = ScenarioTargetGroup['Targets'][number];

function validation(message: string): AwsError {
  return new AwsError('ValidationError', message);
}

function regionGroups(ctx: SimContext): ScenarioTargetGroup[] {
  return (ctx.account.scenario.elbv2?.targetGroups ?? []).filter((g) => g.Region === ctx.region);
}

function requireGroup(ctx: SimContext, arn: string | undefined): ScenarioTargetGroup {
  if (!arn) throw validation("1 validation error detected: Value null at 'targetGroupArn' failed to satisfy constraint: Member must not be null");
  const group = regionGroups(ctx).find((g) => g.TargetGroupArn === arn);
  if (!group) throw new AwsError('TargetGroupNotFound', `Target groups '${arn}' not found`);
  return group;
}

function targetType(group: ScenarioTargetGroup): string {
  return group.TargetType ?? 'instance';
}

function groupShape(group: ScenarioTargetGroup): TargetGroup {
  const { Region: _region, Targets: _targets, ...rest } = group;
  return {
    ...(structuredClone(rest) as TargetGroup),
    TargetType: targetType(group) as TargetGroup['TargetType'],
    LoadBalancerArns: [...(group.LoadBalancerArns ?? [])],
  };
}

function describeTargetGroups(ctx: SimContext, input: DescribeTargetGroupsInput): DescribeTargetGroupsOutput {
  const size = input.PageSize ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw validation(`1 validation error detected: Value '${String(input.PageSize)}' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and ${MAX_PAGE_SIZE}`);
  }
  const arns = input.TargetGroupArns ?? [];
  const names = input.Names ?? [];
  if (arns.length > 0 && names.length > 0) throw validation('Target group names and target group ARNs cannot be specified at the same time');
  let groups = regionGroups(ctx);
  if (arns.length > 0 || names.length > 0) {
    const wanted = arns.length > 0 ? arns : names;
    const key = (g: ScenarioTargetGroup) => (arns.length > 0 ? g.TargetGroupArn : g.TargetGroupName);
    const missing = wanted.filter((w) => !groups.some((g) => key(g) === w));
    if (missing.length > 0) throw new AwsError('TargetGroupNotFound', `Target groups '${missing.join("', '")}' not found`);
    groups = groups.filter((g) => wanted.includes(key(g)));
  }
  if (input.LoadBalancerArn) groups = groups.filter((g) => g.LoadBalancerArns?.includes(input.LoadBalancerArn!));
  const { Marker: _marker, PageSize: _size, ...query } = input;
  const fingerprint = queryFingerprint({ op: 'DescribeTargetGroups', account: ctx.account.id, region: ctx.region, query });
  let offset = 0;
  if (input.Marker) {
    const position = decodeToken(input.Marker, fingerprint);
    if (typeof position !== 'number') throw validation('Invalid Marker');
    offset = position;
  }
  const end = offset + size;
  const TargetGroups = groups.slice(offset, end).map(groupShape);
  return end < groups.length ? { TargetGroups, NextMarker: encodeToken(end, fingerprint) } : { TargetGroups };
}

function portOf(group: ScenarioTargetGroup, target: { Port?: number }): number | undefined {
  return target.Port ?? group.Port;
}

function sameTarget(group: ScenarioTargetGroup, a: { Id?: string; Port?: number }, b: { Id?: string; Port?: number }): boolean {
  return a.Id === b.Id && portOf(group, a) === portOf(group, b);
}

function healthOf(ctx: SimContext, group: ScenarioTargetGroup, target: Target): TargetHealth {
  if (targetType(group) !== 'instance') return { State: 'healthy' };
  const state = ec2Index(ctx).instanceById.get(target.Id)?.State.Name ?? 'terminated';
  if (state === 'running') return { State: 'healthy' };
  return { State: 'unused', Reason: 'Target.InvalidState', Description: `Target is in the ${state} state` };
}

function targetShape(group: ScenarioTargetGroup, target: { Id?: string; Port?: number; AvailabilityZone?: string }): TargetDescription {
  const port = portOf(group, target);
  return { Id: target.Id, ...(port !== undefined && { Port: port }), ...(target.AvailabilityZone !== undefined && { AvailabilityZone: target.AvailabilityZone }) };
}

function describeTargetHealth(ctx: SimContext, input: DescribeTargetHealthInput): DescribeTargetHealthOutput {
  const group = requireGroup(ctx, input.TargetGroupArn);
  const described = (target: Target) => {
    const port = portOf(group, target);
    return { Target: targetShape(group, target), ...(port !== undefined && { HealthCheckPort: String(port) }), TargetHealth: healthOf(ctx, group, target) };
  };
  if (!input.Targets || input.Targets.length === 0) return { TargetHealthDescriptions: group.Targets.map(described) };
  return {
    TargetHealthDescriptions: input.Targets.map((asked) => {
      const registered = group.Targets.find((t) => sameTarget(group, t, asked));
      if (registered) return described(registered);
      return {
        Target: targetShape(group, asked),
        TargetHealth: { State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' },
      };
    }),
  };
}

function requestedTargets(targets: TargetDescription[] | undefined): { Id: string; Port?: number; AvailabilityZone?: string }[] {
  if (!targets || targets.length === 0) throw validation("1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null");
  return targets.map((t) => {
    if (!t.Id) throw validation('A target ID must be specified');
    return { Id: t.Id, ...(t.Port !== undefined && { Port: t.Port }), ...(t.AvailabilityZone !== undefined && { AvailabilityZone: t.AvailabilityZone }) };
  });
}

function recordTargets(change: Change, eventName: string, group: ScenarioTargetGroup, targets: { Id: string; Port?: number }[]): void {
  change.record({
    eventSource: EVENT_SOURCE,
    eventName,
    requestParameters: { targetGroupArn: group.TargetGroupArn, targets: targets.map((t) => ({ id: t.Id, ...(t.Port !== undefined && { port: t.Port }) })) },
    responseElements: null,
  });
}

function registerTargets(ctx: SimContext, input: RegisterTargetsInput): Record<string, never> {
  const group = requireGroup(ctx, input.TargetGroupArn);
  const targets = requestedTargets(input.Targets);
  if (targets.some((t) => portOf(group, t) === undefined) && targetType(group) !== 'lambda') throw validation('A port must be specified');
  if (targetType(group) === 'instance') {
    const byId = ec2Index(ctx).instanceById;
    const instances = targets.map((t) => ({ id: t.Id, instance: byId.get(t.Id) }));
    const missing = instances.filter(({ instance }) => !instance || instance.Region !== ctx.region || instance.State.Name === 'terminated');
    if (missing.length > 0) throw new AwsError('InvalidTarget', `The following instances do not exist: '${missing.map((m) => m.id).join("', '")}'`);
    const notRunning = instances.filter(({ instance }) => instance!.State.Name !== 'running');
    if (notRunning.length > 0) {
      throw new AwsError('InvalidTarget', `The following targets are not in a running state and cannot be registered: '${notRunning.map((m) => m.id).join("', '")}'`);
    }
    const elsewhere = instances.filter(({ instance }) => group.VpcId !== undefined && instance!.VpcId !== undefined && instance!.VpcId !== group.VpcId);
    if (elsewhere.length > 0) {
      throw new AwsError('InvalidTarget', `The following targets are not in the target group VPC '${group.VpcId}': '${elsewhere.map((m) => m.id).join("', '")}'`);
    }
  }
  const change = new Change(ctx);
  // Registering a registered target changes nothing, as in AWS.
  for (const target of targets) if (!group.Targets.some((t) => sameTarget(group, t, target))) group.Targets.push(target);
  recordTargets(change, 'RegisterTargets', group, targets);
  return {};
}

function deregisterTargets(ctx: SimContext, input: DeregisterTargetsInput): Record<string, never> {
  const group = requireGroup(ctx, input.TargetGroupArn);
  const targets = requestedTargets(input.Targets);
  const change = new Change(ctx);
  // A target that is not registered (or not on that port) is ignored, as AWS ignores it.
  group.Targets = group.Targets.filter((t) => !targets.some((asked) => sameTarget(group, t, asked)));
  recordTargets(change, 'DeregisterTargets', group, targets);
  return {};
}

export const elbv2Service: SimulatedService = {
  service: 'elasticloadbalancing',
  clientName: 'ElasticLoadBalancingV2Client',
  operations: {
    DescribeTargetGroups: describeTargetGroups,
    DescribeTargetHealth: describeTargetHealth,
    RegisterTargets: registerTargets,
    DeregisterTargets: deregisterTargets,
  },
};
