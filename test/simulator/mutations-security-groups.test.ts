import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_ID, rejection, remediationClients } from './harness.js';
import { incidentAccount, MINER_SG, OTHER_VPC, VPC, WEB_SG } from './mutation-fixture.js';

function setup() {
  const account = incidentAccount();
  return { account, ...remediationClients(account) };
}

type Ec2 = ReturnType<typeof setup>['ec2'];

async function rules(ec2: Ec2, groupId: string): Promise<SecurityGroupRule[]> {
  const out = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
  return out.SecurityGroupRules!;
}

function summary(list: SecurityGroupRule[]): string[] {
  return list.map((r) => `${r.IsEgress ? 'out' : 'in'} ${r.IpProtocol} ${r.FromPort}-${r.ToPort} ${r.CidrIpv4 ?? r.CidrIpv6 ?? r.ReferencedGroupInfo?.GroupId ?? r.PrefixListId}`);
}

describe('CreateSecurityGroup', () => {
  it('creates a group with the default egress rule, tagged, and records it', async () => {
    const { account, ec2 } = setup();
    const out = await ec2.send(new CreateSecurityGroupCommand({
      GroupName: 'rigwatch-isolation',
      Description: 'rigwatch isolation',
      VpcId: VPC,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'rigwatch', Value: 'isolation' }] }],
    }));
    expect(out.GroupId).toMatch(/^sg-[0-9a-f]{17}$/);
    expect(out.Tags).toEqual([{ Key: 'rigwatch', Value: 'isolation' }]);
    const described = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [out.GroupId!] }));
    expect(described.SecurityGroups![0]).toMatchObject({
      GroupName: 'rigwatch-isolation',
      VpcId: VPC,
      OwnerId: ACCOUNT_ID,
      IpPermissions: [],
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
    expect(summary(await rules(ec2, out.GroupId!))).toEqual(['out -1 -1--1 0.0.0.0/0']);
    expect(account.state.scenario.cloudtrail!.events!.at(-1)).toMatchObject({
      eventName: 'CreateSecurityGroup',
      requestParameters: { groupName: 'rigwatch-isolation', groupDescription: 'rigwatch isolation', vpcId: VPC },
      responseElements: { _return: true, groupId: out.GroupId },
    });
  });

  it('refuses a name already used in the VPC, and accepts it in another VPC', async () => {
    const { ec2 } = setup();
    const error = await rejection(ec2.send(new CreateSecurityGroupCommand({ GroupName: 'miner', Description: 'again', VpcId: VPC })));
    expect(error.name).toBe('InvalidGroup.Duplicate');
    expect(error.message).toBe(`The security group 'miner' already exists for VPC '${VPC}'`);
    await expect(ec2.send(new CreateSecurityGroupCommand({ GroupName: 'miner', Description: 'elsewhere', VpcId: OTHER_VPC }))).resolves.toMatchObject({ GroupId: expect.stringMatching(/^sg-/) });
  });

  it('refuses a VPC it does not know and a missing VPC (the default VPC is not modelled)', async () => {
    const { ec2 } = setup();
    expect((await rejection(ec2.send(new CreateSecurityGroupCommand({ GroupName: 'x', Description: 'x', VpcId: 'vpc-0nope' })))).name).toBe('InvalidVpcID.NotFound');
    expect((await rejection(ec2.send(new CreateSecurityGroupCommand({ GroupName: 'x', Description: 'x' })))).name).toBe('VPCIdNotSpecified');
  });
});

describe('AuthorizeSecurityGroupIngress / Egress', () => {
  it('adds rules with new ids that DescribeSecurityGroupRules reports, merged into the permission', async () => {
    const { account, ec2 } = setup();
    const out = await ec2.send(new AuthorizeSecurityGroupIngressCommand({
      GroupId: MINER_SG,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '198.51.100.0/24', Description: 'responders' }] }],
    }));
    expect(out.Return).toBe(true);
    expect(out.SecurityGroupRules).toHaveLength(1);
    const added = out.SecurityGroupRules![0]!;
    expect(added).toMatchObject({ GroupId: MINER_SG, IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '198.51.100.0/24', Description: 'responders' });
    expect(added.SecurityGroupRuleId).toMatch(/^sgr-[0-9a-f]{17}$/);
    const described = await rules(ec2, MINER_SG);
    expect(described.find((r) => r.CidrIpv4 === '198.51.100.0/24')?.SecurityGroupRuleId).toBe(added.SecurityGroupRuleId);
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [MINER_SG] }))).SecurityGroups![0]!;
    expect(group.IpPermissions![0]!.IpRanges!.map((r) => r.CidrIp)).toEqual(['0.0.0.0/0', '203.0.113.0/24', '198.51.100.0/24']);
    expect(account.state.scenario.cloudtrail!.events!.at(-1)).toMatchObject({
      eventName: 'AuthorizeSecurityGroupIngress',
      requestParameters: { groupId: MINER_SG, ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: '198.51.100.0/24', description: 'responders' }] } }] } },
      responseElements: { _return: true, securityGroupRuleSet: { items: [{ securityGroupRuleId: added.SecurityGroupRuleId, cidrIpv4: '198.51.100.0/24', isEgress: false }] } },
    });
  });

  it('adds egress rules, including one to another group', async () => {
    const { ec2 } = setup();
    await ec2.send(new AuthorizeSecurityGroupEgressCommand({
      GroupId: WEB_SG,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, UserIdGroupPairs: [{ GroupId: MINER_SG }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }],
    }));
    expect(summary(await rules(ec2, WEB_SG))).toEqual([`out tcp 443-443 ::/0`, `out tcp 443-443 ${MINER_SG}`]);
  });

  it('refuses an exact duplicate, and a rule naming a group that does not exist', async () => {
    const { ec2 } = setup();
    const duplicate = await rejection(ec2.send(new AuthorizeSecurityGroupIngressCommand({
      GroupId: MINER_SG,
      IpPermissions: [{ IpProtocol: '6', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'a different description' }] }],
    })));
    expect(duplicate.name).toBe('InvalidPermission.Duplicate');
    expect(duplicate.message).toContain('peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW');
    const missing = await rejection(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MINER_SG, IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-0nope' }] }] })));
    expect(missing.name).toBe('InvalidGroup.NotFound');
    const ports = await rejection(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: MINER_SG, IpPermissions: [{ IpProtocol: 'tcp', IpRanges: [{ CidrIp: '10.0.0.0/8' }] }] })));
    expect(ports.name).toBe('InvalidParameterValue');
    expect(summary(await rules(ec2, MINER_SG))).toHaveLength(4);
  });
});

