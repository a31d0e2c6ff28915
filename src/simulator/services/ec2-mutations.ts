// Simulated EC2 changes to instances, tags and snapshots: ModifyInstanceAttribute, StopInstances,
// StartInstances, CreateTags, DeleteTags, CreateSnapshots, CreateSnapshot. Each validates its whole
// input first (EC2 changes nothing when a call fails), then changes `scenario.ec2` in place and
// records the call as CloudTrail does (changes.ts).
//
// The simulated clock does not advance, so transitions settle at once: StopInstances answers
// `stopping` and the instance is `stopped` from then on; StartInstances answers `pending` and the
// instance is `running` (with LaunchTime = now, as EC2 resets it); a new snapshot is answered
// `pending` and described `completed`. Public IP addresses are kept across a stop.

import type {
  CreateSnapshotRequest,
  CreateSnapshotsRequest,
  CreateSnapshotsResult,
  CreateTagsRequest,
  DeleteTagsRequest,
  InstanceStateChange,
  ModifyInstanceAttributeRequest,
  Snapshot,
  StartInstancesRequest,
  StartInstancesResult,
  StopInstancesRequest,
  StopInstancesResult,
  Tag as SdkTag,
  TagSpecification,
} from '@aws-sdk/client-ec2';
import type { ScenarioInstance, Tag } from '../../scenario/types.js';
import { Change } from '../changes.js';
import { AwsError, type SimContext } from '../types.js';
import {
  ec2Changed,
  ec2Index,
  instanceIn,
  instancesIn,
  notFoundError,
  STATE_CODES,
  tagsOf,
  type Item,
} from './ec2-model.js';

export const EC2_EVENT_SOURCE = 'ec2.amazonaws.com';
const MAX_TAGS_PER_RESOURCE = 50;

/** A list as EC2's CloudTrail records write it: `{items: [...]}`, or `{}` when empty. */
export function itemSet<T>(list: T[]): { items: T[] } | Record<string, never> {
  return list.length > 0 ? { items: list } : {};
}

function scenarioEc2(ctx: SimContext) {
  return (ctx.account.scenario.ec2 ??= {});
}

function isoNow(ctx: SimContext): string {
  return new Date(ctx.account.now).toISOString();
}

// --- Tags --------------------------------------------------------------------------------------

/** Tags as given, checked as EC2 checks them; `aws:` keys belong to AWS. */
export function validTags(tags: SdkTag[] | undefined, valueRequired = true): Tag[] {
  return (tags ?? []).map((tag) => {
    const key = tag.Key;
    if (typeof key !== 'string' || key === '') throw new AwsError('InvalidParameterValue', 'Tag key must not be empty');
    if (key.length > 128) throw new AwsError('InvalidParameterValue', `Tag key exceeds the maximum length of 128 characters: ${key}`);
    if (key.toLowerCase().startsWith('aws:')) throw new AwsError('InvalidParameterValue', "Tag keys starting with 'aws:' are reserved for internal use");
    const value = tag.Value ?? (valueRequired ? '' : undefined);
    if (typeof value === 'string' && value.length > 256) throw new AwsError('InvalidParameterValue', `Tag value exceeds the maximum length of 256 characters: ${value}`);
    return value === undefined ? ({ Key: key } as Tag) : { Key: key, Value: value };
  });
}

/** The tags a call's TagSpecifications give a resource of `resourceType` (others are refused). */
export function specifiedTags(specs: TagSpecification[] | undefined, resourceType: string): Tag[] {
  const tags: Tag[] = [];
  for (const spec of specs ?? []) {
    if (spec.ResourceType !== resourceType) {
      throw new AwsError('InvalidParameterValue', `'${String(spec.ResourceType)}' is not a valid taggable resource type for this operation.`);
    }
    tags.push(...validTags(spec.Tags));
  }
  return tags;
}

/** TagSpecifications as CloudTrail writes them. */
export function tagSpecificationSet(specs: TagSpecification[] | undefined): Record<string, unknown> {
  if (!specs || specs.length === 0) return {};
  return {
    tagSpecificationSet: itemSet(specs.map((s) => ({ resourceType: s.ResourceType, tags: (s.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })) }))),
  };
}

