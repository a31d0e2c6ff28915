import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  paginateDescribeInstances,
  paginateDescribeSecurityGroupRules,
  paginateDescribeSecurityGroups,
  paginateDescribeSnapshots,
  paginateDescribeVolumes,
  type Filter,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REGIONS, type Scenario, type ScenarioInstance, type ScenarioSecurityGroup } from '../../src/scenario/types.js';
import { ACCOUNT_ID, ago, clients, DAY, MINUTE, rejection, scenario, simulated } from './harness.js';

const TYPES = ['t3.micro', 'c5.4xlarge', 'm5.large', 'p3.2xlarge'];
const STATES = ['running', 'running', 'stopped', 'terminated'];

function instance(n: number, region: string, extra: Partial<ScenarioInstance> = {}): ScenarioInstance {
  return {
    InstanceId: `i-${n.toString(16).padStart(17, '0')}`,
    InstanceType: TYPES[n % TYPES.length]!,
    LaunchTime: ago((n % 500) * MINUTE + DAY),
    State: { Name: STATES[n % STATES.length]! },
    Region: region,
    VpcId: n % 2 === 0 ? 'vpc-even' : 'vpc-odd',
    SecurityGroups: [{ GroupId: 'sg-web', GroupName: 'web' }],
    Tags: [{ Key: 'Name', Value: `worker-${n}` }],
    ...extra,
  };
}

function group(id: string, region: string, extra: Partial<ScenarioSecurityGroup> = {}): ScenarioSecurityGroup {
  return {
    GroupId: id,
    GroupName: id.replace(/^sg-/, ''),
    Region: region,
    VpcId: 'vpc-even',
    Description: `group ${id}`,
    IpPermissions: [
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }, { CidrIp: '192.168.0.0/16', Description: 'office' }] },
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, UserIdGroupPairs: [{ GroupId: 'sg-web' }] },
    ],
    IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }],
    ...extra,
  };
}

const US_INSTANCES = 2_400;
const FUTURE = [instance(90_001, 'us-east-1', { LaunchTime: ago(-MINUTE) }), instance(90_002, 'us-east-1', { LaunchTime: ago(-DAY) })];

function fleet(): Scenario {
  return scenario({
    ec2: {
      instances: [
        ...Array.from({ length: US_INSTANCES }, (_, n) => instance(n, 'us-east-1')),
        ...Array.from({ length: 100 }, (_, n) => instance(50_000 + n, 'eu-west-1')),
        ...FUTURE,
        instance(70_000, 'us-east-1', {
          UserData: Buffer.from('#!/bin/sh\nxmrig -o stratum+tcp://pool.example:3333').toString('base64'),
          Placement: { AvailabilityZone: 'us-east-1c' },
          DisableApiTermination: true,
          SecurityGroups: [{ GroupId: 'sg-miner', GroupName: 'miner' }],
          Tags: [{ Key: 'Name', Value: 'rig' }],
        }),
      ],
      securityGroups: [
        ...Array.from({ length: 23 }, (_, n) => group(`sg-${n.toString().padStart(4, '0')}`, 'us-east-1')),
        group('sg-web', 'us-east-1'),
        group('sg-miner', 'us-east-1', {
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3333, ToPort: 3336, IpRanges: [{ CidrIp: '0.0.0.0/0', SecurityGroupRuleId: 'sgr-0given0000000001' } as never] }],
        }),
        group('sg-eu', 'eu-west-1'),
      ],
      volumes: [
        ...Array.from({ length: 17 }, (_, n) => ({ VolumeId: `vol-${n}`, Region: 'us-east-1', Size: 8, State: 'in-use', CreateTime: ago(DAY) })),
        { VolumeId: 'vol-future', Region: 'us-east-1', Size: 8, State: 'available', CreateTime: ago(-DAY) },
      ],
      snapshots: Array.from({ length: 12 }, (_, n) => ({ SnapshotId: `snap-${n}`, VolumeId: `vol-${n}`, Region: 'us-east-1', State: 'completed', StartTime: ago(DAY) })),
    },
  });
}

