// The IAM actions the scheduled Lambda needs beyond the audit's read-only ones: its state
// object, its notification topic, its config parameter, and (optionally) the role it assumes
// into a member account. Each list is declared by the module that makes the call; the
// deployment template (src/deploy/template.ts) builds the function's role from them.

export { PERMISSIONS as STATE_PERMISSIONS, BUCKET_PERMISSIONS as STATE_BUCKET_PERMISSIONS } from '../state/s3-store.js';
export { PERMISSIONS as NOTIFY_PERMISSIONS } from '../notify/channels.js';
export { PERMISSIONS as ASSUME_ROLE_PERMISSIONS } from '../providers/aws/assume-role.js';
/** The handler reads its config from an SSM parameter when RIGWATCH_CONFIG_PARAMETER names one. */
export const CONFIG_PERMISSIONS = ['ssm:GetParameter'] as const;

/** Environment variables the handler reads (src/lambda/handler.ts). */
export const LAMBDA_ENV = {
  /** S3 bucket holding the audit state (required in AWS). */
  stateBucket: 'RIGWATCH_STATE_BUCKET',
  /** Key prefix for the state object inside the bucket (default "rigwatch/"). */
  statePrefix: 'RIGWATCH_STATE_PREFIX',
  /** Inline config, YAML or JSON, overriding the bundled defaults. */
  config: 'RIGWATCH_CONFIG',
  /** Name of an SSM parameter (String or SecureString) holding the config, YAML or JSON. */
  configParameter: 'RIGWATCH_CONFIG_PARAMETER',
  /** SNS topic ARN for the digest; added to the config's notify channels. */
  snsTopicArn: 'RIGWATCH_SNS_TOPIC_ARN',
  /** Comma-separated regions to audit (default: every enabled region). */
  regions: 'RIGWATCH_REGIONS',
  /** Role to assume before auditing (auditing a member account from a central one). */
  roleArn: 'RIGWATCH_ROLE_ARN',
  /** External id for that role. */
  externalId: 'RIGWATCH_EXTERNAL_ID',
  /** Tests and local runs: a scenario file answered by the simulated account instead of AWS. */
  scenario: 'RIGWATCH_SCENARIO',
} as const;
