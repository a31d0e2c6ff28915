// Shared by the action tests: a small account written as a scenario, collected through the real
// collectors into AuditData, real SDK clients on the simulated account, and apply/undo helpers
// that check every call a step makes against what it and its action declare.

import type { Finding } from '../../../src/detectors/types.js';
import { AwsClients } from '../../../src/providers/aws/clients.js';
import { collectAccount } from '../../../src/providers/aws/collect.js';
import { RateLimiter } from '../../../src/providers/aws/rate-limit.js';
import type { AuditData } from '../../../src/providers/types.js';
import type { ActionContext, PlannedStep, RemediationAction, StepOutcome, UndoData } from '../../../src/remediation/types.js';
import type { CloudTrailRecord, Scenario, ScenarioInstance, ScenarioSecurityGroup } from '../../../src/scenario/types.js';
import { SimulatedAccount } from '../../../src/simulator/index.js';
import { mergeDeep } from '../../../src/domain/merge-deep.js';
import { loadConfig } from '../../../src/engine/config.js';
import { parseRemediationConfig, type RemediationConfig } from '../../../src/remediation/planner.js';

export const ACCOUNT_ID = '111122223333';
export const REGION = 'us-east-1';
export const NOW = '2026-11-27T09:00:00.000Z';
export const NOW_MS = Date.parse(NOW);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const RUN_ID = 'run-20261127-0900';
export const VPC = 'vpc-0aaaaaaaaaaaaaaa1';

export const ago = (ms: number): string => new Date(NOW_MS - ms).toISOString();

export function scenario(parts: Partial<Scenario>): Scenario {
  return {
    format: 'rigwatch-scenario/1',
    name: 'remediation-test',
    now: NOW,
    account: { id: ACCOUNT_ID },
    regions: [{ RegionName: REGION, OptInStatus: 'opt-in-not-required' }],
    simulation: { enforceLimits: false },
    ...parts,
  };
}

export function instance(id: string, extra: Partial<ScenarioInstance> = {}): ScenarioInstance {
  const volume = `vol-${id.slice(2)}`;
  return {
    InstanceId: id,
    InstanceType: 'c5.4xlarge',
    LaunchTime: ago(2 * DAY),
    State: { Name: 'running' },
    Region: REGION,
    VpcId: VPC,
    SubnetId: 'subnet-0aaaaaaaaaaaaaaa1',
    Placement: { AvailabilityZone: `${REGION}a` },
    SecurityGroups: [{ GroupId: 'sg-0app00000000000001', GroupName: 'app' }],
    RootDeviceName: '/dev/xvda',
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: volume, DeleteOnTermination: true } }],
    NetworkInterfaces: [{ NetworkInterfaceId: `eni-${id.slice(2)}` }],
    ...extra,
  };
}

/** The EBS volume `instance()` gives an instance. */
export function volumeOf(instanceId: string): Record<string, unknown> & { Region: string } {
  return {
    VolumeId: `vol-${instanceId.slice(2)}`, Region: REGION, Size: 8, VolumeType: 'gp3', State: 'in-use', CreateTime: ago(2 * DAY),
    AvailabilityZone: `${REGION}a`, Encrypted: false,
    Attachments: [{ InstanceId: instanceId, Device: '/dev/xvda', State: 'attached', DeleteOnTermination: true, AttachTime: ago(2 * DAY) }],
  };
}

export function group(id: string, name: string, extra: Partial<ScenarioSecurityGroup> = {}): ScenarioSecurityGroup {
  return {
    GroupId: id, GroupName: name, Region: REGION, VpcId: VPC, Description: name,
    IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }],
    IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    ...extra,
  };
}

let eventSeq = 0;

/** A successful IAM call by the user `userArn` with key `accessKeyId`, `hoursAgo` before now. */
export function iamEvent(eventName: string, userArn: string, accessKeyId: string, hoursAgo: number, request: Record<string, unknown>, response: Record<string, unknown> | null = null): CloudTrailRecord {
  eventSeq++;
  const userName = userArn.split('/').pop()!;
  return {
    eventVersion: '1.10', eventTime: ago(hoursAgo * HOUR).replace('.000Z', 'Z'), eventSource: 'iam.amazonaws.com', eventName, awsRegion: REGION,
    eventID: `00000000-0000-4000-8000-${String(eventSeq).padStart(12, '0')}`, sourceIPAddress: '185.220.101.34', userAgent: 'Boto3/1.34.144',
    userIdentity: { type: 'IAMUser', principalId: `AIDA${userName.toUpperCase()}`, arn: userArn, accountId: ACCOUNT_ID, accessKeyId, userName },
    requestParameters: request, responseElements: response, readOnly: false, eventType: 'AwsApiCall', managementEvent: true, recipientAccountId: ACCOUNT_ID,
  };
}

