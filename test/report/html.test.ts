// The HTML report: one self-contained page, every report string escaped, the summary's figures
// equal to the JSON report's.

import { beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/cli/render/html.js';
import { REPORT_FORMAT, type Report } from '../../src/engine/report.js';
import { formatMoney } from '../../src/notify/digest.js';
import { rigwatch } from '../cli/helpers.js';
import { EVIL, syntheticReport } from './fixture.js';
import { expectSelfContained, testid } from './page.js';

const round2 = (n: number): number => Math.round(n * 100) / 100;

function expectSummaryMatches(html: string, report: Report): void {
  const incidents = report.incidents ?? [];
  const currency = incidents[0]?.costImpact.currency ?? report.billing?.currency ?? 'USD';
  expect(testid(html, 'incidents')?.value).toBe(String(incidents.length));
  expect(testid(html, 'critical-findings')?.value).toBe(String(report.stats.findingsBySeverity.critical));
  if (report.incidents) {
    const total = round2(incidents.reduce((a, i) => a + i.costImpact.total, 0));
    const hourly = round2(incidents.reduce((a, i) => a + i.costImpact.perHourNow, 0));
    expect(Number(testid(html, 'cost-so-far')?.value)).toBe(total);
    expect(testid(html, 'cost-so-far')?.text).toContain(formatMoney(total, currency));
    expect(Number(testid(html, 'per-hour-now')?.value)).toBe(hourly);
    expect(testid(html, 'per-hour-now')?.text).toContain(`${formatMoney(hourly, currency)}/h`);
  }
  if (report.billing) {
    expect(Number(testid(html, 'month-to-date')?.value)).toBe(round2(report.billing.monthToDate));
    expect(testid(html, 'month-to-date')?.text).toContain(formatMoney(report.billing.monthToDate, report.billing.currency));
    expect(Number(testid(html, 'forecast')?.value)).toBe(round2(report.billing.forecast.monthEnd));
    expect(Number(testid(html, 'anomaly-impact')?.value)).toBe(round2(report.billing.anomalyImpact));
  }
  const failed = report.coverage.filter((c) => c.status === 'error').length;
  expect(html).toMatch(new RegExp(`data-testid="coverage" data-failed="${failed}"`));
}

describe('renderHtml on a synthetic report', () => {
  const report = syntheticReport();
  let html: string;
  beforeAll(async () => {
    html = await renderHtml(report, { version: '9.9.9' });
  });

  it('is one self-contained page: no script, no external stylesheet, font, image or favicon', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expectSelfContained(html);
    expect(html).toContain('<style>');
    expect(html).toContain('@media print');
    expect(html).toMatch(/break-inside:\s*avoid/);
  });

  it('escapes every string from the report', () => {
    expect(html).not.toContain(EVIL);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;link href=http://evil.example/x.css rel=stylesheet&gt;');
  });

  it('redacts secrets in evidence', () => {
    expect(html).not.toContain('should-be-redacted');
    expect(html).toContain('&lt;redacted&gt;');
  });

  it('shows the summary figures of the JSON report', () => {
    expectSummaryMatches(html, report);
    expect(testid(html, 'cost-so-far')?.text).toContain('$12,346');
    expect(testid(html, 'per-hour-now')?.text).toContain('$98.76/h');
    expect(testid(html, 'incidents')?.text).toContain('2');
    expect(testid(html, 'critical-findings')?.text).toContain('3');
  });

  it('says who, and what to do: each incident\'s dry run and its --apply', () => {
    expect(testid(html, 'principals')?.text).toContain('arn:aws:iam::111122223333:user/deploy-bot/ops-deploy');
    expect(testid(html, 'access-keys')?.text).toContain('AKIAEXAMPLEKEY000002');
    expect(testid(html, 'source-ips')?.text).toContain('203.0.113.7');
    for (const inc of report.incidents ?? []) {
      expect(html).toContain(`>${inc.remediate}</code>`);
      expect(html).toContain(`>${inc.remediate} --apply</code>`);
    }
    expect(testid(html, 'coverage')?.text).toContain('1 source could not be read');
    expect(html).toContain('Cost basis:');
  });

  it('lays the sections out in order: summary, incidents, billing, metrics, findings, footer', () => {
    const at = (s: string) => html.indexOf(s);
    const order = ['id="summary"', 'id="incident-inc-aaaa"', 'id="incident-inc-bbbb"', 'id="billing"', 'id="metrics"', 'id="findings"', '<footer>'].map(at);
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Charts: a timeline per incident, the cost chart, the metrics chart.
    expect(html.match(/data-chart="timeline"/g)?.length).toBe(2);
    expect(html.match(/data-chart="cost"/g)?.length).toBe(1);
    expect(html.match(/data-chart="metrics"/g)?.length).toBe(1);
    expect(html).toContain('data-testid="anomalies"');
    expect(html).toContain('data-testid="aws-anomalies"');
    expect(testid(html, 'first-flagged')?.text).toContain('rigwatch 3 days earlier');
    expect(testid(html, 'anomalies')?.text).toContain('(partial day)');
    expect(html).toContain('<a href="#finding-f-003"><code>f-003</code></a>');
    expect(testid(html, 'aws-anomalies')?.text).toMatch(/aws-anom-1 USE2-BoxUsage:c5\.4xlarge&lt;script&gt;.*YES/);
    expect(html).toContain('Expected: the median daily cost of 24 days (2026-10-29 → 2026-11-21), $330 a day; left out: month-start days');
    // Every finding, with its evidence collapsed.
    expect(html.match(/<tr id="finding-/g)?.length).toBe(report.findings.length);
    expect(html.match(/<details>/g)?.length).toBe(report.findings.length);
    expect(html).toContain('rigwatch 9.9.9');
  });

  it('is deterministic', async () => {
    expect(await renderHtml(report, { version: '9.9.9' })).toBe(html);
  });
});

describe('renderHtml on a report without incidents, billing or metrics', () => {
  it('renders a clean run', async () => {
    const report: Report = {
      format: REPORT_FORMAT, account: '111122223333', generatedAt: '2026-11-27T09:00:00.000Z',
      window: { start: '2026-11-20T09:00:00.000Z', end: '2026-11-27T09:00:00.000Z' },
      coverage: [{ source: 'ec2', region: 'us-east-1', status: 'ok' }], findings: [],
      stats: { apiCalls: {}, durationMs: 1, throttled: 0, findingsBySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 } },
    };
    const html = await renderHtml(report);
    expectSelfContained(html);
    expect(html).toContain('No findings.');
    expect(testid(html, 'incidents')?.value).toBe('0');
    expect(testid(html, 'cost-so-far')?.value).toBeUndefined();
    expect(html).not.toContain('data-chart=');
  });
});

describe('renderHtml on the demo report', () => {
  let report: Report;
  let html: string;
  beforeAll(async () => {
    const run = rigwatch('demo', '--format', 'json');
    expect(run.code, `rigwatch demo --format json (built CLI: npm run build): ${run.stderr}`).toBe(1);
    report = JSON.parse(run.stdout) as Report;
    html = await renderHtml(report);
  });

  it('is self-contained and shows the JSON report\'s figures', () => {
    expectSelfContained(html);
    expectSummaryMatches(html, report);
    expect(html.match(/<tr id="finding-/g)?.length).toBe(report.findings.length);
  });

  it('draws one timeline per incident, the bill and the metrics when the report has them', () => {
    const incidents = report.incidents ?? [];
    expect(html.match(/data-testid="incident"/g)?.length ?? 0).toBe(incidents.length);
    expect(html.match(/data-chart="timeline"/g)?.length ?? 0).toBe(incidents.filter((i) => i.timeline.length > 0).length);
    if (report.billing?.days.length) expect(html).toContain('data-chart="cost"');
    if (report.metrics?.some((s) => s.points.length > 0)) expect(html).toContain('data-chart="metrics"');
  });
});
