// Incidents: findings joined by actor (and the users and keys it created), by the instances
// they share, and by time; their cost impact and timeline. The demo's attack must be one
// incident whose cost is within 25% of what the scenario's bill says the attack cost; the
// account's normal must raise none.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/detectors/types.js';
import { runAudit, type AuditResult } from '../../src/engine/audit.js';
import { loadConfig } from '../../src/engine/config.js';
import { buildIncidents } from '../../src/engine/incidents.js';
import { scenarioTarget } from '../../src/engine/target.js';
import { BENIGN_SCENARIOS, buildDemo } from '../../src/scenario/generators/index.js';
import type { AttackManifest } from '../../src/scenario/generators/index.js';
import type { Scenario } from '../../src/scenario/types.js';
import { emptyAccount, instance, NOW, HOUR } from '../detectors/fixtures.js';

const DAY = 24 * HOUR;

async function audit(scenario: Scenario): Promise<AuditResult> {
  const target = scenarioTarget(scenario, scenario.name);
  try {
    return await runAudit({ config: await loadConfig(), clients: target.clients, now: target.now, since: target.now - 7 * DAY });
  } finally {
    target.clients.destroy();
  }
}

/** What the scenario's bill says the attack cost: EC2 in the regions the attacker used, from the first attack day. */
function billedAttackCost(scenario: Scenario, attack: AttackManifest): number {
  const regions = new Set(attack.regions);
  const from = attack.start.slice(0, 10);
  let total = 0;
  for (const item of scenario.costs?.lineItems ?? []) {
    if (item.region && regions.has(item.region) && item.date >= from) total += item.amount;
  }
  for (const d of scenario.costs?.daily ?? []) {
    if (!d.region || !regions.has(d.region)) continue;
    d.amounts.forEach((amount, k) => {
      const date = new Date(Date.parse(`${d.start}T00:00:00Z`) + k * DAY).toISOString().slice(0, 10);
      if (date >= from) total += amount;
    });
  }
  return total;
}

describe('the demo incident', () => {
  let result: AuditResult;
  let attack: AttackManifest;
  let scenario: Scenario;

  beforeAll(async () => {
    const demo = buildDemo();
    attack = demo.attack;
    scenario = demo.scenario;
    result = await audit(structuredClone(scenario));
  }, 60_000);

  it('is one incident, tying the stolen key, the backdoor user and its key, and every finding at medium or above', () => {
    const incidents = result.report.incidents ?? [];
    expect(incidents).toHaveLength(1);
    const [incident] = incidents;
    expect(incident?.severity).toBe('critical');
    expect(incident?.actor.principals.some((p) => p.endsWith(`/${attack.stolenKey.userName}`))).toBe(true);
    expect(incident?.actor.principals).toContain(attack.persistence.userArn);
    expect(incident?.actor.accessKeyIds).toEqual(expect.arrayContaining([attack.stolenKey.accessKeyId, attack.persistence.accessKeyId]));
    for (const ip of incident?.actor.sourceIPs ?? []) expect(attack.stolenKey.normalSourceIPs).not.toContain(ip);
    const serious = result.report.findings.filter((f) => ['critical', 'high', 'medium'].includes(f.severity)).map((f) => f.id);
    expect([...(incident?.findings ?? [])].sort()).toEqual([...serious].sort());
    // It starts with the web server's compromise, which has no actor: joined by time.
    expect(incident?.firstSeen.slice(0, 13)).toBe(attack.webCompromise.at.slice(0, 13));
  });

  it('costs within 25% of what the bill says the attack cost, with the basis of each figure', () => {
    const impact = result.report.incidents?.[0]?.costImpact;
    const billed = billedAttackCost(scenario, attack);
    expect(billed).toBeGreaterThan(1000);
    expect(Math.abs((impact?.total ?? 0) - billed) / billed).toBeLessThan(0.25);
    expect(Math.abs((impact?.costExplorer?.total ?? 0) - billed) / billed).toBeLessThan(0.25);
    expect(impact?.instanceHours?.instances).toBe(attack.minerInstanceIds.length);
    expect(impact?.perHourNow).toBeGreaterThan(50);
    expect(impact?.basis.join('\n')).toMatch(/instance-hours[\s\S]*Cost Explorer/);
  });

  it('tells the attack in order, without the stolen key\'s usual CI activity', () => {
    const timeline = result.report.incidents?.[0]?.timeline ?? [];
    const order = ['AuthorizeSecurityGroupIngress', 'RunInstances', 'CreateUser', 'ConsoleLogin', 'StopLogging', 'DeleteDetector'];
    const at = order.map((name) => timeline.findIndex((t) => t.eventName === name && !t.title.includes('(')));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(timeline.map((t) => t.at)).toEqual([...timeline.map((t) => t.at)].sort());
    expect(timeline.some((t) => t.kind === 'cost' && (t.amount ?? 0) > 0)).toBe(true);
    expect(timeline.every((t) => Date.parse(t.at) <= Date.parse(result.report.generatedAt))).toBe(true);
    const launches = timeline.filter((t) => t.eventName === 'RunInstances').reduce((n, t) => n + (t.count ?? 1), 0);
    expect(launches).toBeLessThanOrEqual(attack.batches.length + 1);
  });

  it('draws the flagged instances against the normal ones', () => {
    const cpu = result.report.metrics?.filter((m) => m.metric === 'CPUUtilization') ?? [];
    const mean = (g: string) => {
      const pts = cpu.find((m) => m.group === g)?.points.slice(-24) ?? [];
      return pts.reduce((a, p) => a + p.value, 0) / Math.max(1, pts.length);
    };
    expect(mean('flagged')).toBeGreaterThan(85);
    expect(mean('normal')).toBeLessThan(60);
  });
});

