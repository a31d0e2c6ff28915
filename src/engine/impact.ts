// The money a finding puts at stake, for notifications: what a bill spike has cost above the
// account's baseline so far (and is projected to over the month), and what the finding's instances
// that are running now burn per hour at on-demand list prices (src/domain/ec2-prices.ts).

import type { Finding } from '../detectors/types.js';
import { hourlyPrice } from '../domain/ec2-prices.js';
import type { AuditData } from '../providers/types.js';
import type { Impact } from '../notify/types.js';

/** The price table is in US dollars. */
const PRICE_CURRENCY = 'USD';

const round = (n: number, places: number): number => Math.round(n * 10 ** places) / 10 ** places;

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * A finding's impact, or undefined when it puts no money at stake that rigwatch can price.
 *
 * - bill-spike: `excess` is the cost above the baseline on the finding's flagged days (the
 *   evidence's `excess`; `windowExcess` when that is absent). The flagged days of the findings one
 *   run emits never overlap, so the excesses of several findings add up without counting a day
 *   twice, which `windowExcess` (every day of the window) would. `projected` is the month's
 *   projection at the current rate less the month at baseline (`evidence.projectedMonth`).
 * - any finding naming AWS::EC2::Instance resources: `hourly` is the on-demand price of those
 *   that are running now in `data.ec2.instances`; `instances` itemises it. Instances of a type or
 *   region without a price are left out; stopped or terminated ones cost nothing per hour.
 *
 * `currency` is the currency the caller reports money in. Without it, a bill spike's money is in
 * its own currency (the evidence's, else the account's cost currency) and instance prices in USD.
 * Nothing is converted: money in another currency than the one asked for is left out.
 */
export function findingImpact(finding: Finding, data: AuditData, currency?: string): Impact | undefined {
  const evidence = record(finding.evidence) ?? {};
  let money: Omit<Impact, 'currency'> = {};
  let moneyCurrency = currency ?? PRICE_CURRENCY;

  if (finding.detector === 'bill-spike') {
    const billCurrency = typeof evidence.currency === 'string' && evidence.currency ? evidence.currency : data.costs.currency || PRICE_CURRENCY;
    if (currency === undefined || currency === billCurrency) {
      moneyCurrency = billCurrency;
      const excess = num(evidence.excess) ?? num(evidence.windowExcess);
      if (excess !== undefined && excess > 0) money.excess = round(excess, 2);
      const projectedMonth = record(evidence.projectedMonth);
      const atRate = num(projectedMonth?.atCurrentRate);
      const atBaseline = num(projectedMonth?.atBaseline);
      if (atRate !== undefined && atBaseline !== undefined && atRate > atBaseline) money.projected = round(atRate - atBaseline, 2);
    }
  }

  const instanceRefs = finding.resources.filter((r) => r.type === 'AWS::EC2::Instance');
  const hasMoney = money.excess !== undefined || money.projected !== undefined;
  if (instanceRefs.length > 0 && (currency ?? PRICE_CURRENCY) === PRICE_CURRENCY && (!hasMoney || moneyCurrency === PRICE_CURRENCY)) {
    const priced = runningPrices(instanceRefs, data);
    const hourly = round(Object.values(priced).reduce((a, b) => a + b, 0), 4);
    if (hourly > 0) {
      money = { ...money, hourly, instances: priced };
      moneyCurrency = PRICE_CURRENCY;
    }
  }

  if (money.hourly === undefined && money.excess === undefined && money.projected === undefined) return undefined;
  return { currency: moneyCurrency, ...money };
}

/** Instance id -> on-demand price per hour, for the referenced instances running now that have a price. */
function runningPrices(refs: { id: string; region?: string }[], data: AuditData): Record<string, number> {
  const running = new Map<string, { region: string; type: string }[]>();
  for (const i of data.ec2.instances) {
    if (i.state !== 'running') continue;
    const list = running.get(i.id) ?? [];
    list.push({ region: i.region, type: i.type });
    running.set(i.id, list);
  }
  const priced: Record<string, number> = {};
  for (const ref of refs) {
    if (Object.hasOwn(priced, ref.id)) continue;
    const instance = running.get(ref.id)?.find((i) => ref.region === undefined || i.region === ref.region);
    const price = instance ? hourlyPrice(instance.type, instance.region) : undefined;
    if (price !== undefined) priced[ref.id] = price;
  }
  return priced;
}
