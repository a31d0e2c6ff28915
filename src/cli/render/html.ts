// The report as one self-contained HTML page, for a CFO and an incident responder alike: an
// executive summary first (what happened, who, what it costs, the bill, what to do), then each
// incident with its timeline, the bill against what was expected, the metrics, and every finding
// with its evidence. Inline CSS and inline SVG charts only: no script, no font, no image and no
// request at view time; it prints to PDF cleanly. Every string from the report is escaped.

import { readFileSync } from 'node:fs';
import { SEVERITY_RANK, type Finding, type Severity } from '../../detectors/types.js';
import type { Report } from '../../engine/report.js';
import type { BillingReport, Incident, TimelineEntry } from '../../engine/story.js';
import { formatMoney } from '../../notify/digest.js';
import { redactDeep } from '../../notify/redact.js';
import { costChart, metricsChart, timelineChart } from '../../report/charts.js';
import { containmentLine, coverageLine, executiveSummary, shortArn, totalCalls } from './summary.js';

export interface HtmlOptions {
  /** rigwatch's version for the footer; read from package.json when not given. */
  version?: string;
}

/** The figures the executive summary shows, as numbers (the page carries each in a data-value). */
export interface SummaryFigures {
  incidents: number;
  criticalFindings: number;
  findings: number;
  currency: string;
  /** Sum of the incidents' costImpact.total (undefined when the report has no incidents field). */
  costSoFar?: number;
  /** Sum of the incidents' costImpact.perHourNow. */
  perHourNow?: number;
  monthToDate?: number;
  forecast?: number;
  anomalyImpact?: number;
  sourcesFailed: number;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

export function summaryFigures(report: Report): SummaryFigures {
  const s = executiveSummary(report);
  return {
    incidents: s.incidents,
    criticalFindings: report.stats.findingsBySeverity.critical,
    findings: report.findings.length,
    currency: s.currency,
    ...(report.incidents && { costSoFar: s.costSoFar, perHourNow: s.perHourNow }),
    ...(s.bill && { monthToDate: round2(s.bill.monthToDate), forecast: round2(s.bill.forecast), anomalyImpact: round2(s.bill.anomalyImpact) }),
    sourcesFailed: s.failedSources.length,
  };
}

// ---------------------------------------------------------------------------------------------
// Escaping and small formatters

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const when = (iso: string | undefined): string => (iso ? `${iso.slice(0, 16).replace('T', ' ')}` : '');
const day = (iso: string | undefined): string => (iso ? iso.slice(0, 10) : '');
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];
const sentence = (s: string): string => (/[.!?]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`);

function sevBadge(severity: Severity): string {
  return `<span class="sev sev-${esc(severity)}">${esc(severity.toUpperCase())}</span>`;
}

function figure(chart: string, label: string, empty: string): string {
  if (!chart) return `<p class="nodata">${esc(empty)}</p>`;
  return `<figure class="chart" role="img" aria-label="${esc(label)}">${chart}</figure>`;
}

function kpi(testid: string, label: string, value: number | undefined, shown: string, note = ''): string {
  const data = value === undefined ? '' : ` data-value="${esc(value)}"`;
  return `<div class="kpi" data-testid="${esc(testid)}"${data}><div class="kpi-label">${esc(label)}</div>` +
    `<div class="kpi-value">${esc(shown)}</div>${note ? `<div class="kpi-note">${esc(note)}</div>` : ''}</div>`;
}

function rigwatchVersion(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
    return pkg.name === 'rigwatch' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The page

export async function renderHtml(report: Report, options: HtmlOptions = {}): Promise<string> {
  const incidents = [...(report.incidents ?? [])].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.costImpact.total - a.costImpact.total);
  const findingsById = new Map(report.findings.map((f) => [f.id, f]));
  const [timelines, cost, metrics] = await Promise.all([
    Promise.all(incidents.map((i) => timelineChart(i))),
    costChart(report.billing),
    metricsChart(report.metrics),
  ]);
  const version = options.version ?? rigwatchVersion();
  const title = `rigwatch audit · account ${report.account} · ${day(report.generatedAt)}`;
  const body = [
    header(report),
    summarySection(report, incidents),
    ...incidents.map((inc, i) => incidentSection(inc, i + 1, timelines[i] ?? '', findingsById)),
    billingSection(report.billing, cost),
    metricsSection(report, metrics),
    findingsSection(report.findings),
    footer(report, version),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="rigwatch${version ? ` ${esc(version)}` : ''}">
<meta name="color-scheme" content="light">
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function header(report: Report): string {
  return `<header class="page-head">
<h1>rigwatch audit report</h1>
<p class="meta">Account <strong>${esc(report.account)}</strong> · window ${esc(when(report.window.start))} → ${esc(when(report.window.end))} UTC · generated ${esc(when(report.generatedAt))} UTC</p>
</header>`;
}

// ---------------------------------------------------------------------------------------------
// Executive summary

function whatHappened(report: Report, incidents: Incident[]): string {
  const s = report.stats.findingsBySeverity;
  if (incidents.length === 0) {
    if (report.findings.length === 0) return 'rigwatch found nothing suggesting cryptomining or a compromise in this window.';
    return `rigwatch raised ${plural(report.findings.length, 'finding')} (${s.critical} critical, ${s.high} high) that it did not tie to an incident; see the findings below.`;
  }
  const worst = incidents[0] as Incident;
  const first = incidents.map((i) => i.firstSeen).filter(Boolean).sort()[0];
  const last = incidents.map((i) => i.lastSeen).filter(Boolean).sort().at(-1);
  const regions = uniq(incidents.flatMap((i) => i.resources.map((r) => r.region)).filter((r): r is string => Boolean(r) && r !== 'global')).sort();
  const resources = uniq(incidents.flatMap((i) => i.resources.map((r) => `${r.type}/${r.id}`))).length;
  const findings = uniq(incidents.flatMap((i) => i.findings)).length;
  const second = `${incidents.length === 1 ? 'This incident' : `${incidents.length} incidents`} ran from ${when(first)} to ${when(last)} UTC` +
    `, raised ${plural(findings, 'finding')} and touched ${plural(resources, 'resource')}` +
    (regions.length ? ` in ${plural(regions.length, 'region')} (${regions.slice(0, 6).join(', ')}${regions.length > 6 ? ', …' : ''})` : '') + '.';
  return `${sentence(worst.title)} ${second}`;
}

function who(report: Report, incidents: Incident[]): { principals: string[]; keys: string[]; ips: string[] } {
  if (incidents.length > 0) {
    return {
      principals: uniq(incidents.flatMap((i) => i.actor.principals)),
      keys: uniq(incidents.flatMap((i) => i.actor.accessKeyIds)),
      ips: uniq(incidents.flatMap((i) => i.actor.sourceIPs)),
    };
  }
  const actors = report.findings.filter((f) => f.status !== 'muted' && f.status !== 'resolved' && f.actor).map((f) => f.actor!);
  return {
    principals: uniq(actors.map((a) => a.arn)),
    keys: uniq(actors.map((a) => a.accessKeyId).filter((k): k is string => Boolean(k))),
    ips: uniq(actors.flatMap((a) => a.sourceIPs ?? [])),
  };
}

function codeList(items: string[], max = 12): string {
  if (items.length === 0) return '<span class="muted">none recorded</span>';
  const shown = items.slice(0, max).map((x) => `<code>${esc(x)}</code>`).join(' ');
  return items.length > max ? `${shown} <span class="muted">+${items.length - max} more</span>` : shown;
}

function summarySection(report: Report, incidents: Incident[]): string {
  const fig = summaryFigures(report);
  const money = (n: number | undefined) => (n === undefined ? 'not computed' : formatMoney(n, fig.currency));
  const billing = report.billing;
  const actors = who(report, incidents);
  const cov = coverageLine(report);
  const failed = report.coverage.filter((c) => c.status === 'error');
  const basis = uniq(incidents.flatMap((i, n) => i.costImpact.basis.map((b) => (incidents.length > 1 ? `incident ${n + 1}: ${b}` : b))));

  const kpis = [
    kpi('cost-so-far', 'Cost so far', fig.costSoFar, money(fig.costSoFar), 'incidents, to date'),
    kpi('per-hour-now', 'Per hour now', fig.perHourNow, fig.perHourNow === undefined ? 'not computed' : `${money(fig.perHourNow)}/h`, 'instances still running'),
    kpi('incidents', 'Incidents', fig.incidents, String(fig.incidents)),
    kpi('critical-findings', 'Critical findings', fig.criticalFindings, String(fig.criticalFindings), `of ${plural(fig.findings, 'finding')}`),
  ];
  const bill = billing
    ? [
      kpi('month-to-date', 'Bill, month to date', fig.monthToDate, money(fig.monthToDate)),
      kpi('forecast', 'Month-end forecast', fig.forecast, money(fig.forecast), `${money(billing.forecast.atBaseline)} at the baseline`),
      kpi('anomaly-impact', 'Anomalous spend', fig.anomalyImpact, money(fig.anomalyImpact), `${plural(billing.anomalies.length, 'anomaly', 'anomalies')} above expected`),
    ]
    : [];

  const actions = incidents.length > 0
    ? `<ol class="actions">${incidents.map((i) => `<li><strong>${esc(i.title)}</strong> ${sevBadge(i.severity)}<br>
<span class="step">Review the containment plan (a dry run: changes nothing):</span><code class="cmd block" data-testid="remediate">${esc(i.remediate)}</code>
<span class="step">Contain it (asks before changing anything; every step journaled):</span><code class="cmd block" data-testid="remediate-apply">${esc(`${i.remediate} --apply`)}</code></li>`).join('\n')}</ol>
<p class="small"><code>rigwatch rollback &lt;run id&gt; --apply</code> undoes a run. Then rotate the credentials named above and re-run the audit.</p>`
    : report.findings.length > 0
      ? '<p>Review the findings below; <code>rigwatch remediate</code> plans the containment of everything not muted (dry run), <code>--apply</code> carries it out.</p>'
      : '<p>Nothing to contain.</p>';

  const coverage = failed.length === 0
    ? `<p class="coverage ok" data-testid="coverage" data-failed="0">Coverage: all ${plural(cov.ok, 'source')} read${cov.skipped ? ` (${cov.skipped} skipped)` : ''}.</p>`
    : `<div class="coverage bad" data-testid="coverage" data-failed="${failed.length}"><strong>Coverage incomplete: ${plural(failed.length, 'source')} could not be read</strong> (${cov.ok} ok${cov.skipped ? `, ${cov.skipped} skipped` : ''}); what they hold is unknown, not absent.
<ul>${failed.slice(0, 20).map((c) => `<li><code>${esc(c.source)}</code> ${esc(c.region)}: ${esc(c.error ?? 'error')}</li>`).join('')}${failed.length > 20 ? `<li>… ${failed.length - 20} more</li>` : ''}</ul></div>`;

  return `<section id="summary" class="summary">
<h2>Executive summary</h2>
<p class="lede" data-testid="what-happened">${esc(whatHappened(report, incidents))}</p>
<div class="kpis">${kpis.join('')}</div>
${bill.length ? `<div class="kpis bill">${bill.join('')}</div>` : ''}
${basis.length ? `<p class="small basis" data-testid="cost-basis">Cost basis: ${basis.map(esc).join('; ')}.</p>` : ''}
<div class="twocol">
<div>
<h3>Who</h3>
<dl class="who">
<dt>Principals</dt><dd data-testid="principals">${codeList(actors.principals)}</dd>
<dt>Access keys</dt><dd data-testid="access-keys">${codeList(actors.keys)}</dd>
<dt>Source IPs</dt><dd data-testid="source-ips">${codeList(actors.ips)}</dd>
</dl>
</div>
<div>
<h3>What to do</h3>
${actions}
</div>
</div>
${coverage}
</section>`;
}

// ---------------------------------------------------------------------------------------------
// Incidents

function costImpactBlock(inc: Incident): string {
  const c = inc.costImpact;
  const m = (n: number) => formatMoney(n, c.currency);
  const details: string[] = [];
  if (c.instanceHours) {
    details.push(`Instance-hours: ${m(c.instanceHours.total)} over ${c.instanceHours.hours.toLocaleString('en-US')} h of ${plural(c.instanceHours.instances, 'instance')}` +
      (c.instanceHours.unpriced ? ` (${c.instanceHours.unpriced} unpriced)` : ''));
  }
  if (c.costExplorer) details.push(`Cost Explorer: ${m(c.costExplorer.total)} (${c.costExplorer.scope})`);
  return `<div class="impact">
<div class="kpis">${kpi(`incident-cost-${inc.id}`, 'Cost so far', c.total, m(c.total))}${kpi(`incident-hourly-${inc.id}`, 'Per hour now', c.perHourNow, `${m(c.perHourNow)}/h`)}</div>
${details.length ? `<ul class="small figures">${details.map((b) => `<li>${esc(b)}</li>`).join('')}</ul>` : ''}
<p class="small basis">Basis:</p><ul class="small basis">${c.basis.map((b) => `<li>${esc(b)}</li>`).join('')}</ul>
</div>`;
}

function timelineTable(entries: TimelineEntry[], currency: string): string {
  if (entries.length === 0) return '';
  const sorted = [...entries].sort((a, b) => a.at.localeCompare(b.at));
  const rows = sorted.map((e) => `<tr class="k-${esc(e.kind)}"><td class="nowrap">${esc(when(e.at))}</td><td><span class="kind kind-${esc(e.kind)}">${esc(e.kind)}</span></td>` +
    `<td>${esc(e.title)}${e.eventName && !e.title.includes(e.eventName) ? ` <code>${esc(e.eventName)}</code>` : ''}</td><td>${esc(e.region ?? '')}</td>` +
    `<td class="num">${e.count && e.count > 1 ? esc(e.count) : ''}</td><td class="num">${e.amount !== undefined ? esc(formatMoney(e.amount, currency)) : ''}</td></tr>`);
  return `<table class="compact timeline"><thead><tr><th>UTC</th><th>Kind</th><th>What</th><th>Region</th><th class="num">Calls</th><th class="num">Amount</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>`;
}

function incidentSection(inc: Incident, n: number, chart: string, findingsById: Map<string, Finding>): string {
  const findings = inc.findings.map((id) => findingsById.get(id) ?? { id, severity: undefined, title: '(not in this report)' });
  return `<section class="incident" id="incident-${esc(inc.id)}" data-testid="incident">
<h2>Incident ${n}: ${esc(inc.title)} ${sevBadge(inc.severity)}</h2>
<dl class="facts">
<dt>Actor</dt><dd>${codeList(inc.actor.principals, 6)}</dd>
<dt>Access keys</dt><dd>${codeList(inc.actor.accessKeyIds, 6)}</dd>
<dt>Source IPs</dt><dd>${codeList(inc.actor.sourceIPs, 8)}</dd>
<dt>First seen</dt><dd>${esc(when(inc.firstSeen))} UTC</dd>
<dt>Last seen</dt><dd>${esc(when(inc.lastSeen))} UTC</dd>
<dt>Resources</dt><dd>${esc(inc.resources.length)}</dd>
<dt>Contain</dt><dd><code>${esc(inc.remediate)}</code> (dry run), then the same with <code>--apply</code></dd>
</dl>
${costImpactBlock(inc)}
<h3>Timeline</h3>
${figure(chart, `Timeline of incident ${n}`, 'No timeline entries.')}
${timelineTable(inc.timeline, inc.costImpact.currency)}
<h3>Findings (${inc.findings.length})</h3>
<table class="compact"><thead><tr><th>Severity</th><th>Finding</th><th>Id</th></tr></thead><tbody>
${findings.map((f) => `<tr><td>${f.severity ? sevBadge(f.severity) : ''}</td><td>${esc(f.title)}</td><td class="nowrap"><a href="#finding-${esc(f.id)}"><code>${esc(f.id)}</code></a></td></tr>`).join('\n')}
</tbody></table>
</section>`;
}

// ---------------------------------------------------------------------------------------------
// Billing

function billingSection(billing: BillingReport | undefined, chart: string): string {
  if (!billing) {
    return `<section id="billing"><h2>Billing</h2><p class="nodata">The report carries no billing data (Cost Explorer was not read, or the report predates it).</p></section>`;
  }
  const m = (n: number) => formatMoney(n, billing.currency);
  const dayFlags = (d: { estimated?: boolean; partial?: boolean }) =>
    d.partial ? ' <span class="muted small">(partial day)</span>' : d.estimated ? ' <span class="muted small">(not final)</span>' : '';
  const anomalies = [...billing.anomalies].sort((a, b) => a.date.localeCompare(b.date) || b.impact - a.impact);
  // One finding behind every cell (the usual case) is named once, under the table.
  const anomalyFindings = uniq(anomalies.map((a) => a.findingId).filter((id): id is string => Boolean(id)));
  const findingColumn = anomalyFindings.length > 1;
  const findingLink = (id: string) => `<a href="#finding-${esc(id)}"><code>${esc(id)}</code></a>`;
  const anomalyTable = anomalies.length === 0
    ? '<p>rigwatch found no day, service or region whose cost was far above expected.</p>'
    : `<table class="compact" data-testid="anomalies"><thead><tr><th>Date</th><th>Service</th><th>Region</th><th>Account</th><th class="num">Expected</th><th class="num">Actual</th><th class="num">Impact</th>${findingColumn ? '<th>Finding</th>' : ''}</tr></thead><tbody>
${anomalies.map((a) => `<tr><td class="nowrap">${esc(day(a.date))}${dayFlags(a)}</td><td>${esc(a.service)}</td><td class="nowrap">${esc(a.region)}</td><td>${esc(a.account)}</td>` +
    `<td class="num">${esc(m(a.expected))}</td><td class="num">${esc(m(a.actual))}</td><td class="num"><strong>${esc(m(a.impact))}</strong></td>` +
    `${findingColumn ? `<td class="nowrap">${a.findingId ? findingLink(a.findingId) : ''}</td>` : ''}</tr>`).join('\n')}
</tbody><tfoot><tr><td colspan="6">Above expected on anomalous days${!findingColumn && anomalyFindings[0] ? ` (finding ${findingLink(anomalyFindings[0])})` : ''}</td><td class="num"><strong>${esc(m(billing.anomalyImpact))}</strong></td>${findingColumn ? '<td></td>' : ''}</tr></tfoot></table>`;

  const ff = billing.firstFlagged;
  let comparison = '';
  if (ff?.rigwatch || ff?.aws) {
    const lag = ff.rigwatch && ff.aws ? Math.round((Date.parse(ff.aws.slice(0, 10)) - Date.parse(ff.rigwatch.slice(0, 10))) / 86_400_000) : undefined;
    comparison = `<p data-testid="first-flagged">First flagged: rigwatch <strong>${esc(ff.rigwatch ? day(ff.rigwatch) : 'not flagged')}</strong>` +
      ` · AWS Cost Anomaly Detection <strong>${esc(ff.aws ? day(ff.aws) : 'not flagged')}</strong>` +
      (lag !== undefined && lag !== 0 ? ` (${esc(lag > 0 ? `rigwatch ${plural(lag, 'day')} earlier` : `AWS ${plural(-lag, 'day')} earlier`)})` : '') + '.</p>';
  }
  let aws: string;
  if (!billing.awsAnomalies) aws = '<p class="small">AWS Cost Anomaly Detection: no monitor in this account, or not read.</p>';
  else if (billing.awsAnomalies.length === 0) aws = '<p>AWS Cost Anomaly Detection reported no anomaly in this period.</p>';
  else {
    const bases = uniq(billing.awsAnomalies.map((a) => a.firstFlaggedBasis).filter((b): b is string => Boolean(b)));
    aws = `<table class="compact" data-testid="aws-anomalies"><thead><tr><th>AWS anomaly</th><th>Period</th><th>First flagged</th><th>Service</th><th>Region</th><th>Account</th><th class="num">Expected</th><th class="num">Actual</th><th class="num">Impact</th><th>Feedback</th></tr></thead><tbody>
${billing.awsAnomalies.map((a) => `<tr><td><code>${esc(a.id)}</code>${a.usageType ? `<div class="small muted">${esc(a.usageType)}</div>` : ''}</td>` +
    `<td class="nowrap">${esc(day(a.start))}${a.end ? ` → ${esc(day(a.end))}` : ''}</td><td class="nowrap">${esc(a.firstFlagged ? when(a.firstFlagged) : '')}</td>` +
    `<td>${esc(a.service ?? '')}</td><td class="nowrap">${esc(a.region ?? '')}</td><td>${esc(a.account ?? '')}</td>` +
    `<td class="num">${a.expected !== undefined ? esc(m(a.expected)) : ''}</td><td class="num">${a.actual !== undefined ? esc(m(a.actual)) : ''}</td>` +
    `<td class="num">${esc(m(a.impact))}</td><td>${esc(a.feedback ?? '')}</td></tr>`).join('\n')}
</tbody></table>
${bases.length ? `<p class="small basis">${esc(sentence(`First flagged: ${bases.join('; ')}`))}</p>` : ''}`;
  }
  const bl = billing.baseline;
  const small = [
    sentence(`Forecast: ${billing.forecast.basis}`),
    ...(bl ? [sentence(`Expected: the median daily cost of ${plural(bl.days, 'day')} (${day(bl.from)} → ${day(bl.to)}), ${m(bl.dailyMedian)} a day; left out: ${bl.excludes}`)] : []),
    ...(billing.notes ?? []),
  ];
  return `<section id="billing">
<h2>Billing${billing.account ? ` <span class="muted small">account ${esc(billing.account)}</span>` : ''}</h2>
<p>Month to date <strong>${esc(m(billing.monthToDate))}</strong> · month-end forecast <strong>${esc(m(billing.forecast.monthEnd))}</strong> (${esc(m(billing.forecast.atBaseline))} at the baseline) · <strong>${esc(m(billing.anomalyImpact))}</strong> above expected on anomalous days.</p>
${figure(chart, 'Daily cost by service against the expected cost', 'No daily cost to chart.')}
<ul class="small basis">${small.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
<h3>Anomalies rigwatch found</h3>
${anomalyTable}
<h3>Beside AWS Cost Anomaly Detection</h3>
${comparison}
${aws}
</section>`;
}

function metricsSection(report: Report, chart: string): string {
  if (!report.metrics) return '';
  return `<section id="metrics">
<h2>Instance metrics</h2>
${figure(chart, 'CPU and network of the flagged instances against the normal ones', 'No metric series to chart.')}
</section>`;
}

// ---------------------------------------------------------------------------------------------
// Findings

function findingsSection(findings: Finding[]): string {
  if (findings.length === 0) return '<section id="findings"><h2>Findings</h2><p>No findings.</p></section>';
  const rows = findings.map((f) => {
    const status = f.muted ? `muted: ${f.muted.reason}` : (f.status ?? '');
    const contained = f.containment ? `<div class="small muted">${esc(containmentLine(f.containment))}</div>` : '';
    const actor = f.actor ? `${esc(shortArn(f.actor.arn))}${f.actor.accessKeyId ? `<div class="small muted">${esc(f.actor.accessKeyId)}</div>` : ''}` : '';
    return `<tr id="finding-${esc(f.id)}" class="finding"><td>${sevBadge(f.severity)}</td><td>${esc(status)}${contained}</td><td class="nowrap">${esc(f.detector)}</td>` +
      `<td>${esc(f.title)}<div class="small muted"><code>${esc(f.id)}</code>${f.firstSeen ? ` · ${esc(when(f.firstSeen))}${f.lastSeen && f.lastSeen !== f.firstSeen ? ` → ${esc(when(f.lastSeen))}` : ''} UTC` : ''}</div></td>` +
      `<td class="nowrap">${esc(f.region)}</td><td class="num">${esc(f.resources.length)}</td><td class="actor">${actor}</td></tr>
<tr class="evidence"><td colspan="7"><details><summary>Evidence${f.remediations?.length ? ` · remediations: ${esc(f.remediations.join(', '))}` : ''}</summary><pre>${esc(JSON.stringify(redactDeep(f.evidence), null, 2))}</pre></details></td></tr>`;
  });
  return `<section id="findings">
<h2>Findings (${findings.length})</h2>
<table class="findings"><thead><tr><th>Severity</th><th>Status</th><th>Detector</th><th>Finding</th><th>Region</th><th class="num">Resources</th><th>Actor</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
</section>`;
}

function footer(report: Report, version: string | undefined): string {
  const calls = totalCalls(report);
  return `<footer>
Account ${esc(report.account)} · generated ${esc(report.generatedAt)} · window ${esc(report.window.start)} → ${esc(report.window.end)} ·
<span data-testid="api-calls" data-value="${esc(calls)}">${esc(calls.toLocaleString('en-US'))} API calls</span> in ${esc((report.stats.durationMs / 1000).toFixed(1))} s${report.stats.throttled ? ` (${esc(report.stats.throttled)} throttled)` : ''} ·
${esc(report.format)}${version ? ` · rigwatch ${esc(version)}` : ''}
</footer>`;
}

// ---------------------------------------------------------------------------------------------

const CSS = `
:root{--fg:#1b1f24;--muted:#5b6470;--line:#d8dde3;--bg:#fff;--soft:#f5f7f9;--crit:#8e1b1b;--high:#c0392b;--med:#b9770e;--low:#2471a3;--info:#5b6470}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1080px;margin:0 auto;padding:24px 28px 40px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:19px;margin:32px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--fg)}
h3{font-size:15px;margin:18px 0 8px}
code{font:12px/1.35 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;background:var(--soft);padding:1px 4px;border-radius:3px;overflow-wrap:anywhere}
pre{font:11px/1.35 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;background:var(--soft);padding:8px;margin:6px 0;white-space:pre-wrap;overflow-wrap:anywhere;max-height:480px;overflow:auto}
a{color:inherit}
.meta,.muted{color:var(--muted)}
.small{font-size:12px}
.basis{color:var(--muted);margin:4px 0}
ul.basis{padding-left:18px}
.lede{font-size:16px;margin:8px 0 14px}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.kpi{flex:1 1 150px;border:1px solid var(--line);border-radius:6px;padding:8px 12px;background:var(--soft)}
.kpi-label{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.kpi-value{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
.kpi-note{font-size:11px;color:var(--muted)}
.summary .kpis:first-of-type .kpi{border-left:4px solid var(--high)}
.twocol{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.3fr);gap:24px}
dl.who,dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:4px 12px;margin:0}
dt{color:var(--muted);font-size:12px;padding-top:2px}
dd{margin:0}
ol.actions{padding-left:20px;margin:0}
ol.actions li{margin-bottom:8px}
.step{font-size:12px;color:var(--muted)}
code.cmd{background:#1b1f24;color:#fff;padding:2px 6px}
code.cmd.block{display:block;margin:2px 0 6px;padding:4px 8px;white-space:pre-wrap;word-break:break-all}
.coverage{margin:14px 0 0;padding:8px 12px;border-radius:6px}
.coverage.ok{background:#eaf5ec;border:1px solid #b7dcbf}
.coverage.bad{background:#fdecea;border:1px solid #f1b0a9}
.coverage ul{margin:4px 0 0;padding-left:20px}
.sev{display:inline-block;font-size:11px;font-weight:700;letter-spacing:.04em;padding:1px 6px;border-radius:3px;color:#fff;vertical-align:middle}
.sev-critical{background:var(--crit)}.sev-high{background:var(--high)}.sev-medium{background:var(--med)}.sev-low{background:var(--low)}.sev-info{background:var(--info)}
.kind{display:inline-block;font-size:11px;padding:0 5px;border-radius:3px;border:1px solid var(--line)}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-variant-numeric:tabular-nums}
th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid var(--line)}
th{font-size:12px;color:var(--muted);font-weight:600;border-bottom:1px solid var(--fg)}
table.compact td,table.compact th{padding:2px 6px;font-size:12px}
tfoot td{border-top:1px solid var(--fg);border-bottom:none}
.num{text-align:right}
.nowrap{white-space:nowrap}
td.actor{overflow-wrap:anywhere;font-size:12px;min-width:150px}
ul.figures{margin:4px 0;padding-left:18px}
tr.finding td{border-bottom:none}
tr.evidence td{padding-top:0}
details summary{cursor:pointer;color:var(--muted);font-size:12px}
figure.chart{margin:8px 0 12px;overflow-x:auto}
figure.chart svg{display:block;max-width:100%;height:auto}
.nodata{color:var(--muted);font-style:italic}
.impact .kpis{max-width:520px}
footer{margin-top:36px;padding-top:10px;border-top:1px solid var(--line);color:var(--muted);font-size:12px}
@media (max-width:760px){.twocol{grid-template-columns:1fr}main{padding:16px}}
@media print{
  @page{margin:12mm 11mm}
  :root{--soft:#f4f4f4}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  body{font-size:10pt;background:#fff;color:#000}
  main{max-width:none;padding:0}
  h2{font-size:14pt;margin-top:14pt}
  h2,h3{break-after:avoid;page-break-after:avoid}
  section.incident,#billing,#findings{break-before:page;page-break-before:always}
  .summary,.kpis,.kpi,figure.chart,dl.facts,.coverage,.impact,tr,ol.actions li{break-inside:avoid;page-break-inside:avoid}
  thead{display:table-header-group}
  figure.chart{overflow:visible}
  figure.chart svg{width:100%;height:auto}
  pre{max-height:none;overflow:visible;font-size:7.5pt}
  .nowrap{white-space:normal}
  table.compact td,table.compact th{font-size:8pt;padding:1px 4px}
  code{overflow-wrap:anywhere;word-break:break-word}
  details:not([open]) pre{display:none}
  a{text-decoration:none}
  code.cmd{background:#fff;color:#000;border:1px solid #000}
  .twocol{grid-template-columns:minmax(0,1fr) minmax(0,1.3fr)}
}
`;
