// `npm run bench:detect`: time to detect. Replays the demo incident in steps of simulated time
// (5 minutes by default): at each step the account is rewound to that instant (CloudTrail records
// appear only after their delivery delay, cost after Cost Explorer's lag) and the scheduled audit
// runs on it with a state directory, notifying a local webhook, exactly as cron or the Lambda
// would. It reports, per detector, the minutes from the attacker's first API call and from the
// moment its signal became visible through the API to the first notification, and for the bill
// how much earlier rigwatch tells than a check of complete days. A measurement, not a test.

import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DETECTORS } from '../detectors/index.js';
import { CORRELATION_EVENTS } from '../detectors/lib/correlation.js';
import { INGRESS_EVENTS } from '../detectors/lib/ingress.js';
import type { DetectorId } from '../detectors/types.js';
import { loadConfig } from '../engine/config.js';
import { runScheduledAudit } from '../engine/scheduled.js';
import { scenarioTarget } from '../engine/target.js';
import type { CloudTrailRecord } from '../providers/types.js';
import { buildDemo } from '../scenario/generators/demo.js';
import { DEFAULT_COST_LAG_MS, defaultCloudTrailDelayMs, rewindScenario } from '../scenario/rewind.js';
import { FileStateStore } from '../state/file-store.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    step: { type: 'string', default: '5' },
    'max-hours': { type: 'string', default: '48' },
    json: { type: 'boolean', default: false },
  },
});
const step = Number(values.step) * MINUTE;
const maxHours = Number(values['max-hours']);

const { scenario: demo, attack } = buildDemo();
const events = demo.cloudtrail?.events ?? [];
// The attacker: the stolen key used from the attacker's addresses (the same key acts from CI
// every day), and the backdoor user's key.
const attackerIps = new Set(attack.attackerIPs);
const byAttacker = (e: CloudTrailRecord) =>
  attackerIps.has(e.sourceIPAddress ?? '') || e.userIdentity?.accessKeyId === attack.persistence.accessKeyId;
const attackerEvents = events.filter(byAttacker).sort((a, b) => a.eventTime.localeCompare(b.eventTime));
const firstCall = Date.parse(attackerEvents[0]?.eventTime ?? attack.start);

/**
 * The attacker's first event among `names`, and the first moment one of them was visible: through
 * LookupEvents after its delivery delay, or at once for the names in `stateApis` (a call whose
 * effect a read API shows immediately: a stopped trail in GetTrailStatus, a deleted detector).
 */
function firstEvent(names: Set<string>, stateApis: Set<string> = new Set()): { at: number; visible: number } {
  const matching = attackerEvents.filter((r) => names.has(r.eventName) && !r.errorCode);
  if (matching.length === 0) throw new Error(`no attacker event among ${[...names].join(', ')}`);
  const at = Math.min(...matching.map((r) => Date.parse(r.eventTime)));
  const visible = Math.min(...matching.map((r) => Date.parse(r.eventTime) + (stateApis.has(r.eventName) ? 0 : defaultCloudTrailDelayMs(r))));
  return { at, visible };
}

/** The events a detector declares it reads, less the ones it reads only to correlate with other detectors. */
function signalEvents(id: DetectorId): Set<string> {
  const correlation = new Set(CORRELATION_EVENTS.map((e) => e.eventName));
  const declared = (DETECTORS.find((d) => d.meta.id === id)?.meta.cloudtrailEvents ?? []).map((e) => e.eventName);
  const own = declared.filter((n) => !correlation.has(n));
  return new Set(own.length > 0 ? own : declared);
}

const config = await loadConfig();
const option = (id: DetectorId, key: string) => Number(config.detectors[id][key]);
const webAt = Date.parse(attack.webCompromise.at);
const minerAt = Math.min(...attack.batches.map((b) => Date.parse(b.at)));
const opened = firstEvent(new Set(INGRESS_EVENTS), new Set(INGRESS_EVENTS));