/** Sets `tags` on an item, replacing the values of keys it has. */
export function setTags(item: { Tags?: Tag[] }, tags: Tag[]): void {
  const current = [...tagsOf(item)];
  for (const tag of tags) {
    const at = current.findIndex((t) => t.Key === tag.Key);
    if (at >= 0) current[at] = { Key: tag.Key, Value: tag.Value };
    else current.push({ Key: tag.Key, Value: tag.Value });
  }
  item.Tags = current;
}

function removeTags(item: { Tags?: Tag[] }, keep: (tag: Tag) => boolean): void {
  const kept = tagsOf(item).filter(keep);
  if (kept.length > 0) item.Tags = kept;
  else delete item.Tags;
}

type Taggable = { Tags?: Tag[] };

const TAGGABLE: { prefix: string; code: string; noun: string; find(ctx: SimContext, id: string): Taggable | undefined }[] = [
  { prefix: 'i-', code: 'InvalidInstanceID.NotFound', noun: 'instance ID', find: (ctx, id) => ec2Index(ctx).instanceById.get(id) },
  { prefix: 'sg-', code: 'InvalidGroup.NotFound', noun: 'security group', find: (ctx, id) => ec2Index(ctx).groups.get(ctx.region)?.find((g) => g.GroupId === id) },
  { prefix: 'snap-', code: 'InvalidSnapshot.NotFound', noun: 'snapshot', find: (ctx, id) => ec2Index(ctx).snapshots.get(ctx.region)?.find((s) => s.SnapshotId === id) as Taggable | undefined },
  { prefix: 'vol-', code: 'InvalidVolume.NotFound', noun: 'volume', find: (ctx, id) => ec2Index(ctx).volumes.get(ctx.region)?.find((v) => v.VolumeId === id) as Taggable | undefined },
];

/** The resources a tag call names, in the call's Region; the scenario models these four kinds. */
function taggableResources(ctx: SimContext, ids: string[] | undefined): Taggable[] {
  if (!ids || ids.length === 0) throw new AwsError('MissingParameter', 'The request must contain the parameter resourceIdSet');
  return [...new Set(ids)].map((id) => {
    const kind = TAGGABLE.find((k) => id.startsWith(k.prefix));
    if (!kind) throw new AwsError('InvalidID', `The ID '${id}' is not valid`);
    const found = kind.find(ctx, id);
    if (!found || (found as { Region?: string }).Region !== ctx.region) throw notFoundError(kind.code, kind.noun, [id]);
    return found;
  });
}

function createTags(ctx: SimContext, input: CreateTagsRequest): Record<string, never> {
  const resources = taggableResources(ctx, input.Resources);
  if (!input.Tags || input.Tags.length === 0) throw new AwsError('MissingParameter', 'The request must contain the parameter tagSet');
  const tags = validTags(input.Tags);
  for (const resource of resources) {
    const keys = new Set([...tagsOf(resource).map((t) => t.Key), ...tags.map((t) => t.Key)]);
    if (keys.size > MAX_TAGS_PER_RESOURCE) throw new AwsError('TagLimitExceeded', 'The maximum number of Tags for a resource has been reached.');
  }
  const change = new Change(ctx);
  for (const resource of resources) setTags(resource, tags);
  ec2Changed(ctx);
  change.record({
    eventSource: EC2_EVENT_SOURCE,
    eventName: 'CreateTags',
    requestParameters: {
      resourcesSet: itemSet(input.Resources!.map((resourceId) => ({ resourceId }))),
      tagSet: itemSet(tags.map((t) => ({ key: t.Key, value: t.Value }))),
    },
    responseElements: { requestId: change.requestId, _return: true },
  });
  return {};
}

function deleteTags(ctx: SimContext, input: DeleteTagsRequest): Record<string, never> {
  const resources = taggableResources(ctx, input.Resources);
  const tags = validTags(input.Tags, false);
  const change = new Change(ctx);
  // No Tags: every tag but AWS's own goes. A tag without a value deletes its key whatever the value.
  const deleted = (tag: Tag) =>
    tags.length === 0
      ? !tag.Key.startsWith('aws:')
      : tags.some((t) => t.Key === tag.Key && (t.Value === undefined || t.Value === tag.Value));
  for (const resource of resources) removeTags(resource, (tag) => !deleted(tag));
  ec2Changed(ctx);
  change.record({
    eventSource: EC2_EVENT_SOURCE,
    eventName: 'DeleteTags',
    requestParameters: {
      resourcesSet: itemSet(input.Resources!.map((resourceId) => ({ resourceId }))),
      tagSet: itemSet(tags.map((t) => (t.Value === undefined ? { key: t.Key } : { key: t.Key, value: t.Value }))),
    },
    responseElements: { requestId: change.requestId, _return: true },
  });
  return {};
}

