import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2ServiceException,
  ModifyInstanceAttributeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  type Instance,
  type ModifyInstanceAttributeCommandInput,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../src/scenario/types.js';
import { rateLimitFor } from '../../src/simulator/limits.js';
import { auditorSessionArn } from '../../src/simulator/services/sts.js';
import { ACCOUNT_ID, NOW, rejection, remediationClients } from './harness.js';
import {
  DATA_VOLUME,
  incidentAccount,
  MINER,
  MINER_SG,
  OTHER_VPC_SG,
  ROOT_VOLUME,
  STOPPED,
  WEB,
  WEB_SG,
} from './mutation-fixture.js';

function setup(enforceLimits = false) {
  const account = incidentAccount(enforceLimits);
  return { account, ...remediationClients(account) };
}

async function instance(ec2: ReturnType<typeof setup>['ec2'], id: string): Promise<Instance> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations![0]!.Instances![0]!;
}

function lastRecord(account: ReturnType<typeof setup>['account']): CloudTrailRecord {
  return account.state.scenario.cloudtrail!.events!.at(-1)!;
}

describe('ModifyInstanceAttribute', () => {
  it('turns termination protection on, visible to DescribeInstanceAttribute, and records it', async () => {
    const { account, ec2 } = setup();
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, DisableApiTermination: { Value: true } }));
    const out = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: MINER, Attribute: 'disableApiTermination' }));
    expect(out.DisableApiTermination).toEqual({ Value: true });
    expect(lastRecord(account)).toMatchObject({
      eventName: 'ModifyInstanceAttribute',
      eventSource: 'ec2.amazonaws.com',
      awsRegion: 'us-east-1',
      requestParameters: { instanceId: MINER, disableApiTermination: { value: true } },
      responseElements: { _return: true },
    });
  });

  it('sets the shutdown behaviour and the legacy Attribute/Value form', async () => {
    const { ec2 } = setup();
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, InstanceInitiatedShutdownBehavior: { Value: 'stop' } }));
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, Attribute: 'disableApiStop', Value: 'true' }));
    const behaviour = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: MINER, Attribute: 'instanceInitiatedShutdownBehavior' }));
    const stop = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: MINER, Attribute: 'disableApiStop' }));
    expect(behaviour.InstanceInitiatedShutdownBehavior).toEqual({ Value: 'stop' });
    expect(stop.DisableApiStop).toEqual({ Value: true });
    const error = await rejection(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, InstanceInitiatedShutdownBehavior: { Value: 'hibernate' } })));
    expect(error.name).toBe('InvalidParameterValue');
  });

  it('turns DeleteOnTermination off for one device, on the instance and its volume', async () => {
    const { ec2 } = setup();
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, BlockDeviceMappings: [{ DeviceName: '/dev/sdf', Ebs: { DeleteOnTermination: false } }] }));
    const mappings = (await instance(ec2, MINER)).BlockDeviceMappings!;
    expect(mappings.map((m) => [m.DeviceName, m.Ebs?.DeleteOnTermination])).toEqual([['/dev/xvda', true], ['/dev/sdf', false]]);
    const volumes = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [DATA_VOLUME] }));
    expect(volumes.Volumes![0]!.Attachments![0]!.DeleteOnTermination).toBe(false);
    const error = await rejection(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, BlockDeviceMappings: [{ DeviceName: '/dev/sdz', Ebs: { DeleteOnTermination: false } }] })));
    expect(error.name).toBe('InvalidParameterValue');
  });

  it('replaces all security groups with Groups, on the instance and its interface', async () => {
    const { account, ec2 } = setup();
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, Groups: [WEB_SG] }));
    const described = await instance(ec2, MINER);
    expect(described.SecurityGroups).toEqual([{ GroupId: WEB_SG, GroupName: 'web' }]);
    expect(described.NetworkInterfaces![0]!.Groups).toEqual([{ GroupId: WEB_SG, GroupName: 'web' }]);
    const filtered = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance.group-id', Values: [WEB_SG] }] }));
    expect(filtered.Reservations!.map((r) => r.Instances![0]!.InstanceId)).toEqual([MINER, WEB]);
    expect(lastRecord(account).requestParameters).toEqual({ instanceId: MINER, groupSet: { items: [{ groupId: WEB_SG }] } });
  });

  const refused: [string, ModifyInstanceAttributeCommandInput, string, RegExp][] = [
    ['two attributes in one call', { InstanceId: MINER, DisableApiTermination: { Value: true }, SourceDestCheck: { Value: false } }, 'InvalidParameterCombination', /multiple attribute types/],
    ['no attribute', { InstanceId: MINER }, 'InvalidParameterCombination', /No attributes specified/],
    ['an empty Groups list', { InstanceId: MINER, Groups: [] }, 'InvalidParameterCombination', /No attributes specified/],
    ['a group of another VPC', { InstanceId: MINER, Groups: [OTHER_VPC_SG] }, 'InvalidGroup.NotFound', /does not exist in VPC/],
    ['a group that does not exist', { InstanceId: MINER, Groups: ['sg-0nope'] }, 'InvalidGroup.NotFound', /sg-0nope/],
    ['Groups on an instance with two network interfaces', { InstanceId: WEB, Groups: [WEB_SG] }, 'InvalidInstanceID', /multiple interfaces attached to instance/],
    ['an unknown instance', { InstanceId: 'i-0000000000000dead', DisableApiTermination: { Value: true } }, 'InvalidInstanceID.NotFound', /i-0000000000000dead/],
    ['an attribute the account does not model', { InstanceId: MINER, InstanceType: { Value: 'c5.large' } }, 'UnsupportedOperation', /InstanceType/],
  ];
  it.each(refused)('refuses %s as EC2 does, changing nothing', async (_case, input, code, message) => {
    const { account, ec2 } = setup();
    const events = account.state.scenario.cloudtrail!.events!.length;
    const error = await rejection(ec2.send(new ModifyInstanceAttributeCommand(input)));
    expect(error).toBeInstanceOf(EC2ServiceException);
    expect(error.name).toBe(code);
    expect(error.message).toMatch(message);
    expect((await instance(ec2, MINER)).SecurityGroups).toEqual([{ GroupId: MINER_SG, GroupName: 'miner' }]);
    expect(account.state.scenario.cloudtrail!.events!.length).toBe(events);
  });

  it('is rate-limited per Region as a mutating action: 50 burst, then 5 a second', async () => {
    expect(rateLimitFor('ec2', 'ModifyInstanceAttribute', {})).toMatchObject({ burst: 50, perSecond: 5, error: 'RequestLimitExceeded', status: 503 });
    const { ec2 } = setup(true);
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, DisableApiTermination: { Value: i % 2 === 0 } }))),
    );
    const throttled = results.filter((r) => r.status === 'rejected');
    expect(throttled.length).toBeGreaterThanOrEqual(5);
    expect(throttled.length).toBeLessThanOrEqual(10);
    expect(throttled.every((r) => (r.reason as Error).name === 'RequestLimitExceeded')).toBe(true);
    // Each action has its own bucket: StopInstances is not throttled by ModifyInstanceAttribute.
    await expect(ec2.send(new StopInstancesCommand({ InstanceIds: [MINER] }))).resolves.toBeDefined();
  });
});

