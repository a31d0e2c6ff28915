// The terminal report: what was audited, then one row per finding, worst first.

import Table from 'cli-table3';
import pc from 'picocolors';
import type { Severity } from '../../detectors/types.js';
import type { Report } from '../../engine/report.js';
import { formatMoney } from '../../notify/digest.js';
import { actorLine, containmentLine, costExplorerSpend, coverageLine, fmtWindow, resourcesLine, shortArn, totalCalls, whenLine } from './summary.js';

const SEVERITY_STYLE: Record<Severity, (s: string) => string> = {
  critical: (s) => pc.bold(pc.red(s)),
  high: pc.red,
  medium: pc.yellow,
  low: pc.cyan,
  info: pc.dim,
};

const CONTAINMENT_STYLE = { contained: pc.green, partial: pc.yellow, open: (s: string) => s };

export function renderTable(report: Report, width = process.stdout.columns ?? 120): string {
  const lines: string[] = [];
  const cov = coverageLine(report);
  const ce = costExplorerSpend(report);
  lines.push(pc.bold(`rigwatch · account ${report.account} · ${fmtWindow(report)}`));
  lines.push(`Sources: ${cov.ok} ok${cov.failed ? pc.red(`, ${cov.failed} failed`) : ''}${cov.skipped ? `, ${cov.skipped} skipped` : ''} · ` +
    `${totalCalls(report)} API calls (Cost Explorer ${ce.requests} requests, $${ce.dollars.toFixed(2)}) · ${(report.stats.durationMs / 1000).toFixed(1)} s`);
  lines.push('');
  for (const i of report.incidents ?? []) {
    const c = i.costImpact;
    lines.push(`${SEVERITY_STYLE[i.severity](`INCIDENT ${i.severity.toUpperCase()}`)} ${pc.bold(i.title)}`);
    lines.push(`  ${i.actor.principals.map(shortArn).join(', ')}${i.actor.accessKeyIds.length ? ` · keys ${i.actor.accessKeyIds.join(', ')}` : ''}${i.actor.sourceIPs.length ? ` · from ${i.actor.sourceIPs.join(', ')}` : ''}`);
    lines.push(`  ${i.firstSeen.slice(0, 16).replace('T', ' ')} → ${i.lastSeen.slice(0, 16).replace('T', ' ')} UTC · ${pc.bold(formatMoney(c.total, c.currency))} so far · ${pc.bold(`${formatMoney(c.perHourNow, c.currency)}/h`)} now · ${i.findings.length} findings`);
    lines.push(`  contain: ${i.remediate}   (a dry run; add --apply)`);
    lines.push('');
  }
  if (report.findings.length === 0) {
    lines.push(pc.green('No findings.'));
  } else {
    const wide = Math.max(100, width);
    const table = new Table({
      head: ['Severity', 'Detector', 'Region', 'Finding', 'Actor', 'Resources', 'When (UTC)'].map((h) => pc.bold(h)),
      colWidths: [10, 24, 16, Math.floor(wide * 0.3), Math.floor(wide * 0.2), 24, 19],
      wordWrap: true,
      wrapOnWordBoundary: false,
      style: { head: [], border: [] },
    });
    for (const f of report.findings) {
      const title = f.containment ? `${f.title}\n${CONTAINMENT_STYLE[f.containment.state](containmentLine(f.containment))}` : f.title;
      table.push([SEVERITY_STYLE[f.severity](f.severity.toUpperCase()), f.detector, f.region, title, actorLine(f), resourcesLine(f, 2), whenLine(f)]);
    }
    lines.push(table.toString());
  }
  const s = report.stats.findingsBySeverity;
  lines.push('');
  lines.push(`${report.findings.length} findings: ${s.critical} critical, ${s.high} high, ${s.medium} medium, ${s.low} low, ${s.info} info`);
  const failed = report.coverage.filter((c) => c.status === 'error');
  if (failed.length > 0) {
    lines.push(pc.red(`Not covered (${failed.length}):`));
    for (const c of failed) lines.push(pc.red(`  ${c.source} ${c.region}: ${c.error ?? ''}`));
  }
  if (report.findings.length > 0) lines.push(pc.dim('Details: --format json or --format markdown. Contain: rigwatch remediate (see README).'));
  return `${lines.join('\n')}\n`;
}
