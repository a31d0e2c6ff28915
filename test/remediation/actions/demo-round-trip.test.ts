// Every action together on the brief's incident, through the runner as `rigwatch remediate` runs
// them: the demo account is audited, its whole plan applied and then rolled back. What the
// actions change must come back exactly (except the snapshots and isolation groups they keep),
// and nothing may be called that the enabled actions do not declare.

import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../../src/engine/audit.js';
import { loadConfig } from '../../../src/engine/config.js';
import { AwsClients } from '../../../src/providers/aws/clients.js';
import { RateLimiter } from '../../../src/providers/aws/rate-limit.js';
import { ACTIONS, remediationPermissions } from '../../../src/remediation/index.js';
import { MemoryJournal } from '../../../src/remediation/memory-journal.js';
import { planRemediation } from '../../../src/remediation/planner.js';
import { remediationConfig as loadRemediationConfig } from './harness.js';
import { applyPlan, rollbackRun, type StepReport } from '../../../src/remediation/runner.js';
import type { PlannedStep } from '../../../src/remediation/types.js';
import { buildDemoScenario } from '../../../src/scenario/generators/demo.js';
import { parseScenario } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/types.js';
import { SimulatedAccount } from '../../../src/simulator/index.js';

const RUN = 'rw-demo';

/** What remediation may change, normalised (tags in key order, defaults filled in, rule ids left out). */
function state(s: Scenario) {
  const byKey = <T extends { Key: string }>(tags: T[] | undefined) => [...(tags ?? [])].sort((a, b) => a.Key.localeCompare(b.Key));
  // A group's rules are a set: AWS keeps no order, and re-authorized rules come back in another.
  const rules = (permissions: unknown[]) => permissions.map((p) => JSON.stringify(p, (k, v: unknown) => (k === 'SecurityGroupRuleId' ? undefined : v))).sort();
  return {
    instances: s.ec2!.instances!.map((i) => ({
      id: i.InstanceId, state: i.State.Name, groups: i.SecurityGroups, tags: byKey(i.Tags),
      protection: i.DisableApiTermination ?? false, shutdown: i.InstanceInitiatedShutdownBehavior ?? 'stop',
    })),
    // The isolation groups are kept (quarantine-instance's `irreversible`): compared separately.
    groups: s.ec2!.securityGroups!.filter((g) => !g.GroupName.startsWith('rigwatch-isolation'))
      .map((g) => ({ id: g.GroupId, in: rules(g.IpPermissions), out: rules(g.IpPermissionsEgress) })),
    iam: s.iam,
  };
}

describe('the brief\'s incident: apply the whole plan, then roll it back', () => {
  let scenario: Scenario;
  let account: SimulatedAccount;
  let before: ReturnType<typeof state>;
  let steps: PlannedStep[];
  let applied: StepReport[];
  let afterApply: ReturnType<typeof state>;
  let undone: StepReport[];
  let enabled: Parameters<typeof remediationPermissions>[0];
  const calls = { audit: {} as Record<string, number>, total: {} as Record<string, number> };

  beforeAll(async () => {
    scenario = parseScenario({ ...buildDemoScenario(), simulation: { enforceLimits: false } }, 'demo');
    account = new SimulatedAccount(scenario);
    const clients = new AwsClients({ credentials: { accessKeyId: 'AKIASIMULATED000000', secretAccessKey: 'simulated' }, decorate: (c, r) => account.attach(c, r), rateLimiter: new RateLimiter({}) });
    const now = Date.parse(scenario.now);
    const { report, data } = await runAudit({ config: await loadConfig(), clients, now, since: now - 7 * 86_400_000 });
    calls.audit = account.callCounts();
    before = state(scenario);
    const config = await loadRemediationConfig({ actions: { 'quarantine-instance': { stop: true } } });
    enabled = config.enabled;
    ({ steps } = planRemediation({ findings: report.findings, data, runId: RUN }, config, data.caller?.arn));
    const journal = new MemoryJournal();
    applied = await applyPlan({ runId: RUN, mode: 'apply', account: data.account.id, createdAt: scenario.now, steps }, ACTIONS, journal, { clients, runId: RUN, now, callerArn: data.caller?.arn });
    afterApply = state(scenario);
    undone = await rollbackRun(RUN, `${RUN}-rollback`, ACTIONS, journal, { clients, runId: `${RUN}-rollback`, now });
    calls.total = account.callCounts();
    clients.destroy();
  }, 120_000);

  it('applies every step', () => {
    expect(applied.filter((s) => s.status !== 'done').map((s) => `${s.id}: ${s.status} ${s.reason ?? ''}`)).toEqual([]);
    expect(applied.length).toBeGreaterThan(1000);
  });

  it('contains every miner: isolated, stopped, protected, tagged', () => {
    const quarantined = afterApply.instances.filter((i) => i.tags.some((t) => t.Key === 'rigwatch:quarantined' && t.Value === RUN));
    expect(quarantined).toHaveLength(129);
    for (const i of quarantined) {
      expect(i).toMatchObject({ state: 'stopped', protection: true, shutdown: 'stop' });
      expect(i.groups?.map((g) => g.GroupName)).toEqual(['rigwatch-isolation']);
    }
  });

  it('rolls back every step it applied, and the account is as it was', () => {
    expect(undone.filter((s) => s.status === 'failed').map((s) => `${s.id}: ${s.reason ?? ''}`)).toEqual([]);
    expect(state(scenario)).toEqual(before);
  });

  it('keeps the evidence: one snapshot per miner volume, and the isolation groups', () => {
    const snapshots = (scenario.ec2!.snapshots ?? []).filter((s) => ((s.Tags ?? []) as { Key: string; Value: string }[]).some((t) => t.Key === 'rigwatch:quarantined' && t.Value === RUN));
    expect(snapshots).toHaveLength(129);
    expect(scenario.ec2!.securityGroups!.filter((g) => g.GroupName.startsWith('rigwatch-isolation'))).toHaveLength(2 * 5);
  });

  it('calls nothing, applying or rolling back, that the enabled actions do not declare', () => {
    const remediation = Object.keys(calls.total).filter((k) => (calls.total[k] ?? 0) > (calls.audit[k] ?? 0));
    expect(remediation.filter((c) => !remediationPermissions(enabled).includes(c))).toEqual([]);
    expect(remediation.length).toBeGreaterThan(20);
  });
});
