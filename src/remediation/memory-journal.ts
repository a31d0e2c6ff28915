// The journal kept in memory: the same semantics as the SQLite journal (sqlite-journal.ts), for
// tests and dry runs. Everything stored or handed out is a JSON copy, as it would be from the file.

import { InputError } from '../engine/errors.js';
import type { Journal, JournalEntry, RunRecord } from './journal.js';
import type { StepOutcome, UndoData } from './types.js';

interface StoredRun {
  run: RunRecord;
  /** Creation order, the tie-break when two runs share a createdAt. */
  seq: number;
  entries: Map<string, JournalEntry>;
}

export class MemoryJournal implements Journal {
  private readonly runs = new Map<string, StoredRun>();
  private closed = false;

  createRun(run: RunRecord): void {
    this.assertOpen();
    if (this.runs.has(run.runId)) return;
    const entries = new Map<string, JournalEntry>();
    for (const step of run.steps) entries.set(step.id, { stepId: step.id, state: 'planned' });
    this.runs.set(run.runId, { run: jsonCopy(run), seq: this.runs.size, entries });
  }

  getRun(runId: string): RunRecord | undefined {
    this.assertOpen();
    const stored = this.runs.get(runId);
    return stored && jsonCopy(stored.run);
  }

  listRuns(): Omit<RunRecord, 'steps'>[] {
    this.assertOpen();
    return [...this.runs.values()]
      .sort((a, b) => compareText(b.run.createdAt, a.run.createdAt) || b.seq - a.seq)
      .map(({ run: { steps: _steps, ...run } }) => jsonCopy(run));
  }

  recordIntent(runId: string, stepId: string, undo: UndoData, at: string): void {
    const entries = this.entriesOf(runId);
    entries.set(stepId, { stepId, state: 'started', undo: jsonCopy(undo), startedAt: at });
  }

  recordResult(runId: string, stepId: string, outcome: StepOutcome, at: string): void {
    const entries = this.entriesOf(runId);
    const { undo, startedAt } = entries.get(stepId) ?? {};
    entries.set(stepId, withoutUndefined({ stepId, state: outcome.status, undo, reason: outcome.reason, startedAt, finishedAt: at }));
  }

  recordUndo(runId: string, stepId: string, outcome: StepOutcome, at: string): void {
    const entries = this.entriesOf(runId);
    const { undo, startedAt, finishedAt } = entries.get(stepId) ?? {};
    const state = outcome.status === 'failed' ? 'undo-failed' : 'undone';
    entries.set(stepId, withoutUndefined({ stepId, state, undo, reason: outcome.reason, startedAt, finishedAt, undoneAt: at }));
  }

  entries(runId: string): Map<string, JournalEntry> {
    this.assertOpen();
    const stored = this.runs.get(runId);
    return new Map([...(stored?.entries ?? [])].map(([id, entry]) => [id, jsonCopy(entry)]));
  }

  close(): void {
    this.closed = true;
  }

  private entriesOf(runId: string): Map<string, JournalEntry> {
    this.assertOpen();
    const stored = this.runs.get(runId);
    if (!stored) throw new InputError(`no remediation run "${runId}" in the journal`);
    return stored.entries;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the journal is closed');
  }
}

function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function withoutUndefined(entry: JournalEntry): JournalEntry {
  return Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined)) as unknown as JournalEntry;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
