// Simulated Amazon S3 (general purpose buckets): GetObject, HeadObject, PutObject, ListObjectsV2,
// on scenario.s3.buckets. Objects keep their bytes as base64 `Body`; PutObject writes into the
// scenario in place (SimulatedAccount.toScenario() carries them). Object-level calls are CloudTrail
// data events, which LookupEvents never returns, so nothing is recorded in scenario.cloudtrail.
// Nothing is cached, so a write needs no invalidation.
//
// What the SDK makes of an S3 error depends on the response having a body, and HEAD responses
// and 304s never have one. The codes below are what the SDK (3.1137.0) reports for S3's answers,
// checked by feeding raw responses to a real S3Client:
// - GetObject/PutObject/ListObjectsV2: NoSuchBucket 404, NoSuchKey 404, PreconditionFailed 412,
//   PermanentRedirect 301 (an XML body carries the code).
// - GetObject If-None-Match / If-Modified-Since not met: 304 without a body: the SDK names it
//   `Unknown` (message "UnknownError"); callers must test $metadata.httpStatusCode === 304.
// - HeadObject: no body ever, so 404 is `NotFound` (missing key or missing bucket alike) and
//   every other status (301, 304, 412) is `Unknown`, each with message "UnknownError".
//
// Semantics, from the S3 API reference (PutObject, GetObject, HeadObject) and the user guide
// ("How to prevent object overwrites with conditional writes", "Conditional requests"):
// - ETag: the quoted MD5 hex of the body (single-part puts; a scenario object may carry any ETag).
// - PutObject If-None-Match accepts only `*`: 412 PreconditionFailed when the key exists; any other
//   value is 501 NotImplemented, as S3 answers headers it does not implement. If-Match: 412
//   PreconditionFailed when the ETag differs, 404 NoSuchKey when there is no object to match.
//   (409 ConditionalRequestConflict cannot happen here: a put is atomic in the simulator.)
// - GetObject/HeadObject evaluate RFC 7232 section 6's order: If-Match (else If-Unmodified-Since)
//   -> 412; then If-None-Match (else If-Modified-Since) -> 304. Dates compare at whole seconds,
//   as the Last-Modified header carries them.
// - A bucket in another Region than the client's: S3 answers a request that reaches the wrong
//   regional endpoint with 301 PermanentRedirect ("The bucket you are attempting to access must be
//   addressed using the specified endpoint..."), which the SDK does not follow unless the client
//   sets followRegionRedirects. (The alternative, 400 AuthorizationHeaderMalformed, is the answer
//   to a request that reaches the right endpoint signed for the wrong Region, which the SDK's
//   regional endpoints do not produce. Regions launched after March 2019 answer 400 instead; not
//   simulated.)
// - Every bucket has default encryption (SSE-S3 since January 2023): answers carry
//   ServerSideEncryption AES256. Request checksums: the SDK sends CRC32 by default; the object
//   keeps it and GetObject returns it when ChecksumMode is ENABLED (the SDK's default). A
//   ChecksumCRC32 or ContentMD5 given by the caller is verified: 400 BadDigest when it differs.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type {
  GetObjectRequest,
  HeadObjectOutput,
  HeadObjectRequest,
  ListObjectsV2Output,
  ListObjectsV2Request,
  PutObjectOutput,
  PutObjectRequest,
  _Object,
} from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import type { ScenarioS3Bucket, ScenarioS3Object } from '../../scenario/types.js';
import { decodeToken, encodeToken, queryFingerprint } from '../next-token.js';
import { AwsError, type SimContext, type SimulatedService } from '../types.js';

const MAX_KEY_BYTES = 1024;
const MAX_KEYS = 1000;
/** What S3 reports for an object uploaded without a Content-Type. */
const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
/** What a bodiless answer (HEAD, 304) becomes in the SDK: the message it fills in. */
const NO_BODY_MESSAGE = 'UnknownError';

// --- Errors ------------------------------------------------------------------------------------

const noSuchBucket = () => new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404);
const noSuchKey = () => new AwsError('NoSuchKey', 'The specified key does not exist.', 404);
const preconditionFailed = () => new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
const notModified = () => new AwsError('Unknown', NO_BODY_MESSAGE, 304);
const permanentRedirect = () =>
  new AwsError(
    'PermanentRedirect',
    'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
    301,
  );

