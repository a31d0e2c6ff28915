// deploy/template.yaml, the AWS SAM template that runs rigwatch as a scheduled Lambda function,
// generated from the code so its IAM policies never drift from what rigwatch calls: the audit
// role's read-only actions are auditPolicy()'s, the state/notify/config ones are the lists in
// src/lambda/permissions.ts, and the optional remediation role's are remediationPolicy() of the
// default enabled actions (config/remediation.yaml). test/deploy/template.test.ts compares the
// committed file with renderTemplate() and fails when it is stale.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ASSUME_ROLE_PERMISSIONS, CONFIG_PERMISSIONS, LAMBDA_ENV, NOTIFY_PERMISSIONS, STATE_BUCKET_PERMISSIONS, STATE_PERMISSIONS } from '../lambda/permissions.js';
import { auditPolicy } from '../providers/aws/permissions.js';
import { remediationPolicy } from '../remediation/index.js';
import { parseRemediationConfig } from '../remediation/planner.js';
import type { ActionId } from '../remediation/types.js';
import { equals, fnIf, generatedHeader, getAtt, NO_VALUE, notEmpty, policyDocument, ref, renderYaml, sub, type Json, type PolicyStatement, type ValueComment } from './cfn.js';
import { renderMemberRoleTemplate } from './member-role.js';

/**
 * Lambda runtime. nodejs20.x is deprecated (Apr 30, 2026) and Lambda has blocked creating
 * functions on it since Aug 31, 2026 and updating them since Sep 30, 2026, so a new stack cannot
 * use it; nodejs22.x is the oldest runtime still accepted (deprecated Apr 30, 2027).
 */
export const LAMBDA_RUNTIME = 'nodejs22.x';

/** Key prefix of the state object in the bucket; the function's S3 permissions are scoped to it. */
export const STATE_PREFIX = 'rigwatch/';

/** CodeUri, relative to deploy/template.yaml: the directory `npm run bundle` writes (index.mjs + config/). */
export const CODE_URI = '../dist/lambda/';

export const DEFAULT_SCHEDULE = 'rate(15 minutes)';

/** Values CloudFormation accepts for AWS::Logs::LogGroup RetentionInDays. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const CONFIG_DIR = new URL('../../config/', import.meta.url);

/** The remediation actions enabled by default (config/remediation.yaml), validated like any config. */
export function defaultRemediationActions(): ActionId[] {
  const file = new URL('remediation.yaml', CONFIG_DIR);
  return parseRemediationConfig(parseYaml(readFileSync(file, 'utf8')), 'config/remediation.yaml').enabled;
}

export interface TemplateOptions {
  /** Actions whose permissions the remediation role gets; default: config/remediation.yaml's `enabled`. */
  remediationActions?: readonly ActionId[];
}

const allow = (sid: string, actions: readonly string[], resource: Json): PolicyStatement => ({ Sid: sid, Effect: 'Allow', Action: [...actions], Resource: resource });

const inlinePolicy = (name: string, ...statements: PolicyStatement[]): Json => ({ PolicyName: name, PolicyDocument: policyDocument(...statements) });

/** auditPolicy()'s statements, as they are: read-only actions on "*". */
const auditStatements = (): PolicyStatement[] => auditPolicy().Statement.map((s) => ({ ...s, Action: [...s.Action] }));

