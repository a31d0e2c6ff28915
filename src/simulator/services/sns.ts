// Simulated Amazon SNS: Publish to the topics of scenario.sns.topics. Each accepted message is
// appended, in place, to scenario.sns.published ({TopicArn, MessageId, Subject?, Message,
// Timestamp, ...}), so a test or a saved scenario shows what was sent. Publish is a CloudTrail data
// event, so nothing is added to scenario.cloudtrail.
//
// Checks, from the Publish API reference and what SNS answers (error codes are the query
// protocol's; the SDK turns them into its modeled exceptions):
// - TopicArn malformed, or naming another Region than the client's: InvalidParameter (400)
//   "Invalid parameter: TopicArn" (SNS answers a cross-Region ARN so, not NotFound).
// - A well-formed ARN of this Region with no such topic: NotFound (404) "Topic does not exist";
//   the SDK's NotFoundException. A missing topic of another account: AuthorizationError (403).
// - Message empty: InvalidParameter "Invalid parameter: Empty message"; over 256 KiB (262,144
//   bytes of UTF-8, message attributes included): InvalidParameter "Invalid parameter: Message too
//   long".
// - Subject: "UTF-8 text with no line breaks or control characters, and less than 100 characters
//   long"; otherwise InvalidParameter "Invalid parameter: Subject".
// - MessageStructure json: a JSON object with a string "default" entry, else InvalidParameter.
// - MessageAttributes: a String/Number/Binary DataType (optionally .custom) with a non-empty value
//   of its kind, else ParameterValueInvalid (the SDK's InvalidParameterValueException).
// - FIFO topics (.fifo): MessageGroupId required; MessageDeduplicationId required unless the topic
//   has ContentBasedDeduplication "true". Standard topics answer without SequenceNumber.

import { createHash } from 'node:crypto';
import type { MessageAttributeValue, PublishInput, PublishResponse } from '@aws-sdk/client-sns';
import type { ScenarioSnsMessage } from '../../scenario/types.js';
import { auditorSessionArn } from './sts.js';
import { AwsError, type SimContext, type SimulatedService } from '../types.js';

/** 256 KiB: the largest message, attributes included. */
export const MAX_MESSAGE_BYTES = 262_144;
const MAX_SUBJECT_LENGTH = 99;
const TOPIC_ARN = /^arn:(aws[a-z-]*):sns:([a-z]+(?:-[a-z]+)+-\d+):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const invalid = (what: string) => new AwsError('InvalidParameter', `Invalid parameter: ${what}`, 400);

/** A version-4-shaped UUID from a hash: stable for the account and the message's position. */
function messageId(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex').slice(0, 32).split('');
  h[12] = '4';
  h[16] = '89ab'[parseInt(h[16]!, 16) % 4]!;
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

function checkSubject(subject: string | undefined): void {
  if (subject === undefined) return;
  if (subject === '' || [...subject].length > MAX_SUBJECT_LENGTH || CONTROL_CHARACTERS.test(subject)) throw invalid('Subject');
}

function checkStructure(input: PublishInput, message: string): void {
  if (input.MessageStructure === undefined) return;
  if (input.MessageStructure !== 'json') throw invalid('MessageStructure');
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalid('Message Structure - JSON message body failed to parse');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || typeof (parsed as Record<string, unknown>).default !== 'string') {
    throw invalid('Message Structure - No default entry in JSON message body');
  }
}

const ATTRIBUTE_TYPE = /^(String|Number|Binary)(\..+)?$/;

