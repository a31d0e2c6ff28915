// The bundled Lambda handler (npm run bundle -> dist/lambda/index.mjs), run locally against the
// demo incident's simulated account (RIGWATCH_SCENARIO): state in the simulated S3 bucket,
// notifications to the simulated SNS topic, config from the environment or an SSM parameter.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDemoScenario } from '../../src/scenario/generators/demo.js';
import type { Scenario } from '../../src/scenario/types.js';
import { auditActions } from '../../src/providers/aws/permissions.js';
import { CONFIG_PERMISSIONS, NOTIFY_PERMISSIONS, STATE_BUCKET_PERMISSIONS, STATE_PERMISSIONS } from '../../src/lambda/permissions.js';

/** What the function's role allows (deploy/template.yaml is generated from the same lists). */
const DECLARED = new Set<string>([...auditActions(), ...STATE_PERMISSIONS, ...STATE_BUCKET_PERMISSIONS, ...NOTIFY_PERMISSIONS, ...CONFIG_PERMISSIONS]);

const ROOT = resolve(import.meta.dirname, '../..');
const BUCKET = 'rigwatch-state-111122223333';
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:rigwatch-alerts';

type Bundle = typeof import('../../src/lambda.js');
type Published = { TopicArn: string; Subject?: string; Message: string }[];

function scenarioFile(dir: string, name: string, extra: Partial<Scenario> = {}): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({
    ...buildDemoScenario(),
    s3: { buckets: [{ Name: BUCKET, Region: 'us-east-1' }] },
    sns: { topics: [{ TopicArn: TOPIC }] },
    ...extra,
  }));
  return file;
}

describe('the bundled Lambda handler', () => {
  let bundle: Bundle;
  let dir: string;

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: ROOT, stdio: 'pipe' });
    expect(existsSync(join(ROOT, 'dist/lambda/config/default.yaml'))).toBe(true);
    bundle = (await import(pathToFileURL(join(ROOT, 'dist/lambda/index.mjs')).href)) as Bundle;
    dir = mkdtempSync(join(tmpdir(), 'rigwatch-lambda-'));
  }, 120_000);

  const env = (scenario: string, more: Record<string, string> = {}) => ({
    RIGWATCH_SCENARIO: scenario, RIGWATCH_STATE_BUCKET: BUCKET, RIGWATCH_SNS_TOPIC_ARN: TOPIC, AWS_REGION: 'us-east-1', ...more,
  });

  it('notifies once, keeps its state in S3, and reads a fraction of the calls on the next invocation', async () => {
    const scenario = scenarioFile(dir, 'demo');
    const first = await bundle.handler({}, {}, env(scenario));
    expect(first).toMatchObject({ account: '111122223333', exitCode: 1, incremental: false });
    expect(first.findings.new).toBeGreaterThan(10);
    expect(first.notifications).toEqual([expect.objectContaining({ channel: 'sns', status: 'sent', attempts: 1 })]);

    const account = await bundle.simulatedAccountFor(scenario);
    const published = (account?.toScenario() as Scenario & { sns: { published: Published } }).sns.published;
    expect(published).toHaveLength(1);
    expect(published[0]?.Subject).toMatch(/^rigwatch 111122223333: /);
    expect(published[0]?.Subject?.length).toBeLessThan(100);
    const digest = JSON.parse(published[0]!.Message) as { format: string; items: { finding: { id: string }; remediate: string }[] };
    expect(digest.format).toBe('rigwatch-digest/1');
    expect(digest.items.length).toBe(first.notifications[0]?.findings);
    // Each finding points at its incident's one containment command.
    expect(digest.items[0]?.remediate).toMatch(/^rigwatch remediate --incident incident-[0-9a-f]{16}$/);

    const objects = (account?.toScenario() as Scenario & { s3: { buckets: { Objects?: { Key: string; Body: string }[] }[] } }).s3.buckets[0]?.Objects ?? [];
    expect(objects.map((o) => o.Key).sort()).toEqual(['rigwatch/audit-state.json.gz', 'rigwatch/last-report.json']);
    const state = JSON.parse(gunzipSync(Buffer.from(objects.find((o) => o.Key.endsWith('.gz'))!.Body, 'base64')).toString()) as { format: string; runs: number };
    expect(state).toMatchObject({ format: 'rigwatch-state/1', runs: 1 });

    const second = await bundle.handler({}, {}, env(scenario));
    expect(second).toMatchObject({ incremental: true, exitCode: 1 });
    expect(second.findings).toMatchObject({ new: 0, open: first.findings.new });
    expect(second.apiCalls).toBeLessThan(first.apiCalls / 4);
    expect(second.notifications[0]?.status).toBe('skipped');
    expect((account?.toScenario() as Scenario & { sns: { published: Published } }).sns.published).toHaveLength(1);
    // Every call the function made is one its role allows.
    const made = Object.keys(account?.callCounts() ?? {});
    expect(made).toContain('s3:PutObject');
    expect(made.filter((call) => !DECLARED.has(call))).toEqual([]);
  }, 120_000);

  it('reads its config from an SSM parameter', async () => {
    const scenario = scenarioFile(dir, 'ssm', {
      ssm: { parameters: [{ Name: '/rigwatch/config', Type: 'SecureString', Value: 'notify:\n  minSeverity: critical\n', Region: 'us-east-1' }] },
    } as Partial<Scenario>);
    const result = await bundle.handler({}, {}, env(scenario, { RIGWATCH_CONFIG_PARAMETER: '/rigwatch/config' }));
    expect(result.notifications[0]?.findings).toBe(result.bySeverity.critical);
    const made = Object.keys((await bundle.simulatedAccountFor(scenario))?.callCounts() ?? {});
    expect(made).toContain('ssm:GetParameter');
    expect(made.filter((call) => !DECLARED.has(call))).toEqual([]);
  }, 120_000);

  it('says what is missing or wrong in its environment', async () => {
    const scenario = scenarioFile(dir, 'bad');
    await expect(bundle.handler({}, {}, { ...env(scenario), RIGWATCH_STATE_BUCKET: '' })).rejects.toThrow(/RIGWATCH_STATE_BUCKET is not set/);
    await expect(bundle.handler({}, {}, env(scenario, { RIGWATCH_CONFIG: 'audit:\n  failOn: sometimes\n' }))).rejects.toThrow(/RIGWATCH_CONFIG: audit\.failOn/);
    await expect(bundle.handler({}, {}, env(scenario, { RIGWATCH_CONFIG_PARAMETER: '/missing' }))).rejects.toThrow(/cannot read the config parameter \/missing.*ParameterNotFound/);
  }, 120_000);
});
