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
  steps: StepReport[];
  /** Steps the safety rules kept out of the plan (protected resources, the auditor's own principal). */
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
  const resources = new Set(out.steps.map((s) => `${s.resource.region}/${s.resource.id}`)).size;
  const verb = { plan: 'Plan (dry run: nothing changed)', apply: 'Applied', rollback: 'Rollback' }[out.mode];
  return `${verb} · run ${out.runId} · account ${out.account} · ${out.steps.length} steps on ${resources} resources: ${counts(out.steps)}`;
}

function footer(out: RemediationOutput): string[] {
  const lines: string[] = [];
  if (out.refused.length > 0) {
    lines.push(`Refused (${out.refused.length}):`);
    for (const r of out.refused) lines.push(`  ${r.resource.type} ${r.resource.id} (${r.resource.region}): ${r.reason}`);
  }
  if (out.mode === 'plan' && out.steps.length > 0) lines.push('Run again with --apply to carry this out; every applied step can be undone with `rigwatch rollback <run id>`.');
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
  const table = new Table({
    head: ['#', 'Status', 'Step', 'Resource', 'Reason'].map((h) => pc.bold(h)),
    colWidths: [5, 9, 60, 36, 40],
    wordWrap: true,
    wrapOnWordBoundary: false,
    style: { head: [], border: [] },
  });
  out.steps.forEach((s, i) => table.push([String(i + 1), STATUS_STYLE[s.status](s.status), s.title, `${s.resource.id}\n${s.resource.region}`, s.reason ?? '']));
  return `${[pc.bold(headline(out)), '', out.steps.length > 0 ? table.toString() : 'Nothing to do.', '', ...footer(out)].join('\n')}\n`;
}
