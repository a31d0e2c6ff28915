// The report for a ticket or a pull request: the summary table, then each finding's evidence.

import type { Report } from '../../engine/report.js';
import { actorLine, containmentLine, costExplorerSpend, coverageLine, fmtWindow, resourcesLine, totalCalls, whenLine } from './summary.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  const cov = coverageLine(report);
  const ce = costExplorerSpend(report);
  const s = report.stats.findingsBySeverity;
  out.push(`# rigwatch audit: account ${report.account}`, '');
  out.push(`- Window: ${fmtWindow(report)}`);
  out.push(`- Findings: ${report.findings.length} (${s.critical} critical, ${s.high} high, ${s.medium} medium, ${s.low} low, ${s.info} info)`);
  out.push(`- Sources: ${cov.ok} ok, ${cov.failed} failed, ${cov.skipped} skipped`);
  out.push(`- API calls: ${totalCalls(report)} (Cost Explorer: ${ce.requests} requests, $${ce.dollars.toFixed(2)})`, '');
  if (report.findings.length > 0) {
    out.push('| Severity | Detector | Region | Finding | Actor | Resources | When (UTC) |', '|---|---|---|---|---|---|---|');
    for (const f of report.findings) {
      out.push(`| ${f.severity} | ${f.detector} | ${f.region} | ${cell(f.title)} | ${cell(actorLine(f))} | ${cell(resourcesLine(f))} | ${whenLine(f)} |`);
    }
    out.push('');
    for (const f of report.findings) {
      out.push(`## ${f.severity.toUpperCase()}: ${f.title}`, '');
      out.push(`- Id: \`${f.id}\``, `- Detector: \`${f.detector}\` · region ${f.region}`);
      if (f.actor) out.push(`- Actor: ${actorLine(f)}`);
      if (f.firstSeen) out.push(`- Seen: ${whenLine(f)}`);
      if (f.resources.length) out.push(`- Resources (${f.resources.length}): ${f.resources.slice(0, 20).map((r) => `\`${r.id}\``).join(', ')}${f.resources.length > 20 ? ' …' : ''}`);
      if (f.containment) out.push(`- Containment: ${containmentLine(f.containment)}`);
      if (f.remediations?.length) out.push(`- Remediations: ${f.remediations.map((r) => `\`${r}\``).join(', ')}`);
      out.push('', '<details><summary>Evidence</summary>', '', '```json', JSON.stringify(f.evidence, null, 2), '```', '', '</details>', '');
    }
  } else {
    out.push('No findings.', '');
  }
  const failed = report.coverage.filter((c) => c.status === 'error');
  if (failed.length) {
    out.push('## Not covered', '');
    for (const c of failed) out.push(`- ${c.source} ${c.region}: ${c.error ?? ''}`);
    out.push('');
  }
  return out.join('\n');
}
