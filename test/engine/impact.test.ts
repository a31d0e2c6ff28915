import { describe, expect, it } from 'vitest';
import type { Finding, ResourceRef } from '../../src/detectors/types.js';
import { hourlyPrice } from '../../src/domain/ec2-prices.js';
import { findingImpact } from '../../src/engine/impact.js';
import type { Impact } from '../../src/notify/types.js';
import { ACCOUNT, emptyAccount, instance } from '../detectors/fixtures.js';

function finding(o: Partial<Finding>): Finding {
  return {
    id: `${o.detector ?? 'fleet-spinup'}:0000000000000000`,
    detector: 'fleet-spinup',
    severity: 'high',
    title: 't',
    account: ACCOUNT,
    region: 'us-east-1',
    resources: [],
    evidence: {},
    ...o,
  };
}

const ec2 = (id: string, region?: string): ResourceRef => ({ type: 'AWS::EC2::Instance', id, ...(region ? { region } : {}) });

const data = emptyAccount({
  ec2: {
    securityGroups: [],
    instances: [
      instance({ id: 'i-run1', type: 'c5.4xlarge', region: 'sa-east-1' }),
      instance({ id: 'i-run2', type: 'c5.4xlarge', region: 'sa-east-1' }),
      instance({ id: 'i-run3', type: 'c5a.4xlarge', region: 'eu-north-1' }),
      instance({ id: 'i-gpu', type: 'g4dn.xlarge', region: 'us-east-1' }),
      instance({ id: 'i-stopped', type: 'c5.4xlarge', region: 'sa-east-1', state: 'stopped' }),
      instance({ id: 'i-pending', type: 'c5.4xlarge', region: 'sa-east-1', state: 'pending' }),
      instance({ id: 'i-gone', type: 'c5.4xlarge', region: 'sa-east-1', state: 'terminated' }),
      instance({ id: 'i-odd', type: 'x9z.mega', region: 'us-east-1' }),
      instance({ id: 'i-optin', type: 'c5.4xlarge', region: 'af-south-1' }),
    ],
  },
});

const billEvidence = {
  scope: 'total', name: 'total', currency: 'USD', excess: 5368.26, windowExcess: 5375.75,
  monthToDate: { through: '2026-11-27', actual: 15070.62 },
  projectedMonth: { atCurrentRate: 25011.79, atBaseline: 12624.91, upPct: 98.1, excludesFixedFees: true },
};

const sa = hourlyPrice('c5.4xlarge', 'sa-east-1') as number;
const eun = hourlyPrice('c5a.4xlarge', 'eu-north-1') as number;

describe('findingImpact', () => {
  const cases: { name: string; finding: Finding; currency?: string; expected: Impact | undefined }[] = [
    // ---- attack ----
    {
      name: 'bill spike: excess on the flagged days and the month projection',
      finding: finding({ detector: 'bill-spike', region: 'global', evidence: billEvidence }),
      expected: { currency: 'USD', excess: 5368.26, projected: 12386.88 },
    },
    {
      name: 'bill spike without excess falls back to windowExcess',
      finding: finding({ detector: 'bill-spike', evidence: { currency: 'USD', windowExcess: 812.5 } }),
      expected: { currency: 'USD', excess: 812.5 },
    },
    {
      name: 'bill spike in the account currency',
      finding: finding({ detector: 'bill-spike', evidence: { currency: 'EUR', excess: 100 } }),
      expected: { currency: 'EUR', excess: 100 },
    },
    {
      name: 'fleet: running instances priced per region, de-duplicated',
      finding: finding({ resources: [ec2('i-run1', 'sa-east-1'), ec2('i-run2'), ec2('i-run3', 'eu-north-1'), ec2('i-run1', 'sa-east-1')] }),
      expected: { currency: 'USD', hourly: Math.round((2 * sa + eun) * 10_000) / 10_000, instances: { 'i-run1': sa, 'i-run2': sa, 'i-run3': eun } },
    },
    {
      name: 'GPU instance types are priced too',
      finding: finding({ resources: [ec2('i-gpu')] }),
      expected: { currency: 'USD', hourly: 0.526, instances: { 'i-gpu': 0.526 } },
    },
    {
      name: 'mixed: stopped, pending, terminated, unknown type and unknown region are left out',
      finding: finding({ resources: [ec2('i-run1'), ec2('i-stopped'), ec2('i-pending'), ec2('i-gone'), ec2('i-odd'), ec2('i-optin'), ec2('i-missing')] }),
      expected: { currency: 'USD', hourly: sa, instances: { 'i-run1': sa } },
    },
    // ---- benign / nothing to price ----
    {
      name: 'only stopped instances: nothing burning',
      finding: finding({ resources: [ec2('i-stopped'), ec2('i-gone')] }),
      expected: undefined,
    },
    {
      name: 'instance named in another region than the inventory has it',
      finding: finding({ resources: [ec2('i-run1', 'us-east-1')] }),
      expected: undefined,
    },
    {
      name: 'only unknown instance types',
      finding: finding({ resources: [ec2('i-odd')] }),
      expected: undefined,
    },
    {
      name: 'no money: a trail stopped',
      finding: finding({ detector: 'trail-tampering', resources: [{ type: 'AWS::CloudTrail::Trail', id: 'arn:aws:cloudtrail:us-east-1:1:trail/x' }] }),
      expected: undefined,
    },
    {
      name: 'no money: a security group opened',
      finding: finding({ detector: 'sg-open-ingress', resources: [{ type: 'AWS::EC2::SecurityGroup', id: 'sg-1' }], evidence: { excess: 999 } }),
      expected: undefined,
    },
    {
      name: 'bill spike with a non-numeric or negative evidence',
      finding: finding({ detector: 'bill-spike', evidence: { excess: '12', windowExcess: -3, projectedMonth: { atCurrentRate: 10, atBaseline: 20 } } }),
      expected: undefined,
    },
    {
      name: 'instance prices are USD: none in another requested currency',
      finding: finding({ resources: [ec2('i-run1')] }),
      currency: 'EUR',
      expected: undefined,
    },
    {
      name: 'bill spike in a currency other than the one asked for',
      finding: finding({ detector: 'bill-spike', evidence: { currency: 'EUR', excess: 100 } }),
      currency: 'USD',
      expected: undefined,
    },
  ];

  it.each(cases)('$name', ({ finding: f, currency, expected }) => {
    expect(findingImpact(f, data, currency)).toEqual(expected);
  });

  it('keeps the generator figures: c5.4xlarge is 0.68 in us-east-1 and 1.0479 in sa-east-1', () => {
    expect(hourlyPrice('c5.4xlarge', 'us-east-1')).toBe(0.68);
    expect(sa).toBe(1.0479);
    expect(hourlyPrice('c5.4xlarge', 'mars-north-1')).toBeUndefined();
    expect(hourlyPrice('constructor', 'us-east-1')).toBeUndefined();
  });
});
