// IAM: users with their keys, login profiles, MFA and policies, and roles. The bulk comes from
// two cheap sources — GetAccountAuthorizationDetails (users, groups, roles and their policies, a
// thousand a page) and the credential report (MFA, passwords, keys' last use, one CSV) — plus
// ListAccessKeys per user for the key ids. A key's last use is joined from the report by its
// creation time; GetAccessKeyLastUsed is called only for a key that join cannot place.

import {
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetCredentialReportCommand,
  paginateGetAccountAuthorizationDetails,
  paginateListAccessKeys,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { AccessKey, IamRole, IamUser, RootAccount } from '../../types.js';
import { mapLimit, toMs, type CollectContext } from '../collector.js';

export const PERMISSIONS = [
  'iam:GetAccountAuthorizationDetails',
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
] as const;

type ReportRow = Record<string, string>;

export async function collectIam(ctx: CollectContext): Promise<{ users: IamUser[]; roles: IamRole[]; root?: RootAccount }> {
  const client = ctx.clients.iam();
  const users: IamUser[] = [];
  const roles: IamRole[] = [];
  for await (const page of paginateGetAccountAuthorizationDetails({ client, pageSize: 1000 }, { Filter: ['User', 'Role'] })) {
    for (const u of page.UserDetailList ?? []) {
      if (!u.UserName || !u.Arn) continue;
      users.push({
        name: u.UserName,
        arn: u.Arn,
        id: u.UserId,
        createDate: toMs(u.CreateDate) ?? 0,
        hasLoginProfile: false,
        mfaEnabled: false,
        accessKeys: [],
        attachedPolicies: (u.AttachedManagedPolicies ?? []).map((p) => ({ name: p.PolicyName ?? '', arn: p.PolicyArn ?? '' })),
        inlinePolicyNames: (u.UserPolicyList ?? []).map((p) => p.PolicyName ?? ''),
        groups: u.GroupList ?? [],
        tags: Object.fromEntries((u.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      });
    }
    for (const r of page.RoleDetailList ?? []) {
      if (!r.RoleName || !r.Arn) continue;
      roles.push({
        name: r.RoleName,
        arn: r.Arn,
        path: r.Path,
        tags: Object.fromEntries((r.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        createDate: toMs(r.CreateDate) ?? 0,
        attachedPolicies: (r.AttachedManagedPolicies ?? []).map((p) => ({ name: p.PolicyName ?? '', arn: p.PolicyArn ?? '' })),
        inlinePolicyNames: (r.RolePolicyList ?? []).map((p) => p.PolicyName ?? ''),
        lastUsedDate: toMs(r.RoleLastUsed?.LastUsedDate),
      });
    }
  }
  const report = await credentialReport(client);
  await mapLimit(users, ctx.settings.concurrency, async (user) => {
    const row = report.get(user.name);
    if (row) {
      user.mfaEnabled = row.mfa_active === 'true';
      user.hasLoginProfile = row.password_enabled === 'true';
      user.passwordLastUsed = reportDate(row.password_last_used);
    }
    for await (const page of paginateListAccessKeys({ client, pageSize: 1000 }, { UserName: user.name })) {
      for (const k of page.AccessKeyMetadata ?? []) {
        if (!k.AccessKeyId) continue;
        user.accessKeys.push({
          id: k.AccessKeyId,
          userName: user.name,
          status: k.Status === 'Inactive' ? 'Inactive' : 'Active',
          createDate: toMs(k.CreateDate) ?? 0,
        });
      }
    }
    for (const key of user.accessKeys) {
      if (row && joinLastUsed(key, row)) continue;
      if (key.status !== 'Active') continue;
      const out = await client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.id }));
      key.lastUsedDate = toMs(out.AccessKeyLastUsed?.LastUsedDate);
      key.lastUsedService = notNA(out.AccessKeyLastUsed?.ServiceName);
      key.lastUsedRegion = notNA(out.AccessKeyLastUsed?.Region);
    }
  });
  const rootRow = report.get('<root_account>');
  const root: RootAccount | undefined = rootRow && {
    mfaEnabled: rootRow.mfa_active === 'true',
    accessKeysActive: Number(rootRow.access_key_1_active === 'true') + Number(rootRow.access_key_2_active === 'true'),
    passwordLastUsed: reportDate(rootRow.password_last_used),
  };
  return { users, roles, root };
}

/** Fills a key's last use from the report slot whose last_rotated equals the key's creation time. */
function joinLastUsed(key: AccessKey, row: ReportRow): boolean {
  for (const slot of ['1', '2']) {
    const rotated = reportDate(row[`access_key_${slot}_last_rotated`]);
    if (rotated === undefined || Math.abs(rotated - key.createDate) >= 1000) continue;
    key.lastUsedDate = reportDate(row[`access_key_${slot}_last_used_date`]);
    key.lastUsedService = notNA(row[`access_key_${slot}_last_used_service`]);
    key.lastUsedRegion = notNA(row[`access_key_${slot}_last_used_region`]);
    return true;
  }
  return false;
}

const REPORT_POLL_MS = 2000;
const REPORT_MAX_POLLS = 30;

/** The credential report by user name; generated if missing (IAM makes a new one at most every 4 hours). */
async function credentialReport(client: IAMClient): Promise<Map<string, ReportRow>> {
  for (let attempt = 0; attempt < REPORT_MAX_POLLS; attempt++) {
    const state = await client.send(new GenerateCredentialReportCommand({}));
    if (state.State === 'COMPLETE') break;
    await new Promise((resolve) => setTimeout(resolve, REPORT_POLL_MS));
  }
  const out = await client.send(new GetCredentialReportCommand({}));
  const csv = Buffer.from(out.Content ?? new Uint8Array()).toString('utf8');
  return parseCredentialReport(csv);
}

export function parseCredentialReport(csv: string): Map<string, ReportRow> {
  const lines = csv.split(/\r?\n/).filter(Boolean);
  const header = (lines.shift() ?? '').split(',');
  const rows = new Map<string, ReportRow>();
  for (const line of lines) {
    const cells = line.split(',');
    const row: ReportRow = {};
    header.forEach((h, i) => { row[h] = cells[i] ?? ''; });
    if (row.user) rows.set(row.user, row);
  }
  return rows;
}

function reportDate(value: string | undefined): number | undefined {
  if (!value || value === 'N/A' || value === 'no_information' || value === 'not_supported') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

const notNA = (v: string | undefined): string | undefined => (v && v !== 'N/A' ? v : undefined);