describe('StopInstances and StartInstances', () => {
  it('stops a running instance: answers stopping, then describes it stopped', async () => {
    const { account, ec2 } = setup();
    const out = await ec2.send(new StopInstancesCommand({ InstanceIds: [MINER] }));
    expect(out.StoppingInstances).toEqual([{ InstanceId: MINER, CurrentState: { Code: 64, Name: 'stopping' }, PreviousState: { Code: 16, Name: 'running' } }]);
    const described = await instance(ec2, MINER);
    expect(described.State).toEqual({ Code: 80, Name: 'stopped' });
    expect(described.StateReason?.Code).toBe('Client.UserInitiatedShutdown');
    expect(lastRecord(account)).toMatchObject({
      eventName: 'StopInstances',
      requestParameters: { instancesSet: { items: [{ instanceId: MINER }] }, force: false },
      responseElements: { instancesSet: { items: [{ instanceId: MINER, currentState: { code: 64, name: 'stopping' }, previousState: { code: 16, name: 'running' } }] } },
    });
  });

  it('starts it again: answers pending, then running, launched now', async () => {
    const { ec2 } = setup();
    await ec2.send(new StopInstancesCommand({ InstanceIds: [MINER] }));
    const out = await ec2.send(new StartInstancesCommand({ InstanceIds: [MINER] }));
    expect(out.StartingInstances).toEqual([{ InstanceId: MINER, CurrentState: { Code: 0, Name: 'pending' }, PreviousState: { Code: 80, Name: 'stopped' } }]);
    const described = await instance(ec2, MINER);
    expect(described.State?.Name).toBe('running');
    expect(described.LaunchTime).toEqual(new Date(NOW));
  });

  it('answers a stopped instance stopped, and refuses what cannot be stopped or started', async () => {
    const { account, ec2 } = setup();
    const again = await ec2.send(new StopInstancesCommand({ InstanceIds: [STOPPED] }));
    expect(again.StoppingInstances![0]!.CurrentState!.Name).toBe('stopped');
    account.state.scenario.ec2!.instances!.find((i) => i.InstanceId === WEB)!.State = { Name: 'terminated' };
    account.invalidate();
    expect((await rejection(ec2.send(new StopInstancesCommand({ InstanceIds: [WEB] })))).name).toBe('IncorrectInstanceState');
    expect((await rejection(ec2.send(new StartInstancesCommand({ InstanceIds: [WEB] })))).name).toBe('IncorrectInstanceState');
    const missing = await rejection(ec2.send(new StopInstancesCommand({ InstanceIds: [MINER, 'i-0000000000000dead'] })));
    expect(missing.name).toBe('InvalidInstanceID.NotFound');
    expect((await instance(ec2, MINER)).State?.Name).toBe('running');
  });

  it('refuses to stop an instance with stop protection', async () => {
    const { ec2 } = setup();
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, DisableApiStop: { Value: true } }));
    expect((await rejection(ec2.send(new StopInstancesCommand({ InstanceIds: [MINER] })))).name).toBe('OperationNotPermitted');
  });
});