describe('RevokeSecurityGroupIngress / Egress', () => {
  it('revokes by rule id only that rule, even from a permission with several CIDRs', async () => {
    const { account, ec2 } = setup();
    const before = await rules(ec2, MINER_SG);
    const open22 = before.find((r) => r.FromPort === 22 && r.CidrIpv4 === '0.0.0.0/0')!;
    const out = await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: MINER_SG, SecurityGroupRuleIds: [open22.SecurityGroupRuleId!] }));
    expect(out.Return).toBe(true);
    expect(out.UnknownIpPermissions).toBeUndefined();
    expect(out.RevokedSecurityGroupRules).toEqual([
      { SecurityGroupRuleId: open22.SecurityGroupRuleId, GroupId: MINER_SG, IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' },
    ]);
    const after = await rules(ec2, MINER_SG);
    expect(after.map((r) => r.SecurityGroupRuleId)).toEqual(before.filter((r) => r !== open22).map((r) => r.SecurityGroupRuleId));
    expect(summary(after)).toEqual(['in tcp 22-22 203.0.113.0/24', 'in tcp 3333-3333 0.0.0.0/0', 'out -1 -1--1 0.0.0.0/0']);
    expect(account.state.scenario.cloudtrail!.events!.at(-1)).toMatchObject({
      eventName: 'RevokeSecurityGroupIngress',
      requestParameters: { groupId: MINER_SG, securityGroupRuleIds: { items: [{ securityGroupRuleId: open22.SecurityGroupRuleId }] } },
      responseElements: { _return: true },
    });
  });

  it('refuses an unknown rule id, or an egress rule id given to the ingress call, revoking nothing', async () => {
    const { ec2 } = setup();
    const before = await rules(ec2, MINER_SG);
    const unknown = await rejection(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: MINER_SG, SecurityGroupRuleIds: [before[0]!.SecurityGroupRuleId!, 'sgr-0000000000000dead'] })));
    expect(unknown.name).toBe('InvalidSecurityGroupRuleId.NotFound');
    expect(unknown.message).toContain('sgr-0000000000000dead');
    const egress = before.find((r) => r.IsEgress)!;
    expect((await rejection(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: MINER_SG, SecurityGroupRuleIds: [egress.SecurityGroupRuleId!] })))).name).toBe('InvalidSecurityGroupRuleId.NotFound');
    expect(await rules(ec2, MINER_SG)).toEqual(before);
  });

  it('revokes by IpPermissions what matches, and succeeds listing what does not in UnknownIpPermissions', async () => {
    const { account, ec2 } = setup();
    const out = await ec2.send(new RevokeSecurityGroupIngressCommand({
      GroupId: MINER_SG,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 3333, ToPort: 3333, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '192.0.2.0/24' }] },
      ],
    }));
    expect(out.Return).toBe(true);
    expect(out.UnknownIpPermissions).toEqual([
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '192.0.2.0/24' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] },
    ]);
    expect(out.RevokedSecurityGroupRules!.map((r) => r.FromPort)).toEqual([3333]);
    expect(summary(await rules(ec2, MINER_SG))).toEqual(['in tcp 22-22 0.0.0.0/0', 'in tcp 22-22 203.0.113.0/24', 'out -1 -1--1 0.0.0.0/0']);
    expect(account.state.scenario.cloudtrail!.events!.at(-1)!.responseElements).toMatchObject({ _return: true, unknownIpPermissionSet: { items: [{ fromPort: 22 }] } });
  });

  it('succeeds and changes nothing when no permission matches (re-describe to confirm)', async () => {
    const { ec2 } = setup();
    const before = await rules(ec2, MINER_SG);
    const out = await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: MINER_SG, IpPermissions: [{ IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    expect(out.Return).toBe(true);
    expect(out.UnknownIpPermissions).toHaveLength(1);
    expect(out.RevokedSecurityGroupRules).toEqual([]);
    expect(await rules(ec2, MINER_SG)).toEqual(before);
  });

  it('revokes egress, and a rule authorized again gets a new id', async () => {
    const { ec2 } = setup();
    const egress = (await rules(ec2, MINER_SG)).find((r) => r.IsEgress)!;
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: MINER_SG, SecurityGroupRuleIds: [egress.SecurityGroupRuleId!] }));
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [MINER_SG] }))).SecurityGroups![0]!;
    expect(group.IpPermissionsEgress).toEqual([]);
    const again = await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: MINER_SG, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    expect(again.SecurityGroupRules![0]!.SecurityGroupRuleId).not.toBe(egress.SecurityGroupRuleId);
    expect((await rules(ec2, MINER_SG)).find((r) => r.IsEgress)!.SecurityGroupRuleId).toBe(again.SecurityGroupRules![0]!.SecurityGroupRuleId);
  });
});
