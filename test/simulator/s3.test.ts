import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/providers/aws/clients.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario, ScenarioS3Bucket } from '../../src/scenario/types.js';
import { SimulatedAccount } from '../../src/simulator/account.js';
import { crc32Base64 } from '../../src/simulator/services/s3.js';
import { ago, DAY, NOW, NOW_MS, rejection, scenario } from './harness.js';

const credentials = { accessKeyId: 'AKIASIMULATED000000', secretAccessKey: 'simulated' };
const BUCKET = 'rigwatch-state-111122223333';

function md5Etag(bytes: Uint8Array | string): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

function buckets(extra: ScenarioS3Bucket[] = []): Scenario {
  return scenario({
    s3: {
      buckets: [
        {
          Name: BUCKET,
          Region: 'eu-west-1',
          Objects: [
            { Key: 'config/rigwatch.json', Body: b64('{"failOn":"high"}'), ContentType: 'application/json', LastModified: ago(DAY) },
            { Key: 'future.txt', Body: b64('not yet'), LastModified: ago(-DAY) },
          ],
        },
        ...extra,
      ],
    },
  });
}

function simulated(s: Scenario = buckets()) {
  const account = new SimulatedAccount(s);
  const clients = new AwsClients({ credentials, maxAttempts: 1, decorate: (client, region) => account.attach(client, region) });
  return { account, clients, s3: clients.s3('eu-west-1') };
}

describe('S3 PutObject and GetObject', () => {
  it('round-trips a gzipped binary body, with the ETag, length, type, encoding and time S3 gives', async () => {
    const { s3 } = simulated();
    const original = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const gzipped = gzipSync(original);
    const put = await s3.send(new PutObjectCommand({
      Bucket: BUCKET, Key: 'state/run.json.gz', Body: new Uint8Array(gzipped), ContentType: 'application/json', ContentEncoding: 'gzip',
    }));
    expect(put.ETag).toBe(md5Etag(gzipped));
    expect(put.$metadata.httpStatusCode).toBe(200);

    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'state/run.json.gz' }));
    const bytes = await got.Body!.transformToByteArray();
    expect(Buffer.from(bytes).equals(gzipped)).toBe(true);
    expect(gunzipSync(bytes).equals(original)).toBe(true);
    expect(got.ETag).toBe(put.ETag);
    expect(got.ContentLength).toBe(gzipped.length);
    expect(got.ContentType).toBe('application/json');
    expect(got.ContentEncoding).toBe('gzip');
    expect(got.LastModified).toBeInstanceOf(Date);
    expect(got.LastModified!.getTime()).toBe(Math.floor(NOW_MS / 1000) * 1000);
  });

  it('serves scenario objects with the MD5 ETag and transformToString, and hides objects dated after now', async () => {
    const { s3 } = simulated();
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'config/rigwatch.json' }));
    expect(await got.Body!.transformToString()).toBe('{"failOn":"high"}');
    expect(got.ETag).toBe(md5Etag('{"failOn":"high"}'));
    expect(got.LastModified!.toISOString()).toBe(new Date(NOW_MS - DAY).toISOString());
    const future = await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'future.txt' })));
    expect(future.name).toBe('NoSuchKey');
  });

  it('normalises string, Buffer and stream bodies to the same bytes, through the SDK checksum middleware', async () => {
    const { s3, account } = simulated();
    const text = 'hello';
    const fromString = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a', Body: text }));
    const fromBuffer = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'b', Body: Buffer.from(text) }));
    const fromStream = await s3.send(new PutObjectCommand({
      Bucket: BUCKET, Key: 'c', Body: Readable.from([Buffer.from('he'), Buffer.from('llo')]), ContentLength: 5,
    }));
    for (const out of [fromString, fromBuffer, fromStream]) {
      expect(out.ETag).toBe(md5Etag(text));
      // The SDK asks for CRC32 by default; this is the value it sends for "hello".
      expect(out.ChecksumCRC32).toBe('NhCmhg==');
    }
    const stored = account.toScenario().s3!.buckets![0]!.Objects!.find((o) => o.Key === 'c')!;
    expect(Buffer.from(stored.Body, 'base64').toString()).toBe(text);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'c' }));
    expect(got.ChecksumCRC32).toBe('NhCmhg==');
    expect(await got.Body!.transformToString()).toBe(text);
  });

  it('computes CRC32 as the SDK does', () => {
    expect(crc32Base64(Buffer.from('hello'))).toBe('NhCmhg==');
    expect(crc32Base64(Buffer.alloc(0))).toBe('AAAAAA==');
  });

  it('refuses a body whose Content-MD5 or CRC32 the caller gave wrong', async () => {
    const { s3 } = simulated();
    const md5 = await rejection(s3.send(new PutObjectCommand({
      Bucket: BUCKET, Key: 'x', Body: 'hello', ContentMD5: createHash('md5').update('other').digest('base64'),
    })));
    expect(md5.name).toBe('BadDigest');
    expect(md5.$metadata?.httpStatusCode).toBe(400);
    const crc = await rejection(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'hello', ChecksumCRC32: 'AAAAAA==' })));
    expect(crc.name).toBe('BadDigest');
    expect((await rejection(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'x' })))).name).toBe('NotFound');
  });

  it('keeps what PutObject wrote in the scenario: saved and loaded again, the account serves it', async () => {
    const { s3, account } = simulated();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'state/latest', Body: 'v1', Metadata: { run: '42' } }));
    const saved = account.toScenario();
    const object = saved.s3!.buckets![0]!.Objects!.find((o) => o.Key === 'state/latest');
    expect(object).toMatchObject({ Body: b64('v1'), ETag: md5Etag('v1'), LastModified: NOW, Metadata: { run: '42' } });
    const again = simulated(parseScenario(JSON.parse(JSON.stringify(saved)), 'saved'));
    const got = await again.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'state/latest' }));
    expect(await got.Body!.transformToString()).toBe('v1');
    expect(got.Metadata).toEqual({ run: '42' });
    expect(account.callCounts()['s3:PutObject']).toBe(1);
  });
});

