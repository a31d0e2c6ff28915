// The scheduled Lambda function: a thin adapter over runScheduledAudit, like the CLI. Each
// invocation (an EventBridge schedule, every 15 minutes by default) audits the account
// incrementally from the state in S3, notifies the SNS topic and the configured channels once per
// new or escalated finding, and saves the state with a conditional write. Config comes from
// RIGWATCH_CONFIG (inline YAML/JSON), else the SSM parameter RIGWATCH_CONFIG_PARAMETER, else the
// bundled defaults. With RIGWATCH_SCENARIO it runs against a scenario's simulated account (tests,
// local runs) through the very same code.

import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { loadConfig, loadConfigText, type Config } from '../engine/config.js';
import { InputError, RigwatchError } from '../engine/errors.js';
import { exitCodeFor, type Report } from '../engine/report.js';
import { runScheduledAudit } from '../engine/scheduled.js';
import { liveTarget, scenarioFileTarget, type Target } from '../engine/target.js';
import { parseSince } from '../engine/duration.js';
import { assumeRoleCredentials } from '../providers/aws/assume-role.js';
import { AwsClients } from '../providers/aws/clients.js';
import { S3StateStore } from '../state/s3-store.js';
import { LAMBDA_ENV } from './permissions.js';

type Env = Record<string, string | undefined>;

/** What an invocation returns (and logs as one JSON line): never a secret, never the whole report. */
export interface HandlerResult {
  account: string;
  generatedAt: string;
  exitCode: number;
  incremental: boolean;
  findings: { new: number; open: number; resolved: number; muted: number };
  bySeverity: Report['stats']['findingsBySeverity'];
  notifications: { channel: string; status: string; attempts: number; findings: number; error?: string }[];
  coverageErrors: { source: string; region: string; error?: string }[];
  apiCalls: number;
  durationMs: number;
  report: string;
}

interface LambdaContext {
  getRemainingTimeInMillis?: () => number;
}

// Scenario targets live as long as the container: the simulated S3 keeps the state between
// invocations, as the real bucket does.
const scenarioTargets = new Map<string, Promise<Target>>();

export async function handler(_event?: unknown, _context?: LambdaContext, env: Env = process.env): Promise<HandlerResult> {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const target = await targetFor(env);
  const config = await configFor(env, target.clients, region);
  const bucket = env[LAMBDA_ENV.stateBucket];
  if (!bucket) throw new InputError(`${LAMBDA_ENV.stateBucket} is not set: the function keeps its state in S3`);
  const prefix = normalisePrefix(env[LAMBDA_ENV.statePrefix] ?? 'rigwatch/');
  const store = new S3StateStore(target.clients, bucket, `${prefix}audit-state.json.gz`, region);
  const topic = env[LAMBDA_ENV.snsTopicArn];
  if (topic && !config.notify.channels.some((c) => c.type === 'sns' && c.topicArn === topic)) {
    config.notify.channels.push({ type: 'sns', id: 'sns', topicArn: topic });
  }
  const since = parseSince(config.audit.since, target.now);
  if (since === undefined) throw new InputError(`audit.since ${config.audit.since}: not a duration or ISO-8601 instant`);
  const regions = env[LAMBDA_ENV.regions]?.split(',').map((r) => r.trim()).filter(Boolean);

  const { report } = await runScheduledAudit({
    config, clients: target.clients, now: target.now, since, ...(regions && regions.length > 0 && { regions }), store, notify: true,
    remediateTarget: {},
  });
  const reportKey = `${prefix}last-report.json`;
  await target.clients.s3(region).send(new PutObjectCommand({ Bucket: bucket, Key: reportKey, Body: JSON.stringify(report), ContentType: 'application/json' }));
  const result = summarise(report, exitCodeFor(report, config.audit.failOn), `s3://${bucket}/${reportKey}`);
  console.log(JSON.stringify({ rigwatch: result }));
  return result;
}

/** Local runs and tests: the simulated account a RIGWATCH_SCENARIO invocation talks to (its S3 objects, its published SNS messages). */
export async function simulatedAccountFor(scenario: string): Promise<Target['simulated']> {
  return (await scenarioTargets.get(scenario))?.simulated;
}

async function targetFor(env: Env): Promise<Target> {
  const scenario = env[LAMBDA_ENV.scenario];
  if (scenario) {
    let target = scenarioTargets.get(scenario);
    if (!target) {
      target = scenarioFileTarget(scenario);
      scenarioTargets.set(scenario, target);
      target.catch(() => scenarioTargets.delete(scenario));
    }
    return target;
  }
  const roleArn = env[LAMBDA_ENV.roleArn];
  if (!roleArn) return liveTarget({});
  const base = new AwsClients();
  return { clients: new AwsClients({ credentials: assumeRoleCredentials(base, roleArn, env[LAMBDA_ENV.externalId]) }), now: Date.now(), label: `role ${roleArn}` };
}

async function configFor(env: Env, clients: AwsClients, region: string): Promise<Config> {
  const inline = env[LAMBDA_ENV.config];
  if (inline) return loadConfigText(inline, LAMBDA_ENV.config);
  const name = env[LAMBDA_ENV.configParameter];
  if (!name) return loadConfig();
  let value: string | undefined;
  try {
    const out = await clients.ssm(region).send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    value = out.Parameter?.Value;
  } catch (error) {
    throw new RigwatchError(`cannot read the config parameter ${name} (ssm:GetParameter): ${(error as Error).name}: ${(error as Error).message}`, { exitCode: 2, cause: error });
  }
  return loadConfigText(value ?? '', `ssm parameter ${name}`);
}

function normalisePrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

function summarise(report: Report, exitCode: number, reportUrl: string): HandlerResult {
  const byStatus = { new: 0, open: 0, resolved: 0, muted: 0 };
  for (const f of report.findings) byStatus[f.status ?? 'new'] += 1;
  return {
    account: report.account,
    generatedAt: report.generatedAt,
    exitCode,
    incremental: report.state?.incremental ?? false,
    findings: byStatus,
    bySeverity: report.stats.findingsBySeverity,
    notifications: (report.notifications ?? []).map((n) => ({ channel: n.channel, status: n.status, attempts: n.attempts, findings: n.findingIds.length, ...(n.error && { error: n.error }) })),
    coverageErrors: report.coverage.filter((c) => c.status === 'error').map((c) => ({ source: c.source, region: c.region, error: c.error })),
    apiCalls: Object.values(report.stats.apiCalls).reduce((a, b) => a + b, 0),
    durationMs: report.stats.durationMs,
    report: reportUrl,
  };
}
