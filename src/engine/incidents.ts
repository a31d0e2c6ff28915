// Incidents: the findings of one attack told as one story. Findings are joined by actor (the
// principal, its access keys and source IPs, and the users and keys it created), then by the
// instances they share (a fleet's launches and the miners' CPU), then by time (a finding with no
// actor, such as a hijacked web server's CPU or the bill, joins the incident it overlaps). Each
// incident carries its cost impact, with the basis of every figure, and a timeline.

import { findingId } from '../domain/finding-id.js';
import { hourlyPrice } from '../domain/ec2-prices.js';
import { SEVERITY_RANK, type Finding, type ResourceRef, type Severity } from '../detectors/types.js';
import { remediateCommand, type RemediateTarget } from '../notify/digest.js';
import type { AuditData, CloudTrailRecord, Instance, MetricSeries } from '../providers/types.js';
import type { CostImpact, Incident, MetricStory, TimelineEntry, TimelineKind } from './story.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A finding with no actor joins an incident whose span it starts within this much of. */
const TIME_JOIN_MS = 6 * HOUR;
/** Calls of one kind in one region this close together fold into one timeline entry. */
const FOLD_MS = 15 * 60_000;
const IP = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]+:[0-9a-f:]*$/i;

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
const userName = (arn: string): string | undefined => /:user\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
/** One key per identity: IAM users by name (an ARN or a CreateUser's userName), other principals by ARN. */
const principalKey = (arn: string): string => (userName(arn) ? `user:${userName(arn)}` : `arn:${arn}`);

/** What ties a finding to an actor: principals, keys and IPs, from its actor and evidence. */
function actorKeys(f: Finding): { principals: string[]; keys: string[]; ips: string[] } {
  const e = f.evidence;
  const principals = new Set<string>();
  const keys = new Set<string>();
  const ips = new Set<string>();
  if (f.actor) {
    principals.add(f.actor.arn);
    if (f.actor.accessKeyId) keys.add(f.actor.accessKeyId);
    for (const ip of f.actor.sourceIPs ?? []) ips.add(ip);
  }
  for (const p of strings(e.principal)) principals.add(p);
  for (const k of [...strings(e.accessKeyIds), ...strings(e.createdAccessKeyIds)]) keys.add(k);
  for (const a of Array.isArray(e.actors) ? (e.actors as Record<string, unknown>[]) : []) {
    for (const p of strings(a.principal)) principals.add(p);
    for (const k of strings(a.accessKeyIds)) keys.add(k);
    for (const ip of strings(a.sourceIPs)) ips.add(ip);
  }
  return { principals: [...principals], keys: [...keys], ips: [...ips].filter((ip) => IP.test(ip)) };
}

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let root = x;
    while ((this.parent.get(root) ?? root) !== root) root = this.parent.get(root) as string;
    this.parent.set(x, root);
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

export interface IncidentInput {
  findings: Finding[];
  data: AuditData;
  target?: RemediateTarget;
}

export function buildIncidents({ findings, data, target }: IncidentInput): Incident[] {
  const live = findings.filter((f) => f.status !== 'resolved' && f.status !== 'muted' && SEVERITY_RANK[f.severity] >= SEVERITY_RANK.medium);
  const uf = new UnionFind();
  const actors = new Map<string, ReturnType<typeof actorKeys>>();
  const createdBy = createdIdentities(data.cloudtrail.events);
  for (const f of live) {
    const a = actorKeys(f);
    actors.set(f.id, a);
    const node = `f:${f.id}`;
    uf.find(node);
    for (const p of a.principals) uf.union(node, principalKey(p));
    for (const k of a.keys) uf.union(node, `key:${k}`);
    if (a.principals.length + a.keys.length > 0) {
      // Shared instances tie a fleet's launches to the miners' CPU and traffic.
      for (const r of f.resources) if (r.type === 'AWS::EC2::Instance') uf.union(node, `i:${r.id}`);
    }
  }
  // The users and keys an actor created are the actor too.
  for (const [creator, created] of createdBy) for (const c of created) uf.union(creator, c);
  // Findings without an actor join through the instances they name.
  for (const f of live) {
    if ((actors.get(f.id)?.principals.length ?? 0) + (actors.get(f.id)?.keys.length ?? 0) > 0) continue;
    for (const r of f.resources) if (r.type === 'AWS::EC2::Instance') uf.union(`i:${r.id}`, `f:${f.id}`);
  }

  const groups = new Map<string, Finding[]>();
  for (const f of live) {
    const root = uf.find(`f:${f.id}`);
    groups.set(root, [...(groups.get(root) ?? []), f]);
  }
  // Groups with an actor are incidents; the rest join one by time, or stand alone.
  const withActor = [...groups.values()].filter((g) => g.some((f) => hasActor(actors.get(f.id))));
  const without = [...groups.values()].filter((g) => !g.some((f) => hasActor(actors.get(f.id))));
  for (const g of without) {
    const start = Math.min(...g.map((f) => timeOf(f.firstSeen) ?? Infinity));
    const home = Number.isFinite(start)
      ? withActor
        .map((h) => ({ h, span: spanOf(h) }))
        .filter(({ span }) => start >= span.start - TIME_JOIN_MS && start <= span.end + TIME_JOIN_MS)
        .sort((a, b) => worst(b.h) - worst(a.h) || a.span.start - b.span.start)[0]?.h
      : undefined;
    if (home) home.push(...g);
    else if (g.some((f) => timeOf(f.firstSeen) !== undefined)) withActor.push(g);
  }

  const incidents = withActor.map((g) => toIncident(g, actors, data, target));
  return incidents.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.costImpact.total - a.costImpact.total || a.id.localeCompare(b.id));
}

