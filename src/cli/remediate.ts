// `rigwatch remediate` and `rigwatch rollback`: plan from an audit, and with --apply carry out,
// journal and undo. Dry run is the default; --apply asks on a terminal unless --yes.

import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { Finding } from '../detectors/types.js';
import { runAudit } from '../engine/audit.js';
import { counts, type Report } from '../engine/report.js';
import { InputError } from '../engine/errors.js';
import type { Target } from '../engine/target.js';
import type { Journal, RunRecord } from '../remediation/journal.js';
import { MemoryJournal } from '../remediation/memory-journal.js';
import { SqliteJournal } from '../remediation/sqlite-journal.js';
import { ACTIONS } from '../remediation/index.js';
import { countResources, planRemediation, type RemediationConfig } from '../remediation/planner.js';
import { applyPlan, planReport, rollbackRun, type StepReport } from '../remediation/runner.js';
import { ACTION_IDS, type ActionContext, type ActionId, type StepResource } from '../remediation/types.js';
import { stderrProgress, writeOutput } from './io.js';
import { addCommonOptions, addTargetOptions, auditSetup, builtInTarget, formatOption, targetFrom, type CommonOptions, type Format, type TargetOptions } from './options.js';
import { renderRemediation, type RemediationOutput } from './render/remediation.js';

const DEFAULT_STATE_DIR = '.rigwatch';

interface RemediateOptions extends CommonOptions, TargetOptions {
  demo?: boolean;
  apply?: boolean;
  yes?: boolean;
  only?: string;
  stop?: boolean;
  stateDir?: string;
  saveScenario?: string;
  maxResources?: string;
  resume?: string;
  finding?: string;
  incident?: string;
}

function addApplyOptions(cmd: Command): Command {
  return cmd
    .option('--demo', 'run against the built-in incident scenario (no AWS account)')
    .option('--apply', 'carry the plan out (without it, print the plan and change nothing)')
    .option('--yes', 'with --apply, do not ask for confirmation')
    .option('--state-dir <dir>', `where the run journal lives (default: ${DEFAULT_STATE_DIR})`)
    .option('--save-scenario <file>', 'with --scenario or --demo: write the simulated account as it stands afterwards');
}

export function registerRemediation(program: Command): void {
  addApplyOptions(addTargetOptions(addCommonOptions(program.command('remediate'))))
    .description('plan the containment of an audit\'s findings; with --apply, carry it out, journaled and reversible (rigwatch rollback)')
    .option('--only <actions>', `only these actions, comma-separated (${ACTION_IDS.join(', ')})`)
    .option('--finding <ids>', 'only these findings, comma-separated finding ids (as a notification or report gives them); muted findings are left out unless named here')
    .option('--incident <ids>', 'only the findings of these incidents, comma-separated incident ids (as the report gives them)')
    .option('--stop', 'quarantine-instance also stops the instances (never terminates)')
    .option('--max-resources <n>', 'refuse a plan that touches more resources than this (default: config remediation.maxResources)')
    .option('--resume <run id>', 'resume an interrupted --apply run from its journaled plan')
    .action(async (opts: RemediateOptions) => {
      process.exitCode = await remediateCommand(await pickTarget(opts), opts);
    });

  addApplyOptions(addTargetOptions(program.command('rollback')))
    .description('undo a remediation run\'s steps in reverse order (with --apply); says what cannot be undone')
    .argument('<run id>', 'the run to undo (rigwatch remediate prints it)')
    .addOption(formatOption())
    .option('--output <file>', 'write the result to a file')
    .option('--quiet', 'no progress on stderr')
    .option('--debug', 'show stack traces on errors')
    .action(async (runId: string, opts: RemediateOptions) => {
      process.exitCode = await rollbackCommand(runId, await pickTarget(opts), opts);
    });
}

async function pickTarget(opts: RemediateOptions): Promise<Target> {
  if (opts.demo && opts.scenario) throw new InputError('--demo and --scenario: give only one');
  if (opts.saveScenario && !opts.demo && !opts.scenario) throw new InputError('--save-scenario needs --scenario or --demo: a live account is not a file');
  return opts.demo ? builtInTarget('brief-incident') : targetFrom(opts);
}

