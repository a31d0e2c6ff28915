// Delivering a digest to one channel, with retries: exponential backoff with jitter, on network
// errors, time-outs, HTTP 5xx and 429 (Retry-After honoured, capped) and SNS throttling or server
// faults; never on another 4xx, which is reported at once. A result never carries a URL.

import { setTimeout as delay } from 'node:timers/promises';
import type { AwsClients } from '../providers/aws/clients.js';
import { channelName, sendSlack, sendSns, sendWebhook, type AttemptOutcome, type Channel, type SendContext } from './channels.js';
import { isEmptyDigest } from './digest.js';
import { redactText, WEBHOOK_URL } from './redact.js';
import type { DeliveryResult, Digest } from './types.js';

export interface DeliverOptions {
  /** Retries after the first attempt (config notify.retries). */
  retries: number;
  /** Per attempt (config notify.timeoutMs). */
  timeoutMs: number;
  /** The first retry's base delay; it doubles each retry (config notify.backoffMs). */
  backoffMs: number;
  /** The longest wait, Retry-After included (default 30 s). */
  maxDelayMs?: number;
  /** The channel's position in config, for its name when it has no id. */
  index?: number;
  /** For SNS channels. */
  clients?: AwsClients;
  /** Where urlEnv and secretEnv are looked up (default process.env). */
  env?: Record<string, string | undefined>;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  fetch?: typeof fetch;
}

export const DEFAULT_MAX_DELAY_MS = 30_000;

/** Backoff before retry `n` (1-based): backoffMs * 2^(n-1), jittered to 50-100%, capped. */
export function backoffDelay(n: number, backoffMs: number, maxDelayMs: number, random: () => number): number {
  const base = Math.min(maxDelayMs, backoffMs * 2 ** (n - 1));
  return Math.round(base / 2 + (base / 2) * random());
}

export async function deliver(channel: Channel, digest: Digest, options: DeliverOptions): Promise<DeliveryResult> {
  const result: DeliveryResult = {
    channel: channelName(channel, options.index ?? 0),
    type: channel.type,
    status: 'skipped',
    attempts: 0,
    findingIds: digest.items.map((i) => i.finding.id),
  };
  if (isEmptyDigest(digest)) return result;

  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const random = options.random ?? Math.random;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const env = options.env ?? process.env;
  const ctx: SendContext = { timeoutMs: options.timeoutMs, env, clients: options.clients, fetch: options.fetch ?? globalThis.fetch };
  // Strings no message may repeat: the channel's URL, wherever it came from.
  const secrets = urlsOf(channel, env);

  const maxAttempts = 1 + Math.max(0, options.retries);
  let last: AttemptOutcome | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    last = await attemptOnce(channel, digest, ctx);
    if (last.ok || !last.unsent) result.attempts = attempt;
    if (last.ok || !last.retryable || attempt === maxAttempts) break;
    const wait = last.retryAfterMs !== undefined
      ? Math.min(maxDelayMs, last.retryAfterMs)
      : backoffDelay(attempt, options.backoffMs, maxDelayMs, random);
    await sleep(wait);
  }
  if (!last) return result;
  if (last.ok) return { ...result, status: 'sent', detail: scrub(last.detail, secrets) };
  const tries = result.attempts > 1 ? ` (after ${result.attempts} attempts)` : '';
  return { ...result, status: 'failed', error: `${scrub(last.error, secrets)}${tries}`, ...(last.detail ? { detail: scrub(last.detail, secrets) } : {}) };
}

/** Each channel in parallel; results in config order. */
export async function deliverAll(channels: Channel[], digest: Digest, options: Omit<DeliverOptions, 'index'>): Promise<DeliveryResult[]> {
  return Promise.all(channels.map((c, index) => deliver(c, digest, { ...options, index })));
}

async function attemptOnce(channel: Channel, digest: Digest, ctx: SendContext): Promise<AttemptOutcome> {
  try {
    switch (channel.type) {
      case 'sns': return await sendSns(channel, digest, ctx);
      case 'slack': return await sendSlack(channel, digest, ctx);
      case 'webhook': return await sendWebhook(channel, digest, ctx);
    }
  } catch (error) {
    // A bug or an unexpected throw: report it, do not retry it.
    return { ok: false, retryable: false, error: (error as Error)?.message ?? String(error) };
  }
}

/** A message as a report may show it: the channel's URL and secrets, and any other URL, removed. */
function scrub(text: string, secrets: string[]): string {
  return redactText(text, secrets).replace(/\bhttps?:\/\/[^\s"'<>]+/gi, WEBHOOK_URL);
}

function urlsOf(channel: Channel, env: Record<string, string | undefined>): string[] {
  if (channel.type === 'sns') return [];
  const out: string[] = [];
  if (channel.url) out.push(channel.url);
  if (channel.urlEnv && env[channel.urlEnv]) out.push(env[channel.urlEnv] as string);
  if (channel.type === 'webhook' && channel.secretEnv && env[channel.secretEnv]) out.push(env[channel.secretEnv] as string);
  // Also the URL without its query or trailing slash, as error messages sometimes quote it.
  for (const u of [...out]) {
    try {
      const parsed = new URL(u);
      out.push(`${parsed.origin}${parsed.pathname}`, parsed.href);
      if (parsed.pathname.length > 1) out.push(parsed.pathname);
    } catch {
      // not a URL (a signing secret)
    }
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}
