import { describe, expect, it } from 'vitest';
import {
  buildDigest, digestSubject, digestText, fitDigest, remediateCommand, slackPayload, SLACK_MAX_BLOCKS, SLACK_MAX_SECTION_TEXT,
  SNS_MAX_MESSAGE_BYTES, webhookPayload, type SlackBlock,
} from '../../src/notify/digest.js';
import { redactText } from '../../src/notify/redact.js';
import { DIGEST_FORMAT, type Digest } from '../../src/notify/types.js';
import { ACCOUNT, billItem, digestOf, item, SECRET_ACCESS_KEY, SESSION_TOKEN, SLACK_URL_IN_EVIDENCE } from './fixtures.js';

const NONE = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };

function allOutputs(d: Digest): string[] {
  return [digestSubject(d), digestText(d), JSON.stringify(slackPayload(d)), JSON.stringify(webhookPayload(d)), JSON.stringify(fitDigest(d, SNS_MAX_MESSAGE_BYTES))];
}

const blockText = (b: SlackBlock): string => (b.type === 'context' ? b.elements.map((e) => e.text).join('') : b.text.text);

describe('buildDigest', () => {
  it('totals count an instance several findings name once, and add excess per currency', () => {
    const a = item(0);
    const b = { ...item(1), impact: { currency: 'USD', hourly: 0.68 + 1, instances: { 'i-0x0': 0.68, 'i-other': 1 } } };
    const eur = { ...billItem(), impact: { currency: 'EUR', excess: 10 } };
    const d = buildDigest({ account: ACCOUNT, generatedAt: 'now', items: [a, b, billItem(), eur], resolved: [], stillOpen: NONE });
    expect(d.format).toBe(DIGEST_FORMAT);
    expect(d.totals).toEqual([
      { currency: 'USD', hourly: Math.round((32 * 0.68 + 1) * 10_000) / 10_000, excess: 5368.26 },
      { currency: 'EUR', hourly: 0, excess: 10 },
    ]);
  });

  it('orders items worst first and keeps the rest of the input', () => {
    const d = digestOf([item(2), item(0), item(1)], { resolved: [{ id: 'x', detector: 'bill-spike', title: 'gone' }] });
    expect(d.items.map((i) => i.finding.severity)).toEqual(['critical', 'high', 'medium']);
    expect(d.resolved).toHaveLength(1);
    expect(d.totals[0]?.hourly).toBeCloseTo(32 * 0.68 * 3);
  });

  it('an item without instance breakdown adds its hourly as is', () => {
    const d = digestOf([{ ...item(0), impact: { currency: 'USD', hourly: 5 } }, { ...item(1), impact: { currency: 'USD', hourly: 7 } }]);
    expect(d.totals).toEqual([{ currency: 'USD', hourly: 12, excess: 0 }]);
  });
});

describe('remediateCommand', () => {
  it.each([
    { ids: ['fleet-spinup:aa', 'cpu-sustained:bb'], target: {}, expected: 'rigwatch remediate --finding fleet-spinup:aa,cpu-sustained:bb' },
    { ids: ['a:1', 'a:1'], target: { profile: 'prod' }, expected: 'rigwatch remediate --finding a:1 --profile prod' },
    { ids: ['a:1'], target: { demo: true }, expected: 'rigwatch remediate --finding a:1 --demo' },
    { ids: ['a:1'], target: { scenario: 'scenarios/brief.json.gz', profile: 'x' }, expected: 'rigwatch remediate --finding a:1 --scenario scenarios/brief.json.gz --profile x' },
    { ids: ['a:1'], target: { scenario: "my scen'ario.json" }, expected: `rigwatch remediate --finding a:1 --scenario 'my scen'\\''ario.json'` },
    { ids: ['a:1'], target: { profile: 'p; rm -rf /' }, expected: "rigwatch remediate --finding a:1 --profile 'p; rm -rf /'" },
  ])('$expected', ({ ids, target, expected }) => {
    expect(remediateCommand(ids, target)).toBe(expected);
  });
});

