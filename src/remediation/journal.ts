// The state store for remediation runs. Every step is written before it runs (intent, with the
// undo data read first) and after (result), so an interrupted run can be resumed or rolled back.
// The default backend is a SQLite file in the state directory (sqlite-journal.ts); the
// scheduled-operation issue adds S3 or DynamoDB behind the same interface.

import type { PlannedStep, StepOutcome, UndoData } from './types.js';

export type RunMode = 'plan' | 'apply' | 'rollback';

export interface RunRecord {
  runId: string;
  mode: RunMode;
  account: string;
  createdAt: string;
  /** For a rollback: the run it undoes. */
  rollbackOf?: string;
  steps: PlannedStep[];
}

/** A step's journal state. */
export type JournalState =
  | 'planned'      // in the plan, not started
  | 'started'      // intent written, no result: interrupted
  | 'done'
  | 'skipped'
  | 'failed'
  | 'undone'       // rolled back
  | 'undo-failed';

export interface JournalEntry {
  stepId: string;
  state: JournalState;
  undo?: UndoData;
  reason?: string;
  startedAt?: string;
  /** When apply finished; kept by a rollback, which undoes in reverse order of it. */
  finishedAt?: string;
  /** When the step was rolled back (or its rollback failed). */
  undoneAt?: string;
}

export interface Journal {
  /** Records a run and its plan; a run id already present keeps its plan (resume). */
  createRun(run: RunRecord): void;
  getRun(runId: string): RunRecord | undefined;
  listRuns(): Omit<RunRecord, 'steps'>[];
  /** Before a step runs: its undo data, read before any change. */
  recordIntent(runId: string, stepId: string, undo: UndoData, at: string): void;
  /** After a step ran (or was skipped or failed). */
  recordResult(runId: string, stepId: string, outcome: StepOutcome, at: string): void;
  /** After a step was rolled back (state `undone`, or `undo-failed` for a failed outcome). */
  recordUndo(runId: string, stepId: string, outcome: StepOutcome, at: string): void;
  entries(runId: string): Map<string, JournalEntry>;
  close(): void;
}
