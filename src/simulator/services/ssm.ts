// Simulated AWS Systems Manager Parameter Store: GetParameter on scenario.ssm.parameters, each
// {Name, Type, Value, Region, Version?, LastModifiedDate?, DataType?, Labels?}. A parameter dated
// after the scenario's now does not exist yet.
//
// From the GetParameter API reference:
// - Name is the parameter's name or ARN (arn:aws:ssm:<region>:<account>:parameter/<name without
//   its leading slash>), optionally with a selector: `name:<version>` or `name:<label>`.
// - No such parameter (in the client's Region): ParameterNotFound (400). A version selector that
//   names another version: ParameterVersionNotFound (400). An unknown label: ParameterNotFound.
// - An empty or over-long (2048) name: ValidationException, as the service's input validation says.
// - A SecureString without WithDecryption answers the encrypted value: base64 of a KMS
//   ciphertext blob (AQICAH...). The simulated blob is derived from a hash, never from the value,
//   so it reveals nothing. WithDecryption is ignored for String and StringList.
// - Parameter: Name, Type, Value, Version, LastModifiedDate (Date), ARN, DataType ("text" unless
//   the scenario says otherwise), and Selector when one was given.

import { createHash } from 'node:crypto';
import type { GetParameterRequest, GetParameterResult } from '@aws-sdk/client-ssm';
import type { ScenarioSsmParameter } from '../../scenario/types.js';
import { AwsError, type SimContext, type SimulatedService } from '../types.js';

const MAX_NAME_LENGTH = 2048;
const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:([a-z0-9-]+):(\d{12}):parameter\/?(.+)$/;

/** The ARN AWS gives a parameter: a leading slash of the name is not doubled. */
export function parameterArn(region: string, account: string, name: string): string {
  return `arn:aws:ssm:${region}:${account}:parameter/${name.replace(/^\//, '')}`;
}

function parameterNotFound(name: string): AwsError {
  return new AwsError('ParameterNotFound', `Parameter ${name} not found.`, 400);
}

/** A stand-in for the KMS ciphertext blob SSM keeps: base64, starting AQICAH as KMS blobs do. */
function ciphertext(ctx: SimContext, parameter: ScenarioSsmParameter, version: number): string {
  const seed = `${ctx.account.id}/${parameter.Region}/${parameter.Name}/${version}/${parameter.KeyId ?? 'alias/aws/ssm'}`;
  const length = 128 + Buffer.byteLength(parameter.Value, 'utf8');
  const blocks: Buffer[] = [Buffer.from([0x01, 0x02, 0x02, 0x00, 0x78])];
  for (let n = 0; Buffer.concat(blocks).length < length; n++) {
    blocks.push(createHash('sha256').update(`${seed}/${n}`).digest());
  }
  return Buffer.concat(blocks).subarray(0, length).toString('base64');
}

/** Name (or ARN) and selector of a GetParameter Name. Parameter names never contain ':'. */
function parseName(ctx: SimContext, raw: string): { names: string[]; selector?: string } | undefined {
  let name = raw;
  if (raw.startsWith('arn:')) {
    const parts = PARAMETER_ARN.exec(raw);
    if (!parts || parts[1] !== ctx.region || parts[2] !== ctx.account.id) return undefined;
    name = parts[3]!;
  }
  const cut = name.lastIndexOf(':');
  const selector = cut >= 0 ? name.slice(cut + 1) : undefined;
  if (cut >= 0) name = name.slice(0, cut);
  // In an ARN the leading slash of a hierarchical name is dropped.
  const names = raw.startsWith('arn:') && !name.startsWith('/') ? [name, `/${name}`] : [name];
  return selector === undefined ? { names } : { names, selector };
}

function getParameter(ctx: SimContext, input: GetParameterRequest): GetParameterResult {
  const raw = input.Name ?? '';
  if (raw.length < 1 || raw.length > MAX_NAME_LENGTH) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${raw}' at 'name' failed to satisfy constraint: Member must have length ${raw.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_NAME_LENGTH}`}`,
    );
  }
  const parsed = parseName(ctx, raw);
  const parameter = parsed
    && (ctx.account.scenario.ssm?.parameters ?? []).find(
      (p) => p.Region === ctx.region && parsed.names.includes(p.Name) && (p.LastModifiedDate === undefined || Date.parse(p.LastModifiedDate) <= ctx.account.now),
    );
  if (!parsed || !parameter) throw parameterNotFound(raw);
  const version = parameter.Version ?? 1;
  const { selector } = parsed;
  if (selector !== undefined) {
    if (/^\d+$/.test(selector)) {
      if (Number(selector) !== version) {
        throw new AwsError('ParameterVersionNotFound', `Systems Manager could not find version ${selector} of ${parameter.Name}. Verify the version and try again.`, 400);
      }
    } else if (!(Array.isArray(parameter.Labels) && parameter.Labels.includes(selector))) {
      throw parameterNotFound(raw);
    }
  }
  const encrypted = parameter.Type === 'SecureString' && input.WithDecryption !== true;
  return {
    Parameter: {
      Name: parameter.Name,
      Type: parameter.Type,
      Value: encrypted ? ciphertext(ctx, parameter, version) : parameter.Value,
      Version: version,
      ...(selector !== undefined && { Selector: `:${selector}` }),
      LastModifiedDate: new Date(parameter.LastModifiedDate === undefined ? ctx.account.now : Date.parse(parameter.LastModifiedDate)),
      ARN: parameterArn(parameter.Region, ctx.account.id, parameter.Name),
      DataType: parameter.DataType ?? 'text',
    },
  };
}

export const ssmService: SimulatedService = {
  service: 'ssm',
  clientName: 'SSMClient',
  operations: {
    GetParameter: getParameter,
  },
};
