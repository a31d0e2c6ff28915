// Simulated GuardDuty: detectors and findings per Region from scenario.guardduty. Findings are
// GuardDuty Finding objects as the SDK returns them (PascalCase members, timestamps as strings);
// FindingCriteria fields use the API's dotted camelCase names ("service.archived", "severity",
// "resource.instanceDetails.instanceId") and are resolved against the finding case-insensitively.

import type {
  Condition,
  Finding,
  GetDetectorRequest,
  GetDetectorResponse,
  GetFindingsRequest,
  GetFindingsResponse,
  ListDetectorsRequest,
  ListDetectorsResponse,
  ListFindingsRequest,
  ListFindingsResponse,
  SortCriteria,
} from '@aws-sdk/client-guardduty';
import type { ScenarioGuardDuty } from '../../scenario/types.js';
import { PAGE_LIMITS } from '../limits.js';
import { decodeToken, encodeToken, queryFingerprint, queryOf } from '../next-token.js';
import { AwsError, type SimContext, type SimulatedService } from '../types.js';

type Detector = NonNullable<ScenarioGuardDuty['detectors']>[number] & Record<string, unknown>;
type ScenarioFinding = Record<string, unknown>;

const DAY_MS = 24 * 3600 * 1000;

function detectorsIn(ctx: SimContext): Detector[] {
  return (ctx.account.scenario.guardduty?.detectors ?? []).filter((d) => d.Region === ctx.region) as Detector[];
}

function createdAt(detector: Detector, now: number): string {
  return typeof detector.CreatedAt === 'string' ? detector.CreatedAt : new Date(now - 365 * DAY_MS).toISOString();
}

function requireDetector(ctx: SimContext, detectorId: string | undefined): Detector {
  const detector = detectorsIn(ctx).find((d) => d.DetectorId === detectorId && Date.parse(createdAt(d, ctx.account.now)) <= ctx.account.now);
  if (!detector) {
    throw new AwsError('BadRequestException', 'The request is rejected because the input detectorId is not owned by the current account.');
  }
  return detector;
}

function pageSize(ctx: SimContext, maxResults: number | undefined): number {
  const { min, max } = PAGE_LIMITS.guardDuty;
  const size = maxResults ?? max;
  if (!Number.isInteger(size) || size < min || (ctx.simulation.enforceLimits && size > max)) {
    throw new AwsError('BadRequestException', `The request is rejected because the parameter maxResults must be between ${min} and ${max}.`);
  }
  return size;
}

function paginate<T>(ctx: SimContext, operation: string, input: object, items: T[], size: number): { page: T[]; NextToken?: string } {
  const fingerprint = queryFingerprint({ operation, account: ctx.account.id, region: ctx.region, query: queryOf(input as Record<string, unknown>, {}) });
  const token = (input as { NextToken?: string }).NextToken;
  let offset = 0;
  if (token) {
    const position = decodeToken(token, fingerprint);
    if (typeof position !== 'number') throw new AwsError('BadRequestException', 'The request is rejected because the input nextToken is not valid.');
    offset = position;
  }
  const end = offset + size;
  return end < items.length ? { page: items.slice(offset, end), NextToken: encodeToken(end, fingerprint) } : { page: items.slice(offset) };
}

function listDetectors(ctx: SimContext, input: ListDetectorsRequest): ListDetectorsResponse {
  const size = pageSize(ctx, input.MaxResults);
  const ids = detectorsIn(ctx)
    .filter((d) => Date.parse(createdAt(d, ctx.account.now)) <= ctx.account.now)
    .map((d) => d.DetectorId);
  const { page, NextToken } = paginate(ctx, 'ListDetectors', input, ids, size);
  return NextToken ? { DetectorIds: page, NextToken } : { DetectorIds: page };
}

function getDetector(ctx: SimContext, input: GetDetectorRequest): GetDetectorResponse {
  const detector = requireDetector(ctx, input.DetectorId);
  const created = createdAt(detector, ctx.account.now);
  return {
    CreatedAt: created,
    UpdatedAt: typeof detector.UpdatedAt === 'string' ? detector.UpdatedAt : created,
    FindingPublishingFrequency: (typeof detector.FindingPublishingFrequency === 'string' ? detector.FindingPublishingFrequency : 'SIX_HOURS') as GetDetectorResponse['FindingPublishingFrequency'],
    ServiceRole: `arn:aws:iam::${ctx.account.id}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`,
    Status: detector.Status,
    Tags: {},
  };
}

// --- Findings ----------------------------------------------------------------------------------

