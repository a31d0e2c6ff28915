// Simulated EC2: the describes rigwatch's collectors call, per Region, from scenario.ec2, and the
// service's operation table (its changes live in ec2-mutations.ts and ec2-security-groups.ts). Each
// describe validates its input as EC2 does, filters (EC2 filter semantics: filters AND, values OR,
// `*` and `?` wildcards), and pages with opaque tokens. Region lists are indexed once per scenario
// version and each distinct query's result list is kept, so following a query's pages costs only
// the page.

import type {
  DescribeInstanceAttributeRequest,
  DescribeInstancesRequest,
  DescribeInstancesResult,
  DescribeRegionsRequest,
  DescribeRegionsResult,
  DescribeSecurityGroupRulesRequest,
  DescribeSecurityGroupRulesResult,
  DescribeSecurityGroupsRequest,
  DescribeSecurityGroupsResult,
  DescribeSnapshotsRequest,
  DescribeSnapshotsResult,
  DescribeVolumesRequest,
  DescribeVolumesResult,
  Filter,
  Instance,
  InstanceAttribute,
  IpPermission,
  Reservation,
  SecurityGroup,
  SecurityGroupRule,
  Snapshot,
  Volume,
} from '@aws-sdk/client-ec2';
import { DEFAULT_REGIONS, type ScenarioInstance, type ScenarioSecurityGroup } from '../../scenario/types.js';
import { PAGE_LIMITS } from '../limits.js';
import { decodeToken, encodeToken, queryFingerprint, queryOf } from '../next-token.js';
import { AwsError, type SimContext, type SimulatedService } from '../types.js';
import {
  availabilityZone,
  ec2Index,
  hexId,
  instanceIn,
  NON_INSTANCE_KEYS,
  notFoundError,
  rulesOf,
  sdkShape,
  STATE_CODES,
  tagsOf,
  withoutKeys,
  type Ec2Index,
  type Item,
} from './ec2-model.js';
import { ec2Mutations } from './ec2-mutations.js';
import { securityGroupMutations } from './ec2-security-groups.js';

const MAX_CACHED_QUERIES = 512;

// --- Filters -----------------------------------------------------------------------------------

/** For each filter name, the values an item has for it (an item matches if any value matches). */
type FilterFields<T> = Record<string, (item: T) => unknown[]>;

const globs = new Map<string, RegExp>();

function globMatches(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  let regex = globs.get(pattern);
  if (!regex) {
    let source = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!;
      if (c === '\\' && i + 1 < pattern.length) source += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      else if (c === '*') source += '.*';
      else if (c === '?') source += '.';
      else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
    regex = new RegExp(`^${source}$`, 's');
    globs.set(pattern, regex);
  }
  return regex.test(value);
}

function asFilterValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : String(value);
}

function filterValues<T>(item: T, name: string, fields: FilterFields<T>): unknown[] {
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    return tagsOf(item).filter((t) => t.Key === key).map((t) => t.Value);
  }
  if (name === 'tag-key') return tagsOf(item).map((t) => t.Key);
  if (name === 'tag-value') return tagsOf(item).map((t) => t.Value);
  return fields[name]!(item);
}

function applyFilters<T>(items: T[], filters: Filter[] | undefined, fields: FilterFields<T>): T[] {
  if (!filters || filters.length === 0) return items;
  for (const filter of filters) {
    const name = filter.Name ?? '';
    if (!(name in fields) && !name.startsWith('tag:') && name !== 'tag-key' && name !== 'tag-value') {
      throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
    }
    if (!filter.Values || filter.Values.length === 0) {
      throw new AwsError('InvalidParameterValue', `The filter '${name}' requires at least one value`);
    }
  }
  return items.filter((item) =>
    filters.every((filter) => {
      const values = filterValues(item, filter.Name!, fields).map(asFilterValue).filter((v): v is string => v !== undefined);
      return filter.Values!.some((pattern) => values.some((v) => globMatches(pattern, v)));
    }),
  );
}

// --- Paging ------------------------------------------------------------------------------------

