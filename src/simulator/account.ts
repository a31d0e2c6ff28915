// The simulated AWS account: answers AWS SDK v3 calls from a scenario, beneath the client's
// send(). attach() adds a middleware at the innermost step (deserialize, high priority) that never
// calls the network: it looks up the service and operation, applies the scenario's latency, rate
// limits and faults, calls the operation's handler and returns the output as the SDK's
// deserializer would. Errors leave as the client's own exception classes, thrown beneath the
// SDK's retry middleware, so throttling is retried exactly as it is against AWS.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as autoScalingSdk from '@aws-sdk/client-auto-scaling';
import * as cloudtrailSdk from '@aws-sdk/client-cloudtrail';
import * as cloudwatchSdk from '@aws-sdk/client-cloudwatch';
import * as costExplorerSdk from '@aws-sdk/client-cost-explorer';
import * as ec2Sdk from '@aws-sdk/client-ec2';
import * as elbv2Sdk from '@aws-sdk/client-elastic-load-balancing-v2';
import * as guardDutySdk from '@aws-sdk/client-guardduty';
import * as iamSdk from '@aws-sdk/client-iam';
import * as s3Sdk from '@aws-sdk/client-s3';
import * as snsSdk from '@aws-sdk/client-sns';
import * as ssmSdk from '@aws-sdk/client-ssm';
import * as stsSdk from '@aws-sdk/client-sts';
import { ServiceException } from '@smithy/core/client';
import { HttpResponse } from '@smithy/core/transport';
import { DEFAULT_REGIONS, type Scenario, type ScenarioAccount, type ScenarioFault } from '../scenario/types.js';
import { rateLimitFor, TokenBucket } from './limits.js';
import { auditorSessionArn } from './services/sts.js';
import { AwsError, type AccountState, type SimContext, type SimulatedService } from './types.js';

/** One call that reached the simulated account (every attempt, throttled ones included). */
export interface SimulatedCall {
  account: string;
  region: string;
  /** IAM service prefix: ec2, cloudtrail, cloudwatch, ce, iam, sts, guardduty, autoscaling, elasticloadbalancing, s3, sns, ssm. */
  service: string;
  operation: string;
  /** Wall-clock time of arrival, epoch ms. */
  at: number;
  /** The AWS error code the call was answered with, when it failed. */
  error?: string;
}

export interface SimulatedAccountOptions {
  /**
   * The services the account answers. When absent, index.ts's defaultServices(), loaded on the
   * first call: this module does not import the service list, so a test can run the account with
   * only the services it names.
   */
  services?: SimulatedService[];
}

interface MiddlewareContext {
  clientName?: string;
  commandName?: string;
}
type SimulatedHandler = (args: { input?: unknown }) => Promise<{ output: unknown; response: unknown }>;
type SimulatedMiddleware = (next: unknown, context: MiddlewareContext) => SimulatedHandler;

/** Any AWS SDK v3 client: all the account needs is its middleware stack. */
export interface AttachableClient {
  // The SDK's add() is overloaded per step; any function type accepts it.
  middlewareStack: { add: (...args: never[]) => unknown };
}
type DeserializeStack = {
  add(middleware: SimulatedMiddleware, options: { step: 'deserialize'; priority: 'high'; name: string }): void;
};

type ExceptionClass = new (options: ConstructorParameters<typeof ServiceException>[0]) => ServiceException;
/** A modeled exception sets its own name and fault. */
type ModeledExceptionClass = new (options: { message: string; Message: string; $metadata: ServiceException['$metadata'] }) => ServiceException;

/** Each client's base exception class and its module, where its modeled exceptions live. */
const EXCEPTIONS: Record<string, { base: ExceptionClass; module: Record<string, unknown> }> = {
  EC2Client: { base: ec2Sdk.EC2ServiceException, module: ec2Sdk },
  CloudTrailClient: { base: cloudtrailSdk.CloudTrailServiceException, module: cloudtrailSdk },
  CloudWatchClient: { base: cloudwatchSdk.CloudWatchServiceException, module: cloudwatchSdk },
  CostExplorerClient: { base: costExplorerSdk.CostExplorerServiceException, module: costExplorerSdk },
  IAMClient: { base: iamSdk.IAMServiceException, module: iamSdk },
  STSClient: { base: stsSdk.STSServiceException, module: stsSdk },
  GuardDutyClient: { base: guardDutySdk.GuardDutyServiceException, module: guardDutySdk },
  AutoScalingClient: { base: autoScalingSdk.AutoScalingServiceException, module: autoScalingSdk },
  ElasticLoadBalancingV2Client: { base: elbv2Sdk.ElasticLoadBalancingV2ServiceException, module: elbv2Sdk },
  S3Client: { base: s3Sdk.S3ServiceException, module: s3Sdk },
  SNSClient: { base: snsSdk.SNSServiceException, module: snsSdk },
  SSMClient: { base: ssmSdk.SSMServiceException, module: ssmSdk },
};

/** Services the SDK always sends to us-east-1, whatever region the client has. */
const GLOBAL_SERVICES = new Set(['iam', 'ce']);

