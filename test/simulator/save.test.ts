import { DescribeAutoScalingInstancesCommand, DetachInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { LookupEventsCommand, type LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  ModifyInstanceAttributeCommand,
  RevokeSecurityGroupIngressCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { DeregisterTargetsCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  AttachUserPolicyCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { SimulatedAccount } from '../../src/simulator/account.js';
import { NOW, remediationClients } from './harness.js';
import { ASG, incident, KEY, MINER, MINER_SG, TARGET_GROUP, USER, VPC } from './mutation-fixture.js';

/** The containment AWS's playbook describes, through the simulated account. */
async function contain(account: SimulatedAccount): Promise<void> {
  const { ec2, iam, autoScaling, elbv2 } = remediationClients(account);
  await ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: MINER }, TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'rigwatch:run', Value: 'r1' }] }] }));
  await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, DisableApiTermination: { Value: true } }));
  await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, InstanceInitiatedShutdownBehavior: { Value: 'stop' } }));
  await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: false } }] }));
  await ec2.send(new CreateTagsCommand({ Resources: [MINER], Tags: [{ Key: 'rigwatch:quarantine', Value: 'r1' }] }));
  await autoScaling.send(new DetachInstancesCommand({ AutoScalingGroupName: ASG, InstanceIds: [MINER], ShouldDecrementDesiredCapacity: true }));
  await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: TARGET_GROUP, Targets: [{ Id: MINER }] }));
  const isolation = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'rigwatch-isolation', Description: 'isolation', VpcId: VPC }));
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: isolation.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '198.51.100.0/24' }] }] }));
  await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, Groups: [isolation.GroupId!] }));
  const open = (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [MINER_SG] }] }))).SecurityGroupRules!
    .filter((r) => !r.IsEgress && r.CidrIpv4 === '0.0.0.0/0');
  await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: MINER_SG, SecurityGroupRuleIds: open.map((r) => r.SecurityGroupRuleId!) }));
  await ec2.send(new StopInstancesCommand({ InstanceIds: [MINER] }));
  await iam.send(new UpdateAccessKeyCommand({ UserName: USER, AccessKeyId: KEY, Status: 'Inactive' }));
  await iam.send(new PutUserPolicyCommand({ UserName: USER, PolicyName: 'revoke', PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}' }));
  await iam.send(new AttachUserPolicyCommand({ UserName: USER, PolicyArn: 'arn:aws:iam::aws:policy/AWSDenyAll' }));
}

function withoutMetadata<T extends { $metadata?: unknown }>(out: T): Omit<T, '$metadata'> {
  const { $metadata: _metadata, ...rest } = out;
  return rest;
}

/** LookupEvents' answer with each CloudTrailEvent parsed: loading a scenario orders a record's keys its own way. */
function parsedEvents(out: LookupEventsCommandOutput) {
  return (out.Events ?? []).map((e) => ({ ...e, CloudTrailEvent: JSON.parse(e.CloudTrailEvent!) as unknown }));
}

/** What the read APIs answer about everything containment touched. */
async function observe(account: SimulatedAccount) {
  const { ec2, iam, autoScaling, elbv2, cloudtrail } = remediationClients(account);
  return {
    instances: withoutMetadata(await ec2.send(new DescribeInstancesCommand({}))),
    termination: withoutMetadata(await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: MINER, Attribute: 'disableApiTermination' }))),
    shutdown: withoutMetadata(await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: MINER, Attribute: 'instanceInitiatedShutdownBehavior' }))),
    groups: withoutMetadata(await ec2.send(new DescribeSecurityGroupsCommand({}))),
    rules: withoutMetadata(await ec2.send(new DescribeSecurityGroupRulesCommand({}))),
    snapshots: withoutMetadata(await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))),
    keys: withoutMetadata(await iam.send(new ListAccessKeysCommand({ UserName: USER }))),
    attached: withoutMetadata(await iam.send(new ListAttachedUserPoliciesCommand({ UserName: USER }))),
    inline: withoutMetadata(await iam.send(new GetUserPolicyCommand({ UserName: USER, PolicyName: 'revoke' }))),
    scaling: withoutMetadata(await autoScaling.send(new DescribeAutoScalingInstancesCommand({}))),
    targets: withoutMetadata(await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: TARGET_GROUP }))),
    events: parsedEvents(await cloudtrail.send(new LookupEventsCommand({}))),
    iamEvents: parsedEvents(await cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'iam.amazonaws.com' }] }))),
  };
}

