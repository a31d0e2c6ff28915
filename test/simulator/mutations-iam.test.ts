import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  IAMServiceException,
  ListAccessKeysCommand,
  ListAccountAliasesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { auditorSessionArn } from '../../src/simulator/services/sts.js';
import { ACCOUNT_ID, rejection, remediationClients } from './harness.js';
import { incidentAccount, KEY, ROLE, USER } from './mutation-fixture.js';

const DENY_ALL = 'arn:aws:iam::aws:policy/AWSDenyAll';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const REVOKE_SESSIONS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-11-01T12:00:00Z' } } }],
});

function setup() {
  const account = incidentAccount();
  return { account, ...remediationClients(account) };
}

describe('UpdateAccessKey', () => {
  it('deactivates a key, visible to ListAccessKeys, and records it in us-east-1', async () => {
    const { account, iam } = setup();
    await iam.send(new UpdateAccessKeyCommand({ UserName: USER, AccessKeyId: KEY, Status: 'Inactive' }));
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: USER }));
    expect(keys.AccessKeyMetadata!.map((k) => [k.AccessKeyId, k.Status])).toEqual([[KEY, 'Inactive']]);
    expect(account.state.scenario.cloudtrail!.events!.at(-1)).toMatchObject({
      eventSource: 'iam.amazonaws.com',
      eventName: 'UpdateAccessKey',
      awsRegion: 'us-east-1',
      requestParameters: { userName: USER, accessKeyId: KEY, status: 'Inactive' },
      responseElements: null,
      userIdentity: { type: 'AssumedRole', arn: auditorSessionArn(ACCOUNT_ID) },
    });
  });

  it('refuses a key the user does not have, a user that does not exist, and a missing user name', async () => {
    const { iam } = setup();
    const noKey = await rejection(iam.send(new UpdateAccessKeyCommand({ UserName: USER, AccessKeyId: 'AKIANOPE', Status: 'Inactive' })));
    expect(noKey).toBeInstanceOf(IAMServiceException);
    expect(noKey.name).toBe('NoSuchEntityException');
    expect(noKey.$metadata?.httpStatusCode).toBe(404);
    expect((await rejection(iam.send(new UpdateAccessKeyCommand({ UserName: 'nobody', AccessKeyId: KEY, Status: 'Inactive' })))).name).toBe('NoSuchEntityException');
    expect((await rejection(iam.send(new UpdateAccessKeyCommand({ AccessKeyId: KEY, Status: 'Inactive' })))).name).toBe('ValidationError');
  });
});

describe('inline policies', () => {
  it('puts, lists, gets (URL-encoded, as IAM returns it) and deletes a user policy', async () => {
    const { account, iam } = setup();
    await iam.send(new PutUserPolicyCommand({ UserName: USER, PolicyName: 'rigwatch-revoke-sessions', PolicyDocument: REVOKE_SESSIONS }));
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: USER }))).PolicyNames).toEqual(['rigwatch-revoke-sessions']);
    const got = await iam.send(new GetUserPolicyCommand({ UserName: USER, PolicyName: 'rigwatch-revoke-sessions' }));
    expect(JSON.parse(decodeURIComponent(got.PolicyDocument!))).toEqual(JSON.parse(REVOKE_SESSIONS));
    expect(account.state.scenario.cloudtrail!.events!.at(-1)!.requestParameters).toEqual({ userName: USER, policyName: 'rigwatch-revoke-sessions', policyDocument: REVOKE_SESSIONS });

    await iam.send(new DeleteUserPolicyCommand({ UserName: USER, PolicyName: 'rigwatch-revoke-sessions' }));
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: USER }))).PolicyNames).toEqual([]);
    const gone = await rejection(iam.send(new DeleteUserPolicyCommand({ UserName: USER, PolicyName: 'rigwatch-revoke-sessions' })));
    expect(gone.name).toBe('NoSuchEntityException');
  });

  it('puts and deletes a role policy, and refuses a malformed document', async () => {
    const { iam } = setup();
    await iam.send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: 'deny', PolicyDocument: REVOKE_SESSIONS }));
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: ROLE }))).PolicyNames).toEqual(['deny']);
    expect((await iam.send(new GetRolePolicyCommand({ RoleName: ROLE, PolicyName: 'deny' }))).PolicyDocument).toBe(encodeURIComponent(JSON.stringify(JSON.parse(REVOKE_SESSIONS))));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: ROLE, PolicyName: 'deny' }));
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: ROLE }))).PolicyNames).toEqual([]);
    const malformed = await rejection(iam.send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: 'bad', PolicyDocument: '{"Statement": [' })));
    expect(malformed.name).toBe('MalformedPolicyDocumentException');
  });
});

