// The runner against fake actions on an in-memory "account": a map from resource id to a value.
// A fake step sets its resource to `params.to`; its undo data is the value it found; undo puts it
// back. Every change is counted, so a change made twice shows.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AwsClients } from '../../src/providers/aws/clients.js';
import { InputError } from '../../src/engine/errors.js';
import type { Journal, RunRecord } from '../../src/remediation/journal.js';
import { MemoryJournal } from '../../src/remediation/memory-journal.js';
import { applyPlan, planReport, rollbackRun, type ActionRegistry, type StepEvent } from '../../src/remediation/runner.js';
import { SqliteJournal } from '../../src/remediation/sqlite-journal.js';
import { ACTION_IDS, type ActionContext, type ActionId, type PlannedStep, type RemediationAction, type UndoData } from '../../src/remediation/types.js';

const QUARANTINED = 'quarantined';

type Fault = 'prepare' | 'apply-before-change' | 'apply-after-change' | 'undo' | 'crash-after-change';

/** An AWS SDK error as the runner sees one: the error code as its name. */
class FakeAwsError extends Error {
  constructor(code: string, message: string) {
    super(message);
    this.name = code;
  }
}

/** The fake account and everything the fake actions did to it. */
class World {
  readonly account: Record<string, string>;
  /** Changes apply made, per step id: more than one means a step changed the account twice. */
  readonly applyChanges: Record<string, number> = {};
  readonly prepared: Record<string, number> = {};
  /** Every apply's undo data, per step id. */
  readonly appliedWith: Record<string, UndoData[]> = {};
  /** `apply:<id>`, `applied:<id>` and `undo:<id>`, in the order they happened. */
  readonly log: string[] = [];
  readonly faults = new Map<string, Fault>();
  /** Set when a crash fault fires: the "process" is dead and writes nothing more. */
  crashed = false;
  readonly inFlight = new Map<string, number>();
  readonly maxInFlight = new Map<string, number>();
  maxInFlightTotal = 0;

  /** `pause` is how long a step's calls take: by default, until the next turn of the event loop. */
  constructor(account: Record<string, string>, readonly pause: (stepId: string) => Promise<void> = () => new Promise((resolve) => setImmediate(resolve))) {
    this.account = { ...account };
  }

  set(id: string, value: string): boolean {
    if (this.account[id] === value) return false;
    this.account[id] = value;
    return true;
  }

  fault(step: PlannedStep, at: Fault): boolean {
    const fault = this.faults.get(step.id);
    if (fault !== at) return false;
    if (fault === 'crash-after-change') this.faults.delete(step.id);
    return true;
  }

  enter(region: string): void {
    this.inFlight.set(region, (this.inFlight.get(region) ?? 0) + 1);
    this.maxInFlight.set(region, Math.max(this.maxInFlight.get(region) ?? 0, this.inFlight.get(region)!));
    const total = [...this.inFlight.values()].reduce((a, b) => a + b, 0);
    this.maxInFlightTotal = Math.max(this.maxInFlightTotal, total);
  }

  leave(region: string): void {
    this.inFlight.set(region, this.inFlight.get(region)! - 1);
  }
}

function fakeAction(world: World, irreversible?: string): RemediationAction<unknown> {
  return {
    id: 'stop-instance',
    title: 'Set a fake resource',
    description: 'Sets a resource of the fake account to params.to; undo sets it back.',
    permissions: ['fake:Set'],
    options: z.unknown(),
    irreversible,
    plan: () => [],
    async prepare(step) {
      world.prepared[step.id] = (world.prepared[step.id] ?? 0) + 1;
      await world.pause(step.id);
      if (world.fault(step, 'prepare')) throw new FakeAwsError('UnauthorizedOperation', `You are not authorized to read ${step.resource.id}.`);
      return { from: world.account[step.resource.id] };
    },
    async apply(step, undo) {
      world.log.push(`apply:${step.id}`);
      (world.appliedWith[step.id] ??= []).push(undo);
      world.enter(step.resource.region);
      try {
        await world.pause(step.id);
        if (world.fault(step, 'apply-before-change')) throw new FakeAwsError('RequestLimitExceeded', 'Request limit exceeded.');
        const to = String(step.params.to);
        if (undo.from === to) return { status: 'skipped', reason: `already ${to}` };
        if (world.set(step.resource.id, to)) world.applyChanges[step.id] = (world.applyChanges[step.id] ?? 0) + 1;
        if (world.fault(step, 'crash-after-change')) {
          world.crashed = true;
          throw new Error('killed');
        }
        if (world.fault(step, 'apply-after-change')) throw new FakeAwsError('InternalError', 'An internal error has occurred.');
        world.log.push(`applied:${step.id}`);
        return { status: 'done' };
      } finally {
        world.leave(step.resource.region);
      }
    },
    async undo(step, undo) {
      world.log.push(`undo:${step.id}`);
      await world.pause(step.id);
      if (world.fault(step, 'undo')) throw new FakeAwsError('InvalidInstanceID.NotFound', `The instance ID '${step.resource.id}' does not exist`);
      world.set(step.resource.id, String(undo.from));
      return { status: 'done' };
    },
  };
}

