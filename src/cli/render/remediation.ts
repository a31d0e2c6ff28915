// The remediation plan or result: the JSON document (rigwatch-remediation/1), a terminal table
// and Markdown, one row per step in the order they run.

import Table from 'cli-table3';
import pc from 'picocolors';
import type { StepReport } from '../../remediation/runner.js';
import type { StepResource } from '../../remediation/types.js';
import type { Format } from '../options.js';

export interface RemediationOutput {
  format: 'rigwatch-remediation/1';
  runId: string;
  mode: 'plan' | 'apply' | 'rollback';
  account: string;
  /** Resources the run's steps change (the planner's count, which --max-resources limits). */
  resources: number;
  steps: StepReport[];
  /** Resources kept out of the plan, with why: protected, the auditor's own principal, or already contained by an earlier run. */
  refused: { resource: StepResource; reason: string }[];
  stats: { apiCalls: Record<string, number>; durationMs: number };
}

const STATUS_STYLE: Record<StepReport['status'], (s: string) => string> = {
  planned: pc.cyan,
  done: pc.green,
  skipped: pc.yellow,
  failed: (s) => pc.bold(pc.red(s)),
};

function counts(steps: StepReport[]): string {
  const by = new Map<string, number>();
  for (const s of steps) by.set(s.status, (by.get(s.status) ?? 0) + 1);
  return [...by].map(([status, n]) => `${n} ${status}`).join(', ') || 'no steps';
}

function headline(out: RemediationOutput): string {
  const resources = out.resources;
  const preview = out.steps.length > 0 && out.steps.every((s) => s.status === 'planned');
  const verb = { plan: 'Plan (dry run: nothing changed)', apply: 'Applied', rollback: preview ? 'Rollback plan (dry run: nothing changed)' : 'Rollback' }[out.mode];
  return `${verb} · run ${out.runId} · account ${out.account} · ${out.steps.length} steps on ${resources} resources: ${counts(out.steps)}`;
}

function footer(out: RemediationOutput): string[] {
  const lines: string[] = [];
  if (out.refused.length > 0) {
    lines.push(`Not planned (${out.refused.length}):`);
    for (const r of out.refused) lines.push(`  ${r.resource.type} ${r.resource.id} (${r.resource.region}): ${r.reason}`);
  }
  if (out.mode === 'plan' && out.steps.length > 0) lines.push('Run again with --apply to carry this out; every applied step can be undone with `rigwatch rollback <run id>`.');
  if (out.mode === 'rollback' && out.steps.some((s) => s.status === 'planned')) lines.push(`Run again with --apply to undo these: rigwatch rollback ${out.runId} --apply`);
  if (out.mode === 'apply') lines.push(`Undo: rigwatch rollback ${out.runId} --apply`);
  return lines;
}

export function renderRemediation(out: RemediationOutput, format: Format): string {
  if (format === 'json') return `${JSON.stringify(out, null, 2)}\n`;
  if (format === 'markdown') {
    const md = [`# rigwatch ${out.mode}: ${out.runId}`, '', headline(out), ''];
    if (out.steps.length > 0) {
      md.push('| # | Status | Step | Resource | Calls | Reason |', '|---|---|---|---|---|---|');
      out.steps.forEach((s, i) => md.push(`| ${i + 1} | ${s.status} | ${s.title.replace(/\|/g, '\\|')} | ${s.resource.id} (${s.resource.region}) | ${s.calls.join(', ')} | ${(s.reason ?? '').replace(/\|/g, '\\|')} |`));
    }
    return `${[...md, '', ...footer(out)].join('\n')}\n`;
  }
  return `${[pc.bold(headline(out)), '', ...actionSummary(out.steps), '', resourceTable(out.steps), '', ...footer(out)].join('\n')}\n`;
}

const STATUS_RANK: Record<StepReport['status'], number> = { failed: 3, skipped: 2, planned: 1, done: 0 };

/** One line per action: how many resources of which kind, in how many regions. */
function actionSummary(steps: StepReport[]): string[] {
  const byAction = new Map<string, StepReport[]>();
  for (const s of steps) byAction.set(s.action, [...(byAction.get(s.action) ?? []), s]);
  return [...byAction].map(([action, list]) => {
    const resources = new Set(list.map((s) => `${s.resource.region}/${s.resource.id}`)).size;
    const regions = new Set(list.map((s) => s.resource.region)).size;
    return `  ${action.padEnd(22)} ${String(resources).padStart(4)} resources in ${regions} region${regions === 1 ? '' : 's'}, ${list.length} steps: ${counts(list)}`;
  });
}

/** The steps of one action on one resource in one row, in the order they run; the worst status shows. */
function resourceTable(steps: StepReport[]): string {
  if (steps.length === 0) return 'Nothing to do.';
  const rows = new Map<string, StepReport[]>();
  for (const s of steps) {
    const key = `${s.action}\u0000${s.resource.region}\u0000${s.resource.id}`;
    rows.set(key, [...(rows.get(key) ?? []), s]);
  }
  const table = new Table({
    head: ['#', 'Status', 'Action', 'Resource', 'Steps', 'Reason'].map((h) => pc.bold(h)),
    colWidths: [5, 9, 22, 34, 52, 36],
    wordWrap: true,
    wrapOnWordBoundary: false,
    style: { head: [], border: [] },
  });
  let n = 0;
  for (const group of rows.values()) {
    const first = group[0] as StepReport;
    const worst = group.reduce((a, b) => (STATUS_RANK[b.status] > STATUS_RANK[a.status] ? b : a));
    const parts = group.length === 1 ? first.title : group.map((s) => s.id.split(':')[1] ?? s.id).join(', ');
    const reasons = [...new Set(group.map((s) => s.reason).filter(Boolean))].join('; ');
    table.push([String((n += 1)), STATUS_STYLE[worst.status](worst.status), first.action, `${first.resource.id}\n${first.resource.region}`, parts, reasons]);
  }
  return table.toString();
}
