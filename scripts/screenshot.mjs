// `npm run screenshot`: the demo's HTML report, rendered by headless Chromium, saved as
// docs/report.png (1280 px wide, device scale 1). The page from its top through the start of the
// findings table (summary, incidents, billing, metrics), which keeps the PNG near 1 MB; --full
// takes the whole page. Needs a build (dist/) and Chromium: /usr/bin/chromium (Debian:
// apt-get install chromium) or CHROMIUM_PATH.
//   node scripts/screenshot.mjs [out.png] [--full]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const full = args.includes('--full');
const out = resolve(args.find((a) => !a.startsWith('--')) ?? join(root, 'docs/report.png'));
/** How much of the findings table the default screenshot shows. */
const FINDINGS_SHOWN = 640;
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WIDTH = 1280;

if (!existsSync(executablePath)) {
  console.error(`screenshot: no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'rigwatch-screenshot-'));
try {
  const html = join(dir, 'report.html');
  const bin = join(root, 'bin/rigwatch.js');
  const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1' };
  // The demo exits 1: its incident has findings at or above --fail-on.
  let run = spawnSync(process.execPath, [bin, 'demo', '--format', 'html', '--output', html, '--quiet'], { cwd: root, env, encoding: 'utf8' });
  if (!existsSync(html)) {
    // Before `--format html` is wired into the CLI: render the demo's JSON report here.
    run = spawnSync(process.execPath, [bin, 'demo', '--format', 'json', '--quiet'], { cwd: root, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (run.status !== 0 && run.status !== 1) throw new Error(`rigwatch demo exited ${run.status}: ${run.stderr}`);
    const { renderHtml } = await import(pathToFileURL(join(root, 'dist/cli/render/html.js')).href);
    writeFileSync(html, await renderHtml(JSON.parse(run.stdout)));
  }
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
    const findingsTop = Number(await page.evaluate(`document.getElementById('findings')?.offsetTop ?? 0`));
    const shown = full || findingsTop === 0 ? height : Math.min(height, findingsTop + FINDINGS_SHOWN);
    await page.screenshot({ path: out, type: 'png', fullPage: true, clip: { x: 0, y: 0, width: WIDTH, height: shown } });
    console.log(`${out}: ${WIDTH}x${shown} px (page ${height} px), ${(statSync(out).size / 1024).toFixed(0)} KiB; report ${(statSync(html).size / 1024).toFixed(0)} KiB`);
  } finally {
    await browser.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
