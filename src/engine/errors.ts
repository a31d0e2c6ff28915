// The errors rigwatch raises on purpose. Each carries the exit code the CLI ends with (CONTRACT.md)
// and, where there is one, the underlying `cause`. Validation problems (zod) become one InputError
// whose message names every problem by file and JSON path.

import type { z } from 'zod';

export interface RigwatchErrorOptions {
  exitCode: number;
  cause?: unknown;
}

export class RigwatchError extends Error {
  readonly exitCode: number;

  constructor(message: string, options: RigwatchErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode;
  }
}

export interface InputErrorOptions {
  /** The file the input came from, as the user named it. */
  file?: string;
  /** Where in the file, as a JSON path (`ec2.instances[3].LaunchTime`). */
  path?: string;
  /** Every problem found, one `<path>: <message>` line each, when there are several. */
  issues?: string[];
  cause?: unknown;
}

/** Bad usage, bad config or bad input: exit code 2. The message reads `<file>: <path>: <problem>`. */
export class InputError extends RigwatchError {
  readonly file?: string;
  readonly path?: string;
  readonly issues?: string[];

  constructor(problem: string, options: InputErrorOptions = {}) {
    const where = [options.file, options.path].filter((part) => part !== undefined && part !== '');
    super([...where, problem].join(': '), { exitCode: 2, cause: options.cause });
    this.file = options.file;
    this.path = options.path;
    this.issues = options.issues;
  }
}

const IDENTIFIER_LIKE = /^[^.[\]"'\s]+$/;

/** `['ec2', 'instances', 3, 'LaunchTime']` → `ec2.instances[3].LaunchTime`; odd keys as `["a.b"]`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'symbol') text += `[${String(key)}]`;
    else if (IDENTIFIER_LIKE.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text;
}

/** One validation problem: where (a JSON path, possibly empty) and what. */
export interface InputIssue {
  path: string;
  message: string;
}

/**
 * The problems in a ZodError, in order. A union that failed is replaced by the problems of its one
 * plausible branch (the one that did not fail on the value's type), so a bad member object is
 * reported field by field rather than as "matches no option".
 */
export function listZodIssues(error: z.ZodError): InputIssue[] {
  return flattenIssues(error.issues, []);
}

function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): InputIssue[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union') {
      const plausible = issue.errors.filter((branch) => !isTypeMismatch(branch));
      if (plausible.length === 1 && plausible[0]) return flattenIssues(plausible[0], path);
    }
    return [{ path: formatJsonPath(path), message: issue.message }];
  });
}

function isTypeMismatch(branch: readonly z.core.$ZodIssue[]): boolean {
  return branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0;
}

/** One InputError for a list of problems: the only one inline, several listed one per line. */
export function inputErrorFromIssues(file: string | undefined, issues: InputIssue[], maxIssues = 10): InputError {
  const lines = issues.map(issueLine);
  const [first] = issues;
  if (issues.length === 1 && first) {
    return new InputError(first.message, { file, path: first.path, issues: lines });
  }
  const listed = lines.slice(0, maxIssues).map((line) => `\n  ${line}`).join('');
  const more = lines.length > maxIssues ? `\n  ... and ${lines.length - maxIssues} more` : '';
  return new InputError(`${lines.length} problems:${listed}${more}`, { file, issues: lines });
}

function issueLine(issue: InputIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

/** The problems of a failed zod parse as one InputError; see `parseInput` for readable messages. */
export function zodIssuesToInputError(file: string | undefined, error: z.ZodError, maxIssues = 10): InputError {
  return inputErrorFromIssues(file, listZodIssues(error), maxIssues);
}

/**
 * Zod error map that words problems for people who wrote the file: "required", "expected a number,
 * got string", `unknown key "foo"`. Messages a schema sets itself take precedence over it.
 */
export const readableIssueMessage: z.core.$ZodErrorMap = (issue) => {
  if (issue.input === undefined && issue.code !== 'unrecognized_keys') return 'required';
  switch (issue.code) {
    case 'invalid_type':
      return expectedGot(describeExpected(issue.expected), issue.input);
    case 'invalid_value':
      return `expected ${oneOf(issue.values.map(showValue))}, got ${showValue(issue.input)}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map(showValue).join(', ')}`;
    case 'too_small':
      return sizeLimit(issue.origin, `${issue.inclusive === false ? 'greater than' : 'at least'} ${issue.minimum}`);
    case 'too_big':
      return sizeLimit(issue.origin, `${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}`);
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_format':
      return issue.format === 'regex' ? `does not match ${issue.pattern}` : `not a valid ${issue.format}`;
    case 'invalid_key':
      return `invalid key: ${issue.issues.map((inner) => inner.message).join('; ')}`;
    case 'invalid_union':
      return unionMismatch(issue.errors, issue.input);
    default:
      return undefined;
  }
};

/**
 * Validates `value` against `schema`, with readable messages; any problem throws an InputError
 * naming `file` and the JSON path of each problem.
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, file?: string): T {
  const result = schema.safeParse(value, { error: readableIssueMessage });
  if (!result.success) throw zodIssuesToInputError(file, result.error);
  return result.data;
}

function expectedGot(expected: string, input: unknown): string {
  if (expected === 'an integer' && typeof input === 'number') return `expected an integer, got ${input}`;
  return `expected ${expected}, got ${typeOfValue(input)}`;
}

const EXPECTED_WORDING: Record<string, string> = {
  int: 'an integer',
  array: 'an array',
  tuple: 'an array',
  object: 'an object',
  record: 'an object',
  null: 'null',
};

function describeExpected(expected: string): string {
  return EXPECTED_WORDING[expected] ?? `a ${expected}`;
}

function typeOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

/** A scalar as written in the file; anything bigger by its type. */
function showValue(value: unknown): string {
  const scalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null;
  return scalar ? JSON.stringify(value) : typeOfValue(value);
}

function unionMismatch(branches: readonly (readonly z.core.$ZodIssue[])[], input: unknown): string {
  const expected = branches.map((branch) => {
    const [only] = branch;
    return branch.length === 1 && only?.code === 'invalid_type' ? describeExpected(only.expected) : undefined;
  });
  if (expected.every((text) => text !== undefined)) return expectedGot(expected.join(' or '), input);
  return 'matches none of the allowed forms';
}

function sizeLimit(origin: string, bound: string): string {
  const counted = origin === 'string' || origin === 'array' || origin === 'set';
  if (counted && bound === 'at least 1') return 'must not be empty';
  if (origin === 'string') return `must be ${bound} characters long`;
  if (counted) return `must have ${bound} items`;
  return `must be ${bound}`;
}

function oneOf(options: string[]): string {
  return options.length === 1 ? (options[0] ?? '') : `one of ${options.join(', ')}`;
}
