// The HTML report's charts as inline SVG strings, drawn in Node: a Vega-Lite spec compiled to Vega
// and rendered headless (`renderer: 'none'`, no canvas, no DOM). The output is deterministic
// (fixed size, element ids renumbered from a hash of the spec, UTC time axes whatever the local
// time zone) and self-contained (no fonts, images or links: a system font stack, and no namespace
// but SVG's). Vega escapes every text it draws, so report strings (service names, titles) cannot
// break out of the SVG. Each chart returns '' when there is nothing to draw.

import { createHash } from 'node:crypto';
import { View, parse, type LoggerInterface } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { formatMoney } from '../notify/digest.js';
import type { BillingReport, Incident, MetricStory, TimelineKind } from '../engine/story.js';

export const CHART_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
export const CHART_WIDTH = 800;

const DAY_MS = 86_400_000;

/** Severity-neutral, print-friendly (distinct in greyscale as well) colours for the services. */
const SERVICE_PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756', '#72b7b2', '#9d755d', '#eeca3b', '#bab0ac', '#ff9da6'];
const ANOMALY = '#c0392b';
const FLAGGED = '#c0392b';
const NORMAL = '#7f8c8d';

/** The timeline's rows, top to bottom, in the order an intrusion usually unfolds. */
export const TIMELINE_KINDS: readonly TimelineKind[] = ['access', 'launch', 'ingress', 'iam', 'tampering', 'cost', 'detection', 'other'];
const KIND_LABEL: Record<TimelineKind, string> = {
  access: 'access', launch: 'launches', ingress: 'ingress', iam: 'IAM', tampering: 'tampering', cost: 'cost', detection: 'detection', other: 'other',
};
const KIND_COLOR: Record<TimelineKind, string> = {
  access: '#4c78a8', launch: '#e45756', ingress: '#f58518', iam: '#b279a2', tampering: '#9d755d', cost: '#54a24b', detection: '#222222', other: '#bab0ac',
};

const BASE_CONFIG = {
  font: CHART_FONT,
  aria: false,
  background: 'white',
  view: { stroke: '#dddddd' },
  axis: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', labelColor: '#333333', titleColor: '#333333', gridColor: '#eeeeee' },
  legend: { labelFontSize: 12, titleFontSize: 12, labelLimit: 280 },
  title: { fontSize: 15, subtitleFontSize: 12, subtitleColor: '#444444', anchor: 'start', offset: 10 },
} as const;

const ms = (iso: string): number => Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

/**
 * Compiles and renders a Vega-Lite spec to SVG. Vega numbers clip paths and gradients from a
 * process-wide counter; they are renumbered from a hash of the spec so the same input gives the
 * same bytes, and two charts inlined in one page never share an id.
 */
export async function renderSpec(spec: TopLevelSpec, name: string): Promise<string> {
  const log = quietLogger();
  const vega = compile(spec, { logger: log.logger }).spec;
  const view = new View(parse(vega), { renderer: 'none', logger: log.logger, logLevel: 1 });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  if (log.errors.length > 0) throw new Error(`${name} chart: ${log.errors.join('; ')}`);
  const prefix = `rw-${name}-${createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 10)}`;
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (m[1] && !ids.has(m[1])) ids.set(m[1], `${prefix}-${ids.size + 1}`);
  if (ids.size > 0) {
    svg = svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (all, lead: string, id: string) => {
      const renamed = ids.get(id);
      return renamed ? `${lead}${renamed}` : all;
    });
  }
  // Vega declares the xlink namespace whether it uses it or not.
  if (!/\sxlink:/.test(svg)) svg = svg.replace(/\sxmlns:xlink="[^"]*"/, '');
  return svg.replace(/^<svg /, `<svg data-chart="${name}" `);
}

/** Vega and Vega-Lite log to the console; their warnings are kept quiet, their errors thrown. */
function quietLogger(): { logger: LoggerInterface; errors: string[] } {
  const errors: string[] = [];
  let level = 1;
  const text = (args: readonly unknown[]) => args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: readonly unknown[]) {
      errors.push(text(args));
      return logger;
    },
    warn: () => logger,
    info: () => logger,
    debug: () => logger,
  };
  return { logger: logger as unknown as LoggerInterface, errors };
}