export function finding(f: Partial<Finding> & Pick<Finding, 'id' | 'detector' | 'remediations'>): Finding {
  return { severity: 'critical', title: f.id, account: ACCOUNT_ID, region: REGION, resources: [], evidence: {}, ...f };
}

const IAM_EVENTS = ['CreateUser', 'CreateAccessKey', 'AttachUserPolicy', 'AttachRolePolicy'];

export interface Harness {
  account: SimulatedAccount;
  clients: AwsClients;
  ctx: ActionContext;
  /** Every IAM action the simulated account saw from the actions' prepare, apply and undo (not from the tests' own reads). */
  actionCalls: Set<string>;
  /** The account as the collectors see it now. */
  collect(): Promise<AuditData>;
}

export function harness(s: Scenario, callerArn?: string): Harness {
  const account = new SimulatedAccount(s);
  const clients = new AwsClients({
    credentials: { accessKeyId: 'AKIASIMULATED000000', secretAccessKey: 'simulated' },
    decorate: (c, r) => account.attach(c, r),
    rateLimiter: new RateLimiter({}),
    maxAttempts: 1,
  });
  const ctx: ActionContext = { clients, runId: RUN_ID, now: NOW_MS, ...(callerArn !== undefined && { callerArn }) };
  return {
    account, clients, ctx, actionCalls: new Set(),
    collect: () => collectAccount({
      clients, now: NOW_MS, window: { start: NOW_MS - 7 * DAY, end: NOW_MS }, regions: [REGION],
      settings: {
        cloudtrail: IAM_EVENTS.map((eventName) => ({ eventName, eventSource: 'iam.amazonaws.com', since: NOW_MS - 7 * DAY })),
        metrics: { periodSeconds: 300, lookbackHours: 24 },
        costs: { baselineDays: 7 },
        userData: { enabled: false, maxBytes: 16_384 },
        guardduty: { enabled: false },
        concurrency: 4,
        incremental: { cloudtrailOverlapMinutes: 30, metricsOverlapMinutes: 15, inventoryMaxAgeMinutes: 60, costRefreshMinutes: 60, costRestateDays: 3, anomalyRefreshMinutes: 360 },
      },
    }),
  };
}

/** Which calls the simulated account saw between two snapshots of its counts. */
export function callsBetween(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.keys(after).filter((k) => (after[k] ?? 0) > (before[k] ?? 0)).sort();
}

/** What the helpers call: the parts of an action that do not depend on its options. */
export type Runnable = Pick<RemediationAction<unknown>, 'prepare' | 'apply' | 'undo'>;

export interface Applied {
  step: PlannedStep;
  undo: UndoData;
  outcome: StepOutcome;
  /** Every IAM action prepare and apply called. */
  calls: string[];
}

/**
 * Prepares and applies each step in plan order (dependencies first) as the runner does: a step
 * whose dependency did not end `done` is not run, and is reported skipped.
 */
export async function applySteps(h: Harness, action: Runnable, steps: readonly PlannedStep[]): Promise<Applied[]> {
  const out: Applied[] = [];
  const status = new Map<string, string>();
  for (const s of steps) {
    const blocker = s.dependsOn.find((d) => status.has(d) && status.get(d) !== 'done');
    if (blocker) {
      status.set(s.id, 'skipped');
      out.push({ step: s, undo: {}, outcome: { status: 'skipped', reason: `depends on ${blocker}` }, calls: [] });
      continue;
    }
    const before = h.account.callCounts();
    const undo = await action.prepare(s, h.ctx);
    const outcome = await action.apply(s, JSON.parse(JSON.stringify(undo)) as UndoData, h.ctx);
    const calls = callsBetween(before, h.account.callCounts());
    for (const c of calls) h.actionCalls.add(c);
    status.set(s.id, outcome.status);
    out.push({ step: s, undo, outcome, calls });
  }
  return out;
}

/**
 * Undoes applied steps in reverse order, with their journaled (JSON round-tripped) undo data, under
 * a run id of the rollback's own as the runner does.
 */
export async function undoSteps(h: Harness, action: Runnable, applied: readonly Applied[]): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  const ctx = { ...h.ctx, runId: `${h.ctx.runId}-rollback` };
  for (const a of [...applied].reverse()) {
    const before = h.account.callCounts();
    outcomes.push(await action.undo(a.step, JSON.parse(JSON.stringify(a.undo)) as UndoData, ctx));
    for (const c of callsBetween(before, h.account.callCounts())) h.actionCalls.add(c);
  }
  return outcomes.reverse();
}

// ---- an account with a stolen key ---------------------------------------------------------------

