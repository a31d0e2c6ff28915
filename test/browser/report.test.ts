// The demo's HTML report in a real browser: headless Chromium from the distribution
// (/usr/bin/chromium, or CHROMIUM_PATH) driven by playwright-core. The page loads with no console
// error and no request but itself, every chart has a size, the summary shows the JSON report's
// figures, an attacker's strings never run, and it prints to a PDF of several pages.
//
// Without Chromium the suite is skipped with a warning, except in CI (CI set), where it fails:
// .ci/run installs it (apt-get install chromium).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMATS } from '../../src/cli/options.js';
import { renderHtml } from '../../src/cli/render/html.js';
import type { Report } from '../../src/engine/report.js';
import { formatMoney } from '../../src/notify/digest.js';
import { rigwatch, tempDir } from '../cli/helpers.js';
import { syntheticReport } from '../report/fixture.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const MISSING = `no Chromium at ${CHROMIUM}: install it (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`;

if (!HAVE_CHROMIUM && !process.env.CI) console.warn(`test/browser: SKIPPED, ${MISSING}`);

const round2 = (n: number): number => Math.round(n * 100) / 100;

interface Loaded {
  page: Page;
  consoleErrors: string[];
  requests: string[];
  dialogs: string[];
}

async function open(browser: Browser, file: string): Promise<Loaded> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const loaded: Loaded = { page, consoleErrors: [], requests: [], dialogs: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') loaded.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => loaded.consoleErrors.push(e.message));
  page.on('request', (r) => loaded.requests.push(r.url()));
  page.on('dialog', (d) => {
    loaded.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return loaded;
}

/** data-value and visible text of the element with this data-testid. */
async function shown(page: Page, id: string): Promise<{ value: string | null; text: string }> {
  const el = page.locator(`[data-testid="${id}"]`).first();
  return { value: await el.getAttribute('data-value'), text: (await el.innerText()).replace(/\s+/g, ' ') };
}

describe.runIf(HAVE_CHROMIUM)('the HTML report in Chromium', () => {
  const dir = tempDir();
  let browser: Browser;
  let report: Report;
  let demoFile: string;
  let demo: Loaded;

  beforeAll(async () => {
    const json = rigwatch('demo', '--format', 'json', '--quiet');
    expect(json.code, `rigwatch demo --format json (the built CLI: npm run build): ${json.stderr}`).toBe(1);
    report = JSON.parse(json.stdout) as Report;
    demoFile = join(dir, 'report.html');
    if ((FORMATS as readonly string[]).includes('html')) {
      // Through the real CLI, as a user runs it.
      const run = rigwatch('demo', '--format', 'html', '--output', demoFile, '--quiet');
      expect(run.code, run.stderr).toBe(1);
    } else {
      writeFileSync(demoFile, await renderHtml(report));
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    demo = await open(browser, demoFile);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads with no console error and no request but the file itself', () => {
    expect(demo.consoleErrors).toEqual([]);
    expect(demo.requests).toEqual([pathToFileURL(demoFile).href]);
  });

  it('draws every chart with a size', async () => {
    const charts = demo.page.locator('figure.chart svg');
    const expected = (report.incidents ?? []).filter((i) => i.timeline.length > 0).length +
      (report.billing && (report.billing.days.length > 0 || report.billing.byService.length > 0) ? 1 : 0) +
      (report.metrics?.some((s) => s.points.length > 0) ? 1 : 0);
    expect(await charts.count()).toBe(expected);
    for (const svg of await charts.all()) {
      const box = await svg.boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      expect(box?.height).toBeGreaterThan(50);
    }
  });

  it('shows the JSON report\'s figures in the summary', async () => {
    const incidents = report.incidents ?? [];
    const currency = incidents[0]?.costImpact.currency ?? report.billing?.currency ?? 'USD';
    const incidentsShown = await shown(demo.page, 'incidents');
    expect(incidentsShown.value).toBe(String(incidents.length));
    expect(incidentsShown.text).toContain(String(incidents.length));
    const critical = await shown(demo.page, 'critical-findings');
    expect(critical.value).toBe(String(report.stats.findingsBySeverity.critical));
    expect(critical.text).toContain(String(report.stats.findingsBySeverity.critical));
    if (report.incidents) {
      const total = round2(incidents.reduce((a, i) => a + i.costImpact.total, 0));
      const hourly = round2(incidents.reduce((a, i) => a + i.costImpact.perHourNow, 0));
      const cost = await shown(demo.page, 'cost-so-far');
      expect(Number(cost.value)).toBe(total);
      expect(cost.text).toContain(formatMoney(total, currency));
      const perHour = await shown(demo.page, 'per-hour-now');
      expect(Number(perHour.value)).toBe(hourly);
      expect(perHour.text).toContain(`${formatMoney(hourly, currency)}/h`);
    }
    if (report.billing) {
      const mtd = await shown(demo.page, 'month-to-date');
      expect(Number(mtd.value)).toBe(round2(report.billing.monthToDate));
      expect(mtd.text).toContain(formatMoney(report.billing.monthToDate, report.billing.currency));
      const forecast = await shown(demo.page, 'forecast');
      expect(forecast.text).toContain(formatMoney(report.billing.forecast.monthEnd, report.billing.currency));
    }
    expect(await demo.page.locator('[data-testid="incident"]').count()).toBe(incidents.length);
    expect(await demo.page.locator('tr.finding').count()).toBe(report.findings.length);
  });

  it('keeps the evidence collapsed until opened', async () => {
    const first = demo.page.locator('tr.evidence details').first();
    await expect.poll(() => first.locator('pre').isVisible()).toBe(false);
    await first.locator('summary').click();
    expect(await first.locator('pre').isVisible()).toBe(true);
  });

  it('prints to a PDF of several pages', async () => {
    const pdf = await demo.page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(50_000);
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g)?.length ?? 0;
    expect(pages).toBeGreaterThan(1);
    const letter = await demo.page.pdf({ format: 'Letter', printBackground: true });
    expect(letter.length).toBeGreaterThan(50_000);
  });

  it('never runs an attacker\'s strings: a synthetic report with markup in every field', async () => {
    const file = join(dir, 'synthetic.html');
    writeFileSync(file, await renderHtml(syntheticReport()));
    expect(readFileSync(file, 'utf8')).not.toMatch(/<script/i);
    const loaded = await open(browser, file);
    try {
      expect(loaded.dialogs).toEqual([]);
      expect(loaded.consoleErrors).toEqual([]);
      expect(loaded.requests).toEqual([pathToFileURL(file).href]);
      expect(await loaded.page.locator('script, img, iframe, link[rel="stylesheet"]').count()).toBe(0);
      // The malicious title is shown as text.
      expect(await loaded.page.locator('h2', { hasText: '<script>alert("pwned")</script>' }).count()).toBeGreaterThan(0);
      for (const svg of await loaded.page.locator('figure.chart svg').all()) expect((await svg.boundingBox())?.width).toBeGreaterThan(100);
    } finally {
      await loaded.page.close();
    }
  });
});

describe.runIf(!HAVE_CHROMIUM && Boolean(process.env.CI))('the HTML report in Chromium (CI)', () => {
  it('needs Chromium', () => {
    expect.fail(`${MISSING}. CI installs it before the tests: apt-get install -y --no-install-recommends chromium`);
  });
});