// Rate limits off: these tests call faster than EC2's buckets allow. Page-size bounds are
// checked on `limited`, which keeps them.
const account = simulated({ ...fleet(), simulation: { enforceLimits: false } });
const { ec2 } = clients(account);
const eu = clients(account, 'eu-west-1').ec2;
const limited = clients(simulated(fleet())).ec2;

async function collect<P>(pages: AsyncIterable<P>, items: (page: P) => string[]): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let count = 0;
  for await (const page of pages) {
    count++;
    ids.push(...items(page));
  }
  return { ids, pages: count };
}

const visibleUsInstances = [...Array.from({ length: US_INSTANCES }, (_, n) => instance(n, 'us-east-1').InstanceId), instance(70_000, 'us-east-1').InstanceId];

describe('EC2 pagination yields every item exactly once', () => {
  const cases = [
    {
      name: 'paginateDescribeInstances, 1000 a page',
      run: () => collect(paginateDescribeInstances({ client: ec2, pageSize: 1000 }, {}), (p) => p.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!))),
      expected: visibleUsInstances,
      pages: 3,
    },
    {
      name: 'paginateDescribeInstances with a filter, 5 a page',
      run: () => collect(
        paginateDescribeInstances({ client: ec2, pageSize: 5 }, { Filters: [{ Name: 'instance-type', Values: ['p3.2xlarge'] }] }),
        (p) => p.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!)),
      ),
      expected: Array.from({ length: US_INSTANCES }, (_, n) => instance(n, 'us-east-1')).filter((i) => i.InstanceType === 'p3.2xlarge').map((i) => i.InstanceId),
      pages: 120,
    },
    {
      name: 'paginateDescribeSecurityGroups, 5 a page',
      run: () => collect(paginateDescribeSecurityGroups({ client: ec2, pageSize: 5 }, {}), (p) => p.SecurityGroups!.map((g) => g.GroupId!)),
      expected: [...Array.from({ length: 23 }, (_, n) => `sg-${n.toString().padStart(4, '0')}`), 'sg-web', 'sg-miner'],
      pages: 5,
    },
    {
      name: 'paginateDescribeSecurityGroupRules, 7 a page',
      run: () => collect(paginateDescribeSecurityGroupRules({ client: ec2, pageSize: 7 }, {}), (p) => p.SecurityGroupRules!.map((r) => `${r.GroupId}/${r.CidrIpv4 ?? r.CidrIpv6 ?? r.ReferencedGroupInfo?.GroupId}/${r.IsEgress}`)),
      expected: [
        ...[...Array.from({ length: 23 }, (_, n) => `sg-${n.toString().padStart(4, '0')}`), 'sg-web'].flatMap((g) => [
          `${g}/10.0.0.0/8/false`, `${g}/192.168.0.0/16/false`, `${g}/sg-web/false`, `${g}/0.0.0.0/0/true`, `${g}/::/0/true`,
        ]),
        'sg-miner/0.0.0.0/0/false', 'sg-miner/0.0.0.0/0/true', 'sg-miner/::/0/true',
      ],
      pages: 18,
    },
    {
      name: 'paginateDescribeVolumes, 5 a page',
      run: () => collect(paginateDescribeVolumes({ client: ec2, pageSize: 5 }, {}), (p) => p.Volumes!.map((v) => v.VolumeId!)),
      expected: Array.from({ length: 17 }, (_, n) => `vol-${n}`),
      pages: 4,
    },
    {
      name: 'paginateDescribeSnapshots, 5 a page',
      run: () => collect(paginateDescribeSnapshots({ client: ec2, pageSize: 5 }, { OwnerIds: ['self'] }), (p) => p.Snapshots!.map((s) => s.SnapshotId!)),
      expected: Array.from({ length: 12 }, (_, n) => `snap-${n}`),
      pages: 3,
    },
  ];
  it.each(cases)('$name', async ({ run, expected, pages }) => {
    const result = await run();
    expect(result.ids).toEqual(expected);
    expect(new Set(result.ids).size).toBe(result.ids.length);
    expect(result.pages).toBe(pages);
  });

  it('a page that ends exactly at the last item carries no NextToken', async () => {
    const out = await ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 25 }));
    expect(out.SecurityGroups).toHaveLength(25);
    expect(out.NextToken).toBeUndefined();
  });

  it('without MaxResults everything comes in one answer', async () => {
    const out = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running', 'stopped', 'terminated', 'pending'] }] }));
    expect(out.Reservations).toHaveLength(visibleUsInstances.length);
    expect(out.NextToken).toBeUndefined();
  });
});