function hasActor(a: ReturnType<typeof actorKeys> | undefined): boolean {
  return (a?.principals.length ?? 0) + (a?.keys.length ?? 0) > 0;
}

/** Identity keys created by each identity: CreateUser, CreateAccessKey, CreateLoginProfile calls. */
function createdIdentities(events: CloudTrailRecord[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of events) {
    if (e.errorCode || !['CreateUser', 'CreateAccessKey', 'CreateLoginProfile'].includes(e.eventName)) continue;
    const by = e.userIdentity?.accessKeyId ? `key:${e.userIdentity.accessKeyId}` : e.userIdentity?.arn ? principalKey(e.userIdentity.arn) : undefined;
    if (!by) continue;
    const req = (e.requestParameters ?? {}) as Record<string, unknown>;
    const res = (e.responseElements ?? {}) as Record<string, unknown>;
    const created: string[] = [];
    if (typeof req.userName === 'string') created.push(`user:${req.userName}`);
    const key = (res.accessKey as { accessKeyId?: unknown } | undefined)?.accessKeyId;
    if (typeof key === 'string') created.push(`key:${key}`);
    out.set(by, [...(out.get(by) ?? []), ...created]);
  }
  return out;
}

const timeOf = (iso: string | undefined): number | undefined => (iso ? Date.parse(iso) : undefined);
const worst = (g: Finding[]): number => Math.max(...g.map((f) => SEVERITY_RANK[f.severity]));
function spanOf(g: Finding[]): { start: number; end: number } {
  const starts = g.map((f) => timeOf(f.firstSeen)).filter((t): t is number => t !== undefined);
  const ends = g.map((f) => timeOf(f.lastSeen) ?? timeOf(f.firstSeen)).filter((t): t is number => t !== undefined);
  return { start: Math.min(...starts), end: Math.max(...ends) };
}

function toIncident(group: Finding[], actors: Map<string, ReturnType<typeof actorKeys>>, data: AuditData, target: RemediateTarget | undefined): Incident {
  const findings = [...group].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.id.localeCompare(b.id));
  const principals = new Set<string>();
  const keys = new Set<string>();
  const ips = new Set<string>();
  for (const f of findings) {
    const a = actors.get(f.id);
    a?.principals.forEach((p) => principals.add(p));
    a?.keys.forEach((k) => keys.add(k));
    a?.ips.forEach((ip) => ips.add(ip));
  }
  // The first actor seen names the incident: it does not change as the attack grows.
  const first = [...findings].filter((f) => hasActor(actors.get(f.id))).sort((a, b) => (a.firstSeen ?? '').localeCompare(b.firstSeen ?? ''))[0] ?? findings[0];
  const anchor = first ? (actors.get(first.id)?.principals[0] ?? actors.get(first.id)?.keys[0] ?? first.id) : 'none';
  const resources = uniqueResources(findings.flatMap((f) => f.resources));
  // The bill is dated by whole days: it does not say when the incident began.
  const timed = findings.filter((f) => f.detector !== 'bill-spike');
  const span = spanOf(timed.length > 0 ? timed : findings);
  const launched = launchedInstances(findings, data);
  const costImpact = incidentCost(launched, findings, data);
  const severity = findings[0]?.severity ?? 'info';
  const id = findingId('incident', data.account.id, 'global', anchor).replace(/^incident:/, 'incident-');
  return {
    id,
    title: incidentTitle(findings, principals, launched),
    severity: severity as Severity,
    actor: { principals: [...principals].sort(), accessKeyIds: [...keys].sort(), sourceIPs: [...ips].sort() },
    firstSeen: new Date(Number.isFinite(span.start) ? span.start : data.now).toISOString(),
    lastSeen: new Date(Number.isFinite(span.end) ? span.end : data.now).toISOString(),
    findings: findings.map((f) => f.id),
    resources,
    costImpact,
    timeline: timeline(findings, principals, keys, ips, launched, data, span),
    remediate: remediateCommand([id], target, '--incident'),
  };
}