/** A HEAD answer has no body: the SDK names a 404 NotFound and anything else Unknown. */
function asHeadError(error: unknown): unknown {
  if (!(error instanceof AwsError)) return error;
  return new AwsError(error.status === 404 ? 'NotFound' : 'Unknown', NO_BODY_MESSAGE, error.status);
}

// --- Buckets and objects -----------------------------------------------------------------------

function isVisible(dated: string | undefined, now: number): boolean {
  return dated === undefined || Date.parse(dated) <= now;
}

/** The bucket, as the client's Region may address it. */
function requireBucket(ctx: SimContext, name: string | undefined): ScenarioS3Bucket {
  const bucket = (ctx.account.scenario.s3?.buckets ?? []).find((b) => b.Name === name && isVisible(b.CreationDate, ctx.account.now));
  if (!bucket) throw noSuchBucket();
  if (bucket.Region !== ctx.region) throw permanentRedirect();
  return bucket;
}

function requireKey(key: string | undefined): string {
  if (typeof key !== 'string' || key === '') throw new AwsError('InvalidArgument', 'Key must not be empty', 400);
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new AwsError('KeyTooLongError', 'Your key is too long', 400);
  return key;
}

function objectIn(bucket: ScenarioS3Bucket, key: string, now: number): ScenarioS3Object | undefined {
  return bucket.Objects?.find((o) => o.Key === key && isVisible(o.LastModified, now));
}

function bytesOf(object: ScenarioS3Object): Buffer {
  return Buffer.from(object.Body, 'base64');
}

function md5Etag(bytes: Uint8Array): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}

/** The object's ETag, quoted as S3 returns it. */
function etagOf(object: ScenarioS3Object): string {
  if (object.ETag === undefined) return md5Etag(bytesOf(object));
  return object.ETag.startsWith('"') ? object.ETag : `"${object.ETag}"`;
}

/** Last-Modified as the header carries it: whole seconds. */
function lastModifiedOf(object: ScenarioS3Object, now: number): Date {
  const ms = object.LastModified === undefined ? now : Date.parse(object.LastModified);
  return new Date(Math.floor(ms / 1000) * 1000);
}

function unquote(etag: string): string {
  return etag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** Whether an If-Match / If-None-Match value (`*` or a list of ETags) matches the object. */
function etagMatches(header: string, object: ScenarioS3Object | undefined): boolean {
  if (!object) return false;
  if (header.trim() === '*') return true;
  const current = unquote(etagOf(object));
  return header.split(',').some((candidate) => unquote(candidate) === current);
}

/** GetObject / HeadObject preconditions, in RFC 7232 section 6's order. */
function checkReadConditions(
  input: Pick<GetObjectRequest, 'IfMatch' | 'IfNoneMatch' | 'IfModifiedSince' | 'IfUnmodifiedSince'>,
  object: ScenarioS3Object,
  lastModified: Date,
): void {
  if (input.IfMatch !== undefined) {
    if (!etagMatches(input.IfMatch, object)) throw preconditionFailed();
  } else if (input.IfUnmodifiedSince !== undefined && lastModified.getTime() > input.IfUnmodifiedSince.getTime()) {
    throw preconditionFailed();
  }
  if (input.IfNoneMatch !== undefined) {
    if (etagMatches(input.IfNoneMatch, object)) throw notModified();
  } else if (input.IfModifiedSince !== undefined && lastModified.getTime() <= input.IfModifiedSince.getTime()) {
    throw notModified();
  }
}

// --- Checksums ---------------------------------------------------------------------------------

const CRC32_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC32 (IEEE), base64 of the big-endian value, as x-amz-checksum-crc32 carries it. */
export function crc32Base64(bytes: Uint8Array): string {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC32_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

function verifyDigests(input: PutObjectRequest, bytes: Buffer): void {
  if (input.ContentMD5 !== undefined) {
    const given = Buffer.from(input.ContentMD5, 'base64');
    if (given.length !== 16) throw new AwsError('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400);
    if (!given.equals(createHash('md5').update(bytes).digest())) {
      throw new AwsError('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
    }
  }
  if (input.ChecksumCRC32 !== undefined && input.ChecksumCRC32 !== crc32Base64(bytes)) {
    throw new AwsError('BadDigest', 'The CRC32 you specified did not match the calculated checksum.', 400);
  }
}

// --- Request bodies ----------------------------------------------------------------------------

/** A PutObject Body as bytes: string, Uint8Array/Buffer, Node Readable, web ReadableStream or Blob. */
async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(new Uint8Array(body));
  if (typeof Blob !== 'undefined' && body instanceof Blob) return Buffer.from(await body.arrayBuffer());
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<unknown>) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk as Uint8Array));
    }
    return Buffer.concat(chunks);
  }
  throw new AwsError('InvalidArgument', `The simulated account cannot read a PutObject Body of type ${typeof body}`, 400);
}