describe('EC2 input validation', () => {
  const bounds: { name: string; send: (n: number) => Promise<unknown>; capsAbove: boolean }[] = [
    { name: 'DescribeInstances', send: (n) => limited.send(new DescribeInstancesCommand({ MaxResults: n })), capsAbove: false },
    { name: 'DescribeSecurityGroups', send: (n) => limited.send(new DescribeSecurityGroupsCommand({ MaxResults: n })), capsAbove: false },
    { name: 'DescribeSecurityGroupRules', send: (n) => limited.send(new DescribeSecurityGroupRulesCommand({ MaxResults: n })), capsAbove: false },
    { name: 'DescribeVolumes', send: (n) => limited.send(new DescribeVolumesCommand({ MaxResults: n })), capsAbove: true },
    { name: 'DescribeSnapshots', send: (n) => limited.send(new DescribeSnapshotsCommand({ MaxResults: n })), capsAbove: true },
  ];
  it.each(bounds)('$name: MaxResults 5 to 1000', async ({ send, capsAbove }) => {
    expect((await rejection(send(4))).name).toBe('InvalidParameterValue');
    await expect(send(5)).resolves.toBeDefined();
    await expect(send(1000)).resolves.toBeDefined();
    if (capsAbove) await expect(send(1001)).resolves.toBeDefined();
    else expect((await rejection(send(1001))).name).toBe('InvalidParameterValue');
  });

  it('answers DryRun with DryRunOperation (412)', async () => {
    const error = await rejection(ec2.send(new DescribeInstancesCommand({ DryRun: true })));
    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['DryRunOperation', 412]);
  });

  it('rejects MaxResults together with InstanceIds', async () => {
    const error = await rejection(ec2.send(new DescribeInstancesCommand({ MaxResults: 5, InstanceIds: [visibleUsInstances[0]!] })));
    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['InvalidParameterCombination', 400]);
  });

  const notFound = [
    { name: 'an unknown id', id: 'i-0123456789abcdef0' },
    { name: 'an instance in another Region', id: instance(50_000, 'eu-west-1').InstanceId },
    { name: 'an instance launched after now', id: FUTURE[0]!.InstanceId },
  ];
  it.each(notFound)('InstanceIds with $name: InvalidInstanceID.NotFound', async ({ id }) => {
    const error = await rejection(ec2.send(new DescribeInstancesCommand({ InstanceIds: [visibleUsInstances[0]!, id] })));
    expect(error.name).toBe('InvalidInstanceID.NotFound');
    expect(error.message).toContain(id);
  });

  it('rejects an unknown filter name and a filter without values', async () => {
    expect((await rejection(ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] })))).name).toBe('InvalidParameterValue');
    expect((await rejection(ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'vpc-id', Values: [] }] })))).name).toBe('InvalidParameterValue');
  });

  it('rejects a NextToken reused with a different query, and a forged one', async () => {
    const first = await ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }));
    const reused = await rejection(ec2.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: first.NextToken, Filters: [{ Name: 'vpc-id', Values: ['vpc-odd'] }] })));
    expect(reused.name).toBe('InvalidPaginationToken');
    expect((await rejection(ec2.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: 'bm9wZQ' })))).name).toBe('InvalidPaginationToken');
    // Another page size is still the same query.
    await expect(ec2.send(new DescribeInstancesCommand({ MaxResults: 50, NextToken: first.NextToken }))).resolves.toBeDefined();
  });

  it('rejects unknown security groups and rules', async () => {
    expect((await rejection(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-web', 'sg-nope'] })))).name).toBe('InvalidGroup.NotFound');
    expect((await rejection(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-eu'] })))).name).toBe('InvalidGroup.NotFound');
    expect((await rejection(ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: ['sgr-00000000000000000'] })))).name).toBe('InvalidSecurityGroupRuleId.NotFound');
  });
});

describe('DescribeInstances', () => {
  const filterCases: { name: string; filters: Filter[]; expected: (i: ScenarioInstance) => boolean }[] = [
    { name: 'instance-state-name', filters: [{ Name: 'instance-state-name', Values: ['running'] }], expected: (i) => i.State.Name === 'running' },
    { name: 'instance-type, two values', filters: [{ Name: 'instance-type', Values: ['c5.4xlarge', 'p3.2xlarge'] }], expected: (i) => ['c5.4xlarge', 'p3.2xlarge'].includes(i.InstanceType) },
    { name: 'vpc-id and state together', filters: [{ Name: 'vpc-id', Values: ['vpc-odd'] }, { Name: 'instance-state-name', Values: ['running'] }], expected: (i) => i.VpcId === 'vpc-odd' && i.State.Name === 'running' },
    { name: 'tag:Name with a wildcard', filters: [{ Name: 'tag:Name', Values: ['worker-1?'] }], expected: (i) => /^worker-1\d$/.test(i.Tags?.[0]?.Value ?? '') },
    { name: 'instance-id', filters: [{ Name: 'instance-id', Values: [visibleUsInstances[3]!] }], expected: (i) => i.InstanceId === visibleUsInstances[3] },
    { name: 'instance.group-id', filters: [{ Name: 'instance.group-id', Values: ['sg-miner'] }], expected: (i) => i.SecurityGroups?.[0]?.GroupId === 'sg-miner' },
  ];
  const all = (fleet().ec2!.instances ?? []).filter((i) => i.Region === 'us-east-1' && !FUTURE.includes(i));
  it.each(filterCases)('filters on $name', async ({ filters, expected }) => {
    const out = await ec2.send(new DescribeInstancesCommand({ Filters: filters }));
    const ids = out.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId));
    expect(ids).toEqual(all.filter((i) => FUTURE.every((f) => f.InstanceId !== i.InstanceId)).filter(expected).map((i) => i.InstanceId));
    expect(ids.length).toBeGreaterThan(0);
  });

  it('answers only with the Region of the client', async () => {
    const out = await eu.send(new DescribeInstancesCommand({}));
    expect(out.Reservations).toHaveLength(100);
    expect(new Set(out.Reservations!.map((r) => r.Instances![0]!.Placement!.AvailabilityZone))).toEqual(new Set(['eu-west-1a']));
  });

  it('shapes instances as the SDK would', async () => {
    const [rig, plain] = await Promise.all([
      ec2.send(new DescribeInstancesCommand({ InstanceIds: [instance(70_000, 'us-east-1').InstanceId] })),
      ec2.send(new DescribeInstancesCommand({ InstanceIds: [visibleUsInstances[0]!] })),
    ]);
    const reservation = rig.Reservations![0]!;
    expect(reservation.OwnerId).toBe(ACCOUNT_ID);
    expect(reservation.ReservationId).toMatch(/^r-[0-9a-f]{17}$/);
    const i = reservation.Instances![0]!;
    expect(i.LaunchTime).toBeInstanceOf(Date);
    expect(i.State).toEqual({ Name: 'running', Code: 16 });
    expect(i.Placement?.AvailabilityZone).toBe('us-east-1c');
    for (const key of ['Region', 'UserData', 'DisableApiTermination']) expect(i).not.toHaveProperty(key);
    expect(plain.Reservations![0]!.Instances![0]!.Placement?.AvailabilityZone).toBe('us-east-1a');
  });
});

