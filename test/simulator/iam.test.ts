import { GetAccessKeyLastUsedCommand, IAMClient, ListAccessKeysCommand, paginateListUsers } from '@aws-sdk/client-iam';
import type {
  GetAccessKeyLastUsedResponse,
  GetAccountAuthorizationDetailsResponse,
  GetCredentialReportResponse,
  GetUserPolicyResponse,
  ListAccessKeysResponse,
  ListUsersResponse,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { Scenario, ScenarioAccount, ScenarioIam, ScenarioUser } from '../../src/scenario/types.js';
import { SimulatedAccount } from '../../src/simulator/account.js';
import { CREDENTIAL_REPORT_COLUMNS, iamService } from '../../src/simulator/services/iam.js';
import type { SimContext } from '../../src/simulator/types.js';

const NOW = '2026-03-10T12:00:00Z';
const ACCOUNT = '123456789012';

const ADMIN_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };

const IAM: ScenarioIam = {
  users: [
    {
      UserName: 'ops',
      UserId: 'AIDAEXAMPLEOPS000001',
      Arn: `arn:aws:iam::${ACCOUNT}:user/ops`,
      CreateDate: '2025-06-01T09:00:00Z',
      PasswordLastUsed: '2026-03-09T08:00:00Z',
      LoginProfile: { CreateDate: '2025-06-01T09:01:00Z' },
      MFADevices: [{ SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/ops`, EnableDate: '2025-06-01T09:02:00Z' }],
      AccessKeys: [
        { AccessKeyId: 'AKIAEXAMPLEOPS00001', Status: 'Active', CreateDate: '2025-06-01T09:05:00Z', LastUsed: { LastUsedDate: '2026-03-10T06:05:00Z', ServiceName: 'ec2', Region: 'eu-west-1' } },
        { AccessKeyId: 'AKIAEXAMPLEOPS00002', Status: 'Inactive', CreateDate: '2025-07-01T00:00:00Z' },
      ],
      AttachedPolicies: [{ PolicyName: 'AmazonEC2FullAccess', PolicyArn: 'arn:aws:iam::aws:policy/AmazonEC2FullAccess' }],
      InlinePolicies: { everything: ADMIN_POLICY },
      Groups: ['admins'],
      Tags: [{ Key: 'team', Value: 'platform' }],
    },
    {
      UserName: 'ci',
      Arn: `arn:aws:iam::${ACCOUNT}:user/automation/ci`,
      CreateDate: '2025-08-01T00:00:00Z',
      AccessKeys: [{ AccessKeyId: 'AKIAEXAMPLECI000001', Status: 'Active', CreateDate: '2025-08-01T00:00:00Z' }],
    },
    // Created after now: not visible yet.
    { UserName: 'later', Arn: `arn:aws:iam::${ACCOUNT}:user/later`, CreateDate: '2026-03-11T00:00:00Z' },
  ],
  roles: [
    {
      RoleName: 'web',
      Arn: `arn:aws:iam::${ACCOUNT}:role/web`,
      CreateDate: '2025-01-01T00:00:00Z',
      AssumeRolePolicyDocument: TRUST,
      AttachedPolicies: [{ PolicyName: 'deploy', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/deploy` }],
      InlinePolicies: { logs: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }] } },
      RoleLastUsed: { LastUsedDate: '2026-03-10T11:00:00Z', Region: 'us-east-1' },
    },
  ],
  groups: [{ GroupName: 'admins', Arn: `arn:aws:iam::${ACCOUNT}:group/admins`, CreateDate: '2025-01-01T00:00:00Z', AttachedPolicies: [{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }] }],
  root: { mfaActive: true, accessKeysActive: 0, passwordLastUsed: '2026-02-01T10:00:00Z' },
};

function context(iam: ScenarioIam = IAM): SimContext {
  const scenario: ScenarioAccount = { account: { id: ACCOUNT }, iam };
  return {
    account: { id: ACCOUNT, scenario, regions: ['us-east-1'], now: Date.parse(NOW), cache: new Map() },
    region: 'us-east-1',
    simulation: { enforceLimits: true },
  };
}