/** What AWS answers a call into a Region that is not enabled for the account. */
const DISABLED_REGION_ERRORS: Record<string, [code: string, status: number, message: string]> = {
  ec2: ['AuthFailure', 401, 'AWS was not able to validate the provided access credentials'],
  sts: ['InvalidClientTokenId', 403, 'The security token included in the request is invalid.'],
  default: ['UnrecognizedClientException', 400, 'The security token included in the request is invalid.'],
};

const FAULT_STATUS: Record<string, number> = {
  AccessDenied: 403,
  AccessDeniedException: 403,
  UnauthorizedOperation: 403,
  UnauthorizedAccess: 403,
  OptInRequired: 401,
  AuthFailure: 401,
  RequestLimitExceeded: 503,
  TooManyRequestsException: 429,
  InternalFailure: 500,
  InternalError: 500,
  InternalServerError: 500,
  InternalServerErrorException: 500,
  ServiceUnavailable: 503,
  ServiceUnavailableException: 503,
  Unavailable: 503,
};

/** The HTTP status AWS answers an error code with (throttling and validation errors are 400). */
export function statusForError(code: string): number {
  return FAULT_STATUS[code] ?? 400;
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The names a fault's `service` may use for a service: its IAM prefix or its SDK service id. */
function serviceAliases(service: SimulatedService): Set<string> {
  return new Set([normalise(service.service), normalise(service.clientName.replace(/Client$/, ''))]);
}

function faultMessage(code: string, caller: string, action: string): string {
  if (code === 'UnauthorizedOperation') return 'You are not authorized to perform this operation.';
  if (FAULT_STATUS[code] === 403) {
    return `User: ${caller} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`;
  }
  return `Simulated fault: ${code} for ${action}`;
}

function accountState(scenario: ScenarioAccount, now: number): AccountState {
  const regions = scenario.regions
    ? scenario.regions.filter((r) => r.OptInStatus !== 'not-opted-in').map((r) => r.RegionName)
    : [...DEFAULT_REGIONS];
  return {
    id: scenario.account.id,
    ...(scenario.account.alias !== undefined && { alias: scenario.account.alias }),
    scenario,
    regions,
    now,
    cache: new Map(),
  };
}

export class SimulatedAccount {
  /** The account's state. One per account; organizations will add one per member. */
  readonly state: AccountState;
  private readonly scenario: Scenario;
  readonly callLog: SimulatedCall[] = [];
  private readonly counts = new Map<string, number>();
  private services: Map<string, SimulatedService> | undefined;
  private readonly enforceLimits: boolean;
  private readonly latencyMs: Record<string, number>;
  private readonly faults: { fault: ScenarioFault; remaining: number }[];
  private readonly buckets = new Map<string, TokenBucket>();

  /**
   * The account reads `scenario` in place (no copy), so changes made through it (remediation)
   * are visible to whoever holds the scenario.
   */
  constructor(scenario: Scenario, options: SimulatedAccountOptions = {}) {
    if (scenario.members !== undefined) {
      throw new Error(`scenario "${scenario.name}": several accounts (members) are not simulated yet; give a single-account scenario`);
    }
    if (scenario.account === undefined) {
      throw new Error(`scenario "${scenario.name}": account is required`);
    }
    const now = Date.parse(scenario.now);
    if (Number.isNaN(now)) throw new Error(`scenario "${scenario.name}": now is not an ISO-8601 timestamp`);
    this.scenario = scenario;
    this.state = accountState(scenario as ScenarioAccount, now);
    if (options.services) this.services = byClientName(options.services);
    const simulation = scenario.simulation ?? {};
    this.enforceLimits = simulation.enforceLimits ?? true;
    this.latencyMs = simulation.latencyMs ?? {};
    this.faults = (simulation.faults ?? []).map((fault) => ({ fault, remaining: fault.times ?? Infinity }));
  }

  /** Makes `client` talk to this account as if it were in `region`. Returns the client. */
  attach<C extends AttachableClient>(client: C, region: string): C {
    const middleware: SimulatedMiddleware = (_next, context) => (args) =>
      this.answer(context.clientName ?? 'UnknownClient', (context.commandName ?? 'UnknownCommand').replace(/Command$/, ''), region, args.input ?? {});
    (client.middlewareStack as DeserializeStack).add(middleware, { step: 'deserialize', priority: 'high', name: 'rigwatchSimulatedAccount' });
    return client;
  }

  /** Calls per `service:Operation`, every attempt counted (throttled and failed ones too). */
  callCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /**
   * The account as it stands, as a scenario: the scenario it was given with every change made
   * through it (CloudTrail records appended, snapshots and groups created, tags, instance states
   * and attributes, keys, policies, targets), `now` unchanged and `simulation` dropped. A deep copy,
   * ready for JSON.stringify; loaded again, it answers as this account does now.
   */
  toScenario(): Scenario {
    const { simulation: _simulation, ...rest } = this.scenario;
    return structuredClone(rest);
  }

  /** Drops the services' indexes; call after changing the scenario. */
  invalidate(): void {
    this.state.cache.clear();
  }

  private async answer(clientName: string, operation: string, clientRegion: string, input: unknown): Promise<{ output: unknown; response: unknown }> {
    this.services ??= byClientName((await import('./index.js')).defaultServices());
    const service = this.services.get(clientName);
    const prefix = service?.service ?? normalise(clientName.replace(/Client$/, ''));
    const region = GLOBAL_SERVICES.has(prefix) ? 'us-east-1' : clientRegion;
    const action = `${prefix}:${operation}`;
    const call: SimulatedCall = { account: this.state.id, region, service: prefix, operation, at: Date.now() };
    this.callLog.push(call);
    this.counts.set(action, (this.counts.get(action) ?? 0) + 1);
    const requestId = randomUUID();
    try {
      const delay = this.latencyMs[action] ?? this.latencyMs[prefix] ?? this.latencyMs.default ?? 0;
      if (delay > 0) await sleep(delay);
      const handler = service?.operations[operation];
      if (!service || !handler) {
        throw new AwsError('UnsupportedOperation', `The simulated account does not implement ${clientName} ${operation}`);
      }
      if (!this.state.regions.includes(region)) {
        const [code, status, message] = DISABLED_REGION_ERRORS[prefix] ?? DISABLED_REGION_ERRORS.default!;
        throw new AwsError(code, message, status);
      }
      const params = (input ?? {}) as Record<string, unknown>;
      this.throttle(prefix, operation, region, params);
      this.injectFault(service, operation, region, action);
      if (prefix === 'ec2' && params.DryRun === true) {
        throw new AwsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
      }
      const ctx: SimContext = { account: this.state, region, simulation: { enforceLimits: this.enforceLimits }, requestId };
      const output = (await handler(ctx, params)) as Record<string, unknown>;
      return {
        output: { ...output, $metadata: { httpStatusCode: 200, requestId: ctx.requestId ?? requestId } },
        response: new HttpResponse({ statusCode: 200, headers: { 'x-amzn-requestid': ctx.requestId ?? requestId } }),
      };
    } catch (error) {
      call.error = error instanceof Error ? error.name : 'Error';
      // Anything but an AwsError is a bug in a handler: let it surface as it is.
      if (!(error instanceof AwsError)) throw error;
      throw toServiceException(clientName, error, requestId);
    }
  }

  private throttle(service: string, operation: string, region: string, input: Record<string, unknown>): void {
    if (!this.enforceLimits) return;
    const limit = rateLimitFor(service, operation, input);
    if (!limit) return;
    const key = `${this.state.id}|${region}|${limit.bucket}`;
    const now = performance.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(limit.burst, limit.perSecond, now);
      this.buckets.set(key, bucket);
    }
    if (!bucket.tryTake(now)) throw new AwsError(limit.error, limit.message, limit.status);
  }

  private injectFault(service: SimulatedService, operation: string, region: string, action: string): void {
    const aliases = serviceAliases(service);
    const match = this.faults.find(
      ({ fault, remaining }) =>
        remaining > 0 &&
        aliases.has(normalise(fault.service)) &&
        (fault.operation === operation || fault.operation === '*') &&
        (fault.region === undefined || fault.region === region),
    );
    if (!match) return;
    match.remaining -= 1;
    const code = match.fault.error;
    throw new AwsError(code, faultMessage(code, auditorSessionArn(this.state.id), action), statusForError(code));
  }
}