describe('CreateTags and DeleteTags', () => {
  it('tags instances, groups, volumes and snapshots, visible to the describes and their filters', async () => {
    const { account, ec2 } = setup();
    await ec2.send(new CreateTagsCommand({ Resources: [MINER, MINER_SG, ROOT_VOLUME], Tags: [{ Key: 'rigwatch:quarantine', Value: 'run-1' }, { Key: 'Name', Value: 'miner' }] }));
    const described = await instance(ec2, MINER);
    expect(described.Tags).toEqual([
      { Key: 'Name', Value: 'miner' },
      { Key: 'aws:autoscaling:groupName', Value: 'miner-asg' },
      { Key: 'rigwatch:quarantine', Value: 'run-1' },
    ]);
    const byTag = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:rigwatch:quarantine', Values: ['run-1'] }] }));
    expect(byTag.Reservations!.map((r) => r.Instances![0]!.InstanceId)).toEqual([MINER]);
    const volumes = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag-key', Values: ['rigwatch:quarantine'] }] }));
    expect(volumes.Volumes!.map((v) => v.VolumeId)).toEqual([ROOT_VOLUME]);
    expect(lastRecord(account).requestParameters).toEqual({
      resourcesSet: { items: [{ resourceId: MINER }, { resourceId: MINER_SG }, { resourceId: ROOT_VOLUME }] },
      tagSet: { items: [{ key: 'rigwatch:quarantine', value: 'run-1' }, { key: 'Name', value: 'miner' }] },
    });
  });

  it('deletes a key whatever its value when no value is given, and only the matching value otherwise', async () => {
    const { ec2 } = setup();
    await ec2.send(new CreateTagsCommand({ Resources: [MINER], Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    await ec2.send(new DeleteTagsCommand({ Resources: [MINER], Tags: [{ Key: 'a' }, { Key: 'b', Value: 'not-2' }] }));
    expect((await instance(ec2, MINER)).Tags!.map((t) => t.Key)).toEqual(['Name', 'aws:autoscaling:groupName', 'b']);
  });

  it('refuses aws: keys and resources that do not exist', async () => {
    const { ec2 } = setup();
    expect((await rejection(ec2.send(new CreateTagsCommand({ Resources: [MINER], Tags: [{ Key: 'aws:x', Value: 'y' }] })))).name).toBe('InvalidParameterValue');
    expect((await rejection(ec2.send(new CreateTagsCommand({ Resources: ['i-0000000000000dead'], Tags: [{ Key: 'k', Value: 'v' }] })))).name).toBe('InvalidInstanceID.NotFound');
    expect((await rejection(ec2.send(new CreateTagsCommand({ Resources: ['snap-0nope'], Tags: [{ Key: 'k', Value: 'v' }] })))).name).toBe('InvalidSnapshot.NotFound');
  });
});

describe('CreateSnapshots and CreateSnapshot', () => {
  it('snapshots every EBS volume of an instance, pending, then completed to DescribeSnapshots', async () => {
    const { account, ec2 } = setup();
    const out = await ec2.send(new CreateSnapshotsCommand({
      InstanceSpecification: { InstanceId: MINER },
      Description: 'rigwatch forensics',
      CopyTagsFromSource: 'volume',
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'rigwatch:run', Value: 'run-1' }] }],
    }));
    expect(out.Snapshots).toHaveLength(2);
    const [root, data] = out.Snapshots!;
    expect(root).toMatchObject({ VolumeId: ROOT_VOLUME, State: 'pending', OwnerId: ACCOUNT_ID, VolumeSize: 8, Encrypted: true, StartTime: new Date(NOW) });
    expect(root!.SnapshotId).toMatch(/^snap-[0-9a-f]{17}$/);
    expect(root!.Tags).toEqual([{ Key: 'role', Value: 'root' }, { Key: 'rigwatch:run', Value: 'run-1' }]);
    expect(data).toMatchObject({ VolumeId: DATA_VOLUME, VolumeSize: 100, Tags: [{ Key: 'rigwatch:run', Value: 'run-1' }] });

    const mine = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'tag:rigwatch:run', Values: ['run-1'] }] }));
    expect(mine.Snapshots!.map((s) => [s.SnapshotId, s.State, s.Progress])).toEqual([[root!.SnapshotId, 'completed', '100%'], [data!.SnapshotId, 'completed', '100%']]);
    const byVolume = await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'volume-id', Values: [DATA_VOLUME] }, { Name: 'status', Values: ['completed'] }] }));
    expect(byVolume.Snapshots!.map((s) => s.SnapshotId)).toEqual([data!.SnapshotId]);
    const byId = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [root!.SnapshotId!] }));
    expect(byId.Snapshots).toHaveLength(1);

    const record = lastRecord(account);
    expect(record.eventName).toBe('CreateSnapshots');
    expect(record.requestParameters).toMatchObject({ CreateSnapshotsRequest: { InstanceSpecification: { InstanceId: MINER }, CopyTagsFromSource: 'volume' } });
    expect(JSON.stringify(record.responseElements)).toContain(root!.SnapshotId);
  });

  it('leaves out the boot volume when asked', async () => {
    const { ec2 } = setup();
    const out = await ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: MINER, ExcludeBootVolume: true } }));
    expect(out.Snapshots!.map((s) => s.VolumeId)).toEqual([DATA_VOLUME]);
  });

  it('snapshots one volume, and refuses one that does not exist', async () => {
    const { ec2 } = setup();
    const snapshot = await ec2.send(new CreateSnapshotCommand({ VolumeId: DATA_VOLUME, Description: 'one' }));
    expect(snapshot).toMatchObject({ VolumeId: DATA_VOLUME, State: 'pending', Description: 'one', Progress: '' });
    expect((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots!.map((s) => s.SnapshotId)).toEqual([snapshot.SnapshotId]);
    expect((await rejection(ec2.send(new CreateSnapshotCommand({ VolumeId: 'vol-0nope' })))).name).toBe('InvalidVolume.NotFound');
  });

  it('gives every snapshot a new id', async () => {
    const { ec2 } = setup();
    const first = await ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: MINER } }));
    const second = await ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: MINER } }));
    const ids = [...first.Snapshots!, ...second.Snapshots!].map((s) => s.SnapshotId);
    expect(new Set(ids).size).toBe(4);
  });
});

