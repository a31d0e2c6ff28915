// `npm run bench:remediate`: time to contain the brief's incident. Audits the demo account with
// AWS's rate limits (EC2 mutating calls: 5 a second per action per region) and realistic
// latency, plans the containment, applies it, then rolls it back, and prints the times against
// the brief's goal: logical isolation of a VM within 10 minutes.

import { runAudit } from '../engine/audit.js';
import { loadConfig } from '../engine/config.js';
import { scenarioTarget } from '../engine/target.js';
import { ACTIONS } from '../remediation/index.js';
import { MemoryJournal } from '../remediation/memory-journal.js';
import { countResources, planRemediation } from '../remediation/planner.js';
import { applyPlan, rollbackRun } from '../remediation/runner.js';
import { buildDemoScenario } from '../scenario/generators/demo.js';
import { REALISTIC_LATENCY_MS } from '../scenario/generators/large.js';
import { parseScenario } from '../scenario/load.js';

const DAY = 86_400_000;

async function main(): Promise<void> {
  const scenario = parseScenario({ ...buildDemoScenario(), simulation: { enforceLimits: true, latencyMs: REALISTIC_LATENCY_MS } }, 'demo');
  const target = scenarioTarget(scenario, 'demo');
  const config = await loadConfig();
  let t = performance.now();
  const { report, data } = await runAudit({ config, clients: target.clients, now: target.now, since: target.now - 7 * DAY });
  const auditMs = performance.now() - t;
  const runId = 'rw-bench';
  const { steps } = planRemediation({ findings: report.findings, data, runId }, config.remediation, data.caller?.arn);
  const instances = new Set(steps.filter((s) => s.resource.type === 'AWS::EC2::Instance').map((s) => s.resource.id)).size;
  const journal = new MemoryJournal();
  const run = { runId, mode: 'apply' as const, account: data.account.id, createdAt: new Date(target.now).toISOString(), steps };
  const before = target.clients.calls.snapshot();
  t = performance.now();
  const applied = await applyPlan(run, ACTIONS, journal, { clients: target.clients, runId, now: target.now, callerArn: data.caller?.arn });
  const applyMs = performance.now() - t;
  const after = target.clients.calls.snapshot();
  t = performance.now();
  const undone = await rollbackRun(runId, `${runId}-rollback`, ACTIONS, journal, { clients: target.clients, runId: `${runId}-rollback`, now: target.now });
  const rollbackMs = performance.now() - t;
  target.clients.destroy();

  const status = (list: { status: string }[]) => [...new Set(list.map((s) => s.status))].map((st) => `${list.filter((s) => s.status === st).length} ${st}`).join(', ');
  const applyCalls = Object.entries(after).map(([op, n]) => [op, n - (before[op] ?? 0)] as const).filter(([, n]) => n > 0);
  console.log([
    'rigwatch remediation bench: the brief incident, AWS rate limits and realistic latency on',
    `audit: ${(auditMs / 1000).toFixed(1)} s, ${report.findings.length} findings`,
    `plan: ${steps.length} steps on ${countResources(steps)} resources (${instances} instances)`,
    `apply: ${(applyMs / 1000).toFixed(1)} s (${status(applied)}); audit + apply: ${((auditMs + applyMs) / 1000).toFixed(1)} s against the brief's 10 minutes`,
    `rollback: ${(rollbackMs / 1000).toFixed(1)} s (${status(undone)})`,
    '',
    '| operation (apply) | calls |',
    '|---|---:|',
    ...applyCalls.sort(([a], [b]) => a.localeCompare(b)).map(([op, n]) => `| ${op} | ${n} |`),
  ].join('\n'));
}

await main();
