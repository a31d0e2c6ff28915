// Quiet accounts that must raise nothing at or above medium: each is a pattern that looks like
// mining to a naive rule (a big nightly fleet, an Auto Scaling surge, monthly fees on the 1st, an
// ETL job pinning a c5.4xlarge) but is the account's own normal, with the history that shows it.

import {
  AccountDraft,
  DAY,
  HOUR,
  MINUTE,
  POLICY,
  SECOND,
  SERVICE,
  USER_AGENT,
  assumedRoleIdentity,
  autoScalingIdentity,
  buildInstance,
  buildSecurityGroup,
  clamp,
  dayStart,
  diurnal,
  fromGroup,
  hash32,
  hourOfDay,
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
  type InstanceSpec,
  type Workload,
} from './build.js';
import { ACME, COST_DAYS, EVENT_HISTORY_DAYS, buildAcmeAccount } from './acme.js';
import { addConsolePeople, addDailyServiceCosts, enableGuardDuty, standardTrail } from './common.js';
import { DEMO_NOW } from './demo.js';
import type { Scenario } from '../types.js';

/** acme-health's normal, same history as the demo, without the attack. */
export function buildSteadyAccount(): Scenario {
  return buildAcmeAccount({ now: DEMO_NOW }).draft.toScenario({
    name: 'benign-steady',
    description: "acme-health on an ordinary Friday morning: the demo's account and history without the attack.",
  });
}

/** A nightly CI fleet of 40 c5.2xlarge for 30 nights; tonight's run is in progress at `now`. */
export function buildNightlyCiAccount(): Scenario {
  return buildAcmeAccount({ now: '2026-11-27T02:45:00Z', ciFleetSize: 40 }).draft.toScenario({
    name: 'benign-nightly-ci',
    description:
      'acme-health with a big CI fleet: every night at 02:00 UTC the ci-runner role launches 40 c5.2xlarge ' +
      'that run about an hour. Tonight\'s 40 have been running for 45 minutes at bursty high CPU.',
  });
}

/** acme-health on 2 December: the $100 Support fee and a $2,000 Savings Plan fee land on the 1st. */
export function buildMonthStartAccount(): Scenario {
  const acme = buildAcmeAccount({ now: '2026-12-02T10:00:00Z' });
  acme.draft.ledger.addOnFirstOfMonths((date) => ({
    date, service: SERVICE.savingsPlans, region: 'global', recordType: 'RecurringFee', amount: 2000,
  }));
  return acme.draft.toScenario({
    name: 'benign-month-start',
    description:
      "acme-health early on 2 December: November's tax on the 30th, and on the 1st AWS Support's $100 and a " +
      '$2,000 Compute Savings Plan fee, as on the 1st of every month before.',
  });
}

// ---- An Auto Scaling surge ----

const STOREFRONT = { account: '444455556666', alias: 'acme-storefront', now: '2026-11-27T20:00:00Z' } as const;

/** Per-instance load of the storefront's web tier; on the sale day every instance runs 60-80%. */
function storefrontProfile(id: string, saleFrom: number): Pick<Workload, 'cpu' | 'netIn' | 'netOut'> {
  const [c, i, o] = [hash32(`${id}/cpu`), hash32(`${id}/in`), hash32(`${id}/out`)];
  const sale = (t: number) => t >= saleFrom;
  const load = (t: number) => diurnal(t, 19) * (isWeekend(t) ? 1.1 : 1);
  return {
    cpu: (t) => (sale(t) ? 70 + 8.5 * noise(c, periodIndex(t)) : clamp(25 + 25 * load(t) + 2 * softNoise(c, periodIndex(t)), 5, 100)),
    netOut: (t) => 60e6 * (sale(t) ? 1.25 : 0.6 + 0.8 * load(t)) * (1 + 0.08 * softNoise(o, periodIndex(t))),
    netIn: (t) => 14e6 * (sale(t) ? 1.25 : 0.6 + 0.8 * load(t)) * (1 + 0.08 * softNoise(i, periodIndex(t))),
  };
}