// --- Operations --------------------------------------------------------------------------------

function metadataOf(object: ScenarioS3Object, ctx: SimContext) {
  return {
    AcceptRanges: 'bytes',
    LastModified: lastModifiedOf(object, ctx.account.now),
    ContentLength: bytesOf(object).length,
    ETag: etagOf(object),
    ContentType: object.ContentType ?? DEFAULT_CONTENT_TYPE,
    ...(object.ContentEncoding !== undefined && { ContentEncoding: object.ContentEncoding }),
    ServerSideEncryption: 'AES256' as const,
    Metadata: { ...(object.Metadata ?? {}) },
  };
}

function checksumsOf(object: ScenarioS3Object, mode: string | undefined) {
  return mode === 'ENABLED' && object.ChecksumCRC32 !== undefined
    ? { ChecksumCRC32: object.ChecksumCRC32, ChecksumType: 'FULL_OBJECT' as const }
    : {};
}

function getObject(ctx: SimContext, input: GetObjectRequest) {
  const bucket = requireBucket(ctx, input.Bucket);
  const object = objectIn(bucket, requireKey(input.Key), ctx.account.now);
  if (!object) throw noSuchKey();
  const metadata = metadataOf(object, ctx);
  checkReadConditions(input, object, metadata.LastModified);
  // A byte stream, as the HTTP response body would be, with the SDK's transformTo* methods.
  const body = sdkStreamMixin(Readable.from([bytesOf(object)], { objectMode: false }));
  return { ...metadata, ...checksumsOf(object, input.ChecksumMode), Body: body };
}

function headObject(ctx: SimContext, input: HeadObjectRequest): HeadObjectOutput {
  try {
    const bucket = requireBucket(ctx, input.Bucket);
    const object = objectIn(bucket, requireKey(input.Key), ctx.account.now);
    if (!object) throw noSuchKey();
    const metadata = metadataOf(object, ctx);
    checkReadConditions(input, object, metadata.LastModified);
    return { ...metadata, ...checksumsOf(object, input.ChecksumMode) };
  } catch (error) {
    throw asHeadError(error);
  }
}

async function putObject(ctx: SimContext, input: PutObjectRequest): Promise<PutObjectOutput> {
  requireBucket(ctx, input.Bucket);
  const key = requireKey(input.Key);
  if (input.IfNoneMatch !== undefined && input.IfNoneMatch.trim() !== '*') {
    throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501);
  }
  const bytes = await bodyBytes(input.Body);
  verifyDigests(input, bytes);
  // From here on nothing awaits: the checks and the write are one step, as S3's are.
  const bucket = requireBucket(ctx, input.Bucket);
  const existing = objectIn(bucket, key, ctx.account.now);
  if (input.IfNoneMatch !== undefined && existing) throw preconditionFailed();
  if (input.IfMatch !== undefined) {
    if (!existing) throw noSuchKey();
    if (!etagMatches(input.IfMatch, existing)) throw preconditionFailed();
  }
  const etag = md5Etag(bytes);
  const checksum = input.ChecksumAlgorithm === 'CRC32' || input.ChecksumCRC32 !== undefined ? crc32Base64(bytes) : undefined;
  const object: ScenarioS3Object = {
    Key: key,
    Body: bytes.toString('base64'),
    ETag: etag,
    LastModified: new Date(ctx.account.now).toISOString(),
    ContentType: input.ContentType ?? DEFAULT_CONTENT_TYPE,
    ...(input.ContentEncoding !== undefined && { ContentEncoding: input.ContentEncoding }),
    ...(input.Metadata !== undefined && Object.keys(input.Metadata).length > 0 && { Metadata: { ...input.Metadata } }),
    ...(checksum !== undefined && { ChecksumCRC32: checksum }),
  };
  const objects = (bucket.Objects ??= []);
  const index = objects.findIndex((o) => o.Key === key);
  if (index >= 0) objects[index] = object;
  else objects.push(object);
  return {
    ETag: etag,
    ServerSideEncryption: 'AES256',
    ...(checksum !== undefined && { ChecksumCRC32: checksum, ChecksumType: 'FULL_OBJECT' as const }),
  };
}

