// Simulated IAM (global: the SDK sends it to us-east-1), answered from `scenario.iam`: the list and
// get calls rigwatch's collectors make, GetAccountAuthorizationDetails, the credential report, and
// the changes remediation makes (access key status, inline and managed policies of users and
// roles), which edit `scenario.iam` in place and are recorded as CloudTrail records them.
//
// As IAM answers over its query protocol: dates are Date objects, policy documents are URL-encoded
// JSON strings, lists page with Marker / MaxItems / IsTruncated. Entities created after `now` are
// not visible, nor are keys, MFA devices and login profiles created after it, nor uses after it.

import type {
  AccessKeyMetadata,
  AttachedPolicy,
  AttachRolePolicyRequest,
  AttachUserPolicyRequest,
  DeleteRolePolicyRequest,
  DeleteUserPolicyRequest,
  DetachRolePolicyRequest,
  DetachUserPolicyRequest,
  GenerateCredentialReportResponse,
  GetAccessKeyLastUsedRequest,
  GetAccessKeyLastUsedResponse,
  GetAccountAuthorizationDetailsRequest,
  GetAccountAuthorizationDetailsResponse,
  GetCredentialReportResponse,
  GetLoginProfileRequest,
  GetLoginProfileResponse,
  GetRolePolicyRequest,
  GetRolePolicyResponse,
  GetRoleRequest,
  GetRoleResponse,
  GetUserPolicyRequest,
  GetUserPolicyResponse,
  GetUserRequest,
  GetUserResponse,
  Group,
  GroupDetail,
  ListAccountAliasesResponse,
  ManagedPolicyDetail,
  PutRolePolicyRequest,
  PutUserPolicyRequest,
  Role,
  RoleDetail,
  Tag,
  UpdateAccessKeyRequest,
  User,
  UserDetail,
} from '@aws-sdk/client-iam';
import type { ScenarioAccessKey, ScenarioGroup, ScenarioIam, ScenarioRole, ScenarioUser } from '../../scenario/types.js';
import { Change } from '../changes.js';
import { decodeToken, encodeToken, queryFingerprint } from '../next-token.js';
import { AwsError, type SimContext, type SimulatedService } from '../types.js';

/** IAM list calls: MaxItems 1 to 1000, 100 when absent. */
export const IAM_DEFAULT_MAX_ITEMS = 100;
export const IAM_MAX_ITEMS = 1000;

/** The credential report's columns, in AWS's order (IAM User Guide, "Credential report format"). */
export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

const INDEX_KEY = 'iam:index';
const REPORT_KEY = 'iam:credential-report';

interface VisibleUser {
  spec: ScenarioUser;
  accessKeys: ScenarioAccessKey[];
  mfaDevices: NonNullable<ScenarioUser['MFADevices']>;
  loginProfile: ScenarioUser['LoginProfile'];
}

interface IamIndex {
  users: VisibleUser[];
  usersByName: Map<string, VisibleUser>;
  roles: ScenarioRole[];
  rolesByName: Map<string, ScenarioRole>;
  /** The scenario's groups, then groups users name that the scenario does not define. */
  groups: ScenarioGroup[];
  groupsByName: Map<string, ScenarioGroup>;
  keys: Map<string, { user: VisibleUser; key: ScenarioAccessKey }>;
  /** Stands in for creation dates the scenario leaves out (groups, the root user). */
  earliest: Date;
}

// ---- helpers ----

function validation(message: string): AwsError {
  return new AwsError('ValidationError', message, 400);
}

function noSuchEntity(message: string): AwsError {
  return new AwsError('NoSuchEntity', message, 404);
}

function isVisible(ctx: SimContext, iso: string | undefined): boolean {
  return iso === undefined || Date.parse(iso) <= ctx.account.now;
}

/** A deterministic IAM unique id (prefix + 17 characters), for entities the scenario gives none. */
function derivedId(prefix: string, seed: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  let id = prefix;
  for (let i = 0; i < 17; i++) {
    hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d) >>> 0;
    id += alphabet[hash % alphabet.length];
  }
  return id;
}

/** The path part of an IAM ARN (`arn:aws:iam::1:user/dev/alice` -> `/dev/`). */
function pathOf(arn: string, kind: string): string {
  const resource = arn.split(':').slice(5).join(':');
  const rest = resource.startsWith(`${kind}/`) ? resource.slice(kind.length + 1) : '';
  const slash = rest.lastIndexOf('/');
  return slash < 0 ? '/' : `/${rest.slice(0, slash)}/`;
}