describe('DescribeInstanceAttribute', () => {
  const rigId = instance(70_000, 'us-east-1').InstanceId;
  const plainId = visibleUsInstances[0]!;
  const cases = [
    { attribute: 'userData', id: rigId, expected: { UserData: { Value: Buffer.from('#!/bin/sh\nxmrig -o stratum+tcp://pool.example:3333').toString('base64') } } },
    { attribute: 'userData', id: plainId, expected: { UserData: {} } },
    { attribute: 'disableApiTermination', id: rigId, expected: { DisableApiTermination: { Value: true } } },
    { attribute: 'disableApiTermination', id: plainId, expected: { DisableApiTermination: { Value: false } } },
    { attribute: 'instanceInitiatedShutdownBehavior', id: plainId, expected: { InstanceInitiatedShutdownBehavior: { Value: 'stop' } } },
    { attribute: 'groupSet', id: rigId, expected: { Groups: [{ GroupId: 'sg-miner', GroupName: 'miner' }] } },
  ] as const;
  it.each(cases)('$attribute of $id', async ({ attribute, id, expected }) => {
    const out = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: attribute }));
    expect(out).toMatchObject({ InstanceId: id, ...expected });
  });

  it('fails for an instance that does not exist in the Region', async () => {
    const error = await rejection(eu.send(new DescribeInstanceAttributeCommand({ InstanceId: rigId, Attribute: 'userData' })));
    expect(error.name).toBe('InvalidInstanceID.NotFound');
  });
});

