// The simulated account's own changes, recorded as CloudTrail records them. A mutating handler opens
// a Change once its input is valid, changes the scenario, and records the call: one record appended
// to `scenario.cloudtrail.events`, shaped as CloudTrail writes it, with the auditor's session as the
// caller. Only successful calls are recorded.
//
// A change is numbered by the count of records the account already holds (every successful change
// appends exactly one), so everything it derives from that number (the record's eventID and
// requestID, new snapshot, group, rule and activity ids) is the same on every run, never repeats,
// and keeps not repeating after the account is saved and loaded again.

import { createHash } from 'node:crypto';
import type { CloudTrailRecord } from '../scenario/types.js';
import { eventsChanged } from './services/cloudtrail.js';
import { auditorIdentity } from './services/sts.js';
import type { SimContext } from './types.js';

/** Where the simulated calls come from: an address of TEST-NET-2 (RFC 5737). */
export const SOURCE_IP_ADDRESS = '198.51.100.10';
export const USER_AGENT = 'rigwatch';
export const EVENT_VERSION = '1.10';

/** What a call adds to its record; the rest is the same for every change. */
export interface RecordedCall {
  /** e.g. ec2.amazonaws.com */
  eventSource: string;
  eventName: string;
  /** camelCase, as CloudTrail writes them; null where CloudTrail writes null. */
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
}

/** CloudTrail's time format: whole seconds, Z. */
function cloudTrailTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class Change {
  /** The call's request id: the answer's $metadata.requestId and the record's requestID. */
  readonly requestId: string;
  private readonly seed: string;

  constructor(private readonly ctx: SimContext) {
    const sequence = ctx.account.scenario.cloudtrail?.events?.length ?? 0;
    this.seed = `${ctx.account.id}/change/${sequence}`;
    this.requestId = this.uuid('request');
    ctx.requestId = this.requestId;
  }

  /** Lowercase hex digits, stable for this change and `purpose` (e.g. `snapshot/0`). */
  hex(purpose: string, length = 17): string {
    return createHash('sha256').update(`${this.seed}/${purpose}`).digest('hex').slice(0, length);
  }

  /** A version-4-shaped UUID, stable for this change and `purpose`. */
  uuid(purpose: string): string {
    const h = this.hex(purpose, 32).split('');
    h[12] = '4';
    h[16] = '89ab'[parseInt(h[16]!, 16) % 4]!;
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  /** Appends the call's CloudTrail record and makes it visible to LookupEvents. */
  record(call: RecordedCall): CloudTrailRecord {
    const { account, region } = this.ctx;
    const record: CloudTrailRecord = {
      eventVersion: EVENT_VERSION,
      userIdentity: auditorIdentity(account.id, account.now),
      eventTime: cloudTrailTime(account.now),
      eventSource: call.eventSource,
      eventName: call.eventName,
      awsRegion: region,
      sourceIPAddress: SOURCE_IP_ADDRESS,
      userAgent: USER_AGENT,
      requestParameters: call.requestParameters,
      responseElements: call.responseElements,
      requestID: this.requestId,
      eventID: this.uuid('event'),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: account.id,
      eventCategory: 'Management',
    };
    const cloudtrail = (account.scenario.cloudtrail ??= {});
    (cloudtrail.events ??= []).push(record);
    eventsChanged(this.ctx);
    return record;
  }
}
