// Where digests go, as config names them, and how each kind is sent: an SNS topic (a JSON message
// plus a subject a human can read), a Slack incoming webhook, or any HTTPS webhook (optionally
// signed). Webhook URLs are secrets, so config can name an environment variable that holds one
// instead of the URL itself; no URL is ever written to a report, log line or error.
//
// One send is one attempt; src/notify/send.ts retries.

import { createHash, createHmac } from 'node:crypto';
import { PublishCommand } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { SEVERITIES } from '../detectors/types.js';
import type { AwsClients } from '../providers/aws/clients.js';
import { digestSubject, fitDigest, slackPayload, SNS_MAX_MESSAGE_BYTES, webhookPayload } from './digest.js';
import { DIGEST_FORMAT, type Digest } from './types.js';

// ---------------------------------------------------------------------------------------------
// Config

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers rigwatch sets itself. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'x-rigwatch-signature', 'x-rigwatch-format']);

/** https, or http to this machine only (tests, a local relay). */
export function checkWebhookUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return undefined;
  return 'must be an https:// URL (http:// only to localhost)';
}

const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits, _ . : - (at most 64)').optional()
  .describe('a name for the channel in reports; default: its type and position');
const url = z.string().superRefine((value, ctx) => {
  const problem = checkWebhookUrl(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const envName = z.string().regex(ENV_NAME, 'an environment variable name');

function oneUrl(value: { url?: string; urlEnv?: string }, ctx: z.RefinementCtx): void {
  if ((value.url === undefined) === (value.urlEnv === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'give exactly one of url and urlEnv (the name of an environment variable holding the URL)', path: ['url'] });
  }
}

/** What an SNS channel calls. */
export const PERMISSIONS = ['sns:Publish'] as const;

export const snsChannelSchema = z.strictObject({
  type: z.literal('sns'),
  id,
  topicArn: z.string().regex(TOPIC_ARN, 'an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region').optional(),
});

export const slackChannelSchema = z.strictObject({
  type: z.literal('slack'),
  id,
  url: url.optional(),
  urlEnv: envName.optional(),
}).superRefine(oneUrl);

export const webhookChannelSchema = z.strictObject({
  type: z.literal('webhook'),
  id,
  url: url.optional(),
  urlEnv: envName.optional(),
  headers: z.record(
    z.string().regex(HEADER_NAME, 'an HTTP header name').refine((h) => !RESERVED_HEADERS.has(h.toLowerCase()), 'set by rigwatch'),
    z.string().regex(/^[^\r\n]*$/, 'no line breaks'),
  ).optional(),
  secretEnv: envName.optional(),
}).superRefine(oneUrl);

export const channelSchema = z.discriminatedUnion('type', [snsChannelSchema, slackChannelSchema, webhookChannelSchema]);

export type SnsChannel = z.infer<typeof snsChannelSchema>;
export type SlackChannel = z.infer<typeof slackChannelSchema>;
export type WebhookChannel = z.infer<typeof webhookChannelSchema>;
export type Channel = z.infer<typeof channelSchema>;

export const notifyConfigSchema = z.strictObject({
  minSeverity: z.enum(SEVERITIES).default('high'),
  channels: z.array(channelSchema).default([]),
  retries: z.number().int().min(0).max(10).default(3),
  timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
  backoffMs: z.number().int().min(0).max(60_000).default(500),
}).superRefine((value, ctx) => {
  const seen = new Set<string>();
  value.channels.forEach((c, i) => {
    const name = channelName(c, i);
    if (seen.has(name)) ctx.addIssue({ code: 'custom', message: `duplicate channel id "${name}"`, path: ['channels', i, 'id'] });
    seen.add(name);
  });
});

export type NotifyConfig = z.infer<typeof notifyConfigSchema>;

/** The name a delivery is reported under: the channel's id, else its type and position. */
export function channelName(channel: Pick<Channel, 'type' | 'id'>, index: number): string {
  return channel.id ?? `${channel.type}-${index + 1}`;
}

export function topicRegion(topicArn: string): string | undefined {
  return TOPIC_ARN.exec(topicArn)?.[1];
}

// ---------------------------------------------------------------------------------------------
// One attempt

/**
 * The outcome of one attempt. `unsent` marks a problem found before anything was sent (a URL or
 * secret not set): it is not an attempt, and not worth retrying.
 */
export type AttemptOutcome =
  | { ok: true; detail: string }
  | { ok: false; retryable: boolean; error: string; retryAfterMs?: number; detail?: string; unsent?: true };

export interface SendContext {
  timeoutMs: number;
  env: Record<string, string | undefined>;
  clients?: AwsClients;
  fetch: typeof fetch;
}

/** A channel's URL, or why there is none (not retryable). */
export function resolveUrl(channel: SlackChannel | WebhookChannel, env: SendContext['env']): { url: string } | { error: string } {
  if (channel.url !== undefined) return { url: channel.url };
  const name = channel.urlEnv as string;
  const value = env[name]?.trim();
  if (!value) return { error: `environment variable ${name} is not set` };
  const problem = checkWebhookUrl(value);
  if (problem) return { error: `environment variable ${name}: ${problem}` };
  return { url: value };
}

export async function sendSns(channel: SnsChannel, digest: Digest, ctx: SendContext): Promise<AttemptOutcome> {
  if (!ctx.clients) return { ok: false, retryable: false, unsent: true, error: 'no AWS clients to publish with' };
  const region = channel.region ?? topicRegion(channel.topicArn);
  if (!region) return { ok: false, retryable: false, unsent: true, error: `cannot tell the region of ${channel.topicArn}` };
  const message = JSON.stringify(fitDigest(digest, SNS_MAX_MESSAGE_BYTES));
  const fifo = channel.topicArn.endsWith('.fifo');
  const command = new PublishCommand({
    TopicArn: channel.topicArn,
    Subject: digestSubject(digest),
    Message: message,
    MessageAttributes: { format: { DataType: 'String', StringValue: DIGEST_FORMAT } },
    ...(fifo ? { MessageGroupId: 'rigwatch', MessageDeduplicationId: createHash('sha256').update(message).digest('hex').slice(0, 64) } : {}),
  });
  try {
    const out = await ctx.clients.sns(region).send(command, { abortSignal: AbortSignal.timeout(ctx.timeoutMs) });
    return { ok: true, detail: `MessageId ${out.MessageId ?? '?'}` };
  } catch (error) {
    return { ok: false, retryable: snsRetryable(error), error: awsErrorText(error, ctx.timeoutMs) };
  }
}

interface AwsLikeError {
  name?: string;
  message?: string;
  $retryable?: unknown;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Throttling, server faults, time-outs and network errors are worth another try; the rest is not. */
export function snsRetryable(error: unknown): boolean {
  const e = (error ?? {}) as AwsLikeError;
  const name = e.name ?? '';
  if (e.$retryable) return true;
  if (/^Throttl/.test(name) || name === 'InternalError' || name === 'InternalFailure' || name === 'ServiceUnavailable') return true;
  if (name === 'TimeoutError' || name === 'AbortError') return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  // No HTTP answer at all: a network error.
  return e.$fault === undefined;
}

function awsErrorText(error: unknown, timeoutMs: number): string {
  const e = (error ?? {}) as AwsLikeError;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  return `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
}

export async function sendSlack(channel: SlackChannel, digest: Digest, ctx: SendContext): Promise<AttemptOutcome> {
  const target = resolveUrl(channel, ctx.env);
  if ('error' in target) return { ok: false, retryable: false, unsent: true, error: target.error };
  return post(target.url, JSON.stringify(slackPayload(digest)), {}, ctx);
}

export async function sendWebhook(channel: WebhookChannel, digest: Digest, ctx: SendContext): Promise<AttemptOutcome> {
  const target = resolveUrl(channel, ctx.env);
  if ('error' in target) return { ok: false, retryable: false, unsent: true, error: target.error };
  const body = JSON.stringify(webhookPayload(digest));
  const headers: Record<string, string> = { ...channel.headers, 'X-Rigwatch-Format': DIGEST_FORMAT };
  if (channel.secretEnv) {
    const secret = ctx.env[channel.secretEnv];
    if (!secret) return { ok: false, retryable: false, unsent: true, error: `environment variable ${channel.secretEnv} is not set` };
    headers['X-Rigwatch-Signature'] = `sha256=${signature(secret, body)}`;
  }
  return post(target.url, body, headers, ctx);
}

/** Hex HMAC-SHA256 of the exact body bytes: what X-Rigwatch-Signature carries after `sha256=`. */
export function signature(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/** Retry-After in seconds or as an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

async function post(url: string, body: string, headers: Record<string, string>, ctx: SendContext): Promise<AttemptOutcome> {
  let response: Response;
  let text: string;
  try {
    response = await ctx.fetch(url, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'rigwatch' },
      body,
      // A redirect would re-send the digest somewhere config did not name.
      redirect: 'manual',
      signal: AbortSignal.timeout(ctx.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    return { ok: false, retryable: true, error: fetchErrorText(error, ctx.timeoutMs) };
  }
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  const status = `HTTP ${response.status}${snippet ? `: ${snippet}` : ''}`;
  if (response.status >= 200 && response.status < 300) return { ok: true, detail: `HTTP ${response.status}` };
  if (response.status === 429 || response.status >= 500) {
    const after = retryAfterMs(response.headers.get('retry-after'));
    return { ok: false, retryable: true, error: status, ...(after !== undefined ? { retryAfterMs: after } : {}) };
  }
  if (response.status >= 300 && response.status < 400) return { ok: false, retryable: false, error: `HTTP ${response.status}: redirects are not followed` };
  return { ok: false, retryable: false, error: status };
}

function fetchErrorText(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.message ?? String(error)}${cause ? ` (${cause})` : ''}`;
}
