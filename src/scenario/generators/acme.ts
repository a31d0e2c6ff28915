// acme-health's account on an ordinary day: the normal that the brief's incident happens in, and
// that the benign scenarios replay without the attack. Twelve long-running production instances
// in us-east-1 and eu-west-1, a nightly CI fleet, an app Auto Scaling group that scales out on busy
// afternoons, two admins who sign in with MFA from the office, a deploy user whose key acts from
// CI only, and ~$420 a day of cost spread over the services such an account uses.

import {
  AccountDraft,
  DAY,
  HOUR,
  MINUTE,
  POLICY,
  SERVICE,
  USER_AGENT,
  accessKeyEntry,
  assumedRoleIdentity,
  authorizeSecurityGroupIngress,
  autoScalingIdentity,
  buildInstance,
  buildSecurityGroup,
  clamp,
  consoleLogin,
  createTags,
  dayStart,
  diurnal,
  fromGroup,
  hash32,
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
  terminateInstances,
  trustPolicy,
  userRef,
  hourOfDay,
  type Caller,
  type InstanceSpec,
  type RoleRef,
  type Rng,
  type UserRef,
  type Workload,
} from './build.js';
import type { ScenarioInstance, ScenarioTrail } from '../types.js';
import { addDailyServiceCosts, enableGuardDuty, standardTrail, type ServiceCostRow } from './common.js';

export const ACME = {
  account: '111122223333',
  alias: 'acme-health',
  officeCidr: '203.0.113.0/24',
  /** The CI provider's egress addresses: where ops-deploy's key and the ci-runner role act from. */
  ciIps: ['198.51.100.17', '198.51.100.18', '198.51.100.19', '198.51.100.23'],
  webLogGroup: '/acme/prod/web/httpd',
  trailName: 'acme-management-events',
} as const;

/** How far back benign CloudTrail activity goes (the audit's 7-day window plus a 30-day baseline). */
export const EVENT_HISTORY_DAYS = 40;
export const CI_NIGHTS = 30;
export const COST_DAYS = 90;

export interface AcmeOptions {
  now: string;
  name?: string;
  /** Instances in each nightly CI run (8 for acme; the nightly-CI benign account uses 40). */
  ciFleetSize?: number;
  seed?: string;
}

/** The account plus the handles the attack needs. */
export interface AcmeAccount {
  draft: AccountDraft;
  web1: ScenarioInstance;
  opsDeploy: { user: UserRef; accessKeyId: string };
  trail: ScenarioTrail;
  autoScalingRole: RoleRef;
}

interface Network {
  vpcId: string;
  publicSubnets: { id: string; az: string; cidr: string }[];
  privateSubnets: { id: string; az: string; cidr: string }[];
}

function network(r: Rng, region: string, second: number): Network {
  const subnet = (az: string, third: number) => ({ id: newId.subnet(r), az: `${region}${az}`, cidr: `10.${second}.${third}.0/24` });
  return {
    vpcId: newId.vpc(r),
    publicSubnets: [subnet('a', 0), subnet('b', 1)],
    privateSubnets: [subnet('a', 10), subnet('b', 11)],
  };
}

function ipIn(r: Rng, cidr: string): string {
  return `${cidr.split('.').slice(0, 3).join('.')}.${r.int(10, 250)}`;
}

// ---- Workload profiles: each a pure function of time, with stateless noise. ----

/** Weekends are quieter for a healthcare booking site. */
const weekendFactor = (t: number): number => (isWeekend(t) ? 0.8 : 1);

export function webProfile(id: string, peakHour: number, meanOutBytes: number): Pick<Workload, 'cpu' | 'netIn' | 'netOut'> {
  const [c, i, o] = [hash32(`${id}/cpu`), hash32(`${id}/in`), hash32(`${id}/out`)];
  const load = (t: number) => diurnal(t, peakHour) * weekendFactor(t);
  return {
    cpu: (t) => clamp(10 + 35 * load(t) + 2 * softNoise(c, periodIndex(t)), 2, 100),
    netOut: (t) => meanOutBytes * (0.6 + 0.8 * load(t)) * (1 + 0.05 * softNoise(o, periodIndex(t))),
    netIn: (t) => 0.22 * meanOutBytes * (0.6 + 0.8 * load(t)) * (1 + 0.05 * softNoise(i, periodIndex(t))),
  };
}

