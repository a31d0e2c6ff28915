// Opaque pagination tokens for the simulated services. A token carries a position and a
// fingerprint of the query it belongs to, so a token reused with a different query is rejected,
// as AWS rejects it.

import { createHash } from 'node:crypto';

function stable(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = stable(v);
    }
    return out;
  }
  return value;
}

/** A short hash of everything that defines a query (never the page size or the token itself). */
export function queryFingerprint(query: unknown): string {
  return createHash('sha256').update(JSON.stringify(stable(query))).digest('base64url').slice(0, 16);
}

/** The query an input describes: the input without NextToken and the page size. */
export function queryOf(input: Record<string, unknown>, extra: Record<string, unknown>, pageSizeMember = 'MaxResults'): unknown {
  const { NextToken: _token, [pageSizeMember]: _size, ...rest } = input;
  return { ...extra, ...rest };
}

export function encodeToken(position: unknown, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ p: position, f: fingerprint })).toString('base64url');
}

/** The position a token carries, or undefined when the token is malformed or for another query. */
export function decodeToken(token: string, fingerprint: string): unknown {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { p?: unknown; f?: unknown };
    return parsed.f === fingerprint ? parsed.p : undefined;
  } catch {
    return undefined;
  }
}