const PARAMETERS: Record<string, Json> = {
  ScheduleExpression: {
    Type: 'String',
    Default: DEFAULT_SCHEDULE,
    AllowedPattern: '^(rate|cron)\\(.+\\)$',
    Description: 'How often the audit runs: an EventBridge rate() or cron() expression.',
  },
  AuditRegions: {
    Type: 'String',
    Default: '',
    AllowedPattern: '^([a-z0-9-]+(,[a-z0-9-]+)*)?$',
    Description: 'Comma-separated regions to audit, e.g. us-east-1,eu-west-1. Empty: every region enabled in the account.',
  },
  ConfigParameterName: {
    Type: 'String',
    Default: '',
    AllowedPattern: '^(/[A-Za-z0-9_.\\-/]+)?$',
    Description: 'Full name, starting with /, of an SSM parameter (String, or SecureString under the AWS managed key) holding a rigwatch config, YAML or JSON, that overrides the bundled defaults. Empty: the bundled defaults.',
  },
  NotificationEmail: {
    Type: 'String',
    Default: '',
    AllowedPattern: '^([^@\\s]+@[^@\\s]+)?$',
    Description: 'Email address subscribed to the alerts topic; SNS sends it a confirmation link first. Empty: no subscription.',
  },
  EnableRemediationRole: {
    Type: 'String',
    Default: 'false',
    AllowedValues: ['false', 'true'],
    Description: 'Create the role a responder assumes (with MFA) to run `rigwatch remediate --apply`. The function never uses it.',
  },
  RemediationTrustedPrincipalArn: {
    Type: 'String',
    Default: '',
    AllowedPattern: '^(arn:aws[a-zA-Z-]*:iam::[0-9]{12}:(root|user/.+|role/.+))?$',
    Description: 'IAM user or role ARN (or arn:aws:iam::<account>:root) allowed to assume the remediation role, with MFA. Required when EnableRemediationRole is true.',
  },
  MemberRoleArn: {
    Type: 'String',
    Default: '',
    AllowedPattern: '^(arn:aws[a-zA-Z-]*:iam::[0-9]{12}:role/.+)?$',
    Description: 'Audit another account: the rigwatch-audit role that deploy/member-role.yaml creates there. Empty: audit this account.',
  },
  MemberExternalId: {
    Type: 'String',
    Default: '',
    AllowedPattern: '^([A-Za-z0-9+=,.@:/_-]{2,1224})?$',
    Description: 'External id the member role requires (its ExternalId parameter).',
  },
  MemorySize: {
    Type: 'Number',
    Default: 3072,
    MinValue: 128,
    MaxValue: 10240,
    Description: 'Function memory in MB; Lambda allocates CPU in proportion.',
  },
  LogRetentionDays: {
    Type: 'Number',
    Default: 30,
    AllowedValues: LOG_RETENTION_DAYS,
    Description: 'Days the function\'s CloudWatch logs are kept.',
  },
};

const CONDITIONS: Record<string, Json> = {
  HasAuditRegions: notEmpty('AuditRegions'),
  HasConfigParameter: notEmpty('ConfigParameterName'),
  HasNotificationEmail: notEmpty('NotificationEmail'),
  HasMemberRole: notEmpty('MemberRoleArn'),
  HasMemberExternalId: notEmpty('MemberExternalId'),
  CreateRemediationRole: equals(ref('EnableRemediationRole'), 'true'),
};

/** Omits the environment variable (or policy) unless `condition` holds. */
const onlyIf = (condition: string, value: Json): Json => fnIf(condition, value, NO_VALUE);

