// Collects one account: every source once, regions in parallel, each failure recorded in
// coverage. The result is the AuditData every detector reads, and the cache the next run starts
// from.
//
// Given the previous run's cache, a run is incremental: CloudTrail is read from the last run's
// end (less an overlap for late delivery), metrics only for the window still open, Cost Explorer
// only for the days not final yet and at most once per refresh interval, user data only for new
// instances. Inventory (instances, security groups, trails, GuardDuty detectors, IAM) is read
// again where the region's CloudTrail write events show its service was written to, where the
// write feed is incomplete (a busy region), or where it is older than the maximum age. A source
// that fails keeps its cached data and cache time, so the next run reads it again.

import type { CollectionCache, Dated } from '../cache.js';
import type { AuditData, CloudTrailRecord, CostData, CostRow, GuardDutyDetector, GuardDutyFinding, Instance, MetricSeries, SecurityGroup, SourceName, Trail } from '../types.js';
import { callerIdentity } from './collectors/identity.js';
import { collectEc2Region, collectUserData, listEnabledRegions } from './collectors/ec2.js';
import { collectEventsRegion, collectTrails } from './collectors/cloudtrail.js';
import { collectMetricsRegion, metricsRange } from './collectors/cloudwatch.js';
import { collectCostAnomalies, collectCosts, costRange, isoDay } from './collectors/costs.js';
import { collectIam } from './collectors/iam.js';
import { collectGuardDutyFindings, listGuardDutyDetectors } from './collectors/guardduty.js';
import { Coverage, describeAwsError, type CloudTrailNeed, type CollectContext, type CollectionSettings } from './collector.js';
import type { AwsCostAnomaly } from '../../engine/story.js';
import { GLOBAL_REGION, type AwsClients } from './clients.js';
import { InputError, RigwatchError } from '../../engine/errors.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

export interface CollectRequest {
  clients: AwsClients;
  now: number;
  window: { start: number; end: number };
  /** Regions asked for; all the account's enabled regions when absent. */
  regions?: string[];
  settings: CollectionSettings;
  progress?: (message: string) => void;
  /** The previous run's cache: makes the run incremental (`settings.incremental`). Ignored if it belongs to another account. */
  previous?: CollectionCache;
}

export interface Collected {
  data: AuditData;
  cache: CollectionCache;
}

export async function collectAccount(request: CollectRequest): Promise<AuditData> {
  return (await collect(request)).data;
}

