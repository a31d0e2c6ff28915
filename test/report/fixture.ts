// A synthetic report with every part the HTML report draws: two incidents (one with ~50 timeline
// entries), a month of billing with anomalies and AWS's own, metric series, a failed source, and
// strings an attacker controls (a security group name, a user name) trying to break out of HTML.

import type { Finding } from '../../src/detectors/types.js';
import { REPORT_FORMAT, type Report } from '../../src/engine/report.js';
import type { BillingReport, Incident, MetricStory, TimelineEntry, TimelineKind } from '../../src/engine/story.js';

export const EVIL = '<script>alert("pwned")</script><img src=x onerror=alert(1)>';
export const EVIL_URL = '<link href=http://evil.example/x.css rel=stylesheet>';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 10, 20, 9);
const iso = (ms: number): string => new Date(ms).toISOString();

function finding(i: number, over: Partial<Finding>): Finding {
  return {
    id: `f-${String(i).padStart(3, '0')}`,
    detector: 'fleet-spinup',
    severity: 'high',
    title: `finding ${i}`,
    account: '111122223333',
    region: 'us-east-2',
    resources: [{ type: 'AWS::EC2::Instance', id: `i-${String(i).padStart(17, '0')}`, region: 'us-east-2' }],
    actor: { arn: 'arn:aws:iam::111122223333:user/deploy-bot/ops-deploy', accessKeyId: 'AKIAEXAMPLEKEY000001', sourceIPs: ['203.0.113.7'] },
    firstSeen: iso(START + 24 * HOUR),
    lastSeen: iso(START + 60 * HOUR),
    evidence: { eventIds: ['e1', 'e2'], note: `</pre>${EVIL}`, secretAccessKey: 'should-be-redacted' },
    status: 'new',
    ...over,
  };
}

export function syntheticFindings(): Finding[] {
  return [
    finding(1, { severity: 'critical', detector: 'sg-open-ingress', title: `sg-1 (${EVIL}) open to the internet on tcp 22, 3333` }),
    finding(2, { severity: 'critical', detector: 'cpu-sustained', title: '32 instances above 85% CPU', actor: undefined }),
    finding(3, { severity: 'critical', detector: 'bill-spike', title: `Total daily cost up ${EVIL_URL}`, region: 'global', resources: [], actor: undefined }),
    finding(4, { severity: 'high', detector: 'fleet-spinup', title: '32 instances launched' }),
    finding(5, { severity: 'medium', detector: 'trail-tampering', title: 'logs deleted', status: 'open',
      actor: { arn: 'arn:aws:iam::111122223333:user/support-admin', sourceIPs: ['198.51.100.23', '198.51.100.24'] } }),
    finding(6, { severity: 'low', detector: 'iam-credential-activity', title: 'console without MFA', status: 'muted', muted: { reason: 'known', by: 'ack' } }),
  ];
}

const KINDS: TimelineKind[] = ['access', 'launch', 'ingress', 'iam', 'tampering', 'cost', 'detection'];

export function syntheticTimeline(n: number): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (let i = 0; i < n; i += 1) {
    const kind = KINDS[i % KINDS.length] ?? 'other';
    out.push({
      at: iso(START + i * 1.3 * HOUR),
      kind,
      title: i === 3 ? `CreateUser ${EVIL}` : `${kind} event ${i}`,
      region: i % 2 ? 'us-east-2' : 'eu-north-1',
      ...(kind === 'launch' ? { eventName: 'RunInstances', count: 8 } : {}),
      ...(kind === 'cost' ? { amount: 1234.5 + i } : {}),
    });
  }
  return out;
}

export function syntheticIncidents(): Incident[] {
  return [
    {
      id: 'inc-aaaa',
      title: `Stolen key of ${EVIL} launched 128 miners in 4 regions`,
      severity: 'critical',
      actor: {
        principals: ['arn:aws:iam::111122223333:user/deploy-bot/ops-deploy', 'arn:aws:iam::111122223333:user/backup-admin'],
        accessKeyIds: ['AKIAEXAMPLEKEY000001', 'AKIAEXAMPLEKEY000002'],
        sourceIPs: ['203.0.113.7', '203.0.113.8'],
      },
      firstSeen: iso(START + 12 * HOUR),
      lastSeen: iso(START + 72 * HOUR),
      findings: ['f-001', 'f-002', 'f-003', 'f-004'],
      resources: [{ type: 'AWS::EC2::Instance', id: 'i-00000000000000001', region: 'us-east-2' }],
      costImpact: {
        total: 12345.67,
        perHourNow: 98.76,
        currency: 'USD',
        basis: ['instance-hours x on-demand price (rigwatch\'s price table)', `Cost Explorer: EC2 in the incident's regions ${EVIL}`],
        instanceHours: { total: 12345.67, hours: 4000, instances: 128, unpriced: 0 },
        costExplorer: { total: 11000, scope: 'EC2, 4 regions' },
      },
      timeline: syntheticTimeline(50),
      remediate: 'rigwatch remediate --demo --finding f-001,f-002,f-003,f-004',
    },
    {
      id: 'inc-bbbb',
      title: 'support-admin stopped CloudTrail and deleted logs',
      severity: 'medium',
      actor: { principals: ['arn:aws:iam::111122223333:user/support-admin'], accessKeyIds: [], sourceIPs: ['198.51.100.23'] },
      firstSeen: iso(START + 30 * HOUR),
      lastSeen: iso(START + 31 * HOUR),
      findings: ['f-005'],
      resources: [],
      costImpact: { total: 0.5, perHourNow: 0, currency: 'USD', basis: ['no running instances'] },
      timeline: syntheticTimeline(3),
      remediate: 'rigwatch remediate --demo --finding f-005',
    },
  ];
}

