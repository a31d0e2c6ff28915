import { DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../../src/providers/types.js';
import { action, ISOLATION_GROUP, ISOLATION_OPEN_GROUP } from '../../../src/remediation/actions/quarantine-instance.js';
import type { PlannedStep } from '../../../src/remediation/types.js';
import { emptyAccount, instance as dataInstance } from '../../detectors/fixtures.js';
import {
  applySteps, finding, group, harness, instance, REGION, RUN_ID, scenario, undoSteps, volumeOf, VPC, type Applied, type Harness,
} from './harness.js';

const opts = (o: Record<string, unknown> = {}) => action.options.parse(o);
const STAGES = ['record', 'snapshot', 'protect', 'shutdown-behavior', 'tag', 'detach', 'isolate'];

function miner(id: string, o: Partial<Instance> = {}): Instance {
  return dataInstance({ id, region: 'us-east-2', vpcId: 'vpc-1', securityGroups: [{ id: 'sg-1' }], volumeIds: ['vol-2', 'vol-1'], ...o });
}

const fleet = (ids: string[], extra: { id?: string; remediations?: string[]; region?: string } = {}) => finding({
  id: extra.id ?? 'fleet-spinup:1', detector: 'fleet-spinup', region: extra.region ?? 'us-east-2',
  resources: ids.map((id) => ({ type: 'AWS::EC2::Instance', id, region: extra.region ?? 'us-east-2' })),
  remediations: extra.remediations ?? ['quarantine-instance', 'disable-access-key'],
});

const ids = (steps: PlannedStep[]) => steps.map((s) => s.id);

describe('quarantine-instance plan', () => {
  const cases: { name: string; instances: Instance[]; findings: ReturnType<typeof fleet>[]; options?: Record<string, unknown>; expected: string[] }[] = [
    {
      name: 'a miner: the playbook stages in order, after its VPC\'s isolation groups',
      instances: [miner('i-01')],
      findings: [fleet(['i-01'])],
      expected: ['quarantine-instance:isolation-group:us-east-2:vpc-1', ...STAGES.map((p) => `quarantine-instance:${p}:us-east-2:i-01`)],
    },
    {
      name: 'with stop: a final stop stage',
      instances: [miner('i-01')],
      findings: [fleet(['i-01'])],
      options: { stop: true },
      expected: ['quarantine-instance:isolation-group:us-east-2:vpc-1', ...[...STAGES, 'stop'].map((p) => `quarantine-instance:${p}:us-east-2:i-01`)],
    },
    {
      name: 'a finding that does not ask for quarantine (benign side): nothing',
      instances: [miner('i-01')],
      findings: [fleet(['i-01'], { remediations: ['disable-access-key'] })],
      expected: [],
    },
    {
      name: 'an instance the audit did not see, or a terminated one: nothing',
      instances: [miner('i-02', { state: 'terminated' })],
      findings: [fleet(['i-01', 'i-02'])],
      expected: [],
    },
    {
      name: 'a stopped instance is still quarantined',
      instances: [miner('i-01', { state: 'stopped' })],
      findings: [fleet(['i-01'])],
      expected: ['quarantine-instance:isolation-group:us-east-2:vpc-1', ...STAGES.map((p) => `quarantine-instance:${p}:us-east-2:i-01`)],
    },
    {
      name: 'an instance outside any VPC: every stage but isolation',
      instances: [miner('i-01', { vpcId: undefined })],
      findings: [fleet(['i-01'])],
      expected: STAGES.filter((p) => p !== 'isolate').map((p) => `quarantine-instance:${p}:us-east-2:i-01`),
    },
    {
      name: 'the account\'s own instances are left alone (only the ones findings name)',
      instances: [miner('i-01'), miner('i-99', { tags: { Name: 'web-1' } })],
      findings: [fleet(['i-01'])],
      expected: ['quarantine-instance:isolation-group:us-east-2:vpc-1', ...STAGES.map((p) => `quarantine-instance:${p}:us-east-2:i-01`)],
    },
  ];
  it.each(cases)('$name', ({ instances, findings, options, expected }) => {
    const data = emptyAccount({ ec2: { instances, securityGroups: [] } });
    expect(ids(action.plan({ findings, data, runId: RUN_ID }, opts(options)))).toEqual(expected);
  });

  it('chains each instance\'s stages and makes every isolate step wait for its VPC\'s isolation groups', () => {
    const data = emptyAccount({ ec2: { instances: [miner('i-02'), miner('i-01')], securityGroups: [] } });
    const steps = action.plan({ findings: [fleet(['i-02', 'i-01'])], data, runId: RUN_ID }, opts());
    const byId = new Map(steps.map((s) => [s.id, s]));
    expect(steps.filter((s) => s.params.part === 'isolation-group')).toHaveLength(1);
    for (const id of ['i-01', 'i-02']) {
      const chain = STAGES.map((p) => byId.get(`quarantine-instance:${p}:us-east-2:${id}`)!);
      chain.forEach((s, k) => {
        const previous = k > 0 ? [chain[k - 1]!.id] : [];
        const extra = s.params.part === 'isolate' ? ['quarantine-instance:isolation-group:us-east-2:vpc-1'] : [];
        expect(s.dependsOn).toEqual([...previous, ...extra]);
      });
    }
    expect(byId.get('quarantine-instance:snapshot:us-east-2:i-01')!.params.volumeIds).toEqual(['vol-1', 'vol-2']);
    expect(byId.get('quarantine-instance:isolate:us-east-2:i-01')!.params.groupsAtAudit).toEqual(['sg-1']);
  });

  it('merges the findings that name the same instance, in report order', () => {
    const data = emptyAccount({ ec2: { instances: [miner('i-01')], securityGroups: [] } });
    const findings = [fleet(['i-01'], { id: 'cpu-sustained:9' }), fleet(['i-01'], { id: 'fleet-spinup:1' })];
    const steps = action.plan({ findings, data, runId: RUN_ID }, opts());
    expect(new Set(steps.map((s) => s.findings.join(',')))).toEqual(new Set(['cpu-sustained:9,fleet-spinup:1']));
  });

  it('declares every call a step makes, and undo\'s, in its permissions; never a terminate or a delete', () => {
    const data = emptyAccount({ ec2: { instances: [miner('i-01')], securityGroups: [] } });
    const steps = action.plan({ findings: [fleet(['i-01'])], data, runId: RUN_ID }, opts({ stop: true }));
    for (const s of steps) expect(action.permissions).toEqual(expect.arrayContaining(s.calls));
    expect(action.permissions.filter((p) => /Terminate|Delete(?!Tags)/.test(p))).toEqual([]);
  });
});

// ---- against the simulated account -----------------------------------------------------------

const MINER = 'i-0a0000000000000a1';
const MINER_2 = 'i-0a0000000000000a2';
const TWO_NICS = 'i-0b0000000000000b1';
const BYSTANDER = 'i-0c0000000000000c1';
const TG = `arn:aws:elasticloadbalancing:${REGION}:111122223333:targetgroup/web/0123456789abcdef`;
const ASG = 'miners';
const FINDING = 'fleet-spinup:0123456789abcdef';

function account() {
  return harness(scenario({
    ec2: {
      instances: [
        instance(MINER, {
          Tags: [{ Key: 'Name', Value: 'worker' }, { Key: 'aws:autoscaling:groupName', Value: ASG }],
          InstanceInitiatedShutdownBehavior: 'terminate',
        }),
        instance(MINER_2, { DisableApiTermination: true, SecurityGroups: [{ GroupId: 'sg-0app00000000000001', GroupName: 'app' }, { GroupId: 'sg-0ssh00000000000001', GroupName: 'ssh' }] }),
        instance(TWO_NICS, { NetworkInterfaces: [{ NetworkInterfaceId: 'eni-1' }, { NetworkInterfaceId: 'eni-2' }] }),
        instance(BYSTANDER, { Tags: [{ Key: 'Name', Value: 'web-1' }] }),
      ],
      volumes: [volumeOf(MINER), volumeOf(MINER_2), volumeOf(TWO_NICS), volumeOf(BYSTANDER)],
      securityGroups: [group('sg-0app00000000000001', 'app'), group('sg-0ssh00000000000001', 'ssh')],
    },
    elbv2: {
      targetGroups: [{ TargetGroupArn: TG, TargetGroupName: 'web', Region: REGION, VpcId: VPC, Protocol: 'HTTP', Port: 80, TargetType: 'instance', Targets: [{ Id: MINER }, { Id: BYSTANDER }] }],
    },
  }));
}

/** What the quarantine changes on an instance, read back through the APIs. */
async function view(h: Harness, id: string) {
  const ec2 = h.clients.ec2(REGION);
  const described = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
  const attr = async (Attribute: 'disableApiTermination' | 'instanceInitiatedShutdownBehavior') => ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute }));
  const asg = await h.clients.autoScaling(REGION).send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [id] }));
  const health = await h.clients.elbv2(REGION).send(new DescribeTargetHealthCommand({ TargetGroupArn: TG }));
  return {
    state: described.State?.Name,
    groups: (described.SecurityGroups ?? []).map((g) => g.GroupId).sort(),
    tags: Object.fromEntries((described.Tags ?? []).map((t) => [t.Key, t.Value])),
    terminationProtection: (await attr('disableApiTermination')).DisableApiTermination?.Value,
    shutdownBehavior: (await attr('instanceInitiatedShutdownBehavior')).InstanceInitiatedShutdownBehavior?.Value,
    autoScalingGroup: asg.AutoScalingInstances?.[0]?.AutoScalingGroupName,
    registered: (health.TargetHealthDescriptions ?? []).some((d) => d.Target?.Id === id),
  };
}

