import { DescribeSecurityGroupRulesCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { SecurityGroup } from '../../../src/providers/types.js';
import { action, permissionOf } from '../../../src/remediation/actions/revoke-ingress.js';
import type { PlannedStep } from '../../../src/remediation/types.js';
import { emptyAccount, rule, securityGroup } from '../../detectors/fixtures.js';
import { applySteps, finding, group, harness, REGION, RUN_ID, scenario, undoSteps, type Harness } from './harness.js';

const opts = action.options.parse({});

const ssh = rule({ ruleId: 'sgr-ssh', protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' });
const pool = rule({ ruleId: 'sgr-pool', protocol: 'tcp', fromPort: 3333, toPort: 3333, cidr: '::/0' });
const office = rule({ ruleId: 'sgr-office', protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '10.0.0.0/8' });
const egress = rule({ ruleId: 'sgr-egress', isEgress: true, protocol: '-1', cidr: '0.0.0.0/0' });

const openGroup = (o: Partial<SecurityGroup> = {}) => securityGroup('sg-1', [ssh, pool, office, egress], { name: 'launch-wizard-1', ...o });

const sgFinding = (o: { ruleIds?: string[]; evidenceRules?: { ruleId: string; currentlyOpen?: boolean }[]; remediations?: string[]; id?: string } = {}) => finding({
  id: o.id ?? 'sg-open-ingress:1', detector: 'sg-open-ingress',
  resources: [{ type: 'AWS::EC2::SecurityGroup', id: 'sg-1', region: REGION }, ...(o.ruleIds ?? []).map((id) => ({ type: 'AWS::EC2::SecurityGroupRule', id, region: REGION }))],
  evidence: { groupId: 'sg-1', rules: o.evidenceRules ?? [] },
  remediations: o.remediations ?? ['revoke-ingress', 'disable-access-key'],
});

const ruleIdsOf = (steps: PlannedStep[]) => steps.map((s) => ({ id: s.id, ruleIds: s.params.ruleIds }));

describe('revoke-ingress plan', () => {
  const cases: { name: string; groups: SecurityGroup[]; findings: ReturnType<typeof sgFinding>[]; expected: { id: string; ruleIds: unknown }[] }[] = [
    {
      name: 'the rules the finding names, one step for the group',
      groups: [openGroup()], findings: [sgFinding({ ruleIds: ['sgr-ssh', 'sgr-pool'] })],
      expected: [{ id: `revoke-ingress:revoke:${REGION}:sg-1`, ruleIds: ['sgr-pool', 'sgr-ssh'] }],
    },
    {
      name: 'rule ids from the evidence too, but not rules it says are closed already',
      groups: [openGroup()], findings: [sgFinding({ evidenceRules: [{ ruleId: 'sgr-ssh' }, { ruleId: 'sgr-pool', currentlyOpen: false }] })],
      expected: [{ id: `revoke-ingress:revoke:${REGION}:sg-1`, ruleIds: ['sgr-ssh'] }],
    },
    {
      name: 'a finding that does not ask for it (benign side): nothing',
      groups: [openGroup()], findings: [sgFinding({ ruleIds: ['sgr-ssh'], remediations: [] })],
      expected: [],
    },
    {
      name: 'never a rule the group does not have now, nor an egress rule',
      groups: [openGroup()], findings: [sgFinding({ ruleIds: ['sgr-gone', 'sgr-egress'] })],
      expected: [],
    },
    {
      name: 'never rigwatch\'s own isolation group',
      groups: [openGroup({ tags: { 'rigwatch:isolation': 'open' } })], findings: [sgFinding({ ruleIds: ['sgr-ssh'] })],
      expected: [],
    },
    {
      name: 'two findings on one group: one step, the union of their rules',
      groups: [openGroup()], findings: [sgFinding({ ruleIds: ['sgr-ssh'] }), sgFinding({ id: 'sg-open-ingress:2', ruleIds: ['sgr-pool'] })],
      expected: [{ id: `revoke-ingress:revoke:${REGION}:sg-1`, ruleIds: ['sgr-pool', 'sgr-ssh'] }],
    },
  ];
  it.each(cases)('$name', ({ groups, findings, expected }) => {
    const data = emptyAccount({ ec2: { instances: [], securityGroups: groups } });
    expect(ruleIdsOf(action.plan({ findings, data, runId: RUN_ID }, opts))).toEqual(expected);
  });

  it('rebuilds each kind of rule as the permission that recreates it', () => {
    expect(permissionOf({ ruleId: 'a', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0', description: 'x' }))
      .toEqual({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'x' }] });
    expect(permissionOf({ ruleId: 'b', protocol: '-1', fromPort: -1, toPort: -1, cidrIpv6: '::/0' }))
      .toEqual({ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] });
    expect(permissionOf({ ruleId: 'c', protocol: 'tcp', fromPort: 1, toPort: 65535, referencedGroupId: 'sg-2', referencedUserId: '111122223333' }))
      .toEqual({ IpProtocol: 'tcp', FromPort: 1, ToPort: 65535, UserIdGroupPairs: [{ GroupId: 'sg-2', UserId: '111122223333' }] });
    expect(permissionOf({ ruleId: 'd', protocol: 'udp', fromPort: 53, toPort: 53, prefixListId: 'pl-1' }))
      .toEqual({ IpProtocol: 'udp', FromPort: 53, ToPort: 53, PrefixListIds: [{ PrefixListId: 'pl-1' }] });
  });
});

// ---- against the simulated account -----------------------------------------------------------

const GROUP = 'sg-0open0000000000001';

function account() {
  return harness(scenario({
    ec2: {
      securityGroups: [group(GROUP, 'launch-wizard-1', {
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'temp', SecurityGroupRuleId: 'sgr-0ssh000000000001' } as never] },
          { IpProtocol: 'tcp', FromPort: 3333, ToPort: 3333, Ipv6Ranges: [{ CidrIpv6: '::/0', SecurityGroupRuleId: 'sgr-0pool00000000001' } as never] },
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/8', SecurityGroupRuleId: 'sgr-0office000000001' } as never] },
        ],
      })],
    },
  }));
}

