// The state options (`--state-dir`, `--no-notify`) of scheduled runs, and `rigwatch ack`: mute a
// finding in the state, with a reason and an optional expiry, or lift the mute.

import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { parseDuration, parseSince } from '../engine/duration.js';
import { InputError } from '../engine/errors.js';
import { AwsClients } from '../providers/aws/clients.js';
import { openStateStore, updateState, type Ack, type AuditState } from '../state/index.js';
import { writeOutput } from './io.js';

export interface StateOptions {
  stateDir?: string;
  notify?: boolean;
}

export function addStateOptions(cmd: Command): Command {
  return cmd
    .option('--state-dir <dir>', 'keep state between runs here (a directory, or s3://bucket/prefix/): each run reads only what is new, findings get a status (new, open, resolved, muted), notifications go out once; a lock keeps two runs from overlapping')
    .option('--no-notify', 'with --state-dir: do not send the configured notifications this run');
}

interface AckOptions {
  stateDir?: string;
  reason?: string;
  until?: string;
  undo?: boolean;
  list?: boolean;
  profile?: string;
  debug?: boolean;
}

export function registerAck(program: Command): void {
  program.command('ack')
    .description('mute one finding in a scheduled run\'s state (status "muted": it no longer fails runs or notifies), with a reason and an optional expiry; --undo lifts it, --list shows the mutes')
    .argument('[finding id]', 'the finding to mute, as the report or a notification gives it')
    .option('--state-dir <dir>', 'the state the scheduled runs use (a directory, or s3://bucket/prefix/)', '.rigwatch')
    .option('--reason <text>', 'why it is muted (required): kept with the mute and shown in reports')
    .option('--until <when>', 'the mute lapses then: an ISO-8601 date or instant, or a duration from now (7d, 24h)')
    .option('--undo', 'lift the mute')
    .option('--list', 'list the mutes')
    .option('--profile <name>', 'AWS profile, for an s3:// state')
    .option('--debug', 'show stack traces on errors')
    .action(async (id: string | undefined, opts: AckOptions) => {
      process.exitCode = await ackCommand(id, opts);
    });
}

async function ackCommand(id: string | undefined, opts: AckOptions): Promise<number> {
  const clients = new AwsClients({ ...(opts.profile && { profile: opts.profile }) });
  try {
    const store = openStateStore(opts.stateDir ?? '.rigwatch', clients);
    if (opts.list) {
      const { state } = await store.load();
      const acks = Object.values(state?.acks ?? {});
      await writeOutput(acks.length === 0 ? 'no muted findings\n' : `${acks.map(describeAck).join('\n')}\n`);
      return 0;
    }
    if (!id) throw new InputError('ack: give the finding id to mute (or --list)');
    const now = Date.now();
    let until: string | undefined;
    if (opts.until !== undefined && !opts.undo) {
      const at = /^\d{4}-\d{2}-\d{2}$/.test(opts.until) ? Date.parse(`${opts.until}T23:59:59.999Z`) : parseFuture(opts.until, now);
      if (at === undefined || Number.isNaN(at)) throw new InputError(`--until ${opts.until}: not a date, ISO-8601 instant or duration (7d, 24h)`);
      if (at <= now) throw new InputError(`--until ${opts.until}: already past`);
      until = new Date(at).toISOString();
    }
    if (!opts.undo && !opts.reason?.trim()) throw new InputError('ack: --reason is required (say why this finding is accepted)');
    const release = await store.lock({ waitMs: 60_000 });
    try {
      await updateState(store, (state) => {
        if (!state) throw new InputError(`no state at ${store.location} yet: run \`rigwatch audit --state-dir ${opts.stateDir ?? '.rigwatch'}\` first`);
        return opts.undo ? unmute(state, id) : mute(state, id, { findingId: id, reason: (opts.reason ?? '').trim(), by: whoAmI(), at: new Date(now).toISOString(), ...(until && { until }) });
      });
    } finally {
      await release();
    }
    process.stderr.write(opts.undo ? `rigwatch: ${id} is no longer muted\n` : `rigwatch: ${id} muted${until ? ` until ${until}` : ''}\n`);
    return 0;
  } finally {
    clients.destroy();
  }
}

function mute(state: AuditState, id: string, ack: Ack): AuditState {
  if (!state.findings[id]) {
    const known = Object.keys(state.findings).slice(0, 8).join(', ');
    throw new InputError(`ack: no finding ${id} in the state${known ? ` (known: ${known}${Object.keys(state.findings).length > 8 ? ', ...' : ''})` : ''}`);
  }
  return { ...state, acks: { ...state.acks, [id]: ack } };
}

function unmute(state: AuditState, id: string): AuditState {
  if (!state.acks[id]) throw new InputError(`ack --undo: ${id} is not muted by an ack (mutelist rules live in the config)`);
  const { [id]: _gone, ...acks } = state.acks;
  return { ...state, acks };
}

/** A duration from now (7d), or an ISO instant as it is. */
function parseFuture(text: string, now: number): number | undefined {
  const duration = parseDuration(text);
  return duration !== undefined ? now + duration : parseSince(text, now);
}

function whoAmI(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function describeAck(a: Ack): string {
  return `${a.findingId}  muted by ${a.by} at ${a.at}${a.until ? ` until ${a.until}` : ''}: ${a.reason}`;
}