function steadyProfile(id: string, opts: { cpuBase: number; cpuAmp: number; peakHour: number; netBytes: number; outShare: number }): Pick<Workload, 'cpu' | 'netIn' | 'netOut'> {
  const [c, i, o] = [hash32(`${id}/cpu`), hash32(`${id}/in`), hash32(`${id}/out`)];
  const load = (t: number) => diurnal(t, opts.peakHour) * weekendFactor(t);
  return {
    cpu: (t) => clamp(opts.cpuBase + opts.cpuAmp * load(t) + 1.5 * softNoise(c, periodIndex(t)), 0.5, 100),
    netIn: (t) => opts.netBytes * (1 - opts.outShare) * (0.7 + 0.6 * load(t)) * (1 + 0.06 * softNoise(i, periodIndex(t))),
    netOut: (t) => opts.netBytes * opts.outShare * (0.7 + 0.6 * load(t)) * (1 + 0.06 * softNoise(o, periodIndex(t))),
  };
}

/** A batch worker: nightly jobs 01:00-04:00 UTC at 55-70% CPU, idle otherwise. */
function batchWorkerProfile(id: string): Pick<Workload, 'cpu' | 'netIn' | 'netOut'> {
  const [c, i, o] = [hash32(`${id}/cpu`), hash32(`${id}/in`), hash32(`${id}/out`)];
  const busy = (t: number) => hourOfDay(t) >= 1 && hourOfDay(t) < 4;
  return {
    cpu: (t) => (busy(t) ? 62 + 7 * softNoise(c, periodIndex(t)) : 9 + 3 * softNoise(c, periodIndex(t))),
    netIn: (t) => (busy(t) ? 180e6 : 6e6) * (1 + 0.08 * softNoise(i, periodIndex(t))),
    netOut: (t) => (busy(t) ? 60e6 : 3e6) * (1 + 0.08 * softNoise(o, periodIndex(t))),
  };
}

/** CI jobs: busy and bursty (compiles, tests, idle waits) for the hour they live. */
export function ciProfile(id: string): Pick<Workload, 'cpu' | 'netIn' | 'netOut'> {
  const [c, i, o] = [hash32(`${id}/cpu`), hash32(`${id}/in`), hash32(`${id}/out`)];
  return {
    cpu: (t) => clamp(68 + 22 * noise(c, periodIndex(t)), 20, 99),
    netIn: (t) => 90e6 * (1 + 0.5 * noise(i, periodIndex(t))),
    netOut: (t) => 12e6 * (1 + 0.5 * noise(o, periodIndex(t))),
  };
}

// ---- The account ----

