// deploy/template.yaml and deploy/member-role.yaml are generated from the code: the committed
// files must be what the code renders now, and their IAM policies must be exactly what rigwatch
// declares it calls — the read-only audit for the function, remediation only for the role a
// responder assumes.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PSEUDO_PARAMETERS, REGENERATE_COMMAND, type Json } from '../../src/deploy/cfn.js';
import { buildMemberRoleTemplate, MEMBER_ROLE_NAME, renderMemberRoleTemplate } from '../../src/deploy/member-role.js';
import { buildTemplate, DEFAULT_SCHEDULE, defaultRemediationActions, renderTemplate, STATE_PREFIX } from '../../src/deploy/template.js';
import { loadConfig } from '../../src/engine/config.js';
import { ASSUME_ROLE_PERMISSIONS, CONFIG_PERMISSIONS, LAMBDA_ENV, NOTIFY_PERMISSIONS, STATE_BUCKET_PERMISSIONS, STATE_PERMISSIONS } from '../../src/lambda/permissions.js';
import { auditActions, auditPolicy } from '../../src/providers/aws/permissions.js';
import { remediationPermissions, remediationPolicy } from '../../src/remediation/index.js';
import { ACTION_IDS } from '../../src/remediation/types.js';

type Obj = { [key: string]: Json };

const read = (name: string): string => readFileSync(new URL(`../../deploy/${name}`, import.meta.url), 'utf8');
const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: Json | undefined, what: string): Obj => {
  if (!isObj(v)) throw new Error(`${what} is not a mapping`);
  return v;
};
const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** Every node of the tree, depth first (Fn::If branches included). */
function* walk(node: Json): Generator<Json> {
  yield node;
  if (Array.isArray(node)) for (const v of node) yield* walk(v);
  else if (isObj(node)) for (const v of Object.values(node)) yield* walk(v);
}

interface Statement { Sid?: string; Effect: string; Action?: Json; NotAction?: Json; Principal?: Json }

/** Every IAM policy statement in the tree: a mapping with an Effect. */
const statements = (node: Json): Statement[] => [...walk(node)].filter((n): n is Obj => isObj(n) && typeof n.Effect === 'string') as unknown as Statement[];

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a): a is string => typeof a === 'string');

const allowedActions = (node: Json): string[] => sorted(statements(node).filter((s) => s.Effect === 'Allow').flatMap(actionsOf));

/**
 * The template as a YAML reader sees what the code renders now: the checks below fail on a code
 * change before the file is regenerated, and the first test holds the committed file to it.
 */
const template = obj(parseYaml(renderTemplate()) as Json, 'template');
const resources = obj(template.Resources, 'Resources');
const parameters = obj(template.Parameters, 'Parameters');
const conditions = obj(template.Conditions, 'Conditions');
const resource = (name: string): Obj => obj(resources[name], name);
const properties = (name: string): Obj => obj(resource(name).Properties, `${name}.Properties`);

/** A role's inline policies by name, whether or not they are conditional. */
function inlinePolicies(role: string): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const entry of properties(role).Policies as Json[]) {
    for (const node of walk(entry)) if (isObj(node) && typeof node.PolicyName === 'string') out.set(node.PolicyName, node.PolicyDocument!);
  }
  return out;
}

const FUNCTION_DECLARED = new Set<string>([...auditActions(), ...STATE_PERMISSIONS, ...STATE_BUCKET_PERMISSIONS, ...NOTIFY_PERMISSIONS, ...CONFIG_PERMISSIONS, ...ASSUME_ROLE_PERMISSIONS]);
const DECLARED = new Set<string>([...FUNCTION_DECLARED, ...remediationPermissions(ACTION_IDS)]);
/** What only remediation calls: writes, and the reads no collector makes. */
const REMEDIATION_ONLY = remediationPermissions(ACTION_IDS).filter((a) => !auditActions().includes(a));

