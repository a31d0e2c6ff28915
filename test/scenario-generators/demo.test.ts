import { beforeAll, describe, expect, it } from 'vitest';
import { buildDemo, buildDemoScenario, DEMO_NAME, DEMO_NOW } from '../../src/scenario/generators/demo.js';
import type { AttackManifest } from '../../src/scenario/generators/attack.js';
import type { Scenario, ScenarioInstance } from '../../src/scenario/types.js';
import {
  costByDay,
  decodeUserData,
  eventsNamed,
  expectWellFormed,
  launchedIds,
  mean,
  seriesOf,
  stdev,
  sumMonth,
  tagOf,
} from './helpers.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ATTACK_START = Date.parse('2026-11-24T02:13:00Z');

let s: Scenario;
let attack: AttackManifest;
let instances: ScenarioInstance[];

beforeAll(() => {
  ({ scenario: s, attack } = buildDemo());
  instances = s.ec2?.instances ?? [];
});

const byId = (id: string) => instances.find((i) => i.InstanceId === id);
const opsKey = () => s.iam?.users?.find((u) => u.UserName === 'ops-deploy')?.AccessKeys?.[0]?.AccessKeyId ?? '';
const CI_IPS = ['198.51.100.17', '198.51.100.18', '198.51.100.19', '198.51.100.23'];

