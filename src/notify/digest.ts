// One digest per scheduled run, and the ways it is written out: the SNS subject line, plain text a
// responder reads, a Slack incoming-webhook message and the JSON a webhook receives. Every renderer
// works from the digest after redactDeep(): no secret access key, session token, password or
// webhook URL reaches any output, whatever a detector copied into evidence.

import { SEVERITY_RANK, type Finding, type Severity } from '../detectors/types.js';
import { redactDeep } from './redact.js';
import { DIGEST_FORMAT, type Digest, type DigestItem } from './types.js';

export interface DigestInput {
  account: string;
  generatedAt: string;
  items: DigestItem[];
  resolved: Digest['resolved'];
  stillOpen: Digest['stillOpen'];
}

/**
 * The digest with its totals: per currency, the hourly burn of the running instances the items
 * name (an instance several findings name counts once) and their excess cost so far. Items are
 * ordered worst first (stable otherwise).
 */
export function buildDigest(input: DigestInput): Digest {
  const items = [...input.items].sort((a, b) => SEVERITY_RANK[b.finding.severity] - SEVERITY_RANK[a.finding.severity]);
  return {
    format: DIGEST_FORMAT,
    account: input.account,
    generatedAt: input.generatedAt,
    items,
    resolved: input.resolved,
    stillOpen: input.stillOpen,
    totals: totalsOf(items),
  };
}

function totalsOf(items: DigestItem[]): Digest['totals'] {
  const by = new Map<string, { hourly: number; excess: number; instances: Map<string, number> }>();
  for (const { impact } of items) {
    if (!impact) continue;
    const t = by.get(impact.currency) ?? { hourly: 0, excess: 0, instances: new Map<string, number>() };
    by.set(impact.currency, t);
    t.excess += impact.excess ?? 0;
    if (impact.instances && Object.keys(impact.instances).length > 0) {
      for (const [id, price] of Object.entries(impact.instances)) if (!t.instances.has(id)) t.instances.set(id, price);
    } else {
      t.hourly += impact.hourly ?? 0;
    }
  }
  return [...by.entries()]
    .map(([currency, t]) => ({
      currency,
      hourly: round(t.hourly + [...t.instances.values()].reduce((a, b) => a + b, 0), 4),
      excess: round(t.excess, 2),
    }))
    .sort((a, b) => (a.currency === 'USD' ? -1 : b.currency === 'USD' ? 1 : a.currency.localeCompare(b.currency)));
}

export function isEmptyDigest(d: Pick<Digest, 'items' | 'resolved'>): boolean {
  return d.items.length === 0 && d.resolved.length === 0;
}

// ---------------------------------------------------------------------------------------------
// The remediate command

export interface RemediateTarget {
  scenario?: string;
  demo?: boolean;
  profile?: string;
}

/** Quotes a shell word only when it needs it (POSIX single quotes). */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:,=@+%-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The dry-run command that plans the containment of these findings against the same target the
 * audit read: `rigwatch remediate --finding <id1>,<id2> [--demo | --scenario F] [--profile X]`.
 * Append --apply to carry the plan out.
 */
export function remediateCommand(findingIds: string[], target: RemediateTarget = {}, flag: '--finding' | '--incident' = '--finding'): string {
  const ids = [...new Set(findingIds)];
  const words = ['rigwatch', 'remediate', flag, shellWord(ids.join(','))];
  if (target.demo) words.push('--demo');
  else if (target.scenario) words.push('--scenario', shellWord(target.scenario));
  if (target.profile) words.push('--profile', shellWord(target.profile));
  return words.join(' ');
}

// ---------------------------------------------------------------------------------------------
// Money and text helpers

const round = (n: number, places: number): number => Math.round(n * 10 ** places) / 10 ** places;