// When each detector's signal became visible through the API.
const signals: Record<DetectorId, { at: number; visible: number; what: string }> = {
  'fleet-spinup': { ...firstEvent(signalEvents('fleet-spinup')), what: "the stolen key's first RunInstances, delivered to LookupEvents" },
  'sg-open-ingress': { ...opened, what: 'the first port opened to the internet (in DescribeSecurityGroupRules at once)' },
  'iam-credential-activity': { ...firstEvent(signalEvents('iam-credential-activity')), what: 'the first IAM or sign-in call of the attacker, delivered' },
  'trail-tampering': { ...firstEvent(signalEvents('trail-tampering'), new Set(['StopLogging', 'DeleteTrail', 'DeleteDetector', 'UpdateDetector'])), what: 'the first tampering call (a stopped trail shows in GetTrailStatus at once)' },
  'cpu-sustained': { at: webAt, visible: webAt + option('cpu-sustained', 'minHours') * HOUR, what: `${option('cpu-sustained', 'minHours')} h of CPU above the threshold on the exploited web server` },
  'network-spike': { at: webAt, visible: webAt + option('network-spike', 'sustainHours') * HOUR, what: `the web server's traffic swing, held ${option('network-spike', 'sustainHours')} h` },
  'bill-spike': { at: minerAt, visible: minerAt + DEFAULT_COST_LAG_MS, what: `the miners' first cost, after Cost Explorer's ${DEFAULT_COST_LAG_MS / HOUR} h lag` },
};
// A daily check (a budget or anomaly alert on complete days) sees the first attack day once it
// has ended and Cost Explorer has caught up.
const attackDay = Math.floor(minerAt / DAY) * DAY;
const dailyCheck = attackDay + DAY + DEFAULT_COST_LAG_MS;

// The channel the scheduled runs notify: a real local webhook.
const notified = new Map<string, number>();
/** When each detector first reported a finding (any severity), and at what severity. */
const reported = new Map<string, { at: number; severity: string }>();
let clock = 0;
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => { body += c.toString(); });
  req.on('end', () => {
    const digest = JSON.parse(body) as { items: { finding: { detector: string } }[] };
    for (const item of digest.items) if (!notified.has(item.finding.detector)) notified.set(item.finding.detector, clock);
    res.writeHead(200).end();
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
config.notify.channels = [{ type: 'webhook', id: 'bench', urlEnv: 'RIGWATCH_BENCH_HOOK' }];

const dir = mkdtempSync(join(tmpdir(), 'rigwatch-detect-'));
const store = new FileStateStore(dir);
const start = Math.floor((firstCall - 30 * MINUTE) / step) * step;
const runs: { at: number; calls: number; ms: number; incremental: boolean }[] = [];
const wanted = Object.keys(signals);
for (let t = start; t <= firstCall + maxHours * HOUR && wanted.some((d) => !notified.has(d)); t += step) {
  clock = t;
  const target = scenarioTarget(rewindScenario(demo, t), 'demo replay');
  const began = performance.now();
  const { report } = await runScheduledAudit({
    config, clients: target.clients, now: t, since: t - 7 * DAY, store, notify: true, env: { RIGWATCH_BENCH_HOOK: url },
  });
  target.clients.destroy();
  for (const f of report.findings) if (f.status === 'new' && !reported.has(f.detector)) reported.set(f.detector, { at: t, severity: f.severity });
  runs.push({ at: t, calls: Object.values(report.stats.apiCalls).reduce((a, b) => a + b, 0), ms: performance.now() - began, incremental: report.state?.incremental ?? false });
  const failed = report.notifications?.find((n) => n.status === 'failed');
  if (failed) throw new Error(`notification failed at ${new Date(t).toISOString()}: ${failed.error}`);
}
server.close();
rmSync(dir, { recursive: true, force: true });

const minutes = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms / MINUTE));
const rows = (Object.keys(signals) as DetectorId[]).map((detector) => {
  const s = signals[detector];
  const at = notified.get(detector);
  const first = reported.get(detector);
  return {
    detector,
    firstReported: first && `${new Date(first.at).toISOString()} (${first.severity})`,
    minutesToReport: minutes(first === undefined ? undefined : first.at - s.visible),
    notifiedAt: at === undefined ? undefined : new Date(at).toISOString(),
    minutesFromFirstCall: minutes(at === undefined ? undefined : at - firstCall),
    minutesFromSignalVisible: minutes(at === undefined ? undefined : at - s.visible),
    signal: s.what,
    signalVisibleAt: new Date(s.visible).toISOString(),
  };
});
const steady = runs.filter((r) => r.incremental);
const quiet = steady.filter((r) => r.at < firstCall);
const summary = {
  stepMinutes: step / MINUTE,
  attackerFirstCall: new Date(firstCall).toISOString(),
  runs: runs.length,
  firstRun: { calls: runs[0]?.calls, ms: Math.round(runs[0]?.ms ?? 0) },
  steadyRuns: {
    meanCalls: Math.round(steady.reduce((a, r) => a + r.calls, 0) / Math.max(1, steady.length)),
    maxCalls: Math.max(...steady.map((r) => r.calls)),
    meanMs: Math.round(steady.reduce((a, r) => a + r.ms, 0) / Math.max(1, steady.length)),
    beforeTheAttackMeanCalls: Math.round(quiet.reduce((a, r) => a + r.calls, 0) / Math.max(1, quiet.length)),
  },
  detectors: rows,
  bill: {
    rigwatch: notified.has('bill-spike') ? new Date(notified.get('bill-spike') as number).toISOString() : undefined,
    dailyCheck: new Date(dailyCheck).toISOString(),
    hoursEarlier: notified.has('bill-spike') ? Math.round(((dailyCheck - (notified.get('bill-spike') as number)) / HOUR) * 10) / 10 : undefined,
  },
};

