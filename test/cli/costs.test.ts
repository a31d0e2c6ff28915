// `rigwatch costs` end to end through the built CLI (dist/, made by `npm run build`): the demo's
// billing anomaly with its dollars and AWS's own anomaly flagged later, the benign accounts with
// none, and the exit codes.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BillingReport } from '../../src/engine/story.js';
import { BENIGN_SCENARIOS } from '../../src/scenario/generators/benign.js';
import type { Scenario } from '../../src/scenario/types.js';
import { rigwatch, tempDir, type RunResult } from './helpers.js';

const EC2 = 'Amazon Elastic Compute Cloud - Compute';

/**
 * Until src/cli/main.ts registers the command (`registerCosts(program);`), the same command is
 * run by a stand-in for main.ts: the built registerCosts on a bare program, with main's exit codes.
 */
const STAND_IN = `
import { Command, CommanderError } from 'commander';
const dist = process.env.RIGWATCH_DIST;
const { registerCosts } = await import(dist + 'cli/costs.js');
const { RigwatchError } = await import(dist + 'engine/errors.js');
const program = new Command('rigwatch').exitOverride();
registerCosts(program);
try {
  await program.parseAsync(JSON.parse(process.env.RIGWATCH_ARGS), { from: 'user' });
  if (typeof process.exitCode !== 'number') process.exitCode = 0;
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? 0 : 2;
  else {
    process.stderr.write('rigwatch: ' + error.message + '\\n');
    process.exitCode = error instanceof RigwatchError ? error.exitCode : 3;
  }
}`;

let registered = false;

function costs(...args: string[]): RunResult {
  if (registered) return rigwatch('costs', ...args);
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', STAND_IN], {
    cwd: resolve(import.meta.dirname, '../..'),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
    env: {
      ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1',
      RIGWATCH_DIST: pathToFileURL(resolve(import.meta.dirname, '../../dist')).href + '/', RIGWATCH_ARGS: JSON.stringify(['costs', ...args]),
    },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // `rigwatch costs --help` would print the root help (exit 0) for an unknown command too: look for it in the command list.
  registered = /^\s+costs\b/m.test(rigwatch('--help').stdout);
});

