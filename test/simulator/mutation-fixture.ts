// An account for the mutation tests: a miner in an Auto Scaling group behind a target group, a web
// server with two network interfaces, groups in two VPCs, and an IAM user and role.

import type { Scenario } from '../../src/scenario/types.js';
import { SimulatedAccount } from '../../src/simulator/account.js';
import { ACCOUNT_ID, ago, DAY, scenario } from './harness.js';

export const MINER = 'i-0a1b2c3d4e5f60001';
export const WEB = 'i-0a1b2c3d4e5f60002';
export const STOPPED = 'i-0a1b2c3d4e5f60003';
export const OTHER_VPC_INSTANCE = 'i-0a1b2c3d4e5f60004';
export const VPC = 'vpc-0aaaaaaaaaaaaaaa1';
export const OTHER_VPC = 'vpc-0bbbbbbbbbbbbbbb2';
export const MINER_SG = 'sg-0miner00000000001';
export const WEB_SG = 'sg-0web0000000000002';
export const OTHER_VPC_SG = 'sg-0other0000000003';
export const ROOT_VOLUME = 'vol-0root0000000001';
export const DATA_VOLUME = 'vol-0data0000000002';
export const ASG = 'miner-asg';
export const TARGET_GROUP = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT_ID}:targetgroup/web/0123456789abcdef`;
export const USER = 'ci-deployer';
export const KEY = 'AKIAEXAMPLECI0000001';
export const ROLE = 'app-role';

export function incident(): Scenario {
  return scenario({
    account: { id: ACCOUNT_ID, alias: 'acme-prod' },
    ec2: {
      instances: [
        {
          InstanceId: MINER,
          InstanceType: 'c5.4xlarge',
          LaunchTime: ago(DAY),
          State: { Name: 'running', Code: 16 },
          Region: 'us-east-1',
          VpcId: VPC,
          SubnetId: 'subnet-0aaa',
          Placement: { AvailabilityZone: 'us-east-1b' },
          SecurityGroups: [{ GroupId: MINER_SG, GroupName: 'miner' }],
          Tags: [{ Key: 'Name', Value: 'worker' }, { Key: 'aws:autoscaling:groupName', Value: ASG }],
          RootDeviceName: '/dev/xvda',
          BlockDeviceMappings: [
            { DeviceName: '/dev/xvda', Ebs: { VolumeId: ROOT_VOLUME, DeleteOnTermination: true } },
            { DeviceName: '/dev/sdf', Ebs: { VolumeId: DATA_VOLUME, DeleteOnTermination: true } },
          ],
          NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0miner', Groups: [{ GroupId: MINER_SG, GroupName: 'miner' }] }],
        },
        {
          InstanceId: WEB,
          InstanceType: 'm5.large',
          LaunchTime: ago(30 * DAY),
          State: { Name: 'running' },
          Region: 'us-east-1',
          VpcId: VPC,
          SecurityGroups: [{ GroupId: WEB_SG, GroupName: 'web' }],
          NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0web1' }, { NetworkInterfaceId: 'eni-0web2' }],
        },
        { InstanceId: STOPPED, InstanceType: 't3.micro', LaunchTime: ago(60 * DAY), State: { Name: 'stopped' }, Region: 'us-east-1', VpcId: VPC },
        { InstanceId: OTHER_VPC_INSTANCE, InstanceType: 't3.micro', LaunchTime: ago(60 * DAY), State: { Name: 'running' }, Region: 'us-east-1', VpcId: OTHER_VPC },
      ],
      securityGroups: [
        {
          GroupId: MINER_SG,
          GroupName: 'miner',
          Description: 'launch-wizard',
          Region: 'us-east-1',
          VpcId: VPC,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }, { CidrIp: '203.0.113.0/24', Description: 'office' }] },
            { IpProtocol: 'tcp', FromPort: 3333, ToPort: 3333, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          ],
          IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        },
        { GroupId: WEB_SG, GroupName: 'web', Description: 'web', Region: 'us-east-1', VpcId: VPC, IpPermissions: [], IpPermissionsEgress: [] },
        { GroupId: OTHER_VPC_SG, GroupName: 'other', Description: 'other', Region: 'us-east-1', VpcId: OTHER_VPC, IpPermissions: [], IpPermissionsEgress: [] },
      ],
      volumes: [
        { Region: 'us-east-1', VolumeId: ROOT_VOLUME, Size: 8, Encrypted: true, CreateTime: ago(DAY), Tags: [{ Key: 'role', Value: 'root' }], Attachments: [{ InstanceId: MINER, Device: '/dev/xvda', DeleteOnTermination: true }] },
        { Region: 'us-east-1', VolumeId: DATA_VOLUME, Size: 100, Encrypted: false, CreateTime: ago(DAY), Attachments: [{ InstanceId: MINER, Device: '/dev/sdf', DeleteOnTermination: true }] },
      ],
    },
    cloudtrail: {
      events: [
        {
          eventTime: ago(DAY),
          eventSource: 'ec2.amazonaws.com',
          eventName: 'RunInstances',
          awsRegion: 'us-east-1',
          eventID: '00000000-0000-4000-8000-000000000001',
          userIdentity: { type: 'IAMUser', userName: USER, accessKeyId: KEY },
        },
      ],
    },
    iam: {
      users: [
        {
          UserName: USER,
          Arn: `arn:aws:iam::${ACCOUNT_ID}:user/${USER}`,
          CreateDate: ago(90 * DAY),
          AccessKeys: [{ AccessKeyId: KEY, Status: 'Active', CreateDate: ago(90 * DAY) }],
          AttachedPolicies: [{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }],
        },
      ],
      roles: [
        { RoleName: ROLE, Arn: `arn:aws:iam::${ACCOUNT_ID}:role/${ROLE}`, CreateDate: ago(90 * DAY), AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] } },
        {
          RoleName: 'AWSServiceRoleForAutoScaling',
          Arn: `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
          CreateDate: ago(90 * DAY),
        },
      ],
    },
    elbv2: {
      targetGroups: [
        { TargetGroupArn: TARGET_GROUP, TargetGroupName: 'web', Region: 'us-east-1', VpcId: VPC, Protocol: 'HTTP', Port: 80, TargetType: 'instance', Targets: [{ Id: MINER }, { Id: WEB, Port: 8080 }] },
      ],
    },
  });
}

/** The account answering every service, with or without AWS's rate limits. */
export function incidentAccount(enforceLimits = false, s: Scenario = incident()): SimulatedAccount {
  return new SimulatedAccount({ ...s, simulation: { enforceLimits } });
}