/** Policy documents as IAM returns them: URL-encoded JSON. */
function policyDocument(document: unknown): string {
  if (typeof document === 'string') return /^%7B/i.test(document.trim()) ? document.trim() : encodeURIComponent(document);
  return encodeURIComponent(JSON.stringify(document));
}

function tags(list: Tag[] | undefined): { Tags?: Tag[] } {
  return list && list.length > 0 ? { Tags: list.map((t) => ({ Key: t.Key, Value: t.Value })) } : {};
}

function attached(list: ScenarioUser['AttachedPolicies']): AttachedPolicy[] {
  return (list ?? []).map((p) => ({ PolicyName: p.PolicyName, PolicyArn: p.PolicyArn }));
}

function inline(policies: Record<string, unknown> | undefined): { PolicyName: string; PolicyDocument: string }[] {
  return Object.entries(policies ?? {}).map(([PolicyName, document]) => ({ PolicyName, PolicyDocument: policyDocument(document) }));
}

function buildIndex(ctx: SimContext): IamIndex {
  const iam = ctx.account.scenario.iam ?? {};
  const users: VisibleUser[] = (iam.users ?? [])
    .filter((u) => isVisible(ctx, u.CreateDate))
    .map((spec) => ({
      spec,
      accessKeys: (spec.AccessKeys ?? []).filter((k) => isVisible(ctx, k.CreateDate)),
      mfaDevices: (spec.MFADevices ?? []).filter((d) => isVisible(ctx, d.EnableDate)),
      loginProfile: spec.LoginProfile && isVisible(ctx, spec.LoginProfile.CreateDate) ? spec.LoginProfile : undefined,
    }));
  const roles = (iam.roles ?? []).filter((r) => isVisible(ctx, r.CreateDate));
  const groups = (iam.groups ?? []).filter((g) => isVisible(ctx, g.CreateDate));
  const groupsByName = new Map(groups.map((g) => [g.GroupName, g]));
  for (const name of users.flatMap((u) => u.spec.Groups ?? [])) {
    if (groupsByName.has(name)) continue;
    const group: ScenarioGroup = { GroupName: name, Arn: `arn:aws:iam::${ctx.account.id}:group/${name}` };
    groups.push(group);
    groupsByName.set(name, group);
  }
  const keys = new Map<string, { user: VisibleUser; key: ScenarioAccessKey }>();
  for (const user of users) for (const key of user.accessKeys) keys.set(key.AccessKeyId, { user, key });
  const created = [...users.map((u) => u.spec.CreateDate), ...roles.map((r) => r.CreateDate)].map((d) => Date.parse(d));
  return {
    users,
    usersByName: new Map(users.map((u) => [u.spec.UserName, u])),
    roles,
    rolesByName: new Map(roles.map((r) => [r.RoleName, r])),
    groups,
    groupsByName,
    keys,
    earliest: new Date(created.length > 0 ? Math.min(...created) : ctx.account.now),
  };
}

function index(ctx: SimContext): IamIndex {
  let built = ctx.account.cache.get(INDEX_KEY) as IamIndex | undefined;
  if (!built) ctx.account.cache.set(INDEX_KEY, (built = buildIndex(ctx)));
  return built;
}

function requireUser(ctx: SimContext, name: unknown): VisibleUser {
  if (typeof name !== 'string' || name.length === 0) {
    throw validation('Must specify userName when calling with non-User credentials');
  }
  const user = index(ctx).usersByName.get(name);
  if (!user) throw noSuchEntity(`The user with name ${name} cannot be found.`);
  return user;
}

function requireRole(ctx: SimContext, name: unknown): ScenarioRole {
  if (typeof name !== 'string' || name.length === 0) throw validation('1 validation error detected: RoleName is required.');
  const role = index(ctx).rolesByName.get(name);
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return role;
}

interface PageInput {
  Marker?: string | undefined;
  MaxItems?: number | undefined;
}

/**
 * One page of `items`: MaxItems 1-1000 (100 by default), IsTruncated, and a Marker tied to the
 * operation and the rest of its input (so a marker reused with another query is refused).
 */
function paged<T>(ctx: SimContext, operation: string, items: T[], input: PageInput): { page: T[]; IsTruncated: boolean; Marker?: string } {
  const { Marker: marker, MaxItems: maxItems, ...query } = input;
  const max = maxItems ?? IAM_DEFAULT_MAX_ITEMS;
  if (!Number.isInteger(max) || max < 1 || (ctx.simulation.enforceLimits && max > IAM_MAX_ITEMS)) {
    throw validation(`1 validation error detected: Value '${String(maxItems)}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and ${IAM_MAX_ITEMS}`);
  }
  const fingerprint = queryFingerprint({ operation, query });
  let offset = 0;
  if (marker !== undefined) {
    const position = decodeToken(marker, fingerprint);
    if (typeof position !== 'number' || !Number.isInteger(position) || position < 0) throw validation('Invalid Marker.');
    offset = position;
  }
  const page = items.slice(offset, offset + max);
  const next = offset + page.length;
  return next < items.length ? { page, IsTruncated: true, Marker: encodeToken(next, fingerprint) } : { page, IsTruncated: false };
}