interface Collection<T> {
  operation: string;
  /** The Region's items, in the order AWS lists them. */
  items(ctx: SimContext, index: Ec2Index): T[];
  filters: FilterFields<T>;
  ids?: {
    member: string;
    idOf(item: T): string;
    notFound(missing: string[]): AwsError;
    /** EC2 rejects MaxResults together with this member. */
    exclusiveWithMaxResults: boolean;
  };
  /** MaxResults above 1000 is capped rather than rejected (DescribeVolumes, DescribeSnapshots). */
  capsMaxResults?: boolean;
  /** Further selection by input members other than Filters and ids. */
  select?(items: T[], input: Record<string, unknown>, ctx: SimContext): T[];
}

function pageSize(ctx: SimContext, maxResults: unknown, capsAbove: boolean): number | undefined {
  if (maxResults === undefined || maxResults === null) return undefined;
  const n = Number(maxResults);
  const { min, max } = PAGE_LIMITS.ec2;
  const lowest = ctx.simulation.enforceLimits ? min : 1;
  if (!Number.isInteger(n) || n < lowest) {
    throw new AwsError('InvalidParameterValue', `Value ( ${String(maxResults)} ) for parameter maxResults is invalid. Expecting a value greater than ${lowest - 1}.`);
  }
  if (!ctx.simulation.enforceLimits || n <= max) return n;
  if (capsAbove) return max;
  throw new AwsError('InvalidParameterValue', `Value ( ${n} ) for parameter maxResults is invalid. Expecting a value less than or equal to ${max}.`);
}

function describe<T>(ctx: SimContext, rawInput: object, collection: Collection<T>): { page: T[]; NextToken?: string } {
  const input = rawInput as Record<string, unknown>;
  const size = pageSize(ctx, input.MaxResults, collection.capsMaxResults ?? false);
  const ids = collection.ids && Array.isArray(input[collection.ids.member]) ? (input[collection.ids.member] as string[]) : undefined;
  if (ids && ids.length > 0 && size !== undefined && collection.ids!.exclusiveWithMaxResults) {
    throw new AwsError('InvalidParameterCombination', `The parameter ${collection.ids!.member} cannot be used with the parameter MaxResults`);
  }
  const index = ec2Index(ctx);
  const fingerprint = queryFingerprint({ op: collection.operation, account: ctx.account.id, region: ctx.region, query: queryOf(input, {}) });
  let offset = 0;
  if (typeof input.NextToken === 'string' && input.NextToken !== '') {
    const position = decodeToken(input.NextToken, fingerprint);
    if (typeof position !== 'number') throw new AwsError('InvalidPaginationToken', 'The specified pagination token is not valid or is expired.');
    offset = position;
  }
  let results = index.results.get(fingerprint) as T[] | undefined;
  if (!results) {
    let items = collection.items(ctx, index);
    if (ids && ids.length > 0) {
      const { idOf, notFound } = collection.ids!;
      const wanted = new Set(ids);
      items = items.filter((item) => wanted.has(idOf(item)));
      const found = new Set(items.map(idOf));
      const missing = [...wanted].filter((id) => !found.has(id));
      if (missing.length > 0) throw notFound(missing);
    }
    if (collection.select) items = collection.select(items, input, ctx);
    results = applyFilters(items, input.Filters as Filter[] | undefined, collection.filters);
    if (index.results.size >= MAX_CACHED_QUERIES) index.results.clear();
    index.results.set(fingerprint, results);
  }
  if (size === undefined) return { page: results.slice(offset) };
  const end = offset + size;
  return end < results.length
    ? { page: results.slice(offset, end), NextToken: encodeToken(end, fingerprint) }
    : { page: results.slice(offset) };
}

function regionItems<T>(map: Map<string, T[]>, region: string): T[] {
  return map.get(region) ?? [];
}

// --- Instances ---------------------------------------------------------------------------------