function resources(remediationActions: readonly ActionId[]): Record<string, Json> {
  const stateObjects = sub(`arn:\${AWS::Partition}:s3:::\${StateBucket}/${STATE_PREFIX}*`);
  return {
    StateBucket: {
      Type: 'AWS::S3::Bucket',
      // The audit state and acknowledgements outlive the stack.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: { Rules: [{ Id: 'ExpireNoncurrentVersions', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 7 } }] },
      },
    },
    StateBucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: ref('StateBucket'),
        PolicyDocument: policyDocument({
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [getAtt('StateBucket', 'Arn'), sub('${StateBucket.Arn}/*')],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      },
    },
    AlertsTopic: {
      Type: 'AWS::SNS::Topic',
      Properties: { DisplayName: 'rigwatch', KmsMasterKeyId: 'alias/aws/sns' },
    },
    AlertsEmailSubscription: {
      Type: 'AWS::SNS::Subscription',
      Condition: 'HasNotificationEmail',
      Properties: { TopicArn: ref('AlertsTopic'), Protocol: 'email', Endpoint: ref('NotificationEmail') },
    },
    AuditLogGroup: {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: sub('/rigwatch/${AWS::StackName}'), RetentionInDays: ref('LogRetentionDays') },
    },
    AuditRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: 'rigwatch scheduled audit: read-only audit, its state object, its topic, its config parameter. No remediation.',
        AssumeRolePolicyDocument: policyDocument({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }),
        ManagedPolicyArns: [sub('arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole')],
        Policies: [
          inlinePolicy('RigwatchAuditReadOnly', ...auditStatements()),
          inlinePolicy('RigwatchState', allow('RigwatchState', STATE_PERMISSIONS, stateObjects), {
            // A first run's missing state must read as NoSuchKey (404), not AccessDenied.
            ...allow('RigwatchStateList', STATE_BUCKET_PERMISSIONS, sub('arn:${AWS::Partition}:s3:::${StateBucket}')),
            Condition: { StringLike: { 's3:prefix': [`${STATE_PREFIX}*`] } },
          }),
          inlinePolicy('RigwatchNotify', allow('RigwatchNotify', NOTIFY_PERMISSIONS, ref('AlertsTopic'))),
          onlyIf('HasConfigParameter', inlinePolicy('RigwatchConfig', allow('RigwatchConfig', CONFIG_PERMISSIONS,
            sub('arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${ConfigParameterName}')))),
          onlyIf('HasMemberRole', inlinePolicy('RigwatchAssumeMemberRole', allow('RigwatchAssumeMemberRole', ASSUME_ROLE_PERMISSIONS, ref('MemberRoleArn')))),
        ],
      },
    },
    AuditFunction: {
      Type: 'AWS::Serverless::Function',
      Properties: {
        Description: 'rigwatch: scheduled cryptomining audit (read-only)',
        CodeUri: CODE_URI,
        Handler: 'index.handler',
        Runtime: LAMBDA_RUNTIME,
        Architectures: ['arm64'],
        MemorySize: ref('MemorySize'),
        Timeout: 900,
        // One run at a time: a scheduled run that fires while the previous one is still going
        // is throttled, so two runs never read and write the state object concurrently.
        ReservedConcurrentExecutions: 1,
        EventInvokeConfig: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 900 },
        Role: getAtt('AuditRole', 'Arn'),
        LoggingConfig: { LogGroup: ref('AuditLogGroup') },
        Environment: {
          Variables: {
            [LAMBDA_ENV.stateBucket]: ref('StateBucket'),
            [LAMBDA_ENV.statePrefix]: STATE_PREFIX,
            [LAMBDA_ENV.snsTopicArn]: ref('AlertsTopic'),
            [LAMBDA_ENV.regions]: onlyIf('HasAuditRegions', ref('AuditRegions')),
            [LAMBDA_ENV.configParameter]: onlyIf('HasConfigParameter', ref('ConfigParameterName')),
            [LAMBDA_ENV.roleArn]: onlyIf('HasMemberRole', ref('MemberRoleArn')),
            [LAMBDA_ENV.externalId]: onlyIf('HasMemberExternalId', ref('MemberExternalId')),
          },
        },
        Events: {
          Schedule: {
            Type: 'Schedule',
            Properties: { Schedule: ref('ScheduleExpression'), Description: 'rigwatch scheduled audit' },
          },
        },
      },
    },
    // Not attached to the function: the Lambda never remediates on its own. A responder assumes
    // it, with MFA, to plan, apply and roll back containment, and to re-audit.
    RemediationRole: {
      Type: 'AWS::IAM::Role',
      Condition: 'CreateRemediationRole',
      Properties: {
        Description: 'rigwatch remediation, assumed by a responder with MFA: the enabled remediation actions plus the read-only audit.',
        MaxSessionDuration: 3600,
        AssumeRolePolicyDocument: policyDocument({
          Effect: 'Allow',
          Principal: { AWS: ref('RemediationTrustedPrincipalArn') },
          Action: 'sts:AssumeRole',
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        }),
        Policies: [
          inlinePolicy('RigwatchRemediation', ...remediationPolicy(remediationActions).Statement.map((s) => ({ ...s, Action: [...s.Action] })), ...auditStatements()),
        ],
      },
    },
  };
}