function withPathPrefix<T>(items: T[], prefix: string | undefined, path: (item: T) => string): T[] {
  return prefix === undefined ? items : items.filter((item) => path(item).startsWith(prefix));
}

// ---- shapes ----

function userPath(u: ScenarioUser): string {
  return u.Path ?? pathOf(u.Arn, 'user');
}
function rolePath(r: ScenarioRole): string {
  return r.Path ?? pathOf(r.Arn, 'role');
}
function groupPath(g: ScenarioGroup): string {
  return pathOf(g.Arn, 'group');
}

function userShape(ctx: SimContext, u: ScenarioUser, withTags: boolean): User {
  return {
    Path: userPath(u),
    UserName: u.UserName,
    UserId: u.UserId ?? derivedId('AIDA', u.Arn),
    Arn: u.Arn,
    CreateDate: new Date(u.CreateDate),
    ...(u.PasswordLastUsed && isVisible(ctx, u.PasswordLastUsed) ? { PasswordLastUsed: new Date(u.PasswordLastUsed) } : {}),
    ...(withTags ? tags(u.Tags) : {}),
  };
}

function roleLastUsed(ctx: SimContext, r: ScenarioRole): { LastUsedDate?: Date; Region?: string } {
  const used = r.RoleLastUsed;
  if (!used?.LastUsedDate || !isVisible(ctx, used.LastUsedDate)) return {};
  return { LastUsedDate: new Date(used.LastUsedDate), ...(used.Region ? { Region: used.Region } : {}) };
}

function roleShape(ctx: SimContext, r: ScenarioRole, full: boolean): Role {
  return {
    Path: rolePath(r),
    RoleName: r.RoleName,
    RoleId: r.RoleId ?? derivedId('AROA', r.Arn),
    Arn: r.Arn,
    CreateDate: new Date(r.CreateDate),
    ...(r.AssumeRolePolicyDocument !== undefined ? { AssumeRolePolicyDocument: policyDocument(r.AssumeRolePolicyDocument) } : {}),
    MaxSessionDuration: 3600,
    // ListRoles does not return RoleLastUsed or Tags; GetRole does.
    ...(full ? { ...tags(r.Tags), RoleLastUsed: roleLastUsed(ctx, r) } : {}),
  };
}

function groupShape(g: ScenarioGroup, earliest: Date): Group {
  return {
    Path: groupPath(g),
    GroupName: g.GroupName,
    GroupId: g.GroupId ?? derivedId('AGPA', g.Arn),
    Arn: g.Arn,
    CreateDate: g.CreateDate ? new Date(g.CreateDate) : earliest,
  };
}

// ---- list and get calls ----

function listUsers(ctx: SimContext, input: PageInput & { PathPrefix?: string }) {
  const users = withPathPrefix(index(ctx).users, input.PathPrefix, (u) => userPath(u.spec));
  const { page, ...rest } = paged(ctx, 'ListUsers', users, input);
  // ListUsers does not return Tags or PermissionsBoundary.
  return { Users: page.map((u) => userShape(ctx, u.spec, false)), ...rest };
}

function listRoles(ctx: SimContext, input: PageInput & { PathPrefix?: string }) {
  const roles = withPathPrefix(index(ctx).roles, input.PathPrefix, rolePath);
  const { page, ...rest } = paged(ctx, 'ListRoles', roles, input);
  return { Roles: page.map((r) => roleShape(ctx, r, false)), ...rest };
}

function listGroups(ctx: SimContext, input: PageInput & { PathPrefix?: string }) {
  const { groups, earliest } = index(ctx);
  const { page, ...rest } = paged(ctx, 'ListGroups', withPathPrefix(groups, input.PathPrefix, groupPath), input);
  return { Groups: page.map((g) => groupShape(g, earliest)), ...rest };
}

function getUser(ctx: SimContext, input: GetUserRequest): GetUserResponse {
  return { User: userShape(ctx, requireUser(ctx, input.UserName).spec, true) };
}

function getRole(ctx: SimContext, input: GetRoleRequest): GetRoleResponse {
  return { Role: roleShape(ctx, requireRole(ctx, input.RoleName), true) };
}

