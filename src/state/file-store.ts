// The state in a directory: `audit-state.json.gz`, written to a temporary file, synced and
// renamed over the old one, and `audit.lock`, created exclusively for the length of a run. A
// lock left by a process that is gone (same host) or older than `staleAfterMs` is taken over.

import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError } from '../engine/errors.js';
import { decodeState, encodeState } from './codec.js';
import { StateConflictError, StateLockedError, type LoadedState, type StateStore } from './store.js';
import type { AuditState } from './types.js';

export const STATE_FILE = 'audit-state.json.gz';
export const LOCK_FILE = 'audit.lock';

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

export class FileStateStore implements StateStore {
  readonly location: string;
  private readonly file: string;
  private readonly lockFile: string;

  constructor(private readonly dir: string, private readonly options: { staleAfterMs?: number } = {}) {
    this.file = path.join(dir, STATE_FILE);
    this.lockFile = path.join(dir, LOCK_FILE);
    this.location = this.file;
  }

  async load(): Promise<LoadedState> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new InputError(`cannot read the state: ${(error as Error).message}`, { file: this.file, cause: error });
    }
    try {
      return { state: decodeState(bytes), version: digest(bytes) };
    } catch (error) {
      throw new InputError(`${(error as Error).message} (move it away to start afresh)`, { file: this.file, cause: error });
    }
  }

  async save(state: AuditState, version: string | undefined): Promise<string> {
    const current = await this.load().catch(() => ({ version: 'unreadable' }));
    if (current.version !== version) throw new StateConflictError(this.file, version ? 'it was replaced' : 'it was created');
    const bytes = encodeState(state);
    await this.ensureDir();
    const tmp = `${this.file}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.file);
    return digest(bytes);
  }

  async lock(options: { waitMs?: number } = {}): Promise<() => Promise<void>> {
    await this.ensureDir();
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      let handle: FileHandle | undefined;
      try {
        handle = await open(this.lockFile, 'wx', 0o600);
        const info: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
        await handle.writeFile(`${JSON.stringify(info)}\n`);
        await handle.close();
        return async () => {
          await rm(this.lockFile, { force: true });
        };
      } catch (error) {
        await handle?.close();
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new InputError(`cannot create the lock file: ${(error as Error).message}`, { file: this.lockFile, cause: error });
        }
      }
      const holder = await this.holder();
      if (holder && this.isStale(holder)) {
        await rm(this.lockFile, { force: true });
        continue;
      }
      if (Date.now() >= deadline) {
        throw new StateLockedError(this.dir, holder ? `pid ${holder.pid} on ${holder.host} since ${holder.since}; remove ${this.lockFile} if that run is gone` : `lock file ${this.lockFile}`);
      }
      await sleep(Math.min(250, Math.max(10, deadline - Date.now())));
    }
  }

  private async holder(): Promise<LockInfo | undefined> {
    try {
      const info = JSON.parse(await readFile(this.lockFile, 'utf8')) as LockInfo;
      return typeof info.pid === 'number' ? info : undefined;
    } catch {
      return undefined;
    }
  }

  private isStale(holder: LockInfo): boolean {
    if (Date.now() - Date.parse(holder.since) > (this.options.staleAfterMs ?? 6 * 3_600_000)) return true;
    if (holder.host !== hostname()) return false;
    try {
      process.kill(holder.pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }

  private async ensureDir(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new InputError(`cannot create the state directory: ${(error as Error).message}`, { file: this.dir, cause: error });
    }
  }
}

function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
