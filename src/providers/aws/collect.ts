// Collects one account: every source once, regions in parallel, each failure recorded in
// coverage. The result is the AuditData every detector reads.

import type { AuditData, CloudTrailRecord, GuardDutyDetector, GuardDutyFinding, Instance, MetricSeries, SecurityGroup, Trail } from '../types.js';
import { callerIdentity } from './collectors/identity.js';
import { collectEc2Region, collectUserData, listEnabledRegions } from './collectors/ec2.js';
import { collectEventsRegion, collectTrails } from './collectors/cloudtrail.js';
import { collectMetricsRegion } from './collectors/cloudwatch.js';
import { collectCosts } from './collectors/costs.js';
import { collectIam } from './collectors/iam.js';
import { collectGuardDutyRegion } from './collectors/guardduty.js';
import { Coverage, type CollectContext, type CollectionSettings } from './collector.js';
import type { AwsClients } from './clients.js';
import { InputError, RigwatchError } from '../../engine/errors.js';

export interface CollectRequest {
  clients: AwsClients;
  now: number;
  window: { start: number; end: number };
  /** Regions asked for; all the account's enabled regions when absent. */
  regions?: string[];
  settings: CollectionSettings;
  progress?: (message: string) => void;
}

export async function collectAccount(request: CollectRequest): Promise<AuditData> {
  const { clients, settings } = request;
  const progress = request.progress ?? (() => undefined);
  const coverage = new Coverage();

  progress('identifying the account (sts:GetCallerIdentity)');
  let identity: Awaited<ReturnType<typeof callerIdentity>>;
  try {
    identity = await callerIdentity(clients);
  } catch (error) {
    if ((error as Error).name === 'CredentialsProviderError') {
      throw new InputError('no AWS credentials: set AWS_PROFILE or pass --profile, use environment credentials or SSO ' +
        '(see README, "Auditing a real account"); `rigwatch demo` needs none', { cause: error });
    }
    throw new RigwatchError(`cannot identify the AWS account: ${(error as Error).name}: ${(error as Error).message}`, { exitCode: 3, cause: error });
  }
  coverage.ok('sts', 'global');

  const regions = request.regions ?? (await coverage.record('ec2', 'global', () => listEnabledRegions(clients)));
  if (!regions) throw new RigwatchError('cannot list the enabled regions (ec2:DescribeRegions); pass --regions', { exitCode: 3 });

  const ctx: CollectContext = { clients, regions, now: request.now, window: request.window, settings, coverage, progress };
  const instances: Instance[] = [];
  const securityGroups: SecurityGroup[] = [];
  const metrics: MetricSeries[] = [];
  const events = new Map<string, CloudTrailRecord>();
  const trails: Trail[] = [];
  const detectors: GuardDutyDetector[] = [];
  const findings: GuardDutyFinding[] = [];

  const perRegion = regions.map(async (region) => {
    const ec2 = await coverage.record('ec2', region, () => collectEc2Region(ctx, region));
    if (ec2) {
      instances.push(...ec2.instances);
      securityGroups.push(...ec2.securityGroups);
      if (settings.userData.enabled) await coverage.record('ec2-userdata', region, () => collectUserData(ctx, region, ec2.instances));
      const series = await coverage.record('cloudwatch', region, () => collectMetricsRegion(ctx, region, ec2.instances));
      if (series) metrics.push(...series);
    } else {
      coverage.skipped('cloudwatch', region, 'no instance inventory (ec2 failed)');
    }
    progress(`${region}: ec2 and metrics done`);
  });
  const cloudtrail = regions.map(async (region) => {
    const found = await coverage.record('cloudtrail', region, async () => {
      const t = await collectTrails(ctx, region);
      const e = await collectEventsRegion(ctx, region);
      return { t, e };
    });
    if (found) {
      trails.push(...found.t);
      for (const r of found.e.records) events.set(r.eventID, r);
    }
    progress(`${region}: cloudtrail done`);
  });
  const guardduty = settings.guardduty.enabled
    ? regions.map(async (region) => {
      const gd = await coverage.record('guardduty', region, () => collectGuardDutyRegion(ctx, region));
      if (gd) {
        detectors.push(...gd.detectors);
        findings.push(...gd.findings);
      }
    })
    : [];
  const iamWork = coverage.record('iam', 'global', () => collectIam(ctx));
  const costWork = coverage.record('costexplorer', 'global', () => collectCosts(ctx));

  await Promise.all([...perRegion, ...cloudtrail, ...guardduty]);
  const iam = await iamWork;
  const costs = await costWork;

  const lookupStart: Record<string, number> = {};
  for (const n of settings.cloudtrail) lookupStart[n.eventName] = Math.min(lookupStart[n.eventName] ?? Infinity, n.since);

  return {
    account: { id: identity.account },
    caller: { arn: identity.arn, userId: identity.userId },
    now: request.now,
    window: request.window,
    regions,
    ec2: { instances: sortBy(instances, (i) => `${i.region}/${i.id}`), securityGroups: sortBy(securityGroups, (g) => `${g.region}/${g.id}`) },
    cloudtrail: {
      trails: sortBy(trails, (t) => t.arn ?? t.name),
      events: [...events.values()].sort((a, b) => a.eventTime.localeCompare(b.eventTime) || a.eventID.localeCompare(b.eventID)),
      lookupStart,
    },
    metrics: sortBy(metrics, (m) => `${m.region}/${m.instanceId}/${m.metric}`),
    costs: costs ?? { currency: 'USD', byServiceRegion: [], ec2ByUsageType: [], start: '', end: '' },
    iam: iam ?? { users: [], roles: [] },
    guardduty: { detectors, findings },
    coverage: sortBy(coverage.entries, (c) => `${c.source}/${c.region}`),
  };
}

/** Regions finish in any order; sorting makes reports and finding order stable run to run. */
function sortBy<T>(items: T[], key: (item: T) => string): T[] {
  return items.sort((a, b) => key(a).localeCompare(key(b)));
}