/** The values at a dotted field path, matching member names case-insensitively, through arrays. */
function valuesAt(value: unknown, path: string[]): unknown[] {
  if (path.length === 0) return Array.isArray(value) ? value : [value];
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, path));
  if (!value || typeof value !== 'object') return [];
  const [head, ...rest] = path as [string, ...string[]];
  const key = Object.keys(value).find((k) => k.toLowerCase() === head.toLowerCase());
  return key === undefined ? [] : valuesAt((value as Record<string, unknown>)[key], rest);
}

function comparable(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const n = Number(value);
    return Number.isNaN(n) ? Date.parse(value) : n;
  }
  return Number.NaN;
}

function matchesCondition(finding: ScenarioFinding, field: string, condition: Condition): boolean {
  const values = valuesAt(finding, field.split('.'));
  const strings = values.map((v) => String(v));
  const numbers = values.map(comparable);
  const eq = condition.Equals ?? condition.Eq;
  const neq = condition.NotEquals ?? condition.Neq;
  if (eq && !eq.some((e) => strings.includes(e))) return false;
  if (neq && neq.some((e) => strings.includes(e))) return false;
  const bounds: [number | undefined, (a: number, b: number) => boolean][] = [
    [condition.GreaterThan ?? condition.Gt, (a, b) => a > b],
    [condition.GreaterThanOrEqual ?? condition.Gte, (a, b) => a >= b],
    [condition.LessThan ?? condition.Lt, (a, b) => a < b],
    [condition.LessThanOrEqual ?? condition.Lte, (a, b) => a <= b],
  ];
  return bounds.every(([bound, test]) => bound === undefined || numbers.some((n) => test(n, bound)));
}

function sortFindings(findings: ScenarioFinding[], sort: SortCriteria | undefined): ScenarioFinding[] {
  if (!sort?.AttributeName) return findings;
  const path = sort.AttributeName.split('.');
  const direction = sort.OrderBy === 'DESC' ? -1 : 1;
  const keyOf = (f: ScenarioFinding) => valuesAt(f, path)[0];
  return [...findings].sort((a, b) => {
    const x = keyOf(a);
    const y = keyOf(b);
    const nx = comparable(x);
    const ny = comparable(y);
    const order = !Number.isNaN(nx) && !Number.isNaN(ny) ? nx - ny : String(x ?? '').localeCompare(String(y ?? ''));
    return order * direction;
  });
}

/** The detector's findings that exist at `now`. */
function findingsOf(ctx: SimContext, detector: Detector): ScenarioFinding[] {
  return (ctx.account.scenario.guardduty?.findings ?? []).filter((f) => {
    if (f.Region !== undefined && f.Region !== ctx.region) return false;
    const ownerDetector = valuesAt(f, ['Service', 'DetectorId'])[0];
    if (ownerDetector !== undefined && ownerDetector !== detector.DetectorId) return false;
    return typeof f.CreatedAt !== 'string' || Date.parse(f.CreatedAt) <= ctx.account.now;
  });
}

function listFindings(ctx: SimContext, input: ListFindingsRequest): ListFindingsResponse {
  const detector = requireDetector(ctx, input.DetectorId);
  const size = pageSize(ctx, input.MaxResults);
  const criteria = Object.entries(input.FindingCriteria?.Criterion ?? {});
  const matching = findingsOf(ctx, detector).filter((f) => criteria.every(([field, condition]) => matchesCondition(f, field, condition)));
  const ids = sortFindings(matching, input.SortCriteria).map((f) => String(f.Id));
  const { page, NextToken } = paginate(ctx, 'ListFindings', input, ids, size);
  return NextToken ? { FindingIds: page, NextToken } : { FindingIds: page };
}

function getFindings(ctx: SimContext, input: GetFindingsRequest): GetFindingsResponse {
  const detector = requireDetector(ctx, input.DetectorId);
  const ids = input.FindingIds ?? [];
  if (ids.length > PAGE_LIMITS.guardDuty.max) {
    throw new AwsError('BadRequestException', `The request is rejected because the findingIds list has more than ${PAGE_LIMITS.guardDuty.max} items.`);
  }
  const byId = new Map(findingsOf(ctx, detector).map((f) => [String(f.Id), f]));
  const found = ids.map((id) => byId.get(id)).filter((f): f is ScenarioFinding => f !== undefined);
  return { Findings: sortFindings(found, input.SortCriteria).map((f) => structuredClone(f) as unknown as Finding) };
}

export const guardDutyService: SimulatedService = {
  service: 'guardduty',
  clientName: 'GuardDutyClient',
  operations: {
    ListDetectors: listDetectors,
    GetDetector: getDetector,
    ListFindings: listFindings,
    GetFindings: getFindings,
  },
};
