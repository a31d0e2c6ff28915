// Shared by the simulator tests: inline scenarios and real SDK clients attached to a simulated account.

import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import type { Scenario } from '../../src/scenario/types.js';
import { SimulatedAccount } from '../../src/simulator/account.js';
import { cloudtrailService } from '../../src/simulator/services/cloudtrail.js';
import { ec2Service } from '../../src/simulator/services/ec2.js';
import { guardDutyService } from '../../src/simulator/services/guardduty.js';
import { stsService } from '../../src/simulator/services/sts.js';

export const ACCOUNT_ID = '111122223333';
export const NOW = '2026-11-01T12:00:00.000Z';
export const NOW_MS = Date.parse(NOW);
export const MINUTE = 60_000;
export const DAY = 24 * 3600_000;

/** The ISO time `ms` milliseconds before the scenario's now (after it, when negative). */
export function ago(ms: number): string {
  return new Date(NOW_MS - ms).toISOString();
}

export function scenario(parts: Partial<Scenario> = {}): Scenario {
  return { format: 'rigwatch-scenario/1', name: 'test', now: NOW, account: { id: ACCOUNT_ID }, ...parts };
}

/** The services this suite's owner wrote: tests pass them explicitly. */
export const SERVICES = [stsService, ec2Service, cloudtrailService, guardDutyService];

export function simulated(s: Scenario): SimulatedAccount {
  return new SimulatedAccount(s, { services: SERVICES });
}

const credentials = { accessKeyId: 'AKIASIMULATEDTEST', secretAccessKey: 'simulated' };

/** Clients for one Region of `account`. maxAttempts 1 unless a test wants the SDK's retries. */
export function clients(account: SimulatedAccount, region = 'us-east-1', maxAttempts = 1) {
  const config = { region, credentials, maxAttempts };
  return {
    ec2: account.attach(new EC2Client(config), region),
    cloudtrail: account.attach(new CloudTrailClient(config), region),
    sts: account.attach(new STSClient(config), region),
    guardduty: account.attach(new GuardDutyClient(config), region),
  };
}

/** Clients for the services remediation changes, on an account answering every service. */
export function remediationClients(account: SimulatedAccount, region = 'us-east-1', maxAttempts = 1) {
  const config = { region, credentials, maxAttempts };
  return {
    ...clients(account, region, maxAttempts),
    iam: account.attach(new IAMClient({ ...config, region: 'us-east-1' }), 'us-east-1'),
    autoScaling: account.attach(new AutoScalingClient(config), region),
    elbv2: account.attach(new ElasticLoadBalancingV2Client(config), region),
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { name: string; $fault?: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { name: string };
  }
  throw new Error('expected the call to fail');
}
