// A large account for the benchmark: thousands of instances over many regions, tens of thousands
// of management events over 30 days, 90 days of costs by service, region and usage type, and
// 5-minute metrics for every running instance, answered with realistic per-call latencies and
// AWS's limits. Optionally the brief's attack is mixed in, a needle in the haystack.
//
// The counts are honoured exactly for the account's own activity; the attack (when asked for) adds
// its 128 miners, 4 security groups and ~190 events on top (see `AttackManifest`).

import {
  AccountDraft,
  DAY,
  HOUR,
  MINUTE,
  POLICY,
  SERVICE,
  USER_AGENT,
  assumedRoleIdentity,
  authorizeSecurityGroupIngress,
  assumeRole,
  autoScalingIdentity,
  buildInstance,
  buildSecurityGroup,
  clamp,
  createTags,
  dayStart,
  diurnal,
  fromGroup,
  hash32,
  hourOfDay,
  iamUserIdentity,
  iso,
  isWeekend,
  newId,
  noise,
  periodIndex,
  publicIp,
  roleRef,
  runInstances,
  serviceCaller,
  softNoise,
  tcpFrom,
  userRef,
  terminateInstances,
  trustPolicy,
  getCallerIdentity,
  type Caller,
  type InstanceSpec,
  type RecordSpec,
  type RoleRef,
  type Rng,
  type UserRef,
  type Workload,
} from './build.js';
import { addDailyServiceCosts, addKeyUser, enableGuardDuty, standardTrail, type ServiceCostRow } from './common.js';
import { applyMinerAttack, type AttackManifest } from './attack.js';
import { DEMO_NOW } from './demo.js';
import type { IpPermission, Scenario, ScenarioSecurityGroup, ScenarioSimulation, UserIdentity } from '../types.js';

export interface LargeAccountOptions {
  instances: number;
  /** Regions with instances, 1 to 17 (the account's `regions` list is always the 17 default ones). */
  regions: number;
  /** CloudTrail events of the account's own activity, spread over the last 30 days. */
  events: number;
  /** Days of daily costs before today. */
  costDays: number;
  /** Mix in the brief's attack (in regions the account does not use when `regions` <= 12). */
  attack?: boolean;
  seed?: number;
  /** Hours of 5-minute metrics per running instance (default 72). */
  metricHours?: number;
}

export const LARGE_DEFAULT: LargeAccountOptions = { instances: 3000, regions: 12, events: 50_000, costDays: 90, attack: true, seed: 1 };

export const LARGE_ACCOUNT = { id: '999988887777', alias: 'acme-enterprise' } as const;

/** Regions in the order the account spreads into them; the attack's four come last. */
export const LARGE_REGION_ORDER = [
  'us-east-1', 'eu-west-1', 'us-west-2', 'eu-central-1', 'ap-northeast-1', 'ap-southeast-2',
  'ca-central-1', 'eu-west-2', 'ap-south-1', 'us-west-1', 'ap-northeast-2', 'eu-west-3',
  'ap-northeast-3', 'us-east-2', 'ap-southeast-1', 'sa-east-1', 'eu-north-1',
] as const;

/** Per-call latencies measured against AWS from a nearby region, roughly. */
export const REALISTIC_LATENCY_MS: Record<string, number> = {
  default: 60,
  'cloudtrail:LookupEvents': 150,
  'cloudtrail:DescribeTrails': 90,
  'cloudtrail:GetTrailStatus': 80,
  'ec2:DescribeInstances': 250,
  'ec2:DescribeSecurityGroups': 200,
  'ec2:DescribeSecurityGroupRules': 200,
  'ec2:DescribeInstanceAttribute': 120,
  'ec2:DescribeRegions': 100,
  'ec2:DescribeVolumes': 180,
  'cloudwatch:GetMetricData': 300,
  'ce:GetCostAndUsage': 600,
  'ce:GetCostForecast': 700,
  'ce:GetAnomalies': 500,
  'iam:ListUsers': 80,
  'iam:ListRoles': 80,
  'iam:ListAccessKeys': 80,
  'iam:GetAccessKeyLastUsed': 80,
  'iam:ListMFADevices': 80,
  'iam:GetLoginProfile': 80,
  'iam:ListAttachedUserPolicies': 80,
  'iam:ListUserPolicies': 80,
  'iam:ListGroupsForUser': 80,
  'iam:ListAttachedRolePolicies': 80,
  'iam:ListRolePolicies': 80,
  'iam:GenerateCredentialReport': 80,
  'iam:GetCredentialReport': 80,
  'iam:GetAccountSummary': 80,
  'sts:GetCallerIdentity': 50,
  'guardduty:ListDetectors': 120,
  'guardduty:GetDetector': 100,
  'guardduty:ListFindings': 150,
  'guardduty:GetFindings': 150,
};

const EVENT_DAYS = 30;