describe('S3 conditional writes', () => {
  it('If-None-Match * creates once; the second put fails 412 PreconditionFailed and changes nothing', async () => {
    const { s3, account } = simulated();
    const first = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lock', Body: 'owner-a', IfNoneMatch: '*' }));
    expect(first.ETag).toBe(md5Etag('owner-a'));
    const second = await rejection(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lock', Body: 'owner-b', IfNoneMatch: '*' })));
    expect(second.name).toBe('PreconditionFailed');
    expect(second).toBeInstanceOf(S3ServiceException);
    expect(second.$metadata?.httpStatusCode).toBe(412);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'lock' }));
    expect(await got.Body!.transformToString()).toBe('owner-a');
    expect(account.callLog.filter((c) => c.operation === 'PutObject').map((c) => c.error)).toEqual([undefined, 'PreconditionFailed']);
  });

  it('If-Match overwrites only the ETag it names: a stale ETag fails 412', async () => {
    const { s3 } = simulated();
    const v1 = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'state', Body: 'v1' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'state', Body: 'v2', IfMatch: v1.ETag }));
    expect(v2.ETag).toBe(md5Etag('v2'));
    const stale = await rejection(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'state', Body: 'v3', IfMatch: v1.ETag })));
    expect(stale.name).toBe('PreconditionFailed');
    expect(stale.$metadata?.httpStatusCode).toBe(412);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'state' }));
    expect(await got.Body!.transformToString()).toBe('v2');
  });

  it('If-Match on a key that does not exist fails 404 NoSuchKey', async () => {
    const { s3 } = simulated();
    const error = await rejection(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'absent', Body: 'x', IfMatch: md5Etag('x') })));
    expect(error).toBeInstanceOf(NoSuchKey);
    expect(error.$metadata?.httpStatusCode).toBe(404);
  });

  it('If-None-Match with an ETag is not implemented for writes', async () => {
    const { s3 } = simulated();
    const error = await rejection(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'x', IfNoneMatch: md5Etag('x') })));
    expect(error.name).toBe('NotImplemented');
    expect(error.$metadata?.httpStatusCode).toBe(501);
  });
});

