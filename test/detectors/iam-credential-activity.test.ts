import { describe, expect, it } from 'vitest';
import { detector } from '../../src/detectors/iam-credential-activity.js';
import type { AuditData, CloudTrailRecord } from '../../src/providers/types.js';
import type { Finding } from '../../src/detectors/types.js';
import {
  DAY, assumedRole, daysAgo, emptyAccount, event, hoursAgo, iamUser, root, run, runInstances, user,
 type DetectorCase } from './fixtures.js';

// NOW is Tuesday 12:00 UTC: hoursAgo(2) is working time, hoursAgo(10) is 02:00.
const OFFICE_IP = '203.0.113.5';
const TOR_IP = '185.220.101.45';
const ops = iamUser('ops', 'AKIAEXAMPLEOPS00001');
const alice = iamUser('alice', 'AKIAEXAMPLEALICE001');

const iam = (name: string, time: number, identity = ops, request: Record<string, unknown> = {}, response?: Record<string, unknown>, sourceIP = TOR_IP): CloudTrailRecord =>
  event(name, 'iam.amazonaws.com', { time, identity, request, sourceIP, ...(response ? { response } : {}) });

const login = (identity: typeof alice, time: number, mfa: 'Yes' | 'No', sourceIP = OFFICE_IP): CloudTrailRecord =>
  event('ConsoleLogin', 'signin.amazonaws.com', {
    time, identity: { ...identity, accessKeyId: undefined }, sourceIP, response: { ConsoleLogin: 'Success' }, additional: { MFAUsed: mfa, LoginTo: 'https://console.aws.amazon.com/' },
  });

/** Ten working-day mornings of ordinary use from the office, before the window. */
const history = (identity = ops): CloudTrailRecord[] =>
  Array.from({ length: 10 }, (_, k) => event('RunInstances', 'ec2.amazonaws.com', { time: daysAgo(7 * (k + 1)) - 2 * 3_600_000, identity, sourceIP: OFFICE_IP, errorCode: 'Client.DryRunOperation' }));
const aliceHistory = (): CloudTrailRecord[] => Array.from({ length: 6 }, (_, k) => login(alice, daysAgo(7 * (k + 1)) - 2 * 3_600_000, 'Yes'));

function account(events: CloudTrailRecord[], extra: Partial<AuditData> = {}): AuditData {
  const data = emptyAccount(extra);
  data.cloudtrail.events = events.sort((a, b) => a.eventTime.localeCompare(b.eventTime));
  return data;
}