describe('the demo scenario (brief-incident)', () => {
  it('is named, dated and owned as the brief says', () => {
    expect(s.name).toBe(DEMO_NAME);
    expect(s.now).toBe(DEMO_NOW);
    expect(s.account).toEqual({ id: '111122223333', alias: 'acme-health' });
    expect(s.simulation).toBeUndefined();
  });

  it('is deterministic: two builds are deep-equal', () => {
    expect(buildDemoScenario()).toEqual(s);
  });

  it('keeps the format invariants and stays small', () => {
    expectWellFormed(s);
    expect(JSON.stringify(s).length).toBeLessThan(5_000_000);
  });

  describe('the normal around the attack', () => {
    it('runs twelve tagged production instances in us-east-1 and eu-west-1', () => {
      const prod = instances.filter((i) => tagOf(i, 'env') === 'prod');
      expect(prod).toHaveLength(12);
      expect(new Set(prod.map((i) => i.Region))).toEqual(new Set(['us-east-1', 'eu-west-1']));
      expect(prod.filter((i) => tagOf(i, 'rigwatch:tier') === 'non-core').length).toBeGreaterThanOrEqual(2);
      expect(prod.filter((i) => tagOf(i, 'rigwatch:protect') === 'true').length).toBeGreaterThanOrEqual(2);
      const web1 = prod.find((i) => tagOf(i, 'Name') === 'web-1');
      expect(web1?.InstanceType).toBe('m5.large');
      expect(web1?.SecurityGroups?.map((g) => g.GroupName)).toContain('acme-web');
    });

    it('launches 8 c5.2xlarge as ci-runner at 02:00 every night for 30 nights, and terminates them', () => {
      const ci = eventsNamed(s, 'RunInstances').filter((e) => e.userIdentity?.sessionContext?.sessionIssuer?.userName === 'ci-runner');
      expect(ci.length).toBeGreaterThanOrEqual(30);
      for (const e of ci) {
        expect(e.eventTime.slice(11, 13)).toBe('02');
        expect(launchedIds(e)).toHaveLength(8);
        expect(e.requestParameters?.instanceType).toBe('c5.2xlarge');
      }
      const terminated = new Set(eventsNamed(s, 'TerminateInstances').flatMap((e) => (e.requestParameters?.instancesSet as { items: { instanceId: string }[] }).items.map((i) => i.instanceId)));
      expect(ci.flatMap(launchedIds).every((id) => terminated.has(id))).toBe(true);
    });

    it('has Auto Scaling launches by the service-linked role', () => {
      const asg = eventsNamed(s, 'RunInstances').filter((e) => e.userIdentity?.invokedBy === 'autoscaling.amazonaws.com');
      expect(asg.length).toBeGreaterThan(0);
      expect(asg[0]?.userIdentity?.sessionContext?.sessionIssuer?.userName).toBe('AWSServiceRoleForAutoScaling');
      expect(asg[0]?.sourceIPAddress).toBe('autoscaling.amazonaws.com');
    });

    it('has admins signing in with MFA from the office range in office hours', () => {
      const logins = eventsNamed(s, 'ConsoleLogin').filter((e) => e.userIdentity?.userName !== 'support-admin');
      expect(logins.length).toBeGreaterThan(20);
      for (const e of logins) {
        expect(e.eventSource).toBe('signin.amazonaws.com');
        expect(e.additionalEventData?.MFAUsed).toBe('Yes');
        expect(e.responseElements).toEqual({ ConsoleLogin: 'Success' });
        expect(e.sourceIPAddress).toMatch(/^203\.0\.113\./);
        const hour = Number(e.eventTime.slice(11, 13));
        expect(hour).toBeGreaterThanOrEqual(8);
        expect(hour).toBeLessThan(17);
      }
    });

    it("uses ops-deploy's key daily from CI addresses in us-east-1 before the attack", () => {
      const before = (s.cloudtrail?.events ?? []).filter((e) => e.userIdentity?.accessKeyId === opsKey() && Date.parse(e.eventTime) < ATTACK_START);
      expect(before.length).toBeGreaterThan(20);
      expect(before.every((e) => CI_IPS.includes(e.sourceIPAddress ?? '') && e.awsRegion === 'us-east-1')).toBe(true);
    });

    it('has 90 days of costs around $420 a day, with the Support fee on the 1st and tax at month end', () => {
      const usage = costByDay(s, ['Usage']);
      const october = sumMonth(usage, '2026-10') / 31;
      expect(october).toBeGreaterThan(400);
      expect(october).toBeLessThan(440);
      const fees = s.costs?.lineItems ?? [];
      expect(fees.filter((f) => f.recordType === 'RecurringFee').map((f) => [f.date, f.amount])).toEqual([
        ['2026-09-01', 100], ['2026-10-01', 100], ['2026-11-01', 100],
      ]);
      expect(fees.filter((f) => f.recordType === 'Tax').map((f) => f.date)).toEqual(['2026-08-31', '2026-09-30', '2026-10-31']);
      const first = (s.costs?.daily ?? []).map((d) => d.start).sort()[0];
      expect(first).toBe('2026-08-29');
      const ec2ByType = (s.costs?.daily ?? []).filter((d) => d.service === 'Amazon Elastic Compute Cloud - Compute');
      expect(ec2ByType.every((d) => d.usageType && d.region)).toBe(true);
    });

    it('keeps the web security group at 443 only; internal groups reference each other', () => {
      const web = s.ec2?.securityGroups?.find((g) => g.GroupName === 'acme-web');
      expect(web?.IpPermissions.map((p) => p.FromPort)).toEqual([443]);
      const app = s.ec2?.securityGroups?.find((g) => g.GroupName === 'acme-app');
      expect(app?.IpPermissions[0]?.UserIdGroupPairs?.[0]?.GroupId).toBe(web?.GroupId);
    });
  });

  describe('the attack', () => {
    const attackerLaunches = () =>
      eventsNamed(s, 'RunInstances').filter((e) => e.userIdentity?.accessKeyId === opsKey() && !CI_IPS.includes(e.sourceIPAddress ?? '') && !e.errorCode);

    it('launches exactly 128 instances of one architecture within 3 days through RunInstances', () => {
      const launches = attackerLaunches();
      const ids = launches.flatMap(launchedIds);
      expect(ids).toHaveLength(128);
      expect(new Set(ids).size).toBe(128);
      const miners = ids.map(byId);
      expect(miners.every((m) => m !== undefined)).toBe(true);
      expect(new Set(miners.map((m) => m?.Architecture))).toEqual(new Set(['x86_64']));
      expect(miners.every((m) => m?.State.Name === 'running')).toBe(true);
      expect(new Set(miners.map((m) => m?.InstanceType))).toEqual(new Set(['c5.4xlarge', 'c5a.4xlarge']));
      const times = launches.map((e) => Date.parse(e.eventTime));
      expect(Math.max(...times) - Math.min(...times)).toBeLessThan(3 * DAY);
      expect(Date.parse(s.now) - Math.min(...times)).toBeLessThan(3.5 * DAY);
      // The inventory's launch times and types match the records.
      for (const e of launches) {
        for (const id of launchedIds(e)) {
          expect(byId(id)?.LaunchTime).toBe(e.eventTime);
          expect(byId(id)?.InstanceType).toBe(e.requestParameters?.instanceType);
          expect(byId(id)?.Region).toBe(e.awsRegion);
        }
      }
      expect(ids.sort()).toEqual([...attack.minerInstanceIds].sort());
    });

    it('records the launches as CloudTrail does: redacted user data, counts, instance types', () => {
      for (const e of attackerLaunches()) {
        const req = e.requestParameters as { instanceType: string; userData: string; instancesSet: { items: { imageId: string; minCount: number; maxCount: number }[] } };
        expect(req.userData).toBe('<sensitiveDataRemoved>');
        expect(req.instancesSet.items[0]?.minCount).toBe(16);
        expect(req.instancesSet.items[0]?.maxCount).toBe(16);
        expect(req.instancesSet.items[0]?.imageId).toMatch(/^ami-[0-9a-f]{17}$/);
        const items = (e.responseElements?.instancesSet as { items: { instanceType: string }[] }).items;
        expect(items.every((i) => i.instanceType === req.instanceType)).toBe(true);
        expect(e.userAgent).toMatch(/^Boto3\//);
      }
    });

    it('launches only in regions the account never used before', () => {
      const regions = new Set(attackerLaunches().map((e) => e.awsRegion));
      expect(regions).toEqual(new Set(['us-east-2', 'ap-southeast-1', 'sa-east-1', 'eu-north-1']));
      const before = (s.cloudtrail?.events ?? []).filter((e) => Date.parse(e.eventTime) < ATTACK_START);
      expect(before.filter((e) => regions.has(e.awsRegion))).toEqual([]);
    });

    it('uses the stolen key from new addresses, starting with GetCallerIdentity and a DryRun, while CI keeps using it', () => {
      const withKey = (s.cloudtrail?.events ?? []).filter((e) => e.userIdentity?.accessKeyId === opsKey());
      const attackerEvents = withKey.filter((e) => !CI_IPS.includes(e.sourceIPAddress ?? ''));
      expect(attackerEvents[0]?.eventName).toBe('GetCallerIdentity');
      expect(Date.parse(attackerEvents[0]?.eventTime ?? '')).toBeGreaterThanOrEqual(ATTACK_START);
      expect(attackerEvents.every((e) => /^(185\.220\.101|45\.9\.148)\./.test(e.sourceIPAddress ?? ''))).toBe(true);
      expect(attackerEvents.some((e) => e.errorCode === 'Client.DryRunOperation')).toBe(true);
      expect(withKey.filter((e) => CI_IPS.includes(e.sourceIPAddress ?? '') && Date.parse(e.eventTime) > ATTACK_START).length).toBeGreaterThan(0);
    });

    it('opens SSH and the pool ports to the world on a new group, matching the records', () => {
      const authorized = eventsNamed(s, 'AuthorizeSecurityGroupIngress').filter((e) => e.userIdentity?.accessKeyId === opsKey());
      const worldPorts = new Map<string, Set<number>>();
      for (const e of authorized) {
        const groupId = String(e.requestParameters?.groupId);
        const items = (e.requestParameters?.ipPermissions as { items: { fromPort: number; ipRanges: { items?: { cidrIp: string }[] } }[] }).items;
        for (const p of items) if (p.ipRanges.items?.some((r) => r.cidrIp === '0.0.0.0/0')) worldPorts.set(groupId, (worldPorts.get(groupId) ?? new Set()).add(p.fromPort));
      }
      expect(worldPorts.size).toBe(4);
      for (const [groupId, ports] of worldPorts) {
        expect(ports).toEqual(new Set([22, 3333, 14444]));
        const group = s.ec2?.securityGroups?.find((g) => g.GroupId === groupId);
        const open = group?.IpPermissions.filter((p) => p.IpRanges?.some((r) => r.CidrIp === '0.0.0.0/0')).map((p) => p.FromPort);
        expect(open).toEqual([22, 3333, 14444]);
        expect(eventsNamed(s, 'CreateSecurityGroup').some((e) => e.responseElements?.groupId === groupId)).toBe(true);
      }
      for (const id of attack.minerInstanceIds) expect(worldPorts.has(byId(id)?.SecurityGroups?.[0]?.GroupId ?? '')).toBe(true);
    });

    it('installs xmrig disguised as a system service through user data', () => {
      for (const id of attack.minerInstanceIds) {
        const script = decodeUserData(byId(id) as ScenarioInstance);
        expect(script).toContain('stratum+tcp://pool.supportxmr.com:3333');
        expect(script).toContain('--donate-level 1');
        expect(script).toContain('systemd-journald-helper');
      }
      const web1 = byId(attack.webCompromise.instanceId) as ScenarioInstance;
      expect(decodeUserData(web1)).not.toMatch(/xmrig|stratum/);
    });

    it('shows the exploited web server only in its metrics: CPU ~97% and NetworkOut up >300%', () => {
      const id = attack.webCompromise.instanceId;
      expect(tagOf(byId(id) as ScenarioInstance, 'Name')).toBe('web-1');
      const cpu = seriesOf(s, id, 'CPUUtilization');
      const out = seriesOf(s, id, 'NetworkOut');
      const split = (x: typeof cpu) => {
        const before: number[] = [];
        const after: number[] = [];
        x.values.forEach((v, k) => (x.start + k * x.period < ATTACK_START ? before : after).push(v ?? 0));
        return { before, after };
      };
      const c = split(cpu);
      expect(Math.max(...c.before)).toBeLessThan(50);
      expect(Math.min(...c.after)).toBeGreaterThan(94);
      const o = split(out);
      expect(o.before.length).toBeGreaterThan(3 * 288);
      expect(Math.min(...o.after)).toBeGreaterThan(4 * mean(o.before));
    });

    it("runs the miners flat near 98% CPU since launch, for at most 3 days of series", () => {
      for (const id of attack.minerInstanceIds) {
        const cpu = seriesOf(s, id, 'CPUUtilization');
        const values = cpu.values.map((v) => v ?? 0);
        expect(Math.min(...values)).toBeGreaterThan(96);
        expect(stdev(values)).toBeLessThan(1);
        expect(cpu.start).toBeGreaterThanOrEqual(Date.parse(byId(id)?.LaunchTime ?? ''));
        expect(values.length).toBeLessThanOrEqual(3 * 288);
        const net = seriesOf(s, id, 'NetworkOut').values.map((v) => v ?? 0);
        expect(stdev(net) / mean(net)).toBeLessThan(0.1);
      }
    });

    it('protects the miners from termination', () => {
      const protectedIds = new Set(eventsNamed(s, 'ModifyInstanceAttribute').filter((e) => (e.requestParameters?.disableApiTermination as { value: boolean } | undefined)?.value === true).map((e) => String(e.requestParameters?.instanceId)));
      expect(attack.minerInstanceIds.every((id) => protectedIds.has(id))).toBe(true);
    });

    it('leaves a back door: support-admin with a key, a password and AdministratorAccess, signed in without MFA at 03:40', () => {
      const names = (s.cloudtrail?.events ?? []).filter((e) => e.eventSource === 'iam.amazonaws.com').map((e) => e.eventName);
      expect(names).toEqual(['CreateUser', 'CreateAccessKey', 'CreateLoginProfile', 'AttachUserPolicy']);
      const key = eventsNamed(s, 'CreateAccessKey')[0]?.responseElements?.accessKey as Record<string, unknown>;
      expect(Object.keys(key).sort()).toEqual(['accessKeyId', 'createDate', 'status', 'userName']);
      expect(key.userName).toBe('support-admin');
      expect(eventsNamed(s, 'AttachUserPolicy')[0]?.requestParameters?.policyArn).toBe('arn:aws:iam::aws:policy/AdministratorAccess');
      const login = eventsNamed(s, 'ConsoleLogin').find((e) => e.userIdentity?.userName === 'support-admin');
      expect(login?.eventTime.slice(0, 16)).toBe('2026-11-24T03:40');
      expect(login?.additionalEventData?.MFAUsed).toBe('No');
      expect(login?.sourceIPAddress).toMatch(/^45\.9\.148\./);
      const user = s.iam?.users?.find((u) => u.UserName === 'support-admin');
      expect(user?.AccessKeys?.[0]?.AccessKeyId).toBe(key.accessKeyId);
      expect(user?.LoginProfile).toBeDefined();
      expect(user?.MFADevices).toBeUndefined();
      expect(user?.AttachedPolicies?.[0]?.PolicyName).toBe('AdministratorAccess');
    });

    it('stops the trail, deletes the web log group and a GuardDuty detector', () => {
      const stop = eventsNamed(s, 'StopLogging');
      expect(stop).toHaveLength(1);
      const trail = s.cloudtrail?.trails?.[0];
      expect(trail?.IsLogging).toBe(false);
      expect(trail?.StopLoggingTime).toBe(stop[0]?.eventTime);
      expect(stop[0]?.requestParameters?.name).toBe(trail?.TrailARN);
      const logs = eventsNamed(s, 'DeleteLogGroup');
      expect(logs[0]?.eventSource).toBe('logs.amazonaws.com');
      expect(logs[0]?.requestParameters?.logGroupName).toBe('/acme/prod/web/httpd');
      const gd = eventsNamed(s, 'DeleteDetector');
      expect(gd[0]?.eventSource).toBe('guardduty.amazonaws.com');
      expect(s.guardduty?.detectors?.some((d) => d.Region === gd[0]?.awsRegion)).toBe(false);
      expect(s.guardduty?.detectors?.filter((d) => d.Status === 'ENABLED')).toHaveLength(16);
    });

    it("has GuardDuty's crypto finding on a miner", () => {
      const finding = s.guardduty?.findings?.find((f) => f.Type === 'CryptoCurrency:EC2/BitcoinTool.B!DNS');
      const target = (finding?.Resource as { InstanceDetails: { InstanceId: string } }).InstanceDetails.InstanceId;
      expect(attack.minerInstanceIds).toContain(target);
      expect(s.guardduty?.detectors?.some((d) => d.Region === finding?.Region)).toBe(true);
    });

    it('sends the bill ~320% above the usual month, projected at the run rate', () => {
      // Usage only: fees and tax are the same every month. The usual month is the mean of September
      // and October; November is projected at the last complete day's run rate (the 26th).
      const usage = costByDay(s, ['Usage']);
      const usual = (sumMonth(usage, '2026-09') + sumMonth(usage, '2026-10')) / 2;
      const runRate = usage.get('2026-11-26') ?? 0;
      const projected = runRate * 30;
      const increase = (projected / usual - 1) * 100;
      expect(increase).toBeGreaterThan(300);
      expect(increase).toBeLessThan(340);
      // The miners' cost sits in EC2 by region and usage type, in the attack's regions.
      const ec2 = (s.costs?.daily ?? []).filter((d) => d.service === 'Amazon Elastic Compute Cloud - Compute');
      expect(ec2.map((d) => d.usageType)).toEqual(expect.arrayContaining(['USE2-BoxUsage:c5.4xlarge', 'APS1-BoxUsage:c5.4xlarge', 'SAE1-BoxUsage:c5.4xlarge', 'EUN1-BoxUsage:c5a.4xlarge']));
      // Today is partial: less than a full day at the run rate.
      expect(usage.get('2026-11-27') ?? 0).toBeLessThan(runRate);
      // Data transfer out rises with the web server's traffic.
      const egress = (s.costs?.daily ?? []).find((d) => d.usageType === 'DataTransfer-Out-Bytes');
      const at = (day: string) => egress?.amounts[(Date.parse(`${day}T00:00:00Z`) - Date.parse(`${egress.start}T00:00:00Z`)) / DAY] ?? 0;
      expect(at('2026-11-25')).toBeGreaterThan(1.5 * at('2026-11-20'));
    });

    it('tells the same story in its manifest as in the scenario', () => {
      for (const b of attack.batches) {
        const e = (s.cloudtrail?.events ?? []).find((x) => x.eventID === b.eventID);
        expect(e?.eventName).toBe('RunInstances');
        expect(launchedIds(e!)).toEqual(b.instanceIds);
      }
      expect(attack.stolenKey.accessKeyId).toBe(opsKey());
      expect(Date.parse(attack.batches.at(-1)!.at) - Date.parse(attack.batches[0]!.at)).toBeLessThan(3 * DAY - HOUR / 2);
    });
  });
});
