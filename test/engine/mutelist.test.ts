// The mutelist: rules match what they name; a resource or tag condition must hold for every
// resource of a finding, so muting a bastion never hides a miner next to it.

import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/detectors/types.js';
import { InputError } from '../../src/engine/errors.js';
import { validateConfig } from '../../src/engine/config.js';
import { globMatch, mutingRule, type MuteRule } from '../../src/engine/mutelist.js';
import { loadConfig } from '../../src/engine/config.js';

const NOW = Date.parse('2026-11-27T09:00:00Z');
const TAGS: Record<string, Record<string, string>> = {
  'sg-bastion': { Role: 'bastion', Team: 'ops' },
  'sg-miner': { Name: 'default' },
  'i-ci-1': { Env: 'ci' },
  'i-ci-2': { Env: 'ci' },
  'i-miner': {},
};
const tags = (ref: { id: string }) => TAGS[ref.id];

function finding(resources: string[], extra: Partial<Finding> = {}): Finding {
  return {
    id: 'f', detector: 'sg-open-ingress', severity: 'critical', title: 't', account: '111122223333', region: 'us-east-1',
    resources: resources.map((id) => ({ type: id.startsWith('sg-') ? 'AWS::EC2::SecurityGroup' : 'AWS::EC2::Instance', id })), evidence: {}, ...extra,
  };
}

describe('mute rules', () => {
  const cases: { name: string; rule: MuteRule; finding: Finding; muted: boolean }[] = [
    { name: 'by detector', rule: { detector: 'sg-open-ingress', reason: 'r' }, finding: finding(['sg-bastion']), muted: true },
    { name: 'detector glob', rule: { detector: 'sg-*', reason: 'r' }, finding: finding(['sg-bastion']), muted: true },
    { name: 'another detector', rule: { detector: 'fleet-spinup', reason: 'r' }, finding: finding(['sg-bastion']), muted: false },
    { name: 'by resource', rule: { resource: 'sg-bastion', reason: 'r' }, finding: finding(['sg-bastion']), muted: true },
    { name: 'resource rule does not hide a miner next to the bastion', rule: { resource: 'sg-bastion', reason: 'r' }, finding: finding(['sg-bastion', 'sg-miner']), muted: false },
    { name: 'by tag', rule: { tags: { Role: 'bastion' }, reason: 'r' }, finding: finding(['sg-bastion']), muted: true },
    { name: 'tag value glob on every instance', rule: { tags: { Env: 'c*' }, reason: 'r' }, finding: finding(['i-ci-1', 'i-ci-2'], { detector: 'cpu-sustained' }), muted: true },
    { name: 'tag rule with an untagged instance among them', rule: { tags: { Env: 'ci' }, reason: 'r' }, finding: finding(['i-ci-1', 'i-miner'], { detector: 'cpu-sustained' }), muted: false },
    { name: 'a finding without resources is not muted by a resource rule', rule: { resource: '*', reason: 'r' }, finding: finding([], { detector: 'bill-spike' }), muted: false },
    { name: 'region and account', rule: { region: 'us-east-*', account: '111122223333', reason: 'r' }, finding: finding(['sg-bastion']), muted: true },
    { name: 'other region', rule: { region: 'eu-*', reason: 'r' }, finding: finding(['sg-bastion']), muted: false },
    { name: 'expired', rule: { detector: 'sg-open-ingress', reason: 'r', expires: '2026-11-26' }, finding: finding(['sg-bastion']), muted: false },
    { name: 'expires later today: still muting', rule: { detector: 'sg-open-ingress', reason: 'r', expires: '2026-11-27' }, finding: finding(['sg-bastion']), muted: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(mutingRule([c.rule], c.finding, NOW, tags) !== undefined).toBe(c.muted);
    });
  }

  it('globs are anchored and escape regex characters', () => {
    expect(globMatch('i-0*', 'i-0abc')).toBe(true);
    expect(globMatch('i-0', 'i-0abc')).toBe(false);
    expect(globMatch('a.b', 'axb')).toBe(false);
    expect(globMatch('arn:aws:iam::*:user/ci-?', 'arn:aws:iam::1:user/ci-7')).toBe(true);
  });
});

describe('mutelist config', () => {
  it('rejects a rule without a reason, naming where', async () => {
    const config = await loadConfig();
    const bad = { ...config, mutelist: [{ detector: 'sg-open-ingress' }] };
    expect(() => validateConfig(bad, 'rigwatch.yaml')).toThrow(InputError);
    expect(() => validateConfig(bad, 'rigwatch.yaml')).toThrow(/mutelist\[0\]\.reason|mutelist\.0\.reason/);
  });

  it('rejects a rule that names nothing, and a bad expiry', async () => {
    const config = await loadConfig();
    expect(() => validateConfig({ ...config, mutelist: [{ reason: 'everything' }] }, 'c.yaml')).toThrow(/at least one of/);
    expect(() => validateConfig({ ...config, mutelist: [{ detector: 'x', reason: 'r', expires: 'next week' }] }, 'c.yaml')).toThrow(/expires/);
  });
});
