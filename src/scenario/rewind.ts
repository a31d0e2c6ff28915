// Rewinding a scenario: the account as its APIs would have answered at an earlier instant `at`,
// rebuilt from the scenario itself, mostly from its CloudTrail records. The result is a new
// scenario (nothing is shared with the input) whose `now` is `at`.
//
// Two kinds of time are at work. What *happened* by `at` is decided by eventTime: an instance
// launched a minute before `at` exists at `at`, and a rule opened a minute after `at` is not there
// yet. What an auditor could *see* at `at` is later: CloudTrail shows a call minutes after it is
// made (`cloudtrailDelayMs`), and Cost Explorer shows cost hours after it accrues (`costLagMs`).
//
// How the state at `at` is recovered from records: for every thing a record after `at` changed
// (a rule, a policy attachment, an instance's state, a key's status), the *first* such record
// after `at` says what the thing was just before it (an Authorize means the rule was absent, a
// Revoke that it was there, StopInstances' previousState the instance's state), or the last record
// at or before `at` says what it had become. Only successful calls (no errorCode) count. Records
// older than the scenario's history (CloudTrail keeps 90 days) cannot help, so things never
// touched after `at` are left as the scenario writes them.
//
// Reconstructed: CloudTrail events (by visibility), EC2 instances (launches, stops, starts,
// terminations, simple attributes and security groups set by ModifyInstanceAttribute; instances
// terminated after `at` and already gone from the inventory are rebuilt from their RunInstances
// record), security groups (creation; ingress and egress rules authorized or revoked), volumes and
// snapshots (by creation time), IAM (users, roles, groups, keys, login profiles and MFA devices by
// creation; key status, key and password last use, managed policy attachments, inline policies and
// group membership by their records), trails (creation, logging state and status times), GuardDuty
// (detectors created, deleted or disabled; findings by creation), CloudWatch series (truncated),
// costs (prorated by accrual and Cost Explorer's lag) and cost anomalies.
//
// Not reconstructed, because the records do not say enough: anything deleted after `at` whose
// description is not in a record (IAM users, security groups, trails, volumes, snapshots: their
// configuration is not in the Delete record); a public IPv4 address released by a stop after `at`;
// instance attributes other than the simple ones and groupSet (user data, instance type, ...);
// tags changed after `at`; ModifySecurityGroupRules; Elastic Load Balancing targets; the contents
// of organization members given as file paths (inline members are rewound).

import type {
  CloudTrailRecord,
  CostDailySeries,
  CostLineItem,
  IpPermission,
  Scenario,
  ScenarioAccount,
  ScenarioGroup,
  ScenarioInstance,
  ScenarioRole,
  ScenarioSecurityGroup,
  ScenarioTrail,
  ScenarioUser,
} from './types.js';