function listAccessKeys(ctx: SimContext, input: PageInput & { UserName?: string }) {
  const user = requireUser(ctx, input.UserName);
  const { page, ...rest } = paged(ctx, 'ListAccessKeys', user.accessKeys, input);
  const metadata: AccessKeyMetadata[] = page.map((k) => ({
    UserName: user.spec.UserName,
    AccessKeyId: k.AccessKeyId,
    Status: k.Status,
    CreateDate: new Date(k.CreateDate),
  }));
  return { AccessKeyMetadata: metadata, ...rest };
}

function lastUse(ctx: SimContext, key: ScenarioAccessKey): { date?: string; service: string; region: string } {
  const used = key.LastUsed;
  if (!used?.LastUsedDate || !isVisible(ctx, used.LastUsedDate)) return { service: 'N/A', region: 'N/A' };
  return { date: used.LastUsedDate, service: used.ServiceName ?? 'N/A', region: used.Region ?? 'N/A' };
}

function getAccessKeyLastUsed(ctx: SimContext, input: GetAccessKeyLastUsedRequest): GetAccessKeyLastUsedResponse {
  const found = typeof input.AccessKeyId === 'string' ? index(ctx).keys.get(input.AccessKeyId) : undefined;
  if (!found) {
    // IAM models no error for this call; a key outside the account is refused as not authorized.
    throw new AwsError('AccessDenied', `User is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key ${String(input.AccessKeyId)}`, 403);
  }
  const use = lastUse(ctx, found.key);
  return {
    UserName: found.user.spec.UserName,
    AccessKeyLastUsed: { ...(use.date ? { LastUsedDate: new Date(use.date) } : {}), ServiceName: use.service, Region: use.region },
  };
}

function getLoginProfile(ctx: SimContext, input: GetLoginProfileRequest): GetLoginProfileResponse {
  const user = requireUser(ctx, input.UserName);
  if (!user.loginProfile) throw noSuchEntity(`Login Profile for User ${user.spec.UserName} cannot be found.`);
  return {
    LoginProfile: {
      UserName: user.spec.UserName,
      CreateDate: new Date(user.loginProfile.CreateDate),
      PasswordResetRequired: user.loginProfile.PasswordResetRequired ?? false,
    },
  };
}

function listMfaDevices(ctx: SimContext, input: PageInput & { UserName?: string }) {
  const user = requireUser(ctx, input.UserName);
  const { page, ...rest } = paged(ctx, 'ListMFADevices', user.mfaDevices, input);
  return {
    MFADevices: page.map((d) => ({ UserName: user.spec.UserName, SerialNumber: d.SerialNumber, EnableDate: new Date(d.EnableDate) })),
    ...rest,
  };
}

function listAttachedPolicies(ctx: SimContext, operation: string, policies: ScenarioUser['AttachedPolicies'], input: PageInput & { PathPrefix?: string }) {
  const list = withPathPrefix(attached(policies), input.PathPrefix, (p) => pathOf(p.PolicyArn ?? '', 'policy'));
  const { page, ...rest } = paged(ctx, operation, list, input);
  return { AttachedPolicies: page, ...rest };
}

function listAttachedUserPolicies(ctx: SimContext, input: PageInput & { UserName?: string; PathPrefix?: string }) {
  return listAttachedPolicies(ctx, 'ListAttachedUserPolicies', requireUser(ctx, input.UserName).spec.AttachedPolicies, input);
}

function listAttachedRolePolicies(ctx: SimContext, input: PageInput & { RoleName?: string; PathPrefix?: string }) {
  return listAttachedPolicies(ctx, 'ListAttachedRolePolicies', requireRole(ctx, input.RoleName).AttachedPolicies, input);
}

function listUserPolicies(ctx: SimContext, input: PageInput & { UserName?: string }) {
  const names = Object.keys(requireUser(ctx, input.UserName).spec.InlinePolicies ?? {});
  const { page, ...rest } = paged(ctx, 'ListUserPolicies', names, input);
  return { PolicyNames: page, ...rest };
}

function listRolePolicies(ctx: SimContext, input: PageInput & { RoleName?: string }) {
  const names = Object.keys(requireRole(ctx, input.RoleName).InlinePolicies ?? {});
  const { page, ...rest } = paged(ctx, 'ListRolePolicies', names, input);
  return { PolicyNames: page, ...rest };
}

function inlinePolicy(policies: Record<string, unknown> | undefined, name: unknown, owner: string): string {
  if (typeof name !== 'string' || !policies || !Object.hasOwn(policies, name)) {
    throw noSuchEntity(`The ${owner} policy with name ${String(name)} cannot be found.`);
  }
  return policyDocument(policies[name]);
}