function call<T>(ctx: SimContext, operation: string, input: unknown = {}): T {
  return iamService.operations[operation]!(ctx, input) as T;
}

function expectError(fn: () => unknown, code: string, status: number): void {
  expect(fn).toThrow(expect.objectContaining({ name: code, status }));
}

describe('list calls', () => {
  it('lists the users that exist as of now, with Date creation dates and paths', () => {
    const out = call<ListUsersResponse>(context(), 'ListUsers');
    expect(out.Users?.map((u) => [u.UserName, u.Path])).toEqual([
      ['ops', '/'],
      ['ci', '/automation/'],
    ]);
    expect(out.Users?.[0]?.CreateDate).toEqual(new Date('2025-06-01T09:00:00Z'));
    expect(out.Users?.[0]?.PasswordLastUsed).toEqual(new Date('2026-03-09T08:00:00Z'));
    expect(out.Users?.[1]?.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(out.IsTruncated).toBe(false);
    expect(call<ListUsersResponse>(context(), 'ListUsers', { PathPrefix: '/automation/' }).Users?.map((u) => u.UserName)).toEqual(['ci']);
  });

  it('pages with Marker and MaxItems, every user exactly once', () => {
    const users: ScenarioUser[] = Array.from({ length: 250 }, (_, i) => ({ UserName: `u${i}`, Arn: `arn:aws:iam::${ACCOUNT}:user/u${i}`, CreateDate: '2025-01-01T00:00:00Z' }));
    const ctx = context({ users });
    const names: string[] = [];
    const truncated: boolean[] = [];
    let marker: string | undefined;
    do {
      const page = call<ListUsersResponse>(ctx, 'ListUsers', { Marker: marker });
      names.push(...(page.Users ?? []).map((u) => u.UserName ?? ''));
      truncated.push(page.IsTruncated ?? false);
      marker = page.Marker;
    } while (marker);
    expect(truncated).toEqual([true, true, false]);
    expect(names).toEqual(users.map((u) => u.UserName));
  });

  it.each([0, 1001, 2.5])('rejects MaxItems %s', (maxItems) => {
    expectError(() => call(context(), 'ListUsers', { MaxItems: maxItems }), 'ValidationError', 400);
  });

  it('rejects a Marker it did not issue, or one from another call', () => {
    const ctx = context();
    expectError(() => call(ctx, 'ListUsers', { Marker: 'bogus' }), 'ValidationError', 400);
    const marker = call<ListUsersResponse>(ctx, 'ListUsers', { MaxItems: 1 }).Marker;
    expectError(() => call(ctx, 'ListRoles', { Marker: marker }), 'ValidationError', 400);
  });

  it('lists roles without RoleLastUsed or tags, and groups including ones only users name', () => {
    const iam: ScenarioIam = { ...IAM, users: [{ ...(IAM.users?.[0] as ScenarioUser), Groups: ['admins', 'ghosts'] }] };
    const roles = call<{ Roles: Record<string, unknown>[] }>(context(iam), 'ListRoles').Roles;
    expect(roles.map((r) => r.RoleName)).toEqual(['web']);
    expect(roles[0]).not.toHaveProperty('RoleLastUsed');
    expect(decodeURIComponent(String(roles[0]?.AssumeRolePolicyDocument))).toBe(JSON.stringify(TRUST));
    const groups = call<{ Groups: { GroupName: string; Arn: string }[] }>(context(iam), 'ListGroups').Groups;
    expect(groups.map((g) => [g.GroupName, g.Arn])).toEqual([
      ['admins', `arn:aws:iam::${ACCOUNT}:group/admins`],
      ['ghosts', `arn:aws:iam::${ACCOUNT}:group/ghosts`],
    ]);
  });

  it('answers the per-user and per-role calls', () => {
    const ctx = context();
    expect(call<ListAccessKeysResponse>(ctx, 'ListAccessKeys', { UserName: 'ops' }).AccessKeyMetadata).toEqual([
      { UserName: 'ops', AccessKeyId: 'AKIAEXAMPLEOPS00001', Status: 'Active', CreateDate: new Date('2025-06-01T09:05:00Z') },
      { UserName: 'ops', AccessKeyId: 'AKIAEXAMPLEOPS00002', Status: 'Inactive', CreateDate: new Date('2025-07-01T00:00:00Z') },
    ]);
    expect(call(ctx, 'GetLoginProfile', { UserName: 'ops' })).toEqual({ LoginProfile: { UserName: 'ops', CreateDate: new Date('2025-06-01T09:01:00Z'), PasswordResetRequired: false } });
    expect(call(ctx, 'ListMFADevices', { UserName: 'ops' })).toMatchObject({ MFADevices: [{ UserName: 'ops', SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/ops` }], IsTruncated: false });
    expect(call(ctx, 'ListAttachedUserPolicies', { UserName: 'ops' })).toMatchObject({ AttachedPolicies: [{ PolicyName: 'AmazonEC2FullAccess' }] });
    expect(call(ctx, 'ListUserPolicies', { UserName: 'ops' })).toMatchObject({ PolicyNames: ['everything'] });
    expect(call(ctx, 'ListGroupsForUser', { UserName: 'ops' })).toMatchObject({ Groups: [{ GroupName: 'admins' }] });
    expect(call(ctx, 'ListAttachedRolePolicies', { RoleName: 'web' })).toMatchObject({ AttachedPolicies: [{ PolicyName: 'deploy' }] });
    expect(call(ctx, 'ListRolePolicies', { RoleName: 'web' })).toMatchObject({ PolicyNames: ['logs'] });
    expect(call(ctx, 'GetUser', { UserName: 'ops' })).toMatchObject({ User: { UserName: 'ops', Tags: [{ Key: 'team', Value: 'platform' }] } });
    const policy = call<GetUserPolicyResponse>(ctx, 'GetUserPolicy', { UserName: 'ops', PolicyName: 'everything' });
    expect(JSON.parse(decodeURIComponent(policy.PolicyDocument ?? ''))).toEqual(ADMIN_POLICY);
  });
});

describe('NoSuchEntity', () => {
  const ctx = context();
  it.each([
    ['ListAccessKeys for an unknown user', 'ListAccessKeys', { UserName: 'nobody' }],
    ['ListAccessKeys for a user created after now', 'ListAccessKeys', { UserName: 'later' }],
    ['GetLoginProfile for a user without a password', 'GetLoginProfile', { UserName: 'ci' }],
    ['GetUserPolicy for an unknown policy', 'GetUserPolicy', { UserName: 'ops', PolicyName: 'nope' }],
    ['GetUser for an unknown user', 'GetUser', { UserName: 'nobody' }],
    ['ListAttachedRolePolicies for an unknown role', 'ListAttachedRolePolicies', { RoleName: 'nobody' }],
  ])('%s', (_name, operation, input) => {
    expectError(() => call(ctx, operation, input), 'NoSuchEntity', 404);
  });
});

describe('GetAccessKeyLastUsed', () => {
  const ctx = context();
  it('reports the last use of a used key', () => {
    expect(call<GetAccessKeyLastUsedResponse>(ctx, 'GetAccessKeyLastUsed', { AccessKeyId: 'AKIAEXAMPLEOPS00001' })).toEqual({
      UserName: 'ops',
      AccessKeyLastUsed: { LastUsedDate: new Date('2026-03-10T06:05:00Z'), ServiceName: 'ec2', Region: 'eu-west-1' },
    });
  });

  it('reports a never-used key with no LastUsedDate and N/A service and region', () => {
    expect(call<GetAccessKeyLastUsedResponse>(ctx, 'GetAccessKeyLastUsed', { AccessKeyId: 'AKIAEXAMPLECI000001' })).toEqual({
      UserName: 'ci',
      AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' },
    });
  });
});

describe('GetAccountAuthorizationDetails', () => {
  it('carries attached and inline policies, URL-encoded as IAM returns them', () => {
    const out = call<GetAccountAuthorizationDetailsResponse>(context(), 'GetAccountAuthorizationDetails');
    const ops = out.UserDetailList?.find((u) => u.UserName === 'ops');
    expect(ops?.AttachedManagedPolicies).toEqual([{ PolicyName: 'AmazonEC2FullAccess', PolicyArn: 'arn:aws:iam::aws:policy/AmazonEC2FullAccess' }]);
    expect(ops?.UserPolicyList?.map((p) => [p.PolicyName, JSON.parse(decodeURIComponent(p.PolicyDocument ?? ''))])).toEqual([['everything', ADMIN_POLICY]]);
    expect(ops?.UserPolicyList?.[0]?.PolicyDocument).toMatch(/^%7B%22Version%22/);
    expect(ops?.GroupList).toEqual(['admins']);
    expect(ops?.Tags).toEqual([{ Key: 'team', Value: 'platform' }]);

    const web = out.RoleDetailList?.[0];
    expect(JSON.parse(decodeURIComponent(web?.AssumeRolePolicyDocument ?? ''))).toEqual(TRUST);
    expect(web?.RolePolicyList?.map((p) => p.PolicyName)).toEqual(['logs']);
    expect(web?.AttachedManagedPolicies?.map((p) => p.PolicyName)).toEqual(['deploy']);
    expect(web?.RoleLastUsed).toEqual({ LastUsedDate: new Date('2026-03-10T11:00:00Z'), Region: 'us-east-1' });

    expect(out.GroupDetailList?.map((g) => [g.GroupName, g.AttachedManagedPolicies?.[0]?.PolicyName])).toEqual([['admins', 'AdministratorAccess']]);
    expect(out.Policies?.map((p) => p.Arn).sort()).toEqual([
      'arn:aws:iam::123456789012:policy/deploy',
      'arn:aws:iam::aws:policy/AdministratorAccess',
      'arn:aws:iam::aws:policy/AmazonEC2FullAccess',
    ]);
    expect(out.IsTruncated).toBe(false);
  });

  it('filters by entity type and pages across all of them', () => {
    const ctx = context();
    const roles = call<GetAccountAuthorizationDetailsResponse>(ctx, 'GetAccountAuthorizationDetails', { Filter: ['Role', 'AWSManagedPolicy'] });
    expect([roles.UserDetailList?.length, roles.RoleDetailList?.length, roles.Policies?.length]).toEqual([0, 1, 2]);

    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = call<GetAccountAuthorizationDetailsResponse>(ctx, 'GetAccountAuthorizationDetails', { MaxItems: 2, Marker: marker });
      seen.push(
        ...(page.UserDetailList ?? []).map((u) => `user:${u.UserName}`),
        ...(page.GroupDetailList ?? []).map((g) => `group:${g.GroupName}`),
        ...(page.RoleDetailList ?? []).map((r) => `role:${r.RoleName}`),
        ...(page.Policies ?? []).map((p) => `policy:${p.PolicyName}`),
      );
      marker = page.Marker;
    } while (marker);
    expect(seen.sort()).toEqual(
      ['user:ops', 'user:ci', 'group:admins', 'role:web', 'policy:AmazonEC2FullAccess', 'policy:deploy', 'policy:AdministratorAccess'].sort(),
    );
  });
});

describe('credential report', () => {
  function report(ctx: SimContext): string[][] {
    const out = call<GetCredentialReportResponse>(ctx, 'GetCredentialReport');
    expect(out.ReportFormat).toBe('text/csv');
    expect(out.GeneratedTime).toEqual(new Date(NOW));
    expect(out.Content).toBeInstanceOf(Uint8Array);
    return new TextDecoder().decode(out.Content).split('\n').map((line) => line.split(','));
  }

  it('is not present before GenerateCredentialReport', () => {
    expectError(() => call(context(), 'GetCredentialReport'), 'ReportNotPresent', 410);
  });

  it("has AWS's header line, the root row, then one row per user", () => {
    const ctx = context();
    expect(call(ctx, 'GenerateCredentialReport')).toMatchObject({ State: 'COMPLETE' });
    const [header, ...rows] = report(ctx);
    expect(header?.join(',')).toBe(
      'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,' +
        'access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
        'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,' +
        'cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated',
    );
    const row = (cells: string[] | undefined) => Object.fromEntries(CREDENTIAL_REPORT_COLUMNS.map((c, i) => [c, cells?.[i]]));
    expect(rows.map((r) => r[0])).toEqual(['<root_account>', 'ops', 'ci']);
    expect(row(rows[0])).toEqual({
      user: '<root_account>',
      arn: 'arn:aws:iam::123456789012:root',
      user_creation_time: '2025-01-01T00:00:00+00:00',
      password_enabled: 'not_supported',
      password_last_used: '2026-02-01T10:00:00+00:00',
      password_last_changed: 'not_supported',
      password_next_rotation: 'not_supported',
      mfa_active: 'true',
      access_key_1_active: 'false',
      access_key_1_last_rotated: 'N/A',
      access_key_1_last_used_date: 'N/A',
      access_key_1_last_used_region: 'N/A',
      access_key_1_last_used_service: 'N/A',
      access_key_2_active: 'false',
      access_key_2_last_rotated: 'N/A',
      access_key_2_last_used_date: 'N/A',
      access_key_2_last_used_region: 'N/A',
      access_key_2_last_used_service: 'N/A',
      cert_1_active: 'false',
      cert_1_last_rotated: 'N/A',
      cert_2_active: 'false',
      cert_2_last_rotated: 'N/A',
    });
    expect(row(rows[1])).toMatchObject({
      password_enabled: 'true',
      password_last_used: '2026-03-09T08:00:00+00:00',
      password_last_changed: '2025-06-01T09:01:00+00:00',
      mfa_active: 'true',
      access_key_1_active: 'true',
      access_key_1_last_rotated: '2025-06-01T09:05:00+00:00',
      access_key_1_last_used_date: '2026-03-10T06:05:00+00:00',
      access_key_1_last_used_region: 'eu-west-1',
      access_key_1_last_used_service: 'ec2',
      access_key_2_active: 'false',
      access_key_2_last_rotated: '2025-07-01T00:00:00+00:00',
      access_key_2_last_used_date: 'N/A',
    });
    expect(row(rows[2])).toMatchObject({ password_enabled: 'false', password_last_used: 'N/A', mfa_active: 'false', access_key_1_active: 'true', access_key_1_last_used_service: 'N/A' });
  });
});

describe('through the AWS SDK', () => {
  const scenario: Scenario = { format: 'rigwatch-scenario/1', name: 'iam', now: NOW, account: { id: ACCOUNT }, iam: IAM };

  function client(): IAMClient {
    const account = new SimulatedAccount(scenario, { services: [iamService] });
    return account.attach(new IAMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' } }), 'eu-west-1');
  }

  it("pages ListUsers with the SDK's paginator", async () => {
    const names: string[] = [];
    for await (const page of paginateListUsers({ client: client(), pageSize: 1 }, {})) names.push(...(page.Users ?? []).map((u) => u.UserName ?? ''));
    expect(names).toEqual(['ops', 'ci']);
  });

  it('answers GetAccessKeyLastUsed and throws NoSuchEntityException for an unknown user', async () => {
    const iam = client();
    const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: 'AKIAEXAMPLECI000001' }));
    expect(used.AccessKeyLastUsed).toEqual({ ServiceName: 'N/A', Region: 'N/A' });
    await expect(iam.send(new ListAccessKeysCommand({ UserName: 'nobody' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      $metadata: { httpStatusCode: 404 },
    });
  });
});