export interface RewindOptions {
  /**
   * How long after an API call its CloudTrail record becomes visible to LookupEvents. Default: a
   * deterministic 2-10 minutes per event derived from a hash of its eventID, mean 5 minutes
   * (`defaultCloudTrailDelayMs`).
   */
  cloudtrailDelayMs?: (record: CloudTrailRecord) => number;
  /** How long after cost accrues Cost Explorer shows it. Default 8 hours. */
  costLagMs?: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The default lag between cost accruing and Cost Explorer showing it. AWS refreshes billing data a few
 * times a day without promising when; 8 hours is this project's choice, not an AWS figure.
 */
export const DEFAULT_COST_LAG_MS = 8 * HOUR;

/**
 * The default CloudTrail delivery delay of a record: 2 to 10 minutes, derived from its eventID so
 * the same record always gets the same delay, with mean 5 minutes. AWS: "CloudTrail typically
 * delivers logs within an average of about 5 minutes of an API call. This time is not guaranteed."
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html).
 * The delay is 2 min + 8 min * u^(5/3) for u uniform in [0, 1): E[u^b] = 1/(b+1) = 3/8, so the mean
 * is 2 + 8 * 3/8 = 5 minutes, with a tail towards 10.
 */
export function defaultCloudTrailDelayMs(record: CloudTrailRecord): number {
  const u = hash32(String(record.eventID)) / 2 ** 32;
  return Math.round(2 * MINUTE + 8 * MINUTE * u ** (5 / 3));
}

/**
 * The scenario as its APIs would have answered at instant `at` (epoch ms, at most `scenario.now`),
 * with `now` = `at`. Returns a new scenario; the input is not changed. `simulation` is kept.
 */
export function rewindScenario(scenario: Scenario, at: number, options: RewindOptions = {}): Scenario {
  const originalNow = Date.parse(scenario.now);
  if (!Number.isFinite(at)) throw new RangeError(`rewind: ${String(at)} is not an instant (epoch milliseconds)`);
  if (Number.isNaN(originalNow)) throw new RangeError(`rewind: the scenario's now (${scenario.now}) is not an ISO-8601 instant`);
  if (at > originalNow) throw new RangeError(`rewind: ${isoString(at)} is after the scenario's now (${scenario.now}); a scenario can only be rewound`);
  const costLag = options.costLagMs ?? DEFAULT_COST_LAG_MS;
  if (!Number.isFinite(costLag) || costLag < 0) throw new RangeError(`rewind: costLagMs must be a non-negative number, got ${String(costLag)}`);
  const ctx: Ctx = { at, originalNow, costLag, delay: options.cloudtrailDelayMs ?? defaultCloudTrailDelayMs };

  const { now: _now, members, ...sections } = scenario as unknown as Obj;
  const body = rewindAccount(sections, ctx);
  // The scenario's own key order, then anything the rewind added (a GuardDuty section for a detector
  // that was deleted after `at`).
  const out: Obj = {};
  for (const key of Object.keys(scenario)) {
    if (key === 'now') out.now = at === originalNow ? scenario.now : isoString(at);
    else if (key === 'members' && Array.isArray(members)) {
      // An inline member is an account of its own, with its own records; a path is not read here.
      out.members = members.map((m: unknown) => (isObj(m) ? rewindAccount(m, ctx) : cloneJson(m)));
    } else if (key in body) out[key] = body[key];
  }
  for (const key of Object.keys(body)) if (!(key in out)) out[key] = body[key];
  return out as unknown as Scenario;
}

// --- Plumbing -------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

interface Ctx {
  at: number;
  originalNow: number;
  costLag: number;
  delay: (record: CloudTrailRecord) => number;
}

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function obj(value: unknown): Obj {
  return isObj(value) ? value : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** `{items: [...]}` as CloudTrail writes EC2 lists, or a bare array. */
function itemsOf(set: unknown): Obj[] {
  const list = Array.isArray(set) ? set : isObj(set) ? set.items : undefined;
  return Array.isArray(list) ? list.filter(isObj) : [];
}

function ms(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** ISO-8601 as the scenarios write it: without milliseconds when there are none. */
function isoString(t: number): string {
  return new Date(t).toISOString().replace('.000Z', 'Z');
}

/** FNV-1a and an avalanche step: a well-spread 32-bit hash. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A deep copy of JSON-like data (plain objects, arrays, primitives; anything else goes through
 * structuredClone). Several times faster than structuredClone on scenario-sized data.
 */
function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  return cloneObject(value as object) as T;
}

function cloneObject(value: object): unknown {
  if (Array.isArray(value)) {
    const n = value.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const v: unknown = value[i];
      out[i] = v !== null && typeof v === 'object' ? cloneObject(v) : v;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Obj = {};
  for (const key in value) {
    const v = (value as Obj)[key];
    out[key] = v !== null && typeof v === 'object' ? cloneObject(v) : v;
  }
  return out;
}

// --- The account's CloudTrail history -------------------------------------------------------------

interface Entry {
  record: CloudTrailRecord;
  time: number;
  seq: number;
}

/** The account's records, indexed once: successful calls by event name, oldest first. */
class History {
  readonly at: number;
  readonly all: Entry[] = [];
  private readonly byName = new Map<string, Entry[]>();

  constructor(records: readonly CloudTrailRecord[], at: number) {
    this.at = at;
    records.forEach((record, seq) => {
      const time = Date.parse(record.eventTime);
      if (Number.isNaN(time)) return;
      const entry = { record, time, seq };
      this.all.push(entry);
      if (record.errorCode) return;
      const list = this.byName.get(record.eventName);
      if (list) list.push(entry);
      else this.byName.set(record.eventName, [entry]);
    });
    for (const list of this.byName.values()) list.sort(byTime);
  }

  /** Successful calls of these names, oldest first. */
  named(...names: string[]): Entry[] {
    const lists = names.map((n) => this.byName.get(n) ?? []).filter((l) => l.length > 0);
    if (lists.length === 1) return lists[0]!;
    return lists.flat().sort(byTime);
  }

  after(...names: string[]): Entry[] {
    return this.named(...names).filter((e) => e.time > this.at);
  }

  upTo(...names: string[]): Entry[] {
    return this.named(...names).filter((e) => e.time <= this.at);
  }
}

function byTime(a: Entry, b: Entry): number {
  return a.time - b.time || a.seq - b.seq;
}

function request(e: Entry): Obj {
  return obj(e.record.requestParameters);
}

function response(e: Entry): Obj {
  return obj(e.record.responseElements);
}

/**
 * What each thing was at `at`, from the records that changed it: `first` is the first change after
 * `at` (what the thing was is what it stopped being), `last` the last change at or before `at`.
 */
function changes<K>(entries: Entry[], at: number, keysOf: (e: Entry) => K[]): { first: Map<K, Entry>; last: Map<K, Entry> } {
  const first = new Map<K, Entry>();
  const last = new Map<K, Entry>();
  for (const e of entries) {
    for (const key of keysOf(e)) {
      if (e.time <= at) last.set(key, e);
      else if (!first.has(key)) first.set(key, e);
    }
  }
  return { first, last };
}

// --- One account ----------------------------------------------------------------------------------

function rewindAccount(part: Obj, ctx: Ctx): Obj {
  // Read from the input's records; everything written goes into fresh copies.
  const records = (part.cloudtrail as ScenarioAccount['cloudtrail'])?.events ?? [];
  const history = new History(records, ctx.at);
  const out: Obj = {};
  for (const [key, value] of Object.entries(part)) {
    if (key === 'cloudtrail' && isObj(value)) out[key] = copyCloudTrail(value, history, ctx);
    else if (key === 'cloudwatch' && isObj(value)) out[key] = copyCloudWatch(value, ctx);
    else out[key] = cloneJson(value);
  }
  const account = out as unknown as ScenarioAccount;
  const accountId = str(obj(part.account).id) ?? '';
  rewindEc2(account, history, ctx);
  rewindIam(account, history, ctx);
  rewindTrails(account, history, ctx, accountId);
  rewindGuardDuty(account, history, ctx);
  rewindCosts(account, ctx);
  return out;
}

/** Events visible at `at` (eventTime + delivery delay <= at), copied; the rest of the section copied. */
function copyCloudTrail(section: Obj, history: History, ctx: Ctx): Obj {
  const out: Obj = {};
  for (const [key, value] of Object.entries(section)) {
    if (key !== 'events' || !Array.isArray(value)) {
      out[key] = cloneJson(value);
      continue;
    }
    const visible: CloudTrailRecord[] = [];
    // history.all: the records in scenario order, each with its parsed eventTime.
    for (const { record, time } of history.all) {
      if (time <= ctx.at && time + ctx.delay(record) <= ctx.at) visible.push(cloneJson(record));
    }
    out.events = visible;
  }
  return out;
}

/**
 * Each series cut to its datapoints that start before `at`. CloudWatch shows the period in progress
 * (a datapoint for [t, t+Period) is partial until t+Period), so a period that has started is kept.
 */
function copyCloudWatch(section: Obj, ctx: Ctx): Obj {
  const out: Obj = {};
  for (const [key, value] of Object.entries(section)) {
    if (key !== 'series' || !Array.isArray(value)) {
      out[key] = cloneJson(value);
      continue;
    }
    const series: Obj[] = [];
    for (const spec of value as Obj[]) {
      const values = Array.isArray(spec.Values) ? (spec.Values as unknown[]) : [];
      const start = ms(spec.Start);
      const step = (num(spec.Period) ?? 0) * SECOND;
      const count = start !== undefined && step > 0 ? Math.min(values.length, Math.max(0, Math.ceil((ctx.at - start) / step))) : values.length;
      if (count === 0) continue;
      const copy: Obj = {};
      for (const [k, v] of Object.entries(spec)) copy[k] = k === 'Values' ? values.slice(0, count) : cloneJson(v);
      series.push(copy);
    }
    out.series = series;
  }
  return out;
}

// --- EC2 ------------------------------------------------------------------------------------------

const STATE_CODES: Record<string, number> = {
  pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80,
};

/** ModifyInstanceAttribute's simple attributes: the instance key, and AWS's default (an instance launched without it). */
const SIMPLE_ATTRIBUTES: Record<string, { key: string; launched: boolean | string; kind: 'boolean' | 'string' }> = {
  disableApiTermination: { key: 'DisableApiTermination', launched: false, kind: 'boolean' },
  disableApiStop: { key: 'DisableApiStop', launched: false, kind: 'boolean' },
  sourceDestCheck: { key: 'SourceDestCheck', launched: true, kind: 'boolean' },
  instanceInitiatedShutdownBehavior: { key: 'InstanceInitiatedShutdownBehavior', launched: 'stop', kind: 'string' },
};

function rewindEc2(account: ScenarioAccount, history: History, ctx: Ctx): void {
  const ec2 = account.ec2;
  if (!ec2) return;
  const { at } = ctx;
  if (ec2.securityGroups) ec2.securityGroups = rewindSecurityGroups(ec2.securityGroups, history, at);
  if (ec2.instances) ec2.instances = rewindInstances(ec2.instances, ec2.securityGroups ?? [], history, at);
  if (ec2.volumes) ec2.volumes = ec2.volumes.filter((v) => !((ms(v.CreateTime) ?? -Infinity) > at));
  if (ec2.snapshots) ec2.snapshots = ec2.snapshots.filter((s) => !((ms(s.StartTime) ?? -Infinity) > at));
}

/** The instances a state-changing record names, with the item of each (previousState ...). */
function stateItems(e: Entry): Obj[] {
  const items = itemsOf(response(e).instancesSet);
  return items.length > 0 ? items : itemsOf(request(e).instancesSet);
}

function rewindInstances(instances: ScenarioInstance[], groups: ScenarioSecurityGroup[], history: History, at: number): ScenarioInstance[] {
  // Launches: which instances a RunInstances after `at` created, and the launch record of the others.
  const launchedAfter = new Set<string>();
  const launch = new Map<string, { entry: Entry; item: Obj }>();
  for (const e of history.named('RunInstances')) {
    for (const item of itemsOf(response(e).instancesSet)) {
      const id = str(item.instanceId);
      if (!id) continue;
      if (e.time > at) launchedAfter.add(id);
      else launch.set(id, { entry: e, item });
    }
  }
  // State changes: the first after `at` says what the state was at `at` (its previousState).
  const { first, last } = changes(history.named('StopInstances', 'StartInstances', 'TerminateInstances'), at, (e) => stateItems(e).map((item) => str(item.instanceId) ?? ''));
  const previous = new Map<string, string>();
  for (const [id, e] of first) {
    const item = stateItems(e).find((i) => i.instanceId === id);
    const given = str(obj(item?.previousState).name);
    previous.set(id, given ?? (e.record.eventName === 'StartInstances' ? 'stopped' : 'running'));
  }
  const lastStart = new Map<string, number>();
  for (const e of history.upTo('StartInstances')) for (const item of stateItems(e)) lastStart.set(str(item.instanceId) ?? '', e.time);
  const mods = new Map<string, Entry[]>();
  for (const e of history.named('ModifyInstanceAttribute')) {
    const id = str(request(e).instanceId);
    if (!id) continue;
    const list = mods.get(id);
    if (list) list.push(e);
    else mods.set(id, [e]);
  }
  const groupNames = new Map(groups.map((g) => [g.GroupId, g.GroupName]));

  const kept: ScenarioInstance[] = [];
  const present = new Set<string>();
  for (const instance of instances) {
    const id = instance.InstanceId;
    present.add(id);
    if ((ms(instance.LaunchTime) ?? -Infinity) > at) {
      // Launched after `at`; or started again after it, since EC2 resets LaunchTime at every start.
      const restarted = !launchedAfter.has(id) && first.get(id)?.record.eventName === 'StartInstances';
      const started = Math.max(launch.get(id)?.entry.time ?? -Infinity, lastStart.get(id) ?? -Infinity);
      if (!restarted || !Number.isFinite(started)) continue;
      instance.LaunchTime = isoString(started);
    }
    const state = previous.get(id);
    if (state) setState(instance, state);
    restoreAttributes(instance, mods.get(id) ?? [], launch.get(id), groupNames, at);
    kept.push(instance);
  }
  // Instances terminated after `at` that EC2 no longer lists: their RunInstances record describes them.
  for (const [id, { entry, item }] of launch) {
    const state = previous.get(id);
    if (present.has(id) || !state || last.get(id)?.record.eventName === 'TerminateInstances') continue;
    const rebuilt = instanceFromLaunch(entry, item, state);
    if (rebuilt) kept.push(rebuilt);
  }
  return kept;
}

function setState(instance: ScenarioInstance, name: string): void {
  if (instance.State.Name === name) return;
  instance.State = 'Code' in instance.State ? { Code: STATE_CODES[name] ?? 0, Name: name } : { Name: name };
  // A running instance has no transition reason; a stopped one's reason (and, after a start, its
  // public address, released at the stop) cannot be known.
  if (name === 'running' || name === 'pending') {
    delete instance.StateTransitionReason;
    delete instance.StateReason;
  }
}

/** The simple attributes and groupSet of `instance` at `at`, where a record after `at` changed them. */
function restoreAttributes(
  instance: ScenarioInstance,
  mods: Entry[],
  launched: { entry: Entry; item: Obj } | undefined,
  groupNames: Map<string, string>,
  at: number,
): void {
  if (!mods.some((e) => e.time > at)) return;
  const touched = new Set<string>();
  const valueAt = new Map<string, unknown>();
  for (const e of mods) {
    for (const [attribute, value] of attributeChanges(request(e))) {
      if (e.time > at) touched.add(attribute);
      else valueAt.set(attribute, value);
    }
  }
  const launchRequest = launched ? request(launched.entry) : {};
  for (const attribute of touched) {
    if (attribute === 'groupSet') {
      const ids = (valueAt.get('groupSet') as string[] | undefined)
        ?? (launched ? [...itemsOf(launched.item.groupSet), ...itemsOf(launchRequest.groupSet)].map((g) => str(g.groupId)).filter((g): g is string => g !== undefined) : []);
      // Without a record of the groups before, the instance keeps the groups the scenario gives it.
      if (ids.length === 0) continue;
      const groups = [...new Set(ids)].map((GroupId) => {
        const GroupName = groupNames.get(GroupId) ?? str(itemsOf(launched?.item.groupSet).find((g) => g.groupId === GroupId)?.groupName);
        return GroupName !== undefined ? { GroupId, GroupName } : { GroupId };
      });
      instance.SecurityGroups = groups;
      const eni = instance.NetworkInterfaces?.[0];
      if (eni && Array.isArray(eni.Groups)) eni.Groups = groups.map((g) => ({ ...g }));
      continue;
    }
    const spec = SIMPLE_ATTRIBUTES[attribute];
    if (!spec) continue;
    const atLaunch = launchRequest[attribute];
    const launchedWith = spec.kind === 'boolean' ? (typeof atLaunch === 'boolean' ? atLaunch : spec.launched) : (str(obj(atLaunch).value) ?? str(atLaunch) ?? spec.launched);
    const value = valueAt.has(attribute) ? valueAt.get(attribute) : launchedWith;
    // Absent means AWS's default, as the scenario format has it.
    if (value === spec.launched) delete instance[spec.key];
    else instance[spec.key] = value;
  }
}

/** The attributes a ModifyInstanceAttribute request sets: `{x: {value}}`, the legacy `attribute`/`value`, or `groupSet`. */
function attributeChanges(req: Obj): [string, unknown][] {
  const out: [string, unknown][] = [];
  const legacy = str(req.attribute);
  if (legacy && SIMPLE_ATTRIBUTES[legacy]) {
    const spec = SIMPLE_ATTRIBUTES[legacy]!;
    const value = req.value;
    out.push([legacy, spec.kind === 'boolean' ? value === true || value === 'true' : String(value)]);
  }
  for (const [attribute, spec] of Object.entries(SIMPLE_ATTRIBUTES)) {
    const given = req[attribute];
    if (!isObj(given) || !('value' in given)) continue;
    out.push([attribute, spec.kind === 'boolean' ? given.value === true || given.value === 'true' : String(given.value)]);
  }
  if (req.groupSet !== undefined) {
    const ids = itemsOf(req.groupSet).map((g) => str(g.groupId)).filter((g): g is string => g !== undefined);
    if (ids.length > 0) out.push(['groupSet', ids]);
  }
  return out;
}

/** An instance as DescribeInstances showed it, from its RunInstances record (user data is redacted there). */
function instanceFromLaunch(entry: Entry, item: Obj, state: string): ScenarioInstance | undefined {
  const req = request(entry);
  const type = str(item.instanceType) ?? str(req.instanceType);
  const id = str(item.instanceId);
  if (!type || !id) return undefined;
  const instance: ScenarioInstance = {
    InstanceId: id,
    InstanceType: type,
    LaunchTime: isoString(ms(item.launchTime) ?? entry.time),
    State: { Code: STATE_CODES[state] ?? 0, Name: state },
    Region: entry.record.awsRegion,
  };
  const image = str(item.imageId);
  if (image) instance.ImageId = image;
  const architecture = str(item.architecture);
  if (architecture) instance.Architecture = architecture;
  const az = str(obj(item.placement).availabilityZone);
  if (az) instance.Placement = { AvailabilityZone: az };
  const vpc = str(item.vpcId);
  if (vpc) instance.VpcId = vpc;
  const subnet = str(item.subnetId);
  if (subnet) instance.SubnetId = subnet;
  const ip = str(item.privateIpAddress);
  if (ip) instance.PrivateIpAddress = ip;
  const key = str(item.keyName) ?? str(itemsOf(obj(req.instancesSet).items)[0]?.keyName);
  if (key) instance.KeyName = key;
  const groups = itemsOf(item.groupSet).flatMap((g) => {
    const GroupId = str(g.groupId);
    const GroupName = str(g.groupName);
    return GroupId ? [GroupName ? { GroupId, GroupName } : { GroupId }] : [];
  });
  if (groups.length > 0) instance.SecurityGroups = groups;
  const cpu = obj(item.cpuOptions);
  const cores = num(cpu.coreCount);
  const threads = num(cpu.threadsPerCore);
  if (cores !== undefined && threads !== undefined) instance.CpuOptions = { CoreCount: cores, ThreadsPerCore: threads };
  const tags = itemsOf(req.tagSpecificationSet)
    .filter((s) => s.resourceType === 'instance')
    .flatMap((s) => (Array.isArray(s.tags) ? (s.tags as unknown[]) : itemsOf(s.tags)).filter(isObj))
    .flatMap((t) => (typeof t.key === 'string' ? [{ Key: t.key, Value: String(t.value ?? '') }] : []));
  if (tags.length > 0) instance.Tags = tags;
  return instance;
}

// --- Security groups ------------------------------------------------------------------------------

const PROTOCOL_NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', all: '-1' };
/** Protocols whose rules have ports (ICMP: type and code). */
const WITH_PORTS = new Set(['tcp', 'udp', 'icmp', 'icmpv6']);

type RuleKind = 'cidr' | 'ipv6' | 'group' | 'prefix';
const RULE_TARGETS: Record<RuleKind, { list: 'IpRanges' | 'Ipv6Ranges' | 'UserIdGroupPairs' | 'PrefixListIds'; field: string }> = {
  cidr: { list: 'IpRanges', field: 'CidrIp' },
  ipv6: { list: 'Ipv6Ranges', field: 'CidrIpv6' },
  group: { list: 'UserIdGroupPairs', field: 'GroupId' },
  prefix: { list: 'PrefixListIds', field: 'PrefixListId' },
};

/** One rule: a protocol and ports, and one target (a CIDR, an IPv6 CIDR, a group, a prefix list). */
interface Rule {
  groupId: string;
  isEgress: boolean;
  protocol: string;
  from?: number;
  to?: number;
  kind: RuleKind;
  value: string;
  description?: string;
  ruleId?: string;
}

function protocolOf(value: unknown): string {
  const text = String(value ?? '-1').toLowerCase();
  return PROTOCOL_NAMES[text] ?? text;
}

function ruleKey(r: Rule): string {
  const ports = WITH_PORTS.has(r.protocol) ? `${r.from ?? -1}:${r.to ?? -1}` : '';
  return [r.groupId, r.isEgress ? 'egress' : 'ingress', r.protocol, ports, r.kind, r.value.toLowerCase()].join('|');
}

/** The rules of a CloudTrail `ipPermissions` set (lower camel case, `items`, as EC2 records it). */
function rulesOfPermissions(set: unknown, groupId: string, isEgress: boolean): Rule[] {
  const rules: Rule[] = [];
  for (const p of itemsOf(set)) {
    const protocol = protocolOf(p.ipProtocol);
    const base = { groupId, isEgress, protocol, ...(WITH_PORTS.has(protocol) && { from: num(p.fromPort) ?? -1, to: num(p.toPort) ?? -1 }) };
    const add = (kind: RuleKind, value: unknown, description: unknown) => {
      const v = str(value);
      if (v) rules.push({ ...base, kind, value: v, ...(str(description) !== undefined && { description: str(description) }) });
    };
    for (const r of itemsOf(p.ipRanges)) add('cidr', r.cidrIp, r.description);
    for (const r of itemsOf(p.ipv6Ranges)) add('ipv6', r.cidrIpv6, r.description);
    for (const r of itemsOf(p.groups)) add('group', r.groupId, r.description);
    for (const r of itemsOf(p.prefixListIds)) add('prefix', r.prefixListId, r.description);
  }
  return rules;
}

/** A rule as EC2's SecurityGroupRule (`securityGroupRuleSet` / `revokedSecurityGroupRuleSet` items). */
function ruleOfRuleItem(item: Obj, fallbackGroupId: string | undefined): Rule | undefined {
  const groupId = str(item.groupId) ?? fallbackGroupId;
  if (!groupId) return undefined;
  const protocol = protocolOf(item.ipProtocol);
  const target: [RuleKind, string | undefined] | undefined =
    str(item.cidrIpv4) ? ['cidr', str(item.cidrIpv4)]
      : str(item.cidrIpv6) ? ['ipv6', str(item.cidrIpv6)]
        : str(item.prefixListId) ? ['prefix', str(item.prefixListId)]
          : str(item.referencedGroupId) ? ['group', str(item.referencedGroupId)]
            : str(obj(item.referencedGroupInfo).groupId) ? ['group', str(obj(item.referencedGroupInfo).groupId)]
              : undefined;
  if (!target?.[1]) return undefined;
  return {
    groupId,
    isEgress: item.isEgress === true || item.isEgress === 'true',
    protocol,
    ...(WITH_PORTS.has(protocol) && { from: num(item.fromPort) ?? -1, to: num(item.toPort) ?? -1 }),
    kind: target[0],
    value: target[1],
    ...(str(item.description) !== undefined && { description: str(item.description) }),
    ...(str(item.securityGroupRuleId) !== undefined && { ruleId: str(item.securityGroupRuleId) }),
  };
}

const RULE_EVENTS = ['AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress'];

function rewindSecurityGroups(groups: ScenarioSecurityGroup[], history: History, at: number): ScenarioSecurityGroup[] {
  const created = new Set(history.after('CreateSecurityGroup').map((e) => str(response(e).groupId)).filter((g): g is string => g !== undefined));
  const kept = groups.filter((g) => !created.has(g.GroupId));
  const byId = new Map(kept.map((g) => [g.GroupId, g]));
  const byName = new Map(kept.map((g) => [`${g.Region}|${g.GroupName}`, g]));

  // Rule ids AWS assigned, from every authorize's response: a revoke by id names only the id.
  const entries = history.named(...RULE_EVENTS);
  const byRuleId = new Map<string, Rule>();
  for (const e of entries) {
    for (const item of itemsOf(response(e).securityGroupRuleSet)) {
      const rule = ruleOfRuleItem(item, undefined);
      if (rule?.ruleId) byRuleId.set(rule.ruleId, rule);
    }
  }
  const groupOf = (e: Entry): string | undefined => {
    const req = request(e);
    return str(req.groupId) ?? byName.get(`${e.record.awsRegion}|${str(req.groupName) ?? ''}`)?.GroupId;
  };
  const rulesOf = (e: Entry): Rule[] => {
    const groupId = groupOf(e);
    if (!groupId) return [];
    const name = e.record.eventName;
    const isEgress = name.endsWith('Egress');
    const req = request(e);
    const res = response(e);
    if (name.startsWith('Revoke')) {
      // What a revoke removed: its revokedSecurityGroupRuleSet when the record has one, else what it asked
      // for (less what EC2 answered it did not know), else the rules its ids name.
      const revoked = itemsOf(res.revokedSecurityGroupRuleSet).map((item) => ruleOfRuleItem(item, groupId)).filter((r): r is Rule => r !== undefined);
      if (revoked.length > 0) return revoked;
      if (req.ipPermissions !== undefined) {
        const unknown = new Set(rulesOfPermissions(res.unknownIpPermissionSet, groupId, isEgress).map(ruleKey));
        return rulesOfPermissions(req.ipPermissions, groupId, isEgress).filter((r) => !unknown.has(ruleKey(r)));
      }
      return itemsOf(req.securityGroupRuleIds).map((i) => byRuleId.get(str(i.securityGroupRuleId) ?? '')).filter((r): r is Rule => r !== undefined);
    }
    if (req.ipPermissions !== undefined) {
      const rules = rulesOfPermissions(req.ipPermissions, groupId, isEgress);
      const ids = new Map(itemsOf(res.securityGroupRuleSet).map((item) => ruleOfRuleItem(item, groupId)).filter((r): r is Rule => r?.ruleId !== undefined).map((r) => [ruleKey(r), r.ruleId]));
      return rules.map((r) => (ids.has(ruleKey(r)) ? { ...r, ruleId: ids.get(ruleKey(r)) } : r));
    }
    // The legacy flat form: one CIDR, protocol and ports at the top of the request.
    const cidr = str(req.cidrIp);
    if (!cidr) return [];
    const protocol = protocolOf(req.ipProtocol);
    return [{ groupId, isEgress, protocol, ...(WITH_PORTS.has(protocol) && { from: num(req.fromPort) ?? -1, to: num(req.toPort) ?? -1 }), kind: 'cidr', value: cidr }];
  };

  // The first change of each rule after `at`: an authorize means the rule was absent, a revoke that it was there.
  const first = new Map<string, { rule: Rule; authorize: boolean }>();
  for (const e of entries) {
    if (e.time <= at) continue;
    const authorize = e.record.eventName.startsWith('Authorize');
    for (const rule of rulesOf(e)) {
      const key = ruleKey(rule);
      if (!first.has(key)) first.set(key, { rule, authorize });
    }
  }
  for (const { rule, authorize } of first.values()) {
    const group = byId.get(rule.groupId);
    if (!group) continue;
    if (authorize) removeRule(group, rule);
    else addRule(group, rule);
  }
  return kept;
}

function samePermission(p: IpPermission, rule: Rule): boolean {
  if (protocolOf(p.IpProtocol) !== rule.protocol) return false;
  return !WITH_PORTS.has(rule.protocol) || ((p.FromPort ?? -1) === rule.from && (p.ToPort ?? -1) === rule.to);
}

function sameValue(kind: RuleKind, a: unknown, b: string): boolean {
  return typeof a === 'string' && (kind === 'ipv6' ? a.toLowerCase() === b.toLowerCase() : a === b);
}

function hasTargets(p: IpPermission): boolean {
  return Object.values(RULE_TARGETS).some(({ list }) => ((p as unknown as Obj)[list] as unknown[] | undefined)?.length);
}

function removeRule(group: ScenarioSecurityGroup, rule: Rule): void {
  const { list, field } = RULE_TARGETS[rule.kind];
  const permissions = rule.isEgress ? group.IpPermissionsEgress : group.IpPermissions;
  const kept = permissions.filter((p) => {
    if (!samePermission(p, rule)) return true;
    const targets = (p as unknown as Obj)[list];
    if (!Array.isArray(targets)) return true;
    const left = targets.filter((t) => !(isObj(t) && sameValue(rule.kind, t[field], rule.value)));
    if (left.length === targets.length) return true;
    if (left.length > 0) (p as unknown as Obj)[list] = left;
    else delete (p as unknown as Obj)[list];
    return hasTargets(p);
  });
  if (rule.isEgress) group.IpPermissionsEgress = kept;
  else group.IpPermissions = kept;
}

function addRule(group: ScenarioSecurityGroup, rule: Rule): void {
  const { list, field } = RULE_TARGETS[rule.kind];
  const permissions = rule.isEgress ? group.IpPermissionsEgress : group.IpPermissions;
  let permission = permissions.find((p) => samePermission(p, rule));
  if (!permission) {
    permission = { IpProtocol: rule.protocol, ...(WITH_PORTS.has(rule.protocol) && { FromPort: rule.from, ToPort: rule.to }) };
    permissions.push(permission);
  }
  const targets = ((permission as unknown as Obj)[list] ??= []) as Obj[];
  if (targets.some((t) => sameValue(rule.kind, t[field], rule.value))) return;
  targets.push({
    [field]: rule.value,
    ...(rule.description !== undefined && { Description: rule.description }),
    ...(rule.ruleId !== undefined && { SecurityGroupRuleId: rule.ruleId }),
  });
}

// --- IAM ------------------------------------------------------------------------------------------

type PrincipalKind = 'user' | 'role' | 'group';

const POLICY_EVENTS: Record<string, { kind: PrincipalKind; attach: boolean }> = {
  AttachUserPolicy: { kind: 'user', attach: true }, DetachUserPolicy: { kind: 'user', attach: false },
  AttachRolePolicy: { kind: 'role', attach: true }, DetachRolePolicy: { kind: 'role', attach: false },
  AttachGroupPolicy: { kind: 'group', attach: true }, DetachGroupPolicy: { kind: 'group', attach: false },
};

const INLINE_EVENTS: Record<string, { kind: PrincipalKind; put: boolean }> = {
  PutUserPolicy: { kind: 'user', put: true }, DeleteUserPolicy: { kind: 'user', put: false },
  PutRolePolicy: { kind: 'role', put: true }, DeleteRolePolicy: { kind: 'role', put: false },
  PutGroupPolicy: { kind: 'group', put: true }, DeleteGroupPolicy: { kind: 'group', put: false },
};

type Principal = ScenarioUser | ScenarioRole | ScenarioGroup;

function createdBy(value: string | undefined, at: number): boolean {
  return !((ms(value) ?? -Infinity) > at);
}

function rewindIam(account: ScenarioAccount, history: History, ctx: Ctx): void {
  const iam = account.iam;
  if (!iam) return;
  const { at } = ctx;
  if (iam.users) iam.users = iam.users.filter((u) => createdBy(u.CreateDate, at));
  if (iam.roles) iam.roles = iam.roles.filter((r) => createdBy(r.CreateDate, at));
  if (iam.groups) iam.groups = iam.groups.filter((g) => createdBy(g.CreateDate, at));
  const users = new Map((iam.users ?? []).map((u) => [u.UserName, u]));
  const principals: Record<PrincipalKind, Map<string, Principal>> = {
    user: users,
    role: new Map((iam.roles ?? []).map((r) => [r.RoleName, r])),
    group: new Map((iam.groups ?? []).map((g) => [g.GroupName, g])),
  };
  const principalOf = (kind: PrincipalKind, e: Entry): Principal | undefined => principals[kind].get(str(request(e)[`${kind}Name`]) ?? '');

  // The latest use at or before `at` of each access key and role, and each user's latest console sign-in.
  const keyUse = new Map<string, Entry>();
  const roleUse = new Map<string, Entry>();
  const signIn = new Map<string, Entry>();
  let rootSignIn: Entry | undefined;
  for (const e of history.all) {
    if (e.time > at) continue;
    const identity = e.record.userIdentity;
    const keyId = str(identity?.accessKeyId);
    if (keyId && !((keyUse.get(keyId)?.time ?? -Infinity) > e.time)) keyUse.set(keyId, e);
    const issuer = identity?.sessionContext?.sessionIssuer;
    const roleArn = identity?.type === 'AssumedRole' && issuer?.type === 'Role' ? str(issuer.arn) : undefined;
    const assumed = !e.record.errorCode && e.record.eventName.startsWith('AssumeRole') ? str(request(e).roleArn) : undefined;
    for (const arn of [roleArn, assumed]) if (arn && !((roleUse.get(arn)?.time ?? -Infinity) > e.time)) roleUse.set(arn, e);
    if (e.record.eventName === 'ConsoleLogin' && obj(e.record.responseElements).ConsoleLogin === 'Success') {
      if (identity?.type === 'Root') rootSignIn = e;
      else if (identity?.type === 'IAMUser') {
        const name = str(identity.userName) ?? str(identity.arn)?.split('/').pop();
        if (name) signIn.set(name, e);
      }
    }
  }
  const lastUse = (e: Entry) => ({ LastUsedDate: isoString(e.time), ServiceName: e.record.eventSource.replace(/\.amazonaws\.com$/, ''), Region: e.record.awsRegion });

  // Keys: deleted after `at` (restored when their creation is on record), status, last use.
  const keyOf = (e: Entry) => [str(request(e).accessKeyId) ?? ''];
  const updates = changes(history.named('UpdateAccessKey'), at, keyOf);
  const keyCreated = new Map<string, Entry>();
  for (const e of history.upTo('CreateAccessKey')) {
    const id = str(obj(response(e).accessKey).accessKeyId);
    if (id) keyCreated.set(id, e);
  }
  // A key's status at `at`: what its last update at or before `at` set; else Active when its creation is
  // on record (keys are created Active); else the opposite of what the first update after `at` set.
  const statusAt = (keyId: string): 'Active' | 'Inactive' | undefined => {
    const set = (e: Entry | undefined) => (e ? (str(request(e).status) === 'Inactive' ? 'Inactive' : 'Active') : undefined);
    const next = set(updates.first.get(keyId));
    return set(updates.last.get(keyId)) ?? (keyCreated.has(keyId) ? 'Active' : next && (next === 'Active' ? 'Inactive' : 'Active'));
  };
  for (const [keyId, e] of changes(history.named('DeleteAccessKey'), at, keyOf).first) {
    const created = keyCreated.get(keyId);
    const userName = str(request(e).userName) ?? str(obj(response(created ?? e).accessKey).userName) ?? str(e.record.userIdentity?.userName);
    const user = users.get(userName ?? '');
    if (!created || !user || user.AccessKeys?.some((k) => k.AccessKeyId === keyId)) continue;
    const used = keyUse.get(keyId);
    (user.AccessKeys ??= []).push({ AccessKeyId: keyId, Status: statusAt(keyId) ?? 'Active', CreateDate: isoString(created.time), ...(used && { LastUsed: lastUse(used) }) });
  }
  const profiles = changes(history.named('CreateLoginProfile', 'DeleteLoginProfile'), at, (e) => [str(request(e).userName) ?? '']);
  const mfa = changes(history.named('EnableMFADevice', 'DeactivateMFADevice'), at, (e) => [`${str(request(e).userName) ?? ''}|${str(request(e).serialNumber) ?? ''}`]);

  for (const user of iam.users ?? []) {
    if (user.AccessKeys) {
      user.AccessKeys = user.AccessKeys.filter((k) => createdBy(k.CreateDate, at));
      for (const key of user.AccessKeys) {
        const status = updates.first.has(key.AccessKeyId) ? statusAt(key.AccessKeyId) : undefined;
        if (status) key.Status = status;
        if (!createdBy(key.LastUsed?.LastUsedDate, at)) {
          const used = keyUse.get(key.AccessKeyId);
          if (used) key.LastUsed = lastUse(used);
          else delete key.LastUsed;
        }
      }
    }
    if (user.LoginProfile && !createdBy(user.LoginProfile.CreateDate, at)) delete user.LoginProfile;
    const profileDeleted = profiles.first.get(user.UserName);
    const profileCreated = profiles.last.get(user.UserName);
    if (!user.LoginProfile && profileDeleted?.record.eventName === 'DeleteLoginProfile' && profileCreated?.record.eventName === 'CreateLoginProfile') {
      const reset = request(profileCreated).passwordResetRequired;
      user.LoginProfile = { CreateDate: isoString(profileCreated.time), ...(typeof reset === 'boolean' && { PasswordResetRequired: reset }) };
    }
    if (user.MFADevices) user.MFADevices = user.MFADevices.filter((d) => createdBy(d.EnableDate, at));
    for (const [key, e] of mfa.first) {
      const [userName, serial] = key.split('|') as [string, string];
      const enabled = mfa.last.get(key);
      if (userName !== user.UserName || e.record.eventName !== 'DeactivateMFADevice' || enabled?.record.eventName !== 'EnableMFADevice') continue;
      if (!user.MFADevices?.some((d) => d.SerialNumber === serial)) (user.MFADevices ??= []).push({ SerialNumber: serial, EnableDate: isoString(enabled.time) });
    }
    if (!createdBy(user.PasswordLastUsed, at)) {
      const login = signIn.get(user.UserName);
      if (login) user.PasswordLastUsed = isoString(login.time);
      else delete user.PasswordLastUsed;
    }
  }
  for (const role of iam.roles ?? []) {
    if (createdBy(role.RoleLastUsed?.LastUsedDate, at)) continue;
    const used = roleUse.get(role.Arn);
    if (used) role.RoleLastUsed = { LastUsedDate: isoString(used.time), Region: used.record.awsRegion };
    else delete role.RoleLastUsed;
  }
  if (iam.root && !createdBy(iam.root.passwordLastUsed, at)) {
    if (rootSignIn) iam.root.passwordLastUsed = isoString(rootSignIn.time);
    else delete iam.root.passwordLastUsed;
  }

  // Managed policies: attached after `at` means not attached at `at`; detached after `at` means attached.
  const attachments = changes(history.named(...Object.keys(POLICY_EVENTS)), at, (e) => {
    const spec = POLICY_EVENTS[e.record.eventName]!;
    return [`${spec.kind}|${str(request(e)[`${spec.kind}Name`]) ?? ''}|${str(request(e).policyArn) ?? ''}`];
  });
  for (const e of attachments.first.values()) {
    const spec = POLICY_EVENTS[e.record.eventName]!;
    const principal = principalOf(spec.kind, e);
    const arn = str(request(e).policyArn);
    if (!principal || !arn) continue;
    const attached = principal.AttachedPolicies ?? [];
    if (spec.attach) {
      const kept = attached.filter((p) => p.PolicyArn !== arn);
      if (kept.length > 0) principal.AttachedPolicies = kept;
      else delete principal.AttachedPolicies;
    } else if (!attached.some((p) => p.PolicyArn === arn)) {
      principal.AttachedPolicies = [...attached, { PolicyName: arn.split('/').pop() ?? arn, PolicyArn: arn }];
    }
  }

  // Inline policies: the document at `at` is the last Put at or before it; a Delete (or, when the first
  // change after `at` is a Put and nothing earlier is on record, no policy) means none. A policy deleted
  // after `at` whose Put is not on record cannot be rebuilt.
  const inline = changes(history.named(...Object.keys(INLINE_EVENTS)), at, (e) => {
    const spec = INLINE_EVENTS[e.record.eventName]!;
    return [`${spec.kind}|${str(request(e)[`${spec.kind}Name`]) ?? ''}|${str(request(e).policyName) ?? ''}`];
  });
  for (const [key, e] of inline.first) {
    const spec = INLINE_EVENTS[e.record.eventName]!;
    const principal = principalOf(spec.kind, e);
    const name = str(request(e).policyName);
    if (!principal || !name) continue;
    const before = inline.last.get(key);
    if (before && INLINE_EVENTS[before.record.eventName]?.put) {
      (principal.InlinePolicies ??= {})[name] = policyDocument(request(before).policyDocument);
    } else if (before || spec.put) {
      if (principal.InlinePolicies) {
        delete principal.InlinePolicies[name];
        if (Object.keys(principal.InlinePolicies).length === 0) delete principal.InlinePolicies;
      }
    }
  }

  // Group membership.
  const membership = changes(history.named('AddUserToGroup', 'RemoveUserFromGroup'), at, (e) => [`${str(request(e).userName) ?? ''}|${str(request(e).groupName) ?? ''}`]);
  for (const e of membership.first.values()) {
    const user = users.get(str(request(e).userName) ?? '');
    const group = str(request(e).groupName);
    if (!user || !group) continue;
    if (e.record.eventName === 'AddUserToGroup') {
      const kept = (user.Groups ?? []).filter((g) => g !== group);
      if (kept.length > 0) user.Groups = kept;
      else delete user.Groups;
    } else if (!user.Groups?.includes(group)) {
      user.Groups = [...(user.Groups ?? []), group];
    }
  }
}


/** A policy document as CloudTrail records it (a JSON string, sometimes URL-encoded), as the scenario holds it. */
function policyDocument(value: unknown): unknown {
  if (typeof value !== 'string') return cloneJson(value);
  for (const text of [value, safeDecode(value)]) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // try the next form
    }
  }
  return value;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// --- CloudTrail trails ----------------------------------------------------------------------------

const TRAIL_STATUS_TIMES = [
  'LatestDeliveryTime', 'LatestNotificationTime', 'LatestCloudWatchLogsDeliveryTime', 'LatestDigestDeliveryTime',
  'LatestDeliveryAttemptTime', 'LatestNotificationAttemptTime', 'LatestDeliveryAttemptSucceeded',
  'LatestNotificationAttemptSucceeded', 'TimeLoggingStarted', 'TimeLoggingStopped',
];

/**
 * How often a logging trail delivers (CloudTrail "publishes log files multiple times an hour, about
 * every 5 minutes"; digest files hourly): a delivery time after `at` becomes the last such instant.
 */
const DELIVERY_CADENCE: Record<string, number> = {
  LatestDeliveryTime: 5 * MINUTE,
  LatestCloudWatchLogsDeliveryTime: 5 * MINUTE,
  LatestDigestDeliveryTime: HOUR,
};

function rewindTrails(account: ScenarioAccount, history: History, ctx: Ctx, accountId: string): void {
  const section = account.cloudtrail;
  if (!section?.trails) return;
  const { at } = ctx;
  const arnOf = (t: ScenarioTrail) => t.TrailARN ?? `arn:aws:cloudtrail:${t.HomeRegion}:${accountId}:trail/${t.Name}`;
  const names = (t: ScenarioTrail) => new Set([t.Name, arnOf(t)]);
  const createdAfter = history.after('CreateTrail').flatMap((e) => [str(request(e).name), str(response(e).trailARN), str(response(e).name)]).filter((n): n is string => n !== undefined);
  section.trails = section.trails.filter((t) => {
    const own = names(t);
    return !createdAfter.some((n) => own.has(n));
  });
  const switches = history.named('StartLogging', 'StopLogging');
  for (const trail of section.trails) {
    const own = names(trail);
    const mine = switches.filter((e) => own.has(str(request(e).name) ?? ''));
    const before = mine.filter((e) => e.time <= at);
    const next = mine.find((e) => e.time > at);
    const latest = (name: string) => [...before].reverse().find((e) => e.record.eventName === name)?.time;
    let logging: boolean;
    if (next) logging = next.record.eventName === 'StopLogging';
    else {
      logging = trail.IsLogging;
      if (!logging && (ms(trail.StopLoggingTime) ?? -Infinity) > at) logging = true;
      else if (logging && (ms(trail.StartLoggingTime) ?? -Infinity) > at) logging = false;
    }
    trail.IsLogging = logging;
    for (const [member, name] of [['StopLoggingTime', 'StopLogging'], ['StartLoggingTime', 'StartLogging']] as const) {
      if (createdBy(trail[member], at)) continue;
      const t = latest(name);
      if (t !== undefined) trail[member] = isoString(t);
      else delete trail[member];
    }
    for (const member of TRAIL_STATUS_TIMES) {
      const t = ms(trail[member]);
      if (t === undefined || t <= at || typeof trail[member] !== 'string') continue;
      const cadence = DELIVERY_CADENCE[member];
      if (logging && cadence) trail[member] = isoString(Math.floor(at / cadence) * cadence);
      else delete trail[member];
    }
  }
}

// --- GuardDuty ------------------------------------------------------------------------------------

function rewindGuardDuty(account: ScenarioAccount, history: History, ctx: Ctx): void {
  const { at } = ctx;
  const lifecycle = changes(history.named('CreateDetector', 'DeleteDetector', 'UpdateDetector'), at, (e) => [str(request(e).detectorId) ?? str(response(e).detectorId) ?? '']);
  const deleted = [...lifecycle.first.values()].filter((e) => e.record.eventName === 'DeleteDetector');
  if (!account.guardduty && deleted.length === 0) return;
  const gd = (account.guardduty ??= {});
  const created = new Set(history.after('CreateDetector').map((e) => str(response(e).detectorId)).filter((d): d is string => d !== undefined));
  let detectors = (gd.detectors ?? []).filter((d) => !created.has(d.DetectorId) && createdBy(str((d as Obj).CreatedAt), at));
  for (const e of deleted) {
    const id = str(request(e).detectorId);
    if (id && !detectors.some((d) => d.DetectorId === id)) detectors.push({ Region: e.record.awsRegion, DetectorId: id, Status: 'ENABLED' });
  }
  // A detector enabled or disabled after `at` had the status its last change at or before `at` (or its
  // creation) gave it; with neither on record, the opposite of what the first change after `at` set.
  const enabled = (e: Entry) => { const v = request(e).enable; return v !== false && v !== 'false'; };
  detectors = detectors.map((d) => {
    const next = lifecycle.first.get(d.DetectorId);
    if (next?.record.eventName !== 'UpdateDetector') return d;
    const before = lifecycle.last.get(d.DetectorId);
    const on = before ? enabled(before) : !enabled(next);
    return { ...d, Status: on ? 'ENABLED' : 'DISABLED' };
  });
  if (gd.detectors || detectors.length > 0) gd.detectors = detectors;
  if (gd.findings) gd.findings = gd.findings.filter((f) => createdBy(str(f.CreatedAt), at)).map((f) => clampFinding(f, at));
}

/** A finding as it stood at `at`: last updated and last seen no later than `at`, its count scaled to match. */
function clampFinding(finding: Obj, at: number): Obj {
  if ((ms(finding.UpdatedAt) ?? -Infinity) > at) finding.UpdatedAt = isoString(at);
  const service = finding.Service;
  if (isObj(service)) {
    const firstSeen = ms(service.EventFirstSeen);
    const lastSeen = ms(service.EventLastSeen);
    if (lastSeen !== undefined && lastSeen > at) {
      service.EventLastSeen = isoString(at);
      const count = num(service.Count);
      // An estimate: the count grows evenly between first and last sighting.
      if (count !== undefined && firstSeen !== undefined && lastSeen > firstSeen) {
        service.Count = Math.max(1, Math.round((count * Math.max(0, at - firstSeen)) / (lastSeen - firstSeen)));
      }
    }
  }
  return finding;
}

// --- Costs ----------------------------------------------------------------------------------------

/**
 * The share of day `dayStartMs`'s written cost that Cost Explorer shows at `at`. The scenario's cost
 * of a day accrued evenly over the part of it before the scenario's own now (the whole day, except
 * for now's day, which is partial); Cost Explorer shows what accrued by `at - costLag`. For whole days
 * this is clamp((at - costLag - D_start) / 1 day, 0, 1).
 */
function visibleShare(dayStartMs: number, ctx: Ctx): number {
  const cutoff = ctx.at - ctx.costLag;
  const accruedUntil = Math.min(dayStartMs + DAY, ctx.originalNow);
  if (accruedUntil <= dayStartMs) return cutoff >= ctx.originalNow ? 1 : 0;
  return Math.min(1, Math.max(0, (cutoff - dayStartMs) / (accruedUntil - dayStartMs)));
}

function dayMs(date: string): number | undefined {
  return ms(`${date.slice(0, 10)}T00:00:00Z`);
}

function rewindCosts(account: ScenarioAccount, ctx: Ctx): void {
  const costs = account.costs;
  if (!costs) return;
  if (costs.lineItems) {
    const items: CostLineItem[] = [];
    for (const item of costs.lineItems) {
      const day = dayMs(item.date);
      const share = day === undefined ? 1 : visibleShare(day, ctx);
      if (share <= 0) continue;
      if (share < 1) {
        item.amount *= share;
        if (item.usageQuantity !== undefined) item.usageQuantity *= share;
      }
      items.push(item);
    }
    costs.lineItems = items;
  }
  if (costs.daily) {
    const series: CostDailySeries[] = [];
    for (const s of costs.daily) {
      const start = dayMs(s.start);
      if (start === undefined) {
        series.push(s);
        continue;
      }
      const amounts: number[] = [];
      for (let k = 0; k < s.amounts.length; k++) {
        const share = visibleShare(start + k * DAY, ctx);
        if (share <= 0) break;
        const amount = s.amounts[k]!;
        amounts.push(share < 1 ? amount * share : amount);
      }
      if (amounts.length === 0) continue;
      s.amounts = amounts;
      series.push(s);
    }
    costs.daily = series;
  }
  if (costs.anomalies) {
    // An anomaly is seen from its start; one that ended after `at` was still open at `at`.
    const startOf = (value: unknown) => (typeof value === 'string' && value.length === 10 ? dayMs(value) : ms(value));
    costs.anomalies = costs.anomalies.filter((a) => !((startOf(a.AnomalyStartDate) ?? -Infinity) > ctx.at));
    for (const a of costs.anomalies) if ((startOf(a.AnomalyEndDate) ?? -Infinity) > ctx.at) delete a.AnomalyEndDate;
  }
}
