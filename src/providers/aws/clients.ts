// The one place SDK clients are made: from the standard credential chain (or a named profile),
// for a region, optionally against another endpoint (LocalStack). Every client gets the call
// counter and the rate limiter; `decorate` lets the simulated account slot in beneath send().

import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ApiCallCounter } from './api-calls.js';
import type { Client } from './client-types.js';
import { RateLimiter } from './rate-limit.js';

/** IAM, Cost Explorer and Organizations are global: the SDK sends them to us-east-1. */
export const GLOBAL_REGION = 'us-east-1';

export interface ClientOptions {
  profile?: string;
  endpointUrl?: string;
  /** Static credentials, or a provider (an assumed role's, renewed as they expire). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts per call, the first included (the SDK's standard retry mode). */
  maxAttempts?: number;
  /** Called for every client made, with its region: the simulated account attaches here. */
  decorate?: (client: Client, region: string) => void;
  rateLimiter?: RateLimiter;
}

interface BaseConfig {
  region: string;
  profile?: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  maxAttempts: number;
  retryMode: 'standard';
}

export class AwsClients {
  readonly calls = new ApiCallCounter();
  private readonly limiter: RateLimiter;
  private readonly cache = new Map<string, unknown>();

  constructor(private readonly options: ClientOptions = {}) {
    this.limiter = options.rateLimiter ?? new RateLimiter();
  }

  ec2(region: string): EC2Client {
    return this.make('ec2', region, (c) => new EC2Client(c));
  }

  /** Remediation only: detaching a quarantined instance from its Auto Scaling group. */
  autoScaling(region: string): AutoScalingClient {
    return this.make('autoscaling', region, (c) => new AutoScalingClient(c));
  }

  /** Remediation only: deregistering a quarantined instance from its load balancers' target groups. */
  elbv2(region: string): ElasticLoadBalancingV2Client {
    return this.make('elasticloadbalancing', region, (c) => new ElasticLoadBalancingV2Client(c));
  }

  cloudtrail(region: string): CloudTrailClient {
    return this.make('cloudtrail', region, (c) => new CloudTrailClient(c));
  }

  cloudwatch(region: string): CloudWatchClient {
    return this.make('cloudwatch', region, (c) => new CloudWatchClient(c));
  }

  guardduty(region: string): GuardDutyClient {
    return this.make('guardduty', region, (c) => new GuardDutyClient(c));
  }

  s3(region: string): S3Client {
    return this.make('s3', region, (c) => new S3Client({ ...c, forcePathStyle: false }));
  }

  sns(region: string): SNSClient {
    return this.make('sns', region, (c) => new SNSClient(c));
  }

  ssm(region: string): SSMClient {
    return this.make('ssm', region, (c) => new SSMClient(c));
  }

  sts(region = GLOBAL_REGION): STSClient {
    return this.make('sts', region, (c) => new STSClient(c));
  }

  iam(): IAMClient {
    return this.make('iam', GLOBAL_REGION, (c) => new IAMClient(c));
  }

  costExplorer(): CostExplorerClient {
    return this.make('ce', GLOBAL_REGION, (c) => new CostExplorerClient(c));
  }

  /** Closes the clients' connection pools, so a CLI run exits promptly. */
  destroy(): void {
    for (const client of this.cache.values()) (client as { destroy(): void }).destroy();
    this.cache.clear();
  }

  private make<T extends Client>(service: string, region: string, create: (config: BaseConfig) => T): T {
    const key = `${service}@${region}`;
    const cached = this.cache.get(key);
    if (cached) return cached as T;
    const client = create({
      region,
      maxAttempts: this.options.maxAttempts ?? 5,
      retryMode: 'standard',
      ...(this.options.profile ? { profile: this.options.profile } : {}),
      ...(this.options.endpointUrl ? { endpoint: this.options.endpointUrl } : {}),
      ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
    });
    this.limiter.attach(client, region);
    this.calls.attach(client);
    this.options.decorate?.(client, region);
    this.cache.set(key, client);
    return client;
  }
}
