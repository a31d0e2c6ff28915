// `rigwatch costs`: the billing anomaly report. Runs the same audit as `rigwatch audit` (live
// account, --scenario file, or --demo) and prints the finance side of it: each anomalous day,
// service, region and account with expected, actual and the money above it, month-to-date, the
// month-end forecast, and AWS Cost Anomaly Detection's anomalies beside rigwatch's with when each
// was first flagged.
//
// Exit codes: 0 no billing anomaly; 1 a billing anomaly; 2 bad usage, config or input; 3 the cost
// source (Cost Explorer's GetCostAndUsage) could not be read and no anomaly was found. AWS Cost
// Anomaly Detection failing (no permission, no monitors) is reported, never an exit 3.

import { Command, Option } from 'commander';
import { runAudit } from '../engine/audit.js';
import { buildBillingReport } from '../engine/billing.js';
import { InputError } from '../engine/errors.js';
import { EXIT } from '../engine/report.js';
import type { BillingReport } from '../engine/story.js';
import type { Target } from '../engine/target.js';
import type { CoverageEntry } from '../providers/types.js';
import { stderrProgress, writeOutput } from './io.js';
import { addCommonOptions, addTargetOptions, auditSetup, builtInTarget, targetFrom, type CommonOptions, type TargetOptions } from './options.js';
import { renderCosts } from './render/costs.js';

export const COSTS_FORMATS = ['table', 'json', 'markdown', 'csv'] as const;
export type CostsFormat = (typeof COSTS_FORMATS)[number];

const DEMO_SCENARIO = 'brief-incident';
/** The common options `costs` does not take: it has its own formats, and its exit code follows anomalies, not severities. */
const NOT_TAKEN = new Set(['--format', '--fail-on']);

interface CostsOptions extends Omit<CommonOptions, 'format' | 'failOn'>, TargetOptions {
  format?: CostsFormat;
  demo?: boolean;
}

export function registerCosts(program: Command): void {
  const cmd = program.command('costs')
    .description('the billing anomaly report: each anomalous day, service, region and account (expected, actual, money above it), ' +
      'month-to-date, the month-end forecast, and AWS Cost Anomaly Detection\'s anomalies beside rigwatch\'s; exits 1 on a billing anomaly');
  // The audit's own options, as `rigwatch audit` has them, less the two above.
  for (const option of addCommonOptions(new Command()).options) if (!NOT_TAKEN.has(option.long ?? '')) cmd.addOption(option);
  addTargetOptions(cmd)
    .option('--demo', `the built-in incident ("${DEMO_SCENARIO}"; no AWS account)`)
    .addOption(new Option('--format <format>', 'report format (default: table on a terminal, json otherwise)').choices(COSTS_FORMATS))
    .action(async (opts: CostsOptions) => {
      if (opts.demo && opts.scenario) throw new InputError('--demo and --scenario: give only one');
      const target = opts.demo ? builtInTarget(DEMO_SCENARIO) : await targetFrom(opts);
      process.exitCode = await costsCommand(target, opts);
    });
}

async function costsCommand(target: Target, opts: CostsOptions): Promise<number> {
  const progress = stderrProgress(!opts.quiet);
  try {
    const setup = await auditSetup(target, { ...opts, format: undefined });
    const format: CostsFormat = opts.format ?? (!opts.output && process.stdout.isTTY ? 'table' : 'json');
    const { report, data } = await runAudit({ config: setup.config, clients: target.clients, now: target.now, since: setup.since, regions: setup.regions, progress });
    progress.done();
    const billing = report.billing ?? buildBillingReport(data, setup.config, report.findings);
    await writeOutput(renderCosts(billing, format), opts.output);
    return costsExitCode(billing, report.coverage);
  } finally {
    progress.done();
    target.clients.destroy();
  }
}

/** 1 on a billing anomaly; otherwise 3 when Cost Explorer's costs could not be read; otherwise 0. */
export function costsExitCode(billing: BillingReport, coverage: CoverageEntry[]): number {
  if (billing.anomalies.length > 0 || billing.days.some((d) => d.anomaly)) return EXIT.findings;
  if (coverage.some((c) => c.source === 'costexplorer' && c.status === 'error')) return EXIT.incomplete;
  return EXIT.clean;
}
