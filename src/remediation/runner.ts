// The runner: carries out a plan's steps through their actions, dependencies first, regions in
// parallel, writing each step to the journal before (intent, with its undo data) and after
// (result); resumes an interrupted run from the journal and rolls a run back in reverse order.
// Actions never see the journal; the runner never calls AWS itself.

import { InputError } from '../engine/errors.js';
import type { Journal, JournalEntry, JournalState, RunRecord } from './journal.js';
import type { ActionContext, ActionId, PlannedStep, RemediationAction, StepOutcome, StepStatus, UndoData } from './types.js';

export interface RunOptions {
  /** Steps run at once within one region (IAM's "global" is a region of its own). Default 4. */
  concurrencyPerRegion?: number;
  /** Progress: called when a step starts and when it ends. */
  onStep?: (event: StepEvent) => void;
}

export type RollbackOptions = RunOptions;

export interface StepEvent {
  runId: string;
  stepId: string;
  title: string;
  status: 'started' | StepOutcome['status'];
  reason?: string;
}

/** A step as the output reports it: the plan's step without its internals, with where it stands. */
export interface StepReport extends Pick<PlannedStep, 'id' | 'action' | 'title' | 'resource' | 'findings' | 'calls'> {
  status: StepStatus;
  reason?: string;
}

// Options differ per action and play no part here: the runner only prepares, applies and undoes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ActionRegistry = ReadonlyMap<ActionId, RemediationAction<any>>;

const DEFAULT_CONCURRENCY_PER_REGION = 4;

/** Plan mode: every step `planned`, or, for a run already in the journal, its stored plan with each step's journal state. */
export function planReport(run: RunRecord, journal?: Journal): StepReport[] {
  const stored = journal?.getRun(run.runId);
  if (!journal || !stored) return run.steps.map((step) => reportOf(step, { status: 'planned' }));
  const entries = journal.entries(run.runId);
  return stored.steps.map((step) => reportOfEntry(step, entries.get(step.id)));
}

/**
 * Applies a run's plan and returns one report per step, in plan order. A run already in the
 * journal keeps its stored plan: steps done (or skipped by their action) are reported as they are;
 * interrupted or failed steps are applied again with the undo data journaled the first time.
 * A step that throws is `failed` and the run goes on; its dependents are `skipped`.
 * Journal failures stop the run (after the steps in flight end) and are thrown.
 */
export async function applyPlan(run: RunRecord, actions: ActionRegistry, journal: Journal, ctx: ActionContext, opts: RunOptions = {}): Promise<StepReport[]> {
  const limit = concurrencyOf(opts);
  const stored = journal.getRun(run.runId) ?? run;
  const order = executionOrder(stored.steps);
  const entries = journal.entries(run.runId);
  assertNotRolledBack(stored, entries);
  journal.createRun(run);

  const settled = new Map<string, StepReport>();
  for (const step of order) {
    const entry = entries.get(step.id);
    if (entry && isSettled(entry)) settled.set(step.id, reportOfEntry(step, entry));
  }

  const emit = (step: PlannedStep, status: StepEvent['status'], reason?: string) =>
    opts.onStep?.({ runId: run.runId, stepId: step.id, title: step.title, status, ...(reason === undefined ? {} : { reason }) });

  const prepareAndApply = async (step: PlannedStep, action: RemediationAction<unknown>, journaled: UndoData | undefined): Promise<StepOutcome> => {
    let undo = journaled;
    if (undo === undefined) {
      try {
        undo = await action.prepare(step, ctx);
      } catch (error) {
        return failure(error);
      }
    }
    journal.recordIntent(run.runId, step.id, undo, timestamp());
    try {
      return await action.apply(step, undo, ctx);
    } catch (error) {
      return failure(error);
    }
  };

  const start = async (step: PlannedStep): Promise<StepReport> => {
    emit(step, 'started');
    const action = actions.get(step.action);
    const outcome = action ? await prepareAndApply(step, action, entries.get(step.id)?.undo) : unknownAction(step);
    journal.recordResult(run.runId, step.id, outcome, timestamp());
    emit(step, outcome.status, outcome.reason);
    return reportOf(step, outcome);
  };

  const skip = (step: PlannedStep, blocker: StepReport): StepReport => {
    const outcome: StepOutcome = { status: 'skipped', reason: `depends on ${blocker.id}, which ${blocker.status === 'failed' ? 'failed' : 'was skipped'}` };
    journal.recordResult(run.runId, step.id, outcome, timestamp());
    emit(step, outcome.status, outcome.reason);
    return reportOf(step, outcome);
  };

  await runInLanes(order, settled, limit, start, skip);
  return stored.steps.map((step) => settled.get(step.id) ?? reportOf(step, { status: 'planned' }));
}

