import {
  AttachInstancesCommand,
  AutoScalingServiceException,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DetachInstancesCommand,
} from '@aws-sdk/client-auto-scaling';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2ServiceException,
  paginateDescribeTargetGroups,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import type { ScenarioTargetGroup } from '../../src/scenario/types.js';
import { ACCOUNT_ID, NOW, rejection, remediationClients } from './harness.js';
import { ASG, incident, incidentAccount, MINER, OTHER_VPC_INSTANCE, STOPPED, TARGET_GROUP, WEB } from './mutation-fixture.js';

function setup() {
  const account = incidentAccount();
  return { account, ...remediationClients(account) };
}

describe('Auto Scaling', () => {
  it('describes the instances its tag puts in a group, and the group they make', async () => {
    const { autoScaling } = setup();
    const instances = await autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [MINER, WEB] }));
    expect(instances.AutoScalingInstances).toEqual([{
      InstanceId: MINER,
      InstanceType: 'c5.4xlarge',
      AutoScalingGroupName: ASG,
      AvailabilityZone: 'us-east-1b',
      LifecycleState: 'InService',
      HealthStatus: 'HEALTHY',
      ProtectedFromScaleIn: false,
    }]);
    const groups = await autoScaling.send(new DescribeAutoScalingGroupsCommand({}));
    expect(groups.AutoScalingGroups).toHaveLength(1);
    expect(groups.AutoScalingGroups![0]).toMatchObject({ AutoScalingGroupName: ASG, DesiredCapacity: 1, AvailabilityZones: ['us-east-1b'], Instances: [{ InstanceId: MINER }] });
  });

  it('detaches an instance: out of the group, its tag gone, the activity answered and recorded', async () => {
    const { account, autoScaling, ec2, cloudtrail } = setup();
    const out = await autoScaling.send(new DetachInstancesCommand({ AutoScalingGroupName: ASG, InstanceIds: [MINER], ShouldDecrementDesiredCapacity: true }));
    expect(out.Activities).toHaveLength(1);
    expect(out.Activities![0]).toMatchObject({
      AutoScalingGroupName: ASG,
      Description: `Detaching EC2 instance: ${MINER}`,
      StatusCode: 'InProgress',
      StartTime: new Date(NOW),
    });
    expect(out.Activities![0]!.Cause).toContain('shrinking the capacity from 1 to 0');
    expect((await autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [MINER] }))).AutoScalingInstances).toEqual([]);
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [MINER] }));
    expect(described.Reservations![0]!.Instances![0]!.Tags).toEqual([{ Key: 'Name', Value: 'worker' }]);
    // The group stays, empty, so the instance can be attached again.
    expect((await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [ASG] }))).AutoScalingGroups![0]).toMatchObject({ DesiredCapacity: 0, Instances: [] });
    expect(account.state.scenario.cloudtrail!.events!.at(-1)).toMatchObject({
      eventSource: 'autoscaling.amazonaws.com',
      eventName: 'DetachInstances',
      requestParameters: { autoScalingGroupName: ASG, instanceIds: [MINER], shouldDecrementDesiredCapacity: true },
    });
    const found = await cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: ASG }] }));
    expect(found.Events!.map((e) => e.EventName)).toEqual(['DetachInstances']);
  });

  it('attaches it again (the undo), tag and membership back', async () => {
    const { autoScaling, ec2 } = setup();
    await autoScaling.send(new DetachInstancesCommand({ AutoScalingGroupName: ASG, InstanceIds: [MINER], ShouldDecrementDesiredCapacity: true }));
    await autoScaling.send(new AttachInstancesCommand({ AutoScalingGroupName: ASG, InstanceIds: [MINER] }));
    expect((await autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [MINER] }))).AutoScalingInstances![0]!.AutoScalingGroupName).toBe(ASG);
    const tags = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [MINER] }))).Reservations![0]!.Instances![0]!.Tags;
    expect(tags).toContainEqual({ Key: 'aws:autoscaling:groupName', Value: ASG });
  });

  it('refuses what AWS refuses: an instance not in the group, an unknown group, a missing capacity flag, a stopped instance', async () => {
    const { autoScaling } = setup();
    const notMember = await rejection(autoScaling.send(new DetachInstancesCommand({ AutoScalingGroupName: ASG, InstanceIds: [WEB], ShouldDecrementDesiredCapacity: false })));
    expect(notMember).toBeInstanceOf(AutoScalingServiceException);
    expect(notMember.name).toBe('ValidationError');
    expect(notMember.message).toBe(`The instance ${WEB} is not part of Auto Scaling group ${ASG}.`);
    expect((await rejection(autoScaling.send(new DetachInstancesCommand({ AutoScalingGroupName: 'nope', InstanceIds: [MINER], ShouldDecrementDesiredCapacity: false })))).message).toMatch(/not found/);
    expect((await rejection(autoScaling.send(new DetachInstancesCommand({ AutoScalingGroupName: ASG, InstanceIds: [MINER] } as never)))).name).toBe('ValidationError');
    expect((await rejection(autoScaling.send(new AttachInstancesCommand({ AutoScalingGroupName: ASG, InstanceIds: [STOPPED] })))).name).toBe('ValidationError');
    expect((await rejection(autoScaling.send(new AttachInstancesCommand({ AutoScalingGroupName: ASG, InstanceIds: [MINER] })))).message).toMatch(/already part/);
  });
});

