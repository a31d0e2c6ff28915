// On-demand Linux prices of EC2 instance types, per hour, by region: what a running instance
// burns. The scenario generators price their ledgers with these figures, and notifications use
// them to put a dollar rate on a finding's running instances (src/engine/impact.ts). They are list
// prices without discounts (Savings Plans, reserved instances, spot), so they are an estimate of
// what an attacker's fleet costs, not what the bill will say to the cent.

/** On-demand Linux price per hour in us-east-1 (the figures the scenario generators use). */
export const US_EAST_1_HOURLY: Readonly<Record<string, number>> = {
  't3.micro': 0.0104, 't3.small': 0.0208, 't3.medium': 0.0416, 't3.large': 0.0832, 't3.xlarge': 0.1664,
  'm5.large': 0.096, 'm5.xlarge': 0.192, 'm5.2xlarge': 0.384, 'm5.4xlarge': 0.768,
  'm6i.large': 0.096, 'm6i.xlarge': 0.192, 'm6i.2xlarge': 0.384,
  'c5.large': 0.085, 'c5.xlarge': 0.17, 'c5.2xlarge': 0.34, 'c5.4xlarge': 0.68, 'c5.9xlarge': 1.53,
  'c5a.4xlarge': 0.616, 'c6i.xlarge': 0.17, 'c6i.2xlarge': 0.34,
  'r5.large': 0.126, 'r5.xlarge': 0.252, 'r5.2xlarge': 0.504, 'r5.4xlarge': 1.008,
  'r6i.xlarge': 0.252, 'r6i.2xlarge': 0.504,
};

/**
 * Larger compute sizes and the GPU families miners favour (us-east-1 on-demand Linux list prices).
 * No built-in scenario uses them; they are here so a live account's miners get a price too.
 */
export const US_EAST_1_HOURLY_EXTRA: Readonly<Record<string, number>> = {
  'c5.12xlarge': 2.04, 'c5.18xlarge': 3.06, 'c5.24xlarge': 4.08,
  'c5a.large': 0.077, 'c5a.xlarge': 0.154, 'c5a.2xlarge': 0.308, 'c5a.8xlarge': 1.232, 'c5a.16xlarge': 2.464, 'c5a.24xlarge': 3.696,
  'c6i.large': 0.085, 'c6i.4xlarge': 0.68, 'c6i.8xlarge': 1.36, 'c6i.16xlarge': 2.72, 'c6i.32xlarge': 5.44,
  'm5.8xlarge': 1.536, 'm5.12xlarge': 2.304, 'm5.16xlarge': 3.072, 'm5.24xlarge': 4.608,
  'g4dn.xlarge': 0.526, 'g4dn.2xlarge': 0.752, 'g4dn.4xlarge': 1.204, 'g4dn.8xlarge': 2.176, 'g4dn.12xlarge': 3.912, 'g4dn.16xlarge': 4.352,
  'g5.xlarge': 1.006, 'g5.2xlarge': 1.212, 'g5.4xlarge': 1.624, 'g5.8xlarge': 2.448, 'g5.12xlarge': 5.672, 'g5.16xlarge': 4.096,
  'g5.24xlarge': 8.144, 'g5.48xlarge': 16.288,
  'p3.2xlarge': 3.06, 'p3.8xlarge': 12.24, 'p3.16xlarge': 24.48,
};

/** Regional price relative to us-east-1 (c5.4xlarge's ratio, close for the other families). */
export const REGION_PRICE_FACTOR: Readonly<Record<string, number>> = {
  'us-east-1': 1, 'us-east-2': 1, 'us-west-1': 1.247, 'us-west-2': 1,
  'ap-south-1': 1, 'ap-northeast-1': 1.259, 'ap-northeast-2': 1.129, 'ap-northeast-3': 1.259,
  'ap-southeast-1': 1.153, 'ap-southeast-2': 1.306, 'ca-central-1': 1.094, 'eu-central-1': 1.141,
  'eu-west-1': 1.129, 'eu-west-2': 1.188, 'eu-west-3': 1.188, 'eu-north-1': 1.071, 'sa-east-1': 1.541,
};

const own = (table: Readonly<Record<string, number>>, key: string): number | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;

/** A region's price relative to us-east-1; undefined for a region the table does not know. */
export function regionPriceFactor(region: string): number | undefined {
  return own(REGION_PRICE_FACTOR, region);
}

/** The us-east-1 on-demand Linux price per hour; undefined for a type the tables do not know. */
export function baseHourlyPrice(instanceType: string): number | undefined {
  return own(US_EAST_1_HOURLY, instanceType) ?? own(US_EAST_1_HOURLY_EXTRA, instanceType);
}

/**
 * On-demand Linux price per hour of an instance type in a region, rounded to 1/100 of a cent;
 * undefined when the type or the region is unknown.
 */
export function hourlyPrice(instanceType: string, region: string): number | undefined {
  const base = baseHourlyPrice(instanceType);
  const factor = regionPriceFactor(region);
  if (base === undefined || factor === undefined) return undefined;
  return Math.round(base * factor * 10_000) / 10_000;
}
