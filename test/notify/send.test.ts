import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { channelSchema, notifyConfigSchema, signature, type Channel } from '../../src/notify/channels.js';
import { backoffDelay, deliver, deliverAll, type DeliverOptions } from '../../src/notify/send.js';
import type { Digest } from '../../src/notify/types.js';
import { digestOf, item, SECRET_ACCESS_KEY, SESSION_TOKEN } from './fixtures.js';

// ---- a real HTTP server on 127.0.0.1 ------------------------------------------------------------

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Reply = (res: ServerResponse) => void;

let server: Server;
let base: string;
const received: Received[] = [];
let replies: Reply[] = [];

const reply = (status: number, body = '', headers: Record<string, string> = {}): Reply => (res) => {
  res.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
  res.end(body);
};
/** Never answers (until the server closes the socket at the end). */
const hang: Reply = () => {};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      (replies.shift() ?? reply(200, 'ok'))(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(() => {
  received.length = 0;
  replies = [];
});

const sleeps: number[] = [];
function options(o: Partial<DeliverOptions> = {}): DeliverOptions {
  sleeps.length = 0;
  return {
    retries: 3,
    timeoutMs: 2000,
    backoffMs: 500,
    env: {},
    random: () => 1,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...o,
  };
}

const digest: Digest = digestOf([item(0), item(1)], { resolved: [{ id: 'cpu-sustained:dead', detector: 'cpu-sustained', title: 'gone' }] });
const slack = (path = '/services/T0/B0/secretsecretsecret'): Channel => channelSchema.parse({ type: 'slack', id: 'ops-slack', url: `${base}${path}` });
const webhook = (extra: Record<string, unknown> = {}): Channel => channelSchema.parse({ type: 'webhook', url: `${base}/hook/secret-token-123`, ...extra });

describe('slack', () => {
  it('POSTs the Block Kit payload once', async () => {
    const result = await deliver(slack(), digest, options());
    expect(result).toEqual({
      channel: 'ops-slack', type: 'slack', status: 'sent', attempts: 1,
      findingIds: digest.items.map((i) => i.finding.id), detail: 'HTTP 200',
    });
    expect(received).toHaveLength(1);
    const [req] = received as [Received];
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/services/T0/B0/secretsecretsecret');
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(req.body) as { text: string; blocks: unknown[] };
    expect(body.text).toMatch(/^rigwatch 111122223333: 2 new critical\/high findings/);
    expect(body.blocks.length).toBeGreaterThan(2);
    expect(req.body).not.toContain(SECRET_ACCESS_KEY);
    expect(req.body).not.toContain(SESSION_TOKEN);
  });

  it('reads the URL from the environment variable urlEnv names', async () => {
    const channel = channelSchema.parse({ type: 'slack', urlEnv: 'RIGWATCH_SLACK_URL' });
    const result = await deliver(channel, digest, options({ env: { RIGWATCH_SLACK_URL: `${base}/from-env` }, index: 2 }));
    expect(result).toMatchObject({ channel: 'slack-3', status: 'sent', attempts: 1 });
    expect(received[0]?.url).toBe('/from-env');
  });

  it('fails at once, without sending, when the variable is not set', async () => {
    const channel = channelSchema.parse({ type: 'slack', urlEnv: 'RIGWATCH_SLACK_URL' });
    const result = await deliver(channel, digest, options());
    expect(result).toMatchObject({ status: 'failed', attempts: 0, error: 'environment variable RIGWATCH_SLACK_URL is not set' });
    expect(received).toHaveLength(0);
  });
});

describe('webhook', () => {
  it('POSTs the digest JSON with the configured headers and an HMAC signature', async () => {
    const channel = webhook({ headers: { 'X-Team': 'secops' }, secretEnv: 'HOOK_SECRET' });
    const result = await deliver(channel, digest, options({ env: { HOOK_SECRET: 's3cr3t-signing-key' } }));
    expect(result).toMatchObject({ channel: 'webhook-1', type: 'webhook', status: 'sent', attempts: 1 });
    const [req] = received as [Received];
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req.headers['x-team']).toBe('secops');
    expect(req.headers['x-rigwatch-format']).toBe('rigwatch-digest/1');
    expect(req.headers['x-rigwatch-signature']).toBe(`sha256=${signature('s3cr3t-signing-key', req.body)}`);
    expect(req.headers['x-rigwatch-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    const body = JSON.parse(req.body) as Digest;
    expect(body.format).toBe('rigwatch-digest/1');
    expect(body.items.map((i) => i.finding.id)).toEqual(digest.items.map((i) => i.finding.id));
    expect(body.totals).toEqual(digest.totals);
    expect(req.body).not.toContain(SECRET_ACCESS_KEY);
    expect(req.body).not.toContain(SESSION_TOKEN);
    expect(req.body).not.toContain('s3cr3t-signing-key');
  });

  it('sends no signature without secretEnv', async () => {
    await deliver(webhook(), digest, options());
    expect(received[0]?.headers['x-rigwatch-signature']).toBeUndefined();
  });

  it('retries a 500 and succeeds on the second attempt', async () => {
    replies = [reply(500, 'boom')];
    const result = await deliver(webhook(), digest, options());
    expect(result).toMatchObject({ status: 'sent', attempts: 2 });
    expect(received).toHaveLength(2);
    expect(received[0]?.body).toBe(received[1]?.body);
    expect(sleeps).toEqual([500]);
  });

  it('backs off exponentially with jitter', async () => {
    replies = [reply(502), reply(503), reply(504)];
    const result = await deliver(webhook(), digest, options({ random: () => 0 }));
    expect(result).toMatchObject({ status: 'sent', attempts: 4 });
    expect(sleeps).toEqual([250, 500, 1000]);
    expect(backoffDelay(10, 500, 30_000, () => 1)).toBe(30_000);
  });

  it('honours Retry-After on a 429, capped', async () => {
    replies = [reply(429, 'slow down', { 'Retry-After': '2' }), reply(429, '', { 'Retry-After': '3600' })];
    const result = await deliver(webhook(), digest, options({ maxDelayMs: 5000 }));
    expect(result).toMatchObject({ status: 'sent', attempts: 3 });
    expect(sleeps).toEqual([2000, 5000]);
  });

  it('does not retry a 400 and reports it at once', async () => {
    replies = [reply(400, 'invalid_payload')];
    const result = await deliver(webhook(), digest, options());
    expect(result).toMatchObject({ status: 'failed', attempts: 1, error: 'HTTP 400: invalid_payload' });
    expect(received).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('does not follow a redirect', async () => {
    replies = [reply(307, '', { Location: `${base}/elsewhere` })];
    const result = await deliver(webhook(), digest, options());
    expect(result).toMatchObject({ status: 'failed', attempts: 1 });
    expect(received.map((r) => r.url)).toEqual(['/hook/secret-token-123']);
  });

  it('gives up after the retries on 5xx, and the error says how often it tried', async () => {
    replies = [reply(500), reply(500), reply(500)];
    const result = await deliver(webhook(), digest, options({ retries: 2 }));
    expect(result).toMatchObject({ status: 'failed', attempts: 3, error: 'HTTP 500 (after 3 attempts)' });
  });

  it('an error quoting the URL has it redacted', async () => {
    replies = [reply(404, `no route for ${base}/hook/secret-token-123 (see https://hooks.slack.com/services/T/B/zzz)`)];
    const result = await deliver(webhook(), digest, options());
    expect(result.status).toBe('failed');
    expect(result.error).not.toContain('secret-token-123');
    expect(result.error).not.toContain('hooks.slack.com');
    expect(result.error).toContain('<webhook url>');
  });

  it('times out a server that does not answer, and retries', async () => {
    replies = [hang, hang];
    const started = Date.now();
    const result = await deliver(webhook(), digest, options({ timeoutMs: 200, retries: 1 }));
    expect(result).toMatchObject({ status: 'failed', attempts: 2, error: 'timed out after 200 ms (after 2 attempts)' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('connection refused', () => {
  it('fails after the retries, and the error carries no URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const url = `http://127.0.0.1:${port}/services/T0/B0/refusedsecret`;
    const result = await deliver(channelSchema.parse({ type: 'slack', url }), digest, options({ retries: 2 }));
    expect(result).toMatchObject({ status: 'failed', attempts: 3 });
    expect(sleeps).toHaveLength(2);
    expect(result.error).toMatch(/ECONNREFUSED/);
    expect(result.error).not.toContain(url);
    expect(result.error).not.toContain('refusedsecret');
    expect(result.error).not.toMatch(/https?:\/\//);
  });
});

describe('empty digests and several channels', () => {
  it('skips an empty digest without sending', async () => {
    const empty = digestOf([]);
    const result = await deliver(webhook(), empty, options());
    expect(result).toEqual({ channel: 'webhook-1', type: 'webhook', status: 'skipped', attempts: 0, findingIds: [] });
    expect(received).toHaveLength(0);
  });

  it('sends a digest with only resolved findings', async () => {
    const result = await deliver(webhook(), digestOf([], { resolved: [{ id: 'a:1', detector: 'x', title: 'gone' }] }), options());
    expect(result).toMatchObject({ status: 'sent', findingIds: [] });
  });

  it('deliverAll reports each channel in config order', async () => {
    replies = [reply(400, 'nope')];
    const results = await deliverAll([webhook(), slack('/second')], digest, options({ retries: 0 }));
    expect(results.map((r) => r.channel)).toEqual(['webhook-1', 'ops-slack']);
    expect(results.map((r) => r.status).sort()).toEqual(['failed', 'sent']);
  });
});

describe('config', () => {
  it('fills the defaults', () => {
    expect(notifyConfigSchema.parse({})).toEqual({ minSeverity: 'high', channels: [], retries: 3, timeoutMs: 10_000, backoffMs: 500 });
  });

  it.each([
    ['slack with both url and urlEnv', { type: 'slack', url: 'https://hooks.slack.com/services/a', urlEnv: 'X' }],
    ['slack with neither', { type: 'slack' }],
    ['plain http to another host', { type: 'webhook', url: 'http://example.com/hook' }],
    ['an unknown key', { type: 'webhook', url: 'https://example.com/hook', method: 'PUT' }],
    ['a reserved header', { type: 'webhook', url: 'https://example.com/hook', headers: { 'X-Rigwatch-Signature': 'x' } }],
    ['a header with a line break', { type: 'webhook', url: 'https://example.com/hook', headers: { 'X-A': 'a\r\nX-B: b' } }],
    ['a bad env name', { type: 'webhook', urlEnv: 'MY-URL' }],
    ['a topic that is not an ARN', { type: 'sns', topicArn: 'rigwatch-alerts' }],
    ['an unknown type', { type: 'email', to: 'a@example.com' }],
  ])('rejects %s', (_name, channel) => {
    expect(notifyConfigSchema.safeParse({ channels: [channel] }).success).toBe(false);
  });

  it('rejects duplicate channel ids', () => {
    const r = notifyConfigSchema.safeParse({ channels: [{ type: 'slack', id: 'a', urlEnv: 'A' }, { type: 'webhook', id: 'a', urlEnv: 'B' }] });
    expect(r.success).toBe(false);
  });

  it('accepts every kind', () => {
    const r = notifyConfigSchema.parse({
      minSeverity: 'critical', retries: 0,
      channels: [
        { type: 'sns', topicArn: 'arn:aws:sns:eu-west-1:111122223333:rigwatch-alerts' },
        { type: 'sns', id: 'fifo', topicArn: 'arn:aws:sns:us-east-1:111122223333:rigwatch.fifo', region: 'us-east-1' },
        { type: 'slack', urlEnv: 'RIGWATCH_SLACK_WEBHOOK_URL' },
        { type: 'webhook', id: 'pager', url: 'https://events.example.com/rigwatch', headers: { 'X-Team': 'secops' }, secretEnv: 'RIGWATCH_WEBHOOK_SECRET' },
      ],
    });
    expect(r.channels).toHaveLength(4);
  });
});