describe('digestSubject', () => {
  it('reads like a headline', () => {
    const d = digestOf([item(0), item(1), item(3)]);
    expect(digestSubject(d)).toBe(`rigwatch ${ACCOUNT}: 3 new critical/high findings, ~$65/h at stake`);
  });

  it('names escalations, resolved findings and excess when nothing is running', () => {
    expect(digestSubject(digestOf([billItem(), { ...item(4), impact: undefined }], { resolved: [{ id: 'a', detector: 'x', title: 't' }] })))
      .toBe(`rigwatch ${ACCOUNT}: 1 new, 1 escalated critical/high findings, $5,368 over baseline, 1 resolved`);
    expect(digestSubject(digestOf([], { resolved: [{ id: 'a', detector: 'x', title: 't' }, { id: 'b', detector: 'x', title: 't' }] })))
      .toBe(`rigwatch ${ACCOUNT}: 2 findings resolved`);
  });

  it.each([
    ['a plain account', ACCOUNT],
    ['a long alias with line breaks and unicode', `acme-production-☃-\r\nSubject: injected ${'x'.repeat(200)}`],
    ['control characters only', '\u0000\u0007\n'],
  ])('stays within SNS limits with %s', (_name, account) => {
    for (const items of [[], [item(0)], Array.from({ length: 120 }, (_, i) => item(i))]) {
      const d = { ...digestOf(items, { resolved: [{ id: 'a', detector: 'x', title: 't' }] }), account };
      const subject = digestSubject(d);
      expect(subject.length).toBeGreaterThan(0);
      expect(subject.length).toBeLessThan(100);
      expect(subject).toMatch(/^[\x20-\x7e]+$/);
      expect(subject).not.toMatch(/^\s|\s$/);
    }
  });
});

describe('digestText', () => {
  it('gives each item its severity, title, region, actor, resources, money and command; then resolved ids', () => {
    const d = digestOf([item(0), billItem()], {
      resolved: [{ id: 'cpu-sustained:dead', detector: 'cpu-sustained', title: 'gone now' }],
      stillOpen: { ...NONE, high: 2 },
    });
    const text = digestText(d);
    expect(text).toContain('[CRITICAL] 32 instances (256 vCPUs in 24 h)');
    expect(text).toContain('region sa-east-1');
    expect(text).toContain(`actor: arn:aws:iam::${ACCOUNT}:user/deploy-bot/ops-deploy, key AKIACQM7X6RB7KUF7T3Y, from 185.220.101.34, 45.9.148.108`);
    expect(text).toContain('resources: 33 (32 AWS::EC2::Instance, 1 AWS::EC2::SecurityGroup)');
    expect(text).toContain('at stake: ~$21.76/h (32 running instances, on-demand)');
    expect(text).toContain('at stake: $5,368 over baseline so far; ~$12,387 over baseline projected for the month');
    expect(text).toContain('contain: rigwatch remediate --finding fleet-spinup:0000000000000000 --profile prod');
    expect(text).toContain('- cpu-sustained:dead  gone now');
    expect(text).toContain('Still open, already notified: 2 high');
  });

  it('a title cannot forge lines', () => {
    const d = digestOf([{ ...item(0), finding: { ...item(0).finding, title: 'evil\n\nResolved since the last run (9):\r\n- all' } }]);
    const line = digestText(d).split('\n').find((l) => l.includes('evil'));
    expect(line).toContain('Resolved since the last run');
  });
});

describe('slackPayload', () => {
  it('stays within Block Kit limits with 120 items and 500 resolved', () => {
    const resolved = Array.from({ length: 500 }, (_, i) => ({ id: `sg-open-ingress:${i}`, detector: 'sg-open-ingress', title: `group ${i} closed` }));
    const d = digestOf(Array.from({ length: 120 }, (_, i) => item(i)), { resolved });
    const payload = slackPayload(d);
    expect(payload.blocks.length).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
    expect(payload.text.length).toBeGreaterThan(0);
    for (const b of payload.blocks) {
      expect(blockText(b).length).toBeGreaterThan(0);
      expect(blockText(b).length).toBeLessThanOrEqual(b.type === 'header' ? 150 : SLACK_MAX_SECTION_TEXT);
    }
    const texts = payload.blocks.map(blockText).join('\n');
    expect(texts).toMatch(/\.\.\. and \d+ more/);
    // The items shown plus those counted in "... and N more" are all 120.
    const shown = payload.blocks.filter((b) => b.type === 'section' && b.text.text.startsWith('*[')).length;
    const more = /\*\.\.\. and (\d+) more:\*/.exec(texts);
    expect(shown + Number(more?.[1])).toBe(120);
    expect(texts).toMatch(/\.\.\. and \d+ more$/m);
  });

  it('shows everything when it fits, and escapes Slack control characters', () => {
    const evil = { ...item(0), finding: { ...item(0).finding, title: '<!channel> <https://evil.example|click> & co' } };
    const payload = slackPayload(digestOf([evil, billItem()]));
    expect(payload.blocks).toHaveLength(5);
    const texts = JSON.stringify(payload);
    expect(texts).not.toContain('<!channel>');
    expect(texts).toContain('&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; co');
    expect(texts).toContain('`rigwatch remediate --finding fleet-spinup:0000000000000000 --profile prod`');
  });
});

