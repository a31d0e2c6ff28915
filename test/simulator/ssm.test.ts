import { GetParameterCommand, ParameterNotFound, ParameterVersionNotFound } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/providers/aws/clients.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { SimulatedAccount } from '../../src/simulator/account.js';
import { ACCOUNT_ID, ago, DAY, NOW_MS, rejection, scenario } from './harness.js';

const credentials = { accessKeyId: 'AKIASIMULATED000000', secretAccessKey: 'simulated' };
const SECRET = 'xoxb-webhook-secret-value';

function parameters(): Scenario {
  return scenario({
    ssm: {
      parameters: [
        { Name: '/rigwatch/fail-on', Type: 'String', Value: 'high', Region: 'eu-west-1', Version: 3, LastModifiedDate: ago(DAY), Labels: ['prod'] },
        { Name: '/rigwatch/slack-token', Type: 'SecureString', Value: SECRET, Region: 'eu-west-1' },
        { Name: 'regions', Type: 'StringList', Value: 'eu-west-1,us-east-1', Region: 'eu-west-1' },
        { Name: '/rigwatch/us-only', Type: 'String', Value: 'us', Region: 'us-east-1' },
        { Name: '/rigwatch/later', Type: 'String', Value: 'later', Region: 'eu-west-1', LastModifiedDate: ago(-DAY) },
      ],
    },
  });
}

function simulated(s: Scenario = parameters(), maxAttempts = 1) {
  const account = new SimulatedAccount(s);
  const clients = new AwsClients({ credentials, maxAttempts, decorate: (client, region) => account.attach(client, region) });
  return { account, clients, ssm: clients.ssm('eu-west-1') };
}

describe('SSM GetParameter', () => {
  it('answers a String parameter in the Parameter shape', async () => {
    const { ssm } = simulated();
    const out = await ssm.send(new GetParameterCommand({ Name: '/rigwatch/fail-on' }));
    expect(out.Parameter).toEqual({
      Name: '/rigwatch/fail-on',
      Type: 'String',
      Value: 'high',
      Version: 3,
      LastModifiedDate: new Date(NOW_MS - DAY),
      ARN: `arn:aws:ssm:eu-west-1:${ACCOUNT_ID}:parameter/rigwatch/fail-on`,
      DataType: 'text',
    });
  });

  it('answers a SecureString encrypted without WithDecryption, and plain with it', async () => {
    const { ssm } = simulated();
    const sealed = (await ssm.send(new GetParameterCommand({ Name: '/rigwatch/slack-token' }))).Parameter!;
    expect(sealed.Type).toBe('SecureString');
    expect(sealed.Value).not.toBe(SECRET);
    expect(sealed.Value).toMatch(/^AQICAH[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(sealed.Value!, 'base64').toString('latin1')).not.toContain(SECRET);
    const again = (await ssm.send(new GetParameterCommand({ Name: '/rigwatch/slack-token', WithDecryption: false }))).Parameter!;
    expect(again.Value).toBe(sealed.Value);
    const open = (await ssm.send(new GetParameterCommand({ Name: '/rigwatch/slack-token', WithDecryption: true }))).Parameter!;
    expect(open.Value).toBe(SECRET);
    expect(open.Version).toBe(1);
  });

  it('ignores WithDecryption for a StringList', async () => {
    const { ssm } = simulated();
    const out = await ssm.send(new GetParameterCommand({ Name: 'regions', WithDecryption: true }));
    expect(out.Parameter).toMatchObject({ Type: 'StringList', Value: 'eu-west-1,us-east-1', ARN: `arn:aws:ssm:eu-west-1:${ACCOUNT_ID}:parameter/regions` });
  });

  it('answers ParameterNotFound (400) for a missing parameter, one of another Region, or one dated after now', async () => {
    const { ssm, account } = simulated();
    for (const name of ['/rigwatch/nope', '/rigwatch/us-only', '/rigwatch/later']) {
      const error = await rejection(ssm.send(new GetParameterCommand({ Name: name })));
      expect(error).toBeInstanceOf(ParameterNotFound);
      expect(error.name).toBe('ParameterNotFound');
      expect(error.$metadata?.httpStatusCode).toBe(400);
    }
    expect(account.callLog.map((c) => `${c.service}:${c.operation}:${c.error}`)).toEqual(Array(3).fill('ssm:GetParameter:ParameterNotFound'));
  });

  it('finds a parameter by ARN and by version or label selector', async () => {
    const { ssm } = simulated();
    const byArn = await ssm.send(new GetParameterCommand({ Name: `arn:aws:ssm:eu-west-1:${ACCOUNT_ID}:parameter/rigwatch/fail-on` }));
    expect(byArn.Parameter?.Value).toBe('high');
    const byVersion = await ssm.send(new GetParameterCommand({ Name: '/rigwatch/fail-on:3' }));
    expect(byVersion.Parameter).toMatchObject({ Name: '/rigwatch/fail-on', Selector: ':3', Version: 3 });
    expect((await ssm.send(new GetParameterCommand({ Name: '/rigwatch/fail-on:prod' }))).Parameter?.Selector).toBe(':prod');
    const version = await rejection(ssm.send(new GetParameterCommand({ Name: '/rigwatch/fail-on:2' })));
    expect(version).toBeInstanceOf(ParameterVersionNotFound);
    expect((await rejection(ssm.send(new GetParameterCommand({ Name: '/rigwatch/fail-on:staging' })))).name).toBe('ParameterNotFound');
    const otherAccount = await rejection(ssm.send(new GetParameterCommand({ Name: 'arn:aws:ssm:eu-west-1:999999999999:parameter/rigwatch/fail-on' })));
    expect(otherAccount.name).toBe('ParameterNotFound');
  });

  it('throttles beyond 40 calls a second with ThrottlingException', async () => {
    const { ssm } = simulated();
    const results = await Promise.allSettled(Array.from({ length: 45 }, () => ssm.send(new GetParameterCommand({ Name: 'regions' }))));
    const throttled = results.filter((r) => r.status === 'rejected').map((r) => (r.reason as Error).name);
    expect(throttled.length).toBeGreaterThanOrEqual(5);
    expect(new Set(throttled)).toEqual(new Set(['ThrottlingException']));
  });
});

describe('scenario ssm section', () => {
  it('is validated, naming the JSON path', () => {
    const type = scenario({ ssm: { parameters: [{ Name: 'a', Type: 'Secret' as 'String', Value: 'v', Region: 'eu-west-1' }] } });
    expect(() => parseScenario(type, 'fixture')).toThrow('fixture: ssm.parameters[0].Type: expected one of "String", "SecureString", "StringList", got "Secret"');
    const twice = scenario({
      ssm: {
        parameters: [
          { Name: 'a', Type: 'String', Value: 'v', Region: 'eu-west-1' },
          { Name: 'a', Type: 'String', Value: 'v', Region: 'us-east-1' },
          { Name: 'a', Type: 'String', Value: 'w', Region: 'eu-west-1' },
        ],
      },
    });
    expect(() => parseScenario(twice, 'fixture')).toThrow('fixture: ssm.parameters[2].Name: duplicate Name "a" in eu-west-1 (first at [0])');
  });
});
