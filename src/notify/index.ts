// Notifications of scheduled runs: the digest, its renderers, the channels and delivery.

export * from './types.js';
export {
  buildDigest, digestSubject, digestText, fitDigest, formatMoney, impactText, isEmptyDigest, remediateCommand, slackPayload,
  SNS_MAX_MESSAGE_BYTES, webhookPayload, type DigestInput, type RemediateTarget, type SlackPayload,
} from './digest.js';
export {
  channelName, channelSchema, notifyConfigSchema, signature, type Channel, type NotifyConfig, type SlackChannel, type SnsChannel,
  type WebhookChannel,
} from './channels.js';
export { deliver, deliverAll, type DeliverOptions } from './send.js';
export { redactDeep, redactText } from './redact.js';
