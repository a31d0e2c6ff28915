// iam-credential-activity: what a stolen sub-account credential does besides mining. Attackers
// keep their access (new users, access keys for other users, login profiles, admin policies and
// admin groups) and use it from places and at times the owner never does; the brief asks for
// sign-ins outside working hours or from outside the domain, 2FA everywhere and keys rotated.
// Activity is grouped per actor (principal), with every action listed; IAM posture (keys never
// rotated, console users without MFA) is reported per user at low severity.

import { z } from 'zod';
import type { AuditData, CloudTrailRecord, IamUser } from '../providers/types.js';
import { findingId } from '../domain/finding-id.js';
import type { Detector, Finding, ResourceRef, Severity } from './types.js';
import {
  actorOf, callerUserName, credentialRemediations, distinct, findingActor, isAwsSourceAddress, succeeded, type RecordActor,
} from './lib/cloudtrail.js';
import { CORRELATION_EVENTS, actorActivity, alsoDid } from './lib/correlation.js';
import { bounded, countBy, enabledOption, severityOption } from './lib/finding.js';
import { field, str } from './lib/json.js';
import { DAY_MS, HOUR_MS, eventTimeMs, iso, round } from './lib/time.js';

const options = z.object({
  enabled: enabledOption,
  adminPolicies: z.array(z.string()).default(['AdministratorAccess', 'IAMFullAccess'])
    .describe('Managed policy names whose attachment counts as granting admin (matched against the end of the policy ARN).'),
  adminGroupPattern: z.string().default('admin')
    .describe('Case-insensitive regular expression: groups whose name matches count as admin groups for AddUserToGroup.'),
  workingHours: z.object({
    startHour: z.number().int().min(0).max(23).default(8).describe('First working hour (local time, inclusive).'),
    endHour: z.number().int().min(1).max(24).default(19).describe('End of the working day (local time, exclusive).'),
    days: z.array(z.number().int().min(1).max(7)).default([1, 2, 3, 4, 5]).describe('Working days, ISO numbering: 1 = Monday ... 7 = Sunday.'),
    utcOffsetMinutes: z.number().int().min(-720).max(840).default(0).describe("The team's offset from UTC in minutes (e.g. 480 for UTC+8)."),
  }).strict().prefault({}).describe('When people work; activity outside it is flagged for principals with no such activity in the baseline.'),
  behaviourPrincipalTypes: z.array(z.string()).default(['IAMUser', 'Root'])
    .describe('userIdentity types judged on time, source IP and region (people\'s credentials; roles used by workloads move around).'),
  minBaselineEvents: z.number().int().nonnegative().default(5)
    .describe('Events of a principal before the window needed before its source IPs and regions count as known.'),
  flagNewSourceIp: z.boolean().default(true)
    .describe('Flag sign-ins and calls from a source IP the principal never used in the baseline.'),
  flagNewRegion: z.boolean().default(true)
    .describe('Flag an access key used in a region it never used in the baseline (global services excepted).'),
  maxKeyAgeDays: z.number().int().positive().default(90)
    .describe('Active access keys older than this many days are reported as not rotated (posture).'),
  postureSeverity: severityOption.default('low')
    .describe('Severity of the posture findings (keys not rotated, console users without MFA).'),
}).strict();

export type Options = z.infer<typeof options>;

const IAM = 'iam.amazonaws.com';
const IAM_EVENTS = [
  'CreateUser', 'CreateAccessKey', 'CreateLoginProfile', 'UpdateLoginProfile', 'AttachUserPolicy', 'AttachRolePolicy',
  'AttachGroupPolicy', 'PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy', 'AddUserToGroup',
];
/** Global services: their events are all in us-east-1, so their region says nothing about the caller. */
const GLOBAL_SOURCES = new Set([IAM, 'sts.amazonaws.com', 'signin.amazonaws.com', 'organizations.amazonaws.com', 'support.amazonaws.com']);

type Kind =
  | 'admin-policy-attached' | 'admin-group-membership' | 'access-key-for-other-user' | 'login-profile-for-other-user'
  | 'user-created' | 'login-profile-changed' | 'access-key-created' | 'console-login-without-mfa' | 'root-activity'
  | 'off-hours' | 'new-source-ip' | 'new-region';

