// The built-in scenarios by name: the demo (the brief's incident), the quiet accounts that must
// raise nothing at or above medium, and the benchmark's large account.

import type { Scenario } from '../types.js';
import { BENIGN_SCENARIOS } from './benign.js';
import { DEMO_NAME, buildDemoScenario } from './demo.js';
import { LARGE_DEFAULT, buildLargeAccount } from './large.js';

export const BUILT_IN_SCENARIOS: Record<string, () => Scenario> = {
  [DEMO_NAME]: buildDemoScenario,
  ...BENIGN_SCENARIOS,
  'large-default': () => ({ ...buildLargeAccount(LARGE_DEFAULT), name: 'large-default' }),
};

export { BENIGN_SCENARIOS, buildAutoScalingAccount, buildBatchAccount, buildMonthStartAccount, buildNightlyCiAccount, buildSteadyAccount } from './benign.js';
export { DEMO_NAME, DEMO_NOW, buildDemo, buildDemoScenario } from './demo.js';
export { LARGE_DEFAULT, REALISTIC_LATENCY_MS, buildLarge, buildLargeAccount, type LargeAccountOptions } from './large.js';
export type { AttackManifest, MinerBatch } from './attack.js';
