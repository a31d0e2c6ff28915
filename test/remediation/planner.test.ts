// The planner over the brief's incident (the demo account, audited for real) and over small
// variations of it: what gets planned, what is refused and why, and in which order.

import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Finding } from '../../src/detectors/types.js';
import { runAudit } from '../../src/engine/audit.js';
import { loadConfig } from '../../src/engine/config.js';
import { scenarioTarget } from '../../src/engine/target.js';
import type { AuditData } from '../../src/providers/types.js';
import { ACTION_MODULES, ACTIONS, remediationPermissions, remediationPolicy } from '../../src/remediation/index.js';
import {
  countResources, DEFAULT_ENABLED, parseRemediationConfig, planRemediation, type RemediationConfig, type RemediationPlan,
} from '../../src/remediation/planner.js';
import { ACTION_IDS, type ActionId, type PlannedStep } from '../../src/remediation/types.js';
import { buildDemo } from '../../src/scenario/generators/demo.js';
import { parseScenario } from '../../src/scenario/load.js';
import { remediationConfig as loadRemediationConfig } from './actions/harness.js';

const RUN = 'run-demo';
const ACCOUNT = '111122223333';
const AUDITOR = `arn:aws:sts::${ACCOUNT}:assumed-role/rigwatch-auditor/rigwatch`;

let findings: Finding[];
let data: AuditData;
let miners: Set<string>;
let webServer: string;
let defaults: RemediationConfig;

beforeAll(async () => {
  const { scenario, attack } = buildDemo();
  const target = scenarioTarget(parseScenario(scenario, 'demo'), 'demo');
  const audit = await runAudit({ config: await loadConfig(), clients: target.clients, now: target.now, since: target.now - 7 * 86_400_000 });
  findings = audit.report.findings;
  data = audit.data;
  miners = new Set(attack.minerInstanceIds);
  webServer = attack.webCompromise.instanceId;
  defaults = await loadRemediationConfig();
  target.clients.destroy();
});

const plan = (o: { findings?: Finding[]; data?: AuditData; config?: Partial<RemediationConfig>; caller?: string } = {}): RemediationPlan =>
  planRemediation({ findings: o.findings ?? findings, data: o.data ?? data, runId: RUN }, { ...defaults, ...o.config }, o.caller ?? AUDITOR);

const instanceIds = (steps: PlannedStep[], action: ActionId = 'quarantine-instance') =>
  new Set(steps.filter((s) => s.action === action && s.resource.type === 'AWS::EC2::Instance').map((s) => s.resource.id));

const instanceNamed = (name: string) => data.ec2.instances.find((i) => i.tags.Name === name)!;

/** A finding like the detectors', naming `instanceIds` (region us-east-1) for quarantine and the CPU breaker. */
const naming = (id: string, ids: string[], extra: Partial<Finding> = {}): Finding => ({
  id, detector: 'network-spike', severity: 'high', title: id, account: ACCOUNT, region: 'us-east-1',
  resources: ids.map((i) => ({ type: 'AWS::EC2::Instance', id: i, region: 'us-east-1' })), evidence: {},
  remediations: ['quarantine-instance'], ...extra,
});

