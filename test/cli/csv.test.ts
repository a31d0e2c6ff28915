// The audit report as CSV: RFC 4180 quoting, CRLF, a header, one row per finding, incident cost
// columns, and the guard against formula injection.

import { describe, expect, it } from 'vitest';
import { csvField, FINDING_COLUMNS, renderCsv, toCsv } from '../../src/cli/render/csv.js';
import type { Finding } from '../../src/detectors/types.js';
import { REPORT_FORMAT, type Report } from '../../src/engine/report.js';
import type { Incident } from '../../src/engine/story.js';

const finding = (id: string, extra: Partial<Finding> = {}): Finding => ({
  id, detector: 'fleet-spinup', severity: 'critical', title: `Finding ${id}`, account: '111122223333', region: 'us-east-2',
  resources: [], evidence: {}, ...extra,
});

const report = (findings: Finding[], incidents?: Incident[]): Report => ({
  format: REPORT_FORMAT, account: '111122223333', generatedAt: '2026-11-27T09:00:00.000Z',
  window: { start: '2026-11-20T09:00:00.000Z', end: '2026-11-27T09:00:00.000Z' }, coverage: [], findings,
  ...(incidents && { incidents }),
  stats: { apiCalls: {}, durationMs: 1, throttled: 0, findingsBySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 } },
});

/** Parses RFC 4180 (quoted fields, doubled quotes, CRLF) to check what a spreadsheet would read. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; } else if (ch === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; } else field += ch;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r\nlf', '"cr\r\nlf"'],
    ['', ''],
  ])('%j -> %j', (input, output) => expect(csvField(input)).toBe(output));

  it.each([
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
  ])('guards the formula %j', (input, output) => expect(csvField(input)).toBe(output));

  it('writes numbers as numbers (a negative one is not a formula) and nothing for absent values', () => {
    expect([csvField(-12.5), csvField(0), csvField(undefined), csvField(null), csvField(true), csvField(Number.NaN)]).toEqual(['-12.5', '0', '', '', 'true', '']);
  });

  it('ends every line, the last included, with CRLF', () => {
    expect(toCsv(['a', 'b'], [[1, 'x,y']])).toBe('a,b\r\n1,"x,y"\r\n');
  });
});

describe('renderCsv', () => {
  const fleet = finding('fleet-spinup:1', {
    status: 'new',
    title: 'Fleet of 16 c5.4xlarge, "burst", in us-east-2',
    actor: { arn: 'arn:aws:iam::111122223333:user/ops-deploy', accessKeyId: 'AKIAEXAMPLE00000001', sourceIPs: ['185.220.101.34', '45.9.148.108'] },
    resources: Array.from({ length: 16 }, (_, k) => ({ type: 'AWS::EC2::Instance', id: `i-${String(k).padStart(17, '0')}`, region: 'us-east-2' })),
    firstSeen: '2026-11-24T02:31:00.000Z', lastSeen: '2026-11-24T02:32:00.000Z',
  });
  const sg = finding('sg-open-ingress:1', { detector: 'sg-open-ingress', severity: 'high', title: '=cmd|\' /C calc\'!A0', resources: [{ type: 'AWS::EC2::SecurityGroup', id: 'sg-1' }] });
  const lonely = finding('iam-credential-activity:1', { detector: 'iam-credential-activity', severity: 'low', title: 'Root without MFA' });
  const incident: Incident = {
    id: 'incident:abc', title: 'ops-deploy key used by an attacker', severity: 'critical',
    actor: { principals: [], accessKeyIds: [], sourceIPs: [] }, firstSeen: '2026-11-24T02:13:00Z', lastSeen: '2026-11-27T08:40:00Z',
    findings: [fleet.id, sg.id], resources: [],
    costImpact: { total: 5368.256, perHourNow: 88.064, currency: 'USD', basis: ['instance-hours x on-demand price', 'Cost Explorer, EC2 in 4 regions'] },
    timeline: [], remediate: 'rigwatch remediate --finding fleet-spinup:1,sg-open-ingress:1 --demo',
  };

  it('has the header and one row per finding, in the report\'s order', () => {
    const rows = parseCsv(renderCsv(report([fleet, sg, lonely], [incident])));
    expect(rows[0]).toEqual([...FINDING_COLUMNS]);
    expect(rows).toHaveLength(4);
    expect(rows.slice(1).map((r) => r[0])).toEqual([fleet.id, sg.id, lonely.id]);
    expect(rows.every((r) => r.length === FINDING_COLUMNS.length)).toBe(true);
  });

  it('fills the actor, resources and incident columns', () => {
    const rows = parseCsv(renderCsv(report([fleet, sg, lonely], [incident])));
    const col = (row: string[] | undefined, name: (typeof FINDING_COLUMNS)[number]) => row?.[FINDING_COLUMNS.indexOf(name)];
    const f = rows[1];
    expect(col(f, 'title')).toBe(fleet.title);
    expect(col(f, 'status')).toBe('new');
    expect(col(f, 'source_ips')).toBe('185.220.101.34;45.9.148.108');
    expect(col(f, 'resource_count')).toBe('16');
    expect(col(f, 'resources')?.split(';')).toHaveLength(10);
    expect(col(f, 'incident_id')).toBe('incident:abc');
    expect(col(f, 'incident_cost_so_far')).toBe('5368.26');
    expect(col(f, 'incident_cost_per_hour_now')).toBe('88.06');
    expect(col(f, 'currency')).toBe('USD');
    expect(col(f, 'cost_basis')).toBe('instance-hours x on-demand price; Cost Explorer, EC2 in 4 regions');
    expect(col(f, 'remediate_command')).toBe(incident.remediate);
    // The injected title is text, not a formula.
    expect(col(rows[2], 'title')).toBe("'=cmd|' /C calc'!A0");
    // Outside any incident: the incident columns are empty.
    expect(['incident_id', 'incident_cost_so_far', 'currency', 'remediate_command'].map((c) => col(rows[3], c as (typeof FINDING_COLUMNS)[number]))).toEqual(['', '', '', '']);
  });

  it('leaves the incident columns empty when the report has no incidents', () => {
    const rows = parseCsv(renderCsv(report([fleet])));
    expect(rows[1]?.slice(FINDING_COLUMNS.indexOf('incident_id'))).toEqual(['', '', '', '', '', '']);
  });

  it('is only the header for a report without findings', () => {
    expect(renderCsv(report([]))).toBe(`${FINDING_COLUMNS.join(',')}\r\n`);
  });
});
