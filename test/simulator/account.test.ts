import { CloudTrailServiceException, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeInstancesCommand, DescribeRegionsCommand, EC2ServiceException, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import type { ScenarioFault } from '../../src/scenario/types.js';
import { SimulatedAccount } from '../../src/simulator/account.js';
import { stsService } from '../../src/simulator/services/sts.js';
import { ACCOUNT_ID, clients, rejection, scenario, simulated } from './harness.js';

describe('SimulatedAccount', () => {
  it('counts every call as service:Operation and logs its Region', async () => {
    const account = simulated(scenario());
    const east = clients(account, 'us-east-1');
    const west = clients(account, 'eu-west-1');
    await east.sts.send(new GetCallerIdentityCommand({}));
    await west.ec2.send(new DescribeRegionsCommand({}));
    await west.cloudtrail.send(new LookupEventsCommand({}));
    await west.cloudtrail.send(new LookupEventsCommand({}));
    expect(account.callCounts()).toEqual({ 'sts:GetCallerIdentity': 1, 'ec2:DescribeRegions': 1, 'cloudtrail:LookupEvents': 2 });
    expect(account.callLog.map((c) => [c.service, c.operation, c.region, c.account])).toEqual([
      ['sts', 'GetCallerIdentity', 'us-east-1', ACCOUNT_ID],
      ['ec2', 'DescribeRegions', 'eu-west-1', ACCOUNT_ID],
      ['cloudtrail', 'LookupEvents', 'eu-west-1', ACCOUNT_ID],
      ['cloudtrail', 'LookupEvents', 'eu-west-1', ACCOUNT_ID],
    ]);
  });

  it('answers with SDK-shaped metadata', async () => {
    const { sts } = clients(simulated(scenario()));
    const out = await sts.send(new GetCallerIdentityCommand({}));
    expect(out.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 1 });
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers every default service when no services are given', async () => {
    const account = new SimulatedAccount(scenario());
    const { sts } = clients(account);
    await expect(sts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: ACCOUNT_ID });
  });

  it('refuses organization scenarios for now', () => {
    expect(() => simulated(scenario({ account: undefined, members: [] }))).toThrow(/several accounts/);
  });

  describe('fails loudly on what it does not simulate', () => {
    it('an operation the service does not implement', async () => {
      const { ec2 } = clients(simulated(scenario()));
      const error = await rejection(ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1 })));
      expect(error).toBeInstanceOf(EC2ServiceException);
      expect(error.name).toBe('UnsupportedOperation');
      expect(error.message).toContain('EC2Client RunInstances');
    });

    it('a service the account was not given', async () => {
      const account = new SimulatedAccount(scenario(), { services: [stsService] });
      const { ec2 } = clients(account);
      const error = await rejection(ec2.send(new DescribeInstancesCommand({})));
      expect(error.name).toBe('UnsupportedOperation');
      expect(account.callCounts()).toEqual({ 'ec2:DescribeInstances': 1 });
    });
  });

  it('answers calls into a Region the account has not enabled as AWS does', async () => {
    const account = simulated(scenario({
      regions: [{ RegionName: 'us-east-1', OptInStatus: 'opt-in-not-required' }, { RegionName: 'ap-east-1', OptInStatus: 'not-opted-in' }],
    }));
    const { ec2, cloudtrail } = clients(account, 'ap-east-1');
    const ec2Error = await rejection(ec2.send(new DescribeInstancesCommand({})));
    expect([ec2Error.name, ec2Error.$metadata?.httpStatusCode]).toEqual(['AuthFailure', 401]);
    const trailError = await rejection(cloudtrail.send(new LookupEventsCommand({})));
    expect(trailError.name).toBe('UnrecognizedClientException');
    expect(account.state.regions).toEqual(['us-east-1']);
  });

  describe('faults', () => {
    const accessDenied: { fault: ScenarioFault; call: 'cloudtrail' | 'ec2'; name: string; status: number; base: unknown }[] = [
      { fault: { service: 'cloudtrail', operation: 'LookupEvents', error: 'AccessDeniedException' }, call: 'cloudtrail', name: 'AccessDeniedException', status: 403, base: CloudTrailServiceException },
      { fault: { service: 'CloudTrail', operation: 'LookupEvents', error: 'AccessDeniedException' }, call: 'cloudtrail', name: 'AccessDeniedException', status: 403, base: CloudTrailServiceException },
      { fault: { service: 'ec2', operation: 'DescribeInstances', error: 'UnauthorizedOperation' }, call: 'ec2', name: 'UnauthorizedOperation', status: 403, base: EC2ServiceException },
      { fault: { service: 'ec2', operation: 'DescribeInstances', error: 'RequestLimitExceeded' }, call: 'ec2', name: 'RequestLimitExceeded', status: 503, base: EC2ServiceException },
      { fault: { service: 'cloudtrail', operation: 'LookupEvents', error: 'ThrottlingException' }, call: 'cloudtrail', name: 'ThrottlingException', status: 400, base: CloudTrailServiceException },
      { fault: { service: 'ec2', operation: 'DescribeInstances', error: 'OptInRequired' }, call: 'ec2', name: 'OptInRequired', status: 401, base: EC2ServiceException },
    ];
    it.each(accessDenied)('$fault.service $fault.operation fails with $name ($status) on every call', async ({ fault, call, name, status, base }) => {
      const account = simulated(scenario({ simulation: { faults: [fault] } }));
      const c = clients(account);
      const send = () => (call === 'cloudtrail' ? c.cloudtrail.send(new LookupEventsCommand({})) : c.ec2.send(new DescribeInstancesCommand({ MaxResults: 5 })));
      for (let i = 0; i < 2; i++) {
        const error = await rejection(send());
        expect(error).toBeInstanceOf(base as typeof Error);
        expect(error.name).toBe(name);
        expect(error.$metadata?.httpStatusCode).toBe(status);
        expect(error.$fault).toBe(status >= 500 ? 'server' : 'client');
      }
    });

    it('names the caller and the action in an access-denied message', async () => {
      const account = simulated(scenario({ simulation: { faults: [{ service: 'cloudtrail', operation: 'LookupEvents', error: 'AccessDeniedException' }] } }));
      const error = await rejection(clients(account).cloudtrail.send(new LookupEventsCommand({})));
      expect(error.message).toContain(`arn:aws:sts::${ACCOUNT_ID}:assumed-role/rigwatch-auditor/rigwatch`);
      expect(error.message).toContain('cloudtrail:LookupEvents');
    });

    it('fails the next `times` calls, then answers; the SDK retries transient errors', async () => {
      const account = simulated(scenario({ simulation: { faults: [{ service: 'sts', operation: 'GetCallerIdentity', error: 'InternalFailure', times: 2 }] } }));
      const { sts } = clients(account, 'us-east-1', 3);
      const out = await sts.send(new GetCallerIdentityCommand({}));
      expect(out.Account).toBe(ACCOUNT_ID);
      expect(out.$metadata.attempts).toBe(3);
      expect(account.callLog.map((c) => c.error)).toEqual(['InternalFailure', 'InternalFailure', undefined]);
      expect(account.callCounts()['sts:GetCallerIdentity']).toBe(3);
    });

    it('applies a Region-scoped fault only in that Region', async () => {
      const account = simulated(scenario({ simulation: { faults: [{ service: 'ec2', operation: 'DescribeRegions', region: 'eu-west-1', error: 'InternalError' }] } }));
      await expect(clients(account, 'us-east-1').ec2.send(new DescribeRegionsCommand({}))).resolves.toBeDefined();
      const error = await rejection(clients(account, 'eu-west-1').ec2.send(new DescribeRegionsCommand({})));
      expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['InternalError', 500]);
    });
  });

  describe('rate limits', () => {
    it('LookupEvents: 2 calls a second per Region, then ThrottlingException', async () => {
      const account = simulated(scenario());
      const east = clients(account, 'us-east-1');
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => east.cloudtrail.send(new LookupEventsCommand({}))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { name: string; $metadata: { httpStatusCode: number } }] : []));
      expect(errors.map((e) => [e.name, e.$metadata.httpStatusCode])).toEqual(Array(4).fill(['ThrottlingException', 400]));
      // Another Region has its own bucket.
      await expect(clients(account, 'eu-west-1').cloudtrail.send(new LookupEventsCommand({}))).resolves.toBeDefined();
      expect(account.callCounts()['cloudtrail:LookupEvents']).toBe(7);
    });

    it('throttled calls are retried by the SDK and succeed at the bucket rate', async () => {
      const account = simulated(scenario());
      const { cloudtrail } = clients(account, 'us-east-1', 10);
      const started = performance.now();
      await Promise.all(Array.from({ length: 3 }, () => cloudtrail.send(new LookupEventsCommand({}))));
      // Two calls ride the burst; the third waits for a refill (2 a second) through the SDK's backoff.
      expect(performance.now() - started).toBeGreaterThanOrEqual(450);
      const throttled = account.callLog.filter((c) => c.error === 'ThrottlingException').length;
      expect(throttled).toBeGreaterThan(0);
      expect(account.callLog.filter((c) => !c.error)).toHaveLength(3);
    });

    it('EC2: unfiltered unpaginated describes have their own 50-token bucket, answered with RequestLimitExceeded (503)', async () => {
      const account = simulated(scenario());
      const { ec2 } = clients(account);
      const results = await Promise.allSettled(Array.from({ length: 51 }, () => ec2.send(new DescribeInstancesCommand({}))));
      const rejected = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { name: string; $metadata: { httpStatusCode: number } }] : []));
      expect(rejected.map((e) => [e.name, e.$metadata.httpStatusCode])).toEqual([['RequestLimitExceeded', 503]]);
      await expect(ec2.send(new DescribeInstancesCommand({ MaxResults: 1000 }))).resolves.toBeDefined();
    });

    it('EC2: paginated describes share a 100-token bucket per action', async () => {
      const account = simulated(scenario());
      const { ec2 } = clients(account);
      const results = await Promise.allSettled(Array.from({ length: 101 }, () => ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }))));
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
      await expect(ec2.send(new DescribeRegionsCommand({}))).resolves.toBeDefined();
    });

    it('are off when enforceLimits is false', async () => {
      const account = simulated(scenario({ simulation: { enforceLimits: false } }));
      const { cloudtrail } = clients(account);
      await expect(Promise.all(Array.from({ length: 20 }, () => cloudtrail.send(new LookupEventsCommand({}))))).resolves.toHaveLength(20);
    });
  });

  it('adds the configured latency to each call', async () => {
    const account = simulated(scenario({ simulation: { latencyMs: { default: 0, 'sts:GetCallerIdentity': 80 } } }));
    const { sts, ec2 } = clients(account);
    let started = performance.now();
    await sts.send(new GetCallerIdentityCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    started = performance.now();
    await ec2.send(new DescribeRegionsCommand({}));
    expect(performance.now() - started).toBeLessThan(75);
  });

  it('keeps two accounts built from one scenario apart; a client belongs to one account', async () => {
    const s = scenario();
    const a = simulated(s);
    const b = simulated(s);
    await clients(a).sts.send(new GetCallerIdentityCommand({}));
    expect(a.callCounts()).toEqual({ 'sts:GetCallerIdentity': 1 });
    expect(b.callCounts()).toEqual({});
    expect(() => a.attach(clients(b).sts, 'us-east-1')).toThrow(/rigwatchSimulatedAccount/);
  });
});
