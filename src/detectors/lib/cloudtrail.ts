// CloudTrail record helpers shared by the detectors: who acted (with the assumed-role session
// issuer as the principal), whether the call succeeded, and which records fall in the window.

import type { AuditData, CloudTrailRecord } from '../../providers/types.js';
import type { Actor } from '../types.js';
import type { Remediation } from './finding.js';
import { field, str } from './json.js';
import { eventTimeMs } from './time.js';

/** Who made one call. `arn` is the principal: the role for an assumed-role session, else the user, root or service. */
export interface RecordActor {
  arn: string;
  /** The session's own ARN (arn:aws:sts::...:assumed-role/Role/session) for assumed roles. */
  sessionArn?: string;
  /** userIdentity.type: IAMUser, AssumedRole, Root, FederatedUser, AWSService ... */
  type: string;
  userName?: string;
  accessKeyId?: string;
  sourceIP?: string;
  userAgent?: string;
  /** The AWS service that made the call on the principal's behalf (autoscaling.amazonaws.com ...). */
  invokedBy?: string;
}

export function actorOf(record: CloudTrailRecord): RecordActor {
  const id = record.userIdentity ?? {};
  const type = id.type ?? 'Unknown';
  const issuer = id.sessionContext?.sessionIssuer;
  const isSession = type === 'AssumedRole' && str(issuer?.arn) !== undefined;
  const arn = (isSession ? issuer?.arn : undefined) ?? str(id.arn) ?? str(id.invokedBy) ?? str(id.principalId) ?? type;
  const actor: RecordActor = { arn, type };
  if (isSession && id.arn) actor.sessionArn = id.arn;
  const userName = str(id.userName) ?? (isSession ? str(issuer?.userName) : undefined);
  if (userName) actor.userName = userName;
  if (str(id.accessKeyId)) actor.accessKeyId = id.accessKeyId;
  if (str(record.sourceIPAddress)) actor.sourceIP = record.sourceIPAddress;
  if (str(record.userAgent)) actor.userAgent = record.userAgent;
  if (str(id.invokedBy)) actor.invokedBy = id.invokedBy;
  return actor;
}

/** The IAM user name behind a call (IAMUser type), for "did they act on another user" checks. */
export function callerUserName(record: CloudTrailRecord): string | undefined {
  return record.userIdentity?.type === 'IAMUser' ? str(record.userIdentity.userName) : undefined;
}

/**
 * Whether AWS made the call for the principal: an `invokedBy` service, an AWSService identity,
 * or a session of a principal matching one of `patterns` (substrings of the principal ARN or of
 * invokedBy, e.g. "AWSServiceRoleForAutoScaling", "autoscaling.amazonaws.com").
 */
export function isServiceCall(record: CloudTrailRecord, patterns: readonly string[]): boolean {
  const actor = actorOf(record);
  const haystack = [actor.arn, actor.sessionArn ?? '', actor.invokedBy ?? ''];
  return patterns.some((p) => haystack.some((h) => h.includes(p)));
}

/** A call that AWS carried out: no errorCode, and for ConsoleLogin a "Success" answer. */
export function succeeded(record: CloudTrailRecord): boolean {
  if (record.errorCode) return false;
  if (record.eventName === 'ConsoleLogin') return field(record.responseElements, 'ConsoleLogin') !== 'Failure';
  return true;
}

/** Source "IPs" that are AWS itself (service principals, "AWS Internal"), not a network address. */
export function isAwsSourceAddress(address: string | undefined): boolean {
  if (!address) return true;
  return address === 'AWS Internal' || address.endsWith('.amazonaws.com');
}

/** Records with one of `names`, optionally only successful ones, in [from, to] (defaults: all time). */
export function eventsNamed(
  data: AuditData,
  names: Iterable<string>,
  opts: { from?: number; to?: number; successfulOnly?: boolean } = {},
): CloudTrailRecord[] {
  const wanted = new Set(names);
  const from = opts.from ?? -Infinity;
  const to = opts.to ?? Infinity;
  return data.cloudtrail.events.filter((r) => {
    if (!wanted.has(r.eventName)) return false;
    const t = eventTimeMs(r);
    if (!(t >= from && t <= to)) return false;
    return opts.successfulOnly ? succeeded(r) : true;
  });
}

/** Events in the audit window. */
export function windowEvents(data: AuditData, names: Iterable<string>, successfulOnly = true): CloudTrailRecord[] {
  return eventsNamed(data, names, { from: data.window.start, to: data.window.end, successfulOnly });
}

/** The most frequent value, ties broken by first appearance. */
function mostCommon(values: (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = 0;
  for (const [v, c] of counts) {
    if (c > bestCount) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

const MAX_SOURCE_IPS = 20;

/**
 * One finding's actor from the calls it is about: the principal and access key used most, every
 * network source address (bounded), and the user agent used most. Never secrets: CloudTrail
 * records carry none, and only these fields are copied.
 */
export function findingActor(actors: readonly RecordActor[]): Actor | undefined {
  const arn = mostCommon(actors.map((a) => a.arn));
  if (!arn) return undefined;
  const own = actors.filter((a) => a.arn === arn);
  const actor: Actor = { arn };
  const key = mostCommon(own.map((a) => a.accessKeyId));
  if (key) actor.accessKeyId = key;
  const ips = distinct(own.map((a) => a.sourceIP).filter((ip) => !isAwsSourceAddress(ip)));
  if (ips.length > 0) actor.sourceIPs = ips.slice(0, MAX_SOURCE_IPS);
  const agent = mostCommon(own.map((a) => a.userAgent));
  if (agent) actor.userAgent = agent;
  return actor;
}

export function distinct<T>(values: Iterable<T | undefined>): T[] {
  const out: T[] = [];
  const seen = new Set<T>();
  for (const v of values) {
    if (v === undefined || seen.has(v)) continue;
    seen.add(v);
    out.push(v);
  }
  return out;
}

/** Remediations that cut off a principal's credentials: keys for long-term AKIA keys, sessions for temporary ones. */
export function credentialRemediations(actor: Actor | undefined): Remediation[] {
  if (!actor) return [];
  const out: Remediation[] = [];
  if (actor.accessKeyId?.startsWith('AKIA')) out.push('disable-access-key');
  out.push('revoke-sessions', 'quarantine-principal');
  return out;
}