async function isolationGroups(h: Harness) {
  const ec2 = h.clients.ec2(REGION);
  const out = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [VPC] }, { Name: 'group-name', Values: [ISOLATION_OPEN_GROUP, ISOLATION_GROUP] }] }));
  const byName = new Map((out.SecurityGroups ?? []).map((g) => [g.GroupName, g.GroupId!]));
  const rules = async (groupId: string | undefined) => groupId
    ? ((await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).SecurityGroupRules ?? [])
      .map((r) => `${r.IsEgress ? 'out' : 'in'} ${r.IpProtocol} ${r.CidrIpv4 ?? r.CidrIpv6}`).sort()
    : undefined;
  const open = byName.get(ISOLATION_OPEN_GROUP);
  const closed = byName.get(ISOLATION_GROUP);
  return { open, closed, openRules: await rules(open), closedRules: await rules(closed) };
}

describe('quarantine-instance against the simulated account', () => {
  let h: Harness;
  let steps: PlannedStep[];
  let before: Record<string, Awaited<ReturnType<typeof view>>>;
  let applied: Applied[];

  beforeAll(async () => {
    h = account();
    const data = await h.collect();
    const findings = [finding({ id: FINDING, detector: 'fleet-spinup', resources: [MINER, MINER_2, TWO_NICS].map((id) => ({ type: 'AWS::EC2::Instance', id, region: REGION })), remediations: ['quarantine-instance'] })];
    steps = action.plan({ findings, data, runId: RUN_ID }, opts({ stop: true }));
    before = Object.fromEntries(await Promise.all([MINER, MINER_2, TWO_NICS, BYSTANDER].map(async (id) => [id, await view(h, id)] as const)));
    applied = await applySteps(h, action, steps);
  });

  const outcome = (part: string, id: string) => applied.find((a) => a.step.id === `quarantine-instance:${part}:${REGION}:${id}`)!.outcome;

  it('applies every stage of a single-interface miner, in an Auto Scaling group or not', () => {
    for (const part of [...STAGES, 'stop']) expect(outcome(part, MINER).status, part).toBe('done');
    for (const part of [...STAGES, 'stop']) expect(outcome(part, MINER_2).status, part).toBe('done');
    expect(outcome('detach', MINER_2).reason).toContain('no Auto Scaling group and no target group');
    expect(applied[0]!.step.params.part).toBe('isolation-group');
    expect(applied[0]!.outcome.status).toBe('done');
  });

  it('contains the miner: protected, stop on shutdown, tagged, out of its Auto Scaling group and target group, isolated, stopped', async () => {
    const { closed } = await isolationGroups(h);
    expect(await view(h, MINER)).toEqual({
      state: 'stopped',
      groups: [closed],
      tags: { Name: 'worker', 'rigwatch:quarantined': RUN_ID, 'rigwatch:finding': FINDING },
      terminationProtection: true,
      shutdownBehavior: 'stop',
      autoScalingGroup: undefined,
      registered: false,
    });
  });

  it('keeps EBS snapshots tagged with the run, the finding and the step', async () => {
    const out = await h.clients.ec2(REGION).send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'tag:rigwatch:quarantined', Values: [RUN_ID] }] }));
    const snaps = (out.Snapshots ?? []).map((s) => ({ volume: s.VolumeId, tags: Object.fromEntries((s.Tags ?? []).map((t) => [t.Key, t.Value])) }));
    expect(snaps.find((s) => s.volume === `vol-${MINER.slice(2)}`)?.tags).toMatchObject({
      'rigwatch:finding': FINDING, 'rigwatch:step': `quarantine-instance:snapshot:${REGION}:${MINER}`,
    });
  });

  it('makes the isolation groups: one all-open in and out, one with no rules at all', async () => {
    const groups = await isolationGroups(h);
    expect(groups.openRules).toEqual(['in -1 0.0.0.0/0', 'in -1 ::/0', 'out -1 0.0.0.0/0', 'out -1 ::/0']);
    expect(groups.closedRules).toEqual([]);
  });

  it('swaps to the open group first, then to the empty one (two ModifyInstanceAttribute Groups calls)', () => {
    const swaps = (h.account.state.scenario.cloudtrail?.events ?? [])
      .filter((e) => e.eventName === 'ModifyInstanceAttribute' && JSON.stringify(e.requestParameters).includes(MINER) && JSON.stringify(e.requestParameters).includes('groupSet'))
      .map((e) => JSON.stringify(e.requestParameters));
    expect(swaps).toHaveLength(2);
    expect(swaps[0]).toContain(applied[0]!.outcome.reason!.match(/rigwatch-isolation-open (sg-[0-9a-f]+)/)![1]!);
  });

  it('fails, with the reason, to isolate an instance with two network interfaces; its other stages apply', async () => {
    expect(outcome('isolate', TWO_NICS)).toMatchObject({ status: 'failed', reason: expect.stringContaining('2 network interfaces') });
    expect(outcome('protect', TWO_NICS).status).toBe('done');
    expect(outcome('stop', TWO_NICS).status).toBe('skipped');
    expect((await view(h, TWO_NICS)).groups).toEqual(before[TWO_NICS]!.groups);
  });

  it('leaves the account\'s own instance alone', async () => {
    expect(await view(h, BYSTANDER)).toEqual(before[BYSTANDER]);
  });

  it('calls nothing a step does not declare', () => {
    for (const a of applied) expect(a.step.calls, a.step.id).toEqual(expect.arrayContaining(a.calls));
  });

  it('is idempotent: applying again changes nothing more (no second snapshot, no new groups)', async () => {
    const groups = await isolationGroups(h);
    const again = await applySteps(h, action, steps.filter((s) => ['snapshot', 'isolation-group', 'tag'].includes(s.params.part as string)));
    expect(again.filter((a) => a.step.params.part === 'snapshot').map((a) => a.outcome.reason)).toEqual(
      expect.arrayContaining([expect.stringContaining('already snapshotted')]));
    expect(await isolationGroups(h)).toEqual(groups);
    const snaps = await h.clients.ec2(REGION).send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'tag:rigwatch:quarantined', Values: [RUN_ID] }] }));
    expect(snaps.Snapshots).toHaveLength(3);
  });

  describe('undo', () => {
    beforeAll(async () => {
      await undoSteps(h, action, applied.filter((a) => a.outcome.status === 'done'));
    });

    it('puts every instance back as it was', async () => {
      for (const id of [MINER, MINER_2, TWO_NICS, BYSTANDER]) expect(await view(h, id), id).toEqual(before[id]);
    });

    it('keeps the evidence snapshots and the isolation groups', async () => {
      const snaps = await h.clients.ec2(REGION).send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'tag:rigwatch:quarantined', Values: [RUN_ID] }] }));
      expect(snaps.Snapshots).toHaveLength(3);
      const groups = await isolationGroups(h);
      expect(groups.open).toBeDefined();
      expect(groups.closed).toBeDefined();
    });

    it('called only what the action declares, applying and undoing', () => {
      const seen = [...h.actionCalls].sort();
      expect(seen.filter((c) => !action.permissions.includes(c))).toEqual([]);
      expect(seen).toEqual(expect.arrayContaining([
        'ec2:CreateSnapshots', 'ec2:ModifyInstanceAttribute', 'autoscaling:DetachInstances', 'elasticloadbalancing:DeregisterTargets', 'ec2:StopInstances',
        'ec2:DeleteTags', 'autoscaling:AttachInstances', 'elasticloadbalancing:RegisterTargets', 'ec2:StartInstances',
      ]));
    });
  });
});