export function buildAcmeAccount(opts: AcmeOptions): AcmeAccount {
  const draft = new AccountDraft({ account: ACME.account, alias: ACME.alias, now: opts.now, seed: opts.seed ?? 'acme-health', costDays: COST_DAYS });
  const r = draft.rng.fork('inventory');
  const now = draft.now;
  const account = ACME.account;

  // Networks and security groups.
  const use1 = network(r, 'us-east-1', 10);
  const euw1 = network(r, 'eu-west-1', 20);
  const sg = (region: string, vpcId: string, name: string, description: string, ingress: (ids: Record<string, string>) => ReturnType<typeof tcpFrom>[], ids: Record<string, string>) => {
    const group = buildSecurityGroup({ id: ids[name] ?? newId.securityGroup(r), name, description, region, vpcId, owner: account, ingress: ingress(ids), tags: { Name: name, env: 'prod' } });
    draft.securityGroups.push(group);
    return { GroupId: group.GroupId, GroupName: group.GroupName };
  };
  const ids: Record<string, string> = {};
  for (const name of ['acme-web', 'acme-app', 'acme-db', 'acme-batch', 'acme-bastion', 'acme-internal-ssh', 'acme-ci-runner', 'default-use1', 'acme-web-eu', 'acme-app-eu', 'acme-reporting-eu', 'default-euw1']) {
    ids[name] = newId.securityGroup(r);
  }
  const idOf = (name: string): string => {
    const id = ids[name];
    if (!id) throw new Error(`no security group ${name}`);
    return id;
  };
  const webSg = sg('us-east-1', use1.vpcId, 'acme-web', 'Public HTTPS to the booking site', () => [tcpFrom(443, ['0.0.0.0/0', '::/0'])], ids);
  const appSg = sg('us-east-1', use1.vpcId, 'acme-app', 'App tier, from the web tier', () => [fromGroup('tcp', idOf('acme-web'), account, 8080)], ids);
  const dbSg = sg('us-east-1', use1.vpcId, 'acme-db', 'PostgreSQL from app and batch', () => [fromGroup('tcp', idOf('acme-app'), account, 5432), fromGroup('tcp', idOf('acme-batch'), account, 5432)], ids);
  const batchSg = sg('us-east-1', use1.vpcId, 'acme-batch', 'Batch workers (no inbound)', () => [], ids);
  const bastionSg = sg('us-east-1', use1.vpcId, 'acme-bastion', 'SSH from the office', () => [tcpFrom(22, [ACME.officeCidr], 22, 'acme office')], ids);
  const sshSg = sg('us-east-1', use1.vpcId, 'acme-internal-ssh', 'SSH from the bastion', () => [fromGroup('tcp', idOf('acme-bastion'), account, 22)], ids);
  const ciSg = sg('us-east-1', use1.vpcId, 'acme-ci-runner', 'CI runners (no inbound)', () => [], ids);
  draft.securityGroups.push(buildSecurityGroup({ id: idOf('default-use1'), name: 'default', description: 'default VPC security group', region: 'us-east-1', vpcId: use1.vpcId, owner: account, ingress: [fromGroup('-1', idOf('default-use1'), account)] }));
  const webEuSg = sg('eu-west-1', euw1.vpcId, 'acme-web-eu', 'Public HTTPS to the booking site (EU)', () => [tcpFrom(443, ['0.0.0.0/0', '::/0'])], ids);
  const appEuSg = sg('eu-west-1', euw1.vpcId, 'acme-app-eu', 'App tier (EU), from the web tier', () => [fromGroup('tcp', idOf('acme-web-eu'), account, 8080)], ids);
  const reportingSg = sg('eu-west-1', euw1.vpcId, 'acme-reporting-eu', 'Reporting (no inbound)', () => [], ids);
  draft.securityGroups.push(buildSecurityGroup({ id: idOf('default-euw1'), name: 'default', description: 'default VPC security group', region: 'eu-west-1', vpcId: euw1.vpcId, owner: account, ingress: [fromGroup('-1', idOf('default-euw1'), account)] }));

  // IAM.
  const ir = draft.rng.fork('iam');
  const ciRole = roleRef(account, 'ci-runner', newId.roleId(ir));
  const autoScalingRole = roleRef(account, 'AWSServiceRoleForAutoScaling', newId.roleId(ir), '/aws-service-role/autoscaling.amazonaws.com/');
  const instanceRoles = Object.fromEntries(['acme-web', 'acme-app', 'acme-db', 'acme-batch', 'acme-reporting'].map((n) => [n, roleRef(account, `${n}-role`, newId.roleId(ir))]));
  const profileArn = (role: string) => `arn:aws:iam::${account}:instance-profile/${role}-role`;
  const alice = userRef(account, 'alice', newId.userId(ir));
  const bob = userRef(account, 'bob', newId.userId(ir));
  const opsDeploy = userRef(account, 'ops-deploy', newId.userId(ir), '/deploy-bot/');
  const opsKey = newId.accessKey(ir);

  // AMIs: Amazon Linux 2023 in each region, and the CI runner image.
  const ami = { 'us-east-1': newId.image(r), 'eu-west-1': newId.image(r), ci: newId.image(r) };

  // Production instances.
  const prodMetricsFrom = now - 7 * DAY;
  interface Prod {
    name: string; region: 'us-east-1' | 'eu-west-1'; type: string; tier: 'public' | 'private'; subnet: 0 | 1;
    sgs: { GroupId: string; GroupName: string }[]; role: string; launched: string; rootGb: number;
    tags?: Record<string, string>; profile: Pick<Workload, 'cpu' | 'netIn' | 'netOut'> | ((id: string) => Pick<Workload, 'cpu' | 'netIn' | 'netOut'>);
    egress: number; userData?: string;
  }
  const webUserData = '#!/bin/bash\ndnf install -y httpd mod_ssl\nsystemctl enable --now httpd\n/opt/acme/bin/deploy-booking-site --env prod\n';
  const prods: Prod[] = [
    { name: 'web-1', region: 'us-east-1', type: 'm5.large', tier: 'public', subnet: 0, sgs: [webSg, sshSg], role: 'acme-web', launched: '2026-03-14T10:02:11Z', rootGb: 30, profile: (id) => webProfile(id, 15, 150e6), egress: 0.85, userData: webUserData },
    { name: 'web-2', region: 'us-east-1', type: 'm5.large', tier: 'public', subnet: 1, sgs: [webSg, sshSg], role: 'acme-web', launched: '2026-03-14T10:02:11Z', rootGb: 30, profile: (id) => webProfile(id, 15, 150e6), egress: 0.85, userData: webUserData },
    { name: 'web-3', region: 'us-east-1', type: 'm5.large', tier: 'public', subnet: 0, sgs: [webSg, sshSg], role: 'acme-web', launched: '2026-06-02T15:40:52Z', rootGb: 30, profile: (id) => webProfile(id, 15, 150e6), egress: 0.85, userData: webUserData },
    { name: 'app-1', region: 'us-east-1', type: 'm5.2xlarge', tier: 'private', subnet: 0, sgs: [appSg, sshSg], role: 'acme-app', launched: '2026-01-20T09:12:40Z', rootGb: 100, tags: { 'rigwatch:protect': 'true' }, profile: (id) => steadyProfile(id, { cpuBase: 12, cpuAmp: 28, peakHour: 15, netBytes: 80e6, outShare: 0.5 }), egress: 0 },
    { name: 'app-2', region: 'us-east-1', type: 'm5.2xlarge', tier: 'private', subnet: 1, sgs: [appSg, sshSg], role: 'acme-app', launched: '2026-01-20T09:12:40Z', rootGb: 100, tags: { 'rigwatch:protect': 'true' }, profile: (id) => steadyProfile(id, { cpuBase: 12, cpuAmp: 28, peakHour: 15, netBytes: 80e6, outShare: 0.5 }), egress: 0 },
    { name: 'db-1', region: 'us-east-1', type: 'r5.4xlarge', tier: 'private', subnet: 0, sgs: [dbSg, sshSg], role: 'acme-db', launched: '2025-11-03T07:55:18Z', rootGb: 500, tags: { 'rigwatch:protect': 'true' }, profile: (id) => steadyProfile(id, { cpuBase: 15, cpuAmp: 25, peakHour: 15, netBytes: 60e6, outShare: 0.6 }), egress: 0 },
    { name: 'batch-1', region: 'us-east-1', type: 'c5.2xlarge', tier: 'private', subnet: 1, sgs: [batchSg, sshSg], role: 'acme-batch', launched: '2026-02-09T13:31:05Z', rootGb: 200, tags: { 'rigwatch:tier': 'non-core' }, profile: batchWorkerProfile, egress: 0 },
    { name: 'bastion-1', region: 'us-east-1', type: 't3.micro', tier: 'public', subnet: 0, sgs: [bastionSg], role: 'acme-web', launched: '2025-09-22T11:08:33Z', rootGb: 8, profile: (id) => steadyProfile(id, { cpuBase: 0.8, cpuAmp: 1.2, peakHour: 11, netBytes: 0.4e6, outShare: 0.5 }), egress: 0.5 },
    { name: 'web-eu-1', region: 'eu-west-1', type: 'm5.large', tier: 'public', subnet: 0, sgs: [webEuSg], role: 'acme-web', launched: '2026-04-07T08:20:14Z', rootGb: 30, profile: (id) => webProfile(id, 12, 90e6), egress: 0.85, userData: webUserData },
    { name: 'web-eu-2', region: 'eu-west-1', type: 'm5.large', tier: 'public', subnet: 1, sgs: [webEuSg], role: 'acme-web', launched: '2026-04-07T08:20:14Z', rootGb: 30, profile: (id) => webProfile(id, 12, 90e6), egress: 0.85, userData: webUserData },
    { name: 'app-eu-1', region: 'eu-west-1', type: 'm5.2xlarge', tier: 'private', subnet: 0, sgs: [appEuSg], role: 'acme-app', launched: '2026-04-07T08:24:50Z', rootGb: 100, profile: (id) => steadyProfile(id, { cpuBase: 10, cpuAmp: 25, peakHour: 12, netBytes: 50e6, outShare: 0.5 }), egress: 0 },
    { name: 'reporting-eu-1', region: 'eu-west-1', type: 't3.large', tier: 'private', subnet: 1, sgs: [reportingSg], role: 'acme-reporting', launched: '2026-05-18T14:45:09Z', rootGb: 50, tags: { 'rigwatch:tier': 'non-core' }, profile: (id) => steadyProfile(id, { cpuBase: 5, cpuAmp: 20, peakHour: 8, netBytes: 8e6, outShare: 0.3 }), egress: 0 },
  ];
  const byName: Record<string, ScenarioInstance> = {};
  for (const p of prods) {
    const net = p.region === 'us-east-1' ? use1 : euw1;
    const subnet = (p.tier === 'public' ? net.publicSubnets : net.privateSubnets)[p.subnet];
    if (!subnet) throw new Error('no subnet');
    const id = newId.instance(r);
    const spec: InstanceSpec = {
      id, region: p.region, az: subnet.az, type: p.type, launchTime: Date.parse(p.launched),
      tags: { Name: p.name, env: 'prod', role: p.name.replace(/-(eu-)?\d+$/, ''), team: 'platform', ...p.tags },
      securityGroups: p.sgs, vpcId: net.vpcId, subnetId: subnet.id, privateIp: ipIn(r, subnet.cidr),
      imageId: ami[p.region], keyName: 'acme-ops', architecture: 'x86_64', instanceProfileArn: profileArn(p.role),
      rootVolume: { id: newId.volume(r), sizeGb: p.rootGb },
    };
    if (p.tier === 'public') spec.publicIp = publicIp(r, p.region);
    if (p.userData) spec.userData = p.userData;
    const profile = typeof p.profile === 'function' ? p.profile(id) : p.profile;
    byName[p.name] = draft.addInstance(spec, { ...profile, to: Infinity, egressShare: p.egress, metricsFrom: prodMetricsFrom });
  }
  const web1 = byName['web-1'];
  const reporting = byName['reporting-eu-1'];
  if (!web1 || !reporting) throw new Error('missing instances');

  // ---- CloudTrail history ----
  const rec = draft.recorder;
  const er = draft.rng.fork('activity');
  const historyStart = dayStart(now) - EVENT_HISTORY_DAYS * DAY;
  const ciCaller = (t: number, run: number): Caller => ({
    identity: assumedRoleIdentity(ciRole, `gha-${run}`, newId.sessionKey(er), t - 45_000),
    sourceIPAddress: er.pick(ACME.ciIps),
    userAgent: USER_AGENT.awsCli('ec2.run-instances'),
  });

  // Nightly CI fleet: launched at 02:00 by ci-runner, terminated after about an hour.
  const ciSize = opts.ciFleetSize ?? 8;
  const ciPerCall = 8;
  const ciSubnet = use1.privateSubnets;
  let ciLastUse = 0;
  for (let night = CI_NIGHTS; night >= 0; night--) {
    const launch = dayStart(now) - night * DAY + 2 * HOUR + er.int(5, 50) * 1000;
    if (launch > now) continue;
    const run = 11_482_000 + (CI_NIGHTS - night) * 37 + er.int(0, 30);
    const ending = launch + er.int(52, 68) * MINUTE;
    const calls = Math.ceil(ciSize / ciPerCall);
    for (let c = 0; c < calls; c++) {
      const t = launch + c * 4000;
      const count = Math.min(ciPerCall, ciSize - c * ciPerCall);
      const caller = ciCaller(t, run);
      const specs: InstanceSpec[] = Array.from({ length: count }, (_, k) => {
        const subnet = ciSubnet[k % 2];
        if (!subnet) throw new Error('no subnet');
        return {
          id: newId.instance(er), region: 'us-east-1', az: subnet.az, type: 'c5.2xlarge', launchTime: t,
          tags: { Name: 'ci-runner', role: 'ci', env: 'ci', 'rigwatch:tier': 'non-core', 'github:run-id': String(run) },
          securityGroups: [ciSg], vpcId: use1.vpcId, subnetId: subnet.id, privateIp: ipIn(er, subnet.cidr),
          imageId: ami.ci, architecture: 'x86_64', rootVolume: { id: newId.volume(er), sizeGb: 100 },
        };
      });
      const instances: ScenarioInstance[] = [];
      for (const spec of specs) {
        const running = ending > now;
        const workload = { ...ciProfile(spec.id), to: running ? Infinity : ending, egressShare: 0, metricsFrom: running ? spec.launchTime : undefined };
        if (running) instances.push(draft.addInstance(spec, workload));
        else {
          draft.addWorkload(spec, workload);
          instances.push(buildInstance(spec).instance);
        }
      }
      runInstances(rec, caller, { time: t, region: 'us-east-1', instances, reservationId: newId.reservation(er), withUserData: true, tags: { Name: 'ci-runner', role: 'ci', 'github:run-id': String(run) } });
      ciLastUse = Math.max(ciLastUse, ending <= now ? ending : t);
      if (ending <= now) {
        terminateInstances(rec, { ...caller, identity: assumedRoleIdentity(ciRole, `gha-${run}`, newId.sessionKey(er), ending - 30_000), userAgent: USER_AGENT.awsCli('ec2.terminate-instances') }, { time: ending + c * 2000, region: 'us-east-1', instanceIds: specs.map((s) => s.id) });
      }
    }
  }

  // The app Auto Scaling group scales out by two on busy weekday afternoons.
  const asgCaller = (t: number) => serviceCaller(autoScalingIdentity(autoScalingRole, t - 2000), 'autoscaling.amazonaws.com');
  for (let d = 30; d >= 1; d--) {
    const day = dayStart(now) - d * DAY;
    if (isWeekend(day) || !er.chance(0.35)) continue;
    const t = day + 14 * HOUR + er.int(0, 90) * MINUTE + er.int(0, 59) * 1000;
    const ending = t + er.int(180, 260) * MINUTE;
    if (t > now) continue;
    const specs: InstanceSpec[] = [0, 1].map((k) => {
      const subnet = use1.privateSubnets[k];
      if (!subnet) throw new Error('no subnet');
      return {
        id: newId.instance(er), region: 'us-east-1', az: subnet.az, type: 'm5.2xlarge', launchTime: t,
        tags: { Name: 'app-asg', env: 'prod', role: 'app', 'aws:autoscaling:groupName': 'acme-app-asg' },
        securityGroups: [appSg, sshSg], vpcId: use1.vpcId, subnetId: subnet.id, privateIp: ipIn(er, subnet.cidr),
        imageId: ami['us-east-1'], keyName: 'acme-ops', architecture: 'x86_64', instanceProfileArn: profileArn('acme-app'),
        rootVolume: { id: newId.volume(er), sizeGb: 100 },
      };
    });
    const running = ending > now;
    const instances = specs.map((spec) => {
      const workload = { ...steadyProfile(spec.id, { cpuBase: 25, cpuAmp: 20, peakHour: 15, netBytes: 80e6, outShare: 0.5 }), to: running ? Infinity : ending, egressShare: 0, metricsFrom: running ? spec.launchTime : undefined };
      if (running) return draft.addInstance(spec, workload);
      draft.addWorkload(spec, workload);
      return buildInstance(spec).instance;
    });
    runInstances(rec, asgCaller(t), { time: t, region: 'us-east-1', instances, reservationId: newId.reservation(er), withUserData: true });
    if (!running) terminateInstances(rec, asgCaller(ending), { time: ending, region: 'us-east-1', instanceIds: specs.map((s) => s.id) });
  }

  // Console sign-ins in office hours from the office range, with MFA; now and then a change.
  const people: { user: UserRef; ua: string; ips: string[]; start: number; spread: number; p: number }[] = [
    { user: alice, ua: USER_AGENT.browser, ips: ['203.0.113.24', '203.0.113.25'], start: 8.7, spread: 1.6, p: 0.85 },
    { user: bob, ua: USER_AGENT.browserWindows, ips: ['203.0.113.41'], start: 9.2, spread: 6.5, p: 0.5 },
  ];
  const lastLogin: Record<string, number> = {};
  for (let d = EVENT_HISTORY_DAYS; d >= 0; d--) {
    const day = dayStart(now) - d * DAY;
    if (isWeekend(day)) continue;
    for (const person of people) {
      if (!er.chance(person.p)) continue;
      const t = day + (person.start + er.next() * person.spread) * HOUR;
      if (t > now || t < historyStart) continue;
      const ip = er.pick(person.ips);
      consoleLogin(rec, { time: t, user: person.user, sourceIPAddress: ip, userAgent: person.ua, mfa: true });
      lastLogin[person.user.userName] = t;
      if (person.user === alice && er.chance(0.25)) {
        const caller: Caller = { identity: iamUserIdentity(alice, newId.sessionKey(er), { creationDate: t, mfa: true }), sourceIPAddress: ip, userAgent: person.ua, console: true };
        createTags(rec, caller, { time: t + er.int(3, 40) * MINUTE, region: 'eu-west-1', resourceIds: [reporting.InstanceId], tags: { 'cost-center': er.pick(['cc-210', 'cc-240', 'cc-310']) } });
      }
    }
  }
  // A benign security-group change inside the audit window: SSH from the office range to the bastion.
  {
    const day = dayStart(now) - 5 * DAY;
    const t = day + (isWeekend(day) ? -2 * DAY : 0) + 10 * HOUR + 17 * MINUTE;
    consoleLogin(rec, { time: t - 6 * MINUTE, user: alice, sourceIPAddress: '203.0.113.24', userAgent: USER_AGENT.browser, mfa: true });
    const caller: Caller = { identity: iamUserIdentity(alice, newId.sessionKey(er), { creationDate: t - 6 * MINUTE, mfa: true }), sourceIPAddress: '203.0.113.24', userAgent: USER_AGENT.browser, console: true };
    authorizeSecurityGroupIngress(rec, caller, { time: t, region: 'us-east-1', groupId: bastionSg.GroupId, permissions: [tcpFrom(22, [ACME.officeCidr], 22, 'acme office')], ruleIds: [newId.securityGroupRule(er)] });
    lastLogin.alice = Math.max(lastLogin.alice ?? 0, t - 6 * MINUTE);
  }

  // ops-deploy's key: a rolling deploy every weekday afternoon, from CI, in us-east-1 only.
  const targetGroup = `arn:aws:elasticloadbalancing:us-east-1:${account}:targetgroup/acme-web-prod/6d0ecf831eec9f09`;
  const webIds = ['web-1', 'web-2', 'web-3'].map((n) => byName[n]?.InstanceId ?? '');
  let opsLastUse = 0;
  for (let d = EVENT_HISTORY_DAYS; d >= 0; d--) {
    const day = dayStart(now) - d * DAY;
    if (isWeekend(day)) continue;
    const t = day + 14 * HOUR + er.int(5, 30) * MINUTE + er.int(0, 59) * 1000;
    if (t + 6 * MINUTE > now) continue;
    const caller = (command: string): Caller => ({ identity: iamUserIdentity(opsDeploy, opsKey), sourceIPAddress: er.pick(ACME.ciIps), userAgent: USER_AGENT.awsCli(command) });
    const targets = { targetGroupArn: targetGroup, targets: webIds.map((id) => ({ id, port: 443 })) };
    rec.record(caller('elbv2.deregister-targets'), { time: t, source: 'elasticloadbalancing.amazonaws.com', name: 'DeregisterTargets', region: 'us-east-1', readOnly: false, request: targets });
    rec.record(caller('ssm.send-command'), {
      time: t + 40_000, source: 'ssm.amazonaws.com', name: 'SendCommand', region: 'us-east-1', readOnly: false,
      request: { instanceIds: webIds, documentName: 'AWS-RunShellScript', parameters: 'HIDDEN_DUE_TO_SECURITY_REASONS', timeoutSeconds: 600 },
      response: { command: { commandId: er.uuid(), documentName: 'AWS-RunShellScript', instanceIds: webIds, status: 'Pending', requestedDateTime: iso(t + 40_000) } },
    });
    rec.record(caller('elbv2.register-targets'), { time: t + 5 * MINUTE, source: 'elasticloadbalancing.amazonaws.com', name: 'RegisterTargets', region: 'us-east-1', readOnly: false, request: targets });
    opsLastUse = t + 5 * MINUTE;
  }

  // ---- IAM ----
  const mfa = (user: UserRef, enabled: string) => [{ SerialNumber: `arn:aws:iam::${account}:mfa/${user.userName}`, EnableDate: enabled }];
  draft.users.push(
    {
      UserName: 'alice', UserId: alice.userId, Arn: alice.arn, Path: '/', CreateDate: '2024-02-12T10:15:02Z',
      PasswordLastUsed: lastLogin.alice ? iso(lastLogin.alice) : '2026-10-01T09:00:00Z',
      LoginProfile: { CreateDate: '2024-02-12T10:19:45Z', PasswordResetRequired: false },
      MFADevices: mfa(alice, '2024-02-12T10:31:10Z'), Groups: ['admins'], Tags: [{ Key: 'team', Value: 'platform' }],
    },
    {
      UserName: 'bob', UserId: bob.userId, Arn: bob.arn, Path: '/', CreateDate: '2024-06-03T13:40:51Z',
      PasswordLastUsed: lastLogin.bob ? iso(lastLogin.bob) : '2026-10-01T09:00:00Z',
      LoginProfile: { CreateDate: '2024-06-03T13:42:08Z', PasswordResetRequired: false },
      MFADevices: mfa(bob, '2024-06-03T13:55:27Z'), Groups: ['developers'], Tags: [{ Key: 'team', Value: 'booking' }],
    },
    {
      UserName: 'ops-deploy', UserId: opsDeploy.userId, Arn: opsDeploy.arn, Path: '/deploy-bot/', CreateDate: '2025-04-08T16:02:37Z',
      AccessKeys: [{ ...accessKeyEntry(opsKey, Date.parse('2026-10-05T15:11:26Z')), LastUsed: { LastUsedDate: iso(opsLastUse), ServiceName: 'elasticloadbalancing', Region: 'us-east-1' } }],
      AttachedPolicies: [POLICY.ec2Full, POLICY.iamFull],
      InlinePolicies: {
        'deploy-bot-release': {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['ssm:SendCommand', 'elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'], Resource: '*' }],
        },
      },
      Tags: [{ Key: 'owner', Value: 'platform' }, { Key: 'purpose', Value: 'ci-deploy' }],
    },
  );
  draft.groups.push(
    { GroupName: 'admins', GroupId: newId.groupId(ir), Arn: `arn:aws:iam::${account}:group/admins`, CreateDate: '2024-02-12T10:12:00Z', AttachedPolicies: [POLICY.admin] },
    { GroupName: 'developers', GroupId: newId.groupId(ir), Arn: `arn:aws:iam::${account}:group/developers`, CreateDate: '2024-02-12T10:13:00Z', AttachedPolicies: [POLICY.powerUser] },
  );
  const ec2Trust = trustPolicy({ Service: 'ec2.amazonaws.com' });
  draft.roles.push(
    {
      RoleName: 'ci-runner', RoleId: ciRole.roleId, Arn: ciRole.arn, Path: '/', CreateDate: '2025-03-02T12:00:41Z',
      AssumeRolePolicyDocument: trustPolicy({ Federated: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com` }, 'sts:AssumeRoleWithWebIdentity'),
      AttachedPolicies: [POLICY.ec2Full], RoleLastUsed: { LastUsedDate: iso(ciLastUse), Region: 'us-east-1' },
    },
    {
      RoleName: autoScalingRole.roleName, RoleId: autoScalingRole.roleId, Arn: autoScalingRole.arn, Path: autoScalingRole.path, CreateDate: '2024-02-20T08:30:12Z',
      AssumeRolePolicyDocument: trustPolicy({ Service: 'autoscaling.amazonaws.com' }), AttachedPolicies: [POLICY.autoScalingService],
    },
    ...Object.values(instanceRoles).map((role) => ({
      RoleName: role.roleName, RoleId: role.roleId, Arn: role.arn, Path: '/', CreateDate: '2024-02-14T09:00:00Z',
      AssumeRolePolicyDocument: ec2Trust, AttachedPolicies: [POLICY.ssmCore, POLICY.cwAgent],
    })),
  );
  draft.root = { mfaActive: true, accessKeysActive: 0, passwordLastUsed: '2026-06-03T11:20:41Z' };

  // ---- CloudTrail trail, GuardDuty ----
  const trail = standardTrail(draft, ACME.trailName, '2024-02-12T11:04:27Z');
  trail.CloudWatchLogsLogGroupArn = `arn:aws:logs:us-east-1:${account}:log-group:aws-cloudtrail-logs-acme:*`;
  enableGuardDuty(draft);

  // ---- Costs beyond the instances ----
  addDailyServiceCosts(draft, ACME_SERVICE_COSTS);
  draft.ledger.addOnFirstOfMonths((date) => ({ date, service: SERVICE.support, region: 'global', recordType: 'RecurringFee', amount: 100 }));
  draft.costFinalizers.push((ledger) => ledger.addMonthEndTax(0.06));

  return { draft, web1, opsDeploy: { user: opsDeploy, accessKeyId: opsKey }, trail, autoScalingRole };
}

/** Daily service costs of acme's normal (EC2 instances, EBS and egress come from the workloads). */
const ACME_SERVICE_COSTS: ServiceCostRow[] = [
  [SERVICE.rds, 'us-east-1', 'Multi-AZUsage:db.r6g.2xl', 131.5],
  [SERVICE.rds, 'us-east-1', 'RDS:Multi-AZ-GP3-Storage', 22.4],
  [SERVICE.rds, 'us-east-1', 'RDS:ChargedBackupUsage', 7.8],
  [SERVICE.rds, 'eu-west-1', 'InstanceUsage:db.r6g.xl', 24.3],
  [SERVICE.rds, 'eu-west-1', 'RDS:GP3-Storage', 5.9],
  [SERVICE.s3, 'us-east-1', 'TimedStorage-ByteHrs', 46.5],
  [SERVICE.s3, 'us-east-1', 'Requests-Tier1', 7.1, true],
  [SERVICE.s3, 'us-east-1', 'Requests-Tier2', 2.2, true],
  [SERVICE.s3, 'eu-west-1', 'TimedStorage-ByteHrs', 9.4],
  [SERVICE.elasticache, 'us-east-1', 'NodeUsage:cache.r6g.xlarge', 29.7],
  [SERVICE.cloudwatch, 'us-east-1', 'CW:MetricMonitorUsage', 6.2],
  [SERVICE.cloudwatch, 'us-east-1', 'DataProcessing-Bytes', 5.1, true],
  [SERVICE.cloudwatch, 'us-east-1', 'TimedStorage-ByteHrs', 1.6],
  [SERVICE.cloudwatch, 'eu-west-1', 'CW:MetricMonitorUsage', 2.1],
  [SERVICE.elb, 'us-east-1', 'LoadBalancerUsage', 0.54],
  [SERVICE.elb, 'us-east-1', 'LCUUsage', 4.6, true],
  [SERVICE.elb, 'eu-west-1', 'LoadBalancerUsage', 0.61],
  [SERVICE.elb, 'eu-west-1', 'LCUUsage', 2.0, true],
  [SERVICE.ec2Other, 'us-east-1', 'NatGateway-Hours', 2.16],
  [SERVICE.ec2Other, 'us-east-1', 'NatGateway-Bytes', 3.2, true],
  [SERVICE.ec2Other, 'us-east-1', 'EBS:SnapshotUsage', 2.6],
  [SERVICE.ec2Other, 'eu-west-1', 'NatGateway-Hours', 1.15],
  [SERVICE.ec2Other, 'eu-west-1', 'NatGateway-Bytes', 1.1, true],
  [SERVICE.kms, 'us-east-1', 'KMS-Requests', 1.2, true],
  [SERVICE.kms, 'us-east-1', 'KMS-Keys', 0.4],
  [SERVICE.lambda, 'us-east-1', 'Lambda-GB-Second', 3.5, true],
  [SERVICE.sqs, 'us-east-1', 'Requests-RBP', 0.9, true],
  [SERVICE.route53, 'global', 'DNS-Queries', 0.6],
];
