// The state stores: a directory (lock file, atomic replace) and S3 (conditional writes, on the
// simulated account through the real S3 client). Both must refuse to overwrite a state someone
// else wrote since it was read, and say clearly what is wrong with a state they cannot read.

import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/engine/errors.js';
import { scenarioTarget } from '../../src/engine/target.js';
import type { MetricSeries } from '../../src/providers/types.js';
import { decodeState, encodeState } from '../../src/state/codec.js';
import { FileStateStore, LOCK_FILE, STATE_FILE } from '../../src/state/file-store.js';
import { openStateStore, parseS3Location } from '../../src/state/index.js';
import { StateConflictError, StateLockedError, updateState } from '../../src/state/store.js';
import { emptyState, type AuditState } from '../../src/state/types.js';
import { SCENARIO_FORMAT } from '../../src/scenario/types.js';

const dir = () => mkdtempSync(join(tmpdir(), 'rigwatch-store-'));

function withSeries(series: MetricSeries[]): AuditState {
  return {
    ...emptyState('111122223333'),
    cache: {
      account: '111122223333', at: 0, ec2: {}, trails: {}, guardduty: {}, cloudtrail: { since: {}, regions: {} },
      metrics: { period: 300, start: 0, regions: {}, series },
    },
  };
}

describe('state codec', () => {
  it('round-trips metric series packed on their period grid, gaps included, and off-grid ones as they are', () => {
    const t0 = Date.parse('2026-11-27T00:00:00Z');
    const grid: MetricSeries = { instanceId: 'i-1', region: 'us-east-1', metric: 'CPUUtilization', period: 300, timestamps: [t0, t0 + 300_000, t0 + 1_500_000], values: [1.5, 99.25, 0] };
    const odd: MetricSeries = { instanceId: 'i-2', region: 'us-east-1', metric: 'NetworkIn', period: 300, timestamps: [t0 + 7, t0 + 300_007], values: [10, 20] };
    const back = decodeState(encodeState(withSeries([grid, odd])));
    expect(back.cache?.metrics.series).toEqual([grid, odd]);
  });

  it('names what is wrong with bytes that are not a state', () => {
    expect(() => decodeState(Buffer.from('hello'))).toThrow(/gzip-compressed JSON/);
    expect(() => decodeState(encodeState({ ...emptyState('1'), format: 'other/1' } as unknown as AuditState))).toThrow(/format is "other\/1"/);
  });
});

describe('directory store', () => {
  it('saves, loads and refuses a save over a state written since it was read', async () => {
    const store = new FileStateStore(dir());
    expect(await store.load()).toEqual({});
    const v1 = await store.save({ ...emptyState('111122223333'), runs: 1 }, undefined);
    const loaded = await store.load();
    expect(loaded.state?.runs).toBe(1);
    expect(loaded.version).toBe(v1);
    await store.save({ ...emptyState('111122223333'), runs: 2 }, v1);
    await expect(store.save({ ...emptyState('111122223333'), runs: 3 }, v1)).rejects.toBeInstanceOf(StateConflictError);
    await expect(store.save({ ...emptyState('111122223333'), runs: 3 }, undefined)).rejects.toBeInstanceOf(StateConflictError);
    expect((await store.load()).state?.runs).toBe(2);
  });

  it('a corrupt state file is bad input naming the file, not a crash', async () => {
    const d = dir();
    writeFileSync(join(d, STATE_FILE), 'not gzip');
    const err = await new FileStateStore(d).load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as Error).message).toContain(join(d, STATE_FILE));
  });

  it('lets one run hold the lock; a second is refused (exit 3) until it is released', async () => {
    const d = dir();
    const store = new FileStateStore(d);
    const release = await store.lock();
    const err = await new FileStateStore(d).lock().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateLockedError);
    expect((err as StateLockedError).exitCode).toBe(3);
    expect((err as Error).message).toContain(`pid ${process.pid}`);
    await release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
    const again = await new FileStateStore(d).lock();
    await again();
  });

  it('takes over a lock left by a process that is gone, and waits for a live one when asked', async () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), since: new Date().toISOString() }));
    const release = await new FileStateStore(d).lock();
    const waiting = new FileStateStore(d).lock({ waitMs: 5_000 });
    setTimeout(() => void release(), 300);
    const second = await waiting;
    await second();
  });

  it('updateState retries from a fresh read when another writer got in between', async () => {
    const d = dir();
    const real = new FileStateStore(d);
    await real.save(emptyState('111122223333'), undefined);
    let raced = false;
    // A store whose first save finds that another run saved just before it.
    const racing = {
      location: real.location,
      load: () => real.load(),
      lock: () => real.lock(),
      async save(state: AuditState, version: string | undefined) {
        if (!raced) {
          raced = true;
          const now = await real.load();
          await real.save({ ...(now.state as AuditState), runs: 7 }, now.version);
        }
        return real.save(state, version);
      },
    };
    let attempts = 0;
    const merged = await updateState(racing, (state) => {
      attempts += 1;
      return { ...(state as AuditState), acks: { mine: { findingId: 'mine', reason: 'r', by: 'y', at: '' } } };
    });
    expect(attempts).toBe(2);
    expect(merged.runs).toBe(7);
    expect((await real.load()).state?.acks.mine?.reason).toBe('r');
  });
});

describe('S3 store, on the simulated account', () => {
  const BUCKET = 'rigwatch-state-111122223333';
  const scenario = () => scenarioTarget({
    format: SCENARIO_FORMAT, name: 's3', now: '2026-11-27T09:00:00Z', account: { id: '111122223333' },
    s3: { buckets: [{ Name: BUCKET, Region: 'us-east-1' }] },
  } as never, 's3');

  it('parses locations and rejects bad ones', () => {
    expect(parseS3Location('s3://my-bucket/rigwatch')).toEqual({ bucket: 'my-bucket', key: 'rigwatch/audit-state.json.gz' });
    expect(parseS3Location('s3://my-bucket')).toEqual({ bucket: 'my-bucket', key: 'audit-state.json.gz' });
    expect(() => parseS3Location('s3://')).toThrow(InputError);
  });

  it('first write with If-None-Match, later ones with If-Match: an overlapping writer is refused', async () => {
    const target = scenario();
    const store = openStateStore(`s3://${BUCKET}/rigwatch/`, target.clients, 'us-east-1');
    expect(await store.load()).toEqual({});
    const v1 = await store.save({ ...emptyState('111122223333'), runs: 1 }, undefined);
    await expect(store.save({ ...emptyState('111122223333'), runs: 1 }, undefined)).rejects.toBeInstanceOf(StateConflictError);
    const v2 = await store.save({ ...emptyState('111122223333'), runs: 2 }, v1);
    expect(v2).not.toBe(v1);
    await expect(store.save({ ...emptyState('111122223333'), runs: 3 }, v1)).rejects.toThrow(/changed while this run held it \(PreconditionFailed\)/);
    expect((await store.load()).state?.runs).toBe(2);
    expect(target.simulated?.callCounts()['s3:PutObject']).toBe(4);
    target.clients.destroy();
  });

  it('a missing bucket is a failure (exit 3) naming the location, not an empty state', async () => {
    const target = scenario();
    const err = await openStateStore('s3://no-such-bucket/x/', target.clients, 'us-east-1').load().catch((e: unknown) => e);
    expect((err as { exitCode?: number }).exitCode).toBe(3);
    expect((err as Error).message).toMatch(/s3:\/\/no-such-bucket\/x\/audit-state\.json\.gz.*NoSuchBucket/);
    target.clients.destroy();
  });
});