// --- ModifyInstanceAttribute -------------------------------------------------------------------

/** The request members that each name one attribute, by the name EC2 reports them with. */
const ATTRIBUTE_MEMBERS: [member: keyof ModifyInstanceAttributeRequest, name: string][] = [
  ['SourceDestCheck', 'sourceDestCheck'],
  ['DisableApiStop', 'disableApiStop'],
  ['DisableApiTermination', 'disableApiTermination'],
  ['InstanceInitiatedShutdownBehavior', 'instanceInitiatedShutdownBehavior'],
  ['Groups', 'groupSet'],
  ['BlockDeviceMappings', 'blockDeviceMapping'],
  ['InstanceType', 'instanceType'],
  ['Kernel', 'kernel'],
  ['Ramdisk', 'ramdisk'],
  ['UserData', 'userData'],
  ['EbsOptimized', 'ebsOptimized'],
  ['SriovNetSupport', 'sriovNetSupport'],
  ['EnaSupport', 'enaSupport'],
  ['EnclaveOptions', 'enclaveOptions'],
  ['Attribute', 'attribute'],
];

const isGiven = (value: unknown) => value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);

function booleanValue(attribute: { Value?: boolean } | undefined, name: string): boolean {
  if (typeof attribute?.Value !== 'boolean') throw new AwsError('InvalidParameterValue', `Value for parameter ${name} is invalid: expected true or false`);
  return attribute.Value;
}

function parseBoolean(value: string | undefined, name: string): boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  throw new AwsError('InvalidParameterValue', `Value (${String(value)}) for parameter ${name} is invalid. Expected 'true' or 'false'.`);
}

function multipleInterfaces(instance: ScenarioInstance): AwsError | undefined {
  if ((instance.NetworkInterfaces?.length ?? 0) <= 1) return undefined;
  return new AwsError('InvalidInstanceID', `There are multiple interfaces attached to instance '${instance.InstanceId}'. Please specify an interface ID for the operation instead.`);
}

/** One attribute change, checked and ready: `apply` changes the scenario. */
interface AttributeChange {
  requestParameters: Record<string, unknown>;
  apply(): void;
}

function setBoolean(instance: ScenarioInstance, key: string, name: string, value: boolean): AttributeChange {
  return { requestParameters: { [name]: { value } }, apply: () => { instance[key] = value; } };
}

function sourceDestCheck(instance: ScenarioInstance, value: boolean): AttributeChange {
  const error = multipleInterfaces(instance);
  if (error) throw error;
  return {
    requestParameters: { sourceDestCheck: { value } },
    apply: () => {
      instance.SourceDestCheck = value;
      const eni = instance.NetworkInterfaces?.[0];
      if (eni) eni.SourceDestCheck = value;
    },
  };
}

function shutdownBehavior(instance: ScenarioInstance, value: string | undefined): AttributeChange {
  if (value !== 'stop' && value !== 'terminate') {
    throw new AwsError('InvalidParameterValue', `Value (${String(value)}) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values are 'stop' and 'terminate'.`);
  }
  return {
    requestParameters: { instanceInitiatedShutdownBehavior: { value } },
    apply: () => { instance.InstanceInitiatedShutdownBehavior = value; },
  };
}

const MAX_GROUPS_PER_INTERFACE = 5;

