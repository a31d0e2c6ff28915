// The billing anomaly report (`rigwatch costs`): a terminal table, Markdown, CSV (one row per
// anomalous day, service, region and account, AWS's anomalies beside them) and JSON (the
// BillingReport itself).

import Table from 'cli-table3';
import pc from 'picocolors';
import type { BillingReport } from '../../engine/story.js';
import { toCsv, type CsvValue } from './csv.js';

export const COSTS_CSV_COLUMNS = [
  'source', 'date', 'end_date', 'service', 'region', 'account', 'expected', 'actual', 'impact', 'currency',
  'estimated', 'partial', 'first_flagged', 'first_flagged_basis', 'finding_id', 'anomaly_id',
] as const;

export function money(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 2, minimumFractionDigits: 2 }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

const windowDays = (b: BillingReport) => {
  const from = b.window?.start.slice(0, 10) ?? '';
  return b.days.filter((d) => d.date >= from);
};

const anomalyDays = (b: BillingReport) => [...new Set(b.anomalies.map((a) => a.date))];

/** One line: how much, on how many days, first flagged by whom and when. */
export function costsHeadline(b: BillingReport): string {
  if (b.anomalies.length === 0) return 'No billing anomaly.';
  const days = anomalyDays(b).length;
  return `Billing anomaly: ${money(b.anomalyImpact, b.currency)} above expected over ${days} day${days === 1 ? '' : 's'} ` +
    `(${b.anomalies.length} day/service/region cell${b.anomalies.length === 1 ? '' : 's'}), first flagged by rigwatch on ${b.firstFlagged?.rigwatch ?? '?'}.`;
}

function firstFlaggedLine(b: BillingReport): string {
  const aws = b.awsAnomalies === undefined
    ? 'AWS Cost Anomaly Detection: not read (no permission or no monitors; see coverage costexplorer-anomalies)'
    : b.firstFlagged?.aws
      ? `AWS Cost Anomaly Detection ${b.firstFlagged.aws} (estimated: its first day + 1; AWS gives no detection time)`
      : 'AWS Cost Anomaly Detection: no anomaly in the window';
  return `First flagged: rigwatch ${b.firstFlagged?.rigwatch ?? 'nothing'} · ${aws}`;
}

export function renderCostsTable(b: BillingReport): string {
  const lines: string[] = [];
  const c = b.currency;
  const window = b.window ? ` · ${b.window.start.slice(0, 16).replace('T', ' ')} → ${b.window.end.slice(0, 16).replace('T', ' ')} UTC` : '';
  lines.push(pc.bold(`rigwatch costs · account ${b.account ?? '?'}${window}`));
  lines.push(b.anomalies.length > 0 ? pc.red(costsHeadline(b)) : pc.green(costsHeadline(b)));
  lines.push('');
  const style = { head: [], border: [] };
  if (b.anomalies.length > 0) {
    const t = new Table({ head: ['Date', 'Service', 'Region', 'Account', 'Expected', 'Actual', 'Impact'].map((h) => pc.bold(h)), style });
    for (const a of b.anomalies) {
      const date = `${a.date}${a.partial ? ' (today, pro-rated)' : a.estimated ? ' (estimated)' : ''}`;
      t.push([date, a.service, a.region, a.account, money(a.expected, c), money(a.actual, c), pc.red(`+${money(a.impact, c)}`)]);
    }
    lines.push(t.toString(), '');
  }
  const days = new Table({ head: ['Day', 'Expected', 'Actual', 'Difference', ''].map((h) => pc.bold(h)), style });
  for (const d of windowDays(b)) {
    const diff = d.actual - d.expected;
    days.push([`${d.date}${d.partial ? ' (partial)' : ''}`, money(d.expected, c), money(d.actual, c), `${diff >= 0 ? '+' : ''}${money(diff, c)}`, d.anomaly ? pc.red('anomaly') : '']);
  }
  lines.push('Account total per day, window:', days.toString(), '');
  lines.push(`Month to date: ${money(b.monthToDate, c)} · month-end forecast ${money(b.forecast.monthEnd, c)} at the current run-rate, ` +
    `${money(b.forecast.atBaseline, c)} at the baseline`);
  lines.push(pc.dim(`  ${b.forecast.basis}`));
  lines.push('');
  if (b.awsAnomalies && b.awsAnomalies.length > 0) {
    const t = new Table({ head: ['AWS anomaly', 'Start', 'End', 'First flagged (est.)', 'Service', 'Region', 'Account', 'Impact'].map((h) => pc.bold(h)), style });
    for (const a of b.awsAnomalies) {
      t.push([a.id.slice(0, 13), a.start, a.end ?? 'open', a.firstFlagged ?? '', a.service ?? '', a.region ?? '', a.account ?? '', money(a.impact, c)]);
    }
    lines.push('AWS Cost Anomaly Detection:', t.toString());
  }
  lines.push(firstFlaggedLine(b));
  for (const n of b.notes ?? []) lines.push(pc.dim(`Note: ${n}`));
  return `${lines.join('\n')}\n`;
}

