import { createHash } from 'node:crypto';

/**
 * A finding's id: the same finding gets the same id on every run (CONTRACT.md). It hashes what
 * identifies the finding (detector, account, region and a detector-chosen key such as a group
 * rule or an actor), never what changes between runs (times, counts, dollars).
 */
export function findingId(detector: string, account: string, region: string, ...key: string[]): string {
  const digest = createHash('sha256').update([detector, account, region, ...key].join('\u0000')).digest('hex');
  return `${detector}:${digest.slice(0, 16)}`;
}