function groupSet(ctx: SimContext, instance: ScenarioInstance, groupIds: string[]): AttributeChange {
  const error = multipleInterfaces(instance);
  if (error) throw error;
  const ids = [...new Set(groupIds)];
  if (ids.length > MAX_GROUPS_PER_INTERFACE) {
    throw new AwsError('SecurityGroupsPerInterfaceLimitExceeded', 'You have exceeded the maximum number of security groups allowed per network interface.');
  }
  const regionGroups = ec2Index(ctx).groups.get(ctx.region) ?? [];
  const groups = ids.map((id) => {
    const group = regionGroups.find((g) => g.GroupId === id);
    if (!group) throw notFoundError('InvalidGroup.NotFound', 'security group', [id]);
    if (instance.VpcId !== undefined && group.VpcId !== undefined && group.VpcId !== instance.VpcId) {
      throw new AwsError('InvalidGroup.NotFound', `The security group '${id}' does not exist in VPC '${instance.VpcId}'`);
    }
    return { GroupId: group.GroupId, GroupName: group.GroupName };
  });
  return {
    requestParameters: { groupSet: itemSet(ids.map((groupId) => ({ groupId }))) },
    apply: () => {
      instance.SecurityGroups = groups;
      const eni = instance.NetworkInterfaces?.[0];
      if (eni && Array.isArray(eni.Groups)) eni.Groups = groups.map((g) => ({ ...g }));
      if (eni && Array.isArray(eni.SecurityGroups)) eni.SecurityGroups = groups.map((g) => ({ ...g }));
    },
  };
}

function deleteOnTermination(ctx: SimContext, instance: ScenarioInstance, mappings: { DeviceName?: string; Ebs?: { DeleteOnTermination?: boolean; VolumeId?: string }; NoDevice?: string; VirtualName?: string }[]): AttributeChange {
  const changes = mappings.map((m) => {
    if (m.NoDevice !== undefined || m.VirtualName !== undefined || typeof m.Ebs?.DeleteOnTermination !== 'boolean') {
      throw new AwsError('UnsupportedOperation', 'The simulated account changes only Ebs.DeleteOnTermination of a block device mapping');
    }
    const mapping = (instance.BlockDeviceMappings ?? []).find((b) => b.DeviceName === m.DeviceName);
    if (!mapping) {
      throw new AwsError('InvalidParameterValue', `Value (${String(m.DeviceName)}) for parameter deviceName is invalid. No device is mapped at ${String(m.DeviceName)} on instance ${instance.InstanceId}.`);
    }
    return { mapping, value: m.Ebs.DeleteOnTermination };
  });
  const volumes = ec2Index(ctx).volumes.get(ctx.region) ?? [];
  return {
    requestParameters: {
      blockDeviceMapping: itemSet(changes.map(({ mapping, value }) => ({ deviceName: mapping.DeviceName, ebs: { deleteOnTermination: value } }))),
    },
    apply: () => {
      for (const { mapping, value } of changes) {
        mapping.Ebs = { ...mapping.Ebs, DeleteOnTermination: value };
        const volume = volumes.find((v) => v.VolumeId === mapping.Ebs?.VolumeId);
        for (const attachment of (volume?.Attachments ?? []) as { InstanceId?: string; DeleteOnTermination?: boolean }[]) {
          if (attachment.InstanceId === instance.InstanceId) attachment.DeleteOnTermination = value;
        }
      }
    },
  };
}

/** The legacy form: Attribute names the attribute, Value carries it as a string. */
function namedAttribute(instance: ScenarioInstance, attribute: string, value: string | undefined): AttributeChange {
  switch (attribute) {
    case 'disableApiTermination': return setBoolean(instance, 'DisableApiTermination', attribute, parseBoolean(value, attribute));
    case 'disableApiStop': return setBoolean(instance, 'DisableApiStop', attribute, parseBoolean(value, attribute));
    case 'sourceDestCheck': return sourceDestCheck(instance, parseBoolean(value, attribute));
    case 'instanceInitiatedShutdownBehavior': return shutdownBehavior(instance, value);
    default:
      throw new AwsError('UnsupportedOperation', `The simulated account does not implement ModifyInstanceAttribute ${attribute}`);
  }
}