function registry(world: World, irreversible: Partial<Record<ActionId, string>> = {}): ActionRegistry {
  return new Map(ACTION_IDS.map((id) => [id, fakeAction(world, irreversible[id])]));
}

function step(id: string, dependsOn: string[] = [], region = 'us-east-1', action: ActionId = 'stop-instance'): PlannedStep {
  return {
    id,
    action,
    title: `set ${id}`,
    resource: { type: 'Fake::Resource', id, region },
    findings: [`finding-${id}`],
    calls: ['fake:Set'],
    params: { to: QUARANTINED },
    dependsOn,
  };
}

function planOf(steps: PlannedStep[], runId = 'run-1'): RunRecord {
  return { runId, mode: 'apply', account: '123456789012', createdAt: '2026-03-10T12:00:00.000Z', steps };
}

/** The account before remediation: every resource of the plan at `original-<id>`. */
function startOf(steps: PlannedStep[]): Record<string, string> {
  return Object.fromEntries(steps.map((s) => [s.resource.id, `original-${s.resource.id}`]));
}

function ctx(runId = 'run-1'): ActionContext {
  return { clients: {} as AwsClients, runId, now: Date.parse('2026-03-10T12:00:00Z') };
}

function statuses(reports: { id: string; status: string }[]): Record<string, string> {
  return Object.fromEntries(reports.map((r) => [r.id, r.status]));
}

