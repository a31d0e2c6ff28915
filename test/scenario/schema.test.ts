import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { ACCOUNT_ID, baseScenario, inputErrorOf, scenarioWith, type FixtureScenario } from './fixtures.js';

type Change = (scenario: FixtureScenario & Record<string, unknown>) => void;

interface ValidCase {
  name: string;
  change: Change;
  check: (scenario: Scenario) => void;
}

const valid: ValidCase[] = [
  {
    name: 'Date objects become ISO strings',
    change: (s) => {
      Object.assign(s, { now: new Date('2026-03-10T12:00:00Z') });
      Object.assign(s.costs.lineItems[0]!, { date: new Date('2026-03-09T00:00:00Z') });
    },
    check: (s) => {
      expect(s.now).toBe('2026-03-10T12:00:00.000Z');
      expect(s.costs?.lineItems?.[0]?.date).toBe('2026-03-09');
    },
  },
  {
    name: 'a UTC offset of +00:00 for now, and any offset elsewhere',
    change: (s) => {
      s.now = '2026-03-10T12:00:00+00:00';
      s.ec2.instances[0]!.LaunchTime = '2026-03-10T08:05:00.123+02:00';
    },
    check: (s) => expect(s.ec2?.instances?.[0]?.LaunchTime).toBe('2026-03-10T08:05:00.123+02:00'),
  },
  {
    name: 'a 12-digit numeric account id',
    change: (s) => Object.assign(s.account, { id: 123456789012 }),
    check: (s) => expect(s.account?.id).toBe(ACCOUNT_ID),
  },
  {
    name: 'unknown keys on AWS objects, kept untouched',
    change: (s) => {
      Object.assign(s.ec2.instances[0]!, { EbsOptimized: false, Monitoring: { State: 'disabled' } });
      Object.assign(s.cloudtrail.events[0]!, { tlsDetails: { tlsVersion: 'TLSv1.3' }, sharedEventID: 'x' });
    },
    check: (s) => {
      expect(s.ec2?.instances?.[0]).toMatchObject({ EbsOptimized: false, Monitoring: { State: 'disabled' } });
      expect(s.cloudtrail?.events?.[0]).toMatchObject({ tlsDetails: { tlsVersion: 'TLSv1.3' }, sharedEventID: 'x' });
    },
  },
  {
    name: 'a numeric IpProtocol, as unquoted YAML gives it',
    change: (s) => Object.assign(s.ec2.securityGroups[0]!.IpPermissionsEgress[0]!, { IpProtocol: -1 }),
    check: (s) => expect(s.ec2?.securityGroups?.[0]?.IpPermissionsEgress[0]?.IpProtocol).toBe('-1'),
  },
  {
    name: 'a high-resolution metric period',
    change: (s) => { s.cloudwatch.series[0]!.Period = 10; },
    check: (s) => expect(s.cloudwatch?.series?.[0]?.Period).toBe(10),
  },
  {
    name: 'no regions: the 17 default regions apply',
    change: (s) => { delete (s as { regions?: unknown }).regions; },
    check: (s) => expect(s.regions).toBeUndefined(),
  },
  {
    name: 'an organization with inline members and no account',
    change: (s) => {
      delete (s as { account?: unknown }).account;
      Object.assign(s, {
        organization: { id: 'o-abcdefghij', managementAccountId: ACCOUNT_ID },
        members: [{ account: { id: ACCOUNT_ID } }, { account: { id: '210987654321' }, ec2: { instances: [] } }],
      });
    },
    check: (s) => expect(s.members).toHaveLength(2),
  },
];

interface InvalidCase {
  name: string;
  change: Change;
  /** The message after `fixture: `. */
  message: string;
}

