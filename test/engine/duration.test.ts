// Durations and window starts from options: `--since 7d`, `ack --until 1.5d`.

import { describe, expect, it } from 'vitest';
import { parseDuration, parseSince } from '../../src/engine/duration.js';

const NOW = Date.parse('2026-11-27T09:00:00Z');

describe('durations', () => {
  const cases: [string, number | undefined][] = [
    ['90m', 90 * 60_000], ['24h', 86_400_000], ['1.5d', 1.5 * 86_400_000], ['2w', 14 * 86_400_000],
    ['7', undefined], ['7s', undefined], ['2026-11-20', undefined], ['-1d', undefined],
  ];
  for (const [text, ms] of cases) it(`${text} -> ${ms}`, () => expect(parseDuration(text)).toBe(ms));

  it('a window start is a duration back from now, or an instant as it is', () => {
    expect(parseSince('1.5d', NOW)).toBe(NOW - 1.5 * 86_400_000);
    expect(parseSince('2026-11-20T00:00:00Z', NOW)).toBe(Date.parse('2026-11-20T00:00:00Z'));
    expect(parseSince('yesterday', NOW)).toBeUndefined();
  });
});
