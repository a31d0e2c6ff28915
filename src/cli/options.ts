// Options every audit-running command shares (audit, demo, remediate), and turning them into
// an audit request: the config, the window, the regions, the target account.

import { Command, Option } from 'commander';
import { loadConfig, type Config } from '../engine/config.js';
import { parseSince } from '../engine/duration.js';
import { InputError } from '../engine/errors.js';
import { builtInScenarioTarget, liveTarget, scenarioFileTarget, type Target } from '../engine/target.js';
import { SEVERITIES, type Severity } from '../detectors/types.js';
import { BUILT_IN_SCENARIOS } from '../scenario/generators/index.js';

export const FORMATS = ['table', 'json', 'markdown', 'html', 'csv'] as const;
export type Format = (typeof FORMATS)[number];
const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

export interface CommonOptions {
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

export interface TargetOptions {
  scenario?: string;
  profile?: string;
  endpointUrl?: string;
}

export const formatOption = (): Option =>
  new Option('--format <format>', 'report format: table, json, markdown (a ticket), html (one self-contained page with charts), csv (a row per finding, with cost impact) (default: table on a terminal, json otherwise)').choices(FORMATS);

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(formatOption())
    .option('--output <file>', 'write the report to a file instead of stdout (written whole or not at all)')
    .option('--config <file>', 'YAML or JSON config overriding the defaults in config/')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity (default: high)').choices(SEVERITIES))
    .option('--since <when>', 'audit window start: a duration back from now (90m, 24h, 7d) or an ISO-8601 instant (default: 7d)')
    .option('--region <region>', 'audit one region')
    .option('--regions <list>', 'audit these regions, comma-separated')
    .option('--all-regions', 'audit every region enabled in the account (the default)')
    .option('--quiet', 'no progress on stderr')
    .option('--debug', 'show stack traces on errors');
}

export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('--scenario <file>', 'a scenario file (.json, .yaml, optionally .gz) answered by a simulated account, instead of a live account')
    .option('--profile <name>', 'AWS shared-config profile to use')
    .option('--endpoint-url <url>', 'send AWS calls to this endpoint (LocalStack-style)');
}

export async function targetFrom(opts: TargetOptions): Promise<Target> {
  return opts.scenario ? scenarioFileTarget(opts.scenario) : liveTarget({ profile: opts.profile, endpointUrl: checkUrl(opts.endpointUrl) });
}

export function builtInTarget(name: string): Target {
  const build = BUILT_IN_SCENARIOS[name];
  if (!build) throw new InputError(`unknown built-in scenario "${name}" (built-in: ${Object.keys(BUILT_IN_SCENARIOS).join(', ')})`);
  return builtInScenarioTarget(build(), name);
}

export interface AuditSetup {
  config: Config;
  since: number;
  regions?: string[];
  format: Format;
  failOn: Severity;
}

export async function auditSetup(target: Target, opts: CommonOptions): Promise<AuditSetup> {
  const config = await loadConfig(opts.config);
  const sinceText = opts.since ?? config.audit.since;
  const since = parseSince(sinceText, target.now);
  if (since === undefined) throw new InputError(`--since ${sinceText}: not a duration (90m, 24h, 7d) or an ISO-8601 instant`);
  if (since >= target.now) throw new InputError(`--since ${sinceText}: the window must start before now (${new Date(target.now).toISOString()})`);
  return {
    config,
    since,
    regions: regionsFrom(opts),
    format: opts.format ?? (!opts.output && process.stdout.isTTY ? 'table' : 'json'),
    failOn: opts.failOn ?? config.audit.failOn,
  };
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