describe('deploy/*.yaml', () => {
  it('are what the code renders now', () => {
    expect(read('template.yaml'), `deploy/template.yaml is stale: run \`${REGENERATE_COMMAND}\``).toBe(renderTemplate());
    expect(read('member-role.yaml'), `deploy/member-role.yaml is stale: run \`${REGENERATE_COMMAND}\``).toBe(renderMemberRoleTemplate());
  });

  it('parse as YAML into exactly the templates the code builds', () => {
    expect(parseYaml(read('template.yaml'))).toEqual(JSON.parse(JSON.stringify(buildTemplate())));
    expect(parseYaml(read('member-role.yaml'))).toEqual(JSON.parse(JSON.stringify(buildMemberRoleTemplate())));
    expect(template).toEqual(JSON.parse(JSON.stringify(buildTemplate())));
    expect(template.Transform).toBe('AWS::Serverless-2016-10-31');
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
  });

  // cfn-lint runs the SAM transform and checks every property against the CloudFormation resource
  // schemas (and flags deprecated Lambda runtimes). It is a Python tool: skipped where it is absent.
  const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  it.skipIf(cfnLint.status !== 0)('pass cfn-lint (SAM transform, resource schemas)', () => {
    const files = ['template.yaml', 'member-role.yaml'].map((name) => fileURLToPath(new URL(`../../deploy/${name}`, import.meta.url)));
    const run = spawnSync('cfn-lint', files, { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('use only long-form intrinsic functions (no !Ref tags) and no YAML aliases', () => {
    for (const rendered of [renderTemplate(), renderMemberRoleTemplate()]) {
      const text = rendered.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n');
      expect(text).not.toMatch(/ !(Ref|Sub|GetAtt|If|Equals|Not)\b/);
      expect(text).not.toMatch(/[&*][a-z]+\d+\s*$/m);
    }
  });
});

describe('the SAM template', () => {
  it('resolves every Ref, Fn::GetAtt, Fn::Sub variable and condition name', () => {
    const names = new Set([...Object.keys(resources), ...Object.keys(parameters), ...PSEUDO_PARAMETERS]);
    const missing: string[] = [];
    for (const node of walk(template)) {
      if (!isObj(node)) continue;
      if (typeof node.Ref === 'string' && !names.has(node.Ref)) missing.push(`Ref ${node.Ref}`);
      const getAtt = node['Fn::GetAtt'];
      if (getAtt !== undefined) {
        const [target] = getAtt as string[];
        if (!target || !(target in resources)) missing.push(`Fn::GetAtt ${String(target)}`);
      }
      const fnSub = node['Fn::Sub'];
      if (fnSub !== undefined) {
        expect(typeof fnSub, 'Fn::Sub with a variable map').toBe('string');
        for (const [, variable] of (fnSub as string).matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const base = variable!.startsWith('AWS::') ? variable! : variable!.split('.')[0]!;
          if (!names.has(base)) missing.push(`Fn::Sub \${${variable}}`);
          if (variable!.includes('.') && !variable!.startsWith('AWS::') && !(base in resources)) missing.push(`Fn::Sub attribute of ${base}`);
        }
      }
      const fnIf = node['Fn::If'];
      if (fnIf !== undefined && !((fnIf as string[])[0]! in conditions)) missing.push(`Fn::If ${String((fnIf as string[])[0])}`);
    }
    for (const [name, res] of Object.entries(resources)) {
      const condition = obj(res, name).Condition;
      if (condition !== undefined && !((condition as string) in conditions)) missing.push(`${name}.Condition ${String(condition)}`);
    }
    for (const [name, out] of Object.entries(obj(template.Outputs, 'Outputs'))) {
      const condition = obj(out, name).Condition;
      if (condition !== undefined && !((condition as string) in conditions)) missing.push(`Outputs.${name}.Condition ${String(condition)}`);
    }
    expect(missing).toEqual([]);
  });

  it('gives the audit role exactly auditPolicy()\'s read-only actions, on "*"', () => {
    const readOnly = inlinePolicies('AuditRole').get('RigwatchAuditReadOnly')!;
    const stmts = statements(readOnly);
    expect(stmts.flatMap(actionsOf).sort()).toEqual(auditActions());
    expect(stmts.flatMap(actionsOf).sort()).toEqual(auditPolicy().Statement.flatMap((s) => s.Action).sort());
    expect(stmts.every((s) => s.Effect === 'Allow' && (s as unknown as Obj).Resource === '*')).toBe(true);
  });

  it('scopes the function\'s state, notify, config and assume-role permissions to their resources', () => {
    const policies = inlinePolicies('AuditRole');
    expect([...policies.keys()].sort()).toEqual(['RigwatchAssumeMemberRole', 'RigwatchAuditReadOnly', 'RigwatchConfig', 'RigwatchNotify', 'RigwatchState']);
    const only = (name: string): Statement & { Resource: Json } => {
      const stmts = statements(policies.get(name)!);
      expect(stmts).toHaveLength(1);
      return stmts[0] as Statement & { Resource: Json };
    };
    const state = statements(policies.get('RigwatchState')!) as (Statement & { Resource: Json; Condition?: Json })[];
    expect(state.map(actionsOf)).toEqual([[...STATE_PERMISSIONS], [...STATE_BUCKET_PERMISSIONS]]);
    expect(state[0]?.Resource).toEqual({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${StateBucket}/${STATE_PREFIX}*` });
    expect(state[1]?.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${StateBucket}' });
    expect(state[1]?.Condition).toEqual({ StringLike: { 's3:prefix': [`${STATE_PREFIX}*`] } });
    expect(actionsOf(only('RigwatchNotify'))).toEqual([...NOTIFY_PERMISSIONS]);
    expect(only('RigwatchNotify').Resource).toEqual({ Ref: 'AlertsTopic' });
    expect(actionsOf(only('RigwatchConfig'))).toEqual([...CONFIG_PERMISSIONS]);
    expect(only('RigwatchConfig').Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${ConfigParameterName}' });
    expect(actionsOf(only('RigwatchAssumeMemberRole'))).toEqual([...ASSUME_ROLE_PERMISSIONS]);
    expect(only('RigwatchAssumeMemberRole').Resource).toEqual({ Ref: 'MemberRoleArn' });
    // The config and assume-role policies exist only when their parameter is set.
    const conditional = (properties('AuditRole').Policies as Json[]).filter((p) => isObj(p) && 'Fn::If' in p).map((p) => ((p as Obj)['Fn::If'] as Json[])[0]);
    expect(conditional).toEqual(['HasConfigParameter', 'HasMemberRole']);
    const env = obj(obj(properties('AuditFunction').Environment, 'Environment').Variables, 'Variables');
    expect(env[LAMBDA_ENV.statePrefix]).toBe(STATE_PREFIX);
  });

  it('contains no action outside the lists rigwatch declares, and no Deny but the TLS one', () => {
    const all = statements(template);
    expect(all.filter((s) => s.NotAction !== undefined)).toEqual([]);
    expect(allowedActions(template).filter((a) => !DECLARED.has(a))).toEqual([]);
    const denies = all.filter((s) => s.Effect === 'Deny');
    expect(denies.map((s) => s.Sid)).toEqual(['DenyInsecureTransport']);
    expect(all.every((s) => s.Effect === 'Allow' || s.Effect === 'Deny')).toBe(true);
    expect(allowedActions(parseYaml(renderMemberRoleTemplate()) as Json).filter((a) => !DECLARED.has(a))).toEqual([]);
  });

  it('gives the function no remediation action and no way to the remediation role', () => {
    const fn = properties('AuditFunction');
    expect(fn.Role).toEqual({ 'Fn::GetAtt': ['AuditRole', 'Arn'] });
    expect(fn.Policies).toBeUndefined();
    const roleActions = allowedActions(properties('AuditRole').Policies as Json);
    expect(roleActions.filter((a) => !FUNCTION_DECLARED.has(a))).toEqual([]);
    expect(roleActions.filter((a) => REMEDIATION_ONLY.includes(a))).toEqual([]);
    expect(properties('AuditRole').ManagedPolicyArns).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' }]);
    expect(JSON.stringify(resource('AuditFunction'))).not.toContain('RemediationRole');
    expect(JSON.stringify(resource('AuditRole'))).not.toContain('RemediationRole');
  });

  it('gives the remediation role remediationPolicy() of the default actions plus the read-only audit, behind MFA', async () => {
    const enabled = defaultRemediationActions();
    expect(enabled).toEqual((await loadConfig()).remediation.enabled);
    const role = resource('RemediationRole');
    expect(role.Condition).toBe('CreateRemediationRole');
    const granted = allowedActions(obj(role.Properties, 'Properties').Policies as Json);
    expect(granted).toEqual(sorted([...remediationPolicy(enabled).Statement.flatMap((s) => s.Action), ...auditActions()]));
    expect(granted).toEqual(sorted([...remediationPermissions(enabled), ...auditActions()]));
    const trust = statements(obj(role.Properties, 'Properties').AssumeRolePolicyDocument as Json);
    expect(trust).toEqual([{
      Effect: 'Allow', Principal: { AWS: { Ref: 'RemediationTrustedPrincipalArn' } }, Action: 'sts:AssumeRole',
      Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    }]);
    expect(properties('RemediationRole').MaxSessionDuration).toBe(3600);
  });

  it('follows the remediation actions it is given', () => {
    const all = buildTemplate({ remediationActions: ACTION_IDS }) as Obj;
    const role = obj(obj(obj(all.Resources, 'Resources').RemediationRole, 'RemediationRole').Properties, 'Properties');
    expect(allowedActions(role.Policies as Json)).toEqual(sorted([...remediationPermissions(ACTION_IDS), ...auditActions()]));
  });

  it('keeps each role\'s inline policies under the IAM limit of 10,240 characters', () => {
    for (const role of ['AuditRole', 'RemediationRole']) {
      expect(JSON.stringify(properties(role).Policies).length, role).toBeLessThan(10_240);
    }
  });

  it('runs the audit on a schedule, one run at a time', () => {
    expect(obj(parameters.ScheduleExpression, 'ScheduleExpression').Default).toBe('rate(15 minutes)');
    expect(DEFAULT_SCHEDULE).toBe('rate(15 minutes)');
    const fn = properties('AuditFunction');
    expect(fn.Events).toEqual({ Schedule: { Type: 'Schedule', Properties: { Schedule: { Ref: 'ScheduleExpression' }, Description: 'rigwatch scheduled audit' } } });
    expect(fn.ReservedConcurrentExecutions).toBe(1);
    expect(fn.Timeout).toBe(900);
    expect(fn.Handler).toBe('index.handler');
    expect(fn.CodeUri).toBe('../dist/lambda/');
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.MemorySize).toEqual({ Ref: 'MemorySize' });
    expect(fn.LoggingConfig).toEqual({ LogGroup: { Ref: 'AuditLogGroup' } });
    expect(properties('AuditLogGroup').RetentionInDays).toEqual({ Ref: 'LogRetentionDays' });
  });

  it('passes the handler its environment under the names it reads', () => {
    const env = obj(obj(properties('AuditFunction').Environment, 'Environment').Variables, 'Variables');
    const known = new Set<string>(Object.values(LAMBDA_ENV));
    expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
    expect(env[LAMBDA_ENV.stateBucket]).toEqual({ Ref: 'StateBucket' });
    expect(env[LAMBDA_ENV.snsTopicArn]).toEqual({ Ref: 'AlertsTopic' });
    expect(env[LAMBDA_ENV.regions]).toEqual({ 'Fn::If': ['HasAuditRegions', { Ref: 'AuditRegions' }, { Ref: 'AWS::NoValue' }] });
    expect(env[LAMBDA_ENV.configParameter]).toEqual({ 'Fn::If': ['HasConfigParameter', { Ref: 'ConfigParameterName' }, { Ref: 'AWS::NoValue' }] });
    expect(env[LAMBDA_ENV.roleArn]).toEqual({ 'Fn::If': ['HasMemberRole', { Ref: 'MemberRoleArn' }, { Ref: 'AWS::NoValue' }] });
    expect(env[LAMBDA_ENV.externalId]).toEqual({ 'Fn::If': ['HasMemberExternalId', { Ref: 'MemberExternalId' }, { Ref: 'AWS::NoValue' }] });
    expect(env[LAMBDA_ENV.scenario]).toBeUndefined();
  });

  it('keeps the state bucket private, encrypted, versioned and TLS-only', () => {
    const bucket = resource('StateBucket');
    expect(bucket.DeletionPolicy).toBe('Retain');
    const p = properties('StateBucket');
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(p.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(p.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(p.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(p.LifecycleConfiguration).toEqual({ Rules: [{ Id: 'ExpireNoncurrentVersions', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 7 } }] });
    const [deny] = statements(properties('StateBucketPolicy').PolicyDocument as Json);
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(properties('StateBucketPolicy').Bucket).toEqual({ Ref: 'StateBucket' });
  });

  it('encrypts the alerts topic and subscribes the email only when one is given', () => {
    expect(properties('AlertsTopic').KmsMasterKeyId).toBe('alias/aws/sns');
    expect(resource('AlertsEmailSubscription').Condition).toBe('HasNotificationEmail');
    expect(properties('AlertsEmailSubscription')).toEqual({ TopicArn: { Ref: 'AlertsTopic' }, Protocol: 'email', Endpoint: { Ref: 'NotificationEmail' } });
  });

  it('declares the parameters the docs describe, with their defaults', () => {
    const defaults = Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, obj(v, k).Default]));
    expect(defaults).toEqual({
      ScheduleExpression: 'rate(15 minutes)', AuditRegions: '', ConfigParameterName: '', NotificationEmail: '',
      EnableRemediationRole: 'false', RemediationTrustedPrincipalArn: '', MemberRoleArn: '', MemberExternalId: '',
      MemorySize: 3072, LogRetentionDays: 30,
    });
    const doc = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
    for (const name of Object.keys(parameters)) expect(doc, `docs/deploy.md describes ${name}`).toContain(`\`${name}\``);
  });
});

describe('the member-account role', () => {
  const member = obj(parseYaml(renderMemberRoleTemplate()) as Json, 'member-role');
  const role = obj(obj(obj(member.Resources, 'Resources').AuditRole, 'AuditRole').Properties, 'Properties');

  it('is a plain CloudFormation template (no transform), deployable with StackSets', () => {
    expect(member.Transform).toBeUndefined();
    expect(Object.keys(obj(member.Resources, 'Resources'))).toEqual(['AuditRole']);
    expect(role.RoleName).toBe(MEMBER_ROLE_NAME);
  });

  it('allows exactly auditPolicy()\'s read-only actions', () => {
    expect(allowedActions(role.Policies as Json)).toEqual(auditActions());
  });

  it('is assumable only by the central principal presenting the external id', () => {
    expect(statements(role.AssumeRolePolicyDocument as Json)).toEqual([{
      Effect: 'Allow', Principal: { AWS: { Ref: 'CentralAuditRoleArn' } }, Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
    }]);
    expect(Object.keys(obj(member.Parameters, 'Parameters')).sort()).toEqual(['CentralAuditRoleArn', 'ExternalId']);
  });
});
