// The simulated AWS account: a scenario answering real AWS SDK v3 clients.

import { autoScalingService } from './services/autoscaling.js';
import { cloudtrailService } from './services/cloudtrail.js';
import { cloudwatchService } from './services/cloudwatch.js';
import { costExplorerService } from './services/costexplorer.js';
import { ec2Service } from './services/ec2.js';
import { elbv2Service } from './services/elbv2.js';
import { guardDutyService } from './services/guardduty.js';
import { iamService } from './services/iam.js';
import { s3Service } from './services/s3.js';
import { snsService } from './services/sns.js';
import { ssmService } from './services/ssm.js';
import { stsService } from './services/sts.js';
import type { SimulatedService } from './types.js';

export { SimulatedAccount, statusForError, type AttachableClient, type SimulatedAccountOptions, type SimulatedCall } from './account.js';
export { rateLimitFor, type RateLimit } from './limits.js';
export { SOURCE_IP_ADDRESS, USER_AGENT } from './changes.js';
export { AUDITOR_ROLE_NAME, AUDITOR_SESSION_NAME, auditorAccessKeyId, auditorIdentity, auditorRoleArn, auditorSessionArn } from './services/sts.js';
export { AwsError, type AccountState, type SimContext, type SimulatedService } from './types.js';
export {
  autoScalingService, cloudtrailService, cloudwatchService, costExplorerService, ec2Service, elbv2Service, guardDutyService, iamService,
  s3Service, snsService, ssmService, stsService,
};

/** Every service the simulated account answers. */
export function defaultServices(): SimulatedService[] {
  return [
    stsService, ec2Service, cloudtrailService, cloudwatchService, costExplorerService, iamService, guardDutyService,
    autoScalingService, elbv2Service, s3Service, snsService, ssmService,
  ];
}
