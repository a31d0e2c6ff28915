// fleet-spinup: a sudden spin-up of instances, judged against the account's own launch history.
// The incident in the brief ran 128 same-architecture VMs three days after one sub-account was
// compromised; stolen keys are used within minutes, often in regions the account never used and
// with GPU or large compute types. Auto Scaling and a nightly CI fleet launch many instances too,
// so each principal is compared with its own busiest days in the CloudTrail baseline.

import { z } from 'zod';
import type { AuditData, Instance } from '../providers/types.js';
import { findingId } from '../domain/finding-id.js';
import { instanceFamily, isAccelerated, vcpusOf } from '../domain/instance-types.js';
import type { Detector, Finding, ResourceRef, Severity } from './types.js';
import { actorOf, credentialRemediations, distinct, eventsNamed, findingActor, succeeded, windowEvents } from './lib/cloudtrail.js';
import { bounded, countBy, enabledOption } from './lib/finding.js';
import { SERVICE_LAUNCHERS, isTrustedLaunch, launchesIn, type Launch } from './lib/launches.js';
import { median, quantile } from './lib/stats.js';
import { DAY_MS, iso, round } from './lib/time.js';

const options = z.object({
  enabled: enabledOption,
  factor: z.number().positive().default(5)
    .describe("How many times the principal's usual busy day (90th percentile of its daily launches in the baseline) the busiest 24 hours of the window must reach."),
  minInstances: z.number().int().positive().default(10)
    .describe('Instances launched within 24 hours below which volume alone is never flagged.'),
  minVcpus: z.number().int().positive().default(64)
    .describe('vCPUs launched within 24 hours below which volume alone is never flagged.'),
  minSameType: z.number().int().positive().default(10)
    .describe('Instances of one type within 24 hours that make a single-type burst (the brief: 128 VMs of the same architecture).'),
  criticalInstances: z.number().int().positive().default(50)
    .describe('Instances within 24 hours that make an above-baseline burst critical.'),
  criticalVcpus: z.number().int().positive().default(400)
    .describe('vCPUs within 24 hours that make an above-baseline burst critical.'),
  minBaselineDays: z.number().int().nonnegative().default(3)
    .describe('Days of RunInstances history needed before "new region" and "new principal" are judged; with less, only absolute volume counts.'),
  newPrincipalMinInstances: z.number().int().positive().default(3)
    .describe('Instances a principal that never launched before must start to be flagged for that alone.'),
  newRegionMinInstances: z.number().int().positive().default(1)
    .describe('Instances launched in a region the account never used that are flagged for that alone.'),
  flagAccelerated: z.boolean().default(true)
    .describe("Flag GPU/accelerated families (p, g, inf, trn, dl, f, vt) the principal never launched before."),
  trustedLaunchers: z.array(z.string()).default([...SERVICE_LAUNCHERS])
    .describe('Substrings of invokedBy or the principal ARN whose launches are AWS scaling, not a person (Auto Scaling by default).'),
}).strict();

export type Options = z.infer<typeof options>;

/** Instances launched by the inventory's own scaling services carry these tags; not a principal's burst. */
const SCALING_TAGS = ['aws:autoscaling:groupName', 'aws:ec2spot:fleet-request-id', 'aws:ec2:fleet-id'];

interface Launched {
  id?: string;
  type: string;
  vcpus: number;
  time: number;
  eventId: string;
}

interface Peak {
  instances: number;
  vcpus: number;
}

/** The most instances and the most vCPUs launched within any 24 hours (each maximised on its own). */
function busiest24h(items: readonly Launched[]): Peak {
  const sorted = [...items].sort((a, b) => a.time - b.time);
  let best: Peak = { instances: 0, vcpus: 0 };
  let lo = 0;
  let vcpus = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    vcpus += (sorted[hi] as Launched).vcpus;
    while ((sorted[hi] as Launched).time - (sorted[lo] as Launched).time >= DAY_MS) vcpus -= (sorted[lo++] as Launched).vcpus;
    best = { instances: Math.max(best.instances, hi - lo + 1), vcpus: Math.max(best.vcpus, vcpus) };
  }
  return best;
}