/** The journal as seen by a process that dies when the world crashes: no write gets through after. */
function killable(journal: Journal, world: World): Journal {
  const alive = () => {
    if (world.crashed) throw new Error('process killed');
  };
  return {
    createRun: (run) => (alive(), journal.createRun(run)),
    getRun: (runId) => journal.getRun(runId),
    listRuns: () => journal.listRuns(),
    recordIntent: (...args) => (alive(), journal.recordIntent(...args)),
    recordResult: (...args) => (alive(), journal.recordResult(...args)),
    recordUndo: (...args) => (alive(), journal.recordUndo(...args)),
    entries: (runId) => journal.entries(runId),
    close: () => journal.close(),
  };
}

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('applyPlan', () => {
  it('runs dependencies first, then in plan order', async () => {
    const steps = [step('c', ['b']), step('x'), step('b', ['a']), step('a'), step('y')];
    const world = new World(startOf(steps));
    const reports = await applyPlan(planOf(steps), registry(world), new MemoryJournal(), ctx(), { concurrencyPerRegion: 1 });
    expect(world.log.filter((line) => line.startsWith('apply:'))).toEqual(['apply:x', 'apply:a', 'apply:b', 'apply:c', 'apply:y']);
    expect(reports.map((r) => [r.id, r.status])).toEqual([
      ['c', 'done'],
      ['x', 'done'],
      ['b', 'done'],
      ['a', 'done'],
      ['y', 'done'],
    ]);
    expect(world.account).toEqual({ a: QUARANTINED, b: QUARANTINED, c: QUARANTINED, x: QUARANTINED, y: QUARANTINED });
  });

  it('starts a step only once everything it depends on is done, across regions', async () => {
    const steps = [step('key', [], 'global'), step('sg', ['key'], 'eu-west-1'), step('instance', ['sg', 'key'], 'us-east-1')];
    const world = new World(startOf(steps));
    await applyPlan(planOf(steps), registry(world), new MemoryJournal(), ctx());
    expect(world.log).toEqual(['apply:key', 'applied:key', 'apply:sg', 'applied:sg', 'apply:instance', 'applied:instance']);
  });

  it('runs regions in parallel, at most concurrencyPerRegion steps at once in each; "global" is a region of its own', async () => {
    const regions = ['us-east-1', 'eu-west-1', 'global'];
    const steps = regions.flatMap((region) => [1, 2, 3, 4, 5].map((n) => step(`${region}-${n}`, [], region)));
    const world = new World(startOf(steps), () => new Promise((resolve) => setTimeout(resolve, 5)));
    const reports = await applyPlan(planOf(steps), registry(world), new MemoryJournal(), ctx(), { concurrencyPerRegion: 2 });
    expect(reports.every((r) => r.status === 'done')).toBe(true);
    expect(Object.fromEntries(world.maxInFlight)).toEqual({ 'us-east-1': 2, 'eu-west-1': 2, global: 2 });
    expect(world.maxInFlightTotal).toBe(6);
  });

  it('reports a failure as <error name>: <message>, goes on with independent steps and skips the dependents', async () => {
    const steps = [step('a'), step('b', ['a']), step('c', ['b']), step('d'), step('e', ['d']), step('p'), step('q', ['p'])];
    const world = new World(startOf(steps));
    world.faults.set('a', 'apply-before-change');
    world.faults.set('p', 'prepare');
    const journal = new MemoryJournal();
    const reports = await applyPlan(planOf(steps), registry(world), journal, ctx());
    expect(reports.map(({ id, status, reason }) => ({ id, status, reason }))).toEqual([
      { id: 'a', status: 'failed', reason: 'RequestLimitExceeded: Request limit exceeded.' },
      { id: 'b', status: 'skipped', reason: 'depends on a, which failed' },
      { id: 'c', status: 'skipped', reason: 'depends on b, which was skipped' },
      { id: 'd', status: 'done', reason: undefined },
      { id: 'e', status: 'done', reason: undefined },
      { id: 'p', status: 'failed', reason: 'UnauthorizedOperation: You are not authorized to read p.' },
      { id: 'q', status: 'skipped', reason: 'depends on p, which failed' },
    ]);
    expect(world.log).not.toContain('apply:b');
    const entries = journal.entries('run-1');
    expect(entries.get('a')).toMatchObject({ state: 'failed', undo: { from: 'original-a' }, reason: 'RequestLimitExceeded: Request limit exceeded.' });
    expect(entries.get('b')).toMatchObject({ state: 'skipped', reason: 'depends on a, which failed' });
    expect(entries.get('p')?.undo).toBeUndefined();
    expect(world.account).toMatchObject({ a: 'original-a', b: 'original-b', d: QUARANTINED, e: QUARANTINED });
  });

  it('skips the dependents of a step its action skipped', async () => {
    const steps = [step('a'), step('b', ['a'])];
    const world = new World({ a: QUARANTINED, b: 'original-b' });
    const reports = await applyPlan(planOf(steps), registry(world), new MemoryJournal(), ctx());
    expect(reports.map(({ id, status, reason }) => ({ id, status, reason }))).toEqual([
      { id: 'a', status: 'skipped', reason: `already ${QUARANTINED}` },
      { id: 'b', status: 'skipped', reason: 'depends on a, which was skipped' },
    ]);
  });

  it('fails a step whose action is not available, and goes on', async () => {
    const steps = [step('a'), step('b')];
    const world = new World(startOf(steps));
    const actions = new Map([...registry(world)].filter(([id]) => id !== 'revoke-ingress'));
    const reports = await applyPlan(planOf([{ ...steps[0]!, action: 'revoke-ingress' }, steps[1]!]), actions, new MemoryJournal(), ctx());
    expect(statuses(reports)).toEqual({ a: 'failed', b: 'done' });
    expect(reports[0]?.reason).toBe('no remediation action "revoke-ingress" is available');
  });

  it('reports progress: started, then the outcome', async () => {
    const steps = [step('a'), step('b', ['a'])];
    const world = new World(startOf(steps));
    world.faults.set('a', 'prepare');
    const events: StepEvent[] = [];
    await applyPlan(planOf(steps), registry(world), new MemoryJournal(), ctx(), { onStep: (event) => events.push(event) });
    expect(events).toEqual([
      { runId: 'run-1', stepId: 'a', title: 'set a', status: 'started' },
      { runId: 'run-1', stepId: 'a', title: 'set a', status: 'failed', reason: 'UnauthorizedOperation: You are not authorized to read a.' },
      { runId: 'run-1', stepId: 'b', title: 'set b', status: 'skipped', reason: 'depends on a, which failed' },
    ]);
  });

  it('runs the stored plan when the run id is already in the journal', async () => {
    const steps = [step('a'), step('b')];
    const world = new World(startOf(steps));
    const journal = new MemoryJournal();
    journal.createRun(planOf(steps));
    const reports = await applyPlan(planOf([step('other')]), registry(world), journal, ctx());
    expect(reports.map((r) => r.id)).toEqual(['a', 'b']);
    expect(world.account).toEqual({ a: QUARANTINED, b: QUARANTINED });
  });

  it('on resume, applies failed steps again and decides their skipped dependents again', async () => {
    const steps = [step('a'), step('b', ['a']), step('c')];
    const world = new World(startOf(steps));
    world.faults.set('a', 'apply-after-change');
    const journal = new MemoryJournal();
    expect(statuses(await applyPlan(planOf(steps), registry(world), journal, ctx()))).toEqual({ a: 'failed', b: 'skipped', c: 'done' });
    world.faults.clear();
    expect(statuses(await applyPlan(planOf(steps), registry(world), journal, ctx()))).toEqual({ a: 'done', b: 'done', c: 'done' });
    expect(world.prepared).toEqual({ a: 1, b: 1, c: 1 });
    expect(world.appliedWith.a).toEqual([{ from: 'original-a' }, { from: 'original-a' }]);
    expect(world.applyChanges).toEqual({ a: 1, b: 1, c: 1 });
  });

  it.each<[string, PlannedStep[], RegExp]>([
    ['a dependency cycle', [step('a', ['c']), step('b', ['a']), step('c', ['b']), step('d')], /cycle: a, b, c$/],
    ['a step depending on itself', [step('a', ['a'])], /cycle: a$/],
    ['an unknown dependency', [step('a', ['ghost'])], /step "a" depends on "ghost", which is not in the plan/],
    ['two steps with one id', [step('a'), step('a')], /two steps "a"/],
  ])('refuses a plan with %s, before changing anything', async (_case, steps, message) => {
    const world = new World(startOf(steps));
    const journal = new MemoryJournal();
    const attempt = applyPlan(planOf(steps), registry(world), journal, ctx());
    await expect(attempt).rejects.toThrow(InputError);
    await expect(attempt).rejects.toThrow(message);
    expect(world.log).toEqual([]);
    expect(journal.listRuns()).toEqual([]);
  });

  it('refuses concurrencyPerRegion below 1', async () => {
    await expect(applyPlan(planOf([]), new Map(), new MemoryJournal(), ctx(), { concurrencyPerRegion: 0 })).rejects.toThrow(InputError);
  });
});