function openJournal(opts: RemediateOptions, apply: boolean): Journal {
  return apply ? new SqliteJournal(opts.stateDir ?? DEFAULT_STATE_DIR) : new MemoryJournal();
}

function newRunId(now: Date): string {
  return `rw-${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z-${randomBytes(3).toString('hex')}`;
}

function onlyActions(value: string | undefined): ActionId[] | undefined {
  if (value === undefined) return undefined;
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = ids.find((id) => !(ACTION_IDS as readonly string[]).includes(id));
  if (bad) throw new InputError(`--only: unknown action "${bad}" (actions: ${ACTION_IDS.join(', ')})`);
  return ids as ActionId[];
}

/** The finding ids of the named incidents, comma-joined. */
function incidentFindings(report: Report, ids: string): string {
  const wanted = ids.split(',').map((s) => s.trim()).filter(Boolean);
  const incidents = report.incidents ?? [];
  const missing = wanted.filter((id) => !incidents.some((i) => i.id === id));
  if (wanted.length === 0 || missing.length > 0) {
    throw new InputError(`--incident: ${missing.join(', ') || 'no id given'} not found by this audit; incidents now: ${incidents.map((i) => i.id).join(', ') || 'none'}`);
  }
  return incidents.filter((i) => wanted.includes(i.id)).flatMap((i) => i.findings).join(',');
}

/** The findings to contain: the named ones, or every finding that counts (not muted, not resolved). */
function chosenFindings(findings: Finding[], ids: string | undefined): Finding[] {
  if (ids === undefined) return findings.filter(counts);
  const wanted = ids.split(',').map((s) => s.trim()).filter(Boolean);
  if (wanted.length === 0) throw new InputError('--finding: give one or more finding ids, comma-separated');
  const missing = wanted.filter((id) => !findings.some((f) => f.id === id));
  if (missing.length > 0) {
    throw new InputError(`--finding: ${missing.join(', ')} not found by this audit (it may be resolved, or outside --since/--regions); findings now: ${findings.map((f) => f.id).slice(0, 10).join(', ') || 'none'}`);
  }
  return findings.filter((f) => wanted.includes(f.id));
}

async function confirm(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY || !process.stderr.isTTY) throw new InputError('--apply without a terminal to confirm on: add --yes');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

async function remediateCommand(target: Target, opts: RemediateOptions): Promise<number> {
  const setup = await auditSetup(target, opts);
  const config = setup.config.remediation;
  const only = onlyActions(opts.only);
  // Only the actions the config enables ever run; --only narrows them for this run.
  const off = only?.find((id) => !config.enabled.includes(id));
  if (off) throw new InputError(`--only ${off}: not enabled in the config (remediation.enabled: ${config.enabled.join(', ')})`);
  const enabled = only ?? config.enabled;
  const maxResources = opts.maxResources === undefined ? config.maxResources : Number(opts.maxResources);
  if (!Number.isInteger(maxResources) || maxResources < 1) throw new InputError(`--max-resources ${opts.maxResources}: not a positive whole number`);
  const progress = stderrProgress(!opts.quiet);
  // Plans touch no state; applying, and looking at a run to resume, use the run journal.
  const journal = openJournal(opts, opts.apply === true || opts.resume !== undefined);
  const started = performance.now();
  try {
    let run: RunRecord;
    let refused: { resource: StepResource; reason: string }[] = [];
    const ctx = (runId: string, callerArn?: string): ActionContext => ({ clients: target.clients, runId, now: target.now, callerArn });
    if (opts.resume) {
      const stored = journal.getRun(opts.resume);
      if (!stored) throw new InputError(`--resume ${opts.resume}: no such run in ${opts.stateDir ?? DEFAULT_STATE_DIR}`);
      run = stored;
    } else {
      const { report, data } = await runAudit({ config: setup.config, clients: target.clients, now: target.now, since: setup.since, regions: setup.regions, progress });
      const runId = newRunId(new Date());
      const runConfig: RemediationConfig = opts.stop
        ? { ...config, enabled, actions: { ...config.actions, 'quarantine-instance': { ...config.actions['quarantine-instance'], stop: true } } }
        : { ...config, enabled };
      if (opts.finding !== undefined && opts.incident !== undefined) throw new InputError('--finding and --incident: give only one');
      const findingIds = opts.incident === undefined ? opts.finding : incidentFindings(report, opts.incident);
      const planned = planRemediation({ findings: chosenFindings(report.findings, findingIds), data, runId }, runConfig, data.caller?.arn);
      refused = planned.refused;
      run = { runId, mode: opts.apply ? 'apply' : 'plan', account: data.account.id, createdAt: new Date(target.now).toISOString(), steps: planned.steps };
      const touched = countResources(planned.steps);
      if (touched > maxResources) {
        throw new InputError(`the plan touches ${touched} resources, more than --max-resources ${maxResources}: narrow it with --only or raise the limit`);
      }
    }
    progress.done();
    let steps: StepReport[];
    if (!opts.apply) {
      steps = planReport(run, journal);
    } else {
      const resources = countResources(run.steps);
      if (!(await confirm(`Apply ${run.steps.length} steps to ${resources} resources in account ${run.account}?`, opts.yes))) {
        process.stderr.write('rigwatch: nothing applied\n');
        return 0;
      }
      steps = await applyPlan(run, ACTIONS, journal, ctx(run.runId), { onStep: (e) => progress(`${e.stepId}: ${e.status}`) });
      progress.done();
      if (opts.saveScenario && target.simulated) await writeOutput(`${JSON.stringify(target.simulated.toScenario())}\n`, opts.saveScenario);
    }
    const output: RemediationOutput = {
      format: 'rigwatch-remediation/1',
      runId: run.runId,
      mode: opts.apply ? 'apply' : 'plan',
      account: run.account,
      resources: countResources(run.steps),
      steps,
      refused,
      stats: { apiCalls: target.clients.calls.snapshot(), durationMs: Math.round(performance.now() - started) },
    };
    await writeOutput(renderRemediation(output, setup.format), opts.output);
    return steps.some((s) => s.status === 'failed') ? 3 : 0;
  } finally {
    progress.done();
    journal.close();
    target.clients.destroy();
  }
}