const invalid: InvalidCase[] = [
  { name: 'now not in UTC', change: (s) => { s.now = '2026-03-10T12:00:00+01:00'; }, message: 'now: must be in UTC (end in Z or +00:00)' },
  { name: 'now without a time zone', change: (s) => { s.now = '2026-03-10T12:00:00'; }, message: 'now: not an ISO-8601 timestamp' },
  {
    name: 'a short numeric account id (YAML dropped its leading zero)',
    change: (s) => Object.assign(s.account, { id: 12345678901 }),
    message: 'account.id: not a 12-digit AWS account id (quote it, or leading zeros are lost)',
  },
  {
    name: 'no account and no members',
    change: (s) => { delete (s as { account?: unknown }).account; },
    message: 'account: required (unless members is given)',
  },
  { name: 'a misspelt section key', change: (s) => Object.assign(s.ec2, { instance: [] }), message: 'ec2: unknown key "instance"' },
  {
    name: 'a wrong type',
    change: (s) => Object.assign(s.cloudtrail.trails[0]!, { IsLogging: 'yes' }),
    message: 'cloudtrail.trails[0].IsLogging: expected a boolean, got string',
  },
  {
    name: 'an unknown instance state',
    change: (s) => { s.ec2.instances[0]!.State.Name = 'runing'; },
    message:
      'ec2.instances[0].State.Name: expected one of "pending", "running", "shutting-down", "terminated", "stopping", "stopped", got "runing"',
  },
  {
    name: 'a duplicate InstanceId',
    change: (s) => { s.ec2.instances[1]!.InstanceId = s.ec2.instances[0]!.InstanceId; },
    message: 'ec2.instances[1].InstanceId: duplicate InstanceId "i-0bbbbbbbbbbbbbbb2" (first at [0])',
  },
  {
    name: 'a duplicate GroupId',
    change: (s) => { s.ec2.securityGroups.push(s.ec2.securityGroups[0]!); },
    message: 'ec2.securityGroups[1].GroupId: duplicate GroupId "sg-0bbbbbbbbbbbbbbb2" (first at [0])',
  },
  {
    name: 'a security group in a region outside the 17 defaults',
    change: (s) => {
      delete (s as { regions?: unknown }).regions;
      s.ec2.securityGroups[0]!.Region = 'af-south-1';
    },
    message: 'ec2.securityGroups[0].Region: region "af-south-1" is not one of the 17 default regions; list it under regions',
  },
  {
    name: 'a metric series in a region missing from regions',
    change: (s) => { s.cloudwatch.series[0]!.Region = 'us-west-2'; },
    message: 'cloudwatch.series[0].Region: region "us-west-2" is not in regions',
  },
  {
    name: 'a metric period that CloudWatch does not use',
    change: (s) => { s.cloudwatch.series[0]!.Period = 90; },
    message: 'cloudwatch.series[0].Period: must be 1, 5, 10, 30 or a multiple of 60 seconds',
  },
  {
    name: 'a metric value that is not a number',
    change: (s) => Object.assign(s.cloudwatch.series[0]!.Values, { 1: '12' }),
    message: 'cloudwatch.series[0].Values[1]: expected a number, got string',
  },
  {
    name: 'a daily cost series starting on a date that does not exist',
    change: (s) => { s.costs.daily[0]!.start = '2026-13-01'; },
    message: 'costs.daily[0].start: not a YYYY-MM-DD date',
  },
  {
    name: 'a latency key that is neither default nor service:Operation',
    change: (s) => Object.assign(s.simulation.latencyMs, { LookupEvents: 5 }),
    message: 'simulation.latencyMs.LookupEvents: invalid key: expected "default" or "service:Operation"',
  },
  {
    name: 'a negative latency',
    change: (s) => { s.simulation.latencyMs.default = -1; },
    message: 'simulation.latencyMs.default: must be at least 0',
  },
  {
    name: 'a fault repeated a fractional number of times',
    change: (s) => { s.simulation.faults[0]!.times = 1.5; },
    message: 'simulation.faults[0].times: expected an integer, got 1.5',
  },
  {
    name: 'user data that is not base64',
    change: (s) => Object.assign(s.ec2.instances[0]!, { UserData: '#!/bin/bash\n/opt/xmrig' }),
    message: 'ec2.instances[0].UserData: not base64',
  },
  {
    name: 'a CIDR without its prefix length',
    change: (s) => { s.ec2.securityGroups[0]!.IpPermissions[0]!.IpRanges[0]!.CidrIp = '0.0.0.0'; },
    message: 'ec2.securityGroups[0].IpPermissions[0].IpRanges[0].CidrIp: not an IPv4 CIDR',
  },
  {
    name: 'an inline member with a problem, reported field by field',
    change: (s) => Object.assign(s, { members: [{ account: { id: ACCOUNT_ID }, ec2: { instances: [{ InstanceId: 'i-1' }] } }] }),
    message: '4 problems:\n  members[0].ec2.instances[0].InstanceType: required\n  members[0].ec2.instances[0].LaunchTime: required\n  members[0].ec2.instances[0].State: required\n  members[0].ec2.instances[0].Region: required',
  },
  {
    name: 'a member that is neither a path nor an account',
    change: (s) => Object.assign(s, { members: [42] }),
    message: 'members[0]: expected a string or an object, got number',
  },
  {
    name: 'a member given as a path, which only a scenario file can resolve',
    change: (s) => Object.assign(s, { members: ['members/dev.yaml'] }),
    message: 'members[0]: a member given as a file path needs a scenario file to resolve it against',
  },
  {
    name: 'an organization id of the wrong shape',
    change: (s) => Object.assign(s, { organization: { id: 'org-1', managementAccountId: ACCOUNT_ID } }),
    message: 'organization.id: not an organization id (o- and 10 to 32 lowercase letters or digits)',
  },
];

describe('parseScenario', () => {
  it('accepts the base fixture unchanged', () => {
    expect(parseScenario(baseScenario(), 'fixture')).toEqual(baseScenario());
  });

  it.each(valid)('accepts $name', ({ change, check }) => {
    check(parseScenario(scenarioWith(change), 'fixture'));
  });

  it.each(invalid)('rejects $name', async ({ change, message }) => {
    const error = await inputErrorOf(() => parseScenario(scenarioWith(change), 'fixture'));
    expect(error.message).toBe(`fixture: ${message}`);
  });

  it('lists the first ten problems of many and counts the rest', async () => {
    const scenario = scenarioWith((s) => {
      s.cloudtrail.events = Array.from({ length: 12 }, (_, i) => ({ ...s.cloudtrail.events[0]!, eventID: `e-${i}`, eventTime: 'soon' }));
    });
    const error = await inputErrorOf(() => parseScenario(scenario, 'fixture'));
    expect(error.issues).toHaveLength(12);
    expect(error.message.split('\n')).toEqual([
      'fixture: 12 problems:',
      ...Array.from({ length: 10 }, (_, i) => `  cloudtrail.events[${i}].eventTime: not an ISO-8601 timestamp`),
      '  ... and 2 more',
    ]);
  });
});