function uniqueResources(refs: ResourceRef[]): ResourceRef[] {
  const seen = new Map<string, ResourceRef>();
  for (const r of refs) seen.set(`${r.type}|${r.id}`, r);
  return [...seen.values()].sort((a, b) => a.type.localeCompare(b.type) || a.id.localeCompare(b.id));
}

/** Instances the incident's actor launched: the fleet findings' instances (a hijacked existing server is not a launch). */
function launchedInstances(findings: Finding[], data: AuditData): Instance[] {
  const ids = new Set(findings.filter((f) => f.detector === 'fleet-spinup').flatMap((f) => f.resources.filter((r) => r.type === 'AWS::EC2::Instance').map((r) => r.id)));
  return data.ec2.instances.filter((i) => ids.has(i.id));
}

/** When an instance stopped running, as far as the audit can tell: now if running, else its last datapoint. */
function runningUntil(i: Instance, metrics: Map<string, MetricSeries>, now: number): number {
  if (['running', 'pending'].includes(i.state)) return now;
  const cpu = metrics.get(i.id);
  return cpu?.timestamps.at(-1) !== undefined ? (cpu.timestamps.at(-1) as number) + cpu.period * 1000 : i.launchTime;
}

export function incidentCost(launched: Instance[], findings: Finding[], data: AuditData): CostImpact {
  const currency = data.costs.currency || 'USD';
  const cpu = new Map(data.metrics.filter((m) => m.metric === 'CPUUtilization').map((m) => [m.instanceId, m]));
  let total = 0;
  let hours = 0;
  let perHourNow = 0;
  let unpriced = 0;
  for (const i of launched) {
    const price = hourlyPrice(i.type, i.region);
    if (price === undefined) {
      unpriced += 1;
      continue;
    }
    const h = Math.max(0, runningUntil(i, cpu, data.now) - i.launchTime) / HOUR;
    hours += h;
    total += h * price;
    if (['running', 'pending'].includes(i.state)) perHourNow += price;
  }
  const basis: string[] = [];
  const out: CostImpact = { total: 0, perHourNow: round(perHourNow), currency, basis };
  if (launched.length > 0) {
    out.instanceHours = { total: round(total), hours: Math.round(hours), instances: launched.length, unpriced };
    basis.push(`instance-hours: ${Math.round(hours).toLocaleString('en-US')} hours of the ${launched.length} instances the actor launched, at on-demand Linux prices (rigwatch's price table)` +
      `${unpriced > 0 ? `; ${unpriced} of an unlisted type not priced` : ''}`);
  }
  const ce = costExplorerImpact(launched, findings, data);
  if (ce) {
    out.costExplorer = ce;
    basis.push(`Cost Explorer: ${ce.scope}`);
  }
  // Instance-hours are current to the hour; Cost Explorer lags by up to a day: the total is the
  // instance-hours figure, and Cost Explorer's only when nothing was launched.
  out.total = round(out.instanceHours?.total ?? ce?.total ?? 0);
  if (perHourNow > 0) basis.push('per hour now: on-demand price of the launched instances still running');
  if (out.instanceHours && ce) basis.push('total: the instance-hours figure (current to the hour); Cost Explorer\'s lags by up to a day');
  return out;
}

/**
 * What Cost Explorer says: EC2 cost in the regions the actor launched in, since the first
 * launch, above those regions' own daily median before it (zero for regions the account never
 * used). Without launches, the bill-spike findings' excess.
 */
