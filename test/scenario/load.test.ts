import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import { ACCOUNT_ID, baseScenario, inputErrorOf, scenarioWith, useTempDir } from './fixtures.js';

const tmp = useTempDir();

// CI runs in a fresh clone with shared/ copied beside it.
const EXAMPLE = path.resolve(process.cwd(), '../shared/scenario/examples/minimal.yaml');
const HAVE_EXAMPLE = existsSync(EXAMPLE);

describe('loadScenarioFile: valid files', () => {
  it.skipIf(!HAVE_EXAMPLE)(
    HAVE_EXAMPLE ? 'loads shared/scenario/examples/minimal.yaml' : `loads the shared example (skipped: ${EXAMPLE} is absent)`,
    async () => {
      const scenario = await loadScenarioFile(EXAMPLE);
      expect(scenario.name).toBe('minimal');
      expect(scenario.account?.id).toBe(ACCOUNT_ID);
      expect(scenario.ec2?.instances?.map((instance) => instance.InstanceId)).toHaveLength(3);
      expect(scenario.cloudtrail?.events?.[1]?.requestParameters).toMatchObject({ userData: '<sensitiveDataRemoved>' });
    },
  );

  const expected = parseScenario(baseScenario(), 'fixture');
  it.each(['scenario.json', 'scenario.yaml', 'scenario.yml', 'scenario.json.gz', 'scenario.yaml.gz', 'scenario.yml.gz'])(
    'loads the same scenario from %s',
    async (name) => {
      const file = await tmp.write(name, baseScenario());
      expect(await loadScenarioFile(file)).toEqual(expected);
    },
  );

  it('reads unquoted YAML timestamps and dates as written and a numeric account id as a string', async () => {
    const file = await tmp.write(
      'unquoted.yaml',
      [
        'format: rigwatch-scenario/1',
        'name: unquoted',
        'now: 2026-03-10T12:00:00Z',
        'account: { id: 123456789012 }',
        'ec2:',
        '  instances:',
        '    - { InstanceId: i-1, InstanceType: m5.large, LaunchTime: 2026-03-01T08:00:00Z, State: { Name: running }, Region: us-east-1 }',
        'costs:',
        '  lineItems: [{ date: 2026-03-09, service: EC2, amount: 1.5 }]',
      ].join('\n'),
    );
    const scenario = await loadScenarioFile(file);
    expect(scenario.account?.id).toBe(ACCOUNT_ID);
    expect(scenario.now).toBe('2026-03-10T12:00:00Z');
    expect(scenario.ec2?.instances?.[0]?.LaunchTime).toBe('2026-03-01T08:00:00Z');
    expect(scenario.costs?.lineItems?.[0]?.date).toBe('2026-03-09');
  });

  it('replaces members given as paths with the accounts in those files', async () => {
    const member = { account: { id: '210987654321' }, ec2: { instances: [baseScenario().ec2.instances[0]] } };
    await tmp.write('org/members/dev.yaml', member);
    const file = await tmp.write('org/org.json', {
      ...baseScenario(),
      account: undefined,
      organization: { id: 'o-abcdefghij', managementAccountId: ACCOUNT_ID },
      members: [{ account: { id: ACCOUNT_ID } }, 'members/dev.yaml'],
    });
    const scenario = await loadScenarioFile(file);
    expect(scenario.members).toEqual([{ account: { id: ACCOUNT_ID } }, member]);
  });
});

interface InvalidCase {
  name: string;
  file: string;
  content: unknown;
  /** The message after `<file>: `. */
  message: string;
}

