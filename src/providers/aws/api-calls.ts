// Counting every API call an audit makes: what AWS sees, throttles and (for Cost Explorer)
// bills. The counter sits inside the SDK's retry loop, so each attempt counts.

import type { Client } from './client-types.js';

/** The IAM service prefix of each SDK client, which is also how calls are keyed: `ec2:DescribeInstances`. */
export const IAM_PREFIX_BY_CLIENT: Record<string, string> = {
  EC2Client: 'ec2',
  CloudTrailClient: 'cloudtrail',
  CloudWatchClient: 'cloudwatch',
  IAMClient: 'iam',
  CostExplorerClient: 'ce',
  STSClient: 'sts',
  GuardDutyClient: 'guardduty',
  AutoScalingClient: 'autoscaling',
  ElasticLoadBalancingV2Client: 'elasticloadbalancing',
};

export function actionName(clientName: string, commandName: string): string {
  const prefix = IAM_PREFIX_BY_CLIENT[clientName] ?? clientName.replace(/Client$/, '').toLowerCase();
  return `${prefix}:${commandName.replace(/Command$/, '')}`;
}

export class ApiCallCounter {
  private readonly counts = new Map<string, number>();
  private throttledCount = 0;

  record(action: string): void {
    this.counts.set(action, (this.counts.get(action) ?? 0) + 1);
  }

  recordThrottle(): void {
    this.throttledCount += 1;
  }

  get throttled(): number {
    return this.throttledCount;
  }

  /** Calls by action, sorted by name, as the report's `stats.apiCalls` carries them. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  attach(client: Client): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        this.record(actionName(String(context.clientName), String(context.commandName)));
        try {
          return await next(args);
        } catch (error) {
          if (isThrottle(error)) this.recordThrottle();
          throw error;
        }
      },
      { step: 'finalizeRequest', priority: 'low', name: 'rigwatchApiCallCounter' },
    );
  }
}

const THROTTLE_CODES = new Set([
  'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'LimitExceededException', 'TooManyRequestsException',
]);

export function isThrottle(error: unknown): boolean {
  return error instanceof Error && THROTTLE_CODES.has(error.name);
}
