// The error helpers in src/engine/errors.ts, tested here because the scenario loader is their first user.

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InputError, RigwatchError, formatJsonPath, parseInput, zodIssuesToInputError } from '../../src/engine/errors.js';
import { inputErrorOf } from '../scenario/fixtures.js';

describe('formatJsonPath', () => {
  it.each<[PropertyKey[], string]>([
    [[], ''],
    [['now'], 'now'],
    [['ec2', 'instances', 3, 'LaunchTime'], 'ec2.instances[3].LaunchTime'],
    [[0, 'a'], '[0].a'],
    [['detectors', 'fleet-spinup', 'minInstances'], 'detectors.fleet-spinup.minInstances'],
    [['latencyMs', 'cloudtrail:LookupEvents'], 'latencyMs.cloudtrail:LookupEvents'],
    [['tags', 'a.b'], 'tags["a.b"]'],
    [['tags', 'two words'], 'tags["two words"]'],
    [['tags', ''], 'tags[""]'],
  ])('%j → %s', (path, text) => {
    expect(formatJsonPath(path)).toBe(text);
  });
});

describe('InputError', () => {
  it.each<[ConstructorParameters<typeof InputError>[1], string]>([
    [{}, 'not a number'],
    [{ file: 'scenario.yaml' }, 'scenario.yaml: not a number'],
    [{ file: 'scenario.yaml', path: 'costs.daily[0].amounts[2]' }, 'scenario.yaml: costs.daily[0].amounts[2]: not a number'],
    [{ path: 'costs.daily[0].amounts[2]' }, 'costs.daily[0].amounts[2]: not a number'],
  ])('with %j reads "%s"', (options, message) => {
    const error = new InputError('not a number', options);
    expect(error.message).toBe(message);
    expect(error).toBeInstanceOf(RigwatchError);
    expect(error.name).toBe('InputError');
    expect(error.exitCode).toBe(2);
  });

  it('carries its cause', () => {
    const cause = new SyntaxError('Unexpected token');
    expect(new InputError('invalid JSON', { cause }).cause).toBe(cause);
  });
});

describe('zodIssuesToInputError and parseInput', () => {
  const schema = z.strictObject({
    port: z.number(),
    name: z.string().min(1),
    mode: z.enum(['audit', 'remediate']).optional(),
    tags: z.array(z.string()).optional(),
  });

  it.each<[unknown, string]>([
    [{ name: 'x' }, 'config.yaml: port: required'],
    [{ port: '22', name: 'x' }, 'config.yaml: port: expected a number, got string'],
    [{ port: 22, name: '' }, 'config.yaml: name: must not be empty'],
    [{ port: 22, name: 'x', mode: 'fix' }, 'config.yaml: mode: expected one of "audit", "remediate", got "fix"'],
    [{ port: 22, name: 'x', tags: [1] }, 'config.yaml: tags[0]: expected a string, got number'],
    [{ port: 22, name: 'x', prot: 1 }, 'config.yaml: unknown key "prot"'],
    [null, 'config.yaml: expected an object, got null'],
    [{}, 'config.yaml: 2 problems:\n  port: required\n  name: required'],
  ])('%j → %s', async (value, message) => {
    const error = await inputErrorOf(() => parseInput(schema, value, 'config.yaml'));
    expect(error.message).toBe(message);
  });

  it('keeps zod messages when the parse used no readable error map', () => {
    const result = schema.safeParse({ port: 22, name: 'x', extra: true });
    expect(result.success).toBe(false);
    const error = zodIssuesToInputError(undefined, result.error!);
    expect(error.message).toMatch(/^Unrecognized key: "extra"/);
    expect(error.issues).toHaveLength(1);
  });
});
