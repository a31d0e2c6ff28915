// Cost Explorer: daily unblended cost for the baseline period and the window, in two queries —
// by service and region, and EC2 compute by region and usage type — and what AWS Cost Anomaly
// Detection reported for the window (GetAnomalies). Every request (every page) costs $0.01, so
// rigwatch asks exactly these and counts them; collect.ts decides when each is asked again.

import { GetAnomaliesCommand, GetCostAndUsageCommand, type Anomaly, type GetCostAndUsageCommandInput, type GroupDefinition } from '@aws-sdk/client-cost-explorer';
import type { AwsCostAnomaly } from '../../../engine/story.js';
import type { CostData, CostRow } from '../../types.js';
import type { CollectContext } from '../collector.js';

export const PERMISSIONS = ['ce:GetCostAndUsage', 'ce:GetAnomalies'] as const;

export const EC2_COMPUTE = 'Amazon Elastic Compute Cloud - Compute';

export const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const DAY = 86_400_000;

export function costRange(ctx: CollectContext): { start: string; end: string } {
  const today = Math.floor(ctx.now / DAY) * DAY;
  const windowDays = Math.ceil((ctx.window.end - ctx.window.start) / DAY);
  // End is exclusive: tomorrow, so today's partial cost is included.
  return { start: isoDay(today - (ctx.settings.costs.baselineDays + windowDays) * DAY), end: isoDay(today + DAY) };
}

/** Daily cost from `from` (YYYY-MM-DD; default the start of costRange) to the end of today. */
export async function collectCosts(ctx: CollectContext, from?: string): Promise<CostData> {
  const range = costRange(ctx);
  const start = from && from > range.start ? from : range.start;
  const end = range.end;
  const client = ctx.clients.costExplorer();
  let currency = 'USD';
  const query = async (groupBy: GroupDefinition[], filter: GetCostAndUsageCommandInput['Filter'], toRow: (keys: string[]) => Omit<CostRow, 'date' | 'amount' | 'estimated'>): Promise<CostRow[]> => {
    const rows: CostRow[] = [];
    let token: string | undefined;
    do {
      const out = await client.send(new GetCostAndUsageCommand({
        TimePeriod: { Start: start, End: end }, Granularity: 'DAILY', Metrics: ['UnblendedCost'], GroupBy: groupBy, Filter: filter, NextPageToken: token,
      }));
      for (const result of out.ResultsByTime ?? []) {
        const date = result.TimePeriod?.Start ?? '';
        for (const g of result.Groups ?? []) {
          const metric = g.Metrics?.UnblendedCost;
          const amount = Number(metric?.Amount ?? 0);
          if (metric?.Unit) currency = metric.Unit;
          if (amount === 0) continue;
          rows.push({ date, amount, estimated: result.Estimated ?? false, ...toRow(g.Keys ?? []) });
        }
      }
      token = out.NextPageToken;
    } while (token);
    return rows;
  };
  const byServiceRegion = await query(
    [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'DIMENSION', Key: 'REGION' }],
    undefined,
    ([service = '', region = '']) => ({ service, region }),
  );
  const ec2ByUsageType = await query(
    [{ Type: 'DIMENSION', Key: 'REGION' }, { Type: 'DIMENSION', Key: 'USAGE_TYPE' }],
    { Dimensions: { Key: 'SERVICE', Values: [EC2_COMPUTE] } },
    ([region = '', usageType = '']) => ({ service: EC2_COMPUTE, region, usageType }),
  );
  return { currency, byServiceRegion, ec2ByUsageType, start, end };
}

/** GetAnomalies answers for the last 90 days only. */
const ANOMALY_RETENTION_DAYS = 90;

/**
 * Cost Anomaly Detection runs about three times a day on billing data that lags by up to a day, so
 * the earliest it can flag an anomaly is about a day after the anomaly's first day. GetAnomalies
 * gives no detection or creation time (only the anomaly's first and last day, and the account's
 * feedback, which has no time either), so `firstFlagged` is this estimate.
 */
export const AWS_ANOMALY_DETECTION_LAG_DAYS = 1;
export const AWS_FIRST_FLAGGED_BASIS =
  'estimated: AnomalyStartDate + 1 day (GetAnomalies gives no detection time; Cost Anomaly Detection runs ~3 times a day on billing data about a day late)';

/**
 * The anomalies AWS Cost Anomaly Detection reported whose last day (first day while still open)
 * lies in the audit window, every monitor, following NextPageToken. Throws what the API throws:
 * AccessDenied without `ce:GetAnomalies`; collect.ts records that as skipped, not as a failed cost source.
 */
export async function collectCostAnomalies(ctx: CollectContext, accountId: string): Promise<AwsCostAnomaly[]> {
  const today = Math.floor(ctx.now / DAY) * DAY;
  const start = isoDay(Math.max(ctx.window.start, today - (ANOMALY_RETENTION_DAYS - 1) * DAY));
  const client = ctx.clients.costExplorer();
  const out: AwsCostAnomaly[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new GetAnomaliesCommand({ DateInterval: { StartDate: start, EndDate: isoDay(today) }, NextPageToken: token }));
    for (const a of page.Anomalies ?? []) out.push(toAwsCostAnomaly(a, accountId));
    token = page.NextPageToken;
  } while (token);
  return out.sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
}

/**
 * One GetAnomalies `Anomaly` as the report carries it: service, region and account from the root
 * cause that contributed most (the monitor's DimensionValue, then the audited account, when it
 * names none), the impact from Impact.TotalImpact (MaxImpact when absent).
 */
export function toAwsCostAnomaly(a: Anomaly, accountId: string): AwsCostAnomaly {
  const causes = [...(a.RootCauses ?? [])].sort((x, y) => (y.Impact?.Contribution ?? 0) - (x.Impact?.Contribution ?? 0));
  const top = causes[0];
  const day = (value: string | undefined) => value?.slice(0, 10);
  const start = day(a.AnomalyStartDate) ?? day(a.AnomalyEndDate) ?? '';
  const end = day(a.AnomalyEndDate);
  const impact = a.Impact?.TotalImpact ?? a.Impact?.MaxImpact ?? 0;
  const service = top?.Service ?? a.DimensionValue;
  return {
    id: a.AnomalyId ?? '',
    start,
    ...(end && { end }),
    ...(start && { firstFlagged: isoDay(Date.parse(`${start}T00:00:00Z`) + AWS_ANOMALY_DETECTION_LAG_DAYS * DAY), firstFlaggedBasis: AWS_FIRST_FLAGGED_BASIS }),
    ...(service && { service }),
    ...(top?.Region && { region: top.Region }),
    account: top?.LinkedAccount ?? accountId,
    ...(top?.UsageType && { usageType: top.UsageType }),
    impact,
    ...(a.Impact?.TotalExpectedSpend !== undefined && { expected: a.Impact.TotalExpectedSpend }),
    ...(a.Impact?.TotalActualSpend !== undefined && { actual: a.Impact.TotalActualSpend }),
    ...(a.MonitorArn && { monitorArn: a.MonitorArn }),
    ...(a.Feedback && { feedback: a.Feedback }),
  };
}
