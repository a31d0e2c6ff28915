// Safe reads from CloudTrail's free-form JSON (requestParameters, responseElements, ...): the
// shapes differ between API versions and event names, and a detector must never throw on them.

/** The value at `path` inside `value`, or undefined when any step is missing or not an object. */
export function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A number, also from the numeric strings some CloudTrail fields carry. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** CloudTrail's EC2 lists come as `{ items: [...] }`; other services use plain arrays; one object means one item. */
export function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  const items = field(value, 'items');
  if (Array.isArray(items)) return items;
  if (value !== null && typeof value === 'object' && items === undefined) return [value];
  return [];
}

/** Booleans as CloudTrail writes them: true/false or "true"/"false". */
export function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}