describe('the brief\'s incident', () => {
  it('quarantines the 128 miners and the exploited web server, and none of the account\'s own instances', () => {
    const planned = instanceIds(plan().steps);
    expect(miners.size).toBe(128);
    expect(planned).toEqual(new Set([...miners, webServer]));
    const own = data.ec2.instances.filter((i) => !miners.has(i.id) && i.id !== webServer);
    expect(own.length).toBeGreaterThan(10);
    for (const i of own) expect(planned.has(i.id), i.tags.Name ?? i.id).toBe(false);
  });

  it('cuts off the stolen key, the back-door user and their sessions, and closes the opened ports', () => {
    const ids = plan().steps.filter((s) => s.action !== 'quarantine-instance').map((s) => s.id);
    expect(ids.filter((id) => id.startsWith('revoke-ingress:'))).toHaveLength(4);
    expect(ids.filter((id) => !id.startsWith('revoke-ingress:'))).toEqual([
      expect.stringMatching(/^disable-access-key:deactivate:global:AKIA/),
      expect.stringMatching(/^disable-access-key:deactivate:global:AKIA/),
      'revoke-sessions:user:global:ops-deploy',
      'revoke-sessions:user:global:support-admin',
      'quarantine-principal:deny-user:global:ops-deploy',
      'quarantine-principal:deny-user:global:support-admin',
      'quarantine-principal:detach-admin-user:global:support-admin',
    ]);
  });

  it('refuses nothing when nothing protected is named, and touches fewer resources than maxResources', () => {
    const p = plan();
    expect(p.refused).toEqual([]);
    expect(countResources(p.steps)).toBe(129 + 4 + 2 + 2);
    expect(countResources(p.steps)).toBeLessThanOrEqual(defaults.maxResources);
  });

  it('is deterministic: the same audit gives the same plan, whatever the findings\' order', () => {
    const a = plan();
    expect(plan()).toEqual(a);
    const shuffled = plan({ findings: [...findings].reverse() });
    expect(shuffled.steps.map((s) => s.id)).toEqual(a.steps.map((s) => s.id));
  });

  it('orders by action, then region, isolation groups before the isolate steps that need them, then resource', () => {
    const steps = plan().steps;
    const rank = steps.map((s) => ACTION_IDS.indexOf(s.action));
    expect(rank).toEqual([...rank].sort((x, y) => x - y));
    const position = new Map(steps.map((s, k) => [s.id, k]));
    for (const s of steps) for (const d of s.dependsOn) expect(position.get(d)!, `${d} before ${s.id}`).toBeLessThan(position.get(s.id)!);
    const quarantine = steps.filter((s) => s.action === 'quarantine-instance');
    const regions = quarantine.map((s) => s.resource.region);
    expect(regions).toEqual([...regions].sort());
    expect(quarantine[0]!.id).toMatch(/^quarantine-instance:isolation-group:ap-southeast-1:vpc-/);
  });
});

