import { it } from 'vitest';
import { buildLargeAccount, LARGE_DEFAULT } from '../../src/scenario/generators/large.js';
import { scenarioTarget } from '../../src/engine/target.js';
import { runAudit } from '../../src/engine/audit.js';
import { loadConfig } from '../../src/engine/config.js';

it('probe large', async () => {
  const config = await loadConfig();
  const s = buildLargeAccount(LARGE_DEFAULT);
  const target = scenarioTarget(s, 'large');
  const t0 = performance.now();
  try {
    const { report } = await runAudit({ config, clients: target.clients, now: target.now, since: target.now - 7 * 86_400_000 });
    console.log('large', Math.round(performance.now() - t0), 'ms', JSON.stringify(report.stats));
    for (const f of report.findings) console.log('  ', f.severity, f.detector, f.region, f.title.slice(0, 140));
  } finally { target.clients.destroy(); }
}, 600_000);
