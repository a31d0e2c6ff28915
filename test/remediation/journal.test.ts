// The journal's behaviours, run against both backends, then what only the SQLite file does:
// survive a reopen, and refuse files and directories it cannot use.

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/engine/errors.js';
import type { Journal, JournalEntry, RunRecord } from '../../src/remediation/journal.js';
import { MemoryJournal } from '../../src/remediation/memory-journal.js';
import { JOURNAL_FILE, SqliteJournal } from '../../src/remediation/sqlite-journal.js';
import type { PlannedStep } from '../../src/remediation/types.js';

const T1 = '2026-03-10T12:00:01.000Z';
const T2 = '2026-03-10T12:00:02.000Z';
const T3 = '2026-03-10T12:00:03.000Z';
const T4 = '2026-03-10T12:00:04.000Z';

const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rigwatch-journal-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function step(id: string, dependsOn: string[] = []): PlannedStep {
  return {
    id,
    action: 'revoke-ingress',
    title: `revoke ${id}`,
    resource: { type: 'AWS::EC2::SecurityGroup', id: `sg-${id}`, region: 'us-east-1' },
    findings: ['f-1'],
    calls: ['ec2:RevokeSecurityGroupIngress'],
    params: { ruleIds: [`sgr-${id}`] },
    dependsOn,
  };
}

function run(runId: string, createdAt = T1, steps = [step('a'), step('b', ['a'])]): RunRecord {
  return { runId, mode: 'apply', account: '123456789012', createdAt, steps };
}

const UNDO = { ipPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] };

/** What was written to step `a` of run r1, and the entry the journal then holds for it. */
const ENTRY_CASES: [string, (journal: Journal) => void, JournalEntry][] = [
  ['a new run: every step planned', () => {}, { stepId: 'a', state: 'planned' }],
  [
    'intent then result: done, the undo data kept',
    (j) => {
      j.recordIntent('r1', 'a', UNDO, T1);
      j.recordResult('r1', 'a', { status: 'done' }, T2);
    },
    { stepId: 'a', state: 'done', undo: UNDO, startedAt: T1, finishedAt: T2 },
  ],
  ['intent without result: started (interrupted)', (j) => j.recordIntent('r1', 'a', UNDO, T1), { stepId: 'a', state: 'started', undo: UNDO, startedAt: T1 }],
  [
    'failed after its intent: the reason, and the undo data kept',
    (j) => {
      j.recordIntent('r1', 'a', UNDO, T1);
      j.recordResult('r1', 'a', { status: 'failed', reason: 'UnauthorizedOperation: not allowed' }, T2);
    },
    { stepId: 'a', state: 'failed', undo: UNDO, reason: 'UnauthorizedOperation: not allowed', startedAt: T1, finishedAt: T2 },
  ],
  [
    'a result without intent (skipped for a dependency)',
    (j) => j.recordResult('r1', 'a', { status: 'skipped', reason: 'depends on x, which failed' }, T2),
    { stepId: 'a', state: 'skipped', reason: 'depends on x, which failed', finishedAt: T2 },
  ],
  [
    'a second intent after a failure: started again, the result cleared',
    (j) => {
      j.recordIntent('r1', 'a', UNDO, T1);
      j.recordResult('r1', 'a', { status: 'failed', reason: 'Throttling: slow down' }, T2);
      j.recordIntent('r1', 'a', UNDO, T3);
    },
    { stepId: 'a', state: 'started', undo: UNDO, startedAt: T3 },
  ],
  [
    'undo recorded: undone, the apply times and undo data kept',
    (j) => {
      j.recordIntent('r1', 'a', UNDO, T1);
      j.recordResult('r1', 'a', { status: 'done' }, T2);
      j.recordUndo('r1', 'a', { status: 'done', reason: 'snapshots are kept' }, T3);
    },
    { stepId: 'a', state: 'undone', undo: UNDO, reason: 'snapshots are kept', startedAt: T1, finishedAt: T2, undoneAt: T3 },
  ],
  [
    'undo failed: undo-failed, with the reason',
    (j) => {
      j.recordIntent('r1', 'a', UNDO, T1);
      j.recordResult('r1', 'a', { status: 'done' }, T2);
      j.recordUndo('r1', 'a', { status: 'failed', reason: 'InvalidGroup.NotFound: gone' }, T3);
    },
    { stepId: 'a', state: 'undo-failed', undo: UNDO, reason: 'InvalidGroup.NotFound: gone', startedAt: T1, finishedAt: T2, undoneAt: T3 },
  ],
  [
    'an undo with nothing to put back (skipped): undone',
    (j) => {
      j.recordIntent('r1', 'a', UNDO, T1);
      j.recordResult('r1', 'a', { status: 'done' }, T2);
      j.recordUndo('r1', 'a', { status: 'skipped', reason: 'rule already present' }, T3);
    },
    { stepId: 'a', state: 'undone', undo: UNDO, reason: 'rule already present', startedAt: T1, finishedAt: T2, undoneAt: T3 },
  ],
  [
    'undo failed, then undone by a second rollback',
    (j) => {
      j.recordIntent('r1', 'a', UNDO, T1);
      j.recordResult('r1', 'a', { status: 'done' }, T2);
      j.recordUndo('r1', 'a', { status: 'failed', reason: 'Throttling: slow down' }, T3);
      j.recordUndo('r1', 'a', { status: 'done' }, T4);
    },
    { stepId: 'a', state: 'undone', undo: UNDO, startedAt: T1, finishedAt: T2, undoneAt: T4 },
  ],
];