/**
 * Undoes what a run changed: every step done, interrupted (`started`) or failed after its intent
 * was written (its change may have happened; undo is safe when nothing changed), and every earlier
 * rollback that failed; latest finished first, a step never before the steps that depend on it,
 * regions in parallel as in apply.
 * Each undo is recorded in the original run's journal and mirrored as `<step id>:undo` in the
 * rollback run `rollbackRunId`. Steps already undone are reported `skipped`, never undone twice.
 */
export async function rollbackRun(
  originalRunId: string,
  rollbackRunId: string,
  actions: ActionRegistry,
  journal: Journal,
  ctx: ActionContext,
  opts: RollbackOptions = {},
): Promise<StepReport[]> {
  const original = journal.getRun(originalRunId);
  if (!original) throw new InputError(`no remediation run "${originalRunId}" in the journal`);
  if (original.mode === 'rollback') throw new InputError(`run "${originalRunId}" is itself a rollback (of "${original.rollbackOf}"); it cannot be rolled back`);
  if (rollbackRunId === originalRunId) throw new InputError(`the rollback needs a run id of its own, not "${originalRunId}"`);

  const entries = journal.entries(originalRunId);
  const topo = executionOrder(original.steps);
  const toUndo = topo.filter((step) => needsUndo(entries.get(step.id)));
  const alreadyUndone = topo.filter((step) => entries.get(step.id)?.state === 'undone');
  const dependents = dependentsAmong(toUndo);
  const order = undoOrder(toUndo, topo, entries, dependents);
  const mirrors = new Map([...order, ...alreadyUndone].map((step) => [step.id, undoStepOf(step, actions.get(step.action), dependents.get(step.id) ?? [])]));
  journal.createRun({
    runId: rollbackRunId,
    mode: 'rollback',
    account: original.account,
    createdAt: timestamp(),
    rollbackOf: originalRunId,
    steps: [...mirrors.values()],
  });
  const mirrorEntries = journal.entries(rollbackRunId);

  const emit = (step: PlannedStep, status: StepEvent['status'], reason?: string) =>
    opts.onStep?.({ runId: rollbackRunId, stepId: step.id, title: step.title, status, ...(reason === undefined ? {} : { reason }) });

  /** Original step ids whose undo failed or was skipped for that: the steps they depend on stay as they are. */
  const unresolved = new Set<string>();
  const originalOf = new Map(order.map((step) => [mirrors.get(step.id)!.id, step]));
  const undoOne = async (mirror: PlannedStep): Promise<StepReport> => {
    const step = originalOf.get(mirror.id)!;
    emit(mirror, 'started');
    const undo = entries.get(step.id)?.undo ?? {};
    journal.recordIntent(rollbackRunId, mirror.id, undo, timestamp());
    const outcome = await undoStep(step, undo, actions.get(step.action), ctx);
    journal.recordUndo(originalRunId, step.id, outcome, timestamp());
    if (outcome.status === 'failed') unresolved.add(step.id);
    journal.recordResult(rollbackRunId, mirror.id, outcome, timestamp());
    emit(mirror, outcome.status, outcome.reason);
    return reportOf(mirror, outcome);
  };
  const keep = (mirror: PlannedStep, blocker: StepReport): StepReport => {
    const step = originalOf.get(mirror.id)!;
    const outcome: StepOutcome = { status: 'skipped', reason: `${originalOf.get(blocker.id)?.id ?? blocker.id} depends on it and was not undone` };
    unresolved.add(step.id);
    journal.recordResult(rollbackRunId, mirror.id, outcome, timestamp());
    emit(mirror, outcome.status, outcome.reason);
    return reportOf(mirror, outcome);
  };
  // Undos run in the same per-region lanes as apply: a step's undo waits for the undos of the
  // steps that depend on it (the mirror's dependsOn), and "nothing to put back" unblocks as done.
  const settled = new Map<string, StepReport>();
  const blocks = (report: StepReport) => unresolved.has(originalOf.get(report.id)?.id ?? '');
  await runInLanes(order.map((step) => mirrors.get(step.id)!), settled, concurrencyOf(opts), undoOne, keep, blocks);
  const reports = order.map((step) => settled.get(mirrors.get(step.id)!.id)!);
  for (const step of alreadyUndone) {
    const mirror = mirrors.get(step.id)!;
    const outcome: StepOutcome = { status: 'skipped', reason: 'already undone' };
    const state = mirrorEntries.get(mirror.id)?.state;
    if (state === undefined || state === 'planned') journal.recordResult(rollbackRunId, mirror.id, outcome, timestamp());
    reports.push(reportOf(mirror, outcome));
  }
  return reports;
}