/** Actions that give an attacker lasting or wider access (a user's own new key is rotation as often as not: weighed apart). */
const PERSISTENCE: ReadonlySet<Kind> = new Set(['admin-policy-attached', 'admin-group-membership', 'access-key-for-other-user',
  'login-profile-for-other-user', 'user-created', 'login-profile-changed']);
/** Of those, the ones an attacker needs and an owner rarely does. */
const STRONG: ReadonlySet<Kind> = new Set(['admin-policy-attached', 'admin-group-membership', 'access-key-for-other-user', 'login-profile-for-other-user']);
/** Unusual time or place: weak alone, telling together. */
const ANOMALY: ReadonlySet<Kind> = new Set(['off-hours', 'new-source-ip', 'new-region']);

interface Action {
  kind: Kind;
  record: CloudTrailRecord;
  actor: RecordActor;
  target?: string;
  policy?: string;
  resources: ResourceRef[];
}

/** Whether a policy document allows everything, or everything in IAM. */
function isAdminDocument(document: unknown): boolean {
  let doc = document;
  if (typeof doc === 'string') {
    const text = doc.trim().startsWith('%') ? safeDecode(doc) : doc;
    try {
      doc = JSON.parse(text);
    } catch {
      return /"Action"\s*:\s*\[?[^\]]*"(\*|\*:\*|iam:\*)"/.test(text);
    }
  }
  const statements = field(doc, 'Statement');
  return (Array.isArray(statements) ? statements : [statements]).some((s) => {
    if (field(s, 'Effect') !== 'Allow') return false;
    const actions = [field(s, 'Action')].flat();
    return actions.some((a) => a === '*' || a === '*:*' || a === 'iam:*');
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function isWorkingTime(ms: number, hours: Options['workingHours']): boolean {
  const local = new Date(ms + hours.utcOffsetMinutes * 60_000);
  const day = local.getUTCDay() === 0 ? 7 : local.getUTCDay();
  const hour = local.getUTCHours();
  return hours.days.includes(day) && hour >= hours.startHour && hour < hours.endHour;
}

const userRef = (name: string): ResourceRef => ({ type: 'AWS::IAM::User', id: name });

/** The persistence kinds of one IAM record (none for a record that grants nothing). */
function persistenceOf(record: CloudTrailRecord, actor: RecordActor, o: Options, adminGroup: RegExp): Omit<Action, 'record' | 'actor'>[] {
  const req = record.requestParameters;
  const userName = str(field(req, 'userName'));
  const self = callerUserName(record);
  const forOther = userName !== undefined && userName !== self;
  const policyArn = str(field(req, 'policyArn'));
  const isAdminPolicy = policyArn !== undefined && o.adminPolicies.some((p) => policyArn.endsWith(`/${p}`));
  const principalRef = (): ResourceRef[] => {
    const role = str(field(req, 'roleName'));
    const group = str(field(req, 'groupName'));
    if (userName) return [userRef(userName)];
    if (role) return [{ type: 'AWS::IAM::Role', id: role }];
    return group ? [{ type: 'AWS::IAM::Group', id: group }] : [];
  };
  const target = userName ?? str(field(req, 'roleName')) ?? str(field(req, 'groupName'));
  const withTarget = <T extends object>(a: T): T & { target?: string } => (target ? { ...a, target } : a);
  switch (record.eventName) {
    case 'CreateUser':
      return [withTarget({ kind: 'user-created' as const, resources: userName ? [userRef(userName)] : [] })];
    case 'CreateAccessKey': {
      const keyId = str(field(record.responseElements, 'accessKey', 'accessKeyId'));
      const owner = userName ?? self ?? actor.userName;
      const resources: ResourceRef[] = [...(keyId ? [{ type: 'AWS::IAM::AccessKey', id: keyId }] : []), ...(owner ? [userRef(owner)] : [])];
      return [{ kind: forOther ? 'access-key-for-other-user' : 'access-key-created', resources, ...(owner ? { target: owner } : {}) }];
    }
    case 'CreateLoginProfile':
    case 'UpdateLoginProfile':
      return [withTarget({ kind: forOther ? 'login-profile-for-other-user' as const : 'login-profile-changed' as const, resources: principalRef() })];
    case 'AttachUserPolicy':
    case 'AttachRolePolicy':
    case 'AttachGroupPolicy':
      return isAdminPolicy ? [withTarget({ kind: 'admin-policy-attached' as const, policy: policyArn, resources: principalRef() })] : [];
    case 'PutUserPolicy':
    case 'PutRolePolicy':
    case 'PutGroupPolicy':
      return isAdminDocument(field(req, 'policyDocument'))
        ? [withTarget({ kind: 'admin-policy-attached' as const, policy: `inline:${str(field(req, 'policyName')) ?? '?'}`, resources: principalRef() })]
        : [];
    case 'AddUserToGroup': {
      const group = str(field(req, 'groupName')) ?? '';
      return adminGroup.test(group)
        ? [{ kind: 'admin-group-membership', policy: `group:${group}`, resources: principalRef(), ...(userName ? { target: userName } : {}) }]
        : [];
    }
    default:
      return [];
  }
}

interface Known {
  events: number;
  ips: Set<string>;
  offHours: boolean;
}

function detect(data: AuditData, o: Options): Finding[] {
  const adminGroup = new RegExp(o.adminGroupPattern, 'i');
  const { start, end } = data.window;
  const callerArn = data.caller?.arn;

  // The baseline: every principal's and access key's known source IPs, regions and hours.
  const known = new Map<string, Known>();
  const keyRegions = new Map<string, { events: number; regions: Set<string> }>();
  for (const record of data.cloudtrail.events) {
    const t = eventTimeMs(record);
    if (!(t < start)) continue;
    const actor = actorOf(record);
    const k = known.get(actor.arn) ?? { events: 0, ips: new Set<string>(), offHours: false };
    known.set(actor.arn, k);
    k.events++;
    if (actor.sourceIP) k.ips.add(actor.sourceIP);
    if (!isWorkingTime(t, o.workingHours)) k.offHours = true;
    if (actor.accessKeyId && !GLOBAL_SOURCES.has(record.eventSource)) {
      const kr = keyRegions.get(actor.accessKeyId) ?? { events: 0, regions: new Set<string>() };
      keyRegions.set(actor.accessKeyId, kr);
      kr.events++;
      kr.regions.add(record.awsRegion);
    }
  }

  const actions = new Map<string, Action[]>();
  for (const record of data.cloudtrail.events) {
    const t = eventTimeMs(record);
    if (!(t >= start && t <= end)) continue;
    const actor = actorOf(record);
    if (actor.invokedBy || actor.type === 'AWSService' || (callerArn && (actor.arn === callerArn || actor.sessionArn === callerArn))) continue;
    const login = record.eventName === 'ConsoleLogin';
    if (!succeeded(record)) continue;
    const found: Omit<Action, 'record' | 'actor'>[] = [];
    if (record.eventSource === IAM) found.push(...persistenceOf(record, actor, o, adminGroup));
    if (login && field(record.additionalEventData, 'MFAUsed') === 'No') found.push({ kind: 'console-login-without-mfa', resources: [] });
    if (actor.type === 'Root') found.push({ kind: 'root-activity', resources: [] });

    if (login || o.behaviourPrincipalTypes.includes(actor.type)) {
      const k = known.get(actor.arn);
      if (!isWorkingTime(t, o.workingHours) && !k?.offHours) found.push({ kind: 'off-hours', resources: [] });
      if (o.flagNewSourceIp && k && k.events >= o.minBaselineEvents && !isAwsSourceAddress(actor.sourceIP) && !k.ips.has(actor.sourceIP as string)) {
        found.push({ kind: 'new-source-ip', resources: [] });
      }
      const kr = actor.accessKeyId ? keyRegions.get(actor.accessKeyId) : undefined;
      if (o.flagNewRegion && kr && kr.events >= o.minBaselineEvents && !GLOBAL_SOURCES.has(record.eventSource) && !kr.regions.has(record.awsRegion)) {
        found.push({ kind: 'new-region', resources: [] });
      }
    }
    if (found.length === 0) continue;
    actions.set(actor.arn, [...(actions.get(actor.arn) ?? []), ...found.map((a) => ({ ...a, record, actor }))]);
  }

  const activity = actorActivity(data);
  const findings: Finding[] = [];
  for (const [arn, list] of actions) {
    list.sort((a, b) => eventTimeMs(a.record) - eventTimeMs(b.record));
    const kinds = new Set(list.map((a) => a.kind));
    const first = list[0] as Action;
    const actor = findingActor(list.map((a) => a.actor));
    const did = alsoDid(activity, first.actor);
    const persistence = [...kinds].some((k) => PERSISTENCE.has(k));
    const anomalies = [...kinds].filter((k) => ANOMALY.has(k)).length;
    const rootNoMfa = first.actor.type === 'Root' && kinds.has('console-login-without-mfa');
    // Critical: the actor granted itself lasting access and also launched instances or opened
    // ports, the brief's compromised sub-account. High: admin rights, keys or passwords for
    // someone else, root without MFA, or a new user made at an unusual time or place. Medium: one
    // grant, a login without MFA, root use, or several unusual circumstances together. Low: one
    // unusual circumstance, or a user rotating their own key.
    let severity: Severity = 'low';
    if ((persistence || kinds.has('access-key-created')) && did.length > 0) severity = 'critical';
    else if ([...kinds].some((k) => STRONG.has(k)) || rootNoMfa || (kinds.has('user-created') && anomalies > 0)) severity = 'high';
    else if (persistence || kinds.has('console-login-without-mfa') || kinds.has('root-activity') || anomalies >= 2) severity = 'medium';

    const times = list.map((a) => eventTimeMs(a.record));
    const resources = dedupe([
      ...(first.actor.type === 'IAMUser' && first.actor.userName ? [userRef(first.actor.userName)] : []),
      ...list.flatMap((a) => a.resources),
    ]);
    const k = known.get(arn);
    const ips = distinct(list.map((a) => a.actor.sourceIP)).filter((ip) => !isAwsSourceAddress(ip));
    findings.push({
      id: findingId('iam-credential-activity', data.account.id, 'global', arn),
      detector: 'iam-credential-activity',
      severity,
      title: `${arn}: ${[...kinds].join(', ')}${did.length > 0 ? ` (and ${did.join(', ')})` : ''}`,
      account: data.account.id,
      region: 'global',
      resources,
      ...(actor ? { actor } : {}),
      firstSeen: iso(Math.min(...times)),
      lastSeen: iso(Math.max(...times)),
      evidence: {
        principal: arn,
        principalType: first.actor.type,
        kinds: countBy(list, (a) => a.kind),
        actorAlso: did,
        actions: bounded(list.map((a) => ({
          kind: a.kind,
          eventName: a.record.eventName,
          eventId: a.record.eventID,
          eventTime: a.record.eventTime,
          region: a.record.awsRegion,
          sourceIP: a.actor.sourceIP,
          accessKeyId: a.actor.accessKeyId,
          target: a.target,
          policy: a.policy,
        }))),
        actionCount: list.length,
        accessKeyIds: distinct(list.map((a) => a.actor.accessKeyId)),
        createdAccessKeyIds: bounded(list.flatMap((a) => a.resources.filter((r) => r.type === 'AWS::IAM::AccessKey').map((r) => r.id))),
        newSourceIPs: ips.filter((ip) => k && !k.ips.has(ip)),
        baseline: { events: k?.events ?? 0, knownSourceIPs: k?.ips.size ?? 0, offHoursActivityBefore: k?.offHours ?? false },
        workingHours: o.workingHours,
      },
      ...(SEVERITY_AT_LEAST_MEDIUM.has(severity) ? { remediations: credentialRemediations(actor) } : {}),
    });
  }

  findings.push(...posture(data, o));
  return findings;
}

const SEVERITY_AT_LEAST_MEDIUM: ReadonlySet<Severity> = new Set(['critical', 'high', 'medium']);

function dedupe(refs: ResourceRef[]): ResourceRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const key = `${r.type}\u0000${r.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Per user: active keys not rotated within `maxKeyAgeDays`, console access without MFA. */
function posture(data: AuditData, o: Options): Finding[] {
  const findings: Finding[] = [];
  for (const user of data.iam.users) {
    const stale = user.accessKeys.filter((k) => k.status === 'Active' && data.now - k.createDate > o.maxKeyAgeDays * DAY_MS);
    const consoleWithoutMfa = user.hasLoginProfile && !user.mfaEnabled;
    if (stale.length === 0 && !consoleWithoutMfa) continue;
    const issues = [...(consoleWithoutMfa ? ['console-without-mfa'] : []), ...(stale.length > 0 ? ['access-key-not-rotated'] : [])];
    findings.push(postureFinding(data, o, user, issues, stale));
  }
  const root = data.iam.root;
  if (root && (!root.mfaEnabled || root.accessKeysActive > 0)) {
    const issues = [...(!root.mfaEnabled ? ['root-without-mfa'] : []), ...(root.accessKeysActive > 0 ? ['root-access-keys'] : [])];
    // The root user can do anything and cannot be limited by IAM policy: one notch above the
    // other posture findings.
    findings.push({
      id: findingId('iam-credential-activity', data.account.id, 'global', 'posture', 'root'),
      detector: 'iam-credential-activity',
      severity: o.postureSeverity === 'info' ? 'low' : 'medium',
      title: `Root user: ${issues.join(', ')}`,
      account: data.account.id,
      region: 'global',
      resources: [{ type: 'AWS::IAM::User', id: 'root' }],
      evidence: { posture: true, issues, mfaEnabled: root.mfaEnabled, accessKeysActive: root.accessKeysActive, passwordLastUsed: root.passwordLastUsed ? iso(root.passwordLastUsed) : null },
    });
  }
  return findings;
}

function postureFinding(data: AuditData, o: Options, user: IamUser, issues: string[], stale: IamUser['accessKeys']): Finding {
  return {
    id: findingId('iam-credential-activity', data.account.id, 'global', 'posture', user.arn),
    detector: 'iam-credential-activity',
    severity: o.postureSeverity,
    title: `IAM user ${user.name}: ${issues.join(', ')}`,
    account: data.account.id,
    region: 'global',
    resources: [userRef(user.name), ...stale.map((k) => ({ type: 'AWS::IAM::AccessKey', id: k.id }))],
    evidence: {
      posture: true,
      user: user.arn,
      issues,
      hasLoginProfile: user.hasLoginProfile,
      mfaEnabled: user.mfaEnabled,
      passwordLastUsed: user.passwordLastUsed ? iso(user.passwordLastUsed) : null,
      staleAccessKeys: stale.map((k) => ({
        accessKeyId: k.id,
        ageDays: round((data.now - k.createDate) / DAY_MS, 0),
        lastUsed: k.lastUsedDate ? iso(k.lastUsedDate) : null,
        lastUsedHoursAgo: k.lastUsedDate ? round((data.now - k.lastUsedDate) / HOUR_MS, 1) : null,
      })),
      maxKeyAgeDays: o.maxKeyAgeDays,
    },
  };
}

export const detector: Detector<Options> = {
  meta: {
    id: 'iam-credential-activity',
    title: 'Sub-account credential activity',
    description:
      'Per actor in the window: users, access keys (above all for another user) and login profiles created, admin policies or admin groups ' +
      'granted, console sign-ins without MFA, root use, and activity outside working hours, from a source IP or (for an access key) a region ' +
      'the principal never used in the baseline; critical when the same actor also launched instances or opened ports. Also posture per ' +
      'user at low severity: active keys not rotated within maxKeyAgeDays and console users without MFA.',
    docs: 'docs/detectors.md#iam-credential-activity',
    sources: ['cloudtrail', 'iam'],
    cloudtrailEvents: [
      ...IAM_EVENTS.map((eventName) => ({ eventName, eventSource: IAM, baseline: true })),
      { eventName: 'ConsoleLogin', eventSource: 'signin.amazonaws.com', baseline: true },
      ...CORRELATION_EVENTS,
    ],
  },
  options,
  detect,
};