function modifyInstanceAttribute(ctx: SimContext, input: ModifyInstanceAttributeRequest): Record<string, never> {
  const instance = instanceIn(ctx, input.InstanceId);
  const given = ATTRIBUTE_MEMBERS.filter(([member]) => isGiven(input[member]));
  if (given.length === 0) throw new AwsError('InvalidParameterCombination', 'No attributes specified.');
  if (given.length > 1) {
    throw new AwsError('InvalidParameterCombination', `Fields for multiple attribute types specified: ${given.map(([, name]) => name).join(', ')}`);
  }
  const [member] = given[0]!;
  let attribute: AttributeChange;
  switch (member) {
    case 'DisableApiTermination':
      attribute = setBoolean(instance, 'DisableApiTermination', 'disableApiTermination', booleanValue(input.DisableApiTermination, 'disableApiTermination'));
      break;
    case 'DisableApiStop':
      attribute = setBoolean(instance, 'DisableApiStop', 'disableApiStop', booleanValue(input.DisableApiStop, 'disableApiStop'));
      break;
    case 'SourceDestCheck':
      attribute = sourceDestCheck(instance, booleanValue(input.SourceDestCheck, 'sourceDestCheck'));
      break;
    case 'InstanceInitiatedShutdownBehavior':
      attribute = shutdownBehavior(instance, input.InstanceInitiatedShutdownBehavior?.Value);
      break;
    case 'Groups':
      attribute = groupSet(ctx, instance, input.Groups!);
      break;
    case 'BlockDeviceMappings':
      attribute = deleteOnTermination(ctx, instance, input.BlockDeviceMappings!);
      break;
    case 'Attribute':
      attribute = namedAttribute(instance, input.Attribute!, input.Value);
      break;
    default:
      throw new AwsError('UnsupportedOperation', `The simulated account does not implement ModifyInstanceAttribute ${member}`);
  }
  const change = new Change(ctx);
  attribute.apply();
  ec2Changed(ctx);
  const requestParameters = member === 'Attribute'
    ? { instanceId: instance.InstanceId, attribute: input.Attribute, value: input.Value }
    : { instanceId: instance.InstanceId, ...attribute.requestParameters };
  change.record({
    eventSource: EC2_EVENT_SOURCE,
    eventName: 'ModifyInstanceAttribute',
    requestParameters,
    responseElements: { requestId: change.requestId, _return: true },
  });
  return {};
}

// --- StopInstances / StartInstances ------------------------------------------------------------

type StateName = NonNullable<NonNullable<InstanceStateChange['CurrentState']>['Name']>;

function state(name: string): { Code: number; Name: StateName } {
  return { Code: STATE_CODES[name] ?? 0, Name: name as StateName };
}

/** EC2's "User initiated (2026-11-01 12:00:00 GMT)". */
function userInitiated(ctx: SimContext): string {
  return `User initiated (${new Date(ctx.account.now).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' GMT')})`;
}

interface Transition {
  instance: ScenarioInstance;
  previous: string;
  /** What the call answers: the transitional state. */
  current: string;
  /** Where the instance settles. */
  settled: string;
}

function stateChanges(ctx: SimContext, eventName: string, transitions: Transition[], requestParameters: Record<string, unknown>): InstanceStateChange[] {
  const change = new Change(ctx);
  for (const t of transitions) t.instance.State = state(t.settled);
  ec2Changed(ctx);
  const changes = transitions.map((t) => ({ InstanceId: t.instance.InstanceId, CurrentState: state(t.current), PreviousState: state(t.previous) }));
  change.record({
    eventSource: EC2_EVENT_SOURCE,
    eventName,
    requestParameters,
    responseElements: {
      requestId: change.requestId,
      instancesSet: itemSet(changes.map((c) => ({
        instanceId: c.InstanceId,
        currentState: { code: c.CurrentState.Code, name: c.CurrentState.Name },
        previousState: { code: c.PreviousState.Code, name: c.PreviousState.Name },
      }))),
    },
  });
  return changes;
}

