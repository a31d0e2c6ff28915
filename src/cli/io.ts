// Where output goes: the report to stdout or --output (written whole or not at all), progress
// to stderr only when a person is watching.

import { rename, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export async function writeOutput(text: string, file?: string): Promise<void> {
  if (!file) {
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
    return;
  }
  // A temporary file beside the target, renamed over it: a reader never sees half a report.
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, file.endsWith('.gz') ? gzipSync(text) : text);
  await rename(tmp, file);
}

export interface Progress {
  (message: string): void;
  done(): void;
}

export function stderrProgress(enabled: boolean): Progress {
  const active = enabled && process.stderr.isTTY === true;
  let last = 0;
  const progress = ((message: string) => {
    if (!active) return;
    const now = Date.now();
    if (now - last < 80) return;
    last = now;
    const width = (process.stderr.columns ?? 80) - 1;
    process.stderr.write(`\r\x1b[2K${`rigwatch: ${message}`.slice(0, width)}`);
  }) as Progress;
  progress.done = () => {
    if (active) process.stderr.write('\r\x1b[2K');
  };
  return progress;
}