function reload(saved: Scenario): SimulatedAccount {
  return new SimulatedAccount(parseScenario(JSON.parse(JSON.stringify(saved)), 'saved'));
}

describe('SimulatedAccount.toScenario', () => {
  it('writes the changed account out; loaded again, it answers as the changed account does', async () => {
    const account = new SimulatedAccount({ ...incident(), simulation: { enforceLimits: true } });
    await contain(account);
    const saved = account.toScenario();
    expect(saved.now).toBe(NOW);
    expect(saved.simulation).toBeUndefined();
    expect(saved.cloudtrail!.events).toHaveLength(1 + 15);
    const reloaded = reload(saved);
    const [before, after] = [await observe(account), await observe(reloaded)];
    expect(after).toEqual(before);
    // The observation saw the changes, so the comparison compares something.
    const miner = before.instances.Reservations!.flatMap((r) => r.Instances!).find((i) => i.InstanceId === MINER)!;
    expect(miner.State!.Name).toBe('stopped');
    expect(miner.SecurityGroups!.map((g) => g.GroupName)).toEqual(['rigwatch-isolation']);
    expect(before.keys.AccessKeyMetadata![0]!.Status).toBe('Inactive');
    expect(before.snapshots.Snapshots).toHaveLength(2);
    expect(before.scaling.AutoScalingInstances).toEqual([]);
    expect(before.iamEvents.map((e) => e.EventName)).toEqual(['UpdateAccessKey', 'PutUserPolicy', 'AttachUserPolicy']);
    expect(before.events.slice(0, 3).map((e) => e.EventName)).toEqual(['CreateSnapshots', 'ModifyInstanceAttribute', 'ModifyInstanceAttribute']);
  });

  it('keeps the extra instance keys that carry instance attributes and Auto Scaling membership', async () => {
    const account = new SimulatedAccount(incident());
    await contain(account);
    const miner = account.toScenario().ec2!.instances!.find((i) => i.InstanceId === MINER)!;
    expect(miner).toMatchObject({ DisableApiTermination: true, InstanceInitiatedShutdownBehavior: 'stop', DetachedFromAutoScalingGroup: ASG });
  });

  it('is a copy: changing it changes nothing in the account', async () => {
    const account = new SimulatedAccount(incident());
    const saved = account.toScenario();
    saved.ec2!.instances!.length = 0;
    const { ec2 } = remediationClients(account);
    expect((await ec2.send(new DescribeInstancesCommand({}))).Reservations).toHaveLength(4);
  });

  it('is reproducible: the same changes write the same scenario, ids and records included', async () => {
    const first = new SimulatedAccount(incident());
    const second = new SimulatedAccount(incident());
    await contain(first);
    await contain(second);
    expect(JSON.stringify(second.toScenario())).toBe(JSON.stringify(first.toScenario()));
  });

  it('keeps giving new ids after a reload, so a twice-changed account still loads', async () => {
    const account = new SimulatedAccount(incident());
    await contain(account);
    const reloaded = reload(account.toScenario());
    const { ec2 } = remediationClients(reloaded);
    await ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: MINER } }));
    const again = reload(reloaded.toScenario()).toScenario();
    const ids = again.cloudtrail!.events!.map((e) => e.eventID);
    expect(new Set(ids).size).toBe(ids.length);
    const snapshots = again.ec2!.snapshots!.map((s) => s.SnapshotId);
    expect(new Set(snapshots).size).toBe(4);
  });
});