function grouped(n: number, decimals: number): string {
  const [int = '0', frac] = Math.abs(n).toFixed(decimals).split('.');
  const withCommas = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${withCommas}${frac ? `.${frac}` : ''}`;
}

/** `$412`, `$0.68`, `1,204 EUR`: cents below `wholeFrom` units (default 100), whole units from there. */
export function formatMoney(amount: number, currency: string, wholeFrom = 100): string {
  const text = grouped(amount, Math.abs(amount) >= wholeFrom ? 0 : 2);
  return currency === 'USD' ? `$${text}` : `${text} ${currency}`;
}

/** What an item puts at stake, in words; undefined when nothing. */
export function impactText(impact: DigestItem['impact']): string | undefined {
  if (!impact) return undefined;
  const parts: string[] = [];
  if (impact.hourly) {
    const n = impact.instances ? Object.keys(impact.instances).length : undefined;
    parts.push(`~${formatMoney(impact.hourly, impact.currency)}/h${n ? ` (${n} running instance${n === 1 ? '' : 's'}, on-demand)` : ''}`);
  }
  if (impact.excess) parts.push(`${formatMoney(impact.excess, impact.currency)} over baseline so far`);
  if (impact.projected) parts.push(`~${formatMoney(impact.projected, impact.currency)} over baseline projected for the month`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** Control characters (line breaks included) become spaces: a title cannot forge extra lines. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 3))}...`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const SEVERITY_ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

function severitiesOf(items: DigestItem[]): string {
  const present = new Set(items.map((i) => i.finding.severity));
  return SEVERITY_ORDER.filter((s) => present.has(s)).join('/');
}

function actorText(actor: Finding['actor']): string | undefined {
  if (!actor) return undefined;
  const parts = [actor.arn];
  if (actor.accessKeyId) parts.push(`key ${actor.accessKeyId}`);
  if (actor.sourceIPs && actor.sourceIPs.length > 0) {
    const shown = actor.sourceIPs.slice(0, 10).join(', ');
    parts.push(`from ${shown}${actor.sourceIPs.length > 10 ? ` and ${actor.sourceIPs.length - 10} more` : ''}`);
  }
  return parts.join(', ');
}

function resourcesText(resources: Finding['resources']): string {
  if (resources.length === 0) return '0';
  const byType = new Map<string, number>();
  for (const r of resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  return `${resources.length} (${[...byType.entries()].map(([t, n]) => `${n} ${t}`).join(', ')})`;
}

function stillOpenText(stillOpen: Digest['stillOpen']): string | undefined {
  const parts = SEVERITY_ORDER.filter((s) => (stillOpen[s] ?? 0) > 0).map((s) => `${stillOpen[s]} ${s}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function totalsText(totals: Digest['totals']): string | undefined {
  const parts: string[] = [];
  for (const t of totals) {
    if (t.hourly > 0) parts.push(`~${formatMoney(t.hourly, t.currency)}/h running now`);
    if (t.excess > 0) parts.push(`${formatMoney(t.excess, t.currency)} over baseline so far`);
  }
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function countsText(items: DigestItem[]): string {
  const escalated = items.filter((i) => i.reason === 'escalated').length;
  const fresh = items.length - escalated;
  if (escalated === 0) return `${fresh} new`;
  if (fresh === 0) return `${escalated} escalated`;
  return `${fresh} new, ${escalated} escalated`;
}

// ---------------------------------------------------------------------------------------------
// Renderers

/** SNS allows 99 characters of printable ASCII, no line breaks. */
export const SUBJECT_MAX = 99;

function ascii(text: string): string {
  return text.normalize('NFKD').replace(/[\u2013\u2014]/g, '-').replace(/[^\x20-\x7e]/g, '').replace(/\s+/g, ' ').trim();
}

/**
 * The SNS subject / e-mail subject: `rigwatch 111122223333: 3 new critical/high findings, ~$412/h
 * at stake`. At most 99 printable ASCII characters; parts that do not fit are dropped.
 */
export function digestSubject(d: Digest): string {
  const account = clip(ascii(d.account) || 'account', 40);
  const head = `rigwatch ${account}:`;
  const parts: string[] = [];
  if (d.items.length > 0) {
    const word = d.items.length === 1 ? 'finding' : 'findings';
    parts.push(`${countsText(d.items)} ${severitiesOf(d.items)} ${word}`);
    const money = d.totals.find((t) => t.hourly > 0) ?? d.totals.find((t) => t.excess > 0);
    if (money && money.hourly > 0) parts.push(`~${formatMoney(money.hourly, money.currency, 10)}/h at stake`);
    else if (money) parts.push(`${formatMoney(money.excess, money.currency, 10)} over baseline`);
    if (d.resolved.length > 0) parts.push(`${d.resolved.length} resolved`);
  } else if (d.resolved.length > 0) {
    parts.push(`${plural(d.resolved.length, 'finding')} resolved`);
  } else {
    parts.push('nothing new');
  }
  let subject = `${head} ${ascii(parts[0] as string)}`;
  for (const part of parts.slice(1)) {
    const next = `${subject}, ${ascii(part)}`;
    if (next.length <= SUBJECT_MAX) subject = next;
  }
  return clip(subject, SUBJECT_MAX);
}

/** The digest as plain text, for e-mail and logs. */
export function digestText(digest: Digest): string {
  const d = redactDeep(digest);
  const lines: string[] = [];
  lines.push(`rigwatch digest for AWS account ${oneLine(d.account)}, ${oneLine(d.generatedAt)}`);
  if (d.items.length > 0) {
    const totals = totalsText(d.totals);
    lines.push(`${plural(d.items.length, 'finding')} to act on (${countsText(d.items)})${totals ? `; at stake: ${totals}` : ''}`);
  }
  d.items.forEach((item, n) => {
    const f = item.finding;
    lines.push('');
    lines.push(`${n + 1}. [${f.severity.toUpperCase()}] ${oneLine(f.title)}`);
    const where = [`id ${f.id}`, `region ${f.region}`];
    if (item.reason === 'escalated') where.push(`escalated${item.previousSeverity ? ` from ${item.previousSeverity}` : ''}`);
    lines.push(`   ${where.join(' | ')}`);
    const when = [f.firstSeen && `first seen ${f.firstSeen}`, f.lastSeen && `last seen ${f.lastSeen}`].filter(Boolean).join(', ');
    if (when) lines.push(`   ${when}`);
    const actor = actorText(f.actor);
    if (actor) lines.push(`   actor: ${oneLine(actor)}`);
    lines.push(`   resources: ${oneLine(resourcesText(f.resources))}`);
    const money = impactText(item.impact);
    if (money) lines.push(`   at stake: ${money}`);
    if (f.containment) lines.push(`   containment: ${f.containment.state} (${f.containment.contained}/${f.containment.total})`);
    if (item.remediate) lines.push(`   contain: ${oneLine(item.remediate)}   (plans only; add --apply to carry it out)`);
  });
  if (d.resolved.length > 0) {
    lines.push('');
    lines.push(`Resolved since the last run (${d.resolved.length}):`);
    for (const r of d.resolved) lines.push(`- ${r.id}  ${oneLine(r.title)}`);
  }
  const open = stillOpenText(d.stillOpen);
  if (open) {
    lines.push('');
    lines.push(`Still open, already notified: ${open}`);
  }
  return `${lines.join('\n')}\n`;
}

// Slack: https://api.slack.com/reference/block-kit/blocks
export const SLACK_MAX_BLOCKS = 50;
export const SLACK_MAX_SECTION_TEXT = 3000;
const SLACK_MAX_HEADER_TEXT = 150;

export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] };

/** Slack mrkdwn: &, < and > are control characters (links, @channel mentions). */
function esc(text: string): string {
  return oneLine(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Backticks would end a code span early. */
function code(text: string): string {
  return `\`${esc(text).replace(/`/g, "'")}\``;
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, SLACK_MAX_SECTION_TEXT) } };
}

