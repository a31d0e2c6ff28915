// The finding lifecycle across runs (new, open, resolved, muted) and what each notification
// channel is owed. Attack and benign runs side by side: a source that failed must not resolve
// a finding, and a finding told once is never told again unless it escalates.

import { describe, expect, it } from 'vitest';
import type { Finding, Severity } from '../../src/detectors/types.js';
import { applyLifecycle, markNotified, owedTo, type LifecycleInput } from '../../src/engine/lifecycle.js';
import type { CoverageEntry } from '../../src/providers/types.js';
import type { AuditState, FindingRecord } from '../../src/state/types.js';

const NOW = Date.parse('2026-11-27T09:00:00Z');
const EARLIER = '2026-11-27T08:45:00.000Z';

function finding(id: string, severity: Severity = 'high', extra: Partial<Finding> = {}): Finding {
  return {
    id, detector: 'fleet-spinup', severity, title: `finding ${id}`, account: '111122223333', region: 'us-east-2',
    resources: [{ type: 'AWS::EC2::Instance', id: `i-${id}` }], evidence: {}, ...extra,
  };
}

function record(id: string, extra: Partial<FindingRecord> = {}): FindingRecord {
  return {
    id, detector: 'fleet-spinup', title: `finding ${id}`, region: 'us-east-2', severity: 'high', status: 'open',
    firstReported: EARLIER, lastReported: EARLIER, notified: {}, ...extra,
  };
}

function run(findings: Finding[], previous?: Pick<AuditState, 'findings' | 'acks'>, coverage: CoverageEntry[] = [], more: Partial<LifecycleInput> = {}) {
  return applyLifecycle({ account: '111122223333', findings, previous, coverage, now: NOW, mutelist: [], tags: () => undefined, resolvedRetentionDays: 30, ...more });
}

const statusOf = (out: ReturnType<typeof run>, id: string) => out.findings.find((f) => f.id === id)?.status;

describe('finding status', () => {
  const cases: { name: string; findings: Finding[]; previous?: Pick<AuditState, 'findings' | 'acks'>; coverage?: CoverageEntry[]; expect: Record<string, string | undefined> }[] = [
    { name: 'first run: everything is new', findings: [finding('a'), finding('b')], expect: { a: 'new', b: 'new' } },
    { name: 'seen before: open', findings: [finding('a')], previous: { findings: { a: record('a') }, acks: {} }, expect: { a: 'open' } },
    { name: 'gone since the last run: resolved, reported once', findings: [], previous: { findings: { a: record('a') }, acks: {} }, expect: { a: 'resolved' } },
    { name: 'resolved last run and still gone: not reported again', findings: [], previous: { findings: { a: record('a', { status: 'resolved', resolvedAt: EARLIER }) }, acks: {} }, expect: { a: undefined } },
    {
      name: 'gone while its source failed in its region: not resolved, not reported',
      findings: [],
      previous: { findings: { a: record('a') }, acks: {} },
      coverage: [{ source: 'cloudtrail', region: 'us-east-2', status: 'error', error: 'ThrottlingException' }],
      expect: { a: undefined },
    },
    {
      name: 'gone while another region\'s source failed: resolved',
      findings: [],
      previous: { findings: { a: record('a') }, acks: {} },
      coverage: [{ source: 'cloudtrail', region: 'eu-west-1', status: 'error', error: 'ThrottlingException' }],
      expect: { a: 'resolved' },
    },
    { name: 'resolved before and back: new again', findings: [finding('a')], previous: { findings: { a: record('a', { status: 'resolved', resolvedAt: EARLIER }) }, acks: {} }, expect: { a: 'new' } },
    {
      name: 'acked: muted',
      findings: [finding('a')],
      previous: { findings: { a: record('a') }, acks: { a: { findingId: 'a', reason: 'load test', by: 'ana', at: EARLIER } } },
      expect: { a: 'muted' },
    },
    {
      name: 'ack expired: open again',
      findings: [finding('a')],
      previous: { findings: { a: record('a') }, acks: { a: { findingId: 'a', reason: 'load test', by: 'ana', at: EARLIER, until: '2026-11-26T00:00:00Z' } } },
      expect: { a: 'open' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = run(c.findings, c.previous, c.coverage ?? []);
      for (const [id, status] of Object.entries(c.expect)) expect(statusOf(out, id), id).toBe(status);
    });
  }

  it('keeps when a finding was first reported, and forgets resolved ones after the retention', () => {
    const old = new Date(NOW - 40 * 86_400_000).toISOString();
    const out = run([finding('a')], { findings: { a: record('a', { firstReported: '2026-11-20T00:00:00.000Z' }), z: record('z', { status: 'resolved', resolvedAt: old }) }, acks: {} });
    expect(out.records.a?.firstReported).toBe('2026-11-20T00:00:00.000Z');
    expect(out.records.a?.lastReported).toBe(new Date(NOW).toISOString());
    expect(out.records.z).toBeUndefined();
  });

  it('a mutelist rule mutes with its reason and index', () => {
    const out = run([finding('a'), finding('b', 'high', { detector: 'sg-open-ingress' })], undefined, [], { mutelist: [{ detector: 'sg-open-ingress', reason: 'bastion' }] });
    expect(statusOf(out, 'a')).toBe('new');
    expect(out.findings.find((f) => f.id === 'b')?.muted).toEqual({ reason: 'bastion', by: 'mutelist', rule: 0 });
  });
});

describe('what a channel is owed', () => {
  it('tells a channel each finding once, again only when it escalates', () => {
    const first = run([finding('a', 'high'), finding('b', 'critical'), finding('low', 'low')]);
    const owed1 = owedTo('slack', first.findings, first.records, 'high');
    expect(owed1.map((o) => [o.finding.id, o.reason])).toEqual([['a', 'new'], ['b', 'new']]);
    markNotified('slack', owed1.map((o) => o.finding), first.records);

    const second = run([finding('a', 'high'), finding('b', 'critical')], { findings: first.records, acks: {} });
    expect(owedTo('slack', second.findings, second.records, 'high')).toEqual([]);
    // A channel that was never told (added later, or its delivery failed) is still owed everything.
    expect(owedTo('sns', second.findings, second.records, 'high').map((o) => o.finding.id)).toEqual(['a', 'b']);

    const third = run([finding('a', 'critical'), finding('b', 'high')], { findings: second.records, acks: {} });
    const owed3 = owedTo('slack', third.findings, third.records, 'high');
    expect(owed3.map((o) => [o.finding.id, o.reason, o.previousSeverity])).toEqual([['a', 'escalated', 'high']]);
  });

  it('never owes muted or resolved findings', () => {
    const out = run([finding('a')], { findings: { a: record('a'), gone: record('gone') }, acks: { a: { findingId: 'a', reason: 'accepted', by: 'ana', at: EARLIER } } });
    expect(statusOf(out, 'gone')).toBe('resolved');
    expect(owedTo('slack', out.findings, out.records, 'info')).toEqual([]);
  });
});