type Role = 'web' | 'app' | 'worker' | 'db' | 'cache' | 'analytics' | 'batch';

const ROLE_WEIGHTS: readonly (readonly [Role, number])[] = [
  ['web', 15], ['app', 30], ['worker', 20], ['db', 5], ['cache', 5], ['analytics', 12], ['batch', 13],
];

const ROLE_TYPES: Record<Role, readonly string[]> = {
  web: ['m5.large', 'm6i.large', 'm5.xlarge'],
  app: ['m5.xlarge', 'm6i.xlarge', 'm5.2xlarge', 'm6i.2xlarge'],
  worker: ['c5.xlarge', 'c6i.xlarge', 'c5.2xlarge', 'c5.large'],
  db: ['r5.xlarge', 'r5.2xlarge', 'r6i.xlarge', 'r6i.2xlarge'],
  cache: ['r5.large', 'r5.xlarge'],
  analytics: ['r5.xlarge', 'm5.2xlarge', 'r5.2xlarge'],
  batch: ['c5.2xlarge', 'c6i.2xlarge', 'c5.xlarge'],
};

const ROOT_GB: Record<Role, number> = { web: 30, app: 60, worker: 40, db: 500, cache: 30, analytics: 200, batch: 100 };

/** A role's load: diurnal with a per-instance level and phase; batch runs a nightly job. All stay well under 85%. */
function largeProfile(id: string, role: Role, r: Rng): Pick<Workload, 'cpu' | 'netIn' | 'netOut'> {
  const [c, i, o] = [hash32(`${id}/cpu`), hash32(`${id}/in`), hash32(`${id}/out`)];
  const peak = r.range(12, 20);
  const base = r.range(5, 20);
  const amp = r.range(10, 35);
  const bytes = { web: 120e6, app: 60e6, worker: 30e6, db: 50e6, cache: 40e6, analytics: 20e6, batch: 15e6 }[role] * r.range(0.5, 1.5);
  const outShare = role === 'web' ? 0.8 : 0.45;
  if (role === 'batch') {
    const start = r.int(0, 5);
    const busy = (t: number) => hourOfDay(t) >= start && hourOfDay(t) < start + 2;
    return {
      cpu: (t) => (busy(t) ? clamp(66 + 8 * noise(c, periodIndex(t)), 0, 100) : clamp(6 + 3 * softNoise(c, periodIndex(t)), 0.5, 100)),
      netIn: (t) => (busy(t) ? 6 : 1) * bytes * (1 + 0.1 * softNoise(i, periodIndex(t))),
      netOut: (t) => (busy(t) ? 3 : 1) * bytes * 0.4 * (1 + 0.1 * softNoise(o, periodIndex(t))),
    };
  }
  const load = (t: number) => diurnal(t, peak);
  return {
    cpu: (t) => clamp(base + amp * load(t) + 2 * softNoise(c, periodIndex(t)), 0.5, 100),
    netIn: (t) => bytes * (1 - outShare) * (0.6 + 0.8 * load(t)) * (1 + 0.06 * softNoise(i, periodIndex(t))),
    netOut: (t) => bytes * outShare * (0.6 + 0.8 * load(t)) * (1 + 0.06 * softNoise(o, periodIndex(t))),
  };
}

interface RegionNet {
  region: string;
  vpcId: string;
  second: number;
  subnets: { id: string; az: string; cidr: string; public: boolean }[];
  sg: Record<'web' | 'app' | 'db' | 'cache' | 'ssh' | 'bastion' | 'ci', ScenarioSecurityGroup>;
  natIp: string;
}

function regionNet(draft: AccountDraft, r: Rng, region: string, index: number): RegionNet {
  const account = draft.account;
  const second = 100 + index;
  const vpcId = newId.vpc(r);
  const subnets = ['a', 'b', 'c'].flatMap((az, k) => [
    { id: newId.subnet(r), az: `${region}${az}`, cidr: `10.${second}.${k}`, public: true },
    { id: newId.subnet(r), az: `${region}${az}`, cidr: `10.${second}.${10 + k}`, public: false },
  ]);
  const make = (name: string, description: string, ingress: IpPermission[]) =>
    buildSecurityGroup({ id: newId.securityGroup(r), name, description, region, vpcId, owner: account, ingress, tags: { Name: name } });
  const bastion = make('bastion', 'SSH from the offices', [tcpFrom(22, ['203.0.113.0/24', '192.0.2.0/24'])]);
  const web = make('web', 'Public HTTPS', [tcpFrom(443, ['0.0.0.0/0', '::/0'])]);
  const app = make('app', 'App tier', [fromGroup('tcp', web.GroupId, account, 8080)]);
  const db = make('db', 'Databases', [fromGroup('tcp', app.GroupId, account, 5432)]);
  const cache = make('cache', 'Caches', [fromGroup('tcp', app.GroupId, account, 6379)]);
  const ssh = make('internal-ssh', 'SSH from the bastion', [fromGroup('tcp', bastion.GroupId, account, 22)]);
  const ci = make('ci-runner', 'CI runners (no inbound)', []);
  const sg = { web, app, db, cache, ssh, bastion, ci };
  draft.securityGroups.push(...Object.values(sg));
  return { region, vpcId, second, subnets, sg, natIp: publicIp(r, region) };
}