export const STOLEN_KEY = 'AKIAOPSDEPLOY0000001';
/** ops-deploy's other key, used by CI as usual during the window: not the attacker's. */
export const CI_KEY = 'AKIAOPSDEPLOY0000002';
export const BACKDOOR_KEY = 'AKIABACKDOOR00000001';
export const OPS_ARN = `arn:aws:iam::${ACCOUNT_ID}:user/deploy-bot/ops-deploy`;
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/ci/ci-runner`;
const policy = (name: string) => ({ PolicyName: name, PolicyArn: `arn:aws:iam::aws:policy/${name}` });
export const ADMIN = policy('AdministratorAccess').PolicyArn;
export const POWER_USER = policy('PowerUserAccess').PolicyArn;

/**
 * ops-deploy's key is stolen: with it the attacker creates support-admin with a key and
 * AdministratorAccess, and gives the role ci-runner PowerUserAccess. With ops-deploy's other key,
 * CI rotates a key and attaches AdministratorAccess to bob, as it always has.
 */
export function stolenKeyScenario(): Scenario {
  const key = (AccessKeyId: string, hoursAgo: number) => ({ AccessKeyId, Status: 'Active' as const, CreateDate: ago(hoursAgo * HOUR) });
  return scenario({
    iam: {
      users: [
        { UserName: 'ops-deploy', Arn: OPS_ARN, Path: '/deploy-bot/', CreateDate: ago(400 * DAY), AccessKeys: [key(STOLEN_KEY, 300 * 24), key(CI_KEY, 30)], Tags: [{ Key: 'team', Value: 'ci' }] },
        { UserName: 'support-admin', Arn: `arn:aws:iam::${ACCOUNT_ID}:user/support-admin`, CreateDate: ago(40 * HOUR), AccessKeys: [key(BACKDOOR_KEY, 39)], AttachedPolicies: [policy('AdministratorAccess')] },
        { UserName: 'bob', Arn: `arn:aws:iam::${ACCOUNT_ID}:user/bob`, CreateDate: ago(900 * DAY), AttachedPolicies: [policy('AdministratorAccess')] },
      ],
      roles: [
        { RoleName: 'ci-runner', Arn: ROLE_ARN, Path: '/ci/', CreateDate: ago(500 * DAY), AttachedPolicies: [policy('ReadOnlyAccess'), policy('PowerUserAccess')] },
        { RoleName: 'AWSServiceRoleForAutoScaling', Arn: `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`, Path: '/aws-service-role/autoscaling.amazonaws.com/', CreateDate: ago(900 * DAY) },
      ],
    },
    cloudtrail: {
      events: [
        iamEvent('CreateUser', OPS_ARN, STOLEN_KEY, 40, { userName: 'support-admin' }, { user: { userName: 'support-admin', arn: `arn:aws:iam::${ACCOUNT_ID}:user/support-admin` } }),
        iamEvent('CreateAccessKey', OPS_ARN, STOLEN_KEY, 39, { userName: 'support-admin' }, { accessKey: { userName: 'support-admin', accessKeyId: BACKDOOR_KEY, status: 'Active' } }),
        iamEvent('AttachUserPolicy', OPS_ARN, STOLEN_KEY, 38, { userName: 'support-admin', policyArn: ADMIN }),
        iamEvent('AttachRolePolicy', OPS_ARN, STOLEN_KEY, 37, { roleName: 'ci-runner', policyArn: POWER_USER }),
        iamEvent('CreateAccessKey', OPS_ARN, CI_KEY, 30, { userName: 'ops-deploy' }, { accessKey: { userName: 'ops-deploy', accessKeyId: CI_KEY, status: 'Active' } }),
        iamEvent('AttachUserPolicy', OPS_ARN, CI_KEY, 20, { userName: 'bob', policyArn: ADMIN }),
      ],
    },
  });
}

/** The finding iam-credential-activity makes of it. */
export const STOLEN_KEY_FINDING = finding({
  id: 'iam-credential-activity:0000000000000001', detector: 'iam-credential-activity', region: 'global',
  resources: [{ type: 'AWS::IAM::User', id: 'ops-deploy' }, { type: 'AWS::IAM::User', id: 'support-admin' }],
  actor: { arn: OPS_ARN, accessKeyId: STOLEN_KEY, sourceIPs: ['185.220.101.34'] },
  remediations: ['disable-access-key', 'revoke-sessions', 'quarantine-principal'],
});

/** A finding whose actor is a session of the role ci-runner. */
export const ROLE_SESSION_FINDING = finding({
  id: 'trail-tampering:0000000000000002', detector: 'trail-tampering',
  resources: [{ type: 'AWS::CloudTrail::Trail', id: 'main' }],
  actor: { arn: ROLE_ARN, accessKeyId: 'ASIAEXAMPLESESSION01' },
  remediations: ['revoke-sessions', 'quarantine-principal'],
});

/** The remediation config as a run gets it (config/remediation.yaml through the engine's loader), with `overrides` merged over it. */
export async function remediationConfig(overrides: Record<string, unknown> = {}): Promise<RemediationConfig> {
  return parseRemediationConfig(mergeDeep((await loadConfig()).remediation as unknown as Record<string, unknown>, overrides));
}