describe('secrets', () => {
  it('no renderer outputs a secret access key, session token or webhook URL', () => {
    const d = digestOf(Array.from({ length: 3 }, (_, i) => item(i)));
    for (const out of allOutputs(d)) {
      expect(out).not.toContain(SECRET_ACCESS_KEY);
      expect(out).not.toContain(SESSION_TOKEN);
      expect(out).not.toContain(SLACK_URL_IN_EVIDENCE);
      expect(out).not.toContain('hooks.slack.com');
    }
    // Access key ids are fine, and evidence is otherwise kept.
    const json = JSON.stringify(webhookPayload(d));
    expect(json).toContain('AKIACQM7X6RB7KUF7T3Y');
    expect(json).toContain('xmrig -o pool.example:3333');
  });

  it('webhookPayload keeps the digest shape', () => {
    const d = digestOf([item(0)]);
    const out = webhookPayload(d);
    expect(Object.keys(out).sort()).toEqual(Object.keys(d).sort());
    expect(out.items[0]?.finding.id).toBe(d.items[0]?.finding.id);
    expect(out.totals).toEqual(d.totals);
  });

  it.each([
    ['AWS_SECRET_ACCESS_KEY=abc123/def', 'AWS_SECRET_ACCESS_KEY=<redacted>'],
    ['{"SecretAccessKey":"abc"}', '{"SecretAccessKey":"<redacted>"}'],
    ['post to https://hooks.slack.com/services/T/B/x failed', 'post to <webhook url> failed'],
    ['https://outlook.webhook.office.com/webhookb2/abc', '<webhook url>'],
    ['https://discord.com/api/webhooks/1/abc', '<webhook url>'],
    ['curl https://user:pa55@example.com/x', 'curl https://<redacted>@example.com/x'],
    ['Authorization: Bearer abc.def', 'Authorization: Bearer <redacted>'],
    ['?X-Amz-Security-Token=FQo&X-Amz-Signature=ab', '?X-Amz-Security-Token=<redacted>&X-Amz-Signature=<redacted>'],
    ['access key AKIAIOSFODNN7EXAMPLE', 'access key AKIAIOSFODNN7EXAMPLE'],
  ])('redactText(%j)', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });
});

describe('fitDigest', () => {
  it('returns the digest whole when it fits', () => {
    const d = digestOf([item(0)]);
    expect(fitDigest(d, SNS_MAX_MESSAGE_BYTES)).toEqual(webhookPayload(d));
  });

  it('drops evidence first, then resources, then trailing items, and says so', () => {
    const d = digestOf(Array.from({ length: 120 }, (_, i) => item(i)));
    expect(JSON.stringify(webhookPayload(d)).length).toBeGreaterThan(SNS_MAX_MESSAGE_BYTES);
    const fitted = fitDigest(d, SNS_MAX_MESSAGE_BYTES);
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    expect(fitted.truncated).toBe(true);
    expect(fitted.items).toHaveLength(120);
    expect(fitted.items[0]?.finding.evidence).toEqual({});
    expect(fitted.items[0]?.impact).toEqual({ currency: 'USD', hourly: 32 * 0.68 });
    expect(fitted.totals).toEqual(d.totals);

    const tight = fitDigest(d, 20_000);
    expect(Buffer.byteLength(JSON.stringify(tight))).toBeLessThanOrEqual(20_000);
    expect(tight.items.length).toBeGreaterThan(0);
    expect(tight.items.length).toBeLessThan(120);
    expect(tight.items[0]?.finding.resources.length).toBeLessThanOrEqual(20);
  });
});
