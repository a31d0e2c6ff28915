import {
  InvalidParameterException,
  InvalidParameterValueException,
  NotFoundException,
  PublishCommand,
  type PublishInput,
} from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/providers/aws/clients.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { SimulatedAccount } from '../../src/simulator/account.js';
import { MAX_MESSAGE_BYTES } from '../../src/simulator/services/sns.js';
import { ACCOUNT_ID, NOW, rejection, scenario } from './harness.js';

const credentials = { accessKeyId: 'AKIASIMULATED000000', secretAccessKey: 'simulated' };
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT_ID}:rigwatch-alerts`;
const FIFO = `arn:aws:sns:eu-west-1:${ACCOUNT_ID}:rigwatch-alerts.fifo`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function simulated(s: Scenario = scenario({ sns: { topics: [{ TopicArn: TOPIC }, { TopicArn: FIFO }] } })) {
  const account = new SimulatedAccount(s);
  const clients = new AwsClients({ credentials, maxAttempts: 1, decorate: (client, region) => account.attach(client, region) });
  return { account, scenario: s, clients, sns: clients.sns('eu-west-1') };
}

async function publishError(input: Partial<PublishInput>) {
  const { sns, scenario: s } = simulated();
  const error = await rejection(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'm', ...input })));
  expect(s.sns?.published ?? []).toEqual([]);
  return error;
}

describe('SNS Publish', () => {
  it('records the message in the scenario and answers its MessageId', async () => {
    const { sns, scenario: s, account } = simulated();
    const out = await sns.send(new PublishCommand({
      TopicArn: TOPIC,
      Subject: 'rigwatch: 3 critical findings',
      Message: '{"findings":3}',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'critical' },
        count: { DataType: 'Number', StringValue: '3' },
        raw: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
      },
    }));
    expect(out.MessageId).toMatch(UUID);
    expect(out.SequenceNumber).toBeUndefined();
    expect(s.sns?.published).toEqual([{
      TopicArn: TOPIC,
      MessageId: out.MessageId,
      Subject: 'rigwatch: 3 critical findings',
      Message: '{"findings":3}',
      Timestamp: NOW,
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'critical' },
        count: { DataType: 'Number', StringValue: '3' },
        raw: { DataType: 'Binary', BinaryValue: 'AQID' },
      },
    }]);
    const second = await sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'again' }));
    expect(second.MessageId).not.toBe(out.MessageId);
    expect(s.sns?.published?.map((m) => m.Message)).toEqual(['{"findings":3}', 'again']);
    // The saved account loads again, published messages included.
    expect(parseScenario(JSON.parse(JSON.stringify(account.toScenario())), 'saved').sns?.published).toHaveLength(2);
  });

  it('answers an unknown topic with NotFound (404, NotFoundException)', async () => {
    const error = await publishError({ TopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT_ID}:no-such-topic` });
    expect(error).toBeInstanceOf(NotFoundException);
    expect(error.name).toBe('NotFoundException');
    expect(error.message).toBe('Topic does not exist');
    expect(error.$metadata?.httpStatusCode).toBe(404);
  });

  it('answers a topic of another Region, or a malformed ARN, with InvalidParameter TopicArn', async () => {
    for (const arn of [`arn:aws:sns:us-east-1:${ACCOUNT_ID}:rigwatch-alerts`, 'rigwatch-alerts']) {
      const error = await publishError({ TopicArn: arn });
      expect(error).toBeInstanceOf(InvalidParameterException);
      expect(error.message).toBe('Invalid parameter: TopicArn');
      expect(error.$metadata?.httpStatusCode).toBe(400);
    }
  });

  it('refuses a subject with a line break, a control character, or 100 characters', async () => {
    for (const subject of ['two\nlines', 'bell\u0007', 'x'.repeat(100), '']) {
      const error = await publishError({ Subject: subject });
      expect(error).toBeInstanceOf(InvalidParameterException);
      expect(error.message).toBe('Invalid parameter: Subject');
    }
    const { sns } = simulated();
    await expect(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'm', Subject: `é${'x'.repeat(98)}` }))).resolves.toHaveProperty('MessageId');
  });

  it('refuses an empty message and one over 256 KiB of UTF-8, attributes counted', async () => {
    expect((await publishError({ Message: '' })).message).toBe('Invalid parameter: Empty message');
    const tooLong = await publishError({ Message: 'é'.repeat(MAX_MESSAGE_BYTES / 2 + 1) });
    expect(tooLong).toBeInstanceOf(InvalidParameterException);
    expect(tooLong.message).toBe('Invalid parameter: Message too long');
    const withAttribute = await publishError({
      Message: 'x'.repeat(MAX_MESSAGE_BYTES - 10),
      MessageAttributes: { attribute: { DataType: 'String', StringValue: 'value' } },
    });
    expect(withAttribute.message).toBe('Invalid parameter: Message too long');
    const { sns } = simulated();
    await expect(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x'.repeat(MAX_MESSAGE_BYTES) }))).resolves.toHaveProperty('MessageId');
  });

  it('refuses a malformed message attribute with ParameterValueInvalid (InvalidParameterValueException)', async () => {
    const error = await publishError({ MessageAttributes: { empty: { DataType: 'String', StringValue: '' } } });
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect(error.$metadata?.httpStatusCode).toBe(400);
    const type = await publishError({ MessageAttributes: { odd: { DataType: 'Date', StringValue: 'today' } } });
    expect(type).toBeInstanceOf(InvalidParameterValueException);
  });

  it('checks MessageStructure json for a default entry', async () => {
    expect((await publishError({ MessageStructure: 'json', Message: '{"email":"x"}' })).message)
      .toBe('Invalid parameter: Message Structure - No default entry in JSON message body');
    const { sns } = simulated();
    await expect(sns.send(new PublishCommand({ TopicArn: TOPIC, MessageStructure: 'json', Message: '{"default":"x"}' }))).resolves.toHaveProperty('MessageId');
  });

  it('requires a message group and deduplication id on a FIFO topic, and answers a sequence number', async () => {
    expect((await publishError({ TopicArn: FIFO })).message).toBe('Invalid parameter: The MessageGroupId parameter is required for FIFO topics');
    expect((await publishError({ TopicArn: FIFO, MessageGroupId: 'g' })).name).toBe('InvalidParameterException');
    const { sns, scenario: s } = simulated();
    const out = await sns.send(new PublishCommand({ TopicArn: FIFO, Message: 'm', MessageGroupId: 'g', MessageDeduplicationId: 'd' }));
    expect(out.SequenceNumber).toMatch(/^\d{20}$/);
    expect(s.sns?.published?.[0]).toMatchObject({ TopicArn: FIFO, MessageGroupId: 'g', MessageDeduplicationId: 'd' });
  });
});

describe('scenario sns section', () => {
  it('is validated, naming the JSON path', () => {
    const bad = scenario({ sns: { topics: [{ TopicArn: 'arn:aws:sns:eu-west-1:1234:short-account' }] } });
    expect(() => parseScenario(bad, 'fixture')).toThrow('fixture: sns.topics[0].TopicArn: not an SNS topic ARN');
    const region = scenario({ regions: [{ RegionName: 'us-east-1', OptInStatus: 'opt-in-not-required' }], sns: { topics: [{ TopicArn: TOPIC }] } });
    expect(() => parseScenario(region, 'fixture')).toThrow('fixture: sns.topics[0].TopicArn: region "eu-west-1" is not in regions');
    const twice = scenario({ sns: { topics: [{ TopicArn: TOPIC }, { TopicArn: TOPIC }] } });
    expect(() => parseScenario(twice, 'fixture')).toThrow(`fixture: sns.topics[1].TopicArn: duplicate TopicArn "${TOPIC}" (first at [0])`);
  });
});