describe('CloudTrail records of EC2 changes', () => {
  it('are written as AWS writes them, with the auditor session as the caller, and LookupEvents finds them', async () => {
    const { account, ec2, cloudtrail } = setup();
    const out = await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, DisableApiTermination: { Value: true } }));
    const record = lastRecord(account);
    expect(record).toMatchObject({
      eventVersion: '1.10',
      eventTime: '2026-11-01T12:00:00Z',
      sourceIPAddress: '198.51.100.10',
      userAgent: 'rigwatch',
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT_ID,
      userIdentity: {
        type: 'AssumedRole',
        arn: auditorSessionArn(ACCOUNT_ID),
        accountId: ACCOUNT_ID,
        sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT_ID}:role/rigwatch-auditor`, userName: 'rigwatch-auditor' } },
      },
    });
    expect(record.userIdentity!.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(record.eventID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The answer and the record carry the same request id.
    expect(record.requestID).toBe(out.$metadata.requestId);
    expect(record.responseElements).toEqual({ requestId: out.$metadata.requestId, _return: true });

    const found = await cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'ModifyInstanceAttribute' }] }));
    expect(found.Events).toHaveLength(1);
    expect(found.Events![0]).toMatchObject({ EventId: record.eventID, Username: 'rigwatch', ReadOnly: 'false', Resources: [{ ResourceType: 'AWS::EC2::Instance', ResourceName: MINER }] });
    expect(JSON.parse(found.Events![0]!.CloudTrailEvent!)).toEqual(record);
  });

  it('are not written for failed calls', async () => {
    const { account, ec2 } = setup();
    await rejection(ec2.send(new StopInstancesCommand({ InstanceIds: ['i-0000000000000dead'] })));
    await rejection(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: MINER, DisableApiTermination: { Value: true }, DryRun: true })));
    expect(account.state.scenario.cloudtrail!.events).toHaveLength(1);
  });
});