export async function collect(request: CollectRequest): Promise<Collected> {
  const { clients, settings, now } = request;
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

  const prev = request.previous?.account === identity.account && request.previous.at <= now ? request.previous : undefined;
  const inc = settings.incremental;
  const maxAge = inc.inventoryMaxAgeMinutes * MINUTE;
  const fresh = <T>(d: Dated<T> | undefined): d is Dated<T> => d !== undefined && now - d.at < maxAge;
  const reused = (source: SourceName, region: string, at: number) => coverage.entries.push({ source, region, status: 'ok', cachedAt: new Date(at).toISOString() });

  let regions = request.regions;
  let regionsCache = prev?.regions;
  if (!regions) {
    if (fresh(prev?.regions)) {
      regions = prev.regions.value;
      reused('ec2', 'global', prev.regions.at);
    } else {
      regions = await coverage.record('ec2', 'global', () => listEnabledRegions(clients));
      if (regions) regionsCache = { at: now, value: regions };
    }
  }
  if (!regions) throw new RigwatchError('cannot list the enabled regions (ec2:DescribeRegions); pass --regions', { exitCode: 3 });

  const ctx: CollectContext = { clients, regions, now, window: request.window, settings, coverage, progress };
  const cache: CollectionCache = {
    account: identity.account,
    at: now,
    ...(regionsCache && { regions: regionsCache }),
    ec2: {},
    trails: {},
    guardduty: {},
    cloudtrail: { since: {}, regions: {} },
    metrics: { period: settings.metrics.periodSeconds, start: metricsRange(ctx).start, regions: {}, series: [] },
  };
  const instances: Instance[] = [];
  const securityGroups: SecurityGroup[] = [];
  const metrics: MetricSeries[] = [];
  const events = new Map<string, CloudTrailRecord>();
  const trails: Trail[] = [];
  const detectors: GuardDutyDetector[] = [];
  const findings: GuardDutyFinding[] = [];

  // What a region's CloudTrail says changed: the services written to since the cache was made.
  const changed = (feed: Awaited<ReturnType<typeof regionEvents>>['writes'], service: string, cached: Dated<unknown>): boolean =>
    !feed || feed.since > (cached.checked ?? cached.at) - inc.cloudtrailOverlapMinutes * MINUTE || feed.sources.has(service);
  /** A cached value CloudTrail confirmed unchanged up to now. */
  const confirmed = <T>(d: Dated<T>): Dated<T> => ({ ...d, checked: now });

  const regionEvents = async (region: string) => {
    const prevRegion = prev?.cloudtrail.regions[region];
    const needs: CloudTrailNeed[] = settings.cloudtrail.map((n) => {
      const cachedSince = prev?.cloudtrail.since[n.eventName];
      const covered = prevRegion !== undefined && cachedSince !== undefined && cachedSince <= n.since;
      return covered ? { ...n, since: Math.max(n.since, prevRegion.at - inc.cloudtrailOverlapMinutes * MINUTE) } : n;
    });
    const found = await coverage.record('cloudtrail', region, () => collectEventsRegion({ ...ctx, settings: { ...settings, cloudtrail: needs } }, region));
    const keep = new Map(settings.cloudtrail.map((n) => [n.eventName, n.since]));
    const merged = new Map<string, CloudTrailRecord>();
    for (const r of prevRegion?.value ?? []) {
      const from = keep.get(r.eventName);
      if (from !== undefined && Date.parse(r.eventTime) >= from) merged.set(r.eventID, r);
    }
    for (const r of found?.records ?? []) merged.set(r.eventID, r);
    const records = [...merged.values()];
    if (found) cache.cloudtrail.regions[region] = { at: now, value: records };
    else if (prevRegion) cache.cloudtrail.regions[region] = { at: prevRegion.at, value: records };
    for (const r of records) events.set(r.eventID, r);
    return { writes: found?.writes };
  };

  const eventsByRegion = new Map(regions.map((region) => [region, regionEvents(region)]));

  const perRegion = regions.map(async (region) => {
    // A full run reads everything, so it does not wait for the change feed.
    const writes = prev ? (await (eventsByRegion.get(region) as ReturnType<typeof regionEvents>)).writes : undefined;

    const prevTrails = prev?.trails[region];
    if (fresh(prevTrails) && !changed(writes, 'cloudtrail.amazonaws.com', prevTrails)) {
      trails.push(...prevTrails.value);
      cache.trails[region] = confirmed(prevTrails);
    } else {
      const t = await coverage.attempt('cloudtrail', region, () => collectTrails(ctx, region));
      const value = t ?? prevTrails?.value;
      if (value) {
        trails.push(...value);
        cache.trails[region] = { at: t ? now : (prevTrails?.at ?? 0), value };
      }
    }

    const prevEc2 = prev?.ec2[region];
    let ec2: { instances: Instance[]; securityGroups: SecurityGroup[] } | undefined;
    if (fresh(prevEc2) && !changed(writes, 'ec2.amazonaws.com', prevEc2)) {
      ec2 = prevEc2.value;
      reused('ec2', region, prevEc2.at);
      cache.ec2[region] = confirmed(prevEc2);
    } else {
      const read = await coverage.record('ec2', region, () => collectEc2Region(ctx, region));
      if (read) {
        const known = new Map((prevEc2?.value.instances ?? []).map((i) => [i.id, i]));
        const unknown: Instance[] = [];
        for (const i of read.instances) {
          const before = known.get(i.id);
          if (before && before.launchTime === i.launchTime && before.userData !== undefined) i.userData = before.userData;
          else unknown.push(i);
        }
        if (settings.userData.enabled) await coverage.record('ec2-userdata', region, () => collectUserData(ctx, region, unknown));
        ec2 = read;
        cache.ec2[region] = { at: now, value: read };
      } else if (prevEc2) {
        ec2 = prevEc2.value;
        cache.ec2[region] = prevEc2;
      }
    }

    if (ec2) {
      instances.push(...ec2.instances);
      securityGroups.push(...ec2.securityGroups);
      const series = await regionMetrics(region, ec2.instances);
      if (series) metrics.push(...series);
    } else {
      coverage.skipped('cloudwatch', region, 'no instance inventory (ec2 failed)');
    }

    if (settings.guardduty.enabled) {
      const prevGd = prev?.guardduty[region];
      let gdDetectors: GuardDutyDetector[] | undefined;
      let gdAt = now;
      if (fresh(prevGd) && !changed(writes, 'guardduty.amazonaws.com', prevGd)) {
        gdDetectors = prevGd.value.detectors;
        gdAt = prevGd.at;
      } else {
        gdDetectors = await coverage.attempt('guardduty', region, () => listGuardDutyDetectors(ctx, region));
      }
      if (gdDetectors) {
        // Findings are GuardDuty's, not API calls: poll them every run, since the last poll.
        const enabled = gdDetectors.filter((d) => d.status === 'ENABLED');
        const pollFrom = prevGd ? Math.max(request.window.start, prevGd.at - inc.cloudtrailOverlapMinutes * MINUTE) : request.window.start;
        const polled = await coverage.record('guardduty', region, () => collectGuardDutyFindings(ctx, region, enabled, pollFrom));
        const byId = new Map<string, GuardDutyFinding>();
        for (const f of prevGd?.value.findings ?? []) if ((f.updatedAt ?? 0) >= request.window.start) byId.set(f.id, f);
        for (const f of polled ?? []) byId.set(f.id, f);
        const gdFindings = [...byId.values()];
        detectors.push(...gdDetectors);
        findings.push(...gdFindings);
        cache.guardduty[region] = polled
          ? { at: gdAt, checked: now, value: { detectors: gdDetectors, findings: gdFindings } }
          : { at: prevGd?.at ?? 0, ...(prevGd?.checked !== undefined && { checked: prevGd.checked }), value: { detectors: gdDetectors, findings: gdFindings } };
      }
    }
    progress(`${region}: done`);
  });

  const regionMetrics = async (region: string, regionInstances: Instance[]): Promise<MetricSeries[] | undefined> => {
    const { start, period } = metricsRange(ctx);
    const prevEnd = prev && prev.metrics.period === period && prev.metrics.start <= start ? prev.metrics.regions[region] : undefined;
    const cached = new Map<string, MetricSeries[]>();
    const readFrom = new Map<string, number>();
    if (prevEnd !== undefined) {
      const from = Math.max(start, Math.floor((prevEnd - inc.metricsOverlapMinutes * MINUTE) / (period * 1000)) * period * 1000);
      for (const s of prev?.metrics.series ?? []) {
        if (s.region !== region) continue;
        const list = cached.get(s.instanceId) ?? [];
        list.push(s);
        cached.set(s.instanceId, list);
        readFrom.set(s.instanceId, from);
      }
    }
    const read = await coverage.record('cloudwatch', region, () => collectMetricsRegion(ctx, region, regionInstances, readFrom));
    if (!read) {
      if (prevEnd !== undefined) cache.metrics.regions[region] = prevEnd;
      const stale = [...cached.values()].flat();
      cache.metrics.series.push(...stale);
      return stale;
    }
    cache.metrics.regions[region] = metricsRange(ctx).end;
    const fresh = new Map(read.map((s) => [`${s.instanceId}/${s.metric}`, s]));
    const out: MetricSeries[] = [];
    const live = new Set(regionInstances.map((i) => i.id));
    for (const [instanceId, list] of cached) {
      if (!live.has(instanceId)) continue;
      for (const old of list) {
        const key = `${instanceId}/${old.metric}`;
        out.push(mergeSeries(old, fresh.get(key), start, readFrom.get(instanceId) ?? start));
        fresh.delete(key);
      }
    }
    out.push(...fresh.values());
    cache.metrics.series.push(...out);
    return out;
  };

  const iamWork = (async () => {
    const feed = prev?.iam ? (await (eventsByRegion.get(GLOBAL_REGION) ?? Promise.resolve({ writes: undefined }))).writes : undefined;
    if (fresh(prev?.iam) && regions.includes(GLOBAL_REGION) && !changed(feed, 'iam.amazonaws.com', prev.iam)) {
      reused('iam', 'global', prev.iam.at);
      cache.iam = confirmed(prev.iam);
      return prev.iam.value;
    }
    const read = await coverage.record('iam', 'global', () => collectIam(ctx));
    if (read) cache.iam = { at: now, value: read };
    else if (prev?.iam) cache.iam = prev.iam;
    return read ?? prev?.iam?.value;
  })();

  const costWork = (async (): Promise<CostData | undefined> => {
    const range = costRange(ctx);
    const before = prev?.costs;
    const usable = before && before.value.start <= range.start && before.value.currency !== '';
    const costsFresh = usable && now - before.at < inc.costRefreshMinutes * MINUTE && isoDay(before.at) === isoDay(now);

    // AWS Cost Anomaly Detection ($0.01 a request, like every Cost Explorer call): a full run asks
    // it beside its two GetCostAndUsage queries; an incremental run asks it only when it makes no
    // GetCostAndUsage request and the cached answer is older than anomalyRefreshMinutes, so a
    // steady-state scheduled run makes at most 2 Cost Explorer requests. A failure (no permission,
    // no monitors) is recorded as skipped and never fails the cost source.
    const anomaliesBefore = prev?.costAnomalies;
    const anomalyRefresh = inc.anomalyRefreshMinutes * MINUTE;
    const askAnomalies = !prev || (costsFresh && (!anomaliesBefore || now - anomaliesBefore.at >= anomalyRefresh));
    const anomalyWork = (async (): Promise<AwsCostAnomaly[] | undefined> => {
      if (!askAnomalies) {
        if (!anomaliesBefore) {
          coverage.skipped('costexplorer-anomalies', 'global', 'not asked this run: a run that asks GetCostAndUsage does not also ask GetAnomalies (at most 2 Cost Explorer requests a run)');
          return undefined;
        }
        cache.costAnomalies = anomaliesBefore;
        const cachedAt = new Date(anomaliesBefore.at).toISOString();
        if (anomaliesBefore.value.error !== undefined) {
          coverage.entries.push({ source: 'costexplorer-anomalies', region: 'global', status: 'skipped', error: anomaliesBefore.value.error, cachedAt });
        } else {
          reused('costexplorer-anomalies', 'global', anomaliesBefore.at);
        }
        return anomaliesBefore.value.anomalies;
      }
      try {
        const anomalies = await collectCostAnomalies(ctx, identity.account);
        coverage.ok('costexplorer-anomalies', 'global');
        cache.costAnomalies = { at: now, value: { anomalies } };
        return anomalies;
      } catch (error) {
        const reason = describeAwsError(error);
        coverage.skipped('costexplorer-anomalies', 'global', reason);
        cache.costAnomalies = { at: now, value: { error: reason } };
        return undefined;
      }
    })();

    const readCosts = async (): Promise<CostData | undefined> => {
      if (usable && costsFresh) {
        reused('costexplorer', 'global', before.at);
        cache.costs = before;
        return before.value;
      }
      const from = usable ? costRestateFrom(before.value, now, inc.costRestateDays) : undefined;
      const read = await coverage.record('costexplorer', 'global', () => collectCosts(ctx, from));
      if (!read) {
        if (before) cache.costs = before;
        return before?.value;
      }
      const merged = usable && from ? mergeCosts(before.value, read, range.start, from) : read;
      cache.costs = { at: now, value: merged };
      return merged;
    };
    const costs = await readCosts();
    const awsAnomalies = await anomalyWork;
    if (!awsAnomalies) return costs;
    return { ...(costs ?? { currency: 'USD', byServiceRegion: [], ec2ByUsageType: [], start: '', end: '' }), awsAnomalies };
  })();

  await Promise.all([...perRegion, ...eventsByRegion.values()]);
  const iam = await iamWork;
  const costs = await costWork;

  for (const n of settings.cloudtrail) cache.cloudtrail.since[n.eventName] = Math.min(cache.cloudtrail.since[n.eventName] ?? Infinity, n.since);
  const lookupStart: Record<string, number> = {};
  for (const n of settings.cloudtrail) lookupStart[n.eventName] = Math.min(lookupStart[n.eventName] ?? Infinity, n.since);

  const data: AuditData = {
    account: { id: identity.account },
    caller: { arn: identity.arn, userId: identity.userId },
    now,
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
  return { data, cache };
}

/**
 * The first day to ask Cost Explorer for again: the earliest day it has not called final
 * (`Estimated`), and never later than the last `restateDays` days (late usage still lands there).
 */
export function costRestateFrom(cached: CostData, now: number, restateDays: number): string {
  let from = isoDay(Math.floor(now / DAY) * DAY - restateDays * DAY);
  for (const row of [...cached.byServiceRegion, ...cached.ec2ByUsageType]) if (row.estimated && row.date < from) from = row.date;
  return from;
}

/** The cached days before `from` (and not before `start`) with the days just read. */
export function mergeCosts(cached: CostData, read: CostData, start: string, from: string): CostData {
  const keep = (rows: CostRow[]) => rows.filter((r) => r.date >= start && r.date < from);
  return {
    currency: read.currency,
    byServiceRegion: [...keep(cached.byServiceRegion), ...read.byServiceRegion],
    ec2ByUsageType: [...keep(cached.ec2ByUsageType), ...read.ec2ByUsageType],
    start,
    end: read.end,
  };
}

/** A cached series with the datapoints read again from `from` on, trimmed to the lookback. */
export function mergeSeries(old: MetricSeries, read: MetricSeries | undefined, start: number, from: number): MetricSeries {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let k = 0; k < old.timestamps.length; k++) {
    const t = old.timestamps[k] as number;
    if (t >= start && t < from) {
      timestamps.push(t);
      values.push(old.values[k] as number);
    }
  }
  if (read) {
    timestamps.push(...read.timestamps);
    values.push(...read.values);
  }
  return { ...old, timestamps, values };
}

/** Regions finish in any order; sorting makes reports and finding order stable run to run. */
function sortBy<T>(items: T[], key: (item: T) => string): T[] {
  return items.sort((a, b) => key(a).localeCompare(key(b)));
}
