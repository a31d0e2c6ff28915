// Client-side rate limiting, so rigwatch stays inside AWS's published per-account, per-region
// limits instead of leaning on throttling errors and retries (AWS-FACTS.md: LookupEvents allows
// 2 calls a second per region; EC2 describes a 100-call bucket refilled at 20 a second).

import type { Client } from './client-types.js';
import { actionName } from './api-calls.js';

export interface RateLimit {
  /** Calls a second, sustained. */
  rate: number;
  /** Calls that may go at once before the rate applies. */
  burst: number;
}

/** EC2's mutating calls have a bucket per action: 50 burst, 5 a second per region. */
const EC2_MUTATING = [
  'CreateSnapshots', 'CreateSnapshot', 'ModifyInstanceAttribute', 'CreateTags', 'DeleteTags', 'CreateSecurityGroup',
  'AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress',
  'StopInstances', 'StartInstances',
];

/** Limits by action (`service:Operation`) or service (`service:*`), per region. */
export const DEFAULT_RATE_LIMITS: Record<string, RateLimit> = {
  'cloudtrail:LookupEvents': { rate: 2, burst: 1 },
  ...Object.fromEntries(EC2_MUTATING.map((op) => [`ec2:${op}`, { rate: 5, burst: 20 }])),
  'ec2:*': { rate: 20, burst: 50 },
  'cloudwatch:GetMetricData': { rate: 25, burst: 10 },
  'iam:*': { rate: 10, burst: 10 },
  'ce:*': { rate: 4, burst: 2 },
};

class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly limit: RateLimit) {
    this.tokens = limit.burst;
    this.last = performance.now();
  }

  /** Resolves when a call may go; callers are served in order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.waitForToken());
    this.queue = turn;
    return turn;
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      const now = performance.now();
      this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) / 1000) * this.limit.rate);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - this.tokens) / this.limit.rate) * 1000)));
    }
  }
}

export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly limits: Record<string, RateLimit> = DEFAULT_RATE_LIMITS) {}

  /** Waits for the bucket of `action` in `region`; actions without a limit go at once. */
  async take(action: string, region: string): Promise<void> {
    const service = action.split(':')[0] ?? action;
    const key = this.limits[action] ? action : this.limits[`${service}:*`] ? `${service}:*` : undefined;
    if (!key) return;
    const bucketKey = `${key}@${region}`;
    let bucket = this.buckets.get(bucketKey);
    if (!bucket) {
      bucket = new TokenBucket(this.limits[key] as RateLimit);
      this.buckets.set(bucketKey, bucket);
    }
    await bucket.take();
  }

  /** Limits every call the client makes, retries included (the retry loop is outside this step). */
  attach(client: Client, region: string): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        await this.take(actionName(String(context.clientName), String(context.commandName)), region);
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'rigwatchRateLimiter' },
    );
  }
}