const OUTPUTS: Record<string, Json> = {
  FunctionName: { Description: 'The audit function.', Value: ref('AuditFunction') },
  AuditRoleArn: { Description: 'The function\'s role: the principal a member account\'s rigwatch-audit role trusts (CentralAuditRoleArn).', Value: getAtt('AuditRole', 'Arn') },
  StateBucketName: { Description: 'Bucket holding the audit state.', Value: ref('StateBucket') },
  StateDir: { Description: 'The --state-dir for `rigwatch ack` and other commands that read the state.', Value: sub(`s3://\${StateBucket}/${STATE_PREFIX}`) },
  AlertsTopicArn: { Description: 'Topic the function publishes its digest to.', Value: ref('AlertsTopic') },
  LogGroupName: { Description: 'The function\'s logs.', Value: ref('AuditLogGroup') },
  RemediationRoleArn: { Description: 'Role a responder assumes (with MFA) to run remediation.', Condition: 'CreateRemediationRole', Value: getAtt('RemediationRole', 'Arn') },
};

/** The SAM template as an object (long-form intrinsic functions only). */
export function buildTemplate(options: TemplateOptions = {}): Json {
  const remediationActions = options.remediationActions ?? defaultRemediationActions();
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Transform: 'AWS::Serverless-2016-10-31',
    Description: 'rigwatch: scheduled read-only cryptomining audit of this AWS account, state in S3, alerts by SNS.',
    Parameters: PARAMETERS,
    Conditions: CONDITIONS,
    Resources: resources(remediationActions),
    Outputs: OUTPUTS,
  };
}

const FUNCTION = ['Resources', 'AuditFunction', 'Properties'];

const COMMENTS: ValueComment[] = [
  { path: ['Resources', 'StateBucket', 'DeletionPolicy'], comment: 'the audit state and acknowledgements outlive the stack' },
  { path: [...FUNCTION, 'Runtime'], comment: 'not nodejs20.x: Lambda has refused to create functions on it since Aug 31, 2026' },
  { path: [...FUNCTION, 'Timeout'], comment: 'seconds: the Lambda maximum' },
  { path: [...FUNCTION, 'ReservedConcurrentExecutions'], comment: 'one run at a time: a run that fires while the previous one is going is throttled, never overlaps it' },
  { path: [...FUNCTION, 'EventInvokeConfig', 'MaximumRetryAttempts'], comment: 'a failed run is not retried (a retry repeats the Cost Explorer requests); the next scheduled run audits again' },
  { path: [...FUNCTION, 'EventInvokeConfig', 'MaximumEventAgeInSeconds'], comment: 'a throttled run is dropped after 15 minutes instead of queued for up to 6 hours' },
];

export function renderTemplate(options: TemplateOptions = {}): string {
  return renderYaml([
    ...generatedHeader('src/deploy/template.ts'),
    '',
    'Build the function first (npm ci && npm run bundle), then:',
    '  sam deploy --template-file deploy/template.yaml --stack-name rigwatch --capabilities CAPABILITY_IAM --guided',
    'See docs/deploy.md.',
  ], buildTemplate(options), COMMENTS);
}

/** Writes template.yaml (the SAM stack) and member-role.yaml (the role in each audited member account) into `dir`. */
export function writeDeployTemplates(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [['template.yaml', renderTemplate()], ['member-role.yaml', renderMemberRoleTemplate()]];
  return files.map(([name, text]) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  });
}