/**
 * Starts each step when its dependencies have settled, in `order` (topological), at most `limit`
 * at a time per region; steps whose dependencies did not end `done` are skipped instead.
 * `start` reports a step's own failure as a report; what it throws (the journal failing) stops
 * new starts, and is thrown once the steps in flight have ended.
 */
async function runInLanes(
  order: readonly PlannedStep[],
  settled: Map<string, StepReport>,
  limit: number,
  start: (step: PlannedStep) => Promise<StepReport>,
  skip: (step: PlannedStep, blocker: StepReport) => StepReport,
  blocks: (dependency: StepReport) => boolean = (dependency) => dependency.status !== 'done',
): Promise<void> {
  const waiting = order.filter((step) => !settled.has(step.id));
  const busy = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let fatal: { error: unknown } | undefined;
  const release = (lane: string) => busy.set(lane, (busy.get(lane) ?? 1) - 1);

  for (;;) {
    for (let i = 0; fatal === undefined && i < waiting.length; ) {
      const step = waiting[i]!;
      const dependencies = step.dependsOn.map((id) => settled.get(id));
      if (dependencies.includes(undefined)) {
        i += 1;
        continue;
      }
      const blocker = dependencies.find((report) => report !== undefined && blocks(report));
      const lane = step.resource.region;
      if (blocker === undefined && (busy.get(lane) ?? 0) >= limit) {
        i += 1;
        continue;
      }
      waiting.splice(i, 1);
      if (blocker !== undefined) {
        try {
          settled.set(step.id, skip(step, blocker));
        } catch (error) {
          fatal = { error };
        }
        continue;
      }
      busy.set(lane, (busy.get(lane) ?? 0) + 1);
      const task: Promise<void> = start(step)
        .then(
          (report) => void settled.set(step.id, report),
          (error: unknown) => void (fatal ??= { error }),
        )
        .finally(() => {
          release(lane);
          running.delete(task);
        });
      running.add(task);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  if (fatal) throw fatal.error;
}

async function undoStep(step: PlannedStep, undo: UndoData, action: RemediationAction<unknown> | undefined, ctx: ActionContext): Promise<StepOutcome> {
  if (!action) return unknownAction(step);
  let outcome: StepOutcome;
  try {
    outcome = await action.undo(step, undo, ctx);
  } catch (error) {
    return failure(error);
  }
  if (outcome.status !== 'done' || action.irreversible === undefined) return outcome;
  return { status: 'done', reason: [outcome.reason, action.irreversible].filter((part) => part !== undefined).join('; ') };
}

/** The steps in the order they may run: each after its dependencies, otherwise in plan order. */
function executionOrder(steps: readonly PlannedStep[]): PlannedStep[] {
  const byId = new Map<string, PlannedStep>();
  for (const step of steps) {
    if (byId.has(step.id)) throw new InputError(`the plan has two steps "${step.id}"`);
    byId.set(step.id, step);
  }
  for (const step of steps) {
    const unknown = step.dependsOn.find((id) => !byId.has(id));
    if (unknown !== undefined) throw new InputError(`step "${step.id}" depends on "${unknown}", which is not in the plan`);
  }
  const order = dependencyOrder(
    steps.map((step) => step.id),
    (id) => byId.get(id)!.dependsOn,
  );
  if (order.length < steps.length) {
    const cyclic = steps.filter((step) => !order.includes(step.id)).map((step) => step.id);
    throw new InputError(`the plan's dependencies go round in a cycle: ${cyclic.join(', ')}`);
  }
  return order.map((id) => byId.get(id)!);
}

/** Latest finished first (ties: later in execution order first), each before what it depends on. */
function undoOrder(toUndo: PlannedStep[], topo: PlannedStep[], entries: Map<string, JournalEntry>, dependents: Map<string, string[]>): PlannedStep[] {
  const position = new Map(topo.map((step, index) => [step.id, index]));
  const finished = (step: PlannedStep) => {
    const entry = entries.get(step.id);
    return entry?.finishedAt ?? entry?.startedAt ?? '';
  };
  const ranked = [...toUndo].sort((a, b) => compareText(finished(b), finished(a)) || position.get(b.id)! - position.get(a.id)!);
  const byId = new Map(toUndo.map((step) => [step.id, step]));
  return dependencyOrder(
    ranked.map((step) => step.id),
    (id) => dependents.get(id) ?? [],
  ).map((id) => byId.get(id)!);
}

/**
 * Kahn's algorithm: every id after its prerequisites (those among `ranked`); of the ids ready at
 * any point, the one first in `ranked`. Ids in a cycle are left out.
 */
function dependencyOrder(ranked: readonly string[], prerequisitesOf: (id: string) => readonly string[]): string[] {
  const rank = new Map(ranked.map((id, index) => [id, index]));
  const waitingFor = new Map<string, number>();
  const unlocks = new Map<string, string[]>();
  for (const id of ranked) {
    const prerequisites = new Set(prerequisitesOf(id).filter((other) => rank.has(other)));
    waitingFor.set(id, prerequisites.size);
    for (const prerequisite of prerequisites) unlocks.set(prerequisite, [...(unlocks.get(prerequisite) ?? []), id]);
  }
  const ready = ranked.flatMap((id, index) => (waitingFor.get(id) === 0 ? [index] : []));
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ranked[ready.shift()!]!;
    order.push(id);
    for (const next of unlocks.get(id) ?? []) {
      const left = waitingFor.get(next)! - 1;
      waitingFor.set(next, left);
      if (left === 0) insertSorted(ready, rank.get(next)!);
    }
  }
  return order;
}

function insertSorted(sorted: number[], value: number): void {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < value) low = middle + 1;
    else high = middle;
  }
  sorted.splice(low, 0, value);
}