// ---------------------------------------------------------------------------------------------
// Cost

/** Services by total cost, largest first; "Other" always last. */
function serviceOrder(rows: BillingReport['byService']): string[] {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.service, (totals.get(r.service) ?? 0) + (finite(r.amount) ? r.amount : 0));
  return [...totals.entries()]
    .sort((a, b) => Number(a[0] === 'Other') - Number(b[0] === 'Other') || b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([s]) => s);
}

/**
 * Daily cost by service (stacked bars), the expected cost (dashed line), anomalous days marked
 * (red triangles, with the money above expected), and the month-end forecast in the subtitle.
 */
export async function costChart(billing: BillingReport | undefined): Promise<string> {
  if (!billing) return '';
  const days = billing.days.filter((d) => finite(ms(d.date)));
  const services = billing.byService.filter((r) => finite(r.amount) && finite(ms(r.date)));
  if (days.length === 0 && services.length === 0) return '';
  const currency = billing.currency || 'USD';
  const money = (n: number) => formatMoney(n, currency);
  const dayInfo = new Map(days.map((d) => [d.date.slice(0, 10), d]));

  const order = serviceOrder(services);
  const bars = services.map((r) => {
    const day = dayInfo.get(r.date.slice(0, 10));
    return { t: ms(r.date), service: r.service, amount: r.amount, estimated: Boolean(day?.estimated || day?.partial), rank: order.indexOf(r.service) };
  });
  // With no per-service split, the day's total stands in for it.
  if (bars.length === 0) {
    for (const d of days) bars.push({ t: ms(d.date), service: 'Total', amount: d.actual, estimated: Boolean(d.estimated || d.partial), rank: 0 });
    order.push('Total');
  }

  const impactByDay = new Map<string, number>();
  for (const a of billing.anomalies) impactByDay.set(a.date.slice(0, 10), (impactByDay.get(a.date.slice(0, 10)) ?? 0) + (finite(a.impact) ? a.impact : 0));
  const stackTotal = new Map<string, number>();
  for (const b of bars) {
    const key = new Date(b.t).toISOString().slice(0, 10);
    stackTotal.set(key, (stackTotal.get(key) ?? 0) + b.amount);
  }
  const anomalyDates = [...new Set([...days.filter((d) => d.anomaly).map((d) => d.date.slice(0, 10)), ...impactByDay.keys()])].sort();
  const marks = anomalyDates.map((date) => {
    const top = Math.max(dayInfo.get(date)?.actual ?? 0, stackTotal.get(date) ?? 0);
    const impact = impactByDay.get(date);
    return { t: ms(date), top, label: impact && impact > 0 ? `+${money(impact)}` : '' };
  });
  const expected = days.filter((d) => finite(d.expected)).map((d) => ({ t: ms(d.date), expected: d.expected }));

  const moneyFormat = currency === 'USD' ? '$,.0f' : ',.0f';
  const x = {
    field: 't',
    type: 'temporal',
    timeUnit: 'utcyearmonthdate',
    title: null,
    scale: { type: 'utc' },
    axis: { format: '%b %d', labelAngle: 0, labelOverlap: true, tickCount: { interval: 'day', step: Math.max(1, Math.ceil(new Set(bars.map((b) => b.t)).size / 12)) } },
  } as const;
  const xCenter = { ...x, bandPosition: 0.5 } as const;
  const forecast = billing.forecast;
  // Short lines: Vega sizes the SVG from an estimate of text width (no fonts in Node), generous
  // for long lines.
  const subtitle = [
    `Month to date ${money(billing.monthToDate)} · month-end forecast ${money(forecast.monthEnd)} (at the baseline: ${money(forecast.atBaseline)})`,
    ...(billing.anomalyImpact > 0 ? [`${money(billing.anomalyImpact)} above expected on the anomalous days (▼)`] : []),
    'Bars: cost per day by service (paler: not final yet) · dashed line: expected',
  ];
  const layers: unknown[] = [
    {
      data: { values: bars },
      mark: { type: 'bar', width: { band: 0.85 } },
      encoding: {
        x,
        y: { field: 'amount', type: 'quantitative', stack: 'zero', title: `cost per day (${currency})`, axis: { format: moneyFormat } },
        color: {
          field: 'service', type: 'nominal', title: null,
          scale: { domain: order, range: order.map((_, i) => SERVICE_PALETTE[i % SERVICE_PALETTE.length]) },
          legend: { orient: 'bottom', columns: 2, symbolType: 'square', labelLimit: 420, columnPadding: 24 },
        },
        order: { field: 'rank', type: 'quantitative', sort: 'descending' },
        opacity: { condition: { test: 'datum.estimated', value: 0.5 }, value: 1 },
      },
    },
  ];
  if (expected.length > 0) {
    layers.push({
      data: { values: expected },
      mark: { type: 'line', color: '#111111', strokeDash: [6, 4], strokeWidth: 1.5, interpolate: 'step' },
      encoding: { x: xCenter, y: { field: 'expected', type: 'quantitative' } },
    });
  }
  if (marks.length > 0) {
    layers.push({
      data: { values: marks },
      mark: { type: 'point', shape: 'triangle-down', filled: true, color: ANOMALY, size: 90, yOffset: -9, opacity: 1 },
      encoding: { x: xCenter, y: { field: 'top', type: 'quantitative' } },
    });
    // Money labels only where each day's bar is wide enough to hold one; the subtitle gives the total.
    const daysShown = new Set(bars.map((b) => b.t)).size;
    if (CHART_WIDTH / Math.max(1, daysShown) >= 56) {
      layers.push({
        data: { values: marks },
        mark: { type: 'text', color: ANOMALY, fontSize: 10, fontWeight: 'bold', dy: -20 },
        encoding: { x: xCenter, y: { field: 'top', type: 'quantitative' }, text: { field: 'label' } },
      });
    }
  }

  const spec = {
    width: CHART_WIDTH,
    height: 260,
    padding: 8,
    title: { text: 'Daily cost by service', subtitle },
    layer: layers,
    resolve: { scale: { y: 'shared' } },
    config: BASE_CONFIG,
  } as unknown as TopLevelSpec;
  return renderSpec(spec, 'cost');
}

