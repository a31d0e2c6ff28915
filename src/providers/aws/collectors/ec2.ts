// EC2: the enabled regions, and per region the instances, the security groups with their rules
// (by rule id, which revoke-ingress needs), and the user data of instances launched in the window.

import {
  DescribeInstanceAttributeCommand,
  DescribeRegionsCommand,
  paginateDescribeInstances,
  paginateDescribeSecurityGroupRules,
  paginateDescribeSecurityGroups,
  type Instance as Ec2Instance,
  type SecurityGroupRule as Ec2Rule,
} from '@aws-sdk/client-ec2';
import { vcpusOf } from '../../../domain/instance-types.js';
import type { Instance, SecurityGroup, SecurityGroupRule } from '../../types.js';
import type { AwsClients } from '../clients.js';
import { GLOBAL_REGION } from '../clients.js';
import { mapLimit, toMs, type CollectContext } from '../collector.js';

export const REGION_PERMISSIONS = ['ec2:DescribeRegions'] as const;
export const PERMISSIONS = ['ec2:DescribeInstances', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules'] as const;
export const USER_DATA_PERMISSIONS = ['ec2:DescribeInstanceAttribute'] as const;

/** The regions enabled for the account (opted-in or needing no opt-in). */
export async function listEnabledRegions(clients: AwsClients): Promise<string[]> {
  const out = await clients.ec2(GLOBAL_REGION).send(new DescribeRegionsCommand({ AllRegions: false }));
  return (out.Regions ?? []).map((r) => r.RegionName ?? '').filter(Boolean).sort();
}

export async function collectEc2Region(ctx: CollectContext, region: string): Promise<{ instances: Instance[]; securityGroups: SecurityGroup[] }> {
  const client = ctx.clients.ec2(region);
  const instances: Instance[] = [];
  for await (const page of paginateDescribeInstances({ client, pageSize: 1000 }, {})) {
    for (const reservation of page.Reservations ?? []) {
      for (const raw of reservation.Instances ?? []) instances.push(toInstance(raw, region));
    }
  }
  const groups = new Map<string, SecurityGroup>();
  for await (const page of paginateDescribeSecurityGroups({ client, pageSize: 1000 }, {})) {
    for (const g of page.SecurityGroups ?? []) {
      if (!g.GroupId) continue;
      groups.set(g.GroupId, {
        id: g.GroupId,
        name: g.GroupName ?? g.GroupId,
        region,
        vpcId: g.VpcId,
        description: g.Description,
        tags: tagMap(g.Tags),
        rules: [],
      });
    }
  }
  for await (const page of paginateDescribeSecurityGroupRules({ client, pageSize: 1000 }, {})) {
    for (const r of page.SecurityGroupRules ?? []) {
      const group = r.GroupId ? groups.get(r.GroupId) : undefined;
      if (group) group.rules.push(toRule(r));
    }
  }
  return { instances, securityGroups: [...groups.values()] };
}

/**
 * User data of the instances launched in the window: CloudTrail redacts it in RunInstances
 * events, so it comes from DescribeInstanceAttribute, one call per instance.
 */
export async function collectUserData(ctx: CollectContext, region: string, instances: Instance[]): Promise<void> {
  const client = ctx.clients.ec2(region);
  const recent = instances.filter((i) => i.launchTime >= ctx.window.start && i.state !== 'terminated');
  await mapLimit(recent, ctx.settings.concurrency, async (instance) => {
    const out = await client.send(new DescribeInstanceAttributeCommand({ InstanceId: instance.id, Attribute: 'userData' }));
    const encoded = out.UserData?.Value;
    if (encoded) instance.userData = Buffer.from(encoded, 'base64').subarray(0, ctx.settings.userData.maxBytes).toString('utf8');
  });
}

function toInstance(raw: Ec2Instance, region: string): Instance {
  const type = raw.InstanceType ?? 'unknown';
  return {
    id: raw.InstanceId ?? '',
    region,
    type,
    state: raw.State?.Name ?? 'unknown',
    launchTime: toMs(raw.LaunchTime) ?? 0,
    vcpus: vcpusOf(type, raw.CpuOptions),
    architecture: raw.Architecture,
    imageId: raw.ImageId,
    keyName: raw.KeyName,
    vpcId: raw.VpcId,
    subnetId: raw.SubnetId,
    privateIp: raw.PrivateIpAddress,
    publicIp: raw.PublicIpAddress,
    instanceProfileArn: raw.IamInstanceProfile?.Arn,
    securityGroups: (raw.SecurityGroups ?? []).map((g) => ({ id: g.GroupId ?? '', name: g.GroupName })),
    tags: tagMap(raw.Tags),
    volumeIds: (raw.BlockDeviceMappings ?? []).map((b) => b.Ebs?.VolumeId).filter((v): v is string => Boolean(v)),
  };
}

function toRule(r: Ec2Rule): SecurityGroupRule {
  return {
    ruleId: r.SecurityGroupRuleId ?? '',
    groupId: r.GroupId ?? '',
    isEgress: r.IsEgress ?? false,
    protocol: r.IpProtocol ?? '-1',
    fromPort: r.FromPort,
    toPort: r.ToPort,
    cidrIpv4: r.CidrIpv4,
    cidrIpv6: r.CidrIpv6,
    referencedGroupId: r.ReferencedGroupInfo?.GroupId,
    prefixListId: r.PrefixListId,
    description: r.Description,
  };
}

function tagMap(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key) out[t.Key] = t.Value ?? '';
  return out;
}