const md = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function renderCostsMarkdown(b: BillingReport): string {
  const c = b.currency;
  const out: string[] = [`# rigwatch billing report: account ${b.account ?? '?'}`, ''];
  if (b.window) out.push(`Window: ${b.window.start} → ${b.window.end}`, '');
  out.push(`**${costsHeadline(b)}**`, '');
  if (b.anomalies.length > 0) {
    out.push('## Anomalies', '', '| Date | Service | Region | Account | Expected | Actual | Impact |', '|---|---|---|---|---:|---:|---:|');
    for (const a of b.anomalies) {
      const date = `${a.date}${a.partial ? ' (today, pro-rated)' : a.estimated ? ' (estimated)' : ''}`;
      out.push(`| ${date} | ${md(a.service)} | ${a.region} | ${a.account} | ${money(a.expected, c)} | ${money(a.actual, c)} | +${money(a.impact, c)} |`);
    }
    out.push('');
  }
  out.push('## Account total per day', '', '| Day | Expected | Actual | Anomaly |', '|---|---:|---:|---|');
  for (const d of windowDays(b)) out.push(`| ${d.date}${d.partial ? ' (partial)' : ''} | ${money(d.expected, c)} | ${money(d.actual, c)} | ${d.anomaly ? 'yes' : ''} |`);
  out.push('', '## Month', '');
  out.push(`- Month to date: ${money(b.monthToDate, c)}`);
  out.push(`- Month-end forecast at the current run-rate: ${money(b.forecast.monthEnd, c)}`);
  out.push(`- Month-end at the baseline: ${money(b.forecast.atBaseline, c)}`);
  out.push(`- Basis: ${md(b.forecast.basis)}`, '');
  out.push('## AWS Cost Anomaly Detection', '');
  if (b.awsAnomalies && b.awsAnomalies.length > 0) {
    out.push('| Anomaly | Start | End | First flagged (estimated) | Service | Region | Account | Impact |', '|---|---|---|---|---|---|---|---:|');
    for (const a of b.awsAnomalies) {
      out.push(`| \`${a.id}\` | ${a.start} | ${a.end ?? 'open'} | ${a.firstFlagged ?? ''} | ${md(a.service ?? '')} | ${a.region ?? ''} | ${a.account ?? ''} | ${money(a.impact, c)} |`);
    }
    out.push('');
  }
  out.push(firstFlaggedLine(b), '');
  if (b.notes?.length) out.push(...b.notes.map((n) => `> ${md(n)}`), '');
  return `${out.join('\n')}`;
}

/** One row per anomalous day, service, region and account (source rigwatch), then AWS's anomalies (source aws). */
export function renderCostsCsv(b: BillingReport): string {
  const rows: CsvValue[][] = b.anomalies.map((a) => [
    'rigwatch', a.date, undefined, a.service, a.region, a.account, a.expected, a.actual, a.impact, b.currency,
    a.estimated ?? false, a.partial ?? false, undefined, undefined, a.findingId, undefined,
  ]);
  for (const a of b.awsAnomalies ?? []) {
    rows.push([
      'aws', a.start, a.end, a.service, a.region, a.account, a.expected, a.actual, a.impact, b.currency,
      undefined, undefined, a.firstFlagged, a.firstFlaggedBasis, undefined, a.id,
    ]);
  }
  return toCsv(COSTS_CSV_COLUMNS, rows);
}

export function renderCosts(b: BillingReport, format: 'table' | 'json' | 'markdown' | 'csv'): string {
  switch (format) {
    case 'json': return `${JSON.stringify(b, null, 2)}\n`;
    case 'markdown': return renderCostsMarkdown(b);
    case 'csv': return renderCostsCsv(b);
    case 'table': return renderCostsTable(b);
  }
}