const INSTANCE_FILTERS: FilterFields<ScenarioInstance> = {
  'instance-id': (i) => [i.InstanceId],
  'instance-type': (i) => [i.InstanceType],
  'instance-state-name': (i) => [i.State.Name],
  'instance-state-code': (i) => [STATE_CODES[i.State.Name] ?? i.State.Code],
  'vpc-id': (i) => [i.VpcId],
  'subnet-id': (i) => [i.SubnetId],
  'image-id': (i) => [i.ImageId],
  'key-name': (i) => [i.KeyName],
  architecture: (i) => [i.Architecture],
  'availability-zone': (i) => [availabilityZone(i)],
  'launch-time': (i) => [new Date(i.LaunchTime).toISOString()],
  'private-ip-address': (i) => [i.PrivateIpAddress],
  'ip-address': (i) => [i.PublicIpAddress],
  'iam-instance-profile.arn': (i) => [i.IamInstanceProfile?.Arn],
  'instance.group-id': (i) => (i.SecurityGroups ?? []).map((g) => g.GroupId),
  'instance.group-name': (i) => (i.SecurityGroups ?? []).map((g) => g.GroupName),
  'group-id': (i) => (i.SecurityGroups ?? []).map((g) => g.GroupId),
  'group-name': (i) => (i.SecurityGroups ?? []).map((g) => g.GroupName),
  'block-device-mapping.volume-id': (i) => (i.BlockDeviceMappings ?? []).map((b) => b.Ebs?.VolumeId),
};

function instanceShape(instance: ScenarioInstance): Instance {
  const out = sdkShape(withoutKeys(instance, NON_INSTANCE_KEYS)) as Instance;
  out.State = { Name: instance.State.Name as NonNullable<Instance['State']>['Name'], Code: instance.State.Code ?? STATE_CODES[instance.State.Name] };
  out.Placement = { ...out.Placement, AvailabilityZone: availabilityZone(instance) };
  return out;
}

const instances: Collection<ScenarioInstance> = {
  operation: 'DescribeInstances',
  items: (ctx, index) => regionItems(index.instances, ctx.region),
  filters: INSTANCE_FILTERS,
  ids: {
    member: 'InstanceIds',
    idOf: (i) => i.InstanceId,
    notFound: (missing) => notFoundError('InvalidInstanceID.NotFound', 'instance ID', missing),
    exclusiveWithMaxResults: true,
  },
};

function describeInstances(ctx: SimContext, input: DescribeInstancesRequest): DescribeInstancesResult {
  const { page, NextToken } = describe(ctx, input, instances);
  const Reservations: Reservation[] = page.map((instance) => ({
    ReservationId: `r-${hexId(`${ctx.account.id}/${instance.InstanceId}`)}`,
    OwnerId: ctx.account.id,
    Groups: [],
    Instances: [instanceShape(instance)],
  }));
  return NextToken ? { Reservations, NextToken } : { Reservations };
}

function booleanAttribute(value: unknown, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (value && typeof value === 'object' && typeof (value as { Value?: unknown }).Value === 'boolean') return (value as { Value: boolean }).Value;
  return fallback;
}

function describeInstanceAttribute(ctx: SimContext, input: DescribeInstanceAttributeRequest): InstanceAttribute {
  const instance = instanceIn(ctx, input.InstanceId);
  const InstanceId = instance.InstanceId;
  switch (input.Attribute) {
    case 'userData':
      return { InstanceId, UserData: instance.UserData ? { Value: instance.UserData } : {} };
    case 'disableApiTermination':
      return { InstanceId, DisableApiTermination: { Value: booleanAttribute(instance.DisableApiTermination, false) } };
    case 'disableApiStop':
      return { InstanceId, DisableApiStop: { Value: booleanAttribute(instance.DisableApiStop, false) } };
    case 'instanceInitiatedShutdownBehavior': {
      const value = instance.InstanceInitiatedShutdownBehavior;
      return { InstanceId, InstanceInitiatedShutdownBehavior: { Value: typeof value === 'string' ? value : 'stop' } };
    }
    case 'groupSet':
      return { InstanceId, Groups: (instance.SecurityGroups ?? []).map((g) => ({ GroupId: g.GroupId, ...(g.GroupName !== undefined && { GroupName: g.GroupName }) })) };
    case 'instanceType':
      return { InstanceId, InstanceType: { Value: instance.InstanceType } };
    case 'rootDeviceName':
      return { InstanceId, RootDeviceName: typeof instance.RootDeviceName === 'string' ? { Value: instance.RootDeviceName } : {} };
    case 'blockDeviceMapping':
      return { InstanceId, BlockDeviceMappings: sdkShape(instance.BlockDeviceMappings ?? []) as InstanceAttribute['BlockDeviceMappings'] };
    case 'ebsOptimized':
      return { InstanceId, EbsOptimized: { Value: booleanAttribute(instance.EbsOptimized, false) } };
    case 'sourceDestCheck':
      return { InstanceId, SourceDestCheck: { Value: booleanAttribute(instance.SourceDestCheck, true) } };
    case 'enaSupport':
      return { InstanceId, EnaSupport: { Value: booleanAttribute(instance.EnaSupport, true) } };
    case 'kernel':
      return { InstanceId, KernelId: {} };
    case 'ramdisk':
      return { InstanceId, RamdiskId: {} };
    case 'productCodes':
      return { InstanceId, ProductCodes: [] };
    case 'sriovNetSupport':
      return { InstanceId, SriovNetSupport: {} };
    case 'enclaveOptions':
      return { InstanceId, EnclaveOptions: { Enabled: false } };
    case undefined:
      throw new AwsError('MissingParameter', 'The request must contain the parameter Attribute');
    default:
      throw new AwsError('InvalidParameterValue', `Value (${String(input.Attribute)}) for parameter attribute is invalid. Unknown attribute.`);
  }
}