/** The attributes as recorded (binary as base64) and their size in bytes. */
function checkAttributes(attributes: Record<string, MessageAttributeValue> | undefined): {
  recorded?: NonNullable<ScenarioSnsMessage['MessageAttributes']>;
  bytes: number;
} {
  if (!attributes || Object.keys(attributes).length === 0) return { bytes: 0 };
  const recorded: NonNullable<ScenarioSnsMessage['MessageAttributes']> = {};
  let bytes = 0;
  for (const [name, value] of Object.entries(attributes)) {
    const kind = ATTRIBUTE_TYPE.exec(value.DataType ?? '')?.[1];
    if (!kind) {
      throw new AwsError(
        'ParameterValueInvalid',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const empty = () =>
      new AwsError('ParameterValueInvalid', `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${kind}'.`);
    if (kind === 'Binary') {
      if (!value.BinaryValue || value.BinaryValue.length === 0) throw empty();
      recorded[name] = { DataType: value.DataType!, BinaryValue: Buffer.from(value.BinaryValue).toString('base64') };
      bytes += value.BinaryValue.length;
    } else {
      if (value.StringValue === undefined || value.StringValue === '') throw empty();
      if (kind === 'Number' && !Number.isFinite(Number(value.StringValue))) {
        throw new AwsError('ParameterValueInvalid', `Could not cast message attribute '${name}' value to number.`);
      }
      recorded[name] = { DataType: value.DataType!, StringValue: value.StringValue };
      bytes += Buffer.byteLength(value.StringValue, 'utf8');
    }
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.DataType!, 'utf8');
  }
  return { recorded, bytes };
}

function publish(ctx: SimContext, input: PublishInput): PublishResponse {
  if (input.PhoneNumber !== undefined) throw invalid('PhoneNumber: the simulated account publishes to topics only');
  const arn = input.TopicArn ?? input.TargetArn;
  if (arn === undefined || arn === '') throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
  const parts = TOPIC_ARN.exec(arn);
  if (!parts || parts[2] !== ctx.region) throw invalid(input.TopicArn !== undefined ? 'TopicArn' : 'TargetArn');
  const [, , , owner, name] = parts as unknown as [string, string, string, string, string];

  const message = input.Message ?? '';
  if (message === '') throw invalid('Empty message');
  checkSubject(input.Subject);
  checkStructure(input, message);
  const attributes = checkAttributes(input.MessageAttributes);
  if (Buffer.byteLength(message, 'utf8') + attributes.bytes > MAX_MESSAGE_BYTES) throw invalid('Message too long');

  const topic = (ctx.account.scenario.sns?.topics ?? []).find((t) => t.TopicArn === arn);
  if (!topic) {
    if (owner !== ctx.account.id) {
      const caller = auditorSessionArn(ctx.account.id);
      throw new AwsError('AuthorizationError', `User: ${caller} is not authorized to perform: SNS:Publish on resource: ${arn}`, 403);
    }
    throw new AwsError('NotFound', 'Topic does not exist', 404);
  }
  const fifo = name.endsWith('.fifo');
  if (fifo) {
    if (!input.MessageGroupId) throw invalid('The MessageGroupId parameter is required for FIFO topics');
    if (!input.MessageDeduplicationId && topic.Attributes?.ContentBasedDeduplication !== 'true') {
      throw invalid('The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
    }
  }

  const sns = (ctx.account.scenario.sns ??= {});
  const published = (sns.published ??= []);
  const sequence = published.length;
  const id = messageId(`${ctx.account.id}/sns/${sequence}`);
  published.push({
    TopicArn: arn,
    MessageId: id,
    ...(input.Subject !== undefined && { Subject: input.Subject }),
    Message: message,
    Timestamp: new Date(ctx.account.now).toISOString(),
    ...(input.MessageStructure !== undefined && { MessageStructure: input.MessageStructure }),
    ...(attributes.recorded && { MessageAttributes: attributes.recorded }),
    ...(input.MessageGroupId !== undefined && { MessageGroupId: input.MessageGroupId }),
    ...(input.MessageDeduplicationId !== undefined && { MessageDeduplicationId: input.MessageDeduplicationId }),
  });
  return fifo ? { MessageId: id, SequenceNumber: String(10_000_000_000_000_000_000n + BigInt(sequence)) } : { MessageId: id };
}

export const snsService: SimulatedService = {
  service: 'sns',
  clientName: 'SNSClient',
  operations: {
    Publish: publish,
  },
};