describe('Elastic Load Balancing v2', () => {
  it('describes target groups and the health of their targets', async () => {
    const { elbv2 } = setup();
    const groups = await elbv2.send(new DescribeTargetGroupsCommand({}));
    expect(groups.TargetGroups).toEqual([{
      TargetGroupArn: TARGET_GROUP, TargetGroupName: 'web', VpcId: 'vpc-0aaaaaaaaaaaaaaa1', Protocol: 'HTTP', Port: 80, TargetType: 'instance', LoadBalancerArns: [],
    }]);
    const health = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: TARGET_GROUP }));
    expect(health.TargetHealthDescriptions).toEqual([
      { Target: { Id: MINER, Port: 80 }, HealthCheckPort: '80', TargetHealth: { State: 'healthy' } },
      { Target: { Id: WEB, Port: 8080 }, HealthCheckPort: '8080', TargetHealth: { State: 'healthy' } },
    ]);
  });

  it('deregisters a target (the undo registers it again), recorded', async () => {
    const { account, elbv2 } = setup();
    await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: TARGET_GROUP, Targets: [{ Id: MINER }] }));
    const after = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: TARGET_GROUP }));
    expect(after.TargetHealthDescriptions!.map((d) => d.Target!.Id)).toEqual([WEB]);
    const asked = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: TARGET_GROUP, Targets: [{ Id: MINER }] }));
    expect(asked.TargetHealthDescriptions![0]!.TargetHealth).toEqual({ State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' });
    expect(account.state.scenario.cloudtrail!.events!.at(-1)).toMatchObject({
      eventSource: 'elasticloadbalancing.amazonaws.com',
      eventName: 'DeregisterTargets',
      requestParameters: { targetGroupArn: TARGET_GROUP, targets: [{ id: MINER }] },
      responseElements: null,
    });
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: TARGET_GROUP, Targets: [{ Id: MINER, Port: 80 }] }));
    const back = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: TARGET_GROUP }));
    expect(back.TargetHealthDescriptions!.map((d) => [d.Target!.Id, d.Target!.Port])).toEqual([[WEB, 8080], [MINER, 80]]);
  });

  it('reports a stopped instance target unused, and refuses to register targets AWS refuses', async () => {
    const { ec2, elbv2 } = setup();
    await ec2.send(new StopInstancesCommand({ InstanceIds: [MINER] }));
    const health = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: TARGET_GROUP, Targets: [{ Id: MINER }] }));
    expect(health.TargetHealthDescriptions![0]!.TargetHealth).toEqual({ State: 'unused', Reason: 'Target.InvalidState', Description: 'Target is in the stopped state' });
    const stopped = await rejection(elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: TARGET_GROUP, Targets: [{ Id: STOPPED }] })));
    expect(stopped).toBeInstanceOf(ElasticLoadBalancingV2ServiceException);
    expect(stopped.name).toBe('InvalidTargetException');
    expect(stopped.message).toMatch(/not in a running state/);
    expect((await rejection(elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: TARGET_GROUP, Targets: [{ Id: 'i-0000000000000dead' }] })))).message).toMatch(/do not exist/);
    expect((await rejection(elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: TARGET_GROUP, Targets: [{ Id: OTHER_VPC_INSTANCE }] })))).message).toMatch(/VPC/);
    expect((await rejection(elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: `${TARGET_GROUP}0` })))).name).toBe('TargetGroupNotFoundException');
  });

  it('pages target groups with Marker and PageSize up to 400', async () => {
    const s = incident();
    const many: ScenarioTargetGroup[] = Array.from({ length: 7 }, (_, i) => ({
      TargetGroupArn: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT_ID}:targetgroup/tg-${i}/${i}`, TargetGroupName: `tg-${i}`, Region: 'us-east-1', Port: 80, Targets: [],
    }));
    s.elbv2!.targetGroups!.push(...many);
    const { elbv2 } = remediationClients(incidentAccount(false, s));
    const names: string[] = [];
    for await (const page of paginateDescribeTargetGroups({ client: elbv2 }, { PageSize: 3 })) {
      expect(page.TargetGroups!.length).toBeLessThanOrEqual(3);
      names.push(...page.TargetGroups!.map((g) => g.TargetGroupName!));
    }
    expect(names).toEqual(['web', ...many.map((g) => g.TargetGroupName)]);
    expect((await rejection(elbv2.send(new DescribeTargetGroupsCommand({ PageSize: 401 })))).name).toBe('ValidationError');
    expect((await rejection(elbv2.send(new DescribeTargetGroupsCommand({ Names: ['nope'] })))).name).toBe('TargetGroupNotFoundException');
  });
});