if (values.json) {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} else {
  const out: string[] = [];
  out.push(`Replayed the demo incident in ${summary.stepMinutes}-minute steps: ${summary.runs} scheduled runs from ${new Date(start).toISOString()}.`);
  out.push(`Attacker's first API call: ${summary.attackerFirstCall}.`);
  out.push(`First run (full read): ${summary.firstRun.calls} calls, ${summary.firstRun.ms} ms; later runs (incremental): ${summary.steadyRuns.meanCalls} calls on average (max ${summary.steadyRuns.maxCalls}; ${summary.steadyRuns.beforeTheAttackMeanCalls} before the attack), ${summary.steadyRuns.meanMs} ms.`);
  out.push('');
  out.push(`Notified: findings at or above notify.minSeverity (${config.notify.minSeverity}). Minutes are simulated time.`);
  out.push('');
  out.push('| detector | signal visible | first reported (severity) | min | first notified | min after signal | min after first call |');
  out.push('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    out.push(`| ${r.detector} | ${r.signal}: ${r.signalVisibleAt.slice(11, 16)} | ${r.firstReported?.slice(11, 16) ?? 'never'}${r.firstReported ? r.firstReported.slice(24) : ''} | ${r.minutesToReport ?? '-'} | ${r.notifiedAt?.slice(11, 16) ?? 'never'} | ${r.minutesFromSignalVisible ?? '-'} | ${r.minutesFromFirstCall ?? '-'} |`);
  }
  out.push('');
  out.push(`Bill: rigwatch notified at ${summary.bill.rigwatch ?? 'never'}; a daily check of complete days would see the first attack day at ${summary.bill.dailyCheck}` +
    `${summary.bill.hoursEarlier !== undefined ? `: rigwatch is ${summary.bill.hoursEarlier} h earlier` : ''}.`);
  process.stdout.write(`${out.join('\n')}\n`);
}
