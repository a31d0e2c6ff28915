// The report's charts: inline SVG drawn in Node, deterministic and self-contained.

import { describe, expect, it } from 'vitest';
import { CHART_FONT, costChart, metricsChart, timelineChart } from '../../src/report/charts.js';
import type { Incident } from '../../src/engine/story.js';
import { syntheticBilling, syntheticIncidents, syntheticMetrics } from './fixture.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

function expectSelfContainedSvg(svg: string): void {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const width = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1]);
  const height = Number(/<svg[^>]*\sheight="([\d.]+)"/.exec(svg)?.[1]);
  expect(width).toBeGreaterThan(0);
  expect(height).toBeGreaterThan(0);
  expect(/<svg[^>]*\sviewBox="0 0 [\d.]+ [\d.]+"/.test(svg)).toBe(true);
  // No URL but the SVG namespace: no external font, image, stylesheet or link.
  expect([...svg.matchAll(/https?:\/\/[^\s"')<>]+/gi)].map((m) => m[0])).toEqual([SVG_NS]);
  expect(svg).not.toMatch(/<(script|foreignObject|image|a)\b/i);
  expect(svg).not.toMatch(/\s(xlink:)?href="(?!#)/i);
  expect(svg).not.toMatch(/@import|url\((?!#)/i);
  // Text in the system font stack only.
  for (const m of svg.matchAll(/font-family="([^"]*)"/g)) expect(m[1]).toBe(CHART_FONT);
  // Ids (clip paths) are scoped to the chart, and every reference resolves inside it.
  const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(id).toMatch(/^rw-[a-z]+-[0-9a-f]{10}-\d+$/);
  for (const m of svg.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(m[1]);
}

describe('costChart', () => {
  it('draws daily cost by service, the expected line, anomalies and the forecast', async () => {
    const billing = syntheticBilling();
    const svg = await costChart(billing);
    expectSelfContainedSvg(svg);
    expect(svg).toContain('data-chart="cost"');
    expect(svg).toContain('Daily cost by service');
    expect(svg).toContain('month-end forecast $65,432');
    // The anomalous days are marked: one down-triangle per day.
    const anomalyDays = billing.days.filter((d) => d.anomaly).length;
    expect(anomalyDays).toBeGreaterThan(0);
    const symbols = /<g class="mark-symbol role-mark[^>]*>(.*?)<\/g>/s.exec(svg)?.[1] ?? '';
    expect(symbols.match(/<path /g)?.length).toBe(anomalyDays);
    // The expected cost is a line.
    expect(svg).toMatch(/<g class="mark-line role-mark/);
    // A service name an attacker could influence is escaped text, not markup.
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('Amazon S3 &lt;script&gt;');
  });

  it('is deterministic: the same input gives the same bytes', async () => {
    expect(await costChart(syntheticBilling())).toBe(await costChart(syntheticBilling()));
  });

  it('draws nothing without billing data', async () => {
    expect(await costChart(undefined)).toBe('');
    expect(await costChart({ ...syntheticBilling(), days: [], byService: [], anomalies: [] })).toBe('');
  });

  it('falls back to the daily total when the bill is not split by service', async () => {
    const svg = await costChart({ ...syntheticBilling(), byService: [] });
    expectSelfContainedSvg(svg);
    expect(svg).toContain('>Total<');
  });
});

describe('metricsChart', () => {
  it('draws flagged against normal instances, one panel per metric', async () => {
    const svg = await metricsChart(syntheticMetrics());
    expectSelfContainedSvg(svg);
    expect(svg).toContain('CPU utilisation (Percent)');
    expect(svg).toContain('Network out (Bytes)');
    expect(svg).toContain('flagged (128 instances)');
    expect(svg).toContain('normal (6 instances)');
  });

  it('is deterministic', async () => {
    expect(await metricsChart(syntheticMetrics())).toBe(await metricsChart(syntheticMetrics()));
  });

  it('draws nothing without series or points', async () => {
    expect(await metricsChart([])).toBe('');
    expect(await metricsChart(undefined)).toBe('');
    expect(await metricsChart(syntheticMetrics().map((s) => ({ ...s, points: [] })))).toBe('');
  });
});

describe('timelineChart', () => {
  const incident = syntheticIncidents()[0] as Incident;

  it('draws ~50 entries on one row per kind', async () => {
    expect(incident.timeline.length).toBe(50);
    const svg = await timelineChart(incident);
    expectSelfContainedSvg(svg);
    for (const label of ['access', 'launches', 'ingress', 'IAM', 'tampering', 'cost', 'detection']) expect(svg).toContain(`>${label}<`);
    expect(svg).toContain('50 entries over 3 days');
    // One symbol per entry.
    const symbols = /<g class="mark-symbol role-mark[^>]*>(.*?)<\/g>/s.exec(svg)?.[1] ?? '';
    expect(symbols.match(/<path /g)?.length).toBe(50);
  });

  it('is deterministic, and two incidents never share element ids', async () => {
    const a = await timelineChart(incident);
    expect(await timelineChart(incident)).toBe(a);
    const b = await timelineChart(syntheticIncidents()[1]);
    const idsOf = (svg: string) => [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    for (const id of idsOf(b)) expect(idsOf(a)).not.toContain(id);
  });

  it('does not depend on the local time zone', async () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = 'Pacific/Kiritimati';
      const far = await timelineChart(incident);
      process.env.TZ = 'UTC';
      expect(await timelineChart(incident)).toBe(far);
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  it('draws nothing without entries', async () => {
    expect(await timelineChart(undefined)).toBe('');
    expect(await timelineChart({ ...incident, timeline: [] })).toBe('');
  });
});
