// The state in S3, for the Lambda: one object, `<prefix>audit-state.json.gz`. Writes are
// conditional (S3 conditional writes): the first with If-None-Match "*", every later one with
// If-Match on the ETag this run read, so a run that overlaps another, or an ack made meanwhile,
// gets 412 Precondition Failed (or 409 ConditionalRequestConflict while a write is in flight)
// instead of overwriting. The lock is the conditional write itself; the deployment's reserved
// concurrency of 1 keeps scheduled runs from overlapping in the first place.

import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../providers/aws/clients.js';
import { InputError, RigwatchError } from '../engine/errors.js';
import { decodeState, encodeState } from './codec.js';
import { STATE_FILE } from './file-store.js';
import { StateConflictError, type LoadedState, type StateStore } from './store.js';
import type { AuditState } from './types.js';

export const PERMISSIONS = ['s3:GetObject', 's3:PutObject'] as const;
/**
 * On the bucket, for the state prefix only: without s3:ListBucket, S3 answers a GetObject of a
 * key that does not exist yet (the first run) with 403 AccessDenied instead of 404 NoSuchKey,
 * and a first run could not tell "no state yet" from "no permission".
 */
export const BUCKET_PERMISSIONS = ['s3:ListBucket'] as const;

/** s3://bucket/prefix -> bucket and the state object's key. */
export function parseS3Location(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new InputError(`"${url}" is not an S3 location like s3://my-bucket/rigwatch/`);
  let prefix = m[2] ?? '';
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  return { bucket: m[1] as string, key: `${prefix}${STATE_FILE}` };
}

export class S3StateStore implements StateStore {
  readonly location: string;

  constructor(private readonly clients: AwsClients, private readonly bucket: string, private readonly key: string, private readonly region: string) {
    this.location = `s3://${bucket}/${key}`;
  }

  async load(): Promise<LoadedState> {
    let bytes: Uint8Array;
    let etag: string | undefined;
    try {
      const out = await this.clients.s3(this.region).send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }));
      bytes = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
      etag = out.ETag;
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return {};
      throw new RigwatchError(`cannot read the state ${this.location}: ${(error as Error).name}: ${(error as Error).message}`, { exitCode: 3, cause: error });
    }
    try {
      return { state: decodeState(bytes), version: etag };
    } catch (error) {
      throw new InputError(`${this.location}: ${(error as Error).message}`, { cause: error });
    }
  }

  async save(state: AuditState, version: string | undefined): Promise<string> {
    try {
      const out = await this.clients.s3(this.region).send(new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key,
        Body: encodeState(state),
        ContentType: 'application/json',
        ContentEncoding: 'gzip',
        ...(version === undefined ? { IfNoneMatch: '*' } : { IfMatch: version }),
      }));
      return out.ETag ?? '';
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || name === 'NoSuchKey') throw new StateConflictError(this.location, name);
      throw new RigwatchError(`cannot write the state ${this.location}: ${name}: ${(error as Error).message}`, { exitCode: 3, cause: error });
    }
  }

  async lock(): Promise<() => Promise<void>> {
    return async () => undefined;
  }
}