/** Lines joined until the section limit; the rest summarised as "... and N more". */
function listSection(title: string, lines: string[]): SlackBlock {
  let text = title;
  for (let i = 0; i < lines.length; i++) {
    const more = `\n... and ${lines.length - i} more`;
    const next = `${text}\n${lines[i]}`;
    const roomForMore = i === lines.length - 1 ? 0 : `\n... and ${lines.length - i - 1} more`.length;
    if (next.length + roomForMore > SLACK_MAX_SECTION_TEXT) return section(`${text}${more}`);
    text = next;
  }
  return section(text);
}

function slackItem(item: DigestItem): string {
  const f = item.finding;
  const lines = [`*[${f.severity.toUpperCase()}] ${esc(clip(f.title, 400))}*`];
  const meta = [`\`${esc(f.id)}\``, esc(f.region)];
  if (item.reason === 'escalated') meta.push(`escalated${item.previousSeverity ? ` from ${item.previousSeverity}` : ''}`);
  lines.push(meta.join(' · '));
  const actor = actorText(f.actor);
  if (actor) lines.push(`*Actor:* ${esc(clip(actor, 600))}`);
  lines.push(`*Resources:* ${esc(clip(resourcesText(f.resources), 400))}`);
  const money = impactText(item.impact);
  if (money) lines.push(`*At stake:* ${esc(money)}`);
  if (item.remediate) lines.push(`*Contain:* ${code(clip(item.remediate, 1200))} (add \`--apply\` to carry it out)`);
  return lines.join('\n');
}