describe.each<[string, () => { journal: Journal; restart: () => Journal }]>([
  [
    'MemoryJournal',
    () => {
      const journal = new MemoryJournal();
      return { journal, restart: () => journal };
    },
  ],
  [
    'SqliteJournal',
    () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'rigwatch-runner-'));
      dirs.push(dir);
      const journal = new SqliteJournal(dir);
      return {
        journal,
        restart: () => {
          journal.close();
          return new SqliteJournal(dir);
        },
      };
    },
  ],
])('resuming an interrupted run (%s)', (_name, open) => {
  const steps = [step('a'), step('b', ['a']), step('c', ['b']), step('d', [], 'eu-west-1')];

  /** Runs the plan until b has changed the account and the "process" dies; then a restarted journal. */
  async function interrupted() {
    const world = new World(startOf(steps));
    world.faults.set('b', 'crash-after-change');
    const { journal, restart } = open();
    await expect(applyPlan(planOf(steps), registry(world), killable(journal, world), ctx())).rejects.toThrow('process killed');
    world.crashed = false;
    return { world, journal: restart() };
  }

  it('leaves the interrupted step started, with the undo data read before its change', async () => {
    const { world, journal } = await interrupted();
    const entries = journal.entries('run-1');
    expect(entries.get('a')?.state).toBe('done');
    expect(entries.get('b')).toMatchObject({ state: 'started', undo: { from: 'original-b' } });
    expect(entries.get('c')?.state).toBe('planned');
    expect(world.account.b).toBe(QUARANTINED);
    expect(planReport(planOf(steps), journal).map((r) => [r.id, r.status])).toEqual([
      ['a', 'done'],
      ['b', 'planned'],
      ['c', 'planned'],
      ['d', expect.stringMatching(/^(done|planned)$/)],
    ]);
    journal.close();
  });

  it('finishes the run without changing anything twice, re-applying the interrupted step with its first undo data', async () => {
    const { world, journal } = await interrupted();
    const reports = await applyPlan(planOf(steps), registry(world), journal, ctx());
    expect(statuses(reports)).toEqual({ a: 'done', b: 'done', c: 'done', d: 'done' });
    expect(world.applyChanges).toEqual({ a: 1, b: 1, c: 1, d: 1 });
    expect(world.prepared.b).toBe(1);
    expect(world.appliedWith.b).toEqual([{ from: 'original-b' }, { from: 'original-b' }]);
    expect(world.log.filter((line) => line === 'apply:a')).toHaveLength(1);
    expect(world.account).toEqual({ a: QUARANTINED, b: QUARANTINED, c: QUARANTINED, d: QUARANTINED });

    await rollbackRun('run-1', 'run-1-rollback', registry(world), journal, ctx('run-1-rollback'));
    expect(world.account).toEqual(startOf(steps));
    journal.close();
  });

  it('can be rolled back without resuming: the interrupted change is undone too', async () => {
    const { world, journal } = await interrupted();
    const reports = await rollbackRun('run-1', 'run-1-rollback', registry(world), journal, ctx('run-1-rollback'));
    expect(reports.map((r) => r.id)).toEqual(expect.arrayContaining(['b:undo', 'a:undo']));
    expect(reports.findIndex((r) => r.id === 'b:undo')).toBeLessThan(reports.findIndex((r) => r.id === 'a:undo'));
    expect(world.account).toEqual(startOf(steps));
    journal.close();
  });
});