describe('DescribeSecurityGroups and DescribeSecurityGroupRules', () => {
  it('filters groups by rule contents', async () => {
    const out = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'ip-permission.from-port', Values: ['3333'] }] }));
    expect(out.SecurityGroups!.map((g) => g.GroupId)).toEqual(['sg-miner']);
    expect(out.SecurityGroups![0]).toMatchObject({ OwnerId: ACCOUNT_ID, SecurityGroupArn: `arn:aws:ec2:us-east-1:${ACCOUNT_ID}:security-group/sg-miner` });
    expect(out.SecurityGroups![0]).not.toHaveProperty('Region');
    expect(out.SecurityGroups![0]!.IpPermissions).toEqual([
      { IpProtocol: 'tcp', FromPort: 3333, ToPort: 3336, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] },
    ]);
  });

  it('gives each rule one id, deterministic across accounts built from the same scenario', async () => {
    const other = clients(simulated(fleet())).ec2;
    const [a, b] = await Promise.all([ec2, other].map((c) => c.send(new DescribeSecurityGroupRulesCommand({}))));
    const ids = a!.SecurityGroupRules!.map((r) => r.SecurityGroupRuleId);
    expect(b!.SecurityGroupRules!.map((r) => r.SecurityGroupRuleId)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) if (id !== 'sgr-0given0000000001') expect(id).toMatch(/^sgr-[0-9a-f]{17}$/);
  });

  it('shapes rules as AWS does and keeps an id the scenario gives', async () => {
    const out = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: ['sg-miner'] }] }));
    expect(out.SecurityGroupRules).toEqual([
      expect.objectContaining({ SecurityGroupRuleId: 'sgr-0given0000000001', GroupId: 'sg-miner', GroupOwnerId: ACCOUNT_ID, IsEgress: false, IpProtocol: 'tcp', FromPort: 3333, ToPort: 3336, CidrIpv4: '0.0.0.0/0' }),
      expect.objectContaining({ IsEgress: true, IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0' }),
      expect.objectContaining({ IsEgress: true, IpProtocol: '-1', CidrIpv6: '::/0' }),
    ]);
    const web = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: ['sg-web'] }] }));
    expect(web.SecurityGroupRules!.find((r) => r.ReferencedGroupInfo)).toMatchObject({ ReferencedGroupInfo: { GroupId: 'sg-web', UserId: ACCOUNT_ID }, FromPort: 443 });
    expect(web.SecurityGroupRules!.find((r) => r.CidrIpv4 === '192.168.0.0/16')).toMatchObject({ Description: 'office' });
    const byId = await ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: ['sgr-0given0000000001'] }));
    expect(byId.SecurityGroupRules).toHaveLength(1);
  });
});

