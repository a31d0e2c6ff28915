// The report for a ticket or a pull request: the summary table, then each finding's evidence.

import type { Report } from '../../engine/report.js';
import { formatMoney } from '../../notify/digest.js';
import type { Incident } from '../../engine/story.js';
import { actorLine, containmentLine, costExplorerSpend, coverageLine, executiveSummary, fmtWindow, resourcesLine, shortArn, totalCalls, whenLine } from './summary.js';

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
  out.push(...summarySection(report));
  for (const incident of report.incidents ?? []) out.push(...incidentSection(incident));
  out.push(...billingSection(report));
  if (report.findings.length > 0) {
    out.push('## Findings', '');
    out.push('| Severity | Detector | Region | Finding | Actor | Resources | When (UTC) |', '|---|---|---|---|---|---|---|');
    for (const f of report.findings) {
      out.push(`| ${f.severity} | ${f.detector} | ${f.region} | ${cell(f.title)} | ${cell(actorLine(f))} | ${cell(resourcesLine(f))} | ${whenLine(f)} |`);
    }
    out.push('');
    for (const f of report.findings) {
      out.push(`### ${f.severity.toUpperCase()}: ${f.title}`, '');
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

function summarySection(report: Report): string[] {
  const s = executiveSummary(report);
  const out = ['## Summary', '', `**What.** ${s.what}`, ''];
  if (s.incidents > 0) {
    const who = [s.who.principals.join(', '), s.who.accessKeyIds.length ? `keys ${s.who.accessKeyIds.join(', ')}` : '', s.who.sourceIPs.length ? `from ${s.who.sourceIPs.join(', ')}` : '']
      .filter(Boolean).join('; ');
    out.push(`**Who.** ${who}`, '');
    out.push(`**Cost.** ${formatMoney(s.costSoFar, s.currency)} so far, ${formatMoney(s.perHourNow, s.currency)} per hour now (basis under each incident).`, '');
  }
  if (s.bill) {
    out.push(`**Bill.** ${formatMoney(s.bill.monthToDate, s.currency)} this month so far; month-end forecast ${formatMoney(s.bill.forecast, s.currency)} against ${formatMoney(s.bill.atBaseline, s.currency)} at the usual rate; ${formatMoney(s.bill.anomalyImpact, s.currency)} above expected on anomalous days.`, '');
  }
  if (s.actions.length > 0) {
    out.push('**What to do.** Plan the containment (a dry run), read it, then add `--apply`:', '');
    for (const a of s.actions) out.push('```sh', a, '```', '');
  }
  if (s.failedSources.length > 0) out.push(`**Not covered.** ${s.failedSources.join(', ')}: findings there may be missing.`, '');
  return out;
}

function incidentSection(i: Incident): string[] {
  const c = i.costImpact;
  const out = [`## Incident ${i.id} (${i.severity}): ${cell(i.title)}`, ''];
  out.push(`- Actor: ${i.actor.principals.map(shortArn).join(', ') || 'unknown'}${i.actor.accessKeyIds.length ? `; keys ${i.actor.accessKeyIds.join(', ')}` : ''}${i.actor.sourceIPs.length ? `; from ${i.actor.sourceIPs.join(', ')}` : ''}`);
  out.push(`- Seen: ${i.firstSeen.slice(0, 16).replace('T', ' ')} → ${i.lastSeen.slice(0, 16).replace('T', ' ')} UTC`);
  out.push(`- Cost: ${formatMoney(c.total, c.currency)} so far, ${formatMoney(c.perHourNow, c.currency)} per hour now`);
  for (const b of c.basis) out.push(`  - ${b}`);
  out.push(`- Findings (${i.findings.length}): ${i.findings.map((id) => `\`${id}\``).join(', ')}`);
  out.push(`- Resources: ${i.resources.length}`, '');
  if (i.timeline.length > 0) {
    out.push('| When (UTC) | What | Region | |', '|---|---|---|---|');
    const shown = i.timeline.slice(0, 40);
    for (const t of shown) out.push(`| ${t.at.slice(0, 16).replace('T', ' ')} | ${t.kind} | ${t.region ?? ''} | ${cell(t.title)}${t.amount !== undefined ? ` ${formatMoney(t.amount, c.currency)}` : ''} |`);
    if (i.timeline.length > shown.length) out.push(`| | | | … ${i.timeline.length - shown.length} more |`);
    out.push('');
  }
  out.push('```sh', i.remediate, '```', '');
  return out;
}

function billingSection(report: Report): string[] {
  const b = report.billing;
  if (!b) return [];
  const out = ['## Billing', ''];
  out.push(`- Month to date: ${formatMoney(b.monthToDate, b.currency)}; month-end forecast ${formatMoney(b.forecast.monthEnd, b.currency)} (${b.forecast.basis}); at the usual rate ${formatMoney(b.forecast.atBaseline, b.currency)}`);
  out.push(`- Above expected on anomalous days: ${formatMoney(b.anomalyImpact, b.currency)}`);
  if (b.firstFlagged?.rigwatch || b.firstFlagged?.aws) {
    out.push(`- First flagged: rigwatch ${b.firstFlagged.rigwatch ?? 'never'}; AWS Cost Anomaly Detection ${b.firstFlagged.aws ?? (b.awsAnomalies ? 'never' : 'not available')}`);
  }
  out.push('');
  if (b.anomalies.length > 0) {
    out.push('| Day | Service | Region | Account | Expected | Actual | Impact |', '|---|---|---|---|---:|---:|---:|');
    for (const a of b.anomalies) out.push(`| ${a.date} | ${cell(a.service)} | ${a.region} | ${a.account} | ${formatMoney(a.expected, b.currency)} | ${formatMoney(a.actual, b.currency)} | ${formatMoney(a.impact, b.currency)} |`);
    out.push('');
  }
  if (b.awsAnomalies && b.awsAnomalies.length > 0) {
    out.push('AWS Cost Anomaly Detection:', '', '| Start | First flagged | Service | Region | Impact |', '|---|---|---|---|---:|');
    for (const a of b.awsAnomalies) out.push(`| ${a.start} | ${a.firstFlagged ?? ''} | ${cell(a.service ?? '')} | ${a.region ?? ''} | ${formatMoney(a.impact, b.currency)} |`);
    out.push('');
  }
  return out;
}