describe('rollbackRun', () => {
  async function applied(steps: PlannedStep[], irreversible: Partial<Record<ActionId, string>> = {}) {
    const world = new World(startOf(steps));
    const journal = new MemoryJournal();
    const actions = registry(world, irreversible);
    await applyPlan(planOf(steps), actions, journal, ctx());
    return { world, journal, actions };
  }

  it('restores the account exactly, latest change first', async () => {
    const steps = [step('slow', [], 'global'), step('a'), step('b', ['a']), step('c', ['b'])];
    const world = new World(startOf(steps), (id) => new Promise((resolve) => (id === 'slow' ? setTimeout(resolve, 50) : setImmediate(resolve))));
    const journal = new MemoryJournal();
    await applyPlan(planOf(steps), registry(world), journal, ctx());
    expect(world.log.filter((line) => line.startsWith('applied:'))).toEqual(['applied:a', 'applied:b', 'applied:c', 'applied:slow']);
    const reports = await rollbackRun('run-1', 'rb-1', registry(world), journal, ctx('rb-1'));
    expect(world.account).toEqual(startOf(steps));
    expect(reports.map((r) => [r.id, r.status])).toEqual([
      ['slow:undo', 'done'],
      ['c:undo', 'done'],
      ['b:undo', 'done'],
      ['a:undo', 'done'],
    ]);
  });

  it('undoes a step before what it depends on, whatever the clock said', async () => {
    const steps = [step('a'), step('b', ['a'])];
    const world = new World({ a: QUARANTINED, b: QUARANTINED });
    const journal = new MemoryJournal();
    journal.createRun(planOf(steps));
    journal.recordIntent('run-1', 'a', { from: 'original-a' }, '2026-03-10T12:00:05.000Z');
    journal.recordResult('run-1', 'a', { status: 'done' }, '2026-03-10T12:00:06.000Z');
    journal.recordIntent('run-1', 'b', { from: 'original-b' }, '2026-03-10T12:00:01.000Z');
    journal.recordResult('run-1', 'b', { status: 'done' }, '2026-03-10T12:00:02.000Z');
    const reports = await rollbackRun('run-1', 'rb-1', registry(world), journal, ctx('rb-1'));
    expect(reports.map((r) => r.id)).toEqual(['b:undo', 'a:undo']);
    expect(world.account).toEqual({ a: 'original-a', b: 'original-b' });
  });

  it('journals the undo in the original run and mirrors it as a rollback run', async () => {
    const steps = [step('a'), step('b', ['a'])];
    const { journal, actions } = await applied(steps);
    await rollbackRun('run-1', 'rb-1', actions, journal, ctx('rb-1'));
    expect([...journal.entries('run-1').values()].map((e) => [e.stepId, e.state])).toEqual([
      ['a', 'undone'],
      ['b', 'undone'],
    ]);
    const rollback = journal.getRun('rb-1');
    expect(rollback).toMatchObject({ runId: 'rb-1', mode: 'rollback', rollbackOf: 'run-1', account: '123456789012' });
    expect(rollback?.steps.map((s) => [s.id, s.title, s.dependsOn])).toEqual([
      ['b:undo', 'undo: set b', []],
      ['a:undo', 'undo: set a', ['b:undo']],
    ]);
    expect([...journal.entries('rb-1').values()].map((e) => [e.stepId, e.state, e.undo])).toEqual([
      ['b:undo', 'done', { from: 'original-b' }],
      ['a:undo', 'done', { from: 'original-a' }],
    ]);
    expect(journal.listRuns().map((r) => r.runId)).toEqual(['rb-1', 'run-1']);
  });

  it('is idempotent: a second rollback undoes nothing again', async () => {
    const steps = [step('a'), step('b', ['a'])];
    const { world, journal, actions } = await applied(steps);
    await rollbackRun('run-1', 'rb-1', actions, journal, ctx('rb-1'));
    const undos = world.log.filter((line) => line.startsWith('undo:')).length;
    for (const rollbackId of ['rb-1', 'rb-2']) {
      const again = await rollbackRun('run-1', rollbackId, actions, journal, ctx(rollbackId));
      expect(again.map(({ id, status, reason }) => ({ id, status, reason }))).toEqual([
        { id: 'a:undo', status: 'skipped', reason: 'already undone' },
        { id: 'b:undo', status: 'skipped', reason: 'already undone' },
      ]);
    }
    expect(world.log.filter((line) => line.startsWith('undo:'))).toHaveLength(undos);
    expect(world.account).toEqual(startOf(steps));
    expect(journal.entries('rb-1').get('b:undo')?.state).toBe('done');
  });

  it('undoes a step that failed after its change', async () => {
    const steps = [step('a'), step('b')];
    const world = new World(startOf(steps));
    world.faults.set('a', 'apply-after-change');
    const journal = new MemoryJournal();
    await applyPlan(planOf(steps), registry(world), journal, ctx());
    expect(world.account.a).toBe(QUARANTINED);
    const reports = await rollbackRun('run-1', 'rb-1', registry(world), journal, ctx('rb-1'));
    expect(statuses(reports)).toEqual({ 'a:undo': 'done', 'b:undo': 'done' });
    expect(world.account).toEqual(startOf(steps));
  });

  it('leaves alone the steps it never ran or that changed nothing', async () => {
    const steps = [step('a'), step('b', ['a']), step('c')];
    const world = new World({ ...startOf(steps), c: QUARANTINED });
    world.faults.set('a', 'prepare');
    const journal = new MemoryJournal();
    await applyPlan(planOf(steps), registry(world), journal, ctx());
    expect(await rollbackRun('run-1', 'rb-1', registry(world), journal, ctx('rb-1'))).toEqual([]);
    expect(world.log.filter((line) => line.startsWith('undo:'))).toEqual([]);
  });

  it('when an undo fails, keeps what it depends on, undoes the rest, and a second rollback finishes', async () => {
    const steps = [step('a'), step('b', ['a']), step('c', ['b']), step('e')];
    const { world, journal, actions } = await applied(steps);
    world.faults.set('b', 'undo');
    const first = await rollbackRun('run-1', 'rb-1', actions, journal, ctx('rb-1'));
    expect(Object.fromEntries(first.map((r) => [r.id, [r.status, r.reason]]))).toEqual({
      'c:undo': ['done', undefined],
      'b:undo': ['failed', "InvalidInstanceID.NotFound: The instance ID 'b' does not exist"],
      'a:undo': ['skipped', 'b depends on it and was not undone'],
      'e:undo': ['done', undefined],
    });
    expect(world.account).toEqual({ ...startOf(steps), a: QUARANTINED, b: QUARANTINED });
    expect(journal.entries('run-1').get('b')).toMatchObject({ state: 'undo-failed', reason: "InvalidInstanceID.NotFound: The instance ID 'b' does not exist" });
    expect(journal.entries('run-1').get('a')?.state).toBe('done');

    world.faults.clear();
    const second = await rollbackRun('run-1', 'rb-2', actions, journal, ctx('rb-2'));
    expect(second.map((r) => [r.id, r.status])).toEqual([
      ['b:undo', 'done'],
      ['a:undo', 'done'],
      ['c:undo', 'skipped'],
      ['e:undo', 'skipped'],
    ]);
    expect(world.account).toEqual(startOf(steps));
  });

  it("gives the action's irreversible text as the reason of a done undo", async () => {
    const steps = [step('snapshot', [], 'us-east-1', 'quarantine-instance'), step('key', [], 'global', 'disable-access-key')];
    const { journal, actions } = await applied(steps, { 'quarantine-instance': 'snapshots are kept' });
    const reports = await rollbackRun('run-1', 'rb-1', actions, journal, ctx('rb-1'));
    expect(Object.fromEntries(reports.map((r) => [r.id, r.reason]))).toEqual({ 'snapshot:undo': 'snapshots are kept', 'key:undo': undefined });
    expect(journal.entries('run-1').get('snapshot')?.reason).toBe('snapshots are kept');
  });

  it('reports progress under the rollback run id', async () => {
    const { journal, actions } = await applied([step('a')]);
    const events: StepEvent[] = [];
    await rollbackRun('run-1', 'rb-1', actions, journal, ctx('rb-1'), { onStep: (event) => events.push(event) });
    expect(events).toEqual([
      { runId: 'rb-1', stepId: 'a:undo', title: 'undo: set a', status: 'started' },
      { runId: 'rb-1', stepId: 'a:undo', title: 'undo: set a', status: 'done' },
    ]);
  });

  it.each<[string, string, string, RegExp]>([
    ['an unknown run id', 'nope', 'rb-1', /no remediation run "nope" in the journal/],
    ['a rollback run', 'rb-0', 'rb-1', /run "rb-0" is itself a rollback/],
    ['the run itself as the rollback run', 'run-1', 'run-1', /a run id of its own/],
  ])('refuses %s with an InputError (exit code 2)', async (_case, original, rollbackId, message) => {
    const { journal, actions } = await applied([step('a')]);
    await rollbackRun('run-1', 'rb-0', actions, journal, ctx('rb-0'));
    const error = await rollbackRun(original, rollbackId, actions, journal, ctx(rollbackId)).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    expect((error as InputError).message).toMatch(message);
  });

  it('makes a rolled-back run refuse to be applied again', async () => {
    const steps = [step('a')];
    const { journal, actions } = await applied(steps);
    await rollbackRun('run-1', 'rb-1', actions, journal, ctx('rb-1'));
    await expect(applyPlan(planOf(steps), actions, journal, ctx())).rejects.toThrow(/has been rolled back; plan a new run/);
    expect(planReport(planOf(steps), journal)).toMatchObject([{ id: 'a', status: 'skipped', reason: 'rolled back' }]);
  });
});