/** A storefront whose Auto Scaling group goes from 4 to 30 instances on Black Friday. */
export function buildAutoScalingAccount(): Scenario {
  const draft = new AccountDraft({ ...STOREFRONT, seed: 'acme-storefront', costDays: COST_DAYS });
  const r = draft.rng.fork('inventory');
  const now = draft.now;
  const account = draft.account;
  const region = 'us-east-1';
  const vpcId = newId.vpc(r);
  const subnets = ['a', 'b', 'c'].map((az, k) => ({ id: newId.subnet(r), az: `${region}${az}`, cidr: `10.30.${10 + k}` }));
  const albSg = buildSecurityGroup({ id: newId.securityGroup(r), name: 'storefront-alb', description: 'Public HTTPS', region, vpcId, owner: account, ingress: [tcpFrom(443, ['0.0.0.0/0', '::/0'])] });
  const webSg = buildSecurityGroup({ id: newId.securityGroup(r), name: 'storefront-web', description: 'Web tier, from the load balancer', region, vpcId, owner: account, ingress: [fromGroup('tcp', albSg.GroupId, account, 8080)] });
  const defaultSg = buildSecurityGroup({ id: newId.securityGroup(r), name: 'default', description: 'default VPC security group', region, vpcId, owner: account, ingress: [] });
  defaultSg.IpPermissions = [fromGroup('-1', defaultSg.GroupId, account)];
  draft.securityGroups.push(albSg, webSg, defaultSg);

  const ir = draft.rng.fork('iam');
  const asgRole = roleRef(account, 'AWSServiceRoleForAutoScaling', newId.roleId(ir), '/aws-service-role/autoscaling.amazonaws.com/');
  const imageId = newId.image(r);
  const group = 'storefront-web-asg';
  const saleFrom = dayStart(now) + 11 * HOUR;
  const spec = (launchTime: number, k: number): InstanceSpec => {
    const subnet = subnets[k % subnets.length];
    if (!subnet) throw new Error('no subnet');
    return {
      id: newId.instance(r), region, az: subnet.az, type: 'm5.xlarge', launchTime,
      tags: { Name: 'storefront-web', env: 'prod', role: 'web', 'aws:autoscaling:groupName': group, 'aws:ec2launchtemplate:version': '14' },
      securityGroups: [{ GroupId: webSg.GroupId, GroupName: webSg.GroupName }], vpcId, subnetId: subnet.id,
      privateIp: `${subnet.cidr}.${r.int(10, 250)}`, imageId, architecture: 'x86_64',
      instanceProfileArn: `arn:aws:iam::${account}:instance-profile/storefront-web`, rootVolume: { id: newId.volume(r), sizeGb: 40 },
    };
  };
  const metricsFrom = now - 7 * DAY;
  // The group's floor: four instances running since October.
  for (let k = 0; k < 4; k++) {
    const s = spec(Date.parse('2026-10-02T16:20:41Z') + k * SECOND, k);
    draft.addInstance(s, { ...storefrontProfile(s.id, saleFrom), to: Infinity, egressShare: 0.1, metricsFrom });
  }
  const asg = (t: number) => serviceCaller(autoScalingIdentity(asgRole, t - 2 * SECOND), 'autoscaling.amazonaws.com');
  const launch = (t: number, count: number, until: number) => {
    const specs = Array.from({ length: count }, (_, k) => spec(t, k));
    const running = until > now;
    const instances = specs.map((s) => {
      const workload = { ...storefrontProfile(s.id, saleFrom), to: running ? Infinity : until, egressShare: 0.1, metricsFrom: running ? s.launchTime : undefined };
      if (running) return draft.addInstance(s, workload);
      draft.addWorkload(s, workload);
      return buildInstance(s).instance;
    });
    runInstances(draft.recorder, asg(t), { time: t, region, instances, reservationId: newId.reservation(r), withUserData: true });
    if (!running) terminateInstances(draft.recorder, asg(until), { time: until, region, instanceIds: specs.map((s) => s.id) });
  };
  // Ordinary days: the evening peak (US daytime) adds four, scaled in after midnight UTC.
  const er = draft.rng.fork('scaling');
  for (let d = EVENT_HISTORY_DAYS; d >= 1; d--) {
    const day = dayStart(now) - d * DAY;
    const t = day + 15 * HOUR + er.int(0, 40) * MINUTE + er.int(0, 59) * SECOND;
    launch(t, 4, day + DAY + er.int(20, 75) * MINUTE);
  }
  // Black Friday: target tracking at 70% CPU takes the group from 4 to 30.
  const today = dayStart(now);
  for (const [hh, mm, count] of [[12, 5, 6], [13, 10, 8], [14, 20, 6], [15, 30, 6]] as const) {
    launch(today + hh * HOUR + mm * MINUTE + er.int(0, 59) * SECOND, count, Infinity);
  }

  addConsolePeople(draft, [
    { userName: 'dana', created: '2025-01-13T15:02:10Z', groups: ['admins'], userAgent: USER_AGENT.browser, ips: ['203.0.113.70', '203.0.113.71'], startHour: 13.5, spreadHours: 4, chance: 0.8 },
    { userName: 'eli', created: '2025-05-20T14:40:00Z', groups: ['developers'], userAgent: USER_AGENT.browserWindows, ips: ['203.0.113.72'], startHour: 14, spreadHours: 6, chance: 0.5 },
  ], EVENT_HISTORY_DAYS);
  draft.groups.push(
    { GroupName: 'admins', Arn: `arn:aws:iam::${account}:group/admins`, AttachedPolicies: [POLICY.admin] },
    { GroupName: 'developers', Arn: `arn:aws:iam::${account}:group/developers`, AttachedPolicies: [POLICY.powerUser] },
  );
  draft.roles.push(
    { RoleName: asgRole.roleName, RoleId: asgRole.roleId, Arn: asgRole.arn, Path: asgRole.path, CreateDate: '2025-01-13T15:30:00Z', AssumeRolePolicyDocument: trustPolicy({ Service: 'autoscaling.amazonaws.com' }), AttachedPolicies: [POLICY.autoScalingService] },
    { RoleName: 'storefront-web', RoleId: newId.roleId(ir), Arn: `arn:aws:iam::${account}:role/storefront-web`, Path: '/', CreateDate: '2025-01-13T15:31:00Z', AssumeRolePolicyDocument: trustPolicy({ Service: 'ec2.amazonaws.com' }), AttachedPolicies: [POLICY.ssmCore, POLICY.cwAgent] },
  );
  standardTrail(draft, 'storefront-trail', '2025-01-13T15:10:00Z');
  enableGuardDuty(draft);
  addDailyServiceCosts(draft, [
    [SERVICE.rds, region, 'Aurora:ServerlessV2Usage', 58.0],
    [SERVICE.rds, region, 'Aurora:StorageUsage', 6.5],
    [SERVICE.elasticache, region, 'NodeUsage:cache.r6g.large', 19.8],
    [SERVICE.s3, region, 'TimedStorage-ByteHrs', 14.2],
    [SERVICE.s3, region, 'Requests-Tier2', 3.1],
    [SERVICE.elb, region, 'LoadBalancerUsage', 0.54],
    [SERVICE.elb, region, 'LCUUsage', 7.9],
    [SERVICE.cloudwatch, region, 'CW:MetricMonitorUsage', 3.4],
    [SERVICE.ec2Other, region, 'NatGateway-Hours', 3.24],
    [SERVICE.ec2Other, region, 'NatGateway-Bytes', 2.2],
    [SERVICE.route53, 'global', 'DNS-Queries', 0.4],
  ]);
  draft.ledger.addOnFirstOfMonths((date) => ({ date, service: SERVICE.support, region: 'global', recordType: 'RecurringFee', amount: 100 }));
  draft.costFinalizers.push((ledger) => ledger.addMonthEndTax(0.06));
  return draft.toScenario({
    name: 'benign-auto-scaling',
    description:
      "acme-storefront on Black Friday: its Auto Scaling group's service role takes the web tier from 4 to 30 " +
      'm5.xlarge between 12:05 and 15:30 UTC, every instance at 60-80% CPU. On ordinary days it adds four at the evening peak.',
  });
}

