import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderRemediationDocs } from '../../src/remediation/docs.js';
import { ACTIONS } from '../../src/remediation/index.js';
import { ACTION_IDS } from '../../src/remediation/types.js';

describe('docs/remediation.md', () => {
  const text = readFileSync(new URL('../../docs/remediation.md', import.meta.url), 'utf8');

  it('is what `npm run docs` generates from the actions', () => {
    expect(text, 'docs/remediation.md is stale: run `npm run docs`').toBe(renderRemediationDocs());
  });

  it('has a page for every action, saying what it does, what it needs and how it is undone', () => {
    expect([...ACTIONS.keys()]).toEqual([...ACTION_IDS]);
    for (const action of ACTIONS.values()) {
      expect(text).toContain(`\n## ${action.id}\n`);
      expect(action.description.length).toBeGreaterThan(80);
      expect(action.permissions.length).toBeGreaterThan(0);
    }
  });
});