describe('planReport', () => {
  it('reports every step planned, in plan order, with what it will do', () => {
    const steps = [step('b', ['a']), step('a')];
    expect(planReport(planOf(steps))).toEqual([
      { id: 'b', action: 'stop-instance', title: 'set b', resource: { type: 'Fake::Resource', id: 'b', region: 'us-east-1' }, findings: ['finding-b'], calls: ['fake:Set'], status: 'planned' },
      { id: 'a', action: 'stop-instance', title: 'set a', resource: { type: 'Fake::Resource', id: 'a', region: 'us-east-1' }, findings: ['finding-a'], calls: ['fake:Set'], status: 'planned' },
    ]);
  });

  it('reports the journal states of a run in the journal, and writes nothing', async () => {
    const steps = [step('a'), step('b', ['a']), step('c')];
    const world = new World(startOf(steps));
    world.faults.set('a', 'prepare');
    const journal = new MemoryJournal();
    await applyPlan(planOf(steps), registry(world), journal, ctx());
    const before = journal.entries('run-1');
    expect(planReport(planOf(steps), journal).map((r) => [r.id, r.status])).toEqual([
      ['a', 'failed'],
      ['b', 'skipped'],
      ['c', 'done'],
    ]);
    expect(journal.entries('run-1')).toEqual(before);
    expect(planReport(planOf(steps, 'elsewhere'), journal).every((r) => r.status === 'planned')).toBe(true);
  });
});