// --- Security groups and their rules -----------------------------------------------------------

function permissionValues(key: 'IpPermissions' | 'IpPermissionsEgress', pick: (p: IpPermission) => unknown[]) {
  return (g: ScenarioSecurityGroup): unknown[] => (g[key] as IpPermission[]).flatMap(pick);
}

function permissionFilters(prefix: string, key: 'IpPermissions' | 'IpPermissionsEgress'): FilterFields<ScenarioSecurityGroup> {
  return {
    [`${prefix}ip-permission.cidr`]: permissionValues(key, (p) => (p.IpRanges ?? []).map((r) => r.CidrIp)),
    [`${prefix}ip-permission.ipv6-cidr`]: permissionValues(key, (p) => (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)),
    [`${prefix}ip-permission.from-port`]: permissionValues(key, (p) => [p.FromPort]),
    [`${prefix}ip-permission.to-port`]: permissionValues(key, (p) => [p.ToPort]),
    [`${prefix}ip-permission.protocol`]: permissionValues(key, (p) => [p.IpProtocol]),
    [`${prefix}ip-permission.group-id`]: permissionValues(key, (p) => (p.UserIdGroupPairs ?? []).map((u) => u.GroupId)),
    [`${prefix}ip-permission.prefix-list-id`]: permissionValues(key, (p) => (p.PrefixListIds ?? []).map((u) => u.PrefixListId)),
  };
}

const GROUP_FILTERS: FilterFields<ScenarioSecurityGroup> = {
  'group-id': (g) => [g.GroupId],
  'group-name': (g) => [g.GroupName],
  'vpc-id': (g) => [g.VpcId],
  description: (g) => [g.Description],
  'owner-id': (g) => [g.OwnerId],
  ...permissionFilters('', 'IpPermissions'),
  ...permissionFilters('egress.', 'IpPermissionsEgress'),
};

/** A rule target without the scenario's optional rule id, which the IpPermission shape lacks. */
function withoutRuleId<T extends object>(value: T): T {
  const { SecurityGroupRuleId: _id, ...rest } = value as T & { SecurityGroupRuleId?: unknown };
  return rest as T;
}

function permissionShape(permission: IpPermission, accountId: string): IpPermission {
  const out = sdkShape(permission) as IpPermission;
  out.IpRanges = (out.IpRanges ?? []).map(withoutRuleId);
  out.Ipv6Ranges = (out.Ipv6Ranges ?? []).map(withoutRuleId);
  out.PrefixListIds = (out.PrefixListIds ?? []).map(withoutRuleId);
  out.UserIdGroupPairs = (out.UserIdGroupPairs ?? []).map((pair) => ({ UserId: accountId, ...withoutRuleId(pair) }));
  return out;
}

function groupShape(group: ScenarioSecurityGroup, accountId: string): SecurityGroup {
  const ownerId = group.OwnerId ?? accountId;
  const out = sdkShape(withoutKeys(group, new Set(['Region']))) as SecurityGroup;
  out.OwnerId = ownerId;
  out.SecurityGroupArn = `arn:aws:ec2:${group.Region}:${ownerId}:security-group/${group.GroupId}`;
  out.IpPermissions = group.IpPermissions.map((p) => permissionShape(p, accountId));
  out.IpPermissionsEgress = group.IpPermissionsEgress.map((p) => permissionShape(p, accountId));
  return out;
}

