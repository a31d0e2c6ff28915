// Publishing a digest to SNS through a real SNSClient (from AwsClients, as an audit makes it)
// answered by the simulated account: what the topic receives is what a subscriber would.

import { describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/providers/aws/clients.js';
import { channelSchema } from '../../src/notify/channels.js';
import { digestSubject, SNS_MAX_MESSAGE_BYTES } from '../../src/notify/digest.js';
import { deliver, type DeliverOptions } from '../../src/notify/send.js';
import type { Digest } from '../../src/notify/types.js';
import type { Scenario } from '../../src/scenario/types.js';
import { SimulatedAccount } from '../../src/simulator/index.js';
import { snsService } from '../../src/simulator/services/sns.js';
import { stsService } from '../../src/simulator/services/sts.js';
import { ACCOUNT, digestOf, item, SECRET_ACCESS_KEY, SESSION_TOKEN } from './fixtures.js';

const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:rigwatch-alerts`;
const FIFO_TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:rigwatch-alerts.fifo`;

function scenario(extra: Partial<Scenario> = {}): Scenario {
  return {
    format: 'rigwatch-scenario/1',
    name: 'sns',
    now: '2026-11-27T12:00:00Z',
    account: { id: ACCOUNT },
    sns: { topics: [{ TopicArn: TOPIC }, { TopicArn: FIFO_TOPIC, Attributes: { FifoTopic: 'true' } }] },
    ...extra,
  } as Scenario;
}

/** AwsClients over the simulated account, as scenarioTarget makes them; one SDK attempt per call so our retries show. */
function setup(s: Scenario) {
  const simulated = new SimulatedAccount(s, { services: [stsService, snsService] });
  const clients = new AwsClients({
    credentials: { accessKeyId: 'AKIASIMULATED000000', secretAccessKey: 'simulated' },
    maxAttempts: 1,
    decorate: (client, region) => simulated.attach(client, region),
  });
  return { simulated, clients };
}

const sleeps: number[] = [];
const opts = (clients: AwsClients, o: Partial<DeliverOptions> = {}): DeliverOptions => {
  sleeps.length = 0;
  return { retries: 3, timeoutMs: 5000, backoffMs: 100, clients, random: () => 1, sleep: async (ms) => void sleeps.push(ms), ...o };
};

const digest: Digest = digestOf([item(0), item(1), item(2)], { resolved: [{ id: 'cpu-sustained:dead', detector: 'cpu-sustained', title: 'gone' }] });

describe('sns', () => {
  it('publishes the digest JSON with a subject a human reads', async () => {
    const s = scenario();
    const { clients } = setup(s);
    const result = await deliver(channelSchema.parse({ type: 'sns', id: 'alerts', topicArn: TOPIC }), digest, opts(clients));
    expect(result).toMatchObject({ channel: 'alerts', type: 'sns', status: 'sent', attempts: 1, findingIds: digest.items.map((i) => i.finding.id) });
    expect(result.detail).toMatch(/^MessageId [0-9a-f-]{36}$/);

    const published = s.sns?.published ?? [];
    expect(published).toHaveLength(1);
    const [message] = published as [NonNullable<typeof published>[number]];
    expect(message.TopicArn).toBe(TOPIC);
    expect(message.Subject).toBe(digestSubject(digest));
    expect(message.Subject).toMatch(/^rigwatch 111122223333: 3 new critical\/high\/medium findings, ~\$65\/h at stake, 1 resolved$/);
    expect(message.MessageAttributes).toEqual({ format: { DataType: 'String', StringValue: 'rigwatch-digest/1' } });
    expect(result.detail).toBe(`MessageId ${message.MessageId}`);

    const body = JSON.parse(message.Message) as Digest;
    expect(body.format).toBe('rigwatch-digest/1');
    expect(body.account).toBe(ACCOUNT);
    expect(body.items.map((i) => i.finding.id)).toEqual(digest.items.map((i) => i.finding.id));
    expect(body.resolved).toEqual(digest.resolved);
    expect(body.totals).toEqual(digest.totals);
    expect(body.truncated).toBeUndefined();
    expect(message.Message).not.toContain(SECRET_ACCESS_KEY);
    expect(message.Message).not.toContain(SESSION_TOKEN);
    clients.destroy();
  });

  it('cuts a digest over 256 KiB down and says truncated', async () => {
    const s = scenario();
    const { clients } = setup(s);
    const big = digestOf(Array.from({ length: 200 }, (_, i) => item(i)));
    const result = await deliver(channelSchema.parse({ type: 'sns', topicArn: TOPIC }), big, opts(clients));
    expect(result).toMatchObject({ channel: 'sns-1', status: 'sent', attempts: 1 });
    const message = s.sns?.published?.[0]?.Message ?? '';
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    const body = JSON.parse(message) as Digest;
    expect(body.truncated).toBe(true);
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items[0]?.finding.evidence).toEqual({});
    expect(body.items[0]?.finding.title).toBe(big.items[0]?.finding.title);
    expect(body.items[0]?.impact?.hourly).toBe(big.items[0]?.impact?.hourly);
    clients.destroy();
  });

  it('publishes to a FIFO topic with a group and a deduplication id', async () => {
    const s = scenario();
    const { clients } = setup(s);
    const result = await deliver(channelSchema.parse({ type: 'sns', topicArn: FIFO_TOPIC }), digest, opts(clients));
    expect(result.status).toBe('sent');
    expect(s.sns?.published?.[0]).toMatchObject({ TopicArn: FIFO_TOPIC, MessageGroupId: 'rigwatch' });
    expect(s.sns?.published?.[0]?.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
    clients.destroy();
  });

  it('an unknown topic fails at once', async () => {
    const s = scenario();
    const { clients } = setup(s);
    const missing = `arn:aws:sns:eu-west-1:${ACCOUNT}:no-such-topic`;
    const result = await deliver(channelSchema.parse({ type: 'sns', topicArn: missing }), digest, opts(clients));
    expect(result).toMatchObject({ status: 'failed', attempts: 1 });
    expect(result.error).toMatch(/NotFound.*Topic does not exist/);
    expect(sleeps).toEqual([]);
    expect(s.sns?.published ?? []).toHaveLength(0);
    clients.destroy();
  });

  it('a region that does not match the topic is refused, not retried', async () => {
    const s = scenario();
    const { clients } = setup(s);
    const result = await deliver(channelSchema.parse({ type: 'sns', topicArn: TOPIC, region: 'us-east-1' }), digest, opts(clients));
    expect(result).toMatchObject({ status: 'failed', attempts: 1 });
    expect(result.error).toMatch(/InvalidParameter/);
    clients.destroy();
  });

  it('retries throttling and server errors, then publishes', async () => {
    const s = scenario({
      simulation: {
        faults: [
          { service: 'sns', operation: 'Publish', error: 'Throttling', times: 1 },
          { service: 'sns', operation: 'Publish', error: 'InternalError', times: 1 },
        ],
      },
    });
    const { clients, simulated } = setup(s);
    const result = await deliver(channelSchema.parse({ type: 'sns', topicArn: TOPIC }), digest, opts(clients));
    expect(result).toMatchObject({ status: 'sent', attempts: 3 });
    expect(sleeps).toEqual([100, 200]);
    expect(s.sns?.published).toHaveLength(1);
    expect(simulated.callLog.filter((c) => c.operation === 'Publish').map((c) => c.error ?? 'ok')).toEqual(['Throttling', 'InternalError', 'ok']);
    clients.destroy();
  });

  it('fails after the retries when throttling persists', async () => {
    const s = scenario({ simulation: { faults: [{ service: 'sns', operation: 'Publish', error: 'Throttling' }] } });
    const { clients } = setup(s);
    const result = await deliver(channelSchema.parse({ type: 'sns', topicArn: TOPIC }), digest, opts(clients, { retries: 2 }));
    expect(result).toMatchObject({ status: 'failed', attempts: 3 });
    expect(result.error).toMatch(/Throttling/);
    clients.destroy();
  });

  it('without AWS clients, nothing is attempted', async () => {
    const result = await deliver(channelSchema.parse({ type: 'sns', topicArn: TOPIC }), digest, { retries: 3, timeoutMs: 1000, backoffMs: 1 });
    expect(result).toMatchObject({ status: 'failed', attempts: 0, error: 'no AWS clients to publish with' });
  });
});
