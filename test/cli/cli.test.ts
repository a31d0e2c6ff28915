// End to end: the built CLI on scenarios, as a user or a script runs it.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DETECTOR_IDS } from '../../src/detectors/types.js';
import type { Report } from '../../src/engine/report.js';
import { BENIGN_SCENARIOS } from '../../src/scenario/generators/benign.js';
import { rigwatch, rigwatchWithEnv, tempDir, type RunResult } from './helpers.js';

const SEVERE = new Set(['critical', 'high', 'medium']);
/** AWS secret access keys are 40 base64 characters; session tokens are long and carry these names. */
const SECRET_PATTERNS = [/secretAccessKey/i, /sessionToken/i, /aws_secret_access_key/i, /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/];

describe('rigwatch demo', () => {
  let json: RunResult;
  let report: Report;
  beforeAll(() => {
    json = rigwatch('demo', '--format', 'json');
    report = JSON.parse(json.stdout) as Report;
  });

  it('exits 1: the incident has findings at or above high', () => {
    expect(json.stderr).toBe('');
    expect(json.code).toBe(1);
  });

  it('follows the report contract', () => {
    expect(report.format).toBe('rigwatch-report/1');
    expect(report.account).toBe('111122223333');
    expect(report.generatedAt).toBe('2026-11-27T09:00:00.000Z');
    expect(Date.parse(report.window.start)).toBeLessThan(Date.parse(report.window.end));
    expect(report.coverage.every((c) => c.status === 'ok')).toBe(true);
    for (const f of report.findings) {
      expect(DETECTOR_IDS).toContain(f.detector);
      expect(['critical', 'high', 'medium', 'low', 'info']).toContain(f.severity);
      expect(f.account).toBe('111122223333');
      expect(typeof f.title).toBe('string');
      expect(Array.isArray(f.resources)).toBe(true);
    }
    expect(report.stats.apiCalls['cloudtrail:LookupEvents']).toBeGreaterThan(0);
  });

  it('raises every core detector on the incident', () => {
    const raised = new Set(report.findings.filter((f) => SEVERE.has(f.severity)).map((f) => f.detector));
    expect([...raised].sort()).toEqual([...DETECTOR_IDS].sort());
  });

  it('accounts for the whole fleet of 128 miners and names the stolen key', () => {
    const fleet = report.findings.filter((f) => f.detector === 'fleet-spinup');
    const launched = new Set(fleet.flatMap((f) => f.resources.filter((r) => r.type === 'AWS::EC2::Instance').map((r) => r.id)));
    expect(launched.size).toBeGreaterThanOrEqual(128);
    expect(fleet.every((f) => f.actor?.arn.endsWith('/ops-deploy'))).toBe(true);
    expect(fleet.some((f) => f.actor?.accessKeyId?.startsWith('AKIA'))).toBe(true);
  });

  it('gives the same finding ids on every run', () => {
    const again = JSON.parse(rigwatch('demo', '--format', 'json').stdout) as Report;
    expect(again.findings.map((f) => f.id)).toEqual(report.findings.map((f) => f.id));
  });

  it('never prints a secret', () => {
    for (const pattern of SECRET_PATTERNS) expect(json.stdout).not.toMatch(pattern);
  });

  it('renders a table and markdown', () => {
    const table = rigwatch('demo', '--format', 'table');
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('CRITICAL');
    expect(table.stdout).toContain('account 111122223333');
    const md = rigwatch('demo', '--format', 'markdown');
    expect(md.stdout).toMatch(/^# rigwatch audit: account 111122223333/);
    expect(md.stdout).toContain('| Severity | Detector |');
  });

  it('writes --output whole, and nothing to stdout', () => {
    const dir = tempDir();
    const out = join(dir, 'report.json');
    const r = rigwatch('demo', '--output', out);
    expect(r.stdout).toBe('');
    expect((JSON.parse(readFileSync(out, 'utf8')) as Report).findings.length).toBe(report.findings.length);
  });

  it('--fail-on critical still exits 1; the window can be narrowed', () => {
    expect(rigwatch('demo', '--fail-on', 'critical', '--format', 'json').code).toBe(1);
  });
});

describe('benign accounts stay quiet', () => {
  const dir = tempDir();
  for (const name of Object.keys(BENIGN_SCENARIOS)) {
    it(name, () => {
      const file = join(dir, `${name}.json.gz`);
      expect(rigwatch('scenario', name, '--output', file).code).toBe(0);
      const r = rigwatch('audit', '--scenario', file, '--format', 'json', '--fail-on', 'medium');
      const report = JSON.parse(r.stdout) as Report;
      const loud = report.findings.filter((f) => SEVERE.has(f.severity)).map((f) => `${f.severity} ${f.detector}: ${f.title}`);
      expect(loud).toEqual([]);
      expect(r.code).toBe(0);
    });
  }
});

describe('bad input: exit 2, a message naming what is wrong, no stack trace', () => {
  const dir = tempDir();
  const minimal = readFileSync(join(import.meta.dirname, '../fixtures/minimal.yaml'), 'utf8');
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const cases: { name: string; args: () => string[]; message: RegExp }[] = [
    { name: 'a scenario with a bad timestamp', args: () => ['audit', '--scenario', write('bad-time.yaml', minimal.replace('LaunchTime: "2025-12-01T08:00:00Z"', 'LaunchTime: "yesterday"'))], message: /ec2\.instances\[0\]\.LaunchTime/ },
    { name: 'a missing scenario file', args: () => ['audit', '--scenario', join(dir, 'nope.yaml')], message: /nope\.yaml.*no such file/ },
    { name: 'a config with an unknown key', args: () => ['demo', '--config', write('bad.yaml', 'audit: { sinse: 3d }\n')], message: /bad\.yaml.*audit.*sinse/ },
    { name: 'a config with a bad detector option', args: () => ['demo', '--config', write('bad-det.yaml', 'detectors: { cpu-sustained: { thresholdPercent: "high" } }\n')], message: /detectors\.cpu-sustained\.thresholdPercent: expected a number/ },
    { name: 'a config naming an unknown detector', args: () => ['demo', '--config', write('bad-id.yaml', 'detectors: { coin-hunter: { enabled: true } }\n')], message: /coin-hunter/ },
    { name: 'a bad --since', args: () => ['demo', '--since', 'last tuesday'], message: /--since/ },
    { name: 'a bad --format', args: () => ['demo', '--format', 'xml'], message: /format/ },
    { name: 'a bad region', args: () => ['demo', '--regions', 'us-east-1,mars-1'], message: /mars-1/ },
    { name: 'an unknown option', args: () => ['demo', '--frobnicate'], message: /frobnicate/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = rigwatch(...c.args());
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(c.message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    });
  }

  it('a live audit without AWS credentials', () => {
    const dir = tempDir();
    const r = rigwatchWithEnv({
      AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', AWS_WEB_IDENTITY_TOKEN_FILE: '', AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
    }, 'audit', '--regions', 'us-east-1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no AWS credentials.*--profile/);
  });

  it('--debug adds the stack trace', () => {
    const r = rigwatch('audit', '--scenario', join(dir, 'nope.yaml'), '--debug');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('a source that fails is coverage, not silence', () => {
  it('exits 3 with the failed source in coverage when nothing reaches --fail-on', () => {
    const dir = tempDir();
    const minimal = readFileSync(join(import.meta.dirname, '../fixtures/minimal.yaml'), 'utf8');
    const file = join(dir, 'denied.yaml');
    writeFileSync(file, `${minimal}\nsimulation:\n  faults:\n    - { service: ec2, operation: DescribeInstances, region: us-east-1, error: UnauthorizedOperation }\n`);
    const config = join(dir, 'quiet.yaml');
    writeFileSync(config, 'detectors: { sg-open-ingress: { enabled: false } }\n');
    const r = rigwatch('audit', '--scenario', file, '--config', config, '--format', 'json', '--fail-on', 'critical');
    const report = JSON.parse(r.stdout) as Report;
    expect(report.findings.some((f) => f.severity === 'critical')).toBe(false);
    expect(r.code).toBe(3);
    const ec2 = report.coverage.find((c) => c.source === 'ec2' && c.region === 'us-east-1');
    expect(ec2?.status).toBe('error');
    expect(ec2?.error).toMatch(/UnauthorizedOperation/);
    expect(report.coverage.find((c) => c.source === 'cloudwatch' && c.region === 'us-east-1')?.status).toBe('skipped');
    expect(report.coverage.find((c) => c.source === 'ec2' && c.region === 'eu-west-1')?.status).toBe('ok');
  });
});

describe('output into a pipe that closes early', () => {
  it('stops quietly, without an EPIPE stack trace', () => {
    const bin = join(import.meta.dirname, '../../bin/rigwatch.js');
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" demo --format json | head -c 10 > /dev/null`], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/EPIPE|at WriteWrap/);
  });
});

describe('rigwatch policy', () => {
  it('prints a read-only IAM policy', () => {
    const r = rigwatch('policy');
    expect(r.code).toBe(0);
    const policy = JSON.parse(r.stdout) as { Version: string; Statement: { Action: string[] }[] };
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement[0]?.Action).toContain('cloudtrail:LookupEvents');
  });
});