/** Per-day launch figures of a principal in a region over the baseline days (zeros included). */
interface DailyBaseline {
  instances: number[];
  vcpus: number[];
  byType: Map<string, number[]>;
}

function emptyDaily(days: number): DailyBaseline {
  return { instances: new Array<number>(days).fill(0), vcpus: new Array<number>(days).fill(0), byType: new Map() };
}

const groupKey = (arn: string, region: string): string => `${arn}\u0000${region}`;

function expand(launch: Launch, inventory: Map<string, Instance>): Launched[] {
  return launch.instances.map((i) => {
    const known = i.id ? inventory.get(i.id) : undefined;
    const item: Launched = { type: i.type, vcpus: known?.vcpus ?? vcpusOf(i.type), time: launch.time, eventId: launch.record.eventID };
    if (i.id) item.id = i.id;
    return item;
  });
}

function principalResource(actor: Launch['actor']): ResourceRef[] {
  if (actor.type === 'IAMUser') return [{ type: 'AWS::IAM::User', id: actor.userName ?? actor.arn }];
  if (actor.type === 'AssumedRole' && actor.arn.includes(':role/')) return [{ type: 'AWS::IAM::Role', id: actor.arn.split('/').pop() ?? actor.arn }];
  return [];
}

function detect(data: AuditData, o: Options): Finding[] {
  const { start } = data.window;
  const inventory = new Map(data.ec2.instances.map((i) => [i.id, i]));
  const lookupStart = data.cloudtrail.lookupStart.RunInstances ?? start;
  const baselineDays = Math.max(0, Math.floor((start - lookupStart) / DAY_MS));
  const hasBaseline = baselineDays >= o.minBaselineDays;
  const baselineFrom = start - baselineDays * DAY_MS;

  const baseline = launchesIn(eventsNamed(data, ['RunInstances'], { from: baselineFrom, to: start - 1 }));
  const regionsUsed = new Set(baseline.map((l) => l.region));
  const typesUsed = new Set(baseline.flatMap((l) => l.instances.map((i) => `${l.region}\u0000${i.type}`)));
  for (const i of data.ec2.instances) {
    if (i.launchTime < start) {
      regionsUsed.add(i.region);
      typesUsed.add(`${i.region}\u0000${i.type}`);
    }
  }
  const familiesByPrincipal = new Map<string, Set<string>>();
  const daily = new Map<string, DailyBaseline>();
  for (const launch of baseline) {
    const families = familiesByPrincipal.get(launch.actor.arn) ?? new Set<string>();
    familiesByPrincipal.set(launch.actor.arn, families);
    const key = groupKey(launch.actor.arn, launch.region);
    const d = daily.get(key) ?? emptyDaily(baselineDays);
    daily.set(key, d);
    const day = Math.min(baselineDays - 1, Math.floor((launch.time - baselineFrom) / DAY_MS));
    for (const item of expand(launch, inventory)) {
      families.add(instanceFamily(item.type));
      d.instances[day] = (d.instances[day] ?? 0) + 1;
      d.vcpus[day] = (d.vcpus[day] ?? 0) + item.vcpus;
      const perType = d.byType.get(item.type) ?? new Array<number>(baselineDays).fill(0);
      perType[day] = (perType[day] ?? 0) + 1;
      d.byType.set(item.type, perType);
    }
  }

  const windowRecords = windowEvents(data, ['RunInstances'], false);
  const windowLaunches = launchesIn(windowRecords);
  const attributed = new Set(launchesIn(data.cloudtrail.events).flatMap((l) => l.instances.flatMap((i) => (i.id ? [i.id] : []))));
  const groups = new Map<string, Launch[]>();
  for (const launch of windowLaunches) {
    if (isTrustedLaunch(launch, o.trustedLaunchers)) continue;
    const key = groupKey(launch.actor.arn, launch.region);
    groups.set(key, [...(groups.get(key) ?? []), launch]);
  }

  const findings: Finding[] = [];
  for (const [key, launches] of groups) {
    const first = launches[0] as Launch;
    const { arn } = first.actor;
    const region = first.region;
    const items = launches.flatMap((l) => expand(l, inventory));
    const peak = busiest24h(items);
    const d = daily.get(key) ?? emptyDaily(baselineDays);
    const norm = { instances: quantile(d.instances, 0.9), vcpus: quantile(d.vcpus, 0.9) };

    const aboveNorm =
      (peak.instances >= o.minInstances && peak.instances >= o.factor * norm.instances) ||
      (peak.vcpus >= o.minVcpus && peak.vcpus >= o.factor * norm.vcpus);
    const burstTypes = distinct(items.map((i) => i.type)).filter((type) => {
      const typePeak = busiest24h(items.filter((i) => i.type === type)).instances;
      return typePeak >= o.minSameType && typePeak >= o.factor * quantile(d.byType.get(type) ?? [], 0.9);
    });
    const knownFamilies = familiesByPrincipal.get(arn) ?? new Set<string>();
    const acceleratedTypes = o.flagAccelerated
      ? distinct(items.map((i) => i.type)).filter((t) => isAccelerated(t) && !knownFamilies.has(instanceFamily(t)))
      : [];
    const newRegion = hasBaseline && !regionsUsed.has(region) && items.length >= o.newRegionMinInstances;
    const newPrincipal = hasBaseline && !familiesByPrincipal.has(arn) && items.length >= o.newPrincipalMinInstances;

    const signals = [
      ...(aboveNorm ? ['above-baseline'] : []),
      ...(burstTypes.length > 0 ? ['single-type-burst'] : []),
      ...(acceleratedTypes.length > 0 ? ['accelerated-family'] : []),
      ...(newRegion ? ['new-region'] : []),
      ...(newPrincipal ? ['new-principal'] : []),
    ];
    if (signals.length === 0) continue;

    const volume = aboveNorm || burstTypes.length > 0;
    const huge = peak.instances >= o.criticalInstances || peak.vcpus >= o.criticalVcpus;
    // Critical: GPUs with any other sign of abuse, or a burst far above the norm at a size that
    // costs thousands a day. High: volume far above the norm, a new GPU family, or a never-seen
    // principal in a never-used region (the stolen-key pattern). Medium: one novelty alone, which
    // a new colleague or a new project also produces.
    let severity: Severity = 'medium';
    if ((acceleratedTypes.length > 0 && signals.length > 1) || (volume && huge)) severity = 'critical';
    else if (volume || acceleratedTypes.length > 0 || (newRegion && newPrincipal)) severity = 'high';

    const actor = findingActor(launches.map((l) => l.actor));
    const ids = items.map((i) => i.id).filter((id): id is string => id !== undefined);
    const times = launches.map((l) => l.time);
    const failed = windowRecords.filter((r) => !succeeded(r) && r.awsRegion === region && actorOf(r).arn === arn);
    findings.push({
      id: findingId('fleet-spinup', data.account.id, region, arn),
      detector: 'fleet-spinup',
      severity,
      title: `${items.length} instances (${peak.vcpus} vCPUs in 24 h) launched by ${arn} in ${region}: ${signals.join(', ')}`,
      account: data.account.id,
      region,
      resources: [...ids.map((id) => ({ type: 'AWS::EC2::Instance', id, region })), ...principalResource(first.actor)],
      ...(actor ? { actor } : {}),
      firstSeen: iso(Math.min(...times)),
      lastSeen: iso(Math.max(...times)),
      evidence: {
        principal: arn,
        principalType: first.actor.type,
        signals,
        launched: { instances: items.length, vcpus: items.reduce((s, i) => s + i.vcpus, 0), calls: launches.length, byType: countBy(items, (i) => i.type) },
        busiest24h: peak,
        burstTypes,
        acceleratedTypes,
        baseline: {
          available: hasBaseline,
          days: baselineDays,
          perDayInstances: { median: median(d.instances), p90: round(norm.instances), max: Math.max(0, ...d.instances) },
          perDayVcpus: { median: median(d.vcpus), p90: round(norm.vcpus), max: Math.max(0, ...d.vcpus) },
          launchingDays: d.instances.filter((n) => n > 0).length,
          regionUsedBefore: regionsUsed.has(region),
          principalLaunchedBefore: familiesByPrincipal.has(arn),
        },
        thresholds: { factor: o.factor, minInstances: o.minInstances, minVcpus: o.minVcpus, minSameType: o.minSameType },
        accessKeyIds: distinct(launches.map((l) => l.actor.accessKeyId)),
        failedOrDryRunCalls: failed.length,
        eventIds: bounded(launches.map((l) => l.record.eventID)),
        instanceIds: bounded(ids),
        launchTimes: bounded(distinct(times.map(iso))),
      },
      remediations: ['quarantine-instance', ...credentialRemediations(actor)],
    });
  }

  findings.push(...inventoryBursts(data, o, attributed, typesUsed));
  return findings;
}