describe('safety rules', () => {
  // Attack and benign side by side: each row adds one finding or changes one input.
  const rows: {
    name: string;
    input: () => { findings?: Finding[]; config?: Partial<RemediationConfig>; caller?: string; data?: AuditData };
    planned: (p: RemediationPlan) => unknown;
    expected: () => unknown;
  }[] = [
    {
      name: 'a protected instance (rigwatch:protect=true) named by a finding is refused, with the reason',
      input: () => ({ findings: [...findings, naming('network-spike:app', [instanceNamed('app-1').id])] }),
      planned: (p) => ({ planned: instanceIds(p.steps).has(instanceNamed('app-1').id), refused: p.refused }),
      expected: () => ({ planned: false, refused: [{ resource: { type: 'AWS::EC2::Instance', id: instanceNamed('app-1')?.id, region: 'us-east-1' }, reason: 'tagged rigwatch:protect=true' }] }),
    },
    {
      name: '... while an unprotected one named the same way is planned',
      input: () => ({ findings: [...findings, naming('network-spike:bastion', [instanceNamed('bastion-1').id])] }),
      planned: (p) => ({ planned: instanceIds(p.steps).has(instanceNamed('bastion-1').id), refused: p.refused }),
      expected: () => ({ planned: true, refused: [] }),
    },
    {
      name: 'a protected tag from config',
      input: () => ({ findings: [...findings, naming('network-spike:bastion', [instanceNamed('bastion-1').id])], config: { protectTag: { key: 'Name', value: 'bastion-1' } } }),
      planned: (p) => p.refused.map((r) => `${r.resource.id} ${r.reason}`),
      expected: () => [`${instanceNamed('bastion-1')?.id} tagged Name=bastion-1`],
    },
    {
      name: 'the caller\'s own role (an assumed-role session of it) is refused',
      input: () => ({ findings: [...findings, { ...naming('trail-tampering:x', []), actor: { arn: `arn:aws:iam::${ACCOUNT}:role/rigwatch-auditor` }, remediations: ['revoke-sessions', 'quarantine-principal'] }] }),
      planned: (p) => ({ steps: p.steps.filter((s) => s.resource.id === 'rigwatch-auditor').length, refused: p.refused.map((r) => `${r.resource.type} ${r.resource.id}`) }),
      expected: () => ({ steps: 0, refused: ['AWS::IAM::Role rigwatch-auditor'] }),
    },
    {
      name: 'the caller\'s own user: its sessions, its quarantine and its keys are refused',
      input: () => ({ caller: `arn:aws:iam::${ACCOUNT}:user/deploy-bot/ops-deploy` }),
      planned: (p) => p.refused.map((r) => r.resource.type).sort(),
      expected: () => ['AWS::IAM::AccessKey', 'AWS::IAM::User'],
    },
    {
      name: 'the instance rigwatch runs on (its instance-profile session) is refused',
      input: () => ({ caller: `arn:aws:sts::${ACCOUNT}:assumed-role/acme-web/${instanceNamed('web-1').id}` }),
      planned: (p) => ({ planned: instanceIds(p.steps).has(instanceNamed('web-1').id), refused: p.refused.map((r) => r.reason.split(' (')[0]) }),
      expected: () => ({ planned: false, refused: ['rigwatch runs on this instance'] }),
    },
    {
      name: 'disabled actions are absent',
      input: () => ({ config: { enabled: ['revoke-ingress', 'disable-access-key'] } }),
      planned: (p) => [...new Set(p.steps.map((s) => s.action))],
      expected: () => ['revoke-ingress', 'disable-access-key'],
    },
    {
      name: 'duplicate findings merge into one step per resource with both findings',
      input: () => ({ findings: [naming('network-spike:a', [instanceNamed('bastion-1').id]), naming('network-spike:b', [instanceNamed('bastion-1').id])] }),
      planned: (p) => [...new Set(p.steps.map((s) => s.findings.join(',')))],
      expected: () => ['network-spike:a,network-spike:b'],
    },
    {
      name: 'an isolation-group step that only a refused instance needed is dropped, not refused',
      input: () => ({ findings: [naming('network-spike:app', [instanceNamed('app-1').id])] }),
      planned: (p) => ({ steps: p.steps.length, refused: p.refused.length }),
      expected: () => ({ steps: 0, refused: 1 }),
    },
    {
      name: 'maxResources is the caller\'s to enforce: the planner drops nothing',
      input: () => ({ config: { maxResources: 5 } }),
      planned: (p) => countResources(p.steps),
      expected: () => 137,
    },
  ];
  it.each(rows)('$name', ({ input, planned, expected }) => {
    expect(planned(plan(input()))).toEqual(expected());
  });

  it('the CPU circuit breaker: off by default; when enabled, stops the hot non-core instance and not the hot core one', () => {
    const hot = (id: string) => ({ instanceId: id, region: 'us-east-1', metric: 'CPUUtilization' as const, period: 300, timestamps: Array.from({ length: 48 }, (_, k) => data.now - (48 - k) * 300_000), values: Array.from({ length: 48 }, () => 97) });
    const [batch, web] = [instanceNamed('batch-1').id, instanceNamed('web-2').id];
    const withHotCpu = { ...data, metrics: [...data.metrics.filter((m) => m.instanceId !== batch && m.instanceId !== web), hot(batch), hot(web)] };
    const finding = naming('cpu-sustained:hot', [batch, web], {
      detector: 'cpu-sustained', remediations: ['stop-instance'],
      evidence: { instances: [batch, web].map((instanceId) => ({ instanceId, firstAbove: new Date(data.now - 4 * 3_600_000).toISOString(), runEnd: new Date(data.now).toISOString() })) },
    });
    const stops = (config: Partial<RemediationConfig>) => plan({ data: withHotCpu, findings: [finding], config }).steps.map((s) => s.id);
    expect(stops({})).toEqual([]);
    expect(stops({ enabled: [...ACTION_IDS] })).toEqual([`stop-instance:stop:us-east-1:${batch}`]);
  });

  it('a protected security group is refused; its sibling groups are still closed', () => {
    const [first] = plan().steps.filter((s) => s.action === 'revoke-ingress');
    const tagged = { ...data, ec2: { ...data.ec2, securityGroups: data.ec2.securityGroups.map((g) => (g.id === first!.resource.id ? { ...g, tags: { ...g.tags, 'rigwatch:protect': 'true' } } : g)) } };
    const p = plan({ data: tagged });
    expect(p.steps.filter((s) => s.action === 'revoke-ingress').map((s) => s.resource.id)).not.toContain(first!.resource.id);
    expect(p.steps.filter((s) => s.action === 'revoke-ingress')).toHaveLength(3);
    expect(p.refused).toEqual([{ resource: first!.resource, reason: 'tagged rigwatch:protect=true' }]);
  });

  it('a protected IAM user is refused, and so are its keys', () => {
    const tagged = { ...data, iam: { ...data.iam, users: data.iam.users.map((u) => (u.name === 'ops-deploy' ? { ...u, tags: { ...u.tags, 'rigwatch:protect': 'true' } } : u)) } };
    const p = plan({ data: tagged });
    expect(p.steps.some((s) => (s.params.principal as { name?: string } | undefined)?.name === 'ops-deploy')).toBe(false);
    expect(p.refused.map((r) => `${r.resource.type} ${r.reason}`).sort()).toEqual([
      'AWS::IAM::AccessKey its user ops-deploy is tagged rigwatch:protect=true',
      'AWS::IAM::User tagged rigwatch:protect=true',
    ]);
  });

  it('a protected IAM role is refused', () => {
    const role = data.iam.roles.find((r) => !r.name.startsWith('rigwatch') && !r.arn.includes('aws-service-role'));
    expect(role).toBeDefined();
    const tagged = { ...data, iam: { ...data.iam, roles: data.iam.roles.map((r) => (r.name === role!.name ? { ...r, tags: { ...r.tags, 'rigwatch:protect': 'true' } } : r)) } };
    const finding = { ...naming('iam-credential-activity:role', []), actor: { arn: role!.arn }, remediations: ['revoke-sessions', 'quarantine-principal'] };
    const p = plan({ data: tagged, findings: [...findings, finding] });
    expect(p.steps.some((s) => (s.params.principal as { name?: string } | undefined)?.name === role!.name)).toBe(false);
    expect(p.refused).toContainEqual({ resource: expect.objectContaining({ type: 'AWS::IAM::Role', id: role!.name }), reason: 'tagged rigwatch:protect=true' });
  });
});