/** A Slack incoming-webhook message: a `text` fallback plus Block Kit blocks within Slack's limits. */
export function slackPayload(digest: Digest): SlackPayload {
  const d = redactDeep(digest);
  const blocks: SlackBlock[] = [];
  blocks.push({ type: 'header', text: { type: 'plain_text', text: clip(oneLine(`rigwatch: AWS account ${d.account}`), SLACK_MAX_HEADER_TEXT) } });

  const summary: string[] = [];
  if (d.items.length > 0) summary.push(`*${plural(d.items.length, 'finding')} to act on* (${countsText(d.items)}, ${severitiesOf(d.items)})`);
  const totals = totalsText(d.totals);
  if (totals) summary.push(`*At stake:* ${esc(totals)}`);
  if (d.resolved.length > 0) summary.push(`${plural(d.resolved.length, 'finding')} resolved since the last run`);
  const open = stillOpenText(d.stillOpen);
  if (open) summary.push(`Still open, already notified: ${open}`);
  if (summary.length === 0) summary.push('Nothing new.');
  blocks.push(section(summary.join('\n')));

  const tail: SlackBlock[] = [];
  if (d.resolved.length > 0) tail.push(listSection(`*Resolved (${d.resolved.length}):*`, d.resolved.map((r) => `• \`${esc(r.id)}\` ${esc(clip(r.title, 300))}`)));
  tail.push({ type: 'context', elements: [{ type: 'mrkdwn', text: esc(`${DIGEST_FORMAT} · generated ${d.generatedAt}`) }] });

  const room = SLACK_MAX_BLOCKS - blocks.length - tail.length;
  const shown = d.items.length <= room ? d.items : d.items.slice(0, room - 1);
  for (const item of shown) blocks.push(section(slackItem(item)));
  if (shown.length < d.items.length) {
    const rest = d.items.slice(shown.length);
    blocks.push(listSection(`*... and ${rest.length} more:*`, rest.map((i) => `• [${i.finding.severity}] \`${esc(i.finding.id)}\` ${esc(clip(i.finding.title, 200))}`)));
  }
  blocks.push(...tail);
  return { text: digestSubject(d), blocks };
}

/** The digest as a webhook receives it: the Digest's own shape, secrets scrubbed. */
export function webhookPayload(digest: Digest): Digest {
  return redactDeep(digest);
}

// ---------------------------------------------------------------------------------------------
// Size

/** SNS's limit on a message, 256 KiB, less room for the subject and attributes. */
export const SNS_MAX_MESSAGE_BYTES = 256 * 1024 - 4096;

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * The webhook payload, made to fit in `maxBytes` of JSON: first without evidence and the
 * per-instance prices (ids, titles, severity, actor, impact kept), then with at most 20 resources
 * per finding, then with as many items and resolved entries as fit (worst items first). Anything
 * dropped sets `truncated: true`; the totals still count every item.
 */
export function fitDigest(digest: Digest, maxBytes: number): Digest {
  const full = webhookPayload(digest);
  if (bytes(full) <= maxBytes) return full;
  const slim = (item: DigestItem, maxResources?: number): DigestItem => {
    const finding: Finding = { ...item.finding, evidence: {} };
    if (maxResources !== undefined) finding.resources = finding.resources.slice(0, maxResources);
    if (!item.impact) return { ...item, finding };
    const { instances: _instances, ...impact } = item.impact;
    return { ...item, finding, impact };
  };
  let out: Digest = { ...full, items: full.items.map((i) => slim(i)), truncated: true };
  if (bytes(out) <= maxBytes) return out;
  out = { ...out, items: full.items.map((i) => slim(i, 20)) };
  let size = bytes(out);
  if (size <= maxBytes) return out;
  // Drop from the end of the longer list; each entry costs its JSON and a comma.
  const items = [...out.items];
  const resolved = [...out.resolved];
  while (size > maxBytes && (items.length > 0 || resolved.length > 0)) {
    const dropped = resolved.length > items.length ? resolved.pop() : items.pop();
    size -= bytes(dropped) + 1;
  }
  return { ...out, items, resolved };
}
