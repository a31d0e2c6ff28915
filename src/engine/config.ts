// Configuration: the defaults in config/ (default.yaml, detectors.yaml, remediation.yaml) merged
// with a user's --config file, validated as a whole. Each detector's section is validated by
// that detector's own options schema, each remediation action's by the action's.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYamlText } from 'yaml';
import { z } from 'zod';
import { DETECTORS } from '../detectors/index.js';
import { SEVERITIES, type DetectorId } from '../detectors/types.js';
import { remediationConfigSchema, type RemediationConfig } from '../remediation/planner.js';
import { InputError, parseInput } from './errors.js';
import { mergeDeep } from '../domain/merge-deep.js';
import { mutelistSchema } from './mutelist.js';
import { notifyConfigSchema } from '../notify/channels.js';

/** The defaults' directory: config/ in a checkout; the Lambda bundle ships its copy and points RIGWATCH_CONFIG_DIR at it. */
const configDir = (): string => {
  const dir = process.env.RIGWATCH_CONFIG_DIR ?? fileURLToPath(new URL('../../config/', import.meta.url));
  return dir.endsWith('/') ? dir : `${dir}/`;
};

const settingsSchema = z.strictObject({
  audit: z.strictObject({
    since: z.string().min(1),
    failOn: z.enum(SEVERITIES),
  }),
  collection: z.strictObject({
    cloudtrailBaselineDays: z.number().int().min(0).max(89),
    metrics: z.strictObject({
      periodSeconds: z.number().int().positive().multipleOf(60),
      lookbackHours: z.number().positive().max(24 * 63),
    }),
    costs: z.strictObject({ baselineDays: z.number().int().min(7).max(365) }),
    userData: z.strictObject({ enabled: z.boolean(), maxBytes: z.number().int().positive() }),
    guardduty: z.strictObject({ enabled: z.boolean() }),
    concurrency: z.number().int().min(1).max(64),
    incremental: z.strictObject({
      cloudtrailOverlapMinutes: z.number().int().min(0).max(24 * 60),
      metricsOverlapMinutes: z.number().int().min(0).max(24 * 60),
      inventoryMaxAgeMinutes: z.number().int().min(0),
      costRefreshMinutes: z.number().int().min(0),
      costRestateDays: z.number().int().min(1).max(31),
      anomalyRefreshMinutes: z.number().int().min(0),
    }),
  }),
  state: z.strictObject({
    resolvedRetentionDays: z.number().int().min(0),
  }),
  mutelist: mutelistSchema,
  notify: notifyConfigSchema,
});

export type Settings = z.infer<typeof settingsSchema>;

export interface Config extends Settings {
  detectors: Record<DetectorId, { enabled: boolean } & Record<string, unknown>>;
  remediation: RemediationConfig;
}

/** Loads the defaults, overlays `file` when given, and validates the result. */
export async function loadConfig(file?: string): Promise<Config> {
  const user = file ? parseYaml(await readText(file), file) : {};
  return validateConfig(mergeDeep(await defaults(), user), file);
}

/** The defaults overlaid with config given as text (YAML or JSON), named `label` in messages: an environment variable, an SSM parameter. */
export async function loadConfigText(text: string, label: string): Promise<Config> {
  return validateConfig(mergeDeep(await defaults(), parseYaml(text, label)), label);
}

async function defaults(): Promise<Record<string, unknown>> {
  const dir = configDir();
  return mergeDeep(
    await readYaml(`${dir}default.yaml`),
    { detectors: await readYaml(`${dir}detectors.yaml`), remediation: await readYaml(`${dir}remediation.yaml`) },
  );
}

export function validateConfig(value: unknown, file?: string): Config {
  const schema = settingsSchema.extend({
    detectors: z.strictObject(Object.fromEntries(DETECTORS.map((d) => [d.meta.id, d.options]))),
    remediation: remediationConfigSchema,
  });
  return parseInput(schema, value ?? {}, file ?? 'config') as Config;
}

async function readYaml(file: string): Promise<Record<string, unknown>> {
  return parseYaml(await readText(file), file);
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read config: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { file, cause: error });
  }
}

function parseYaml(text: string, file: string): Record<string, unknown> {
  try {
    const value: unknown = parseYamlText(text) ?? {};
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error('the top level must be a mapping');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new InputError((error as Error).message.split('\n')[0] ?? 'not YAML', { file, cause: error });
  }
}
