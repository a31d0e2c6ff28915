// Every built-in scenario passes the scenario format's validation (src/scenario/load.ts).

import { describe, expect, it } from 'vitest';
import { BUILT_IN_SCENARIOS } from '../../src/scenario/generators/index.js';
import { buildLargeAccount } from '../../src/scenario/generators/large.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';

describe('built-in scenarios', () => {
  it('include the demo, the benign accounts and the large benchmark account', () => {
    expect(Object.keys(BUILT_IN_SCENARIOS)).toEqual([
      'brief-incident', 'benign-steady', 'benign-nightly-ci', 'benign-auto-scaling', 'benign-month-start', 'benign-batch', 'large-default',
    ]);
  });

  // large-default is validated at a smaller size: the same code paths, without parsing ~150 MB.
  const cases: [string, () => Scenario][] = [
    ...Object.entries(BUILT_IN_SCENARIOS).filter(([name]) => name !== 'large-default'),
    ['large (small, with attack)', () => buildLargeAccount({ instances: 200, regions: 6, events: 3000, costDays: 30, attack: true })],
  ];

  it.each(cases)('%s passes validation unchanged', (name, build) => {
    const scenario = build();
    expect(parseScenario(scenario, name)).toEqual(scenario);
  });
});