/**
 * The inventory-only case: instances launched in the window that no CloudTrail record explains
 * (CloudTrail failed or missed them), many of one type the region never ran before.
 */
function inventoryBursts(data: AuditData, o: Options, attributed: Set<string>, typesUsed: Set<string>): Finding[] {
  const { start, end } = data.window;
  const unexplained = data.ec2.instances.filter((i) =>
    i.launchTime >= start && i.launchTime <= end && !attributed.has(i.id) && !SCALING_TAGS.some((t) => t in i.tags));
  const byRegionType = new Map<string, Instance[]>();
  for (const i of unexplained) {
    const key = `${i.region}\u0000${i.type}`;
    byRegionType.set(key, [...(byRegionType.get(key) ?? []), i]);
  }
  const findings: Finding[] = [];
  for (const [key, instances] of byRegionType) {
    if (instances.length < o.minSameType || typesUsed.has(key)) continue;
    const { region, type } = instances[0] as Instance;
    const vcpus = instances.reduce((s, i) => s + i.vcpus, 0);
    const times = instances.map((i) => i.launchTime);
    const cloudtrail = data.coverage.filter((c) => c.source === 'cloudtrail' && (c.region === region || c.region === 'global')).map((c) => c.status);
    // Without the launching call there is no principal to weigh; a burst of a type the region
    // never ran is still high, and critical for GPUs or at the size of the brief's fleet.
    const severity: Severity = isAccelerated(type) || instances.length >= o.criticalInstances || vcpus >= o.criticalVcpus ? 'critical' : 'high';
    findings.push({
      id: findingId('fleet-spinup', data.account.id, region, 'inventory', type),
      detector: 'fleet-spinup',
      severity,
      title: `${instances.length} ${type} instances launched in ${region} with no CloudTrail record of who launched them`,
      account: data.account.id,
      region,
      resources: instances.map((i) => ({ type: 'AWS::EC2::Instance', id: i.id, region })),
      firstSeen: iso(Math.min(...times)),
      lastSeen: iso(Math.max(...times)),
      evidence: {
        signals: ['single-type-burst', 'inventory-only'],
        instanceType: type,
        instances: instances.length,
        vcpus,
        accelerated: isAccelerated(type),
        typeSeenBefore: false,
        cloudtrailCoverage: cloudtrail.includes('error') ? 'error' : cloudtrail.length > 0 ? 'ok' : 'unknown',
        thresholds: { minSameType: o.minSameType },
        instanceIds: bounded(instances.map((i) => i.id)),
        launchTimes: bounded(distinct(times.map(iso))),
      },
      remediations: ['quarantine-instance'],
    });
  }
  return findings;
}

export const detector: Detector<Options> = {
  meta: {
    id: 'fleet-spinup',
    title: 'Sudden instance spin-up',
    description:
      'Instances or vCPUs launched by one principal in one region within 24 hours far above its busiest usual day in the CloudTrail baseline, ' +
      'a burst of one instance type, GPU/accelerated families new to the principal, launches in regions the account never used or by ' +
      'principals that never launched before, and (when CloudTrail is missing) bursts of a new type seen only in the inventory. ' +
      'Miners turn stolen credentials into as much compute as quotas allow; Auto Scaling and recurring CI fleets are told apart by the baseline.',
    docs: 'docs/detectors.md#fleet-spinup',
    sources: ['cloudtrail', 'ec2'],
    cloudtrailEvents: [{ eventName: 'RunInstances', eventSource: 'ec2.amazonaws.com', baseline: true }],
  },
  options,
  detect,
};