function getUserPolicy(ctx: SimContext, input: GetUserPolicyRequest): GetUserPolicyResponse {
  const user = requireUser(ctx, input.UserName).spec;
  return { UserName: user.UserName, PolicyName: input.PolicyName, PolicyDocument: inlinePolicy(user.InlinePolicies, input.PolicyName, 'user') };
}

function getRolePolicy(ctx: SimContext, input: GetRolePolicyRequest): GetRolePolicyResponse {
  const role = requireRole(ctx, input.RoleName);
  return { RoleName: role.RoleName, PolicyName: input.PolicyName, PolicyDocument: inlinePolicy(role.InlinePolicies, input.PolicyName, 'role') };
}

function listGroupsForUser(ctx: SimContext, input: PageInput & { UserName?: string }) {
  const user = requireUser(ctx, input.UserName);
  const { groupsByName, earliest } = index(ctx);
  const groups = (user.spec.Groups ?? []).flatMap((name) => {
    const group = groupsByName.get(name);
    return group ? [group] : [];
  });
  const { page, ...rest } = paged(ctx, 'ListGroupsForUser', groups, input);
  return { Groups: page.map((g) => groupShape(g, earliest)), ...rest };
}

// ---- GetAccountAuthorizationDetails ----

/** An entity of the authorization details, built only when its page is returned. */
type AuthorizationItem =
  | { kind: 'User'; detail: () => UserDetail }
  | { kind: 'Group'; detail: () => GroupDetail }
  | { kind: 'Role'; detail: () => RoleDetail }
  | { kind: 'LocalManagedPolicy' | 'AWSManagedPolicy'; detail: () => ManagedPolicyDetail };

const ENTITY_TYPES = new Set(['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy']);

/**
 * Managed policies appear with what the scenario knows of them (name, ARN, attachments); their
 * documents are not part of the scenario format, so PolicyVersionList is empty.
 */
function managedPolicies(ix: IamIndex): AuthorizationItem[] {
  const byArn = new Map<string, { name: string; count: number }>();
  const lists = [...ix.users.map((u) => u.spec.AttachedPolicies), ...ix.roles.map((r) => r.AttachedPolicies), ...ix.groups.map((g) => g.AttachedPolicies)];
  for (const policy of lists.flatMap((l) => l ?? [])) {
    const entry = byArn.get(policy.PolicyArn);
    if (entry) entry.count += 1;
    else byArn.set(policy.PolicyArn, { name: policy.PolicyName, count: 1 });
  }
  return [...byArn.entries()].map(([arn, { name, count }]) => ({
    kind: arn.startsWith('arn:aws:iam::aws:policy/') ? 'AWSManagedPolicy' : 'LocalManagedPolicy',
    detail: () => ({
      PolicyName: name,
      PolicyId: derivedId('ANPA', arn),
      Arn: arn,
      Path: pathOf(arn, 'policy'),
      DefaultVersionId: 'v1',
      AttachmentCount: count,
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      PolicyVersionList: [],
    }),
  }));
}

function getAccountAuthorizationDetails(ctx: SimContext, input: GetAccountAuthorizationDetailsRequest): GetAccountAuthorizationDetailsResponse {
  const filter = input.Filter ?? [];
  const unknown = filter.filter((f) => !ENTITY_TYPES.has(f));
  if (unknown.length > 0) throw validation(`Filter: ${unknown.join(', ')} is not one of User, Role, Group, LocalManagedPolicy, AWSManagedPolicy.`);
  const wanted = filter.length === 0 ? ENTITY_TYPES : new Set<string>(filter);
  const ix = index(ctx);
  const items: AuthorizationItem[] = [
    ...ix.users.map((u): AuthorizationItem => ({
      kind: 'User',
      detail: () => ({
        ...userShape(ctx, u.spec, true),
        UserPolicyList: inline(u.spec.InlinePolicies),
        GroupList: [...(u.spec.Groups ?? [])],
        AttachedManagedPolicies: attached(u.spec.AttachedPolicies),
      }),
    })),
    ...ix.groups.map((g): AuthorizationItem => ({
      kind: 'Group',
      detail: () => ({ ...groupShape(g, ix.earliest), GroupPolicyList: inline(g.InlinePolicies), AttachedManagedPolicies: attached(g.AttachedPolicies) }),
    })),
    ...ix.roles.map((r): AuthorizationItem => ({
      kind: 'Role',
      detail: () => {
        const { MaxSessionDuration: _unused, ...role } = roleShape(ctx, r, true);
        return { ...role, InstanceProfileList: [], RolePolicyList: inline(r.InlinePolicies), AttachedManagedPolicies: attached(r.AttachedPolicies) };
      },
    })),
    ...managedPolicies(ix),
  ].filter((item) => wanted.has(item.kind));
  const { page, ...rest } = paged(ctx, 'GetAccountAuthorizationDetails', items, input);
  const out: Required<Pick<GetAccountAuthorizationDetailsResponse, 'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies'>> = {
    UserDetailList: [],
    GroupDetailList: [],
    RoleDetailList: [],
    Policies: [],
  };
  for (const item of page) {
    if (item.kind === 'User') out.UserDetailList.push(item.detail());
    else if (item.kind === 'Group') out.GroupDetailList.push(item.detail());
    else if (item.kind === 'Role') out.RoleDetailList.push(item.detail());
    else out.Policies.push(item.detail());
  }
  return { ...out, ...rest };
}

