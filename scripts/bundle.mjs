// `npm run bundle`: the Lambda function as one ESM file, dist/lambda/index.mjs, with the config
// defaults next to it (dist/lambda/config/). The deployment template's CodeUri is dist/lambda/.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync, statSync } from 'node:fs';

const out = 'dist/lambda';
rmSync(out, { recursive: true, force: true });
mkdirSync(`${out}/config`, { recursive: true });
const result = await build({
  entryPoints: ['src/lambda.ts'],
  outfile: `${out}/index.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Some dependencies are CommonJS and call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __rigwatchRequire } from 'node:module'; const require = __rigwatchRequire(import.meta.url);" },
  // The remediation journal's native SQLite module is never loaded by the scheduled audit.
  external: ['better-sqlite3'],
  legalComments: 'none',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
for (const file of ['default.yaml', 'detectors.yaml', 'remediation.yaml']) cpSync(`config/${file}`, `${out}/config/${file}`);
const inputs = Object.keys(result.metafile.inputs);
if (inputs.some((i) => i.includes('better-sqlite3'))) throw new Error('the Lambda bundle reaches better-sqlite3');
console.log(`${out}/index.mjs: ${(statSync(`${out}/index.mjs`).size / 1024 / 1024).toFixed(1)} MiB from ${inputs.length} modules`);