const BACKENDS: [string, () => Journal][] = [
  ['MemoryJournal', () => new MemoryJournal()],
  ['SqliteJournal', () => new SqliteJournal(tempDir())],
];

describe.each(BACKENDS)('%s', (_name, open) => {
  let journal: Journal;

  beforeEach(() => {
    journal = open();
  });

  afterEach(() => {
    journal.close();
  });

  it.each(ENTRY_CASES)('%s', (_case, write, entry) => {
    journal.createRun(run('r1'));
    write(journal);
    expect(journal.entries('r1').get('a')).toStrictEqual(entry);
    expect(journal.entries('r1').get('b')).toStrictEqual({ stepId: 'b', state: 'planned' });
  });

  it('lists entries in plan order', () => {
    journal.createRun(run('r1', T1, [step('z'), step('a'), step('m')]));
    journal.recordIntent('r1', 'm', {}, T1);
    expect([...journal.entries('r1').keys()]).toEqual(['z', 'a', 'm']);
  });

  it('keeps the stored run and plan when a run id is created again (resume)', () => {
    const first = run('r1');
    journal.createRun(first);
    journal.recordIntent('r1', 'a', UNDO, T2);
    journal.createRun({ ...run('r1', T3, [step('other')]), mode: 'plan', account: '999999999999' });
    expect(journal.getRun('r1')).toStrictEqual(first);
    expect([...journal.entries('r1').keys()]).toEqual(['a', 'b']);
    expect(journal.entries('r1').get('a')?.state).toBe('started');
  });

  it('lists runs newest first, without their plans; runs created at the same time latest first', () => {
    journal.createRun(run('old', T1));
    journal.createRun(run('new', T3));
    journal.createRun({ ...run('new-rollback', T3), mode: 'rollback', rollbackOf: 'new' });
    journal.createRun(run('middle', T2));
    expect(journal.listRuns()).toStrictEqual([
      { runId: 'new-rollback', mode: 'rollback', account: '123456789012', createdAt: T3, rollbackOf: 'new' },
      { runId: 'new', mode: 'apply', account: '123456789012', createdAt: T3 },
      { runId: 'middle', mode: 'apply', account: '123456789012', createdAt: T2 },
      { runId: 'old', mode: 'apply', account: '123456789012', createdAt: T1 },
    ]);
  });

  it('knows nothing of runs it was not given', () => {
    expect(journal.getRun('nope')).toBeUndefined();
    expect(journal.entries('nope')).toEqual(new Map());
    expect(journal.listRuns()).toEqual([]);
  });

  it.each<[string, (j: Journal) => void]>([
    ['recordIntent', (j) => j.recordIntent('nope', 'a', {}, T1)],
    ['recordResult', (j) => j.recordResult('nope', 'a', { status: 'done' }, T1)],
    ['recordUndo', (j) => j.recordUndo('nope', 'a', { status: 'done' }, T1)],
  ])('%s for an unknown run throws an InputError naming it', (_method, write) => {
    expect(() => write(journal)).toThrow(InputError);
    expect(() => write(journal)).toThrow(/no remediation run "nope"/);
  });

  it('stores copies: changing what was written or read changes nothing stored', () => {
    const record = run('r1');
    const undo = { groups: ['sg-1'] };
    journal.createRun(record);
    journal.recordIntent('r1', 'a', undo, T1);
    record.steps[0]!.title = 'changed';
    undo.groups.push('sg-2');
    journal.getRun('r1')!.steps[0]!.params.changed = true;
    journal.entries('r1').get('a')!.undo!.changed = true;
    expect(journal.getRun('r1')).toStrictEqual(run('r1'));
    expect(journal.entries('r1').get('a')?.undo).toStrictEqual({ groups: ['sg-1'] });
  });
});

