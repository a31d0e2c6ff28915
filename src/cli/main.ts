// The rigwatch command line: a thin adapter that parses options, picks the target (live account
// or scenario), runs the engine and renders the report. Exit codes follow CONTRACT.md.

import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { runAudit } from '../engine/audit.js';
import { loadConfig } from '../engine/config.js';
import { parseSince } from '../engine/duration.js';
import { InputError, RigwatchError } from '../engine/errors.js';
import { EXIT, exitCodeFor, type Report } from '../engine/report.js';
import { builtInScenarioTarget, liveTarget, scenarioFileTarget, type Target } from '../engine/target.js';
import { SEVERITIES, type Severity } from '../detectors/types.js';
import { auditPolicy } from '../providers/aws/permissions.js';
import { BUILT_IN_SCENARIOS } from '../scenario/generators/index.js';
import { renderMarkdown } from './render/markdown.js';
import { renderTable } from './render/table.js';
import { stderrProgress, writeOutput } from './io.js';

const FORMATS = ['table', 'json', 'markdown'] as const;
type Format = (typeof FORMATS)[number];
const DEMO_SCENARIO = 'brief-incident';
const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

interface CommonOptions {
  format?: Format;
  output?: string;
  config?: string;
  failOn?: Severity;
  quiet?: boolean;
  debug?: boolean;
  since?: string;
  region?: string;
  regions?: string;
  allRegions?: boolean;
}

interface AuditOptions extends CommonOptions {
  scenario?: string;
  profile?: string;
  endpointUrl?: string;
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <format>', 'report format (default: table on a terminal, json otherwise)').choices(FORMATS))
    .option('--output <file>', 'write the report to a file instead of stdout (written whole or not at all)')
    .option('--config <file>', 'YAML or JSON config overriding config/default.yaml and config/detectors.yaml')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity (default: high)').choices(SEVERITIES))
    .option('--since <when>', 'audit window start: a duration back from now (90m, 24h, 7d) or an ISO-8601 instant (default: 7d)')
    .option('--region <region>', 'audit one region')
    .option('--regions <list>', 'audit these regions, comma-separated')
    .option('--all-regions', 'audit every region enabled in the account (the default)')
    .option('--quiet', 'no progress on stderr')
    .option('--debug', 'show stack traces on errors');
}

export function buildProgram(): Command {
  const program = new Command('rigwatch')
    .description('Catch and contain cryptomining in AWS accounts: CloudTrail, CloudWatch, Cost Explorer, IAM and EC2 in one audit.')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  addCommonOptions(program.command('audit'))
    .description('audit a live account (standard AWS credential chain), or a scenario file with --scenario')
    .option('--scenario <file>', 'audit a scenario file (.json, .yaml, optionally .gz) through a simulated account')
    .option('--profile <name>', 'AWS shared-config profile to use')
    .option('--endpoint-url <url>', 'send AWS calls to this endpoint (LocalStack-style)')
    .action(async (opts: AuditOptions) => {
      const target = opts.scenario
        ? await scenarioFileTarget(opts.scenario)
        : liveTarget({ profile: opts.profile, endpointUrl: checkUrl(opts.endpointUrl) });
      process.exitCode = await auditCommand(target, opts);
    });

  addCommonOptions(program.command('demo'))
    .description(`audit the built-in "${DEMO_SCENARIO}" scenario: the brief's incident (a stolen sub-account key, 128 miners, an opened port, a bill spike); needs no AWS account`)
    .action(async (opts: CommonOptions) => {
      process.exitCode = await auditCommand(builtInTarget(DEMO_SCENARIO), opts);
    });

  program.command('policy')
    .description('print the least-privilege IAM policy an audit needs (read-only), computed from what each collector declares')
    .option('--output <file>', 'write the policy to a file')
    .action(async (opts: { output?: string }) => {
      await writeOutput(`${JSON.stringify(auditPolicy(), null, 2)}\n`, opts.output);
    });

  program.command('scenario')
    .description(`write a built-in scenario as JSON, to read it or audit it with --scenario (names: ${Object.keys(BUILT_IN_SCENARIOS).join(', ')})`)
    .argument('<name>', 'built-in scenario name')
    .option('--output <file>', 'write to a file (.json, or .json.gz to compress)')
    .action(async (name: string, opts: { output?: string }) => {
      const build = BUILT_IN_SCENARIOS[name];
      if (!build) throw new InputError(`unknown scenario "${name}" (built-in: ${Object.keys(BUILT_IN_SCENARIOS).join(', ')})`);
      await writeOutput(`${JSON.stringify(build())}\n`, opts.output);
    });

  return program;
}

function builtInTarget(name: string): Target {
  const build = BUILT_IN_SCENARIOS[name];
  if (!build) throw new InputError(`unknown built-in scenario "${name}"`);
  return builtInScenarioTarget(build(), name);
}

async function auditCommand(target: Target, opts: CommonOptions): Promise<number> {
  const config = await loadConfig(opts.config);
  const failOn = opts.failOn ?? config.audit.failOn;
  const format = opts.format ?? (!opts.output && process.stdout.isTTY ? 'table' : 'json');
  const sinceText = opts.since ?? config.audit.since;
  const since = parseSince(sinceText, target.now);
  if (since === undefined) throw new InputError(`--since ${sinceText}: not a duration (90m, 24h, 7d) or an ISO-8601 instant`);
  if (since >= target.now) throw new InputError(`--since ${sinceText}: the window must start before now (${new Date(target.now).toISOString()})`);
  const regions = regionsFrom(opts);
  const progress = stderrProgress(!opts.quiet);
  try {
    const { report } = await runAudit({ config, clients: target.clients, now: target.now, since, regions, progress });
    progress.done();
    await writeOutput(render(report, format), opts.output);
    return exitCodeFor(report, failOn);
  } finally {
    progress.done();
    target.clients.destroy();
  }
}

function render(report: Report, format: Format): string {
  switch (format) {
    case 'json': return `${JSON.stringify(report, null, 2)}\n`;
    case 'markdown': return renderMarkdown(report);
    case 'table': return renderTable(report);
  }
}

function regionsFrom(opts: CommonOptions): string[] | undefined {
  const given = [opts.region, opts.regions, opts.allRegions].filter((v) => v !== undefined).length;
  if (given > 1) throw new InputError('--region, --regions and --all-regions: give only one');
  if (opts.allRegions) return undefined;
  const list = opts.region ? [opts.region] : opts.regions?.split(',').map((r) => r.trim()).filter(Boolean);
  if (!list) return undefined;
  if (list.length === 0) throw new InputError('--regions: empty list');
  const bad = list.find((r) => !REGION_PATTERN.test(r));
  if (bad) throw new InputError(`${opts.region ? '--region' : '--regions'}: "${bad}" is not an AWS region name (like us-east-1)`);
  return [...new Set(list)];
}

function checkUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    new URL(url);
    return url;
  } catch {
    throw new InputError(`--endpoint-url: "${url}" is not a URL (like http://localhost:4566)`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.clean;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; every other parse error is bad usage.
      return error.exitCode === 0 ? EXIT.clean : EXIT.badInput;
    }
    const code = error instanceof RigwatchError ? error.exitCode : EXIT.incomplete;
    const prefix = error instanceof RigwatchError ? 'rigwatch' : 'rigwatch: internal error';
    process.stderr.write(`${prefix}: ${(error as Error).message}\n`);
    if (debug && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
    return code;
  }
}

process.exitCode = await main(process.argv);