describe('properties, over random plans (dependency DAGs, regions, failures)', () => {
  const FAULTS = [undefined, undefined, undefined, 'prepare', 'apply-before-change', 'apply-after-change'] as const;

  const plans = fc
    .integer({ min: 1, max: 12 })
    .chain((size) =>
      fc.record({
        steps: fc.tuple(
          ...Array.from({ length: size }, (_, index) =>
            fc.record({
              dependsOn: fc.subarray(Array.from({ length: index }, (_, earlier) => `s${earlier}`)),
              region: fc.constantFrom('us-east-1', 'eu-west-1', 'global'),
              fault: fc.constantFrom(...FAULTS),
              alreadyContained: fc.boolean(),
            }),
          ),
        ),
        order: fc.shuffledSubarray(
          Array.from({ length: size }, (_, index) => index),
          { minLength: size },
        ),
        concurrency: fc.integer({ min: 1, max: 4 }),
      }),
    )
    .map(({ steps, order, concurrency }) => {
      const planned = steps.map((s, index) => step(`s${index}`, s.dependsOn, s.region));
      const start = Object.fromEntries(
        steps.map((s, index) => [`s${index}`, s.alreadyContained ? QUARANTINED : `original-s${index}`]),
      );
      const faults = new Map(steps.flatMap((s, index) => (s.fault ? [[`s${index}`, s.fault] as const] : [])));
      return { steps: order.map((index) => planned[index]!), start, faults, concurrency };
    });

  it('apply respects dependencies, applying again changes nothing, and rollback restores the account', async () => {
    await fc.assert(
      fc.asyncProperty(plans, async ({ steps, start, faults, concurrency }) => {
        const world = new World(start);
        for (const [id, fault] of faults) world.faults.set(id, fault);
        const journal = new MemoryJournal();
        const actions = registry(world);
        const run = planOf(steps);

        const first = await applyPlan(run, actions, journal, ctx(), { concurrencyPerRegion: concurrency });
        const byId = new Map(first.map((r) => [r.id, r]));
        for (const s of steps) {
          const report = byId.get(s.id)!;
          const started = world.log.indexOf(`apply:${s.id}`);
          if (started >= 0) for (const dependency of s.dependsOn) expect(world.log.indexOf(`applied:${dependency}`)).toBeLessThan(started);
          const dependenciesDone = s.dependsOn.every((id) => byId.get(id)?.status === 'done');
          expect(report.status === 'skipped' && report.reason?.startsWith('depends on')).toBe(!dependenciesDone);
          if (report.status === 'done') expect(world.account[s.id]).toBe(QUARANTINED);
        }
        const afterFirst = { ...world.account };
        const changes = { ...world.applyChanges };

        const second = await applyPlan(run, actions, journal, ctx(), { concurrencyPerRegion: concurrency });
        expect(second).toEqual(first);
        expect(world.account).toEqual(afterFirst);
        expect(world.applyChanges).toEqual(changes);

        const log = world.log.length;
        await rollbackRun(run.runId, 'rb-1', actions, journal, ctx('rb-1'));
        expect(world.account).toEqual(start);
        const undone = world.log.slice(log).filter((line) => line.startsWith('undo:')).map((line) => line.slice('undo:'.length));
        for (const s of steps) {
          for (const dependency of s.dependsOn) {
            if (undone.includes(s.id) && undone.includes(dependency)) expect(undone.indexOf(s.id)).toBeLessThan(undone.indexOf(dependency));
          }
        }

        const again = await rollbackRun(run.runId, 'rb-2', actions, journal, ctx('rb-2'));
        expect(again.every((r) => r.status === 'skipped')).toBe(true);
        expect(world.account).toEqual(start);
        expect(world.log.length).toBe(log + undone.length);
      }),
      { numRuns: 200 },
    );
  });
});
