// Where the audit state lives: a directory (cron, a laptop) or an S3 object (the Lambda). Both
// keep one gzip-compressed JSON document, replaced whole: a reader sees the old state or the
// new, never half of one. A directory is guarded by a lock file held for the whole run; S3 by
// conditional writes (If-Match on the ETag read, If-None-Match for the first), so two runs that
// overlap cannot silently overwrite each other.

import { RigwatchError } from '../engine/errors.js';
import type { AuditState } from './types.js';

export interface LoadedState {
  /** Absent when nothing is stored yet (the first run). */
  state?: AuditState;
  /** What save() must see still stored: an ETag, a content hash. Absent when nothing is stored. */
  version?: string;
}

export interface StateStore {
  /** Where it is, for messages: a path or s3://bucket/key. */
  readonly location: string;
  load(): Promise<LoadedState>;
  /** Replaces the state if the stored one is still `version`; throws StateConflictError otherwise. Returns the new version. */
  save(state: AuditState, version: string | undefined): Promise<string>;
  /** Holds the store for one run (a lock file); the returned function releases it. */
  lock(options?: { waitMs?: number }): Promise<() => Promise<void>>;
}

/** Another writer changed the state since it was read. */
export class StateConflictError extends RigwatchError {
  constructor(location: string, detail: string) {
    super(`the state at ${location} changed while this run held it (${detail}); nothing was overwritten`, { exitCode: 3 });
    this.name = 'StateConflictError';
  }
}

/** Another run holds the state. Exit 3: this run could not do what it was asked. */
export class StateLockedError extends RigwatchError {
  constructor(location: string, holder: string) {
    super(`another rigwatch run holds ${location} (${holder}); not starting a second one`, { exitCode: 3 });
    this.name = 'StateLockedError';
  }
}

/** Loads, applies `change` and saves, retrying from a fresh read if another writer got in between. */
export async function updateState(store: StateStore, change: (state: AuditState | undefined) => AuditState, attempts = 3): Promise<AuditState> {
  for (let attempt = 1; ; attempt++) {
    const { state, version } = await store.load();
    const next = change(state);
    try {
      await store.save(next, version);
      return next;
    } catch (error) {
      if (!(error instanceof StateConflictError) || attempt >= attempts) throw error;
    }
  }
}
