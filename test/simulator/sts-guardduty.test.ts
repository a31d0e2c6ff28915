import {
  GetDetectorCommand,
  GetFindingsCommand,
  ListDetectorsCommand,
  ListFindingsCommand,
  paginateListFindings,
  type FindingCriteria,
} from '@aws-sdk/client-guardduty';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { AUDITOR_ROLE_NAME, auditorSessionArn } from '../../src/simulator/services/sts.js';
import { ACCOUNT_ID, ago, clients, DAY, rejection, scenario, simulated } from './harness.js';

describe('STS GetCallerIdentity', () => {
  it('answers as the auditor role session', async () => {
    const out = await clients(simulated(scenario()), 'eu-west-1').sts.send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe(ACCOUNT_ID);
    expect(out.Arn).toBe(`arn:aws:sts::${ACCOUNT_ID}:assumed-role/${AUDITOR_ROLE_NAME}/rigwatch`);
    expect(out.Arn).toBe(auditorSessionArn(ACCOUNT_ID));
    expect(out.UserId).toMatch(/^AROA[A-Z2-7]{17}:rigwatch$/);
  });

  it('gives the role the same id in two accounts built from one scenario', async () => {
    const s = scenario();
    const [a, b] = await Promise.all([simulated(s), simulated(s)].map((acct) => clients(acct).sts.send(new GetCallerIdentityCommand({}))));
    expect(a!.UserId).toBe(b!.UserId);
  });
});

function finding(id: string, parts: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AccountId: ACCOUNT_ID,
    Arn: `arn:aws:guardduty:us-east-1:${ACCOUNT_ID}:detector/det-east/finding/${id}`,
    CreatedAt: ago(DAY),
    UpdatedAt: ago(DAY / 2),
    Id: id,
    Partition: 'aws',
    Region: 'us-east-1',
    Resource: { ResourceType: 'Instance', InstanceDetails: { InstanceId: 'i-0aaa' } },
    SchemaVersion: '2.0',
    Service: { Archived: false, Count: 3, DetectorId: 'det-east', ServiceName: 'guardduty' },
    Severity: 5,
    Title: id,
    Type: 'Recon:EC2/PortProbeUnprotectedPort',
    ...parts,
  };
}

