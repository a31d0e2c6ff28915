// What the simulated account enforces when `simulation.enforceLimits` is on (the default): AWS's
// request-rate limits as real wall-clock token buckets, and the page sizes AWS documents. Numbers
// come from shared/AWS-FACTS.md ("Limits and prices that shape the design") and the AWS pages it
// summarises; where AWS publishes nothing, the choice is said so below.
//
// - CloudTrail LookupEvents: 2 calls/s per account per Region (LookupEvents API reference) ->
//   ThrottlingException. Other CloudTrail calls are not limited here (no published number).
// - EC2 (ec2/latest/devguide/ec2-api-throttling): one bucket per API action per Region.
//   Non-mutating actions (Describe*, Get*, List*, Search*): 100 burst, 20/s. The listed describes
//   called unfiltered *and* unpaginated use the "unfiltered and unpaginated" bucket: 50 burst, 10/s.
//   Mutating actions (ModifyInstanceAttribute, StopInstances, CreateTags, RevokeSecurityGroupIngress
//   ...): 50 burst, 5/s, each action its own bucket. All answer RequestLimitExceeded (HTTP 503).
// - CloudWatch (service quotas): GetMetricData 50/s, GetMetricStatistics 400/s, ListMetrics 25/s
//   -> Throttling.
// - IAM: unpublished and not adjustable; 20/s shared by all IAM actions is our choice (IAM answers
//   Throttling, "Rate exceeded").
// - Cost Explorer: unpublished; 5/s shared by all CE actions -> LimitExceededException.
// - STS: 600 requests/s per account per Region (STS quotas) -> Throttling.
// - GuardDuty, Auto Scaling, Elastic Load Balancing: no limit simulated (no published per-API
//   number).
// - Systems Manager GetParameter: 40 transactions/s with the default (standard) Parameter Store
//   throughput (Systems Manager quotas) -> ThrottlingException, "Rate exceeded".
// - S3 (3,500 PUT and 5,500 GET requests/s per prefix) and SNS Publish (30,000/s in us-east-1,
//   less elsewhere): far above anything run against the simulated account; not simulated.

export interface RateLimit {
  /** The bucket's name, unique within an account and Region. */
  bucket: string;
  /** Tokens the bucket holds when full: the burst. */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
  /** AWS's error code when the bucket is empty. */
  error: string;
  status: number;
  message: string;
}

const RATE_EXCEEDED = 'Rate exceeded';

/** EC2 describes that have the cheaper "unfiltered and unpaginated" bucket (EC2 throttling guide). */
const EC2_UNFILTERED_BUCKET_ACTIONS = new Set([
  'DescribeInstances',
  'DescribeNetworkInterfaces',
  'DescribeSecurityGroups',
  'DescribeSnapshots',
  'DescribeSpotInstanceRequests',
  'DescribeVolumes',
]);

/** Input members that make an EC2 describe "filtered" or "paginated" in the throttling sense. */
const EC2_NARROWING_MEMBERS = [
  'Filters', 'MaxResults', 'NextToken', 'InstanceIds', 'GroupIds', 'GroupNames', 'SnapshotIds', 'VolumeIds',
  'NetworkInterfaceIds', 'SpotInstanceRequestIds', 'OwnerIds', 'RestorableByUserIds',
];

const EC2_NON_MUTATING = /^(Describe|Get|List|Search)/;

const SHARED_BUCKETS: Record<string, Omit<RateLimit, 'bucket'>> = {
  iam: { burst: 20, perSecond: 20, error: 'Throttling', status: 400, message: RATE_EXCEEDED },
  ce: { burst: 5, perSecond: 5, error: 'LimitExceededException', status: 400, message: RATE_EXCEEDED },
  sts: { burst: 600, perSecond: 600, error: 'Throttling', status: 400, message: RATE_EXCEEDED },
};

const PER_OPERATION: Record<string, Omit<RateLimit, 'bucket'>> = {
  'cloudtrail:LookupEvents': { burst: 2, perSecond: 2, error: 'ThrottlingException', status: 400, message: RATE_EXCEEDED },
  'cloudwatch:GetMetricData': { burst: 50, perSecond: 50, error: 'Throttling', status: 400, message: RATE_EXCEEDED },
  'cloudwatch:GetMetricStatistics': { burst: 400, perSecond: 400, error: 'Throttling', status: 400, message: RATE_EXCEEDED },
  'cloudwatch:ListMetrics': { burst: 25, perSecond: 25, error: 'Throttling', status: 400, message: RATE_EXCEEDED },
  'ssm:GetParameter': { burst: 40, perSecond: 40, error: 'ThrottlingException', status: 400, message: RATE_EXCEEDED },
};

const EC2_THROTTLE = { error: 'RequestLimitExceeded', status: 503, message: 'Request limit exceeded.' };

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

/** The rate limit a call is subject to, or undefined when none is simulated. */
export function rateLimitFor(service: string, operation: string, input: Record<string, unknown>): RateLimit | undefined {
  if (service === 'ec2') {
    if (!EC2_NON_MUTATING.test(operation)) {
      return { bucket: `ec2:${operation}`, burst: 50, perSecond: 5, ...EC2_THROTTLE };
    }
    const unfiltered = EC2_UNFILTERED_BUCKET_ACTIONS.has(operation) && !EC2_NARROWING_MEMBERS.some((m) => isPresent(input[m]));
    return unfiltered
      ? { bucket: `ec2:${operation}:unfiltered`, burst: 50, perSecond: 10, ...EC2_THROTTLE }
      : { bucket: `ec2:${operation}`, burst: 100, perSecond: 20, ...EC2_THROTTLE };
  }
  const shared = SHARED_BUCKETS[service];
  if (shared) return { bucket: service, ...shared };
  const key = `${service}:${operation}`;
  const own = PER_OPERATION[key];
  return own ? { bucket: key, ...own } : undefined;
}

/** A token bucket on the real clock: full at start, refilled continuously. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly burst: number, private readonly perSecond: number, nowMs: number) {
    this.tokens = burst;
    this.last = nowMs;
  }

  tryTake(nowMs: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.last) / 1000) * this.perSecond);
    this.last = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Page sizes AWS documents, shared by the handlers. */
export const PAGE_LIMITS = {
  /** EC2 describes: MaxResults 5 to 1000. */
  ec2: { min: 5, max: 1000 },
  /** LookupEvents: 1 to 50, default 50. */
  lookupEvents: { min: 1, max: 50 },
  /** GuardDuty ListDetectors / ListFindings: 1 to 50; GetFindings: at most 50 ids. */
  guardDuty: { min: 1, max: 50 },
} as const;

/** How far back LookupEvents reaches. */
export const LOOKUP_EVENTS_RETENTION_MS = 90 * 24 * 3600 * 1000;