/** The stolen key at 02:00 from Tor: a backdoor user with a key and admin rights. */
const persistence = (): CloudTrailRecord[] => [
  iam('CreateUser', hoursAgo(10), ops, { userName: 'backdoor' }, { user: { userName: 'backdoor', arn: 'arn:aws:iam::111122223333:user/backdoor' } }),
  iam('CreateAccessKey', hoursAgo(10) + 60_000, ops, { userName: 'backdoor' }, { accessKey: { userName: 'backdoor', accessKeyId: 'AKIABACKDOOR0000001', status: 'Active' } }),
  iam('AttachUserPolicy', hoursAgo(10) + 120_000, ops, { userName: 'backdoor', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
];

type Case = DetectorCase;

const kinds = (f: Finding | undefined): string[] => Object.keys((f?.evidence.kinds ?? {}) as object).sort();

const cases: Case[] = [
  {
    name: 'attack: a stolen key makes a backdoor admin at night from a new IP and launches instances',
    data: () => account([...history(), ...persistence(), runInstances({ time: hoursAgo(9), identity: ops, type: 'c5.4xlarge', count: 10, sourceIP: TOR_IP })]),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      const f = findings[0] as Finding;
      expect(f.severity).toBe('critical');
      expect(f.region).toBe('global');
      expect(f.actor).toEqual({ arn: 'arn:aws:iam::111122223333:user/ops', accessKeyId: 'AKIAEXAMPLEOPS00001', sourceIPs: [TOR_IP], userAgent: 'aws-cli/2.15.0' });
      expect(kinds(f)).toEqual(['access-key-for-other-user', 'admin-policy-attached', 'new-source-ip', 'off-hours', 'user-created']);
      expect(f.evidence.actorAlso).toEqual(['launched-instances']);
      expect(f.evidence.createdAccessKeyIds).toEqual(['AKIABACKDOOR0000001']);
      expect(f.evidence.newSourceIPs).toEqual([TOR_IP]);
      expect(f.resources).toEqual([
        { type: 'AWS::IAM::User', id: 'ops' },
        { type: 'AWS::IAM::User', id: 'backdoor' },
        { type: 'AWS::IAM::AccessKey', id: 'AKIABACKDOOR0000001' },
      ]);
      const actions = f.evidence.actions as { eventName: string; eventId: string; target?: string }[];
      expect(actions.filter((a) => a.eventName === 'AttachUserPolicy')[0]?.target).toBe('backdoor');
      expect(f.remediations).toEqual(['disable-access-key', 'revoke-sessions', 'quarantine-principal']);
      expect(JSON.stringify(f)).not.toMatch(/secretAccessKey/i);
    },
  },
  {
    name: 'the same persistence without launches is high',
    data: () => account([...history(), ...persistence()]),
    expect: (findings) => expect(findings.map((f) => f.severity)).toEqual(['high']),
  },
  {
    name: 'benign: a normal user signs in with MFA in working hours from the office',
    data: () => account([...aliceHistory(), login(alice, hoursAgo(2), 'Yes')]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'a console sign-in without MFA is medium',
    data: () => account([...aliceHistory(), login(alice, hoursAgo(2), 'No')]),
    expect: (findings) => {
      expect(findings.map((f) => [f.severity, kinds(f)])).toEqual([['medium', ['console-login-without-mfa']]]);
      expect(findings[0]?.actor?.accessKeyId).toBeUndefined();
    },
  },
  {
    name: 'root signing in without MFA is high',
    data: () => account([login(root() as typeof alice, hoursAgo(2), 'No')]),
    expect: (findings) => expect(findings.map((f) => [f.severity, kinds(f)])).toEqual([['high', ['console-login-without-mfa', 'root-activity']]]),
  },
  {
    name: 'a sign-in at 02:00 by someone who never works at night is low',
    data: () => account([...aliceHistory(), login(alice, hoursAgo(10), 'Yes')]),
    expect: (findings) => expect(findings.map((f) => [f.severity, kinds(f)])).toEqual([['low', ['off-hours']]]),
  },
  {
    name: 'night and a new IP together are medium',
    data: () => account([...aliceHistory(), login(alice, hoursAgo(10), 'Yes', TOR_IP)]),
    expect: (findings) => expect(findings.map((f) => [f.severity, kinds(f)])).toEqual([['medium', ['new-source-ip', 'off-hours']]]),
  },
  {
    name: 'working hours are configurable (a team in UTC+8 works at 02:00 UTC)',
    data: () => account([...aliceHistory(), login(alice, hoursAgo(10), 'Yes')]),
    options: { workingHours: { utcOffsetMinutes: 480, startHour: 8, endHour: 19, days: [1, 2, 3, 4, 5] } },
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'benign: the CI key that always runs at night',
    data: () => account([
      ...Array.from({ length: 10 }, (_, k) => event('RunInstances', 'ec2.amazonaws.com', { time: hoursAgo(10) - (k + 1) * DAY, identity: iamUser('ci'), sourceIP: '198.51.100.7', errorCode: 'Client.DryRunOperation' })),
      event('RunInstances', 'ec2.amazonaws.com', { time: hoursAgo(10), identity: iamUser('ci'), sourceIP: '198.51.100.7', errorCode: 'Client.DryRunOperation' }),
    ]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'an access key used in a region it never used',
    data: () => account([...history(), event('CreateKeyPair', 'ec2.amazonaws.com', { time: hoursAgo(2), identity: ops, region: 'ap-southeast-1', sourceIP: OFFICE_IP })]),
    expect: (findings) => expect(findings.map((f) => [f.severity, kinds(f)])).toEqual([['low', ['new-region']]]),
  },
  {
    name: 'an inline policy allowing everything counts as admin',
    data: () => account([...history(), iam('PutUserPolicy', hoursAgo(2), ops, {
      userName: 'ops', policyName: 'x', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    }, undefined, OFFICE_IP)]),
    expect: (findings) => {
      expect(findings.map((f) => [f.severity, kinds(f)])).toEqual([['high', ['admin-policy-attached']]]);
      expect((findings[0]?.evidence.actions as { policy: string }[])[0]?.policy).toBe('inline:x');
    },
  },
  {
    name: 'joining an admin group is high',
    data: () => account([...history(), iam('AddUserToGroup', hoursAgo(2), ops, { groupName: 'Admins', userName: 'ops' }, undefined, OFFICE_IP)]),
    expect: (findings) => expect(findings.map((f) => [f.severity, kinds(f)])).toEqual([['high', ['admin-group-membership']]]),
  },
  {
    name: 'benign grant: a read-only policy attached in working hours from the office',
    data: () => account([...history(), iam('AttachUserPolicy', hoursAgo(2), ops, { userName: 'bob', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }, undefined, OFFICE_IP)]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'a user rotating their own key is low',
    data: () => account([...history(), iam('CreateAccessKey', hoursAgo(2), ops, {}, { accessKey: { userName: 'ops', accessKeyId: 'AKIAOPSNEWKEY000001' } }, OFFICE_IP)]),
    expect: (findings) => expect(findings.map((f) => [f.severity, kinds(f)])).toEqual([['low', ['access-key-created']]]),
  },
  {
    name: 'a role creating an access key for a user is high, grouped under the role',
    data: () => account([iam('CreateAccessKey', hoursAgo(2), assumedRole('deploy', 'sess'), { userName: 'alice' }, { accessKey: { userName: 'alice', accessKeyId: 'AKIAALICENEWKEY0001' } })]),
    expect: (findings) => {
      expect(findings.map((f) => [f.severity, f.actor?.arn, kinds(f)])).toEqual([['high', 'arn:aws:iam::111122223333:role/deploy', ['access-key-for-other-user']]]);
    },
  },
  {
    name: 'calls AWS makes for a principal and failed sign-ins are not actions',
    data: () => account([
      iam('CreateUser', hoursAgo(2), { ...ops, invokedBy: 'cloudformation.amazonaws.com' }, { userName: 'app' }),
      { ...login(alice, hoursAgo(3), 'No', TOR_IP), responseElements: { ConsoleLogin: 'Failure' }, errorMessage: 'Failed authentication' },
    ]),
    expect: (findings) => expect(findings).toEqual([]),
  },
  {
    name: 'posture: a console user without MFA and a key never rotated, reported low per user',
    data: () => account([], {
      iam: {
        users: [
          user('legacy', { hasLoginProfile: true, mfaEnabled: false, accessKeys: [{ id: 'AKIALEGACY000000001', userName: 'legacy', status: 'Active', createDate: daysAgo(400), lastUsedDate: daysAgo(1) }] }),
          user('careful', { hasLoginProfile: true, mfaEnabled: true, accessKeys: [{ id: 'AKIACAREFUL00000001', userName: 'careful', status: 'Active', createDate: daysAgo(30) }] }),
          user('retired', { accessKeys: [{ id: 'AKIARETIRED00000001', userName: 'retired', status: 'Inactive', createDate: daysAgo(900) }] }),
        ],
        roles: [],
      },
    }),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect(findings[0]?.severity).toBe('low');
      expect(findings[0]?.evidence).toMatchObject({ issues: ['console-without-mfa', 'access-key-not-rotated'], staleAccessKeys: [{ accessKeyId: 'AKIALEGACY000000001', ageDays: 400 }] });
      expect(findings[0]?.resources).toEqual([{ type: 'AWS::IAM::User', id: 'legacy' }, { type: 'AWS::IAM::AccessKey', id: 'AKIALEGACY000000001' }]);
    },
  },
  {
    name: 'posture: root without MFA and with an access key, reported medium',
    data: () => account([], { iam: { users: [], roles: [], root: { mfaEnabled: false, accessKeysActive: 1 } } }),
    expect: (findings) => {
      expect(findings).toHaveLength(1);
      expect(findings[0]?.severity).toBe('medium');
      expect(findings[0]?.evidence).toMatchObject({ issues: ['root-without-mfa', 'root-access-keys'] });
    },
  },
  {
    name: 'posture: root with MFA and no access keys is quiet',
    data: () => account([], { iam: { users: [], roles: [], root: { mfaEnabled: true, accessKeysActive: 0 } } }),
    expect: (findings) => expect(findings).toEqual([]),
  },
];

describe('iam-credential-activity', () => {
  it.each(cases)('$name', (c) => c.expect(run(detector, c.data(), c.options)));

  it('keys a finding by its actor, not by what it did', () => {
    const a = run(detector, account([...history(), ...persistence()]));
    const b = run(detector, account([...history(), ...persistence().slice(0, 1)]));
    expect(a[0]?.id).toBe(b[0]?.id);
  });
});