/** Splits `total` over `n` buckets with decreasing weights; exact. */
function distribute(total: number, n: number): number[] {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1.5));
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((total * w) / sum));
  let rest = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % n, rest--) counts[i] = (counts[i] ?? 0) + 1;
  return counts;
}

function validate(o: LargeAccountOptions): void {
  const int = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer from ${min} to ${max} (got ${v})`);
  };
  int('regions', o.regions, 1, LARGE_REGION_ORDER.length);
  int('instances', o.instances, o.regions, 100_000);
  int('events', o.events, 0, 2_000_000);
  int('costDays', o.costDays, 1, 400);
  if (o.metricHours !== undefined) int('metricHours', o.metricHours, 0, 24 * 15);
}

/** The large account and, with `attack`, the attack's manifest. */
export function buildLarge(opts: LargeAccountOptions): { scenario: Scenario; attack?: AttackManifest } {
  validate(opts);
  const seed = opts.seed ?? 1;
  const draft = new AccountDraft({ account: LARGE_ACCOUNT.id, alias: LARGE_ACCOUNT.alias, now: DEMO_NOW, seed: `large/${seed}`, costDays: opts.costDays });
  const now = draft.now;
  const account = draft.account;
  const r = draft.rng.fork('inventory');
  const regions = LARGE_REGION_ORDER.slice(0, opts.regions);
  const nets = regions.map((region, i) => regionNet(draft, r, region, i));
  const images = Object.fromEntries(regions.map((region) => [region, newId.image(r)]));
  const metricsFrom = now - (opts.metricHours ?? 72) * HOUR;

  // ---- Instances ----
  interface Placed { id: string; region: string; role: Role; recent: boolean; launch: number; running: boolean; volumeId: string }
  const placed: Placed[] = [];
  const counts = distribute(opts.instances, regions.length);
  nets.forEach((net, ri) => {
    const n = counts[ri] ?? 0;
    for (let k = 0; k < n; k++) {
      const bastion = k === 0;
      const role: Role = bastion ? 'web' : r.weighted(ROLE_WEIGHTS);
      const type = bastion ? 't3.micro' : r.pick(ROLE_TYPES[role]);
      const recent = !bastion && r.chance(0.08);
      const launch = recent ? now - r.range(0.1, EVENT_DAYS) * DAY : now - r.range(EVENT_DAYS + 1, 700) * DAY;
      const running = bastion || r.chance(0.95);
      const isPublic = bastion || role === 'web';
      const subnet = r.pick(net.subnets.filter((s) => s.public === isPublic));
      const id = newId.instance(r);
      const volumeId = newId.volume(r);
      const groups = bastion ? [net.sg.bastion] : role === 'web' ? [net.sg.web, net.sg.ssh] : role === 'db' ? [net.sg.db, net.sg.ssh] : role === 'cache' ? [net.sg.cache] : [net.sg.app, net.sg.ssh];
      const stoppedAt = running ? undefined : launch + r.range(0.2, 0.9) * (now - launch);
      const tags: Record<string, string> = {
        Name: bastion ? `bastion-${net.region}` : `${role}-${net.region}-${String(k).padStart(4, '0')}`,
        env: r.chance(0.8) ? 'prod' : 'staging',
        role: bastion ? 'bastion' : role,
        team: r.pick(['platform', 'payments', 'search', 'data', 'identity', 'growth']),
      };
      if (role === 'batch' || role === 'analytics') tags['rigwatch:tier'] = 'non-core';
      if (role === 'db') tags['rigwatch:protect'] = 'true';
      const spec: InstanceSpec = {
        id, region: net.region, az: subnet.az, type, launchTime: launch, state: running ? 'running' : 'stopped', tags,
        securityGroups: groups.map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName })), vpcId: net.vpcId, subnetId: subnet.id,
        privateIp: `${subnet.cidr}.${r.int(4, 250)}`, imageId: images[net.region] ?? '', keyName: 'enterprise-ops',
        architecture: 'x86_64', instanceProfileArn: `arn:aws:iam::${account}:instance-profile/${role}-instance`,
        rootVolume: { id: volumeId, sizeGb: ROOT_GB[role] },
      };
      if (isPublic) spec.publicIp = publicIp(r, net.region);
      const { instance, volume } = buildInstance(spec);
      if (stoppedAt !== undefined) instance.StateTransitionReason = `User initiated (${iso(stoppedAt).replace('T', ' ').replace('Z', ' GMT')})`;
      draft.instances.push(instance);
      draft.volumes.push(volume);
      draft.addWorkload(spec, {
        ...largeProfile(id, role, r), to: stoppedAt ?? Infinity, egressShare: isPublic ? 0.8 : 0,
        metricsFrom: running ? metricsFrom : undefined,
      });
      placed.push({ id, region: net.region, role, recent, launch, running, volumeId });
    }
  });

  // ---- IAM ----
  const ir = draft.rng.fork('iam');
  const role = (name: string, path = '/') => roleRef(account, name, newId.roleId(ir), path);
  const roles = {
    ci: role('ci-runner'),
    terraform: role('terraform-deployer'),
    asg: role('AWSServiceRoleForAutoScaling', '/aws-service-role/autoscaling.amazonaws.com/'),
    lambda: role('lambda-ingest'),
    instance: Object.fromEntries(ROLE_WEIGHTS.map(([name]) => [name, role(`${name}-instance`)])) as Record<Role, RoleRef>,
  };
  const peopleCount = clamp(Math.round(opts.instances / 60), 5, 80);
  const ops = addKeyUser(draft, { userName: 'ops-deploy', path: '/deploy-bot/', created: '2025-04-08T16:02:37Z', keyCreated: '2026-10-05T15:11:26Z', policies: [POLICY.ec2Full, POLICY.iamFull] });
  // Each person works from one office, behind its NAT address.
  const officeIps = ['203.0.113.24', '203.0.113.41', '192.0.2.10'];
  const personRefs: UserRef[] = [];
  const officeOf = new Map<string, string>();
  const pr = draft.rng.fork('people');
  for (let p = 0; p < peopleCount; p++) {
    const ref = userRef(account, `user${String(p + 1).padStart(3, '0')}`, newId.userId(pr));
    personRefs.push(ref);
    officeOf.set(ref.userName, pr.pick(officeIps));
  }
  const ciIps = ['198.51.100.17', '198.51.100.18', '198.51.100.19', '198.51.100.23'];

  // ---- Events: launches of recent inventory, sign-ins, then the day-to-day mix ----
  const rec = draft.recorder;
  const er = draft.rng.fork('events');
  let budget = opts.events;
  const emit = (caller: Caller, spec: RecordSpec) => {
    if (budget <= 0) return false;
    rec.record(caller, spec);
    budget--;
    return true;
  };
  const sessions = new Map<string, UserIdentity>();
  const roleSession = (ref: RoleRef, session: string, t: number, invokedBy?: string): UserIdentity => {
    const key = `${ref.roleName}/${session}/${Math.floor(t / HOUR)}`;
    let identity = sessions.get(key);
    if (!identity) {
      identity = assumedRoleIdentity(ref, session, newId.sessionKey(er), Math.floor(t / HOUR) * HOUR + 2 * MINUTE, invokedBy ? { invokedBy } : {});
      sessions.set(key, identity);
    }
    return identity;
  };
  const consoleSession = (user: UserRef, t: number): UserIdentity => {
    const key = `console/${user.userName}/${Math.floor(t / DAY)}`;
    let identity = sessions.get(key);
    if (!identity) {
      identity = iamUserIdentity(user, newId.sessionKey(er), { creationDate: dayStart(t) + 8.5 * HOUR, mfa: true });
      sessions.set(key, identity);
    }
    return identity;
  };
  const asgCaller = (t: number) => serviceCaller(autoScalingIdentity(roles.asg, Math.floor(t / HOUR) * HOUR), 'autoscaling.amazonaws.com');

  const instanceById = new Map(draft.instances.map((i) => [i.InstanceId, i]));
  for (const p of placed.filter((x) => x.recent).sort((a, b) => a.launch - b.launch)) {
    if (budget <= 0) break;
    const instance = instanceById.get(p.id);
    if (!instance) continue;
    const byAsg = p.role === 'web' || p.role === 'app' || p.role === 'worker';
    const caller: Caller = byAsg
      ? asgCaller(p.launch)
      : { identity: roleSession(roles.terraform, 'terraform', p.launch), sourceIPAddress: er.pick(ciIps), userAgent: USER_AGENT.terraform };
    runInstances(rec, caller, { time: p.launch, region: p.region, instances: [{ ...instance, State: { Code: 0, Name: 'pending' } }], reservationId: newId.reservation(er), withUserData: true });
    budget--;
  }

  const span = EVENT_DAYS * DAY;
  const start = now - span;
  const officeIp = (user: UserRef): string => officeOf.get(user.userName) ?? '203.0.113.24';
  for (let d = EVENT_DAYS; d >= 0 && budget > 0; d--) {
    const day = dayStart(now) - d * DAY;
    if (new Date(day).getUTCDay() % 6 === 0) continue;
    for (const person of personRefs) {
      if (!er.chance(0.5)) continue;
      const t = day + er.range(8.5, 16.5) * HOUR;
      if (t > now || t < start) continue;
      if (!emit({ identity: iamUserIdentity(person), sourceIPAddress: officeIp(person), userAgent: USER_AGENT.browser }, {
        time: t, source: 'signin.amazonaws.com', name: 'ConsoleLogin', region: 'us-east-1', readOnly: false,
        response: { ConsoleLogin: 'Success' }, additionalEventData: { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: 'Yes', MfaType: 'Virtual MFA' }, eventType: 'AwsConsoleSignIn',
      })) break;
    }
  }

  // The day-to-day mix, weighted towards working hours and towards the busier regions.
  const times: number[] = [];
  while (times.length < budget) {
    const t = start + er.next() * (span - 5 * MINUTE);
    if (er.next() < 0.35 + 0.65 * diurnal(t, 15)) times.push(Math.floor(t / 1000) * 1000);
  }
  times.sort((a, b) => a - b);
  const regionWeights = nets.map((net, i) => [net, counts[i] ?? 1] as const);
  const runningByRegion = new Map<string, Placed[]>(nets.map((net) => [net.region, placed.filter((p) => p.running && p.region === net.region)]));
  const pending: { id: string; region: string; at: number }[] = [];
  const authorized = new Set<string>();
  const privateCidrs = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '10.200.0.0/16', '10.210.0.0/16'];
  const lambdaNames = ['ingest-orders', 'thumbnailer', 'audit-forwarder', 'nightly-rollup', 'webhook-relay'];

  const inRegion = (net: RegionNet): Placed[] => {
    const list = runningByRegion.get(net.region);
    return list && list.length > 0 ? list : placed;
  };
  // People work in the console in office hours; out of hours the same changes come from Terraform.
  const consoleCaller = (t: number): Caller => {
    const hour = hourOfDay(t);
    if (hour < 8.5 || hour >= 17 || isWeekend(t)) return tfCaller(t);
    const person = er.pick(personRefs);
    return { identity: consoleSession(person, t), sourceIPAddress: officeIp(person), userAgent: USER_AGENT.browser, console: true };
  };
  const ciCaller = (t: number, cmd: string): Caller => ({ identity: roleSession(roles.ci, `gha-${Math.floor(t / HOUR) % 100_000}`, t), sourceIPAddress: er.pick(ciIps), userAgent: USER_AGENT.awsCli(cmd) });
  const tfCaller = (t: number): Caller => ({ identity: roleSession(roles.terraform, 'terraform', t), sourceIPAddress: er.pick(ciIps), userAgent: USER_AGENT.terraform });
  const instanceCaller = (t: number, net: RegionNet, roleName: Role): Caller => {
    const host = er.pick(inRegion(net));
    return { identity: roleSession(roles.instance[roleName], host.id, t), sourceIPAddress: net.natIp, userAgent: 'aws-sdk-java/2.29.6 Linux/6.1.112-124.190.amzn2023.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5 vendor/Amazon.com_Inc. md/internal exec-env/AWS_ECS_EC2 io/sync http/Apache cfg/retry-mode/standard' };
  };

  type Maker = (t: number, net: RegionNet) => void;
  const makers: (readonly [Maker, number])[] = [
    [(t, net) => { const p = er.pick(inRegion(net)); createTags(rec, er.chance(0.5) ? consoleCaller(t) : tfCaller(t), { time: t, region: net.region, resourceIds: [p.id], tags: { 'cost-center': `cc-${er.int(100, 999)}` } }); }, 12],
    [(t, net) => {
      // A CI runner that has come and gone (the inventory keeps exactly the requested count).
      const until = t + er.int(20, 90) * MINUTE;
      if (until > now) {
        createTags(rec, tfCaller(t), { time: t, region: net.region, resourceIds: [er.pick(inRegion(net)).id], tags: { 'managed-by': 'terraform' } });
        return;
      }
      const subnet = er.pick(net.subnets.filter((s) => !s.public));
      const spec: InstanceSpec = {
        id: newId.instance(er), region: net.region, az: subnet.az, type: 'c5.2xlarge', launchTime: t, tags: { Name: 'ci-runner', role: 'ci' },
        securityGroups: [{ GroupId: net.sg.ci.GroupId, GroupName: net.sg.ci.GroupName }], vpcId: net.vpcId, subnetId: subnet.id,
        privateIp: `${subnet.cidr}.${er.int(4, 250)}`, imageId: images[net.region] ?? '', architecture: 'x86_64', rootVolume: { id: newId.volume(er), sizeGb: 100 },
      };
      draft.addWorkload(spec, { ...largeProfile(spec.id, 'worker', er), to: until, egressShare: 0 });
      const instance = { ...buildInstance(spec).instance, State: { Code: 0, Name: 'pending' } };
      runInstances(rec, ciCaller(t, 'ec2.run-instances'), { time: t, region: net.region, instances: [instance], reservationId: newId.reservation(er), withUserData: true });
      pending.push({ id: spec.id, region: net.region, at: until });
    }, 5],
    [(t, net) => {
      const k = pending.findIndex((p) => p.at <= t);
      const p = k >= 0 ? pending.splice(k, 1)[0] : undefined;
      if (p) terminateInstances(rec, ciCaller(t, 'ec2.terminate-instances'), { time: t, region: p.region, instanceIds: [p.id] });
      else createTags(rec, tfCaller(t), { time: t, region: net.region, resourceIds: [er.pick(inRegion(net)).id], tags: { 'managed-by': 'terraform' } });
    }, 5],
    [(t, net) => {
      const cidr = er.pick(privateCidrs);
      const port = er.pick([5432, 6379, 8080, 9090, 443, 22]);
      const group = er.pick([net.sg.app, net.sg.db, net.sg.cache]);
      const rule = tcpFrom(port, [cidr]);
      authorizeSecurityGroupIngress(rec, tfCaller(t), { time: t, region: net.region, groupId: group.GroupId, permissions: [rule], ruleIds: [newId.securityGroupRule(er)] });
      const key = `${group.GroupId}/${cidr}/${port}`;
      if (!authorized.has(key)) {
        authorized.add(key);
        group.IpPermissions.push(rule);
      }
    }, 3],
    [(t, net) => {
      const subnet = er.pick(net.subnets.filter((s) => !s.public));
      const fn = er.pick(lambdaNames);
      rec.record({ identity: roleSession(roles.lambda, fn, t, 'lambda.amazonaws.com'), sourceIPAddress: 'lambda.amazonaws.com', userAgent: 'lambda.amazonaws.com' }, {
        time: t, source: 'ec2.amazonaws.com', name: er.chance(0.55) ? 'CreateNetworkInterface' : 'DeleteNetworkInterface', region: net.region, readOnly: false,
        request: { subnetId: subnet.id, description: `AWS Lambda VPC ENI-${fn}-${er.uuid()}`, groupSet: { items: [{ groupId: net.sg.app.GroupId }] } },
        response: { requestId: er.uuid(), _return: true },
      });
    }, 10],
    [(t, net) => {
      const target = er.pick([roles.terraform, roles.lambda, roles.instance.analytics]);
      assumeRole(rec, { identity: roleSession(roles.ci, `gha-${Math.floor(t / HOUR) % 100_000}`, t), sourceIPAddress: er.pick(ciIps), userAgent: USER_AGENT.awsCli('sts.assume-role') }, { time: t, region: net.region, role: target, sessionName: `ci-${er.int(1000, 9999)}`, accessKeyId: newId.sessionKey(er) });
    }, 14],
    [(t, net) => {
      const p = er.pick(inRegion(net));
      rec.record(instanceCaller(t, net, 'db'), { time: t, source: 'ec2.amazonaws.com', name: 'CreateSnapshot', region: net.region, readOnly: false, request: { volumeId: p.volumeId, description: 'nightly backup' }, response: { requestId: er.uuid(), snapshotId: `snap-0${er.hex(16)}`, volumeId: p.volumeId, status: 'pending', startTime: t, progress: '', ownerId: account, volumeSize: 100, encrypted: true } });
    }, 5],
    [(t, net) => {
      rec.record(instanceCaller(t, net, 'db'), { time: t, source: 'ec2.amazonaws.com', name: 'DeleteSnapshot', region: net.region, readOnly: false, request: { snapshotId: `snap-0${er.hex(16)}` }, response: { requestId: er.uuid(), _return: true } });
    }, 4],
    [(t, net) => {
      const p = er.pick(inRegion(net));
      const name = er.chance(0.5) ? 'StopInstances' : 'StartInstances';
      const [from, to] = name === 'StopInstances' ? [[16, 'running'], [64, 'stopping']] : [[80, 'stopped'], [0, 'pending']];
      rec.record(consoleCaller(t), { time: t, source: 'ec2.amazonaws.com', name, region: net.region, readOnly: false, request: { instancesSet: { items: [{ instanceId: p.id }] }, force: false }, response: { requestId: er.uuid(), instancesSet: { items: [{ instanceId: p.id, currentState: { code: to[0], name: to[1] }, previousState: { code: from[0], name: from[1] } }] } } });
    }, 2],
    [(t, net) => {
      rec.record(tfCaller(t), { time: t, source: 'monitoring.amazonaws.com', name: 'PutMetricAlarm', region: net.region, readOnly: false, request: { alarmName: `cpu-high-${er.hex(6)}`, metricName: 'CPUUtilization', namespace: 'AWS/EC2', statistic: 'Average', period: 300, evaluationPeriods: 3, threshold: 80, comparisonOperator: 'GreaterThanThreshold' } });
    }, 3],
    [(t, net) => {
      const fn = er.pick(lambdaNames);
      rec.record(ciCaller(t, 'lambda.update-function-code'), { time: t, source: 'lambda.amazonaws.com', name: 'UpdateFunctionCode20150331v2', region: net.region, readOnly: false, request: { functionName: fn, publish: true, s3Bucket: `enterprise-artifacts-${net.region}`, s3Key: `${fn}/${er.hex(12)}.zip` }, response: { functionName: fn, functionArn: `arn:aws:lambda:${net.region}:${account}:function:${fn}`, runtime: 'python3.12', codeSize: er.int(2e5, 9e6), lastModified: iso(t).replace('Z', '.000+0000') } });
    }, 3],
    [(t, net) => {
      rec.record(ciCaller(t, 'ssm.put-parameter'), { time: t, source: 'ssm.amazonaws.com', name: 'PutParameter', region: net.region, readOnly: false, request: { name: `/app/${er.pick(['payments', 'search', 'identity'])}/release`, type: 'String', overwrite: true }, response: { version: er.int(2, 400), tier: 'Standard' } });
    }, 3],
    [(t, net) => {
      const ls = `${er.pick(['app', 'worker', 'ingest'])}/${iso(t).slice(0, 10)}/${er.hex(32)}`;
      rec.record(instanceCaller(t, net, 'app'), { time: t, source: 'logs.amazonaws.com', name: 'CreateLogStream', region: net.region, readOnly: false, request: { logGroupName: `/enterprise/${er.pick(['app', 'worker', 'web'])}`, logStreamName: ls } });
    }, 8],
    [(t, net) => {
      const p = er.pick(inRegion(net));
      rec.record({ identity: roleSession(roles.asg, 'AutoScaling', t, 'ec2.amazonaws.com'), sourceIPAddress: 'ec2.amazonaws.com', userAgent: 'ec2.amazonaws.com' }, { time: t, source: 'kms.amazonaws.com', name: 'CreateGrant', region: net.region, readOnly: false, request: { keyId: `arn:aws:kms:${net.region}:${account}:key/${er.uuid()}`, granteePrincipal: `${net.region}.ec2.amazonaws.com`, constraints: { encryptionContextSubset: { 'aws:ebs:id': p.volumeId } }, operations: ['Decrypt'] }, response: { grantId: er.hex(64) } });
    }, 4],
    [(t, net) => {
      rec.record(er.chance(0.5) ? tfCaller(t) : consoleCaller(t), { time: t, source: 'autoscaling.amazonaws.com', name: er.chance(0.5) ? 'UpdateAutoScalingGroup' : 'SetDesiredCapacity', region: net.region, readOnly: false, request: { autoScalingGroupName: `${er.pick(['web', 'app', 'worker'])}-asg`, desiredCapacity: er.int(2, 40) } });
    }, 2],
    [(t, net) => {
      rec.record({ identity: iamUserIdentity(ops.user, ops.accessKeyId), sourceIPAddress: er.pick(ciIps), userAgent: USER_AGENT.awsCli('ssm.send-command') }, { time: t, source: 'ssm.amazonaws.com', name: 'SendCommand', region: 'us-east-1', readOnly: false, request: { documentName: 'AWS-RunShellScript', instanceIds: [er.pick(inRegion(nets[0] ?? net)).id], parameters: 'HIDDEN_DUE_TO_SECURITY_REASONS' }, response: { command: { commandId: er.uuid(), status: 'Pending' } } });
      draft.touchKey(ops.user.userName, ops.accessKeyId, t, 'ssm', 'us-east-1');
    }, 1],
    [(t, net) => {
      rec.record(instanceCaller(t, net, 'app'), { time: t, source: 'ec2.amazonaws.com', name: 'DescribeInstances', region: net.region, readOnly: true, request: { instancesSet: {}, filterSet: { items: [{ name: 'tag:role', valueSet: { items: [{ value: er.pick(['app', 'worker']) }] } }] } } });
    }, 4],
    [(t) => { getCallerIdentity(rec, ciCaller(t, 'sts.get-caller-identity'), { time: t }); }, 2],
  ];
  const total = makers.reduce((s, [, w]) => s + w, 0);
  for (const t of times) {
    const net = er.weighted(regionWeights);
    let pickW = er.next() * total;
    const maker = makers.find(([, w]) => (pickW -= w) < 0)?.[0] ?? makers[0]?.[0];
    const before = rec.records.length;
    maker?.(t, net);
    if (rec.records.length !== before + 1) throw new Error('every event maker writes exactly one record');
  }

  // ---- IAM section ----
  const created = Date.parse('2024-09-01T09:00:00Z');
  for (const ref of personRefs) {
    draft.users.push({
      UserName: ref.userName, UserId: ref.userId, Arn: ref.arn, Path: '/', CreateDate: iso(created + personRefs.indexOf(ref) * 3 * DAY),
      LoginProfile: { CreateDate: iso(created + personRefs.indexOf(ref) * 3 * DAY + 5 * MINUTE), PasswordResetRequired: false },
      MFADevices: [{ SerialNumber: `arn:aws:iam::${account}:mfa/${ref.userName}`, EnableDate: iso(created + personRefs.indexOf(ref) * 3 * DAY + 20 * MINUTE) }],
      Groups: [er.chance(0.15) ? 'admins' : 'developers'],
    });
  }
  draft.groups.push(
    { GroupName: 'admins', Arn: `arn:aws:iam::${account}:group/admins`, AttachedPolicies: [POLICY.admin] },
    { GroupName: 'developers', Arn: `arn:aws:iam::${account}:group/developers`, AttachedPolicies: [POLICY.powerUser] },
  );
  const allRoles = [roles.ci, roles.terraform, roles.asg, roles.lambda, ...Object.values(roles.instance)];
  for (const ref of allRoles) {
    const service = ref === roles.asg ? 'autoscaling.amazonaws.com' : ref === roles.lambda ? 'lambda.amazonaws.com' : ref === roles.ci || ref === roles.terraform ? undefined : 'ec2.amazonaws.com';
    draft.roles.push({
      RoleName: ref.roleName, RoleId: ref.roleId, Arn: ref.arn, Path: ref.path, CreateDate: '2024-09-01T09:30:00Z',
      AssumeRolePolicyDocument: service ? trustPolicy({ Service: service }) : trustPolicy({ Federated: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com` }, 'sts:AssumeRoleWithWebIdentity'),
      AttachedPolicies: ref === roles.asg ? [POLICY.autoScalingService] : ref === roles.terraform ? [POLICY.admin] : [POLICY.ssmCore],
    });
  }
  const trail = standardTrail(draft, 'org-management-events', '2024-09-01T09:10:00Z');
  enableGuardDuty(draft);

  // ---- Costs beyond the instances, scaled by each region's share ----
  const rows: ServiceCostRow[] = [];
  nets.forEach((net, i) => {
    const share = (counts[i] ?? 0) / 25;
    rows.push(
      [SERVICE.rds, net.region, 'Multi-AZUsage:db.r6g.2xl', 55 * share],
      [SERVICE.rds, net.region, 'RDS:Multi-AZ-GP3-Storage', 9 * share],
      [SERVICE.s3, net.region, 'TimedStorage-ByteHrs', 22 * share],
      [SERVICE.s3, net.region, 'Requests-Tier1', 4 * share, true],
      [SERVICE.elasticache, net.region, 'NodeUsage:cache.r6g.xlarge', 12 * share],
      [SERVICE.cloudwatch, net.region, 'CW:MetricMonitorUsage', 3 * share],
      [SERVICE.cloudwatch, net.region, 'DataProcessing-Bytes', 4 * share, true],
      [SERVICE.elb, net.region, 'LCUUsage', 5 * share, true],
      [SERVICE.ec2Other, net.region, 'NatGateway-Hours', 3.24],
      [SERVICE.ec2Other, net.region, 'NatGateway-Bytes', 2 * share, true],
      [SERVICE.lambda, net.region, 'Lambda-GB-Second', 2 * share, true],
      [SERVICE.kms, net.region, 'KMS-Requests', 0.8 * share, true],
    );
  });
  rows.push([SERVICE.route53, 'global', 'DNS-Queries', 6]);
  addDailyServiceCosts(draft, rows);
  draft.ledger.addOnFirstOfMonths((date) => ({ date, service: 'AWS Support (Enterprise)', region: 'global', recordType: 'RecurringFee', amount: 15_000 }));
  draft.costFinalizers.push((ledger) => ledger.addMonthEndTax(0.06));

  // ---- The attack, optionally ----
  let attack: AttackManifest | undefined;
  if (opts.attack) {
    const web = placed
      .filter((p) => p.region === 'us-east-1' && p.role === 'web' && p.running && !p.recent)
      .map((p) => instanceById.get(p.id))
      .find((i) => i !== undefined && i.InstanceType !== 't3.micro');
    if (!web) throw new Error('the attack needs a running web server in us-east-1');
    attack = applyMinerAttack({ draft, stolen: { ...ops, normalSourceIPs: ciIps }, web, trail, webLogGroup: { region: 'us-east-1', name: '/enterprise/web' } });
  }

  const simulation: ScenarioSimulation = { enforceLimits: true, latencyMs: REALISTIC_LATENCY_MS };
  const scenario = draft.toScenario({
    name: opts.attack ? 'large-attack' : 'large',
    description:
      `Benchmark account: ${opts.instances} instances in ${opts.regions} regions, ${opts.events} CloudTrail events over ${EVENT_DAYS} days, ` +
      `${opts.costDays} days of costs, ${opts.metricHours ?? 72} h of 5-minute metrics per running instance` +
      (opts.attack ? ", with the brief's attack mixed in." : '.'),
    simulation,
  });
  return attack ? { scenario, attack } : { scenario };
}

export function buildLargeAccount(opts: LargeAccountOptions): Scenario {
  return buildLarge(opts).scenario;
}