// ---------------------------------------------------------------------------------------------
// Metrics

const METRIC_ORDER: MetricStory['metric'][] = ['CPUUtilization', 'NetworkOut', 'NetworkIn'];
const METRIC_TITLE: Record<MetricStory['metric'], string> = { CPUUtilization: 'CPU utilisation', NetworkOut: 'Network out', NetworkIn: 'Network in' };

/** Flagged instances against the account's normal ones: one panel per metric, one line per group. */
export async function metricsChart(series: MetricStory[] | undefined): Promise<string> {
  const usable = (series ?? []).filter((s) => s.points.some((p) => finite(p.value) && finite(ms(p.t))));
  if (usable.length === 0) return '';
  const metrics = METRIC_ORDER.filter((m) => usable.some((s) => s.metric === m));
  const panels = metrics.map((metric) => {
    const groups = usable.filter((s) => s.metric === metric).sort((a, b) => (a.group === 'flagged' ? -1 : 1) - (b.group === 'flagged' ? -1 : 1));
    const label = (s: MetricStory) => `${s.group} (${s.instances} instance${s.instances === 1 ? '' : 's'})`;
    const values = groups.flatMap((s) => s.points.filter((p) => finite(p.value) && finite(ms(p.t))).map((p) => ({ t: ms(p.t), value: p.value, group: label(s) })));
    const unit = groups[0]?.unit ?? '';
    const percent = /percent/i.test(unit);
    return {
      width: CHART_WIDTH,
      height: 150,
      title: { text: `${METRIC_TITLE[metric]}${unit ? ` (${unit})` : ''}`, fontSize: 12 },
      data: { values },
      mark: { type: 'line', strokeWidth: 1.5, interpolate: 'linear' },
      encoding: {
        x: { field: 't', type: 'temporal', scale: { type: 'utc' }, title: null, axis: { format: '%b %d %H:%M', labelOverlap: true, labelAngle: 0 } },
        y: { field: 'value', type: 'quantitative', title: null, ...(percent ? { scale: { domain: [0, 100] } } : {}), axis: { format: percent ? ',.0f' : '~s' } },
        color: {
          field: 'group', type: 'nominal', title: null,
          scale: { domain: groups.map(label), range: groups.map((s) => (s.group === 'flagged' ? FLAGGED : NORMAL)) },
          legend: { orient: 'top', direction: 'horizontal', labelLimit: 320 },
        },
        strokeDash: { field: 'group', type: 'nominal', title: null, scale: { domain: groups.map(label), range: groups.map((s) => (s.group === 'flagged' ? [1, 0] : [5, 3])) } },
      },
    };
  });
  const spec = {
    title: { text: 'Flagged instances against the account\'s normal ones', subtitle: 'Hourly; red: instances rigwatch flagged, grey dashed: the others' },
    padding: 8,
    vconcat: panels,
    spacing: 18,
    resolve: { scale: { color: 'independent', strokeDash: 'independent', x: 'shared' } },
    config: BASE_CONFIG,
  } as unknown as TopLevelSpec;
  return renderSpec(spec, 'metrics');
}

