// Scheduled runs end to end, through the same engine the CLI and the Lambda use: the demo
// incident replayed with scenario rewind (the account as its APIs answered at each instant), a
// state directory, and a real local webhook. The second of two consecutive runs must make a small
// fraction of the first's calls, agree on finding ids and re-notify nothing; a failed delivery is
// owed to the channel on the next run.

import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/engine/config.js';
import { exitCodeFor } from '../../src/engine/report.js';
import { runScheduledAudit, type ScheduledResult } from '../../src/engine/scheduled.js';
import { scenarioTarget } from '../../src/engine/target.js';
import { buildDemo } from '../../src/scenario/generators/demo.js';
import { rewindScenario } from '../../src/scenario/rewind.js';
import type { Scenario } from '../../src/scenario/types.js';
import { FileStateStore } from '../../src/state/file-store.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

interface Hook {
  server: Server;
  url: string;
  bodies: { items: { finding: { id: string; status?: string }; reason: string }[] }[];
  /** HTTP status to answer with. */
  status: number;
}

async function startHook(): Promise<Hook> {
  const hook = { bodies: [], status: 200 } as unknown as Hook;
  hook.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      if (hook.status === 200) hook.bodies.push(JSON.parse(body) as Hook['bodies'][number]);
      res.writeHead(hook.status).end();
    });
  });
  await new Promise<void>((resolve) => hook.server.listen(0, '127.0.0.1', resolve));
  const address = hook.server.address() as { port: number };
  hook.url = `http://127.0.0.1:${address.port}/hook`;
  return hook;
}

const total = (r: ScheduledResult) => Object.values(r.report.stats.apiCalls).reduce((a, b) => a + b, 0);

describe('scheduled runs on the demo incident, replayed', () => {
  let demo: Scenario;
  let attackStart: number;
  let config: Config;
  let hook: Hook;

  beforeAll(async () => {
    const built = buildDemo();
    demo = built.scenario;
    attackStart = Date.parse(built.attack.start);
    config = await loadConfig();
    config.notify.channels = [{ type: 'webhook', id: 'soc', urlEnv: 'HOOK_URL' }];
    config.notify.retries = 1;
    hook = await startHook();
  });
  afterAll(() => new Promise<void>((resolve) => hook.server.close(() => resolve())));

  const runAt = (dir: string, at: number) => {
    const target = scenarioTarget(rewindScenario(demo, at), 'demo replay');
    return runScheduledAudit({
      config, clients: target.clients, now: at, since: at - 7 * DAY, store: new FileStateStore(dir), notify: true,
      env: { HOOK_URL: hook.url }, sleep: async () => undefined,
    }).finally(() => target.clients.destroy());
  };

  it('reads a fraction of the calls on the second run, agrees on ids and notifies once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rigwatch-state-'));
    const t1 = attackStart + 3 * 60 * MINUTE;
    const first = await runAt(dir, t1);
    expect(first.report.state?.incremental).toBe(false);
    expect(first.report.findings.filter((f) => f.severity === 'critical' || f.severity === 'high').length).toBeGreaterThan(3);
    expect(first.report.findings.every((f) => f.status === 'new')).toBe(true);
    expect(hook.bodies).toHaveLength(1);
    const told = hook.bodies[0]?.items.map((i) => i.finding.id) ?? [];
    expect(told.length).toBeGreaterThan(3);

    const second = await runAt(dir, t1 + 15 * MINUTE);
    expect(second.report.state?.incremental).toBe(true);
    expect(total(second)).toBeLessThan(total(first) * 0.25);
    expect(second.report.stats.apiCalls['ce:GetCostAndUsage'] ?? 0).toBeLessThanOrEqual(2);
    expect(second.report.stats.apiCalls['ec2:DescribeInstanceAttribute'] ?? 0).toBe(0);
    // Nothing new: no second digest.
    expect(hook.bodies).toHaveLength(1);
    expect(second.report.notifications?.[0]?.status).toBe('skipped');
    const ids = (r: ScheduledResult) => r.report.findings.filter((f) => f.status !== 'resolved').map((f) => f.id).sort();
    for (const id of ids(first)) expect(ids(second)).toContain(id);
    for (const f of second.report.findings) if (ids(first).includes(f.id)) expect(f.status).toBe('open');
  }, 120_000);

  it('keeps a failed delivery owed to its channel and tells it on the next run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rigwatch-state-'));
    const before = hook.bodies.length;
    hook.status = 500;
    const t = attackStart + 4 * 60 * MINUTE;
    const failed = await runAt(dir, t);
    expect(failed.report.notifications?.[0]).toMatchObject({ channel: 'soc', status: 'failed', attempts: 2 });
    expect(failed.report.notifications?.[0]?.error).not.toContain('127.0.0.1');
    expect(exitCodeFor({ findings: [], coverage: failed.report.coverage, notifications: failed.report.notifications }, 'high')).toBe(3);
    hook.status = 200;
    const next = await runAt(dir, t + 15 * MINUTE);
    expect(next.report.notifications?.[0]?.status).toBe('sent');
    expect(hook.bodies.length).toBe(before + 1);
    expect(hook.bodies.at(-1)?.items.length).toBe(failed.report.notifications?.[0]?.findingIds.length);
  }, 120_000);

  it('flags the attack on the first run after it becomes visible, as new, and only the new findings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rigwatch-state-'));
    const quiet = await runAt(dir, attackStart - 60 * MINUTE);
    expect(quiet.report.findings.filter((f) => f.severity === 'critical' || f.severity === 'high')).toEqual([]);
    const before = hook.bodies.length;
    const after = await runAt(dir, attackStart + 90 * MINUTE);
    const fresh = after.report.findings.filter((f) => f.status === 'new' && (f.severity === 'critical' || f.severity === 'high'));
    expect(fresh.length).toBeGreaterThan(0);
    expect(hook.bodies.length).toBe(before + 1);
    expect(new Set(hook.bodies.at(-1)?.items.map((i) => i.finding.id))).toEqual(new Set(fresh.map((f) => f.id)));
  }, 120_000);

  it('refuses a state that belongs to another account, saving nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rigwatch-state-'));
    await runAt(dir, attackStart - 60 * MINUTE);
    const store = new FileStateStore(dir);
    const { state, version } = await store.load();
    await store.save({ ...state!, account: '999988887777' }, version);
    await expect(runAt(dir, attackStart)).rejects.toThrow(/belongs to account 999988887777/);
    expect((await store.load()).state?.account).toBe('999988887777');
  }, 120_000);
});