/** For each step, the steps among `steps` that depend on it. */
function dependentsAmong(steps: readonly PlannedStep[]): Map<string, string[]> {
  const dependents = new Map<string, string[]>();
  for (const step of steps) {
    for (const id of new Set(step.dependsOn)) dependents.set(id, [...(dependents.get(id) ?? []), step.id]);
  }
  return dependents;
}

/** The rollback run's record of undoing `step`; the IAM actions are those the action may call. */
function undoStepOf(step: PlannedStep, action: RemediationAction<unknown> | undefined, dependents: readonly string[]): PlannedStep {
  return {
    ...step,
    id: `${step.id}:undo`,
    title: `undo: ${step.title}`,
    calls: [...(action?.permissions ?? [])],
    dependsOn: dependents.map((id) => `${id}:undo`),
  };
}

/** Done, or skipped by its action (after its intent): a resumed run leaves it. A step skipped for its dependencies has no intent and is decided again. */
function isSettled(entry: JournalEntry): boolean {
  return entry.state === 'done' || (entry.state === 'skipped' && entry.startedAt !== undefined);
}

const UNDOABLE: ReadonlySet<JournalState> = new Set(['started', 'done', 'failed', 'undo-failed']);

function needsUndo(entry: JournalEntry | undefined): boolean {
  return entry !== undefined && entry.undo !== undefined && UNDOABLE.has(entry.state);
}

function assertNotRolledBack(run: RunRecord, entries: Map<string, JournalEntry>): void {
  if (run.mode === 'rollback') throw new InputError(`run "${run.runId}" is a rollback (of "${run.rollbackOf}"); it cannot be applied`);
  const rolledBack = [...entries.values()].some((entry) => entry.state === 'undone' || entry.state === 'undo-failed');
  if (rolledBack) throw new InputError(`run "${run.runId}" has been rolled back; plan a new run to apply its steps again`);
}

function reportOfEntry(step: PlannedStep, entry: JournalEntry | undefined): StepReport {
  if (entry === undefined) return reportOf(step, { status: 'planned' });
  switch (entry.state) {
    case 'planned':
      return reportOf(step, { status: 'planned' });
    case 'started':
      return reportOf(step, { status: 'planned', reason: 'interrupted; resuming applies it again with its journaled undo data' });
    case 'undone':
      return reportOf(step, { status: 'skipped', reason: ['rolled back', entry.reason].filter((part) => part !== undefined).join(': ') });
    case 'undo-failed':
      return reportOf(step, { status: 'failed', reason: `rollback failed: ${entry.reason ?? 'no reason given'}` });
    default:
      return reportOf(step, { status: entry.state, reason: entry.reason });
  }
}

function reportOf(step: PlannedStep, outcome: { status: StepStatus; reason?: string }): StepReport {
  return {
    id: step.id,
    action: step.action,
    title: step.title,
    resource: step.resource,
    findings: step.findings,
    calls: step.calls,
    status: outcome.status,
    ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
  };
}

/** `<error name>: <message>`: for AWS errors, the error code and AWS's message. */
function failure(error: unknown): StepOutcome {
  return { status: 'failed', reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

function unknownAction(step: PlannedStep): StepOutcome {
  return { status: 'failed', reason: `no remediation action "${step.action}" is available` };
}

function concurrencyOf(opts: RunOptions): number {
  const limit = opts.concurrencyPerRegion ?? DEFAULT_CONCURRENCY_PER_REGION;
  if (!Number.isInteger(limit) || limit < 1) throw new InputError(`concurrencyPerRegion ${limit}: not a positive whole number`);
  return limit;
}

function timestamp(): string {
  return new Date().toISOString();
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