async function rollbackCommand(runId: string, target: Target, opts: RemediateOptions): Promise<number> {
  const format: Format = opts.format ?? (!opts.output && process.stdout.isTTY ? 'table' : 'json');
  const journal = new SqliteJournal(opts.stateDir ?? DEFAULT_STATE_DIR);
  const progress = stderrProgress(!opts.quiet);
  const started = performance.now();
  try {
    const run = journal.getRun(runId);
    if (!run) throw new InputError(`rollback ${runId}: no such run in ${opts.stateDir ?? DEFAULT_STATE_DIR}`);
    let steps: StepReport[];
    const rollbackId = `${runId}-rollback`;
    if (!opts.apply) {
      // A preview: the steps the rollback would undo, latest first, as planned undos.
      const entries = journal.entries(runId);
      steps = planReport(run, journal)
        .filter((s) => ['done', 'started', 'failed', 'undo-failed'].includes(entries.get(s.id)?.state ?? ''))
        .reverse()
        .map((s) => ({ ...s, id: `${s.id}:undo`, title: `undo: ${s.title}`, status: 'planned' as const, reason: undefined }));
    } else {
      if (!(await confirm(`Undo run ${runId} in account ${run.account}?`, opts.yes))) return 0;
      steps = await rollbackRun(runId, rollbackId, ACTIONS, journal, { clients: target.clients, runId: rollbackId, now: target.now }, { onStep: (e) => progress(`${e.stepId}: ${e.status}`) });
      progress.done();
      if (opts.saveScenario && target.simulated) await writeOutput(`${JSON.stringify(target.simulated.toScenario())}\n`, opts.saveScenario);
    }
    const output: RemediationOutput = {
      format: 'rigwatch-remediation/1',
      runId: opts.apply ? rollbackId : runId,
      mode: 'rollback',
      account: run.account,
      resources: countResources(run.steps),
      steps,
      refused: [],
      stats: { apiCalls: target.clients.calls.snapshot(), durationMs: Math.round(performance.now() - started) },
    };
    await writeOutput(renderRemediation(output, format), opts.output);
    return steps.some((s) => s.status === 'failed') ? 3 : 0;
  } finally {
    progress.done();
    journal.close();
    target.clients.destroy();
  }
}
