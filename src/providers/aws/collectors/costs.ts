// Cost Explorer: daily unblended cost for the baseline period and the window, in two queries —
// by service and region, and EC2 compute by region and usage type. Every request (every page)
// costs $0.01, so rigwatch asks exactly these and counts them.

import { GetCostAndUsageCommand, type GetCostAndUsageCommandInput, type GroupDefinition } from '@aws-sdk/client-cost-explorer';
import type { CostData, CostRow } from '../../types.js';
import type { CollectContext } from '../collector.js';

export const PERMISSIONS = ['ce:GetCostAndUsage'] as const;

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
