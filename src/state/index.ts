// The audit state: one place to open it from a location a user gives (`--state-dir DIR` or
// `--state-dir s3://bucket/prefix/`) or the Lambda's environment.

import type { AwsClients } from '../providers/aws/clients.js';
import { FileStateStore } from './file-store.js';
import { parseS3Location, S3StateStore } from './s3-store.js';
import type { StateStore } from './store.js';

export { FileStateStore, LOCK_FILE, STATE_FILE } from './file-store.js';
export { parseS3Location, S3StateStore } from './s3-store.js';
export { StateConflictError, StateLockedError, updateState, type LoadedState, type StateStore } from './store.js';
export { emptyState, STATE_FORMAT, type Ack, type AuditState, type FindingRecord } from './types.js';

/** A directory path, or s3://bucket/prefix/ (the bucket's region: `region`, default AWS_REGION or us-east-1). */
export function openStateStore(location: string, clients: AwsClients, region = process.env.AWS_REGION ?? 'us-east-1'): StateStore {
  if (location.startsWith('s3://')) {
    const { bucket, key } = parseS3Location(location);
    return new S3StateStore(clients, bucket, key, region);
  }
  return new FileStateStore(location);
}
