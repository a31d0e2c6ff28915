// Pieces every detector's findings share: bounded evidence lists, severity arithmetic, the
// `enabled` option, and the remediation ids the remediation engine implements.

import { z } from 'zod';
import { SEVERITIES, SEVERITY_RANK, type Severity } from '../types.js';

/** At most this many ids inline in `evidence`; `resources` carries all of them. */
const EVIDENCE_LIST_MAX = 50;

export function bounded<T>(items: readonly T[], max = EVIDENCE_LIST_MAX): T[] {
  return items.slice(0, max);
}

export function maxSeverity(severities: Iterable<Severity>): Severity {
  let best: Severity = 'info';
  for (const s of severities) if (SEVERITY_RANK[s] > SEVERITY_RANK[best]) best = s;
  return best;
}

/** `steps` levels less severe, never below `floor`. */
export function lowerSeverity(severity: Severity, steps = 1, floor: Severity = 'info'): Severity {
  const rank = Math.max(SEVERITY_RANK[floor], SEVERITY_RANK[severity] - steps);
  return SEVERITIES.find((s) => SEVERITY_RANK[s] === rank) ?? floor;
}

export const REMEDIATIONS = [
  'quarantine-instance', 'revoke-ingress', 'disable-access-key', 'revoke-sessions', 'quarantine-principal', 'stop-instance',
] as const;
export type Remediation = (typeof REMEDIATIONS)[number];

/** Every detector's first option: whether it runs. */
export const enabledOption = z.boolean().default(true).describe('Run this detector.');

export const severityOption = z.enum(SEVERITIES);

/** Counts by key, sorted by count descending then key (stable evidence). */
export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}
