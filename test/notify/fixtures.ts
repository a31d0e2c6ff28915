// Digests for the notify tests: findings shaped like the demo's, with an evidence object that
// carries secrets a careless detector might have copied from an API answer.

import type { Finding, Severity } from '../../src/detectors/types.js';
import { buildDigest, remediateCommand } from '../../src/notify/digest.js';
import type { Digest, DigestItem } from '../../src/notify/types.js';

export const ACCOUNT = '111122223333';
export const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
export const SESSION_TOKEN = 'FwoGZXIvYXdzEBYaDHqa0AP1EXAMPLEsessiontokenAAAAAAAAAAAAAAAAAAAAAAA';
export const SLACK_URL_IN_EVIDENCE = 'https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX';

const SEVERITIES: Severity[] = ['critical', 'high', 'medium'];

export function fleetFinding(n: number, o: Partial<Finding> = {}): Finding {
  const region = ['sa-east-1', 'ap-southeast-1', 'us-east-2', 'eu-north-1'][n % 4] as string;
  return {
    id: `fleet-spinup:${n.toString(16).padStart(16, '0')}`,
    detector: 'fleet-spinup',
    severity: SEVERITIES[n % 3] as Severity,
    title: `32 instances (256 vCPUs in 24 h) launched by arn:aws:iam::${ACCOUNT}:user/deploy-bot/ops-deploy in ${region}: above-baseline, single-type-burst`,
    account: ACCOUNT,
    region,
    resources: Array.from({ length: 33 }, (_, i) => ({ type: i === 32 ? 'AWS::EC2::SecurityGroup' : 'AWS::EC2::Instance', id: `i-${n}x${i}`, region })),
    actor: {
      arn: `arn:aws:iam::${ACCOUNT}:user/deploy-bot/ops-deploy`,
      accessKeyId: 'AKIACQM7X6RB7KUF7T3Y',
      sourceIPs: ['185.220.101.34', '45.9.148.108'],
      userAgent: 'Boto3/1.34.144',
    },
    firstSeen: '2026-11-24T02:13:00Z',
    lastSeen: '2026-11-27T10:00:00Z',
    evidence: {
      // What a careless detector might have copied from a CreateAccessKey or AssumeRole answer.
      responseElements: { accessKey: { accessKeyId: 'AKIACQM7X6RB7KUF7T3Y', SecretAccessKey: SECRET_ACCESS_KEY }, credentials: { sessionToken: SESSION_TOKEN } },
      userData: `#!/bin/sh\nexport AWS_SECRET_ACCESS_KEY=${SECRET_ACCESS_KEY}\nexport AWS_SESSION_TOKEN=${SESSION_TOKEN}\ncurl -X POST ${SLACK_URL_IN_EVIDENCE}\n./xmrig -o pool.example:3333`,
      note: `aws_session_token = "${SESSION_TOKEN}"`,
      padding: 'x'.repeat(2000),
    },
    ...o,
  };
}

export function item(n: number, o: Partial<DigestItem> = {}): DigestItem {
  const f = fleetFinding(n);
  return {
    finding: f,
    reason: n % 5 === 4 ? 'escalated' : 'new',
    ...(n % 5 === 4 ? { previousSeverity: 'medium' as Severity } : {}),
    impact: { currency: 'USD', hourly: 32 * 0.68, instances: Object.fromEntries(f.resources.slice(0, 32).map((r) => [r.id, 0.68])) },
    remediate: remediateCommand([f.id], { profile: 'prod' }),
    ...o,
  };
}

export function digestOf(items: DigestItem[], o: Partial<Digest> = {}): Digest {
  return {
    ...buildDigest({
      account: ACCOUNT,
      generatedAt: '2026-11-27T12:00:00Z',
      items,
      resolved: o.resolved ?? [],
      stillOpen: o.stillOpen ?? { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
    }),
  };
}

export function billItem(): DigestItem {
  return {
    finding: {
      id: 'bill-spike:e101b3c9f69e25f0',
      detector: 'bill-spike',
      severity: 'critical',
      title: 'Total daily cost up to 2769.98 USD on 2026-11-27 against a baseline of 420.83 (+5368.26 USD over 4 days)',
      account: ACCOUNT,
      region: 'global',
      resources: [],
      evidence: { currency: 'USD', excess: 5368.26 },
    },
    reason: 'new',
    impact: { currency: 'USD', excess: 5368.26, projected: 12386.88 },
  };
}