describe('configuration', () => {
  it('config/remediation.yaml has a section for every action and is exactly the defaults the schema gives', async () => {
    const file = parseYaml(await readFile(new URL('../../config/remediation.yaml', import.meta.url), 'utf8')) as { actions: Record<string, unknown> };
    expect(Object.keys(file.actions).sort()).toEqual([...ACTION_IDS].sort());
    expect(await loadRemediationConfig()).toEqual(parseRemediationConfig({}));
    expect(parseRemediationConfig({}).enabled).toEqual([...DEFAULT_ENABLED]);
    expect(DEFAULT_ENABLED).toEqual(ACTION_IDS.filter((id) => id !== 'stop-instance'));
  });

  it('overrides merge over the file, and mistakes are named', async () => {
    expect((await loadRemediationConfig({ actions: { 'quarantine-instance': { stop: true } } })).actions['quarantine-instance']).toEqual({ stop: true });
    expect(() => parseRemediationConfig({ enabled: ['terminate-instance'] })).toThrow(/enabled/);
    expect(() => parseRemediationConfig({ actions: { 'stop-instance': { cpuThreshold: 90 } } })).toThrow(/cpuThreshold/);
    expect(() => parseRemediationConfig({ maxResources: 0 })).toThrow(/maxResources/);
  });
});

describe('the registry', () => {
  it.each(ACTION_IDS)('%s: registered under its id, with a description, permissions and an options schema with defaults', (id) => {
    const action = ACTIONS.get(id)!;
    expect(action).toBe(ACTION_MODULES[id]);
    expect(action.id).toBe(id);
    expect(action.description.length).toBeGreaterThan(100);
    expect(action.permissions.length).toBeGreaterThan(0);
    for (const p of action.permissions) expect(p).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z]+$/);
    expect(() => action.options.parse({})).not.toThrow();
  });

  it('the remediation policy is the union of the enabled actions\' permissions, and never deletes or terminates', () => {
    const all = remediationPermissions(ACTION_IDS);
    expect(remediationPermissions(['revoke-sessions'])).toEqual(['iam:DeleteRolePolicy', 'iam:DeleteUserPolicy', 'iam:PutRolePolicy', 'iam:PutUserPolicy']);
    expect(remediationPolicy(DEFAULT_ENABLED).Statement[0]!.Action).toEqual(remediationPermissions(DEFAULT_ENABLED));
    expect(remediationPermissions(DEFAULT_ENABLED)).not.toContain('ec2:StopInstances'.replace('Stop', 'Terminate'));
    // Deleting an inline policy rigwatch put, or a tag it set, is its undo; nothing else is ever deleted.
    expect(all.filter((p) => /:(Delete|Terminate)/.test(p))).toEqual(['ec2:DeleteTags', 'iam:DeleteRolePolicy', 'iam:DeleteUserPolicy']);
  });
});
