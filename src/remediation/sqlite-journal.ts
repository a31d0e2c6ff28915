// The journal as a SQLite file, `<state dir>/rigwatch.sqlite`. Each write is one transaction,
// synced before the call returns (WAL, synchronous=FULL): a process killed between a step's
// intent and its result leaves the step `started`, with the undo data read before the change.

import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../engine/errors.js';
import type { Journal, JournalEntry, JournalState, RunMode, RunRecord } from './journal.js';
import type { PlannedStep, StepOutcome, UndoData } from './types.js';

export const JOURNAL_FILE = 'rigwatch.sqlite';

/** PRAGMA application_id of a rigwatch journal ("RGWJ"): how a file is known to be one. */
const APPLICATION_ID = 0x5247574a;

/** Migration i takes the schema from version i to i + 1; the schema's version is their count. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE schema_version (version INTEGER NOT NULL);
   INSERT INTO schema_version (version) VALUES (0);
   CREATE TABLE runs (
     run_id TEXT PRIMARY KEY,
     mode TEXT NOT NULL CHECK (mode IN ('plan', 'apply', 'rollback')),
     account TEXT NOT NULL,
     created_at TEXT NOT NULL,
     rollback_of TEXT,
     plan TEXT NOT NULL
   ) STRICT;
   CREATE TABLE journal_entries (
     run_id TEXT NOT NULL REFERENCES runs (run_id),
     step_id TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('planned', 'started', 'done', 'skipped', 'failed', 'undone', 'undo-failed')),
     undo TEXT,
     reason TEXT,
     started_at TEXT,
     finished_at TEXT,
     undone_at TEXT,
     PRIMARY KEY (run_id, step_id)
   ) STRICT;`,
];

interface RunRow {
  run_id: string;
  mode: RunMode;
  account: string;
  created_at: string;
  rollback_of: string | null;
  plan: string;
}

interface EntryRow {
  step_id: string;
  state: JournalState;
  undo: string | null;
  reason: string | null;
  started_at: string | null;
  finished_at: string | null;
  undone_at: string | null;
}

const UPSERT_INTENT = `
  INSERT INTO journal_entries (run_id, step_id, state, undo, started_at) VALUES (?, ?, 'started', ?, ?)
  ON CONFLICT (run_id, step_id) DO UPDATE SET
    state = 'started', undo = excluded.undo, reason = NULL, started_at = excluded.started_at, finished_at = NULL, undone_at = NULL`;

const UPSERT_RESULT = `
  INSERT INTO journal_entries (run_id, step_id, state, reason, finished_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (run_id, step_id) DO UPDATE SET
    state = excluded.state, reason = excluded.reason, finished_at = excluded.finished_at, undone_at = NULL`;

const UPSERT_UNDO = `
  INSERT INTO journal_entries (run_id, step_id, state, reason, undone_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (run_id, step_id) DO UPDATE SET
    state = excluded.state, reason = excluded.reason, undone_at = excluded.undone_at`;

export class SqliteJournal implements Journal {
  /** The journal file's path. */
  readonly file: string;
  private readonly db: Database.Database;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, JOURNAL_FILE);
    prepareStateDir(stateDir);
    this.db = open(this.file);
  }

  createRun(run: RunRecord): void {
    this.db
      .transaction(() => {
        const inserted = this.db
          .prepare('INSERT OR IGNORE INTO runs (run_id, mode, account, created_at, rollback_of, plan) VALUES (?, ?, ?, ?, ?, ?)')
          .run(run.runId, run.mode, run.account, run.createdAt, run.rollbackOf ?? null, JSON.stringify(run.steps));
        if (inserted.changes === 0) return;
        const planned = this.db.prepare("INSERT INTO journal_entries (run_id, step_id, state) VALUES (?, ?, 'planned')");
        for (const step of run.steps) planned.run(run.runId, step.id);
      })
      .immediate();
  }

  getRun(runId: string): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE run_id = ?').get(runId) as RunRow | undefined;
    return row && { ...runOfRow(row), steps: JSON.parse(row.plan) as PlannedStep[] };
  }

  listRuns(): Omit<RunRecord, 'steps'>[] {
    const rows = this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC, rowid DESC').all() as RunRow[];
    return rows.map(runOfRow);
  }

  recordIntent(runId: string, stepId: string, undo: UndoData, at: string): void {
    this.write(runId, UPSERT_INTENT, stepId, JSON.stringify(undo), at);
  }

  recordResult(runId: string, stepId: string, outcome: StepOutcome, at: string): void {
    this.write(runId, UPSERT_RESULT, stepId, outcome.status, outcome.reason ?? null, at);
  }

  recordUndo(runId: string, stepId: string, outcome: StepOutcome, at: string): void {
    const state: JournalState = outcome.status === 'failed' ? 'undo-failed' : 'undone';
    this.write(runId, UPSERT_UNDO, stepId, state, outcome.reason ?? null, at);
  }

  entries(runId: string): Map<string, JournalEntry> {
    const rows = this.db.prepare('SELECT * FROM journal_entries WHERE run_id = ? ORDER BY rowid').all(runId) as EntryRow[];
    return new Map(rows.map((row) => [row.step_id, entryOfRow(row)]));
  }

  close(): void {
    this.db.close();
  }

  /** One upsert of a step's entry, in its own transaction; the run must exist. */
  private write(runId: string, sql: string, stepId: string, ...values: (string | null)[]): void {
    this.db
      .transaction(() => {
        if (this.db.prepare('SELECT 1 FROM runs WHERE run_id = ?').get(runId) === undefined) {
          throw new InputError(`no remediation run "${runId}" in the journal`, { file: this.file });
        }
        this.db.prepare(sql).run(runId, stepId, ...values);
      })
      .immediate();
  }
}

