// Reading a saved JSON report back (`rigwatch report <file>`): checked enough that a renderer
// never meets a shape it does not know, with the file and JSON path named when it is wrong.

import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { SEVERITIES } from '../detectors/types.js';
import { InputError, parseInput } from '../engine/errors.js';
import { REPORT_FORMAT, type Report } from '../engine/report.js';

const reportShape = z.looseObject({
  format: z.literal(REPORT_FORMAT, { message: `not a rigwatch report (expected format "${REPORT_FORMAT}")` }),
  account: z.string(),
  generatedAt: z.string(),
  window: z.looseObject({ start: z.string(), end: z.string() }),
  coverage: z.array(z.looseObject({ source: z.string(), region: z.string(), status: z.enum(['ok', 'error', 'skipped']) })),
  findings: z.array(z.looseObject({
    id: z.string(), detector: z.string(), severity: z.enum(SEVERITIES), title: z.string(), account: z.string(), region: z.string(),
    resources: z.array(z.looseObject({ type: z.string(), id: z.string() })), evidence: z.record(z.string(), z.unknown()),
  })),
  incidents: z.array(z.looseObject({ id: z.string(), title: z.string(), findings: z.array(z.string()) })).optional(),
  stats: z.looseObject({ apiCalls: z.record(z.string(), z.number()), durationMs: z.number() }),
});

export async function readReport(file: string): Promise<Report> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new InputError(`cannot read the report: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { file, cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
  } catch (error) {
    throw new InputError(`not JSON: ${(error as Error).message}`, { file, cause: error });
  }
  return parseInput(reportShape, value, file) as unknown as Report;
}