const securityGroups: Collection<ScenarioSecurityGroup> = {
  operation: 'DescribeSecurityGroups',
  items: (ctx, index) => regionItems(index.groups, ctx.region),
  filters: GROUP_FILTERS,
  ids: {
    member: 'GroupIds',
    idOf: (g) => g.GroupId,
    notFound: (missing) => new AwsError('InvalidGroup.NotFound', `The security group '${missing.join(', ')}' does not exist`),
    exclusiveWithMaxResults: false,
  },
  select(items, input) {
    const names = input.GroupNames as string[] | undefined;
    if (!names || names.length === 0) return items;
    const selected = items.filter((g) => names.includes(g.GroupName));
    const missing = names.filter((n) => !selected.some((g) => g.GroupName === n));
    if (missing.length > 0) throw new AwsError('InvalidGroup.NotFound', `The security group '${missing.join(', ')}' does not exist in default VPC`);
    return selected;
  },
};

function describeSecurityGroups(ctx: SimContext, input: DescribeSecurityGroupsRequest): DescribeSecurityGroupsResult {
  const { page, NextToken } = describe(ctx, input, securityGroups);
  const SecurityGroups = page.map((g) => groupShape(g, ctx.account.id));
  return NextToken ? { SecurityGroups, NextToken } : { SecurityGroups };
}

function regionRules(ctx: SimContext, index: Ec2Index): SecurityGroupRule[] {
  let rules = index.rules.get(ctx.region);
  if (!rules) {
    rules = regionItems(index.groups, ctx.region).flatMap((g) => rulesOf(g, ctx.account.id));
    index.rules.set(ctx.region, rules);
  }
  return rules;
}

const securityGroupRules: Collection<SecurityGroupRule> = {
  operation: 'DescribeSecurityGroupRules',
  items: regionRules,
  filters: {
    'group-id': (r) => [r.GroupId],
    'security-group-rule-id': (r) => [r.SecurityGroupRuleId],
  },
  ids: {
    member: 'SecurityGroupRuleIds',
    idOf: (r) => r.SecurityGroupRuleId!,
    notFound: (missing) => notFoundError('InvalidSecurityGroupRuleId.NotFound', 'security group rule ID', missing),
    exclusiveWithMaxResults: false,
  },
};

function describeSecurityGroupRules(ctx: SimContext, input: DescribeSecurityGroupRulesRequest): DescribeSecurityGroupRulesResult {
  const { page, NextToken } = describe(ctx, input, securityGroupRules);
  const SecurityGroupRules = page.map((r) => ({ ...r, Tags: [...(r.Tags ?? [])], ...(r.ReferencedGroupInfo && { ReferencedGroupInfo: { ...r.ReferencedGroupInfo } }) }));
  return NextToken ? { SecurityGroupRules, NextToken } : { SecurityGroupRules };
}

// --- Volumes and snapshots ---------------------------------------------------------------------

type Attachment = { InstanceId?: string; State?: string; Device?: string; DeleteOnTermination?: boolean };
const attachments = (v: Item): Attachment[] => (Array.isArray(v.Attachments) ? (v.Attachments as Attachment[]) : []);

const volumes: Collection<Item> = {
  operation: 'DescribeVolumes',
  items: (ctx, index) => regionItems(index.volumes, ctx.region),
  filters: {
    'volume-id': (v) => [v.VolumeId],
    status: (v) => [v.State],
    'volume-type': (v) => [v.VolumeType],
    size: (v) => [v.Size],
    encrypted: (v) => [v.Encrypted],
    'snapshot-id': (v) => [v.SnapshotId],
    'availability-zone': (v) => [v.AvailabilityZone],
    'create-time': (v) => [typeof v.CreateTime === 'string' ? new Date(v.CreateTime).toISOString() : undefined],
    'attachment.instance-id': (v) => attachments(v).map((a) => a.InstanceId),
    'attachment.status': (v) => attachments(v).map((a) => a.State),
    'attachment.device': (v) => attachments(v).map((a) => a.Device),
    'attachment.delete-on-termination': (v) => attachments(v).map((a) => a.DeleteOnTermination),
  },
  ids: {
    member: 'VolumeIds',
    idOf: (v) => String(v.VolumeId),
    notFound: (missing) => notFoundError('InvalidVolume.NotFound', 'volume', missing),
    exclusiveWithMaxResults: true,
  },
  capsMaxResults: true,
};