function costExplorerImpact(launched: Instance[], findings: Finding[], data: AuditData): CostImpact['costExplorer'] {
  const rows = data.costs.byServiceRegion.filter((r) => r.service === 'Amazon Elastic Compute Cloud - Compute');
  if (launched.length > 0 && rows.length > 0) {
    const regions = [...new Set(launched.map((i) => i.region))].sort();
    const from = new Date(Math.floor(Math.min(...launched.map((i) => i.launchTime)) / DAY) * DAY).toISOString().slice(0, 10);
    let total = 0;
    for (const region of regions) {
      const inRegion = rows.filter((r) => r.region === region);
      const before = inRegion.filter((r) => r.date < from).map((r) => r.amount).sort((a, b) => a - b);
      const days = new Set(data.costs.byServiceRegion.filter((r) => r.date < from).map((r) => r.date)).size;
      // Days with no row cost nothing: the median counts them as zero.
      const padded = [...Array(Math.max(0, days - before.length)).fill(0), ...before] as number[];
      const median = padded.length > 0 ? (padded[Math.floor((padded.length - 1) / 2)] as number) : 0;
      for (const r of inRegion) if (r.date >= from) total += Math.max(0, r.amount - median);
    }
    return { total: round(total), scope: `EC2 compute in ${regions.join(', ')} since ${from}, above each region's daily median before (days not final yet included)` };
  }
  const bill = findings.filter((f) => f.detector === 'bill-spike');
  const excess = bill.reduce((a, f) => a + (typeof f.evidence.excess === 'number' ? f.evidence.excess : 0), 0);
  return bill.length > 0 ? { total: round(excess), scope: 'the bill-spike findings\' cost above baseline over the flagged days' } : undefined;
}

const round = (n: number): number => Math.round(n * 100) / 100;

function incidentTitle(findings: Finding[], principals: Set<string>, launched: Instance[]): string {
  const who = [...principals].map((p) => userName(p) ?? p.split('/').pop() ?? p);
  const parts: string[] = [];
  if (launched.length > 0) parts.push(`${launched.length} instances launched in ${new Set(launched.map((i) => i.region)).size} regions`);
  const has = (d: string) => findings.some((f) => f.detector === d);
  if (has('sg-open-ingress')) parts.push('ports opened to the internet');
  if (has('iam-credential-activity')) parts.push('credentials created or misused');
  if (has('trail-tampering')) parts.push('logging tampered with');
  if (has('cpu-sustained') || has('network-spike')) parts.push('instances mining');
  if (has('bill-spike')) parts.push('bill spike');
  const subject = who.length > 0 ? `Activity of ${who.slice(0, 3).join(', ')}${who.length > 3 ? ` and ${who.length - 3} more` : ''}` : 'Unattributed activity';
  return `${subject}: ${parts.join(', ') || findings[0]?.title || 'findings'}`;
}

const KIND_OF: Record<string, TimelineKind> = {
  RunInstances: 'launch', CreateFleet: 'launch', RequestSpotInstances: 'launch', CreateAutoScalingGroup: 'launch',
  AuthorizeSecurityGroupIngress: 'ingress', ModifySecurityGroupRules: 'ingress', CreateSecurityGroup: 'ingress',
  CreateUser: 'iam', CreateAccessKey: 'iam', CreateLoginProfile: 'iam', AttachUserPolicy: 'iam', PutUserPolicy: 'iam',
  AttachRolePolicy: 'iam', ConsoleLogin: 'iam', UpdateLoginProfile: 'iam', AddUserToGroup: 'iam',
  StopLogging: 'tampering', DeleteTrail: 'tampering', UpdateTrail: 'tampering', PutEventSelectors: 'tampering',
  DeleteDetector: 'tampering', UpdateDetector: 'tampering', DeleteLogGroup: 'tampering', DeleteFlowLogs: 'tampering',
};

