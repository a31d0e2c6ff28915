// The least-privilege policy an audit needs, computed from what each collector declares it calls.

import * as cloudtrail from './collectors/cloudtrail.js';
import * as cloudwatch from './collectors/cloudwatch.js';
import * as costs from './collectors/costs.js';
import * as ec2 from './collectors/ec2.js';
import * as guardduty from './collectors/guardduty.js';
import * as iam from './collectors/iam.js';
import * as identity from './collectors/identity.js';

export const AUDIT_PERMISSIONS: Record<string, readonly string[]> = {
  sts: identity.PERMISSIONS,
  'ec2-regions': ec2.REGION_PERMISSIONS,
  ec2: ec2.PERMISSIONS,
  'ec2-userdata': ec2.USER_DATA_PERMISSIONS,
  cloudtrail: cloudtrail.PERMISSIONS,
  cloudwatch: cloudwatch.PERMISSIONS,
  costexplorer: costs.PERMISSIONS,
  iam: iam.PERMISSIONS,
  guardduty: guardduty.PERMISSIONS,
};

export function auditActions(): string[] {
  return [...new Set(Object.values(AUDIT_PERMISSIONS).flat())].sort();
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: { Sid: string; Effect: 'Allow'; Action: string[]; Resource: '*' }[];
}

/** Read-only: these List/Describe/Get actions do not support resource-level scoping, hence Resource "*". */
export function auditPolicy(): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Sid: 'RigwatchAuditReadOnly', Effect: 'Allow', Action: auditActions(), Resource: '*' }] };
}
