// The simulated account's internal contract. A service module exports a `SimulatedService`: a
// table of operation handlers, each a function from (account state, region, SDK command input)
// to the SDK command output, shaped exactly as the SDK would deserialize it (Date objects for
// timestamps, Uint8Array for blobs). The account (account.ts) dispatches to them from a
// middleware beneath the client's send(), after the SDK's own retry and signing steps, so
// throttling errors thrown here are retried by the SDK just as AWS's are.

import type { ScenarioAccount, ScenarioSimulation } from '../scenario/types.js';

/**
 * One account's state. Mutating handlers change `scenario` in place, drop the cache entries the
 * change makes stale, and record the call (changes.ts).
 */
export interface AccountState {
  id: string;
  alias?: string;
  scenario: ScenarioAccount;
  /** Enabled region names (scenario `regions`, or the 17 default ones). */
  regions: string[];
  /** The simulated clock, epoch ms: nothing dated after it is visible. */
  now: number;
  /** Per-service caches (indexes built lazily from `scenario`); cleared when the scenario changes. */
  cache: Map<string, unknown>;
}

export interface SimContext {
  account: AccountState;
  /** The region the client was created for (us-east-1 for the global services). */
  region: string;
  simulation: Required<Pick<ScenarioSimulation, 'enforceLimits'>>;
  /**
   * The request id the answer carries ($metadata.requestId). A change replaces it with its own,
   * deterministic one, so the answer and the change's CloudTrail record agree.
   */
  requestId?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- handlers take each command's own input type
export type OperationHandler = (ctx: SimContext, input: any) => unknown;

export interface SimulatedService {
  /** The IAM service prefix: ec2, cloudtrail, cloudwatch, ce, iam, sts, guardduty, autoscaling, elasticloadbalancing, s3, sns, ssm. */
  service: string;
  /** The SDK client's name as the middleware context reports it, e.g. "EC2Client". */
  clientName: string;
  /** Handlers by operation name without the "Command" suffix, e.g. "DescribeInstances". */
  operations: Record<string, OperationHandler>;
}

/**
 * An error as AWS would answer it. `name` is AWS's error code (the SDK's `error.name`); the
 * account turns it into the client's ServiceException with the right $fault and $metadata.
 */
export class AwsError extends Error {
  readonly status: number;
  readonly fault: 'client' | 'server';
  constructor(code: string, message: string, status = 400, fault: 'client' | 'server' = status >= 500 ? 'server' : 'client') {
    super(message);
    this.name = code;
    this.status = status;
    this.fault = fault;
  }
}