function timeline(findings: Finding[], principals: Set<string>, keys: Set<string>, ips: Set<string>, launched: Instance[], data: AuditData, span: { start: number; end: number }): TimelineEntry[] {
  const names = new Set([...principals].map(principalKey));
  const from = Number.isFinite(span.start) ? span.start - HOUR : data.window.start;
  const mine = (e: CloudTrailRecord) => {
    const byKey = e.userIdentity?.accessKeyId !== undefined && keys.has(e.userIdentity.accessKeyId);
    const byName = e.userIdentity?.arn !== undefined && names.has(principalKey(e.userIdentity.arn));
    // A stolen key also acts from its owner's usual places: keep the calls from the attacker's addresses.
    const fromAttacker = ips.size === 0 || ips.has(e.sourceIPAddress ?? '');
    return (byKey || byName) && fromAttacker && Date.parse(e.eventTime) >= from;
  };
  const entries: TimelineEntry[] = [];
  let last: TimelineEntry | undefined;
  let lastAt = 0;
  for (const e of data.cloudtrail.events.filter(mine)) {
    const at = Date.parse(e.eventTime);
    const kind = KIND_OF[e.eventName] ?? 'access';
    const failed = e.errorCode ? ` (${e.errorCode})` : '';
    if (last && last.eventName === e.eventName && last.region === e.awsRegion && at - lastAt <= FOLD_MS && !failed) {
      last.count = (last.count ?? 1) + 1;
      last.title = `${e.eventName} x${last.count}`;
      lastAt = at;
      continue;
    }
    last = { at: new Date(at).toISOString(), kind, title: `${e.eventName}${failed}`, region: e.awsRegion, eventName: e.eventName };
    lastAt = at;
    entries.push(last);
  }
  // The bill: the launched instances' regions' daily EC2 cost, from the first launch day.
  if (launched.length > 0) {
    const regions = new Set(launched.map((i) => i.region));
    const from = new Date(Math.floor(Math.min(...launched.map((i) => i.launchTime)) / DAY) * DAY).toISOString().slice(0, 10);
    const byDay = new Map<string, number>();
    for (const r of data.costs.byServiceRegion) if (regions.has(r.region) && r.date >= from) byDay.set(r.date, (byDay.get(r.date) ?? 0) + r.amount);
    for (const [date, amount] of [...byDay].sort()) {
      const dayEnd = Date.parse(`${date}T00:00:00Z`) + DAY - 1000;
      entries.push({ at: new Date(Math.min(dayEnd, data.now)).toISOString(), kind: 'cost', title: `EC2 cost that day in ${[...regions].join(', ')}`, amount: round(amount) });
    }
  }
  // Findings without an actor (a hijacked server's CPU, its traffic) mark when their signal began; the bill is in the cost entries.
  for (const f of findings) if (f.firstSeen && !f.actor && f.detector !== 'bill-spike') entries.push({ at: new Date(f.firstSeen).toISOString(), kind: 'detection', title: f.title, region: f.region });
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}

/** Hourly means of the flagged instances against the account's other running ones, for the charts. */
export function metricStory(findings: Finding[], data: AuditData): MetricStory[] {
  const flagged = new Set(findings
    .filter((f) => f.status !== 'resolved' && (f.detector === 'cpu-sustained' || f.detector === 'network-spike' || f.detector === 'fleet-spinup'))
    .flatMap((f) => f.resources.filter((r) => r.type === 'AWS::EC2::Instance').map((r) => r.id)));
  const out: MetricStory[] = [];
  // CPU is a percent; network datapoints are bytes a period, shown as MiB an hour.
  for (const [metric, unit] of [['CPUUtilization', 'percent'], ['NetworkOut', 'MiB per hour']] as const) {
    for (const group of ['flagged', 'normal'] as const) {
      const series = data.metrics.filter((m) => m.metric === metric && flagged.has(m.instanceId) === (group === 'flagged'));
      if (series.length === 0) continue;
      const sums = new Map<number, { sum: number; n: number }>();
      for (const s of series) {
        const scale = metric === 'CPUUtilization' ? 1 : 3600 / s.period / 1_048_576;
        for (let k = 0; k < s.timestamps.length; k++) {
          const hour = Math.floor((s.timestamps[k] as number) / HOUR) * HOUR;
          const cell = sums.get(hour) ?? { sum: 0, n: 0 };
          cell.sum += (s.values[k] as number) * scale;
          cell.n += 1;
          sums.set(hour, cell);
        }
      }
      const points = [...sums].sort((a, b) => a[0] - b[0]).map(([t, c]) => ({ t: new Date(t).toISOString(), value: round(c.sum / c.n) }));
      out.push({ metric, unit, group, instances: new Set(series.map((s) => s.instanceId)).size, points });
    }
  }
  return out;
}