function prepareStateDir(stateDir: string): void {
  try {
    mkdirSync(stateDir, { recursive: true });
  } catch (cause) {
    throw new InputError(`cannot create the state directory: ${messageOf(cause)}`, { file: stateDir, cause });
  }
  try {
    accessSync(stateDir, constants.W_OK);
  } catch (cause) {
    throw new InputError('the state directory is not writable', { file: stateDir, cause });
  }
}

function open(file: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (cause) {
    throw sqliteOpenError(file, cause);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.transaction(() => migrate(db, file)).immediate();
    return db;
  } catch (cause) {
    db.close();
    throw sqliteOpenError(file, cause);
  }
}

/** Brings a new or older journal to the current schema; refuses files that are not journals. */
function migrate(db: Database.Database, file: string): void {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
  let version: number;
  if (applicationId === 0 && tables.n === 0) {
    db.pragma(`application_id = ${APPLICATION_ID}`);
    version = 0;
  } else if (applicationId === APPLICATION_ID && hasTable(db, 'schema_version')) {
    version = (db.prepare('SELECT version FROM schema_version').get() as { version: number }).version;
  } else {
    throw new InputError('not a rigwatch journal (a SQLite database of something else)', { file });
  }
  if (version > MIGRATIONS.length) {
    throw new InputError(`written by a newer rigwatch (journal schema ${version}; this one knows up to ${MIGRATIONS.length})`, { file });
  }
  for (const sql of MIGRATIONS.slice(version)) db.exec(sql);
  // Written even when nothing migrated: a journal this process cannot write fails here, at open.
  db.prepare('UPDATE schema_version SET version = ?').run(MIGRATIONS.length);
}

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

function sqliteOpenError(file: string, cause: unknown): unknown {
  if (cause instanceof InputError) return cause;
  const code = (cause as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB') return new InputError('not a rigwatch journal (not a SQLite database)', { file, cause });
  if (typeof code === 'string' && /^SQLITE_(READONLY|CANTOPEN|PERM|IOERR)/.test(code)) {
    return new InputError(`cannot write the journal: ${messageOf(cause)}`, { file, cause });
  }
  return cause;
}

function runOfRow(row: RunRow): Omit<RunRecord, 'steps'> {
  return {
    runId: row.run_id,
    mode: row.mode,
    account: row.account,
    createdAt: row.created_at,
    ...(row.rollback_of === null ? {} : { rollbackOf: row.rollback_of }),
  };
}

function entryOfRow(row: EntryRow): JournalEntry {
  const entry: JournalEntry = { stepId: row.step_id, state: row.state };
  if (row.undo !== null) entry.undo = JSON.parse(row.undo) as UndoData;
  if (row.reason !== null) entry.reason = row.reason;
  if (row.started_at !== null) entry.startedAt = row.started_at;
  if (row.finished_at !== null) entry.finishedAt = row.finished_at;
  if (row.undone_at !== null) entry.undoneAt = row.undone_at;
  return entry;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
