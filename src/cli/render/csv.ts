// The audit report as CSV (RFC 4180): a header row, then one row per finding, worst first, with
// its incident's cost when the report groups findings into incidents. Lines end in CRLF; a field
// holding a comma, a double quote, a CR or an LF is quoted, its quotes doubled.
//
// Spreadsheets run a cell that starts with = + - @ (or a tab or CR) as a formula, and a finding's
// title, ARN or resource id comes from the audited account, which an attacker can name: such a
// text field gets a leading apostrophe (OWASP's CSV injection advice). Numbers are written as
// numbers and never guarded.

import type { Finding } from '../../detectors/types.js';
import type { Report } from '../../engine/report.js';
import type { Incident } from '../../engine/story.js';

export type CsvValue = string | number | boolean | null | undefined;

/** Resource ids listed in a finding's row; `resource_count` gives the total. */
export const CSV_MAX_RESOURCES = 10;

export const FINDING_COLUMNS = [
  'id', 'status', 'severity', 'detector', 'title', 'account', 'region', 'first_seen', 'last_seen',
  'actor_arn', 'access_key_id', 'source_ips', 'resource_count', 'resources',
  'incident_id', 'incident_cost_so_far', 'incident_cost_per_hour_now', 'currency', 'cost_basis', 'remediate_command',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field: text guarded against formula injection, then quoted when it must be. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole CSV document: the header, then the rows, every line ending in CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}

const cents = (x: number): number => Math.round(x * 100) / 100;

export function renderCsv(report: Report): string {
  const incidentOf = new Map<string, Incident>();
  for (const incident of report.incidents ?? []) for (const id of incident.findings) if (!incidentOf.has(id)) incidentOf.set(id, incident);
  return toCsv(FINDING_COLUMNS, report.findings.map((f) => findingRow(f, incidentOf.get(f.id))));
}

function findingRow(f: Finding, incident: Incident | undefined): CsvValue[] {
  const cost = incident?.costImpact;
  return [
    f.id,
    f.status,
    f.severity,
    f.detector,
    f.title,
    f.account,
    f.region,
    f.firstSeen,
    f.lastSeen,
    f.actor?.arn,
    f.actor?.accessKeyId,
    f.actor?.sourceIPs?.join(';'),
    f.resources.length,
    f.resources.slice(0, CSV_MAX_RESOURCES).map((r) => r.id).join(';'),
    incident?.id,
    cost ? cents(cost.total) : undefined,
    cost ? cents(cost.perHourNow) : undefined,
    cost?.currency,
    cost?.basis.join('; '),
    incident?.remediate,
  ];
}