const invalid: InvalidCase[] = [
  {
    name: 'a LaunchTime that is not a timestamp',
    file: 'bad-launch-time.yaml',
    content: scenarioWith((s) => { s.ec2.instances[1]!.LaunchTime = '10/03/2026 06:05'; }),
    message: 'ec2.instances[1].LaunchTime: not an ISO-8601 timestamp',
  },
  {
    name: 'an instance without InstanceId',
    file: 'no-instance-id.json',
    content: scenarioWith((s) => { delete (s.ec2.instances[0] as Partial<(typeof s.ec2.instances)[0]>).InstanceId; }),
    message: 'ec2.instances[0].InstanceId: required',
  },
  {
    name: 'another format version',
    file: 'v2.json',
    content: scenarioWith((s) => { s.format = 'rigwatch-scenario/2'; }),
    message: 'format: unsupported format "rigwatch-scenario/2": this rigwatch reads "rigwatch-scenario/1"',
  },
  {
    name: 'an unknown top-level key',
    file: 'typo.yaml',
    content: scenarioWith((s) => { s.cloudtrial = {}; }),
    message: 'unknown key "cloudtrial"',
  },
  {
    name: 'an instance in a region missing from regions',
    file: 'region.yaml',
    content: scenarioWith((s) => { s.ec2.instances[1]!.Region = 'ap-southeast-1'; }),
    message: 'ec2.instances[1].Region: region "ap-southeast-1" is not in regions',
  },
  {
    name: 'a duplicate CloudTrail eventID',
    file: 'duplicate-event.json.gz',
    content: scenarioWith((s) => { s.cloudtrail.events[1]!.eventID = s.cloudtrail.events[0]!.eventID; }),
    message: 'cloudtrail.events[1].eventID: duplicate eventID "0f0e0d0c-0001-4000-8000-000000000001" (first at [0])',
  },
  {
    name: 'a cost date that does not exist',
    file: 'cost-date.yaml',
    content: scenarioWith((s) => { s.costs.lineItems[1]!.date = '2026-02-30'; }),
    message: 'costs.lineItems[1].date: not a YYYY-MM-DD date',
  },
  {
    name: 'a fault without its error',
    file: 'fault.yaml',
    content: scenarioWith((s) => { delete (s.simulation.faults[0] as { error?: string }).error; }),
    message: 'simulation.faults[0].error: required',
  },
  {
    name: 'a fault repeated zero times',
    file: 'fault-times.yaml',
    content: scenarioWith((s) => { s.simulation.faults[0]!.times = 0; }),
    message: 'simulation.faults[0].times: must be greater than 0',
  },
  {
    name: 'a YAML syntax error',
    file: 'syntax.yaml',
    content: 'format: rigwatch-scenario/1\nname: broken\nnow: [2026-03-10T12:00:00Z\naccount: { id: "123456789012" }\n',
    message: 'invalid YAML at line 4, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
  },
  {
    name: 'a YAML duplicate key',
    file: 'duplicate-key.yml',
    content: 'format: rigwatch-scenario/1\nname: a\nname: b\n',
    message: 'invalid YAML at line 3, column 1: Map keys must be unique',
  },
  {
    name: 'a JSON syntax error that JSON.parse locates',
    file: 'trailing-comma.json',
    content: '{\n  "format": "rigwatch-scenario/1",\n  "name": "x",\n}\n',
    message: 'invalid JSON at line 4, column 1: Expected double-quoted property name',
  },
  {
    name: 'a JSON syntax error that JSON.parse does not locate',
    file: 'missing-value.json',
    content: '{\n  "format": "rigwatch-scenario/1",\n  "name": }\n',
    message: "invalid JSON at line 3, column 11: Unexpected token '}'",
  },
  {
    name: 'truncated JSON',
    file: 'truncated.json',
    content: '{\n  "format": "rigwatch-scenario/1",\n  "name": "x"',
    message: 'invalid JSON at line 3, column 14: Expected \',\' or \'}\' after property value',
  },
  {
    name: 'a gzip file that is not gzip',
    file: 'plain.json.gz',
    content: Buffer.from('{"format": "rigwatch-scenario/1"}'),
    message: 'not valid gzip',
  },
];

describe('loadScenarioFile: invalid files', () => {
  it.each(invalid)('rejects $name', async ({ file: name, content, message }) => {
    const file = await tmp.write(name, content);
    const error = await inputErrorOf(() => loadScenarioFile(file));
    expect(error.message).toBe(`${file}: ${message}`);
    expect(error.file).toBe(file);
    expect(error.exitCode).toBe(2);
  });

  it('rejects a missing file', async () => {
    const file = tmp.path('absent.yaml');
    const error = await inputErrorOf(() => loadScenarioFile(file));
    expect(error.message).toBe(`cannot read ${file}: no such file`);
    expect(error.cause).toMatchObject({ code: 'ENOENT' });
  });

  it('rejects an unknown extension before reading anything', async () => {
    const error = await inputErrorOf(() => loadScenarioFile('scenario.toml'));
    expect(error.message).toBe('scenario.toml: unknown file type; expected one of .json, .json.gz, .yaml, .yaml.gz, .yml, .yml.gz');
  });

  it('names the member and its file for a problem inside a member file', async () => {
    await tmp.write('bad-org/members/dev.yaml', { account: { id: '210987654321' }, ec2: { instances: [{ InstanceType: 'm5.large' }] } });
    const file = await tmp.write('bad-org/org.yaml', {
      ...scenarioWith((s) => { delete (s as { account?: unknown }).account; }),
      members: [{ account: { id: ACCOUNT_ID } }, 'members/dev.yaml', 'members/absent.yaml'],
    });
    const error = await inputErrorOf(() => loadScenarioFile(file));
    expect(error.issues).toEqual([
      'members[1] (members/dev.yaml): ec2.instances[0].InstanceId: required',
      'members[1] (members/dev.yaml): ec2.instances[0].LaunchTime: required',
      'members[1] (members/dev.yaml): ec2.instances[0].State: required',
      'members[1] (members/dev.yaml): ec2.instances[0].Region: required',
      `members[2]: cannot read ${path.join(path.dirname(file), 'members/absent.yaml')}: no such file`,
    ]);
    expect(error.message).toMatch(new RegExp(`^${file}: 5 problems:\n  members\\[1\\] \\(members/dev.yaml\\): ec2`));
  });
});