describe('S3 errors and conditional reads', () => {
  it('answers NoSuchKey for a missing key and NoSuchBucket for a missing bucket, both 404', async () => {
    const { s3 } = simulated();
    const key = await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'nope' })));
    expect(key).toBeInstanceOf(NoSuchKey);
    expect(key.name).toBe('NoSuchKey');
    expect(key.$metadata?.httpStatusCode).toBe(404);
    const bucket = await rejection(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'k' })));
    expect(bucket).toBeInstanceOf(NoSuchBucket);
    expect(bucket.$metadata?.httpStatusCode).toBe(404);
    const put = await rejection(s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'k', Body: 'x' })));
    expect(put.name).toBe('NoSuchBucket');
  });

  it('answers a bucket of another Region with 301 PermanentRedirect and writes nothing', async () => {
    const { clients, account } = simulated();
    const s3 = clients.s3('us-east-1');
    const get = await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'config/rigwatch.json' })));
    expect(get.name).toBe('PermanentRedirect');
    expect(get.$metadata?.httpStatusCode).toBe(301);
    const put = await rejection(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'elsewhere', Body: 'x' })));
    expect(put.name).toBe('PermanentRedirect');
    expect(account.toScenario().s3!.buckets![0]!.Objects!.map((o) => o.Key)).not.toContain('elsewhere');
  });

  it('GetObject If-Match fails 412; If-None-Match on the current ETag answers 304 (the SDK names it Unknown)', async () => {
    const { s3 } = simulated();
    const etag = md5Etag('{"failOn":"high"}');
    const ok = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'config/rigwatch.json', IfMatch: etag }));
    expect(ok.ETag).toBe(etag);
    const mismatch = await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'config/rigwatch.json', IfMatch: '"0000"' })));
    expect(mismatch.name).toBe('PreconditionFailed');
    expect(mismatch.$metadata?.httpStatusCode).toBe(412);
    const same = await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'config/rigwatch.json', IfNoneMatch: etag })));
    expect(same.$metadata?.httpStatusCode).toBe(304);
    expect(same.name).toBe('Unknown');
    const changed = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'config/rigwatch.json', IfNoneMatch: '"0000"' }));
    expect(await changed.Body!.transformToString()).toBe('{"failOn":"high"}');
    const notSince = await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'config/rigwatch.json', IfModifiedSince: new Date(NOW_MS) })));
    expect(notSince.$metadata?.httpStatusCode).toBe(304);
  });

  it('HeadObject answers the metadata, and NotFound (404) for a missing key or bucket', async () => {
    const { s3 } = simulated();
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'config/rigwatch.json' }));
    expect(head).toMatchObject({ ContentLength: 17, ContentType: 'application/json', ETag: md5Etag('{"failOn":"high"}') });
    expect('Body' in head).toBe(false);
    for (const [bucket, key] of [[BUCKET, 'nope'], ['no-such-bucket-here', 'k']] as const) {
      const error = await rejection(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
      expect(error).toBeInstanceOf(NotFound);
      expect(error.$metadata?.httpStatusCode).toBe(404);
    }
    const stale = await rejection(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'config/rigwatch.json', IfMatch: '"0000"' })));
    expect(stale.$metadata?.httpStatusCode).toBe(412);
  });
});

describe('S3 ListObjectsV2', () => {
  it('lists keys in order under a prefix, rolls up common prefixes and pages with a continuation token', async () => {
    const { s3 } = simulated();
    for (const key of ['runs/2026/b', 'runs/2026/a', 'runs/2025/z', 'runs/top', 'other']) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    }
    const all = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'runs/' }));
    expect(all.Contents!.map((o) => o.Key)).toEqual(['runs/2025/z', 'runs/2026/a', 'runs/2026/b', 'runs/top']);
    expect(all.Contents![0]).toMatchObject({ Size: 11, ETag: md5Etag('runs/2025/z'), StorageClass: 'STANDARD' });
    expect(all.KeyCount).toBe(4);
    expect(all.IsTruncated).toBe(false);

    const grouped = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'runs/', Delimiter: '/' }));
    expect(grouped.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['runs/2025/', 'runs/2026/']);
    expect(grouped.Contents!.map((o) => o.Key)).toEqual(['runs/top']);

    const page1 = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'runs/', MaxKeys: 3 }));
    expect(page1.IsTruncated).toBe(true);
    expect(page1.Contents).toHaveLength(3);
    const page2 = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'runs/', MaxKeys: 3, ContinuationToken: page1.NextContinuationToken }));
    expect(page2.Contents!.map((o) => o.Key)).toEqual(['runs/top']);
    expect(page2.IsTruncated).toBe(false);
    const wrong = await rejection(s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'other', ContinuationToken: page1.NextContinuationToken })));
    expect(wrong.name).toBe('InvalidArgument');
  });
});

describe('scenario s3 section', () => {
  it('is validated, naming the JSON path', () => {
    const bad = { ...buckets(), s3: { buckets: [{ Name: 'Bad_Bucket', Region: 'eu-west-1' }] } };
    expect(() => parseScenario(bad, 'fixture')).toThrow('fixture: s3.buckets[0].Name: not an S3 bucket name');
    const region = { ...buckets(), regions: [{ RegionName: 'us-east-1', OptInStatus: 'opt-in-not-required' }] };
    expect(() => parseScenario(region, 'fixture')).toThrow('fixture: s3.buckets[0].Region: region "eu-west-1" is not in regions');
    const typo = { ...buckets(), s3: { bucket: [] } };
    expect(() => parseScenario(typo, 'fixture')).toThrow('fixture: s3: unknown key "bucket"');
    const body = { ...buckets(), s3: { buckets: [{ Name: BUCKET, Region: 'eu-west-1', Objects: [{ Key: 'k', Body: 'not base64!' }] }] } };
    expect(() => parseScenario(body, 'fixture')).toThrow('fixture: s3.buckets[0].Objects[0].Body: not base64');
    expect(parseScenario(buckets(), 'fixture').s3?.buckets?.[0]?.Objects).toHaveLength(2);
  });
});
