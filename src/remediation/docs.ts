// docs/remediation.md is generated from the actions themselves (description, permissions,
// options, what undo cannot restore), so the page per action cannot drift from the code; a test
// compares the file with this output.

import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ACTIONS } from './index.js';

export function renderRemediationDocs(): string {
  const out = [
    '# Remediation actions',
    '',
    '<!-- Generated from src/remediation/actions by `npm run docs`; edit the actions, not this file. -->',
    '',
    'Each action is one module in `src/remediation/actions`. It plans steps from an audit\'s findings,',
    'applies them (`rigwatch remediate --apply`), and undoes them (`rigwatch rollback <run id> --apply`).',
    'Options are set under `remediation.actions.<id>` in a `--config` file; the defaults are',
    '`config/remediation.yaml`. `rigwatch policy --remediation` prints the union of the permissions',
    'of the enabled actions.',
    '',
  ];
  for (const action of ACTIONS.values()) {
    out.push(`## ${action.id}`, '', `**${action.title}.** ${action.description}`, '');
    out.push(`**Undo:** ${action.irreversible ? `restores what the steps changed, except: ${action.irreversible}` : 'restores everything the steps changed.'}`, '');
    out.push(`**Permissions:** ${[...action.permissions].sort().map((p) => `\`${p}\``).join(', ')}.`, '');
    const schema = z.toJSONSchema(action.options, { io: 'input' }) as { properties?: Record<string, { default?: unknown; description?: string }> };
    const props = Object.entries(schema.properties ?? {});
    if (props.length > 0) {
      out.push('| option | default | what it tunes |', '|---|---|---|');
      for (const [key, prop] of props) out.push(`| \`${key}\` | \`${JSON.stringify(prop.default)}\` | ${(prop.description ?? '').replace(/\|/g, '\\|')} |`);
      out.push('');
    }
  }
  return out.join('\n');
}

export function writeRemediationDocs(file: string): void {
  writeFileSync(file, renderRemediationDocs());
}
