// `--since 7d`, `--since 90m`, `--since 2026-11-20T00:00:00Z`: a window start from an option.

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90m`, `24h`, `7d`, `2w` in milliseconds, or undefined when `value` is not a duration. */
export function parseDuration(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([mhdw])$/.exec(value.trim());
  return m ? Number(m[1]) * (UNITS[m[2] as string] as number) : undefined;
}

/** The epoch ms the window starts at, or undefined when `value` is neither a duration nor an ISO instant. */
export function parseSince(value: string, now: number): number | undefined {
  const duration = parseDuration(value);
  if (duration !== undefined) return now - duration;
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}
