// Scheduled runs through the built CLI, as cron runs them: --state-dir, finding status across
// runs, rigwatch ack, the lock that keeps two runs apart, the mutelist, and remediate --finding
// (the command a notification gives).

import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import type { RemediationOutput } from '../../src/cli/render/remediation.js';
import { rigwatch, tempDir } from './helpers.js';

const json = <T>(text: string): T => JSON.parse(text) as T;
const calls = (r: Report) => Object.values(r.stats.apiCalls).reduce((a, b) => a + b, 0);

describe('rigwatch audit --state-dir', () => {
  const dir = tempDir();
  const state = join(dir, 'state');
  let first: Report;
  let second: Report;

  beforeAll(() => {
    const a = rigwatch('demo', '--state-dir', state, '--format', 'json');
    expect(a.code).toBe(1);
    first = json<Report>(a.stdout);
    const b = rigwatch('demo', '--state-dir', state, '--format', 'json');
    expect(b.code).toBe(1);
    second = json<Report>(b.stdout);
  });

  it('marks everything new on the first run and open on the second, with the same ids', () => {
    expect(first.findings.every((f) => f.status === 'new')).toBe(true);
    expect(second.findings.every((f) => f.status === 'open')).toBe(true);
    expect(second.findings.map((f) => f.id)).toEqual(first.findings.map((f) => f.id));
    expect(first.state).toMatchObject({ runs: 1, incremental: false });
    expect(second.state).toMatchObject({ runs: 2, incremental: true, previousRun: first.generatedAt });
  });

  it('makes a small fraction of the calls on the second run, and no Cost Explorer request', () => {
    expect(calls(second)).toBeLessThan(calls(first) / 4);
    expect(second.stats.apiCalls['ce:GetCostAndUsage']).toBeUndefined();
    expect(second.coverage.some((c) => c.cachedAt !== undefined)).toBe(true);
  });

  it('ack mutes one finding with its reason; --list shows it; --undo lifts it', () => {
    const target = first.findings.find((f) => f.detector === 'sg-open-ingress')!;
    const ack = rigwatch('ack', target.id, '--reason', 'red-team exercise RT-7', '--until', '7d', '--state-dir', state);
    expect(ack.code).toBe(0);
    expect(ack.stderr).toContain(`${target.id} muted until`);
    const list = rigwatch('ack', '--list', '--state-dir', state);
    expect(list.stdout).toContain('red-team exercise RT-7');
    const third = json<Report>(rigwatch('demo', '--state-dir', state, '--format', 'json').stdout);
    const muted = third.findings.find((f) => f.id === target.id);
    expect(muted?.status).toBe('muted');
    expect(muted?.muted).toMatchObject({ reason: 'red-team exercise RT-7', by: 'ack' });
    expect(third.stats.findingsBySeverity.critical).toBe(first.stats.findingsBySeverity.critical - (target.severity === 'critical' ? 1 : 0));
    expect(rigwatch('ack', target.id, '--undo', '--state-dir', state).code).toBe(0);
    const fourth = json<Report>(rigwatch('demo', '--state-dir', state, '--format', 'json').stdout);
    expect(fourth.findings.find((f) => f.id === target.id)?.status).toBe('open');
  });

  it('ack refuses unknown findings, a missing reason and a past --until, with exit 2', () => {
    const unknown = rigwatch('ack', 'fleet-spinup:0000000000000000', '--reason', 'x', '--state-dir', state);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no finding fleet-spinup:0000000000000000 in the state \(known: /);
    const id = first.findings[0]!.id;
    expect(rigwatch('ack', id, '--state-dir', state).stderr).toMatch(/--reason is required/);
    expect(rigwatch('ack', id, '--reason', 'x', '--until', '2020-01-01', '--state-dir', state).code).toBe(2);
    const none = rigwatch('ack', id, '--reason', 'x', '--state-dir', join(dir, 'empty'));
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no state at .* yet/);
  });

  it('does not start while another run holds the state: exit 3, naming the holder', () => {
    const locked = join(dir, 'locked');
    rigwatch('demo', '--state-dir', locked, '--format', 'json');
    writeFileSync(join(locked, 'audit.lock'), JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
    const r = rigwatch('demo', '--state-dir', locked, '--format', 'json');
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`another rigwatch run holds ${locked} (pid ${process.pid}`);
  });
});

describe('the mutelist', () => {
  const dir = tempDir();

  it('mutes what a rule names: muted findings are reported but do not fail the run', () => {
    const config = join(dir, 'mute.yaml');
    writeFileSync(config, 'audit:\n  failOn: critical\nmutelist:\n  - detector: "*"\n    region: "*"\n    reason: accepted for the drill\n    expires: 2099-01-01\n');
    const r = rigwatch('demo', '--config', config, '--format', 'json');
    const report = json<Report>(r.stdout);
    expect(report.findings.length).toBeGreaterThan(10);
    expect(report.findings.every((f) => f.status === 'muted' && f.muted?.by === 'mutelist')).toBe(true);
    expect(r.code).toBe(0);
  });

  it('a rule without a reason is bad config, naming the rule', () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'mutelist:\n  - detector: sg-open-ingress\n');
    const r = rigwatch('demo', '--config', config);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml.*mutelist\[0\]\.reason/);
  });

  it('warns that notifications need a state when channels are configured without --state-dir', () => {
    const config = join(dir, 'notify.yaml');
    writeFileSync(config, 'notify:\n  channels:\n    - { type: webhook, urlEnv: RIGWATCH_TEST_HOOK }\n');
    const r = rigwatch('demo', '--config', config, '--format', 'json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no --state-dir: nothing is notified/);
  });
});

describe('rigwatch remediate --finding', () => {
  it('plans only the named finding\'s containment', () => {
    const report = json<Report>(rigwatch('demo', '--format', 'json').stdout);
    const sg = report.findings.find((f) => f.detector === 'sg-open-ingress')!;
    const plan = json<RemediationOutput>(rigwatch('remediate', '--demo', '--finding', sg.id, '--format', 'json').stdout);
    expect(plan.steps.length).toBeGreaterThan(0);
    expect(plan.steps.every((s) => s.findings.includes(sg.id))).toBe(true);
    const all = json<RemediationOutput>(rigwatch('remediate', '--demo', '--format', 'json').stdout);
    expect(plan.steps.length).toBeLessThan(all.steps.length);
  });

  it('--incident plans the whole incident, the command the report gives', () => {
    const report = json<Report>(rigwatch('demo', '--format', 'json').stdout);
    const incident = report.incidents?.[0];
    expect(incident?.remediate).toBe(`rigwatch remediate --incident ${incident?.id} --demo`);
    const plan = json<RemediationOutput>(rigwatch('remediate', '--demo', '--incident', incident!.id, '--format', 'json').stdout);
    expect(plan.resources).toBeGreaterThan(128);
    expect(plan.steps.every((s) => s.findings.some((id) => incident!.findings.includes(id)))).toBe(true);
    expect(rigwatch('remediate', '--demo', '--incident', 'incident-0000', '--finding', 'x').code).toBe(2);
  });

  it('an id this audit did not find is exit 2', () => {
    const r = rigwatch('remediate', '--demo', '--finding', 'sg-open-ingress:ffffffffffffffff');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--finding: sg-open-ingress:ffffffffffffffff not found by this audit/);
  });
});
