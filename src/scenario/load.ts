// Reading scenario files: JSON or YAML, optionally gzip-compressed, validated against the schema.
// Organization members given as paths are read the same way, relative to the scenario file. Every
// problem with the input is reported as an InputError naming the file and where in it.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { constants as bufferConstants } from 'node:buffer';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { LineCounter, parseDocument } from 'yaml';
import {
  InputError,
  inputErrorFromIssues,
  listZodIssues,
  parseInput,
  readableIssueMessage,
  type InputIssue,
} from '../engine/errors.js';
import { scenarioAccountSchema, scenarioSchema } from './schema.js';
import type { Scenario, ScenarioAccount } from './types.js';

type Syntax = 'json' | 'yaml';

const EXTENSIONS: Record<string, Syntax> = { '.json': 'json', '.yaml': 'yaml', '.yml': 'yaml' };
const ACCEPTED = Object.keys(EXTENSIONS).flatMap((ext) => [ext, `${ext}.gz`]);

// Beyond this a file cannot become one JavaScript string.
const MAX_TEXT_BYTES = bufferConstants.MAX_STRING_LENGTH;

const gunzipAsync = promisify(gunzip);

/** Reads, parses and validates a scenario file, member files included. */
export async function loadScenarioFile(file: string): Promise<Scenario> {
  const scenario = parseInput(scenarioSchema, await readDocument(file), file);
  return resolveMembers(scenario, file);
}

/** Validates an in-memory scenario (a built-in or generated one); `source` names it in messages. */
export function parseScenario(value: unknown, source: string): Scenario {
  const scenario = parseInput(scenarioSchema, value, source);
  const fileMember = scenario.members?.findIndex((member) => typeof member === 'string') ?? -1;
  if (fileMember >= 0) {
    throw new InputError('a member given as a file path needs a scenario file to resolve it against', {
      file: source,
      path: `members[${fileMember}]`,
    });
  }
  return scenario;
}

/** The parsed content of a JSON or YAML file, gzip-compressed or not. */
async function readDocument(file: string): Promise<unknown> {
  const { syntax, gzipped } = fileKind(file);
  const bytes = await readBytes(file);
  const text = decodeText(gzipped ? await gunzipBytes(bytes, file) : bytes, file);
  return syntax === 'json' ? parseJson(text, file) : parseYaml(text, file);
}

function fileKind(file: string): { syntax: Syntax; gzipped: boolean } {
  const name = file.toLowerCase();
  const gzipped = name.endsWith('.gz');
  const syntax = EXTENSIONS[path.extname(gzipped ? name.slice(0, -'.gz'.length) : name)];
  if (!syntax) throw new InputError(`unknown file type; expected one of ${ACCEPTED.join(', ')}`, { file });
  return { syntax, gzipped };
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new InputError(`cannot read ${file}: ${READ_ERRORS[code] ?? (error as Error).message}`, { cause: error });
  }
}

async function gunzipBytes(bytes: Buffer, file: string): Promise<Buffer> {
  try {
    return await gunzipAsync(bytes, { maxOutputLength: MAX_TEXT_BYTES });
  } catch (error) {
    const problem = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'too large once decompressed' : 'not valid gzip';
    throw new InputError(problem, { file, cause: error });
  }
}

function decodeText(bytes: Buffer, file: string): string {
  if (bytes.length > MAX_TEXT_BYTES) throw new InputError(`too large (over ${MAX_TEXT_BYTES} bytes)`, { file });
  const text = bytes.toString('utf8');
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const offset = Number(/at position (\d+)/.exec(message)?.[1] ?? jsonErrorOffset(text));
    // Drop V8's position and quoted excerpt: the line and column say where.
    const reason = message.replace(/ in JSON at position \d+.*$/s, '').replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '');
    throw new InputError(`invalid JSON at ${lineAndColumn(text, offset)}: ${reason}`, { file, cause: error });
  }
}

function parseYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const [error] = document.errors;
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new InputError(`invalid YAML at line ${line}, column ${col}: ${error.message}`, { file, cause: error });
  }
  try {
    return document.toJS();
  } catch (cause) {
    // Unresolved aliases and too many alias expansions surface only here.
    throw new InputError(`invalid YAML: ${(cause as Error).message}`, { file, cause });
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

// Node 20's JSON.parse gives no position for an unexpected token, so the first offending offset
// is found by scanning the text again, without building any value. Problems inside a string (bad
// escapes, control characters) come with a position from JSON.parse, so strings are scanned loosely.
const JSON_STRING = /"[^"\\]*(?:\\.[^"\\]*)*"/sy;
const JSON_SCALAR = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
const JSON_WHITESPACE = /[ \t\n\r]*/y;

function jsonErrorOffset(text: string): number {
  const closers: string[] = [];
  let expect: 'value' | 'firstValue' | 'key' | 'firstKey' | 'next' = 'value';
  let i = 0;
  const skip = (pattern: RegExp): boolean => {
    pattern.lastIndex = i;
    if (!pattern.test(text)) return false;
    i = pattern.lastIndex;
    return true;
  };
  for (;;) {
    skip(JSON_WHITESPACE);
    const char = text[i];
    const closer = closers.at(-1);
    if (expect === 'next') {
      if (closer === undefined || (char !== ',' && char !== closer)) return i;
      i += 1;
      if (char === closer) closers.pop();
      expect = char === closer ? 'next' : closer === '}' ? 'key' : 'value';
    } else if ((expect === 'firstKey' || expect === 'firstValue') && char === closer) {
      i += 1;
      closers.pop();
      expect = 'next';
    } else if (expect === 'key' || expect === 'firstKey') {
      if (!skip(JSON_STRING)) return i;
      skip(JSON_WHITESPACE);
      if (text[i] !== ':') return i;
      i += 1;
      expect = 'value';
    } else if (char === '{' || char === '[') {
      i += 1;
      closers.push(char === '{' ? '}' : ']');
      expect = char === '{' ? 'firstKey' : 'firstValue';
    } else {
      if (!skip(JSON_STRING) && !skip(JSON_SCALAR)) return i;
      expect = 'next';
    }
  }
}

type MemberResult = { account: ScenarioAccount } | { issues: InputIssue[] };

/** Replaces members given as paths with the accounts in those files, reporting all their problems. */
async function resolveMembers(scenario: Scenario, file: string): Promise<Scenario> {
  const members = scenario.members;
  if (!members?.some((member) => typeof member === 'string')) return scenario;
  const baseDir = path.dirname(file);
  const results = await Promise.all(
    members.map((member, index): MemberResult | Promise<MemberResult> =>
      typeof member === 'string' ? loadMember(baseDir, member, index) : { account: member },
    ),
  );
  const accounts: ScenarioAccount[] = [];
  const issues: InputIssue[] = [];
  for (const result of results) {
    if ('issues' in result) issues.push(...result.issues);
    else accounts.push(result.account);
  }
  if (issues.length > 0) throw inputErrorFromIssues(file, issues);
  return { ...scenario, members: accounts };
}

async function loadMember(baseDir: string, memberPath: string, index: number): Promise<MemberResult> {
  let value: unknown;
  try {
    value = await readDocument(path.isAbsolute(memberPath) ? memberPath : path.join(baseDir, memberPath));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { issues: [{ path: `members[${index}]`, message: error.message }] };
  }
  const result = scenarioAccountSchema.safeParse(value, { error: readableIssueMessage });
  if (result.success) return { account: result.data };
  const where = `members[${index}] (${memberPath})`;
  const issues = listZodIssues(result.error).map((issue) => ({
    path: issue.path === '' ? where : `${where}: ${issue.path}`,
    message: issue.message,
  }));
  return { issues };
}
