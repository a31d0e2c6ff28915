// `npm run bench`: audits a generated large account on the simulated account, with AWS's rate
// limits and realistic per-call latency, and prints wall time, peak memory, API calls by
// operation, and those calls against the fewest the page sizes allow. A measurement, not a test.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runScheduledAudit } from '../engine/scheduled.js';
import { rewindScenario } from '../scenario/rewind.js';
import type { Scenario } from '../scenario/types.js';
import { FileStateStore, STATE_FILE } from '../state/file-store.js';
import { runAudit } from '../engine/audit.js';
import { loadConfig } from '../engine/config.js';
import { scenarioTarget } from '../engine/target.js';
import { MAX_DATAPOINTS_PER_CALL, MAX_QUERIES_PER_CALL } from '../providers/aws/collectors/cloudwatch.js';
import type { AuditData } from '../providers/types.js';
import { buildLargeAccount, LARGE_DEFAULT } from '../scenario/generators/large.js';
import { parseScenario } from '../scenario/load.js';
import { CE_ANOMALIES_PER_PAGE, CE_GROUPS_PER_PAGE } from '../simulator/services/costexplorer.js';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: String(LARGE_DEFAULT.instances) },
    regions: { type: 'string', default: String(LARGE_DEFAULT.regions) },
    events: { type: 'string', default: String(LARGE_DEFAULT.events) },
    'cost-days': { type: 'string', default: String(LARGE_DEFAULT.costDays) },
    since: { type: 'string', default: '7d' },
    trace: { type: 'boolean', default: false },
    scheduled: { type: 'boolean', default: false },
  },
});

const DAY = 86_400_000;
const pages = (n: number, size: number): number => Math.max(1, Math.ceil(n / size));

/** The fewest calls per operation that could have fetched what the audit collected. */
export function minimumCalls(data: AuditData): Record<string, number> {
  const min: Record<string, number> = {
    'sts:GetCallerIdentity': 1,
    'ec2:DescribeRegions': 1,
    // Two queries (by service and region; EC2 by region and usage type), each paged by groups.
    'ce:GetCostAndUsage': pages(data.costs.byServiceRegion.length, CE_GROUPS_PER_PAGE) + pages(data.costs.ec2ByUsageType.length, CE_GROUPS_PER_PAGE),
    // AWS Cost Anomaly Detection's anomalies for the window, paged (a full run asks once).
    ...(data.costs.awsAnomalies && { 'ce:GetAnomalies': pages(data.costs.awsAnomalies.length, CE_ANOMALIES_PER_PAGE) }),
  };
  const add = (op: string, n: number) => { min[op] = (min[op] ?? 0) + n; };
  for (const region of data.regions) {
    const instances = data.ec2.instances.filter((i) => i.region === region);
    const groups = data.ec2.securityGroups.filter((g) => g.region === region);
    add('ec2:DescribeInstances', pages(instances.length, 1000));
    add('ec2:DescribeSecurityGroups', pages(groups.length, 1000));
    add('ec2:DescribeSecurityGroupRules', pages(groups.reduce((n, g) => n + g.rules.length, 0), 1000));
    add('cloudtrail:DescribeTrails', 1);
    const events = data.cloudtrail.events.filter((e) => e.awsRegion === region || (region === 'us-east-1' && !data.regions.includes(e.awsRegion)));
    add('cloudtrail:LookupEvents', pages(events.length, 50));
    const series = data.metrics.filter((m) => m.region === region);
    const points = series.reduce((n, s) => n + s.values.length, 0);
    if (series.length > 0) add('cloudwatch:GetMetricData', Math.max(pages(series.length, MAX_QUERIES_PER_CALL), pages(points, MAX_DATAPOINTS_PER_CALL)));
    add('guardduty:ListDetectors', 1);
    const findings = data.guardduty.findings.filter((f) => f.region === region).length;
    if (findings > 0) add('guardduty:GetFindings', pages(findings, 50));
  }
  add('cloudtrail:GetTrailStatus', data.cloudtrail.trails.length);
  add('ec2:DescribeInstanceAttribute', data.ec2.instances.filter((i) => i.launchTime >= data.window.start && i.state !== 'terminated').length);
  add('iam:GetAccountAuthorizationDetails', pages(data.iam.users.length + data.iam.roles.length, 1000));
  add('iam:GenerateCredentialReport', 1);
  add('iam:GetCredentialReport', 1);
  add('iam:ListAccessKeys', data.iam.users.length);
  add('guardduty:GetDetector', data.guardduty.detectors.length);
  add('guardduty:ListFindings', data.guardduty.detectors.length);
  return min;
}