// ---- A nightly ETL job ----

const DATA = { account: '555566667777', alias: 'acme-data' } as const;

/** The ETL box: idle by day; 01:00-03:00 UTC it runs at ~95% with bursts and dips. */
function etlProfile(id: string): Pick<Workload, 'cpu' | 'netIn' | 'netOut'> {
  const [c, i, o] = [hash32(`${id}/cpu`), hash32(`${id}/in`), hash32(`${id}/out`)];
  const running = (t: number) => hourOfDay(t) >= 1 && hourOfDay(t) < 3;
  return {
    cpu: (t) => {
      const k = periodIndex(t);
      if (!running(t)) return clamp(5 + 2 * softNoise(c, k), 1, 100);
      // Stages that wait on S3 or the warehouse dip the CPU now and then.
      return noise(c ^ 7, k) > 0.8 ? 62 + 12 * noise(c, k) : clamp(96 + 4 * noise(c, k), 0, 100);
    },
    netIn: (t) => (running(t) ? 900e6 * (1 + 0.3 * noise(i, periodIndex(t))) : 2e6 * (1 + 0.2 * noise(i, periodIndex(t)))),
    netOut: (t) => (running(t) ? 250e6 * (1 + 0.3 * noise(o, periodIndex(t))) : 1e6 * (1 + 0.2 * noise(o, periodIndex(t)))),
  };
}

