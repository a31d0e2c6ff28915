// Pieces every generated account has: a multi-region trail that is logging, GuardDuty on in every
// region, people who sign in to the console with MFA from the office in office hours, and daily
// service costs beyond the instances.

import {
  DAY,
  HOUR,
  MINUTE,
  accessKeyEntry,
  consoleLogin,
  dayStart,
  hash32,
  iso,
  isWeekend,
  newId,
  noise,
  usageType,
  userRef,
  type AccountDraft,
  type UserRef,
} from './build.js';
import { DEFAULT_REGIONS, type AttachedPolicy, type ScenarioTrail } from '../types.js';

export function standardTrail(draft: AccountDraft, name: string, startedLogging: string): ScenarioTrail {
  const account = draft.account;
  const now = draft.now;
  const trail: ScenarioTrail = {
    Name: name,
    S3BucketName: `${draft.alias}-cloudtrail-${account}`,
    IncludeGlobalServiceEvents: true,
    IsMultiRegionTrail: true,
    HomeRegion: 'us-east-1',
    TrailARN: `arn:aws:cloudtrail:us-east-1:${account}:trail/${name}`,
    LogFileValidationEnabled: true,
    HasCustomEventSelectors: false,
    HasInsightSelectors: false,
    IsOrganizationTrail: false,
    IsLogging: true,
    LatestDeliveryTime: iso(now - 4 * MINUTE),
    LatestDigestDeliveryTime: iso(Math.floor(now / HOUR) * HOUR - HOUR + 9 * MINUTE),
    StartLoggingTime: startedLogging,
  };
  draft.trails.push(trail);
  return trail;
}

/** GuardDuty on in every region (an organisation's baseline), not only where the account runs. */
export function enableGuardDuty(draft: AccountDraft, regions: readonly string[] = DEFAULT_REGIONS): void {
  const r = draft.rng.fork('guardduty');
  for (const region of regions) draft.guardduty.detectors.push({ Region: region, DetectorId: newId.detector(r), Status: 'ENABLED' });
}

export interface ConsolePerson {
  userName: string;
  created: string;
  groups: string[];
  userAgent: string;
  ips: string[];
  /** First sign-in hour (UTC) and the spread after it. */
  startHour: number;
  spreadHours: number;
  /** Chance of signing in on a weekday. */
  chance: number;
  policies?: AttachedPolicy[];
}

/** Users with a console password and MFA who sign in on weekdays in office hours. */
export function addConsolePeople(draft: AccountDraft, people: ConsolePerson[], historyDays: number): UserRef[] {
  const r = draft.rng.fork('console-people');
  const refs: UserRef[] = [];
  for (const p of people) {
    const ref = userRef(draft.account, p.userName, newId.userId(r));
    refs.push(ref);
    let last = 0;
    for (let d = historyDays; d >= 0; d--) {
      const day = dayStart(draft.now) - d * DAY;
      if (isWeekend(day) || !r.chance(p.chance)) continue;
      const t = day + (p.startHour + r.next() * p.spreadHours) * HOUR;
      if (t > draft.now) continue;
      consoleLogin(draft.recorder, { time: t, user: ref, sourceIPAddress: r.pick(p.ips), userAgent: p.userAgent, mfa: true });
      last = t;
    }
    const created = Date.parse(p.created);
    draft.users.push({
      UserName: p.userName, UserId: ref.userId, Arn: ref.arn, Path: '/', CreateDate: p.created,
      PasswordLastUsed: iso(last || created + DAY),
      LoginProfile: { CreateDate: iso(created + 4 * MINUTE), PasswordResetRequired: false },
      MFADevices: [{ SerialNumber: `arn:aws:iam::${draft.account}:mfa/${p.userName}`, EnableDate: iso(created + 15 * MINUTE) }],
      Groups: p.groups,
      ...(p.policies ? { AttachedPolicies: p.policies } : {}),
    });
  }
  return refs;
}

/** A programmatic user with one key, as the IAM section holds it. */
export function addKeyUser(
  draft: AccountDraft,
  opts: { userName: string; path?: string; created: string; keyCreated: string; policies: AttachedPolicy[] },
): { user: UserRef; accessKeyId: string } {
  const r = draft.rng.fork(`key-user/${opts.userName}`);
  const user = userRef(draft.account, opts.userName, newId.userId(r), opts.path ?? '/');
  const accessKeyId = newId.accessKey(r);
  draft.users.push({
    UserName: opts.userName, UserId: user.userId, Arn: user.arn, Path: user.path, CreateDate: opts.created,
    AccessKeys: [accessKeyEntry(accessKeyId, Date.parse(opts.keyCreated))], AttachedPolicies: opts.policies,
  });
  return { user, accessKeyId };
}

/** `[service, region, usage type suffix, cost a day, quieter at weekends?]` */
export type ServiceCostRow = readonly [service: string, region: string, suffix: string, perDay: number, weekdayHeavy?: boolean];

/** Daily service costs with a little day-to-day noise; storage grows slowly. */
export function addDailyServiceCosts(draft: AccountDraft, rows: readonly ServiceCostRow[]): void {
  for (const [service, region, suffix, perDay, weekdayHeavy] of rows) {
    const seed = hash32(`${draft.account}/${service}/${region}/${suffix}`);
    const dims = { service, region, usageType: region === 'global' ? suffix : usageType(region, suffix), recordType: 'Usage' };
    draft.ledger.addDaily(dims, (t, d) => {
      const trend = suffix.includes('TimedStorage') ? 1 + 0.0012 * (d - draft.ledger.days) : 1;
      const week = weekdayHeavy && isWeekend(t) ? 0.85 : 1;
      return perDay * trend * week * (1 + 0.02 * noise(seed, d));
    });
  }
}