function stopInstances(ctx: SimContext, input: StopInstancesRequest): StopInstancesResult {
  const transitions = instancesIn(ctx, input.InstanceIds).map((instance): Transition => {
    const previous = instance.State.Name;
    if (previous === 'pending' || previous === 'shutting-down' || previous === 'terminated') {
      throw new AwsError('IncorrectInstanceState', `This instance '${instance.InstanceId}' is not in a state from which it can be stopped.`);
    }
    if (instance.DisableApiStop === true) {
      throw new AwsError('OperationNotPermitted', `The instance '${instance.InstanceId}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.`);
    }
    return { instance, previous, current: previous === 'running' ? 'stopping' : previous, settled: 'stopped' };
  });
  const reason = userInitiated(ctx);
  for (const { instance, previous } of transitions) {
    if (previous !== 'running') continue;
    instance.StateTransitionReason = reason;
    instance.StateReason = { Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
  }
  const changes = stateChanges(ctx, 'StopInstances', transitions, {
    instancesSet: itemSet(transitions.map((t) => ({ instanceId: t.instance.InstanceId }))),
    force: input.Force ?? false,
  });
  return { StoppingInstances: changes };
}

function startInstances(ctx: SimContext, input: StartInstancesRequest): StartInstancesResult {
  const transitions = instancesIn(ctx, input.InstanceIds).map((instance): Transition => {
    const previous = instance.State.Name;
    if (previous !== 'stopped' && previous !== 'running' && previous !== 'pending') {
      throw new AwsError('IncorrectInstanceState', `The instance '${instance.InstanceId}' is not in a state from which it can be started.`);
    }
    return { instance, previous, current: previous === 'stopped' ? 'pending' : previous, settled: 'running' };
  });
  for (const { instance, previous } of transitions) {
    if (previous !== 'stopped') continue;
    instance.LaunchTime = isoNow(ctx);
    instance.StateTransitionReason = '';
    delete instance.StateReason;
  }
  const changes = stateChanges(ctx, 'StartInstances', transitions, {
    instancesSet: itemSet(transitions.map((t) => ({ instanceId: t.instance.InstanceId }))),
  });
  return { StartingInstances: changes };
}

// --- Snapshots ---------------------------------------------------------------------------------

interface SourceVolume {
  volumeId: string;
  volume: Item | undefined;
}

function volumeItem(ctx: SimContext, volumeId: string): Item | undefined {
  return ec2Index(ctx).volumes.get(ctx.region)?.find((v) => v.VolumeId === volumeId);
}

/** A snapshot of `source`, stored as it settles (completed); `tags` are already checked. */
function newSnapshot(ctx: SimContext, change: Change, index: number, source: SourceVolume, description: string | undefined, tags: Tag[]): Item {
  const size = source.volume?.Size;
  const snapshot: Item = {
    Region: ctx.region,
    SnapshotId: `snap-${change.hex(`snapshot/${index}`)}`,
    VolumeId: source.volumeId,
    State: 'completed',
    Progress: '100%',
    StartTime: isoNow(ctx),
    OwnerId: ctx.account.id,
    ...(typeof size === 'number' && { VolumeSize: size }),
    Description: description ?? '',
    Encrypted: source.volume?.Encrypted === true,
    StorageTier: 'standard',
    ...(tags.length > 0 && { Tags: tags }),
  };
  (scenarioEc2(ctx).snapshots ??= []).push(snapshot);
  return snapshot;
}

/** A new snapshot as the creating call answers it: still pending. */
function pendingShape(snapshot: Item): Snapshot {
  return {
    SnapshotId: snapshot.SnapshotId as string,
    VolumeId: snapshot.VolumeId as string,
    State: 'pending',
    StartTime: new Date(snapshot.StartTime as string),
    Progress: '',
    OwnerId: snapshot.OwnerId as string,
    ...(typeof snapshot.VolumeSize === 'number' && { VolumeSize: snapshot.VolumeSize }),
    Description: snapshot.Description as string,
    Encrypted: snapshot.Encrypted as boolean,
    Tags: tagsOf(snapshot).map((t) => ({ ...t })),
  };
}

/** A pending snapshot as EC2's CloudTrail records write it (times in epoch milliseconds). */
function snapshotElements(snapshot: Snapshot): Record<string, unknown> {
  return {
    snapshotId: snapshot.SnapshotId,
    volumeId: snapshot.VolumeId,
    status: 'pending',
    startTime: snapshot.StartTime!.getTime(),
    progress: '',
    ownerId: snapshot.OwnerId,
    ...(snapshot.VolumeSize !== undefined && { volumeSize: snapshot.VolumeSize }),
    description: snapshot.Description,
    encrypted: snapshot.Encrypted,
  };
}

function rootDevice(instance: ScenarioInstance): string | undefined {
  return typeof instance.RootDeviceName === 'string' ? instance.RootDeviceName : instance.BlockDeviceMappings?.[0]?.DeviceName;
}

function createSnapshots(ctx: SimContext, input: CreateSnapshotsRequest): CreateSnapshotsResult {
  const spec = input.InstanceSpecification;
  if (!spec?.InstanceId) throw new AwsError('MissingParameter', 'The request must contain the parameter InstanceSpecification.InstanceId');
  const instance = instanceIn(ctx, spec.InstanceId);
  if (input.CopyTagsFromSource !== undefined && input.CopyTagsFromSource !== 'volume') {
    throw new AwsError('InvalidParameterValue', `Value (${String(input.CopyTagsFromSource)}) for parameter CopyTagsFromSource is invalid.`);
  }
  const tags = specifiedTags(input.TagSpecifications, 'snapshot');
  const root = rootDevice(instance);
  const excluded = new Set(spec.ExcludeDataVolumeIds ?? []);
  const ebs = (instance.BlockDeviceMappings ?? []).flatMap((b) => (typeof b.Ebs?.VolumeId === 'string' ? [{ device: b.DeviceName, volumeId: b.Ebs.VolumeId }] : []));
  if (ebs.some((b) => excluded.has(b.volumeId) && b.device === root)) {
    throw new AwsError('InvalidParameterValue', 'The root volume cannot be excluded with ExcludeDataVolumeIds; use ExcludeBootVolume.');
  }
  const sources: SourceVolume[] = ebs
    .filter((b) => !(spec.ExcludeBootVolume === true && b.device === root) && !excluded.has(b.volumeId))
    .map((b) => ({ volumeId: b.volumeId, volume: volumeItem(ctx, b.volumeId) }));
  const change = new Change(ctx);
  const snapshots = sources.map((source, i) => {
    const copied = input.CopyTagsFromSource === 'volume' ? tagsOf(source.volume ?? {}).filter((t) => !t.Key.startsWith('aws:')) : [];
    const merged: { Tags?: Tag[] } = {};
    setTags(merged, [...copied, ...tags]);
    return pendingShape(newSnapshot(ctx, change, i, source, input.Description, merged.Tags ?? []));
  });
  ec2Changed(ctx);
  // CloudTrail writes CreateSnapshots, a newer EC2 API, in the request's and response's own shapes.
  change.record({
    eventSource: EC2_EVENT_SOURCE,
    eventName: 'CreateSnapshots',
    requestParameters: {
      CreateSnapshotsRequest: {
        InstanceSpecification: { InstanceId: instance.InstanceId, ...(spec.ExcludeBootVolume !== undefined && { ExcludeBootVolume: spec.ExcludeBootVolume }) },
        ...(input.Description !== undefined && { Description: input.Description }),
        ...(input.CopyTagsFromSource !== undefined && { CopyTagsFromSource: input.CopyTagsFromSource }),
        ...(input.TagSpecifications && input.TagSpecifications.length > 0 && {
          TagSpecification: input.TagSpecifications.map((s) => ({ ResourceType: s.ResourceType, Tag: (s.Tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value })) })),
        }),
      },
    },
    responseElements: {
      CreateSnapshotsResponse: {
        xmlns: 'http://ec2.amazonaws.com/doc/2016-11-15/',
        requestId: change.requestId,
        snapshotSet: { item: snapshots.map(snapshotElements) },
      },
    },
  });
  return { Snapshots: snapshots };
}

