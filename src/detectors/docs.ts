// docs/detectors.md is generated from the detectors themselves (metadata and option schemas), so
// the documentation cannot drift from the code: a test compares the file with this output.

import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { DETECTORS } from './index.js';

export function renderDetectorDocs(): string {
  const out = [
    '# Detectors',
    '',
    '<!-- Generated from src/detectors by `npm run docs`; edit the detectors, not this file. -->',
    '',
    'Each detector is one file in `src/detectors` named by its id. Its options are set under',
    '`detectors.<id>` in a `--config` file; the defaults below are `config/detectors.yaml`.',
    '',
  ];
  for (const d of DETECTORS) {
    out.push(`## ${d.meta.id}`, '', `**${d.meta.title}.** ${d.meta.description}`, '', `Reads: ${d.meta.sources.join(', ')}.`, '');
    const events = d.meta.cloudtrailEvents ?? [];
    if (events.length > 0) {
      out.push(`CloudTrail events: ${events.map((e) => `\`${e.eventName}\`${e.baseline ? ' (with baseline history)' : ''}`).join(', ')}.`, '');
    }
    out.push('| option | default | what it tunes |', '|---|---|---|');
    const schema = z.toJSONSchema(d.options, { io: 'input' }) as { properties?: Record<string, { default?: unknown; description?: string }> };
    for (const [key, prop] of Object.entries(schema.properties ?? {})) {
      out.push(`| \`${key}\` | \`${JSON.stringify(prop.default)}\` | ${(prop.description ?? '').replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

export function writeDetectorDocs(file: string): void {
  writeFileSync(file, renderDetectorDocs());
}