function describeVolumes(ctx: SimContext, input: DescribeVolumesRequest): DescribeVolumesResult {
  const { page, NextToken } = describe(ctx, input, volumes);
  const Volumes = page.map((v) => sdkShape(withoutKeys(v, new Set(['Region']))) as Volume);
  return NextToken ? { Volumes, NextToken } : { Volumes };
}

const snapshotOwner = (s: Item, accountId: string): string => (typeof s.OwnerId === 'string' ? s.OwnerId : accountId);

const snapshots: Collection<Item> = {
  operation: 'DescribeSnapshots',
  items: (ctx, index) => regionItems(index.snapshots, ctx.region),
  filters: {
    'snapshot-id': (s) => [s.SnapshotId],
    'volume-id': (s) => [s.VolumeId],
    status: (s) => [s.State],
    description: (s) => [s.Description],
    encrypted: (s) => [s.Encrypted],
    progress: (s) => [s.Progress],
    'volume-size': (s) => [s.VolumeSize],
    'start-time': (s) => [typeof s.StartTime === 'string' ? new Date(s.StartTime).toISOString() : undefined],
    'owner-id': (s) => [s.OwnerId],
  },
  ids: {
    member: 'SnapshotIds',
    idOf: (s) => String(s.SnapshotId),
    notFound: (missing) => notFoundError('InvalidSnapshot.NotFound', 'snapshot', missing),
    exclusiveWithMaxResults: true,
  },
  capsMaxResults: true,
  select(items, input, ctx) {
    const owners = input.OwnerIds as string[] | undefined;
    if (!owners || owners.length === 0) return items;
    return items.filter((s) => owners.some((o) => o === snapshotOwner(s, ctx.account.id) || (o === 'self' && snapshotOwner(s, ctx.account.id) === ctx.account.id)));
  },
};

function describeSnapshots(ctx: SimContext, input: DescribeSnapshotsRequest): DescribeSnapshotsResult {
  const { page, NextToken } = describe(ctx, input, snapshots);
  const Snapshots = page.map((s) => ({ ...(sdkShape(withoutKeys(s, new Set(['Region']))) as Snapshot), OwnerId: snapshotOwner(s, ctx.account.id) }));
  return NextToken ? { Snapshots, NextToken } : { Snapshots };
}

// --- Regions -----------------------------------------------------------------------------------

function describeRegions(ctx: SimContext, input: DescribeRegionsRequest): DescribeRegionsResult {
  const all = ctx.account.scenario.regions ?? DEFAULT_REGIONS.map((RegionName) => ({ RegionName, OptInStatus: 'opt-in-not-required' }));
  let regions = input.AllRegions ? all : all.filter((r) => r.OptInStatus !== 'not-opted-in');
  if (input.RegionNames && input.RegionNames.length > 0) {
    const unknown = input.RegionNames.filter((name) => !regions.some((r) => r.RegionName === name));
    if (unknown.length > 0) throw new AwsError('InvalidParameterValue', `Invalid region: ${unknown.join(', ')}`);
    regions = regions.filter((r) => input.RegionNames!.includes(r.RegionName));
  }
  const shaped = regions.map((r) => ({ RegionName: r.RegionName, Endpoint: `ec2.${r.RegionName}.amazonaws.com`, OptInStatus: r.OptInStatus }));
  const Regions = applyFilters(shaped, input.Filters, {
    'region-name': (r) => [r.RegionName],
    'opt-in-status': (r) => [r.OptInStatus],
    endpoint: (r) => [r.Endpoint],
  });
  return { Regions };
}

export const ec2Service: SimulatedService = {
  service: 'ec2',
  clientName: 'EC2Client',
  operations: {
    DescribeRegions: describeRegions,
    DescribeInstances: describeInstances,
    DescribeInstanceAttribute: describeInstanceAttribute,
    DescribeSecurityGroups: describeSecurityGroups,
    DescribeSecurityGroupRules: describeSecurityGroupRules,
    DescribeVolumes: describeVolumes,
    DescribeSnapshots: describeSnapshots,
    ...ec2Mutations,
    ...securityGroupMutations,
  },
};