function createSnapshot(ctx: SimContext, input: CreateSnapshotRequest): Snapshot {
  const volumeId = input.VolumeId;
  if (!volumeId) throw new AwsError('MissingParameter', 'The request must contain the parameter VolumeId');
  const volume = volumeItem(ctx, volumeId);
  const attached = (ec2Index(ctx).instances.get(ctx.region) ?? []).some((i) => i.BlockDeviceMappings?.some((b) => b.Ebs?.VolumeId === volumeId));
  if (!volume && !attached) throw notFoundError('InvalidVolume.NotFound', 'volume', [volumeId]);
  const tags = specifiedTags(input.TagSpecifications, 'snapshot');
  const change = new Change(ctx);
  const snapshot = pendingShape(newSnapshot(ctx, change, 0, { volumeId, volume }, input.Description, tags));
  ec2Changed(ctx);
  change.record({
    eventSource: EC2_EVENT_SOURCE,
    eventName: 'CreateSnapshot',
    requestParameters: {
      volumeId,
      ...(input.Description !== undefined && { description: input.Description }),
      ...tagSpecificationSet(input.TagSpecifications),
    },
    responseElements: { requestId: change.requestId, ...snapshotElements(snapshot) },
  });
  return snapshot;
}

export const ec2Mutations = {
  ModifyInstanceAttribute: modifyInstanceAttribute,
  StopInstances: stopInstances,
  StartInstances: startInstances,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  CreateSnapshots: createSnapshots,
  CreateSnapshot: createSnapshot,
};
