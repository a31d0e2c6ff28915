// A small valid scenario touching every section, and helpers to write variants of it to disk.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll } from 'vitest';
import { stringify } from 'yaml';
import { InputError } from '../../src/engine/errors.js';

export const ACCOUNT_ID = '123456789012';

const instance = (id: string, region: string) => ({
  InstanceId: id,
  InstanceType: 'c5.4xlarge',
  LaunchTime: '2026-03-10T06:05:00Z',
  State: { Code: 16, Name: 'running' },
  Region: region,
  SecurityGroups: [{ GroupId: 'sg-0bbbbbbbbbbbbbbb2', GroupName: 'ssh' }],
});

const event = (id: string, name: string) => ({
  eventVersion: '1.10',
  eventTime: '2026-03-10T06:05:00Z',
  eventSource: 'ec2.amazonaws.com',
  eventName: name,
  awsRegion: 'eu-west-1',
  eventID: id,
  userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT_ID}:user/ops`, accessKeyId: 'AKIAEXAMPLEOPS00001' },
  requestParameters: { instanceType: 'c5.4xlarge' },
  responseElements: null,
});

/** A fresh copy each call, so a test can change it freely. */
export function baseScenario() {
  return {
    format: 'rigwatch-scenario/1',
    name: 'fixture',
    now: '2026-03-10T12:00:00Z',
    account: { id: ACCOUNT_ID, alias: 'example' },
    regions: [
      { RegionName: 'us-east-1', OptInStatus: 'opt-in-not-required' },
      { RegionName: 'eu-west-1', OptInStatus: 'opt-in-not-required' },
    ],
    ec2: {
      instances: [instance('i-0bbbbbbbbbbbbbbb2', 'eu-west-1'), instance('i-0ccccccccccccccc3', 'eu-west-1')],
      securityGroups: [
        {
          GroupId: 'sg-0bbbbbbbbbbbbbbb2',
          GroupName: 'ssh',
          Region: 'eu-west-1',
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
          IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        },
      ],
    },
    cloudtrail: {
      trails: [{ Name: 'main', HomeRegion: 'us-east-1', IsMultiRegionTrail: true, IsLogging: true }],
      events: [
        event('0f0e0d0c-0001-4000-8000-000000000001', 'AuthorizeSecurityGroupIngress'),
        event('0f0e0d0c-0002-4000-8000-000000000002', 'RunInstances'),
      ],
    },
    cloudwatch: {
      series: [
        {
          Namespace: 'AWS/EC2',
          MetricName: 'CPUUtilization',
          Dimensions: [{ Name: 'InstanceId', Value: 'i-0bbbbbbbbbbbbbbb2' }],
          Region: 'eu-west-1',
          Start: '2026-03-10T06:10:00Z',
          Period: 3600,
          Values: [98.1, null, 98.7],
        },
      ],
    },
    costs: {
      currency: 'USD',
      daily: [{ service: 'Amazon Elastic Compute Cloud - Compute', start: '2026-03-01', amounts: [2.3, 2.3, 1.15] }],
      lineItems: [
        { date: '2026-03-10', service: 'Amazon Elastic Compute Cloud - Compute', region: 'eu-west-1', amount: 8.53 },
        { date: '2026-03-05', service: 'Credits', recordType: 'Credit', amount: -5 },
      ],
    },
    iam: {
      users: [
        {
          UserName: 'ops',
          Arn: `arn:aws:iam::${ACCOUNT_ID}:user/ops`,
          CreateDate: '2025-06-01T09:00:00Z',
          AccessKeys: [{ AccessKeyId: 'AKIAEXAMPLEOPS00001', Status: 'Active', CreateDate: '2025-06-01T09:05:00Z' }],
        },
      ],
      root: { mfaActive: true, accessKeysActive: 0 },
    },
    guardduty: {
      detectors: [{ Region: 'us-east-1', DetectorId: '0123456789abcdef0123456789abcdef', Status: 'ENABLED' }],
      findings: [],
    },
    simulation: {
      enforceLimits: true,
      latencyMs: { default: 0, 'cloudtrail:LookupEvents': 120 },
      faults: [{ service: 'cloudtrail', operation: 'LookupEvents', region: 'eu-west-1', error: 'ThrottlingException', times: 2 }],
    },
  };
}

export type FixtureScenario = ReturnType<typeof baseScenario>;

/** The base scenario after `change`. */
export function scenarioWith(change: (scenario: FixtureScenario & Record<string, unknown>) => void): FixtureScenario {
  const scenario = baseScenario();
  change(scenario);
  return scenario;
}

/** Serialises `content` as the file name says (.json, .yaml, .yml, optionally .gz); text as it is, bytes untouched. */
export function encode(name: string, content: unknown): Buffer {
  if (Buffer.isBuffer(content)) return content;
  const gzipped = name.endsWith('.gz');
  const plain = gzipped ? name.slice(0, -3) : name;
  const text = typeof content === 'string' ? content : plain.endsWith('.json') ? JSON.stringify(content, null, 2) : stringify(content);
  return gzipped ? gzipSync(text) : Buffer.from(text);
}

/** A temporary directory for the tests of one file, removed afterwards. */
export function useTempDir(): { write(name: string, content: unknown): Promise<string>; path(name: string): string } {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rigwatch-scenario-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    path: (name) => path.join(dir, name),
    async write(name, content) {
      const file = path.join(dir, name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, encode(name, content));
      return file;
    },
  };
}

/** The InputError `run` rejects or throws with; fails the test if it does not. */
export async function inputErrorOf(run: () => unknown): Promise<InputError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError, but nothing was thrown');
}
