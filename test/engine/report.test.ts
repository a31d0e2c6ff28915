import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/detectors/types.js';
import { exitCodeFor, redactSecrets, sortFindings } from '../../src/engine/report.js';
import type { CoverageEntry } from '../../src/providers/types.js';

const finding = (severity: Finding['severity'], id = severity): Finding => ({
  id, detector: 'bill-spike', severity, title: id, account: '111122223333', region: 'global', resources: [], evidence: {},
});
const ok: CoverageEntry = { source: 'ec2', region: 'us-east-1', status: 'ok' };
const failed: CoverageEntry = { source: 'cloudtrail', region: 'eu-west-1', status: 'error', error: 'AccessDeniedException' };

describe('exit codes (CONTRACT.md)', () => {
  it.each([
    { name: 'nothing found, everything covered', findings: [], coverage: [ok], failOn: 'high', code: 0 },
    { name: 'a finding below --fail-on', findings: [finding('medium')], coverage: [ok], failOn: 'high', code: 0 },
    { name: 'a finding at --fail-on', findings: [finding('high')], coverage: [ok], failOn: 'high', code: 1 },
    { name: 'a finding above --fail-on', findings: [finding('critical')], coverage: [ok], failOn: 'medium', code: 1 },
    { name: 'a source failed, nothing at --fail-on', findings: [finding('low')], coverage: [ok, failed], failOn: 'high', code: 3 },
    { name: 'a source failed, but a finding at --fail-on wins', findings: [finding('high')], coverage: [failed], failOn: 'high', code: 1 },
    { name: 'a skipped source is not a failure', findings: [], coverage: [{ ...ok, status: 'skipped' }], failOn: 'high', code: 0 },
  ] as const)('$name → $code', ({ findings, coverage, failOn, code }) => {
    expect(exitCodeFor({ findings: [...findings], coverage: [...coverage] }, failOn)).toBe(code);
  });
});

describe('report', () => {
  it('sorts worst first', () => {
    expect(sortFindings([finding('low'), finding('critical'), finding('medium')]).map((f) => f.severity)).toEqual(['critical', 'medium', 'low']);
  });

  it('redacts secrets anywhere in evidence, keeping the rest', () => {
    const evidence = {
      accessKeyId: 'AKIAEXAMPLE000000001',
      record: { responseElements: { accessKey: { accessKeyId: 'AKIAEXAMPLE000000002', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } } },
      sessions: [{ credentials: { sessionToken: 'FwoGZXIvYXdzE...', expiration: '2026-11-27T00:00:00Z' } }],
    };
    expect(redactSecrets(evidence)).toEqual({
      accessKeyId: 'AKIAEXAMPLE000000001',
      record: { responseElements: { accessKey: { accessKeyId: 'AKIAEXAMPLE000000002', secretAccessKey: '<redacted>' } } },
      sessions: [{ credentials: { sessionToken: '<redacted>', expiration: '2026-11-27T00:00:00Z' } }],
    });
  });
});
