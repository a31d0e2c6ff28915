// The build refuses a detector without docs, tests and defaults (STYLE.md, after ESLint's rules).

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { DETECTORS, detectorById } from '../../src/detectors/index.js';
import { DETECTOR_IDS } from '../../src/detectors/types.js';
import { emptyAccount, instance, rule, securityGroup } from './fixtures.js';

const root = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const defaults = parse(readFileSync(root('config/detectors.yaml'), 'utf8')) as Record<string, unknown>;

/** Option paths (a.b.c) that carry no description, walking nested objects through defaults. */
function undescribed(schema: unknown, path = ''): string[] {
  const s = schema as { description?: string; _zod: { def: { type: string; innerType?: unknown; shape?: Record<string, unknown> } } };
  const missing = path && !s.description ? [path] : [];
  let inner = s;
  while (inner._zod.def.innerType) inner = inner._zod.def.innerType as typeof s;
  if (inner._zod.def.type !== 'object') return missing;
  return [...missing, ...Object.entries(inner._zod.def.shape ?? {}).flatMap(([key, child]) => undescribed(child, path ? `${path}.${key}` : key))];
}

describe('every detector', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is listed once, in the contract order', () => {
    expect(DETECTORS.map((d) => d.meta.id)).toEqual([...DETECTOR_IDS]);
    for (const id of DETECTOR_IDS) expect(detectorById(id)?.meta.id).toBe(id);
    expect(detectorById('no-such-detector')).toBeUndefined();
  });

  describe.each(DETECTORS.map((d) => [d.meta.id, d] as const))('%s', (id, detector) => {
    it('lives in a file named by its id, with a test file and README docs anchor', () => {
      expect(existsSync(root(`src/detectors/${id}.ts`))).toBe(true);
      expect(existsSync(root(`test/detectors/${id}.test.ts`))).toBe(true);
      expect(detector.meta.docs).toBe(`docs/detectors.md#${id}`);
      expect(readFileSync(root('docs/detectors.md'), 'utf8')).toContain(`\n## ${id}\n`);
      expect(detector.meta.title.length).toBeGreaterThan(0);
      expect(detector.meta.description.length).toBeGreaterThan(80);
      expect(detector.meta.sources.length).toBeGreaterThan(0);
    });

    it('has a default config section that its options schema accepts, equal to the schema defaults', () => {
      const section = defaults[id];
      expect(section).toBeDefined();
      const parsed = detector.options.safeParse(section);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(parsed.data).toEqual(detector.options.parse({}));
      expect((parsed.data as { enabled: unknown }).enabled).toBe(true);
    });

    it('rejects unknown options and describes every option', () => {
      expect(detector.options.safeParse({ enabled: true, noSuchOption: 1 }).success).toBe(false);
      expect(undescribed(detector.options)).toEqual([]);
    });

    it('declares the CloudTrail events it reads with their service', () => {
      for (const e of detector.meta.cloudtrailEvents ?? []) expect(e.eventSource).toMatch(/^[a-z0-9-]+\.amazonaws\.com$/);
    });

    it('is a pure function of the data: no wall clock, same answer twice, nothing on a quiet account', () => {
      vi.spyOn(Date, 'now').mockImplementation(() => {
        throw new Error('detectors use data.now, not Date.now()');
      });
      const quiet = emptyAccount();
      quiet.cloudtrail.trails = [{ name: 'main', homeRegion: 'us-east-1', isMultiRegion: true, isOrganizationTrail: false, isLogging: true }];
      quiet.ec2.instances = [instance({ securityGroups: [{ id: 'sg-web' }] })];
      quiet.ec2.securityGroups = [securityGroup('sg-web', [rule({ fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' })])];
      quiet.guardduty.detectors = [{ region: 'us-east-1', id: 'd1', status: 'ENABLED' }];
      const options = detector.options.parse({});
      expect(detector.detect(quiet, options)).toEqual([]);
      expect(detector.detect(quiet, options)).toEqual(detector.detect(quiet, options));
    });
  });

  it('has no default config section for a detector that does not exist', () => {
    expect(Object.keys(defaults).sort()).toEqual([...DETECTOR_IDS].sort());
  });
});

describe('docs/detectors.md', () => {
  it('is what `npm run docs` generates from the detectors', async () => {
    const { renderDetectorDocs } = await import('../../src/detectors/docs.js');
    expect(readFileSync(root('docs/detectors.md'), 'utf8'), 'docs/detectors.md is stale: run `npm run docs`').toBe(renderDetectorDocs());
  });
});
