// The rigwatch command line: a thin adapter that parses options, picks the target (live account
// or scenario), runs the engine and renders the report. Exit codes follow CONTRACT.md.

import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { runAudit } from '../engine/audit.js';
import { runScheduledAudit } from '../engine/scheduled.js';
import { openStateStore } from '../state/index.js';
import { addStateOptions, registerAck, type StateOptions } from './state.js';
import { InputError, RigwatchError } from '../engine/errors.js';
import { EXIT, exitCodeFor, type Report } from '../engine/report.js';
import type { Target } from '../engine/target.js';
import { auditPolicy } from '../providers/aws/permissions.js';
import { loadConfig } from '../engine/config.js';
import { remediationPolicy } from '../remediation/index.js';
import { registerRemediation } from './remediate.js';
import { BUILT_IN_SCENARIOS } from '../scenario/generators/index.js';
import { renderMarkdown } from './render/markdown.js';
import { renderTable } from './render/table.js';
import { stderrProgress, writeOutput } from './io.js';
import { addCommonOptions, addTargetOptions, auditSetup, builtInTarget, formatOption, targetFrom, type CommonOptions, type Format, type TargetOptions } from './options.js';
import { readReport } from './read-report.js';
import { registerCosts } from './costs.js';
import { renderCsv } from './render/csv.js';
import { renderHtml } from './render/html.js';

const DEMO_SCENARIO = 'brief-incident';
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('rigwatch')
    .description('Catch and contain cryptomining in AWS accounts: CloudTrail, CloudWatch, Cost Explorer, IAM and EC2 in one audit.')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  addStateOptions(addTargetOptions(addCommonOptions(program.command('audit'))))
    .description('audit a live account (standard AWS credential chain), or a scenario file with --scenario; with --state-dir, a scheduled run: incremental, with finding status and notifications')
    .action(async (opts: CommonOptions & TargetOptions & StateOptions) => {
      process.exitCode = await auditCommand(await targetFrom(opts), opts);
    });

  addStateOptions(addCommonOptions(program.command('demo')))
    .description(`audit the built-in "${DEMO_SCENARIO}" scenario: the brief's incident (a stolen sub-account key, 128 miners, an opened port, a bill spike); needs no AWS account`)
    .action(async (opts: CommonOptions & StateOptions) => {
      process.exitCode = await auditCommand(builtInTarget(DEMO_SCENARIO), opts);
    });

  registerRemediation(program);
  registerAck(program);
  registerCosts(program);

  program.command('policy')
    .description('print the least-privilege IAM policy an audit needs (read-only), or with --remediation the separate policy the enabled remediation actions need; both computed from what the code declares it calls')
    .option('--remediation', 'the remediation policy (mutating calls) for the actions enabled in config')
    .option('--config <file>', 'config whose enabled remediation actions to cover')
    .option('--output <file>', 'write the policy to a file')
    .action(async (opts: { output?: string; remediation?: boolean; config?: string }) => {
      const policy = opts.remediation ? remediationPolicy((await loadConfig(opts.config)).remediation.enabled) : auditPolicy();
      await writeOutput(`${JSON.stringify(policy, null, 2)}\n`, opts.output);
    });

  program.command('report')
    .description('render a saved JSON report (rigwatch audit --format json --output audit.json) in another format, e.g. HTML for a CFO or Markdown for a ticket')
    .argument('<file>', 'a JSON report written by rigwatch (rigwatch-report/1)')
    .addOption(formatOption())
    .option('--output <file>', 'write to a file instead of stdout (written whole or not at all)')
    .option('--debug', 'show stack traces on errors')
    .action(async (file: string, opts: { format?: Format; output?: string }) => {
      const report = await readReport(file);
      await writeOutput(await render(report, opts.format ?? (!opts.output && process.stdout.isTTY ? 'table' : 'json')), opts.output);
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

async function auditCommand(target: Target, opts: CommonOptions & TargetOptions & StateOptions): Promise<number> {
  const setup = await auditSetup(target, opts);
  const progress = stderrProgress(!opts.quiet);
  try {
    const remediateTarget = { ...(opts.scenario && { scenario: opts.scenario }), ...(opts.profile && { profile: opts.profile }), ...(target.label.startsWith('built-in') && { demo: true }) };
    const request = { config: setup.config, clients: target.clients, now: target.now, since: setup.since, regions: setup.regions, progress, remediateTarget };
    if (!opts.stateDir && setup.config.notify.channels.length > 0 && opts.notify !== false) {
      process.stderr.write('rigwatch: notify channels are configured but there is no --state-dir: nothing is notified (a state is what makes each finding notified once)\n');
    }
    const { report } = opts.stateDir
      ? await runScheduledAudit({
        ...request,
        store: openStateStore(opts.stateDir, target.clients),
        notify: opts.notify !== false,
      })
      : await runAudit(request);
    progress.done();
    await writeOutput(await render(report, setup.format), opts.output);
    return exitCodeFor(report, setup.failOn);
  } finally {
    progress.done();
    target.clients.destroy();
  }
}

async function render(report: Report, format: Format): Promise<string> {
  switch (format) {
    case 'json': return `${JSON.stringify(report, null, 2)}\n`;
    case 'markdown': return renderMarkdown(report);
    case 'table': return renderTable(report);
    case 'html': return renderHtml(report);
    case 'csv': return renderCsv(report);
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

// `rigwatch ... | head`: when the reader goes away, stop quietly rather than crash on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv);