const findings = [
  finding('f-miner', { Type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', Severity: 8, UpdatedAt: ago(DAY / 4) }),
  finding('f-pool', { Type: 'Impact:EC2/BitcoinDomainRequest.Reputation', Severity: 8 }),
  finding('f-archived', { Severity: 2, Service: { Archived: true, DetectorId: 'det-east' } }),
  finding('f-other-instance', { Resource: { ResourceType: 'Instance', InstanceDetails: { InstanceId: 'i-0bbb' } } }),
  finding('f-future', { CreatedAt: ago(-DAY), UpdatedAt: ago(-DAY) }),
  finding('f-eu', { Region: 'eu-west-1', Service: { Archived: false, DetectorId: 'det-eu' } }),
  ...Array.from({ length: 7 }, (_, n) => finding(`f-bulk-${n}`, { Severity: 1 + (n % 3) })),
];

const account = simulated(scenario({
  guardduty: {
    detectors: [
      { Region: 'us-east-1', DetectorId: 'det-east', Status: 'ENABLED' },
      { Region: 'eu-west-1', DetectorId: 'det-eu', Status: 'DISABLED' },
    ],
    findings,
  },
}));
const east = clients(account, 'us-east-1').guardduty;
const west = clients(account, 'eu-west-1').guardduty;
const asia = clients(account, 'ap-south-1').guardduty;

describe('GuardDuty detectors', () => {
  it('lists each Region\'s detectors', async () => {
    expect((await east.send(new ListDetectorsCommand({}))).DetectorIds).toEqual(['det-east']);
    expect((await west.send(new ListDetectorsCommand({}))).DetectorIds).toEqual(['det-eu']);
    expect((await asia.send(new ListDetectorsCommand({}))).DetectorIds).toEqual([]);
  });

  it('GetDetector answers Status, ServiceRole and string timestamps', async () => {
    const out = await west.send(new GetDetectorCommand({ DetectorId: 'det-eu' }));
    expect(out).toMatchObject({
      Status: 'DISABLED',
      ServiceRole: `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`,
      CreatedAt: expect.any(String),
      UpdatedAt: expect.any(String),
    });
  });

  it('rejects a detector of another Region with BadRequestException', async () => {
    const error = await rejection(east.send(new GetDetectorCommand({ DetectorId: 'det-eu' })));
    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['BadRequestException', 400]);
  });
});

describe('GuardDuty findings', () => {
  const visibleEast = findings.filter((f) => f.Region === 'us-east-1' && f.Id !== 'f-future').map((f) => f.Id);
  const cases: { name: string; criteria?: FindingCriteria; expected: unknown[] }[] = [
    { name: 'no criteria: every finding that exists at now', expected: visibleEast },
    { name: 'type Eq', criteria: { Criterion: { type: { Eq: ['CryptoCurrency:EC2/BitcoinTool.B!DNS'] } } }, expected: ['f-miner'] },
    { name: 'severity GreaterThanOrEqual', criteria: { Criterion: { severity: { GreaterThanOrEqual: 7 } } }, expected: ['f-miner', 'f-pool'] },
    { name: 'service.archived Eq false and severity Gte', criteria: { Criterion: { 'service.archived': { Eq: ['false'] }, severity: { Gte: 2 } } }, expected: visibleEast.filter((id) => !['f-archived', 'f-bulk-0', 'f-bulk-3', 'f-bulk-6'].includes(id as string)) },
    { name: 'a nested resource field', criteria: { Criterion: { 'resource.instanceDetails.instanceId': { Equals: ['i-0bbb'] } } }, expected: ['f-other-instance'] },
    { name: 'updatedAt after a time', criteria: { Criterion: { updatedAt: { GreaterThan: Date.parse(ago(DAY / 3)) } } }, expected: ['f-miner'] },
  ];
  it.each(cases)('ListFindings: $name', async ({ criteria, expected }) => {
    const out = await east.send(new ListFindingsCommand({ DetectorId: 'det-east', FindingCriteria: criteria }));
    expect(out.FindingIds).toEqual(expected);
  });

  it('pages ListFindings: every id exactly once', async () => {
    const ids: string[] = [];
    for await (const page of paginateListFindings({ client: east, pageSize: 3 }, { DetectorId: 'det-east' })) ids.push(...page.FindingIds!);
    expect(ids).toEqual(visibleEast);
  });

  it('sorts by SortCriteria', async () => {
    const out = await east.send(new ListFindingsCommand({ DetectorId: 'det-east', SortCriteria: { AttributeName: 'severity', OrderBy: 'DESC' } }));
    expect(out.FindingIds!.slice(0, 2)).toEqual(['f-miner', 'f-pool']);
  });

  it('GetFindings returns the findings asked for that exist, in the Region', async () => {
    const out = await east.send(new GetFindingsCommand({ DetectorId: 'det-east', FindingIds: ['f-pool', 'f-future', 'f-eu', 'f-unknown'] }));
    expect(out.Findings!.map((f) => f.Id)).toEqual(['f-pool']);
    expect(out.Findings![0]).toMatchObject({ Type: 'Impact:EC2/BitcoinDomainRequest.Reputation', CreatedAt: expect.any(String) });
  });

  const limits = [
    { name: 'ListFindings MaxResults 51', send: () => east.send(new ListFindingsCommand({ DetectorId: 'det-east', MaxResults: 51 })) },
    { name: 'ListDetectors MaxResults 0', send: () => east.send(new ListDetectorsCommand({ MaxResults: 0 })) },
    { name: 'GetFindings with 51 ids', send: () => east.send(new GetFindingsCommand({ DetectorId: 'det-east', FindingIds: Array.from({ length: 51 }, (_, n) => `f-${n}`) })) },
    { name: 'a forged NextToken', send: () => east.send(new ListFindingsCommand({ DetectorId: 'det-east', NextToken: 'forged' })) },
  ];
  it.each(limits)('rejects $name with BadRequestException', async ({ send }) => {
    expect((await rejection(send())).name).toBe('BadRequestException');
  });
});
