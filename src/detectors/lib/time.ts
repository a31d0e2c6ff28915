// Time helpers. Detectors never read the wall clock: the audit's clock is `data.now` and its
// window `data.window`, both epoch milliseconds.

import type { CloudTrailRecord } from '../../providers/types.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The record's eventTime in epoch ms (NaN when unparsable, which every window test rejects). */
export function eventTimeMs(record: CloudTrailRecord): number {
  return Date.parse(record.eventTime);
}

/** The UTC date (YYYY-MM-DD) of an instant. */
export function dayKey(ms: number): string {
  return iso(ms).slice(0, 10);
}

/** Midnight UTC of a YYYY-MM-DD date. */
export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

export function addDays(day: string, days: number): string {
  return dayKey(dayStartMs(day) + days * DAY_MS);
}

/** The dates from `first` to `last`, both inclusive. */
export function daysBetween(first: string, last: string): string[] {
  const out: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) out.push(d);
  return out;
}

export function daysInMonth(day: string): number {
  const [y, m] = day.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Rounds for evidence: enough digits to read, no float noise. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