describe('rigwatch costs --demo', () => {
  let json: RunResult;
  let b: BillingReport;
  beforeAll(() => {
    json = costs('--demo', '--format', 'json');
    b = JSON.parse(json.stdout) as BillingReport;
  });

  it('exits 1 on the attack\'s billing anomaly', () => {
    expect(json.stderr).toBe('');
    expect(json.code).toBe(1);
  });

  it('shows the miners\' cost: EC2 in the attack regions, with the dollars above expected', () => {
    expect(b.currency).toBe('USD');
    expect(b.account).toBe('111122223333');
    expect(b.anomalies.length).toBeGreaterThan(0);
    expect(b.anomalies.every((a) => a.service === EC2 && a.impact > 0 && a.actual - a.expected === a.impact)).toBe(true);
    expect(new Set(b.anomalies.map((a) => a.region))).toEqual(new Set(['us-east-2', 'ap-southeast-1', 'sa-east-1', 'eu-north-1']));
    expect(b.anomalyImpact).toBeGreaterThan(5000);
    expect(b.days.filter((d) => d.anomaly).map((d) => d.date)).toEqual(['2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27']);
    expect(b.monthToDate).toBeGreaterThan(0);
    expect(b.forecast.monthEnd).toBeGreaterThan(b.forecast.atBaseline);
    expect(b.forecast.basis).toMatch(/run-rate/);
  });

  it('puts AWS Cost Anomaly Detection\'s anomaly beside it, first flagged a day later', () => {
    expect(b.awsAnomalies).toHaveLength(1);
    const aws = b.awsAnomalies![0]!;
    expect(aws).toMatchObject({ start: '2026-11-24', service: EC2, region: 'us-east-2' });
    expect(aws.impact).toBeGreaterThan(0);
    expect(b.firstFlagged?.rigwatch).toBe('2026-11-24');
    expect(b.firstFlagged?.aws).toBe('2026-11-25');
    expect(b.firstFlagged!.aws! > b.firstFlagged!.rigwatch!).toBe(true);
  });

  it('renders CSV: a header and one CRLF row per anomalous cell and per AWS anomaly', () => {
    const csv = costs('--demo', '--format', 'csv');
    expect(csv.code).toBe(1);
    const lines = csv.stdout.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe('source,date,end_date,service,region,account,expected,actual,impact,currency,estimated,partial,first_flagged,first_flagged_basis,finding_id,anomaly_id');
    expect(lines.length - 2).toBe(b.anomalies.length + 1);
    expect(lines.filter((l) => l.startsWith('aws,2026-11-24,2026-11-26,'))).toHaveLength(1);
  });

  it('renders a table and Markdown with the comparison', () => {
    const table = costs('--demo', '--format', 'table');
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('Billing anomaly:');
    expect(table.stdout).toContain('First flagged: rigwatch 2026-11-24 · AWS Cost Anomaly Detection 2026-11-25');
    const md = costs('--demo', '--format', 'markdown');
    expect(md.stdout).toMatch(/^# rigwatch billing report: account 111122223333/);
    expect(md.stdout).toContain('| 2026-11-24 | Amazon Elastic Compute Cloud - Compute | us-east-2 |');
  });

  it('writes --output whole', () => {
    const file = join(tempDir(), 'billing.json');
    const r = costs('--demo', '--format', 'json', '--output', file, '--quiet');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect((JSON.parse(readFileSync(file, 'utf8')) as BillingReport).anomalies.length).toBe(b.anomalies.length);
  });
});

describe('rigwatch costs on the benign accounts', () => {
  const dir = tempDir();
  it.each(Object.keys(BENIGN_SCENARIOS))('%s: exits 0 with no anomaly', (name) => {
    const file = join(dir, `${name}.json`);
    expect(rigwatch('scenario', name, '--output', file).code).toBe(0);
    const r = costs('--scenario', file, '--format', 'json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const b = JSON.parse(r.stdout) as BillingReport;
    expect(b.anomalies).toEqual([]);
    expect(b.days.some((d) => d.anomaly)).toBe(false);
    expect(b.firstFlagged?.rigwatch).toBeUndefined();
    expect(b.days.length).toBeGreaterThan(0);
  });
});

describe('rigwatch costs exit codes', () => {
  const dir = tempDir();
  const withFaults = (faults: unknown[]): string => {
    const file = join(dir, `steady-${faults.length}-${Math.random().toString(36).slice(2)}.json`);
    rigwatch('scenario', 'benign-steady', '--output', file);
    const s = JSON.parse(readFileSync(file, 'utf8')) as Scenario;
    writeFileSync(file, JSON.stringify({ ...s, simulation: { faults } }));
    return file;
  };

  it('exits 2 on bad usage', () => {
    expect(costs('--demo', '--scenario', 'x.json').code).toBe(2);
    expect(costs('--demo', '--format', 'xml').code).toBe(2);
    const since = costs('--demo', '--since', 'yesterday-ish');
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/--since yesterday-ish/);
    expect(costs('--scenario', join(dir, 'missing.json')).code).toBe(2);
  });

  it('exits 3 when Cost Explorer\'s costs cannot be read', () => {
    const r = costs('--scenario', withFaults([{ service: 'ce', operation: 'GetCostAndUsage', error: 'AccessDeniedException' }]), '--format', 'json');
    expect(r.code).toBe(3);
    const b = JSON.parse(r.stdout) as BillingReport;
    expect(b.days).toEqual([]);
    expect(b.notes).toContain('No cost data (see coverage: costexplorer).');
  });

  it('exits 0 when only AWS Cost Anomaly Detection cannot be read, saying so', () => {
    const r = costs('--scenario', withFaults([{ service: 'ce', operation: 'GetAnomalies', error: 'AccessDeniedException' }]), '--format', 'table');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No billing anomaly.');
    expect(r.stdout).toContain('AWS Cost Anomaly Detection: not read');
  });
});
