import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/detectors/types.js';
import type { AuditData } from '../../../src/providers/types.js';
import { action } from '../../../src/remediation/actions/disable-access-key.js';
import {
  applySteps, BACKDOOR_KEY, CI_KEY, finding, harness, OPS_ARN, ROLE_SESSION_FINDING, RUN_ID, STOLEN_KEY, STOLEN_KEY_FINDING, stolenKeyScenario,
  undoSteps, type Harness,
} from './harness.js';

const opts = action.options.parse({});

describe('disable-access-key', () => {
  let h: Harness;
  let data: AuditData;
  beforeAll(async () => {
    h = harness(stolenKeyScenario());
    data = await h.collect();
  });

  const keysFor = (findings: Finding[]) => action.plan({ findings, data, runId: RUN_ID }, opts).map((s) => `${s.resource.id} of ${String(s.params.userName)}`);

  const cases: { name: string; findings: () => Finding[]; expected: string[] }[] = [
    {
      name: 'the key the attacker used and the key it created for its back-door user, not the key CI rotated meanwhile',
      findings: () => [STOLEN_KEY_FINDING],
      expected: [`${BACKDOOR_KEY} of support-admin`, `${STOLEN_KEY} of ops-deploy`],
    },
    {
      name: 'a finding that does not ask for it (benign side): nothing',
      findings: () => [{ ...STOLEN_KEY_FINDING, remediations: ['revoke-sessions'] }],
      expected: [],
    },
    {
      name: 'a session (ASIA) key is not an IAM access key: left to revoke-sessions',
      findings: () => [{ ...ROLE_SESSION_FINDING, remediations: ['disable-access-key'] }],
      expected: [],
    },
    {
      name: 'keys the finding names as resources or in its evidence',
      findings: () => [finding({ id: 'x:1', detector: 'iam-credential-activity', resources: [{ type: 'AWS::IAM::AccessKey', id: CI_KEY }], evidence: { createdAccessKeyIds: [BACKDOOR_KEY] }, remediations: ['disable-access-key'] })],
      expected: [`${BACKDOOR_KEY} of support-admin`, `${CI_KEY} of ops-deploy`],
    },
    {
      name: 'a key named twice is one step with both findings',
      findings: () => [STOLEN_KEY_FINDING, { ...STOLEN_KEY_FINDING, id: 'fleet-spinup:2', actor: { arn: OPS_ARN, accessKeyId: STOLEN_KEY } }],
      expected: [`${BACKDOOR_KEY} of support-admin`, `${STOLEN_KEY} of ops-deploy`],
    },
  ];
  it.each(cases)('plans $name', ({ findings, expected }) => {
    expect(keysFor(findings())).toEqual(expected);
  });

  it('step ids and params: one per key, global, with the user as the principal', () => {
    const [s] = action.plan({ findings: [STOLEN_KEY_FINDING], data, runId: RUN_ID }, opts).filter((x) => x.resource.id === STOLEN_KEY);
    expect(s).toMatchObject({
      id: `disable-access-key:deactivate:global:${STOLEN_KEY}`,
      resource: { type: 'AWS::IAM::AccessKey', id: STOLEN_KEY, region: 'global' },
      params: { userName: 'ops-deploy', principal: { type: 'user', name: 'ops-deploy', arn: OPS_ARN } },
      findings: [STOLEN_KEY_FINDING.id],
    });
  });

  it('deactivates the keys (never deletes them) and undo makes them active again; only declared calls', async () => {
    const status = async (user: string) => Object.fromEntries(((await h.clients.iam().send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId, k.Status]));
    const steps = action.plan({ findings: [STOLEN_KEY_FINDING], data, runId: RUN_ID }, opts);

    const applied = await applySteps(h, action, steps);
    expect(applied.map((a) => a.outcome.status)).toEqual(['done', 'done']);
    expect(await status('ops-deploy')).toEqual({ [STOLEN_KEY]: 'Inactive', [CI_KEY]: 'Active' });
    expect(await status('support-admin')).toEqual({ [BACKDOOR_KEY]: 'Inactive' });

    const again = await applySteps(h, action, steps);
    expect(again.map((a) => a.outcome)).toEqual([
      { status: 'done', reason: `access key ${BACKDOOR_KEY} was already inactive` },
      { status: 'done', reason: `access key ${STOLEN_KEY} was already inactive` },
    ]);

    expect((await undoSteps(h, action, applied)).map((o) => o.status)).toEqual(['done', 'done']);
    expect(await status('ops-deploy')).toEqual({ [STOLEN_KEY]: 'Active', [CI_KEY]: 'Active' });
    expect(await status('support-admin')).toEqual({ [BACKDOOR_KEY]: 'Active' });

    const seen = [...h.actionCalls].sort();
    expect(seen.filter((c) => !action.permissions.includes(c))).toEqual([]);
    expect(seen).toContain('iam:UpdateAccessKey');
    expect(action.permissions).not.toContain('iam:DeleteAccessKey');
  });
});