// ---------------------------------------------------------------------------------------------
// Timeline

/**
 * The incident's timeline: one row per kind of event on a UTC time axis, a dot per entry (larger
 * for entries folding several calls). Entries of a kind alternate between three lanes so bursts of
 * close events stay distinguishable; the report's table beside it lists every entry.
 */
export async function timelineChart(incident: Incident | undefined): Promise<string> {
  const entries = (incident?.timeline ?? []).filter((e) => finite(ms(e.at)));
  if (entries.length === 0) return '';
  const kinds = TIMELINE_KINDS.filter((k) => entries.some((e) => (TIMELINE_KINDS.includes(e.kind) ? e.kind : 'other') === k));
  const lanes = new Map<TimelineKind, number>();
  const values = [...entries]
    .sort((a, b) => ms(a.at) - ms(b.at) || a.title.localeCompare(b.title))
    .map((e) => {
      const kind = TIMELINE_KINDS.includes(e.kind) ? e.kind : 'other';
      const lane = lanes.get(kind) ?? 0;
      lanes.set(kind, lane + 1);
      return { t: ms(e.at), kind: KIND_LABEL[kind], lane: lane % 3, count: Math.max(1, finite(e.count) ? e.count : 1) };
    });
  const first = values[0]?.t ?? 0;
  const last = values[values.length - 1]?.t ?? first;
  const pad = Math.max((last - first) * 0.02, 30 * 60_000);
  const span = last - first;
  const format = span > 4 * DAY_MS ? '%b %d' : span > DAY_MS / 2 ? '%b %d %H:%M' : '%H:%M';
  const spec = {
    width: CHART_WIDTH,
    height: Math.max(60, kinds.length * 30),
    padding: 8,
    title: {
      text: 'Timeline (UTC)',
      subtitle: `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${span > 0 ? ` over ${spanText(span)}` : ''}; larger dots fold several calls`,
    },
    data: { values },
    mark: { type: 'point', filled: true, opacity: 0.8, stroke: 'white', strokeWidth: 0.5 },
    encoding: {
      x: {
        field: 't', type: 'temporal', title: null,
        scale: { type: 'utc', domain: [first - pad, last + pad] },
        axis: { format, labelOverlap: true, labelAngle: 0, grid: true },
      },
      y: { field: 'kind', type: 'nominal', title: null, sort: kinds.map((k) => KIND_LABEL[k]), scale: { domain: kinds.map((k) => KIND_LABEL[k]) }, axis: { grid: true } },
      yOffset: { field: 'lane', type: 'nominal', scale: { domain: [0, 1, 2] } },
      color: { field: 'kind', type: 'nominal', legend: null, scale: { domain: kinds.map((k) => KIND_LABEL[k]), range: kinds.map((k) => KIND_COLOR[k]) } },
      size: { field: 'count', type: 'quantitative', legend: null, scale: { type: 'sqrt', domain: [1, Math.max(2, ...values.map((v) => v.count))], range: [45, 320] } },
    },
    config: BASE_CONFIG,
  } as unknown as TopLevelSpec;
  return renderSpec(spec, 'timeline');
}

function spanText(span: number): string {
  if (span >= 2 * DAY_MS) return `${Math.round(span / DAY_MS)} days`;
  if (span >= 2 * 3_600_000) return `${Math.round(span / 3_600_000)} hours`;
  return `${Math.max(1, Math.round(span / 60_000))} minutes`;
}
