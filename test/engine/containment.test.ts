import { describe, expect, it } from 'vitest';
import { annotateContainment } from '../../src/engine/containment.js';
import type { Finding } from '../../src/detectors/types.js';
import { emptyAccount, instance, rule, securityGroup, user } from '../detectors/fixtures.js';

const finding = (resources: Finding['resources'], severity: Finding['severity'] = 'high'): Finding => ({
  id: 'f', detector: 'fleet-spinup', severity, title: 't', account: '111122223333', region: 'us-east-1', resources, evidence: {},
});

function account() {
  const data = emptyAccount();
  data.ec2.securityGroups = [
    securityGroup('sg-closed', [], { tags: { 'rigwatch:isolation': 'closed' } }),
    securityGroup('sg-web', [rule({ ruleId: 'sgr-00000000000000ssh', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' })]),
  ];
  data.ec2.instances = [
    instance({ id: 'i-isolated', securityGroups: [{ id: 'sg-closed' }] }),
    instance({ id: 'i-stopped', state: 'stopped', securityGroups: [{ id: 'sg-web' }] }),
    instance({ id: 'i-running', securityGroups: [{ id: 'sg-web' }] }),
  ];
  data.iam.users = [
    user('ops', { accessKeys: [{ id: 'AKIAOPS0000000000001', userName: 'ops', status: 'Inactive', createDate: 0 }], inlinePolicyNames: ['rigwatch-quarantine-rw-1'] }),
    user('dev', { accessKeys: [{ id: 'AKIADEV0000000000001', userName: 'dev', status: 'Active', createDate: 0 }] }),
  ];
  return data;
}

describe('containment', () => {
  it.each([
    { name: 'isolated and stopped instances are contained', resources: [['AWS::EC2::Instance', 'i-isolated'], ['AWS::EC2::Instance', 'i-stopped']], want: { state: 'contained', contained: 2, total: 2 } },
    { name: 'a running instance in its own groups is not', resources: [['AWS::EC2::Instance', 'i-isolated'], ['AWS::EC2::Instance', 'i-running']], want: { state: 'partial', contained: 1, total: 2 } },
    { name: 'a revoked rule is contained, a present one is not', resources: [['AWS::EC2::SecurityGroupRule', 'sgr-revoked'], ['AWS::EC2::SecurityGroupRule', 'sgr-00000000000000ssh']], want: { state: 'partial', contained: 1, total: 2 } },
    { name: 'an inactive key and a quarantined user are contained', resources: [['AWS::IAM::AccessKey', 'AKIAOPS0000000000001'], ['AWS::IAM::User', 'ops']], want: { state: 'contained', contained: 2, total: 2 } },
    { name: 'an active key and a user without quarantine are open', resources: [['AWS::IAM::AccessKey', 'AKIADEV0000000000001'], ['AWS::IAM::User', 'dev']], want: { state: 'open', contained: 0, total: 2 } },
  ])('$name', ({ resources, want }) => {
    const [f] = annotateContainment([finding(resources.map(([type, id]) => ({ type: type as string, id: id as string })))], account());
    expect(f?.containment).toEqual(want);
  });

  it('leaves findings with nothing containable, and information, without a containment', () => {
    const out = annotateContainment([
      finding([{ type: 'AWS::CloudTrail::Trail', id: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main' }]),
      finding([{ type: 'AWS::EC2::Instance', id: 'i-running' }], 'info'),
    ], account());
    expect(out.map((f) => f.containment)).toEqual([undefined, undefined]);
  });
});
