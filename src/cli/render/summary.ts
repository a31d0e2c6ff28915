// Short, human phrasings of a finding shared by the table and Markdown renderers.

import type { Finding } from '../../detectors/types.js';
import type { Report } from '../../engine/report.js';

/** `user/ops-deploy` from `arn:aws:iam::111122223333:user/ops-deploy`. */
export function shortArn(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  return resource || arn;
}

export function actorLine(f: Finding): string {
  if (!f.actor) return '';
  const parts = [shortArn(f.actor.arn)];
  if (f.actor.accessKeyId) parts.push(f.actor.accessKeyId);
  if (f.actor.sourceIPs?.length) parts.push(`from ${f.actor.sourceIPs.slice(0, 3).join(', ')}${f.actor.sourceIPs.length > 3 ? ` +${f.actor.sourceIPs.length - 3}` : ''}`);
  return parts.join(' · ');
}

export function resourcesLine(f: Finding, max = 3): string {
  if (f.resources.length === 0) return '';
  const shown = f.resources.slice(0, max).map((r) => r.id).join(', ');
  return f.resources.length > max ? `${shown} +${f.resources.length - max} more` : shown;
}

export function whenLine(f: Finding): string {
  const fmt = (iso: string) => iso.slice(0, 16).replace('T', ' ');
  if (f.firstSeen && f.lastSeen && f.firstSeen !== f.lastSeen) return `${fmt(f.firstSeen)} → ${fmt(f.lastSeen)}`;
  return f.firstSeen ? fmt(f.firstSeen) : '';
}

export function coverageLine(report: Report): { ok: number; failed: number; skipped: number } {
  let ok = 0;
  let failed = 0;
  let skipped = 0;
  for (const c of report.coverage) {
    if (c.status === 'ok') ok += 1;
    else if (c.status === 'error') failed += 1;
    else skipped += 1;
  }
  return { ok, failed, skipped };
}

/** Cost Explorer bills $0.01 a request. */
export function costExplorerSpend(report: Report): { requests: number; dollars: number } {
  let requests = 0;
  for (const [action, n] of Object.entries(report.stats.apiCalls)) if (action.startsWith('ce:')) requests += n;
  return { requests, dollars: requests * 0.01 };
}

export function totalCalls(report: Report): number {
  return Object.values(report.stats.apiCalls).reduce((a, b) => a + b, 0);
}

export const fmtWindow = (report: Report): string =>
  `${report.window.start.slice(0, 16).replace('T', ' ')} → ${report.window.end.slice(0, 16).replace('T', ' ')} UTC`;

export function containmentLine(c: NonNullable<Finding['containment']>): string {
  if (c.state === 'contained') return `contained (${c.contained}/${c.total})`;
  if (c.state === 'partial') return `partly contained (${c.contained}/${c.total})`;
  return `not contained (0/${c.total})`;
}

/** The executive summary every format leads with: what, who, money so far and per hour, the bill, what to do. */
export interface ExecutiveSummary {
  incidents: number;
  what: string;
  who: { principals: string[]; accessKeyIds: string[]; sourceIPs: string[] };
  costSoFar: number;
  perHourNow: number;
  currency: string;
  bill?: { monthToDate: number; forecast: number; atBaseline: number; anomalyImpact: number };
  actions: string[];
  failedSources: string[];
}

export function executiveSummary(report: Report): ExecutiveSummary {
  const incidents = report.incidents ?? [];
  const counted = report.findings.filter((f) => f.status !== 'resolved' && f.status !== 'muted');
  const currency = incidents[0]?.costImpact.currency ?? report.billing?.currency ?? 'USD';
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  const worst = incidents[0];
  const what = incidents.length === 0
    ? counted.length === 0 ? 'No findings: nothing suggests mining in this account.' : `${counted.length} findings, none tied into an incident.`
    : `${incidents.length} incident${incidents.length > 1 ? 's' : ''}; the worst (${worst?.severity}): ${worst?.title}, from ${worst?.firstSeen.slice(0, 16).replace('T', ' ')} UTC.`;
  return {
    incidents: incidents.length,
    what,
    who: {
      principals: uniq(incidents.flatMap((i) => i.actor.principals)).map(shortArn),
      accessKeyIds: uniq(incidents.flatMap((i) => i.actor.accessKeyIds)),
      sourceIPs: uniq(incidents.flatMap((i) => i.actor.sourceIPs)),
    },
    costSoFar: Math.round(incidents.reduce((a, i) => a + i.costImpact.total, 0) * 100) / 100,
    perHourNow: Math.round(incidents.reduce((a, i) => a + i.costImpact.perHourNow, 0) * 100) / 100,
    currency,
    ...(report.billing && {
      bill: {
        monthToDate: report.billing.monthToDate,
        forecast: report.billing.forecast.monthEnd,
        atBaseline: report.billing.forecast.atBaseline,
        anomalyImpact: report.billing.anomalyImpact,
      },
    }),
    actions: incidents.map((i) => i.remediate).filter((c) => / --finding \S/.test(c)),
    failedSources: report.coverage.filter((c) => c.status === 'error').map((c) => `${c.source} ${c.region}`),
  };
}