function byClientName(services: SimulatedService[]): Map<string, SimulatedService> {
  return new Map(services.map((s) => [s.clientName, s]));
}

/**
 * The modeled exception a query-protocol error code stands for, when it is not the class's own
 * name (SNS's `ParameterValueInvalid` is InvalidParameterValueException): the SDK exports each
 * exception's schema as `<Name>$`, with the wire code in its `awsQueryError` trait.
 */
function queryErrorClassName(module: Record<string, unknown>, code: string): string | undefined {
  for (const [key, schema] of Object.entries(module)) {
    if (!key.endsWith('$') || !Array.isArray(schema)) continue;
    const traits = schema[3] as { awsQueryError?: unknown[] } | undefined;
    if (traits?.awsQueryError?.[0] === code && typeof schema[2] === 'string') return schema[2];
  }
  return undefined;
}

/** The error the SDK would throw: the modeled exception class when the client has one. */
function toServiceException(clientName: string, error: AwsError, requestId: string): ServiceException {
  const $metadata = { httpStatusCode: error.status, requestId };
  const registry = EXCEPTIONS[clientName];
  const base = registry?.base ?? ServiceException;
  const isModeled = (candidate: unknown): candidate is ModeledExceptionClass =>
    typeof candidate === 'function' && registry !== undefined && candidate.prototype instanceof registry.base;
  const byName = (name: string | undefined) => (registry && name !== undefined ? registry.module[name] : undefined);
  const modeled = [byName(error.name), byName(`${error.name}Exception`)].find(isModeled)
    ?? [byName(registry && queryErrorClassName(registry.module, error.name))].find(isModeled);
  if (modeled) {
    const exception = new modeled({ message: error.message, Message: error.message, $metadata });
    exception.$metadata = $metadata;
    return exception;
  }
  return new base({ name: error.name, $fault: error.fault, $metadata, message: error.message });
}
