// How miners give themselves away outside the metrics (AWS-FACTS.md, "How miners show up"): the
// strings of their launch scripts, the ports their pools listen on, GuardDuty's crypto findings.

import type { GuardDutyFinding } from '../../providers/types.js';

/** Miner binaries, stratum URLs, flags and pool names seen in user data and command lines. */
export const MINING_STRINGS = [
  'xmrig', 'minerd', 'cpuminer', 'stratum+tcp://', 'stratum+ssl://', 'stratum2+tcp', '--donate-level',
  '--algo=rx/0', '-o pool.', '--nicehash', 'randomx', 'c3pool', 'moneroocean', 'minexmr', 'nanopool',
  'supportxmr', 'herominers', 'f2pool', '2miners', 'unmineable',
] as const;

/** Ports mining pools commonly listen on ("a-b" is a range). Pools also use 80 and 443, which say nothing alone. */
export const MINING_PORTS = [
  '3333-3336', 3357, 4444, 5555, 5556, 5588, 5730, 6099, 6666, 7777, 7778, 8333, 8888, 8899, 9332,
  9999, 14433, 14444, 19999, 45560, 45700,
] as const;

/** The mining strings found in `text` (case-insensitive), in list order. */
export function miningIndicators(text: string | undefined, strings: readonly string[] = MINING_STRINGS): string[] {
  if (!text) return [];
  const lower = text.toLowerCase();
  return strings.filter((s) => lower.includes(s.toLowerCase()));
}

/** GuardDuty finding types that mean mining (EC2 and Runtime Monitoring). */
export function isCryptoFinding(type: string): boolean {
  return type.startsWith('CryptoCurrency:') || type.startsWith('Impact:EC2/BitcoinDomainRequest') || type === 'Impact:Runtime/CryptoMinerExecuted';
}

/** GuardDuty crypto finding types by the resource ids they name (instance ids among them). */
export function cryptoFindingsByResource(findings: readonly GuardDutyFinding[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of findings) {
    if (!isCryptoFinding(f.type)) continue;
    for (const id of f.resourceIds) {
      const types = out.get(id) ?? [];
      if (!types.includes(f.type)) types.push(f.type);
      out.set(id, types);
    }
  }
  return out;
}