describe('managed policies', () => {
  it('attaches and detaches user policies, the name taken from the ARN', async () => {
    const { account, iam } = setup();
    await iam.send(new AttachUserPolicyCommand({ UserName: USER, PolicyArn: DENY_ALL }));
    expect((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: USER }))).AttachedPolicies).toEqual([
      { PolicyName: 'AdministratorAccess', PolicyArn: ADMIN },
      { PolicyName: 'AWSDenyAll', PolicyArn: DENY_ALL },
    ]);
    expect(account.state.scenario.cloudtrail!.events!.at(-1)).toMatchObject({ eventName: 'AttachUserPolicy', requestParameters: { userName: USER, policyArn: DENY_ALL }, responseElements: null });
    await iam.send(new DetachUserPolicyCommand({ UserName: USER, PolicyArn: ADMIN }));
    expect((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: USER }))).AttachedPolicies).toEqual([{ PolicyName: 'AWSDenyAll', PolicyArn: DENY_ALL }]);
  });

  it('refuses to detach a policy that is not attached', async () => {
    const { iam } = setup();
    const error = await rejection(iam.send(new DetachUserPolicyCommand({ UserName: USER, PolicyArn: DENY_ALL })));
    expect(error.name).toBe('NoSuchEntityException');
    expect(error.message).toBe(`Policy ${DENY_ALL} was not found.`);
    expect((await rejection(iam.send(new DetachRolePolicyCommand({ RoleName: ROLE, PolicyArn: DENY_ALL })))).name).toBe('NoSuchEntityException');
  });

  it('attaches and detaches role policies; refuses invalid ARNs, other accounts\' policies and AWS\'s protected roles', async () => {
    const { iam } = setup();
    await iam.send(new AttachRolePolicyCommand({ RoleName: ROLE, PolicyArn: DENY_ALL }));
    expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: ROLE }))).AttachedPolicies).toEqual([{ PolicyName: 'AWSDenyAll', PolicyArn: DENY_ALL }]);
    await iam.send(new DetachRolePolicyCommand({ RoleName: ROLE, PolicyArn: DENY_ALL }));
    expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: ROLE }))).AttachedPolicies).toEqual([]);
    expect((await rejection(iam.send(new AttachRolePolicyCommand({ RoleName: ROLE, PolicyArn: 'not-an-arn' })))).name).toBe('InvalidInputException');
    expect((await rejection(iam.send(new AttachRolePolicyCommand({ RoleName: ROLE, PolicyArn: 'arn:aws:iam::999988887777:policy/theirs' })))).name).toBe('NoSuchEntityException');
    expect((await rejection(iam.send(new AttachRolePolicyCommand({ RoleName: 'AWSServiceRoleForAutoScaling', PolicyArn: DENY_ALL })))).name).toBe('UnmodifiableEntityException');
  });
});

describe('IAM records and aliases', () => {
  it('ListAccountAliases answers the scenario alias', async () => {
    const { iam } = setup();
    expect((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual(['acme-prod']);
  });

  it('LookupEvents finds IAM changes in us-east-1 only, by user name and by access key', async () => {
    const account = incidentAccount();
    const east = remediationClients(account, 'us-east-1');
    const west = remediationClients(account, 'eu-west-1');
    await east.iam.send(new UpdateAccessKeyCommand({ UserName: USER, AccessKeyId: KEY, Status: 'Inactive' }));
    const byName = await east.cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'UpdateAccessKey' }] }));
    expect(byName.Events!.map((e) => [e.EventName, e.Username])).toEqual([['UpdateAccessKey', 'rigwatch']]);
    expect(byName.Events![0]!.Resources).toEqual([{ ResourceType: 'AWS::IAM::User', ResourceName: USER }, { ResourceType: 'AWS::IAM::AccessKey', ResourceName: KEY }]);
    const byResource = await east.cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: KEY }] }));
    expect(byResource.Events).toHaveLength(1);
    const inWest = await west.cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'UpdateAccessKey' }] }));
    expect(inWest.Events).toEqual([]);
  });
});