export function syntheticBilling(): BillingReport {
  const days: BillingReport['days'] = [];
  const byService: BillingReport['byService'] = [];
  const anomalies: BillingReport['anomalies'] = [];
  for (let d = 0; d < 30; d += 1) {
    const date = iso(Date.UTC(2026, 9, 29) + d * 24 * HOUR).slice(0, 10);
    const spike = d >= 24;
    const ec2 = spike ? 2000 + d * 10 : 200 + (d % 5) * 3;
    const s3 = 80 + (d % 3);
    const other = 40;
    days.push({ date, expected: 330, actual: ec2 + s3 + other, estimated: d >= 28, partial: d === 29, anomaly: spike });
    byService.push({ service: 'Amazon Elastic Compute Cloud - Compute', date, amount: ec2 });
    byService.push({ service: `Amazon S3 ${EVIL}`, date, amount: s3 });
    byService.push({ service: 'Other', date, amount: other });
    if (spike) {
      anomalies.push({
        date, service: 'Amazon Elastic Compute Cloud - Compute', region: 'us-east-2', account: '111122223333', expected: 210, actual: ec2, impact: ec2 - 210,
        findingId: 'f-003', ...(d >= 28 && { estimated: true }), ...(d === 29 && { partial: true }),
      });
    }
  }
  return {
    currency: 'USD',
    account: '111122223333',
    window: { start: '2026-11-20T09:00:00.000Z', end: '2026-11-27T09:00:00.000Z' },
    baseline: { dailyMedian: 330, days: 24, from: '2026-10-29', to: '2026-11-21', excludes: 'month-start days' },
    notes: [`Cost Explorer rows carry no linked account ${EVIL}`],
    days,
    byService,
    anomalies,
    anomalyImpact: anomalies.reduce((a, b) => a + b.impact, 0),
    monthToDate: 14321.09,
    forecast: { monthEnd: 65432.1, atBaseline: 9900, basis: 'month-to-date plus the last 3 days\' run-rate to month end' },
    awsAnomalies: [
      {
        id: 'aws-anom-1', start: '2026-11-24', firstFlagged: '2026-11-25T14:00:00Z', service: 'Amazon Elastic Compute Cloud - Compute', region: 'us-east-2',
        account: '111122223333', impact: 5000, expected: 210, actual: 5210, usageType: `USE2-BoxUsage:c5.4xlarge${EVIL}`, feedback: 'YES',
        firstFlaggedBasis: 'the day after its last day of usage (GetAnomalies gives no detection time)',
      },
    ],
    firstFlagged: { rigwatch: '2026-11-22', aws: '2026-11-25' },
  };
}

export function syntheticMetrics(): MetricStory[] {
  const series = (metric: MetricStory['metric'], unit: string, group: 'flagged' | 'normal', f: (h: number) => number): MetricStory => ({
    metric, unit, group, instances: group === 'flagged' ? 128 : 6,
    points: Array.from({ length: 168 }, (_, h) => ({ t: iso(START + h * HOUR), value: f(h) })),
  });
  return [
    series('CPUUtilization', 'Percent', 'flagged', (h) => (h < 30 ? 0 : 97 + (h % 3) * 0.5)),
    series('CPUUtilization', 'Percent', 'normal', (h) => 20 + 10 * Math.sin(h / 4)),
    series('NetworkOut', 'Bytes', 'flagged', (h) => (h < 30 ? 0 : 4e8 + (h % 4) * 1e7)),
    series('NetworkOut', 'Bytes', 'normal', (h) => 5e7 + 1e7 * Math.cos(h / 5)),
  ];
}

export function syntheticReport(): Report {
  const findings = syntheticFindings();
  return {
    format: REPORT_FORMAT,
    account: '111122223333',
    generatedAt: '2026-11-27T09:00:00.000Z',
    window: { start: '2026-11-20T09:00:00.000Z', end: '2026-11-27T09:00:00.000Z' },
    coverage: [
      { source: 'cloudtrail', region: 'us-east-1', status: 'ok' },
      { source: 'cloudwatch', region: 'ap-south-1', status: 'error', error: `AccessDenied ${EVIL}` },
      { source: 'cost-explorer', region: 'global', status: 'skipped' },
    ] as Report['coverage'],
    findings,
    incidents: syntheticIncidents(),
    billing: syntheticBilling(),
    metrics: syntheticMetrics(),
    stats: {
      apiCalls: { 'ec2:DescribeInstances': 17, 'ce:GetCostAndUsage': 2 },
      durationMs: 2357,
      throttled: 0,
      findingsBySeverity: { critical: 3, high: 1, medium: 1, low: 0, info: 0 },
    },
  };
}