async function rules(h: Harness): Promise<string[]> {
  const out = await h.clients.ec2(REGION).send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [GROUP] }] }));
  return (out.SecurityGroupRules ?? []).filter((r) => !r.IsEgress)
    .map((r) => `${r.IpProtocol} ${r.FromPort}-${r.ToPort} ${r.CidrIpv4 ?? r.CidrIpv6}${r.Description ? ` "${r.Description}"` : ''}`).sort();
}

const FOUND = finding({
  id: 'sg-open-ingress:1', detector: 'sg-open-ingress',
  resources: [{ type: 'AWS::EC2::SecurityGroup', id: GROUP, region: REGION }, { type: 'AWS::EC2::SecurityGroupRule', id: 'sgr-0ssh000000000001', region: REGION }, { type: 'AWS::EC2::SecurityGroupRule', id: 'sgr-0pool00000000001', region: REGION }],
  remediations: ['revoke-ingress'],
});

describe('revoke-ingress against the simulated account', () => {
  it('revokes exactly the named rules, is idempotent, and undo re-authorizes the same permissions', async () => {
    const h = account();
    const steps = action.plan({ findings: [FOUND], data: await h.collect(), runId: RUN_ID }, opts);
    const original = await rules(h);

    const [applied] = await applySteps(h, action, steps);
    expect(applied!.outcome).toMatchObject({ status: 'done' });
    expect(await rules(h)).toEqual(['tcp 443-443 10.0.0.0/8']);

    const [again] = await applySteps(h, action, steps);
    expect(again!.outcome).toMatchObject({ status: 'done', reason: expect.stringContaining('already revoked') });

    expect(await undoSteps(h, action, [applied!])).toEqual([{ status: 'done', reason: 're-authorized 2 rules' }]);
    expect(await rules(h)).toEqual(original);
    const seen = [...h.actionCalls].sort();
    expect(seen.filter((c) => !action.permissions.includes(c))).toEqual([]);
    expect(applied!.step.calls).toEqual(expect.arrayContaining(applied!.calls));
  });

  it('skips a rule revoked meanwhile and restores only what it revoked itself', async () => {
    const h = account();
    const steps = action.plan({ findings: [FOUND], data: await h.collect(), runId: RUN_ID }, opts);
    await h.clients.ec2(REGION).send(new RevokeSecurityGroupIngressCommand({ GroupId: GROUP, SecurityGroupRuleIds: ['sgr-0ssh000000000001'] }));

    const [applied] = await applySteps(h, action, steps);
    expect(applied!.outcome).toMatchObject({ status: 'done', reason: expect.stringContaining('1 rule already revoked') });
    expect(await rules(h)).toEqual(['tcp 443-443 10.0.0.0/8']);

    await undoSteps(h, action, [applied!]);
    expect(await rules(h)).toEqual(['tcp 3333-3333 ::/0', 'tcp 443-443 10.0.0.0/8']);
  });

  it('handles a rule revoked between prepare and apply', async () => {
    const h = account();
    const [s] = action.plan({ findings: [FOUND], data: await h.collect(), runId: RUN_ID }, opts);
    const undo = await action.prepare(s!, h.ctx);
    await h.clients.ec2(REGION).send(new RevokeSecurityGroupIngressCommand({ GroupId: GROUP, SecurityGroupRuleIds: ['sgr-0pool00000000001'] }));
    expect(await action.apply(s!, undo, h.ctx)).toMatchObject({ status: 'done' });
    expect(await rules(h)).toEqual(['tcp 443-443 10.0.0.0/8']);
  });
});