describe('SqliteJournal on disk', () => {
  it('survives a reopen: the same runs, plans and entries', () => {
    const dir = tempDir();
    const first = new SqliteJournal(dir);
    first.createRun(run('r1'));
    first.createRun({ ...run('r1-rollback', T2, []), mode: 'rollback', rollbackOf: 'r1' });
    first.recordIntent('r1', 'a', UNDO, T1);
    first.recordResult('r1', 'a', { status: 'done' }, T2);
    first.recordIntent('r1', 'b', { n: 1 }, T3);
    const before = { runs: first.listRuns(), run: first.getRun('r1'), entries: first.entries('r1') };
    first.close();

    const again = new SqliteJournal(dir);
    expect({ runs: again.listRuns(), run: again.getRun('r1'), entries: again.entries('r1') }).toStrictEqual(before);
    expect(again.entries('r1').get('b')?.state).toBe('started');
    again.close();
  });

  it('creates the state directory, and writes the file in WAL mode', () => {
    const dir = path.join(tempDir(), 'nested', 'state');
    const journal = new SqliteJournal(dir);
    expect(journal.file).toBe(path.join(dir, JOURNAL_FILE));
    const db = new Database(journal.file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version FROM schema_version').get()).toEqual({ version: 1 });
    db.close();
    journal.close();
  });

  it('has each write committed when the call returns: another connection sees it at once', () => {
    const dir = tempDir();
    const writer = new SqliteJournal(dir);
    const reader = new SqliteJournal(dir);
    writer.createRun(run('r1'));
    writer.recordIntent('r1', 'a', UNDO, T1);
    expect(reader.entries('r1').get('a')).toStrictEqual({ stepId: 'a', state: 'started', undo: UNDO, startedAt: T1 });
    writer.close();
    reader.close();
  });

  describe('refuses what it cannot use, with an InputError (exit code 2) naming the path', () => {
    it.each<[string, (dir: string) => string, RegExp]>([
      [
        'a state directory that cannot be created (a file is in the way)',
        (dir) => {
          writeFileSync(path.join(dir, 'state'), 'x');
          return path.join(dir, 'state', 'rigwatch');
        },
        /state[/\\]rigwatch: cannot create the state directory/,
      ],
      [
        'a journal path it cannot open (a directory is in the way)',
        (dir) => {
          mkdirSync(path.join(dir, JOURNAL_FILE));
          return dir;
        },
        /rigwatch\.sqlite: cannot write the journal/,
      ],
      [
        'a file that is not a SQLite database',
        (dir) => {
          writeFileSync(path.join(dir, JOURNAL_FILE), 'not a database, just some text that is long enough to be read as a header '.repeat(20));
          return dir;
        },
        /rigwatch\.sqlite: not a rigwatch journal \(not a SQLite database\)/,
      ],
      [
        'a SQLite database of something else',
        (dir) => {
          const db = new Database(path.join(dir, JOURNAL_FILE));
          db.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY)');
          db.close();
          return dir;
        },
        /rigwatch\.sqlite: not a rigwatch journal \(a SQLite database of something else\)/,
      ],
      [
        'a journal written by a newer rigwatch',
        (dir) => {
          new SqliteJournal(dir).close();
          const db = new Database(path.join(dir, JOURNAL_FILE));
          db.prepare('UPDATE schema_version SET version = 99').run();
          db.close();
          return dir;
        },
        /rigwatch\.sqlite: written by a newer rigwatch \(journal schema 99; this one knows up to 1\)/,
      ],
    ])('%s', (_case, arrange, message) => {
      const stateDir = arrange(tempDir());
      let error: unknown;
      try {
        new SqliteJournal(stateDir).close();
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).exitCode).toBe(2);
      expect((error as InputError).message).toMatch(message);
    });

    it.skipIf(process.getuid?.() === 0)('a state directory that is not writable', () => {
      const dir = tempDir();
      const stateDir = path.join(dir, 'state');
      mkdirSync(stateDir, { mode: 0o500 });
      expect(() => new SqliteJournal(stateDir)).toThrow(/state: the state directory is not writable/);
    });

    it.skipIf(process.getuid?.() === 0)('a journal file that is read-only', () => {
      const dir = tempDir();
      new SqliteJournal(dir).close();
      chmodSync(path.join(dir, JOURNAL_FILE), 0o444);
      expect(() => new SqliteJournal(dir)).toThrow(/rigwatch\.sqlite: cannot write the journal/);
    });
  });
});