/** Keys in S3's order: by their UTF-8 bytes. */
function byKeyBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function listObjectsV2(ctx: SimContext, input: ListObjectsV2Request): ListObjectsV2Output {
  const bucket = requireBucket(ctx, input.Bucket);
  const prefix = input.Prefix ?? '';
  const delimiter = input.Delimiter ?? '';
  const maxKeys = Math.min(input.MaxKeys ?? MAX_KEYS, MAX_KEYS);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new AwsError('InvalidArgument', 'Provided max-keys not an integer or within integer range', 400);
  const fingerprint = queryFingerprint({ operation: 'ListObjectsV2', bucket: bucket.Name, prefix, delimiter });
  let after = input.StartAfter ?? '';
  if (input.ContinuationToken !== undefined) {
    const position = decodeToken(input.ContinuationToken, fingerprint);
    if (typeof position !== 'string') throw new AwsError('InvalidArgument', 'The continuation token provided is incorrect', 400);
    after = position;
  }
  const keys = (bucket.Objects ?? [])
    .filter((o) => isVisible(o.LastModified, ctx.account.now) && o.Key.startsWith(prefix))
    .sort((a, b) => byKeyBytes(a.Key, b.Key));
  const contents: _Object[] = [];
  const commonPrefixes: string[] = [];
  let last: string | undefined;
  let truncated = false;
  for (const object of keys) {
    const rest = object.Key.slice(prefix.length);
    const cut = delimiter === '' ? -1 : rest.indexOf(delimiter);
    const entry = cut < 0 ? object.Key : prefix + rest.slice(0, cut + delimiter.length);
    // A common prefix sorts at its first key and is listed once; everything up to `after` was returned.
    if (byKeyBytes(entry, after) <= 0 || entry === commonPrefixes.at(-1)) continue;
    if (contents.length + commonPrefixes.length >= maxKeys) {
      truncated = maxKeys > 0;
      break;
    }
    last = entry;
    if (cut >= 0) {
      commonPrefixes.push(entry);
    } else {
      contents.push({
        Key: object.Key,
        LastModified: lastModifiedOf(object, ctx.account.now),
        ETag: etagOf(object),
        Size: bytesOf(object).length,
        StorageClass: 'STANDARD',
        ...(object.ChecksumCRC32 !== undefined && { ChecksumAlgorithm: ['CRC32' as const], ChecksumType: 'FULL_OBJECT' as const }),
      });
    }
  }
  return {
    Name: bucket.Name,
    Prefix: prefix,
    ...(input.Delimiter !== undefined && { Delimiter: input.Delimiter }),
    MaxKeys: maxKeys,
    KeyCount: contents.length + commonPrefixes.length,
    IsTruncated: truncated,
    ...(contents.length > 0 && { Contents: contents }),
    ...(commonPrefixes.length > 0 && { CommonPrefixes: commonPrefixes.map((p) => ({ Prefix: p })) }),
    ...(input.StartAfter !== undefined && { StartAfter: input.StartAfter }),
    ...(input.ContinuationToken !== undefined && { ContinuationToken: input.ContinuationToken }),
    ...(truncated && last !== undefined && { NextContinuationToken: encodeToken(last, fingerprint) }),
  };
}

export const s3Service: SimulatedService = {
  service: 's3',
  clientName: 'S3Client',
  operations: {
    GetObject: getObject,
    HeadObject: headObject,
    PutObject: putObject,
    ListObjectsV2: listObjectsV2,
  },
};