describe('the account\'s normal', () => {
  for (const [name, build] of Object.entries(BENIGN_SCENARIOS).slice(0, 2)) {
    it(`${name}: no incident`, async () => {
      const result = await audit(build());
      expect(result.report.incidents).toEqual([]);
    }, 60_000);
  }
});

describe('grouping', () => {
  const at = (h: number) => new Date(NOW - h * HOUR).toISOString();
  const f = (id: string, extra: Partial<Finding>): Finding => ({
    id, detector: 'fleet-spinup', severity: 'high', title: id, account: '111122223333', region: 'us-east-1', resources: [], evidence: {}, status: 'new', ...extra,
  });
  const actor = (name: string, key: string, ip: string) => ({ arn: `arn:aws:iam::111122223333:user/${name}`, accessKeyId: key, sourceIPs: [ip] });

  const cases: { name: string; findings: Finding[]; groups: string[][] }[] = [
    {
      name: 'two actors, two incidents',
      findings: [f('a', { actor: actor('alice', 'AKIAA', '1.1.1.1'), firstSeen: at(5) }), f('b', { actor: actor('bob', 'AKIAB', '2.2.2.2'), firstSeen: at(5) })],
      groups: [['a'], ['b']],
    },
    {
      name: 'one key, two findings',
      findings: [f('a', { actor: actor('alice', 'AKIAA', '1.1.1.1'), firstSeen: at(5) }), f('b', { detector: 'sg-open-ingress', actor: actor('alice', 'AKIAA', '1.1.1.9'), firstSeen: at(4) })],
      groups: [['a', 'b']],
    },
    {
      name: 'CPU on the fleet\'s instances joins the fleet',
      findings: [
        f('fleet', { actor: actor('alice', 'AKIAA', '1.1.1.1'), firstSeen: at(30), resources: [{ type: 'AWS::EC2::Instance', id: 'i-1' }] }),
        f('cpu', { detector: 'cpu-sustained', firstSeen: at(2), resources: [{ type: 'AWS::EC2::Instance', id: 'i-1' }] }),
      ],
      groups: [['cpu', 'fleet']],
    },
    {
      name: 'an actor-less finding within hours joins by time; one days away stands alone',
      findings: [
        f('key', { actor: actor('alice', 'AKIAA', '1.1.1.1'), firstSeen: at(10), lastSeen: at(9) }),
        f('near', { detector: 'network-spike', firstSeen: at(12), resources: [{ type: 'AWS::EC2::Instance', id: 'i-9' }] }),
        f('far', { detector: 'cpu-sustained', firstSeen: at(100), lastSeen: at(99), resources: [{ type: 'AWS::EC2::Instance', id: 'i-8' }] }),
      ],
      groups: [['key', 'near'], ['far']],
    },
    {
      name: 'muted, resolved and low findings make no incident',
      findings: [
        f('m', { actor: actor('alice', 'AKIAA', '1.1.1.1'), firstSeen: at(5), status: 'muted' }),
        f('r', { actor: actor('bob', 'AKIAB', '2.2.2.2'), firstSeen: at(5), status: 'resolved' }),
        f('l', { actor: actor('carol', 'AKIAC', '3.3.3.3'), firstSeen: at(5), severity: 'low' }),
      ],
      groups: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const incidents = buildIncidents({ findings: c.findings, data: emptyAccount({ ec2: { instances: [instance({ id: 'i-1', launchTime: NOW - 30 * HOUR })], securityGroups: [] } }) });
      expect(incidents.map((i) => [...i.findings].sort()).sort()).toEqual(c.groups.map((g) => [...g].sort()).sort());
    });
  }

  it('ties the users and keys an actor created to it', () => {
    const data = emptyAccount({
      cloudtrail: {
        trails: [], lookupStart: {},
        events: [{
          eventTime: at(6), eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', awsRegion: 'us-east-1', eventID: 'e1',
          userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accessKeyId: 'AKIAA' }, requestParameters: { userName: 'backdoor' },
        }],
      },
    });
    const incidents = buildIncidents({
      findings: [f('a', { actor: actor('alice', 'AKIAA', '1.1.1.1'), firstSeen: at(6) }), f('b', { detector: 'trail-tampering', actor: actor('backdoor', 'ASIAX', '9.9.9.9'), firstSeen: at(50) })],
      data,
    });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.actor.principals).toEqual(['arn:aws:iam::111122223333:user/alice', 'arn:aws:iam::111122223333:user/backdoor']);
  });

  it('keeps an incident\'s id when the attack grows', () => {
    const first = buildIncidents({ findings: [f('a', { actor: actor('alice', 'AKIAA', '1.1.1.1'), firstSeen: at(5) })], data: emptyAccount() });
    const later = buildIncidents({ findings: [f('a', { actor: actor('alice', 'AKIAA', '1.1.1.1'), firstSeen: at(5) }), f('b', { actor: actor('alice', 'AKIAZ', '1.1.1.2'), firstSeen: at(1) })], data: emptyAccount() });
    expect(later[0]?.id).toBe(first[0]?.id);
  });
});