// ---- credential report ----

function reportTime(iso: string | Date): string {
  return (iso instanceof Date ? iso : new Date(iso)).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function userRow(ctx: SimContext, u: VisibleUser): string[] {
  const password = u.loginProfile;
  const passwordUsed = u.spec.PasswordLastUsed && isVisible(ctx, u.spec.PasswordLastUsed) ? reportTime(u.spec.PasswordLastUsed) : undefined;
  const keyColumns = [0, 1].flatMap((i) => {
    const key = u.accessKeys[i];
    if (!key) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
    const use = lastUse(ctx, key);
    return [String(key.Status === 'Active'), reportTime(key.CreateDate), use.date ? reportTime(use.date) : 'N/A', use.region, use.service];
  });
  return [
    u.spec.UserName,
    u.spec.Arn,
    reportTime(u.spec.CreateDate),
    String(password !== undefined),
    password ? (passwordUsed ?? 'no_information') : (passwordUsed ?? 'N/A'),
    password ? reportTime(password.CreateDate) : 'N/A',
    'N/A',
    String(u.mfaDevices.length > 0),
    ...keyColumns,
    'false',
    'N/A',
    'false',
    'N/A',
  ];
}

/** The root user's row, as AWS writes it: password columns not_supported, no key details. */
function rootRow(ctx: SimContext, root: NonNullable<ScenarioIam['root']>, created: Date): string[] {
  const used = root.passwordLastUsed && isVisible(ctx, root.passwordLastUsed) ? reportTime(root.passwordLastUsed) : 'no_information';
  return [
    '<root_account>',
    `arn:aws:iam::${ctx.account.id}:root`,
    reportTime(created),
    'not_supported',
    used,
    'not_supported',
    'not_supported',
    String(root.mfaActive),
    String(root.accessKeysActive >= 1),
    'N/A',
    'N/A',
    'N/A',
    'N/A',
    String(root.accessKeysActive >= 2),
    'N/A',
    'N/A',
    'N/A',
    'N/A',
    'false',
    'N/A',
    'false',
    'N/A',
  ];
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

interface CredentialReport {
  generated: Date;
  content: string;
}

/**
 * Builds the report as of now. The root user's row is written when the scenario describes the root
 * user (`iam.root`); its creation time, which the format does not record, is taken as the earliest
 * IAM creation date. The report stays until the scenario is replaced (invalidate()): the simulated
 * clock does not advance, so AWS's four-hour regeneration rule never lets a newer one replace it,
 * and changes made through the account leave it as it is, as AWS leaves a fresh report.
 */
function generateCredentialReport(ctx: SimContext): GenerateCredentialReportResponse {
  if (!ctx.account.cache.has(REPORT_KEY)) {
    const ix = index(ctx);
    const root = ctx.account.scenario.iam?.root;
    const rows = [
      ...(root ? [rootRow(ctx, root, ix.earliest)] : []),
      ...ix.users.map((u) => userRow(ctx, u)),
    ];
    const content = [CREDENTIAL_REPORT_COLUMNS.join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n');
    const report: CredentialReport = { generated: new Date(ctx.account.now), content };
    ctx.account.cache.set(REPORT_KEY, report);
  }
  return { State: 'COMPLETE' };
}

function getCredentialReport(ctx: SimContext): GetCredentialReportResponse {
  const report = ctx.account.cache.get(REPORT_KEY) as CredentialReport | undefined;
  if (!report) {
    throw new AwsError('ReportNotPresent', 'Unable to find a credential report. To generate a credential report, use GenerateCredentialReport.', 410);
  }
  return { Content: new TextEncoder().encode(report.content), ReportFormat: 'text/csv', GeneratedTime: new Date(report.generated) };
}

// ---- changes ----

const IAM_EVENT_SOURCE = 'iam.amazonaws.com';
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const POLICY_ARN = /^arn:aws[\w-]*:iam::(aws|\d{12}):policy\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/;
/** IAM's default quota of managed policies attached to a user or a role. */
const MAX_ATTACHED_POLICIES = 10;

/** Drops the index (the credential report stays, as AWS keeps it): call after changing `scenario.iam`. */
function iamChanged(ctx: SimContext): void {
  ctx.account.cache.delete(INDEX_KEY);
}

function record(change: Change, eventName: string, requestParameters: Record<string, unknown>): void {
  change.record({ eventSource: IAM_EVENT_SOURCE, eventName, requestParameters, responseElements: null });
}

function updateAccessKey(ctx: SimContext, input: UpdateAccessKeyRequest): Record<string, never> {
  const user = requireUser(ctx, input.UserName);
  if (input.Status !== 'Active' && input.Status !== 'Inactive') {
    throw validation(`1 validation error detected: Value '${String(input.Status)}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`);
  }
  const key = user.accessKeys.find((k) => k.AccessKeyId === input.AccessKeyId);
  if (!key) throw noSuchEntity(`The Access Key with id ${String(input.AccessKeyId)} cannot be found.`);
  const change = new Change(ctx);
  key.Status = input.Status;
  iamChanged(ctx);
  record(change, 'UpdateAccessKey', { userName: user.spec.UserName, accessKeyId: key.AccessKeyId, status: input.Status });
  return {};
}

/** A principal whose policies change: a user, or a role AWS does not protect. */
type Principal = { kind: 'user' | 'role'; name: string; spec: ScenarioUser | ScenarioRole };

function userPrincipal(ctx: SimContext, name: unknown): Principal {
  const user = requireUser(ctx, name).spec;
  return { kind: 'user', name: user.UserName, spec: user };
}

function rolePrincipal(ctx: SimContext, name: unknown): Principal {
  const role = requireRole(ctx, name);
  if (rolePath(role).startsWith('/aws-service-role/')) {
    throw new AwsError('UnmodifiableEntity', `Cannot perform the operation on the protected role '${role.RoleName}' - this role is only modifiable by AWS`, 400);
  }
  return { kind: 'role', name: role.RoleName, spec: role };
}

function principalParameters(principal: Principal): Record<string, string> {
  return principal.kind === 'user' ? { userName: principal.name } : { roleName: principal.name };
}

function policyName(name: unknown): string {
  if (typeof name !== 'string' || !POLICY_NAME.test(name)) {
    throw validation(`1 validation error detected: Value '${String(name)}' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
  }
  return name;
}

function putPolicy(ctx: SimContext, eventName: string, principal: Principal, input: { PolicyName?: string; PolicyDocument?: string }): Record<string, never> {
  const name = policyName(input.PolicyName);
  const text = input.PolicyDocument;
  let document: unknown;
  try {
    document = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    document = undefined;
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) throw new AwsError('MalformedPolicyDocument', 'Syntax errors in policy.', 400);
  if (!('Statement' in document)) throw new AwsError('MalformedPolicyDocument', 'Missing required field Statement', 400);
  const change = new Change(ctx);
  (principal.spec.InlinePolicies ??= {})[name] = document;
  iamChanged(ctx);
  record(change, eventName, { ...principalParameters(principal), policyName: name, policyDocument: text });
  return {};
}

function deletePolicy(ctx: SimContext, eventName: string, principal: Principal, input: { PolicyName?: string }): Record<string, never> {
  const name = policyName(input.PolicyName);
  const policies = principal.spec.InlinePolicies;
  if (!policies || !Object.hasOwn(policies, name)) throw noSuchEntity(`The ${principal.kind} policy with name ${name} cannot be found.`);
  const change = new Change(ctx);
  delete policies[name];
  if (Object.keys(policies).length === 0) delete principal.spec.InlinePolicies;
  iamChanged(ctx);
  record(change, eventName, { ...principalParameters(principal), policyName: name });
  return {};
}

function attachPolicy(ctx: SimContext, eventName: string, principal: Principal, input: { PolicyArn?: string }): Record<string, never> {
  const arn = input.PolicyArn;
  const match = typeof arn === 'string' ? POLICY_ARN.exec(arn) : null;
  if (!match) throw new AwsError('InvalidInput', `ARN ${String(arn)} is not valid.`, 400);
  // Managed policies are not part of the scenario: AWS's own and this account's are taken to exist.
  if (match[1] !== 'aws' && match[1] !== ctx.account.id) throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  const attached = principal.spec.AttachedPolicies ?? [];
  const already = attached.some((p) => p.PolicyArn === arn);
  if (!already && attached.length >= MAX_ATTACHED_POLICIES) {
    throw new AwsError('LimitExceeded', `Cannot exceed quota for PoliciesPer${principal.kind === 'user' ? 'User' : 'Role'}: ${MAX_ATTACHED_POLICIES}`, 409);
  }
  const change = new Change(ctx);
  if (!already) principal.spec.AttachedPolicies = [...attached, { PolicyName: match[2]!, PolicyArn: arn! }];
  iamChanged(ctx);
  record(change, eventName, { ...principalParameters(principal), policyArn: arn });
  return {};
}

function detachPolicy(ctx: SimContext, eventName: string, principal: Principal, input: { PolicyArn?: string }): Record<string, never> {
  const arn = input.PolicyArn;
  if (typeof arn !== 'string' || !POLICY_ARN.test(arn)) throw new AwsError('InvalidInput', `ARN ${String(arn)} is not valid.`, 400);
  const attached = principal.spec.AttachedPolicies ?? [];
  if (!attached.some((p) => p.PolicyArn === arn)) throw noSuchEntity(`Policy ${arn} was not found.`);
  const change = new Change(ctx);
  const kept = attached.filter((p) => p.PolicyArn !== arn);
  if (kept.length > 0) principal.spec.AttachedPolicies = kept;
  else delete principal.spec.AttachedPolicies;
  iamChanged(ctx);
  record(change, eventName, { ...principalParameters(principal), policyArn: arn });
  return {};
}

function listAccountAliases(ctx: SimContext): ListAccountAliasesResponse {
  return { AccountAliases: ctx.account.alias !== undefined ? [ctx.account.alias] : [], IsTruncated: false };
}

export const iamService: SimulatedService = {
  service: 'iam',
  clientName: 'IAMClient',
  operations: {
    ListUsers: listUsers,
    ListRoles: listRoles,
    ListGroups: listGroups,
    GetUser: getUser,
    GetRole: getRole,
    GetAccountAuthorizationDetails: getAccountAuthorizationDetails,
    ListAccessKeys: listAccessKeys,
    GetAccessKeyLastUsed: getAccessKeyLastUsed,
    GetLoginProfile: getLoginProfile,
    ListMFADevices: listMfaDevices,
    ListAttachedUserPolicies: listAttachedUserPolicies,
    ListUserPolicies: listUserPolicies,
    GetUserPolicy: getUserPolicy,
    ListGroupsForUser: listGroupsForUser,
    ListAttachedRolePolicies: listAttachedRolePolicies,
    ListRolePolicies: listRolePolicies,
    GetRolePolicy: getRolePolicy,
    GenerateCredentialReport: generateCredentialReport,
    GetCredentialReport: getCredentialReport,
    ListAccountAliases: listAccountAliases,
    UpdateAccessKey: updateAccessKey,
    PutUserPolicy: (ctx: SimContext, input: PutUserPolicyRequest) => putPolicy(ctx, 'PutUserPolicy', userPrincipal(ctx, input.UserName), input),
    DeleteUserPolicy: (ctx: SimContext, input: DeleteUserPolicyRequest) => deletePolicy(ctx, 'DeleteUserPolicy', userPrincipal(ctx, input.UserName), input),
    AttachUserPolicy: (ctx: SimContext, input: AttachUserPolicyRequest) => attachPolicy(ctx, 'AttachUserPolicy', userPrincipal(ctx, input.UserName), input),
    DetachUserPolicy: (ctx: SimContext, input: DetachUserPolicyRequest) => detachPolicy(ctx, 'DetachUserPolicy', userPrincipal(ctx, input.UserName), input),
    PutRolePolicy: (ctx: SimContext, input: PutRolePolicyRequest) => putPolicy(ctx, 'PutRolePolicy', rolePrincipal(ctx, input.RoleName), input),
    DeleteRolePolicy: (ctx: SimContext, input: DeleteRolePolicyRequest) => deletePolicy(ctx, 'DeleteRolePolicy', rolePrincipal(ctx, input.RoleName), input),
    AttachRolePolicy: (ctx: SimContext, input: AttachRolePolicyRequest) => attachPolicy(ctx, 'AttachRolePolicy', rolePrincipal(ctx, input.RoleName), input),
    DetachRolePolicy: (ctx: SimContext, input: DetachRolePolicyRequest) => detachPolicy(ctx, 'DetachRolePolicy', rolePrincipal(ctx, input.RoleName), input),
  },
};