describe('DescribeVolumes, DescribeSnapshots', () => {
  it('hides volumes created after now and converts timestamps', async () => {
    const out = await ec2.send(new DescribeVolumesCommand({}));
    expect(out.Volumes!.map((v) => v.VolumeId)).not.toContain('vol-future');
    expect(out.Volumes![0]!.CreateTime).toBeInstanceOf(Date);
    expect((await rejection(ec2.send(new DescribeVolumesCommand({ VolumeIds: ['vol-future'] })))).name).toBe('InvalidVolume.NotFound');
  });

  it('lists snapshots with their owner', async () => {
    const out = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ['snap-3'] }));
    expect(out.Snapshots).toEqual([expect.objectContaining({ SnapshotId: 'snap-3', OwnerId: ACCOUNT_ID, StartTime: expect.any(Date) })]);
    expect((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['amazon'] }))).Snapshots).toEqual([]);
  });
});

describe('DescribeRegions', () => {
  const regions = [
    { RegionName: 'us-east-1', OptInStatus: 'opt-in-not-required' },
    { RegionName: 'af-south-1', OptInStatus: 'opted-in' },
    { RegionName: 'ap-east-1', OptInStatus: 'not-opted-in' },
  ];
  const c = clients(simulated(scenario({ regions })), 'us-east-1').ec2;
  const cases = [
    { name: 'enabled regions by default', input: {}, expected: ['us-east-1', 'af-south-1'] },
    { name: 'all regions with AllRegions', input: { AllRegions: true }, expected: ['us-east-1', 'af-south-1', 'ap-east-1'] },
    { name: 'filtered on opt-in-status', input: { AllRegions: true, Filters: [{ Name: 'opt-in-status', Values: ['not-opted-in'] }] }, expected: ['ap-east-1'] },
    { name: 'filtered on region-name', input: { Filters: [{ Name: 'region-name', Values: ['af-*'] }] }, expected: ['af-south-1'] },
  ];
  it.each(cases)('$name', async ({ input, expected }) => {
    const out = await c.send(new DescribeRegionsCommand(input));
    expect(out.Regions!.map((r) => r.RegionName)).toEqual(expected);
  });

  it('defaults to the 17 regions that need no opt-in', async () => {
    const out = await ec2.send(new DescribeRegionsCommand({ AllRegions: true }));
    expect(out.Regions!.map((r) => r.RegionName)).toEqual(DEFAULT_REGIONS);
    expect(out.Regions![0]).toEqual({ RegionName: 'us-east-1', Endpoint: 'ec2.us-east-1.amazonaws.com', OptInStatus: 'opt-in-not-required' });
  });
});

describe('performance', () => {
  it('follows a 3,000-instance fleet page by page without rescanning it', async () => {
    const big = simulated(scenario({
      ec2: { instances: Array.from({ length: 3_000 }, (_, n) => instance(n, 'us-east-1')) },
      simulation: { enforceLimits: false },
    }));
    const client: EC2Client = clients(big).ec2;
    const started = performance.now();
    let seen = 0;
    for await (const page of paginateDescribeInstances({ client, pageSize: 5 }, { Filters: [{ Name: 'instance-state-name', Values: ['running', 'stopped'] }] })) {
      seen += page.Reservations!.length;
    }
    expect(seen).toBe(2_250);
    expect(big.callCounts()['ec2:DescribeInstances']).toBe(450);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
