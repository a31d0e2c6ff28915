// The policy `rigwatch policy` prints must be exactly what an audit calls: nothing missing (the
// audit would fail with AccessDenied) and nothing extra (least privilege).

import { describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit.js';
import { loadConfig } from '../../src/engine/config.js';
import { scenarioTarget } from '../../src/engine/target.js';
import { auditActions, auditPolicy } from '../../src/providers/aws/permissions.js';
import { buildDemoScenario } from '../../src/scenario/generators/demo.js';
import { parseScenario } from '../../src/scenario/load.js';

/**
 * Declared actions an audit of the demo account does not reach, each with why it is still needed.
 * GetAccessKeyLastUsed: only for a key the credential report (regenerated at most every 4 hours)
 * does not list yet — the simulated account's report is always fresh.
 */
const CONDITIONAL = new Set(['iam:GetAccessKeyLastUsed']);

describe('audit permissions', () => {
  it('declares exactly the calls an audit makes', async () => {
    const target = scenarioTarget(parseScenario(buildDemoScenario(), 'demo'), 'demo');
    const config = await loadConfig();
    await runAudit({ config, clients: target.clients, now: target.now, since: target.now - 7 * 86_400_000 });
    const called = Object.keys(target.clients.calls.snapshot()).sort();
    const declared = auditActions();
    expect(called.filter((a) => !declared.includes(a))).toEqual([]);
    expect(declared.filter((a) => !called.includes(a) && !CONDITIONAL.has(a))).toEqual([]);
    // The simulated account saw the same calls the client counted.
    expect(Object.keys(target.simulated?.callCounts() ?? {}).sort()).toEqual(called);
  });

  it('is read-only', () => {
    const policy = auditPolicy();
    const actions = policy.Statement.flatMap((s) => s.Action);
    const writes = actions.filter((a) => !/^[a-z0-9-]+:(Describe|Get|List|Lookup|Generate)/.test(a));
    // GenerateCredentialReport writes nothing but the report itself; everything else reads.
    expect(writes).toEqual([]);
    expect(policy.Statement.every((s) => s.Effect === 'Allow' && s.Resource === '*')).toBe(true);
  });
});