function quietProfile(id: string, cpuBase: number, cpuAmp: number, bytes: number): Pick<Workload, 'cpu' | 'netIn' | 'netOut'> {
  const [c, i, o] = [hash32(`${id}/cpu`), hash32(`${id}/in`), hash32(`${id}/out`)];
  return {
    cpu: (t) => clamp(cpuBase + cpuAmp * diurnal(t, 14) + 1.5 * softNoise(c, periodIndex(t)), 0.5, 100),
    netIn: (t) => bytes * (0.7 + 0.6 * diurnal(t, 14)) * (1 + 0.1 * softNoise(i, periodIndex(t))),
    netOut: (t) => bytes * 0.6 * (0.7 + 0.6 * diurnal(t, 14)) * (1 + 0.1 * softNoise(o, periodIndex(t))),
  };
}

/** A data team's account: an ETL instance pinned at ~95% CPU for two hours every night. */
export function buildBatchAccount(): Scenario {
  const draft = new AccountDraft({ ...DATA, now: DEMO_NOW, seed: 'acme-data', costDays: COST_DAYS });
  const r = draft.rng.fork('inventory');
  const account = draft.account;
  const region = 'us-east-1';
  const vpcId = newId.vpc(r);
  const subnet = { id: newId.subnet(r), az: 'us-east-1b' };
  const sg = (name: string, description: string) => {
    const g = buildSecurityGroup({ id: newId.securityGroup(r), name, description, region, vpcId, owner: account, ingress: [] });
    draft.securityGroups.push(g);
    return g;
  };
  const etlSg = sg('data-etl', 'ETL workers (no inbound)');
  const airflowSg = sg('data-airflow', 'Airflow UI from the office');
  airflowSg.IpPermissions = [tcpFrom(8080, [ACME.officeCidr], 8080, 'acme office')];
  const warehouseSg = sg('data-warehouse', 'PostgreSQL from ETL and Airflow');
  warehouseSg.IpPermissions = [fromGroup('tcp', etlSg.GroupId, account, 5432), fromGroup('tcp', airflowSg.GroupId, account, 5432)];
  const ref = (g: { GroupId: string; GroupName: string }) => ({ GroupId: g.GroupId, GroupName: g.GroupName });

  const imageId = newId.image(r);
  const metricsFrom = draft.now - 7 * DAY;
  const machines: [name: string, type: string, launched: string, sgRef: ReturnType<typeof ref>, gb: number, tags: Record<string, string>, profile: (id: string) => Pick<Workload, 'cpu' | 'netIn' | 'netOut'>][] = [
    ['etl-1', 'c5.4xlarge', '2026-05-11T09:14:27Z', ref(etlSg), 200, { 'rigwatch:tier': 'non-core' }, etlProfile],
    ['airflow-1', 't3.large', '2026-05-11T09:02:51Z', ref(airflowSg), 50, {}, (id) => quietProfile(id, 6, 8, 3e6)],
    ['warehouse-1', 'r5.2xlarge', '2026-05-04T16:48:03Z', ref(warehouseSg), 1000, { 'rigwatch:protect': 'true' }, (id) => quietProfile(id, 8, 22, 40e6)],
  ];
  let airflow = '';
  for (const [name, type, launched, group, gb, tags, profile] of machines) {
    const id = newId.instance(r);
    if (name === 'airflow-1') airflow = id;
    draft.addInstance(
      {
        id, region, az: subnet.az, type, launchTime: Date.parse(launched), tags: { Name: name, env: 'prod', team: 'data', ...tags },
        securityGroups: [group], vpcId, subnetId: subnet.id, privateIp: `10.40.11.${r.int(10, 250)}`, imageId,
        keyName: 'data-ops', architecture: 'x86_64', instanceProfileArn: `arn:aws:iam::${account}:instance-profile/data-${name.replace(/-\d$/, '')}`,
        rootVolume: { id: newId.volume(r), sizeGb: gb },
      },
      { ...profile(id), to: Infinity, egressShare: 0, metricsFrom },
    );
  }

  // Airflow starts the nightly Athena export after the ETL run (its instance role's session).
  const ir = draft.rng.fork('iam');
  const airflowRole = roleRef(account, 'data-airflow', newId.roleId(ir));
  const natIp = publicIp(ir, region);
  for (let d = EVENT_HISTORY_DAYS; d >= 0; d--) {
    const t = dayStart(draft.now) - d * DAY + 3 * HOUR + 6 * MINUTE + ir.int(0, 240) * SECOND;
    if (t > draft.now) continue;
    draft.recorder.record(
      { identity: assumedRoleIdentity(airflowRole, airflow, newId.sessionKey(ir), t - 2 * HOUR), sourceIPAddress: natIp, userAgent: 'Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.1.112-124.190.amzn2023.x86_64 md/arch#x86_64 lang/python#3.11.10 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.36 airflow/2.10.2' },
      {
        time: t, source: 'athena.amazonaws.com', name: 'StartQueryExecution', region, readOnly: false,
        request: { queryString: '***OMITTED***', workGroup: 'nightly-export', resultConfiguration: { outputLocation: `s3://acme-data-exports-${account}/nightly/` } },
        response: { queryExecutionId: ir.uuid() },
      },
    );
  }
  addConsolePeople(draft, [
    { userName: 'fatima', created: '2025-03-03T10:20:00Z', groups: ['data-engineers'], userAgent: USER_AGENT.browser, ips: ['203.0.113.55'], startHour: 8.8, spreadHours: 2, chance: 0.75 },
  ], EVENT_HISTORY_DAYS);
  draft.groups.push({ GroupName: 'data-engineers', Arn: `arn:aws:iam::${account}:group/data-engineers`, AttachedPolicies: [POLICY.powerUser] });
  for (const name of ['etl', 'airflow', 'warehouse']) {
    draft.roles.push({
      RoleName: `data-${name}`, RoleId: name === 'airflow' ? airflowRole.roleId : newId.roleId(ir), Arn: `arn:aws:iam::${account}:role/data-${name}`,
      Path: '/', CreateDate: '2026-05-04T16:00:00Z', AssumeRolePolicyDocument: trustPolicy({ Service: 'ec2.amazonaws.com' }), AttachedPolicies: [POLICY.ssmCore],
    });
  }
  standardTrail(draft, 'data-trail', '2025-03-03T10:00:00Z');
  enableGuardDuty(draft);
  addDailyServiceCosts(draft, [
    [SERVICE.s3, region, 'TimedStorage-ByteHrs', 38.5],
    [SERVICE.s3, region, 'Requests-Tier2', 4.4],
    ['Amazon Athena', region, 'DataScannedInTB', 11.6],
    [SERVICE.cloudwatch, region, 'CW:MetricMonitorUsage', 1.8],
    [SERVICE.ec2Other, region, 'NatGateway-Hours', 1.08],
    [SERVICE.ec2Other, region, 'EBS:SnapshotUsage', 3.9],
    [SERVICE.kms, region, 'KMS-Requests', 0.7],
  ]);
  draft.ledger.addOnFirstOfMonths((date) => ({ date, service: SERVICE.support, region: 'global', recordType: 'RecurringFee', amount: 100 }));
  draft.costFinalizers.push((ledger) => ledger.addMonthEndTax(0.06));
  return draft.toScenario({
    name: 'benign-batch',
    description:
      "acme-data: etl-1 (c5.4xlarge) runs the nightly ETL from 01:00 to 03:00 UTC at ~95% CPU with dips, pulling " +
      '~900 MB from S3 every 5 minutes; Airflow then starts an Athena export. Every night for months.',
  });
}

/** The quiet accounts, by scenario name. */
export const BENIGN_SCENARIOS: Record<string, () => Scenario> = {
  'benign-steady': buildSteadyAccount,
  'benign-nightly-ci': buildNightlyCiAccount,
  'benign-auto-scaling': buildAutoScalingAccount,
  'benign-month-start': buildMonthStartAccount,
  'benign-batch': buildBatchAccount,
};