/**
 * `--scheduled`: two consecutive scheduled runs 15 minutes apart with a state directory: the
 * first (empty state) reads everything, the second only what is new. The account is rewound by
 * 15 minutes for the first, so the second sees 15 minutes of new events and datapoints.
 */
async function scheduled(scenario: Scenario): Promise<void> {
  const config = await loadConfig();
  const dir = mkdtempSync(join(tmpdir(), 'rigwatch-bench-state-'));
  const now = Date.parse(scenario.now);
  const lines: string[] = [];
  for (const at of [now - 15 * 60_000, now]) {
    const target = scenarioTarget(at === now ? scenario : rewindScenario(scenario, at), 'large');
    const t = performance.now();
    const { report } = await runScheduledAudit({ config, clients: target.clients, now: at, since: at - 7 * DAY, store: new FileStateStore(dir), notify: false });
    const ms = performance.now() - t;
    target.clients.destroy();
    const calls = report.stats.apiCalls;
    lines.push(`${report.state?.incremental ? 'second run (incremental)' : 'first run (empty state)'}: ${(ms / 1000).toFixed(1)} s, ` +
      `${Object.values(calls).reduce((a, b) => a + b, 0)} calls (${Object.entries(calls).sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op} ${n}`).join(', ')}); ` +
      `state ${(statSync(join(dir, STATE_FILE)).size / 1048576).toFixed(1)} MiB gzipped; ${report.findings.length} findings`);
  }
  lines.push(`peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
  rmSync(dir, { recursive: true, force: true });
  console.log(lines.join('\n'));
}

async function main(): Promise<void> {
  const opts = {
    ...LARGE_DEFAULT,
    instances: Number(values.instances),
    regions: Number(values.regions),
    events: Number(values.events),
    costDays: Number(values['cost-days']),
  };
  let t = performance.now();
  const scenario = parseScenario(buildLargeAccount(opts), 'large');
  const buildMs = performance.now() - t;
  if (values.scheduled) return scheduled(scenario);
  const target = scenarioTarget(scenario, 'large');
  const config = await loadConfig();
  const since = target.now - (values.since === '7d' ? 7 * DAY : Number.parseFloat(values.since) * DAY);
  const rssBefore = process.memoryUsage().rss;
  t = performance.now();
  const trace = values.trace ? (m: string) => console.error(`${((performance.now() - t) / 1000).toFixed(1).padStart(6)} s  ${m}`) : undefined;
  const { report, data } = await runAudit({ config, clients: target.clients, now: target.now, since, progress: trace });
  const auditMs = performance.now() - t;
  target.clients.destroy();

  const calls = report.stats.apiCalls;
  const min = minimumCalls(data);
  const ops = [...new Set([...Object.keys(calls), ...Object.keys(min)])].sort();
  const lines = [
    `rigwatch bench: ${opts.instances} instances in ${opts.regions} regions, ${opts.events} CloudTrail events, ${opts.costDays} days of costs`,
    `scenario: ${scenario.ec2?.instances?.length ?? 0} instances, ${scenario.cloudtrail?.events?.length ?? 0} events, ` +
      `${scenario.cloudwatch?.series?.length ?? 0} metric series (built and validated in ${(buildMs / 1000).toFixed(1)} s)`,
    `audit wall time: ${(auditMs / 1000).toFixed(1)} s (simulated latency and AWS rate limits on)`,
    `peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB (${Math.round(rssBefore / 1048576)} MiB before the audit, scenario included)`,
    `collected: ${data.ec2.instances.length} instances, ${data.cloudtrail.events.length} events, ${data.metrics.length} metric series, ` +
      `${data.costs.byServiceRegion.length + data.costs.ec2ByUsageType.length} cost rows; ${report.findings.length} findings ` +
      `(${Object.entries(report.stats.findingsBySeverity).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ')})`,
    `throttled calls (retried by the SDK): ${report.stats.throttled}`,
    '',
    '| operation | calls | minimum | ratio |',
    '|---|---:|---:|---:|',
    ...ops.map((op) => `| ${op} | ${calls[op] ?? 0} | ${min[op] ?? '-'} | ${min[op] ? ((calls[op] ?? 0) / min[op]).toFixed(2) : '-'} |`),
    `| **total** | ${Object.values(calls).reduce((a, b) => a + b, 0)} | ${Object.values(min).reduce((a, b) => a + b, 0)} | |`,
  ];
  console.log(lines.join('\n'));
}

await main();
