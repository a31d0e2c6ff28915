// deploy/member-role.yaml: a plain CloudFormation template (no transform, so StackSets can deploy
// it to every member account of an organization) for the role a central rigwatch function assumes
// to audit that account: `rigwatch-audit`, trusted by one central principal with an external id,
// allowed exactly auditPolicy()'s read-only actions.

import { auditPolicy } from '../providers/aws/permissions.js';
import { generatedHeader, getAtt, policyDocument, ref, renderYaml, type Json, type PolicyStatement } from './cfn.js';

/** The role's name in every member account: the central function's MemberRoleArn is arn:<partition>:iam::<member>:role/rigwatch-audit. */
export const MEMBER_ROLE_NAME = 'rigwatch-audit';

export function buildMemberRoleTemplate(): Json {
  const readOnly: PolicyStatement[] = auditPolicy().Statement.map((s) => ({ ...s, Action: [...s.Action] }));
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `rigwatch: the read-only ${MEMBER_ROLE_NAME} role a central rigwatch function assumes to audit this account.`,
    Parameters: {
      CentralAuditRoleArn: {
        Type: 'String',
        AllowedPattern: '^arn:aws[a-zA-Z-]*:iam::[0-9]{12}:(root|role/.+)$',
        Description: 'Who may assume the role: the central stack\'s AuditRoleArn output, or arn:aws:iam::<central account>:root to let the central account decide (one value for a whole StackSet).',
      },
      ExternalId: {
        Type: 'String',
        MinLength: 2,
        MaxLength: 1224,
        AllowedPattern: '^[A-Za-z0-9+=,.@:/_-]+$',
        Description: 'External id the central function must present (its MemberExternalId parameter).',
      },
    },
    Resources: {
      AuditRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: MEMBER_ROLE_NAME,
          Description: 'rigwatch audit from a central account: read-only.',
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: policyDocument({
            Effect: 'Allow',
            Principal: { AWS: ref('CentralAuditRoleArn') },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': ref('ExternalId') } },
          }),
          Policies: [{ PolicyName: 'RigwatchAuditReadOnly', PolicyDocument: policyDocument(...readOnly) }],
        },
      },
    },
    Outputs: {
      RoleArn: { Description: 'The central stack\'s MemberRoleArn for this account.', Value: getAtt('AuditRole', 'Arn') },
    },
  };
}

export function renderMemberRoleTemplate(): string {
  return renderYaml([
    ...generatedHeader('src/deploy/member-role.ts'),
    '',
    `Creates the IAM role named ${MEMBER_ROLE_NAME}, so it needs CAPABILITY_NAMED_IAM. See docs/deploy.md.`,
  ], buildMemberRoleTemplate());
}
