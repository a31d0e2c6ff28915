// Address ranges and ports: what counts as "the internet" in a security-group rule, and which
// ports a rule's range opens.

/** Private, shared, loopback and link-local ranges: not reachable from the internet. */
const PRIVATE_V4: [number, number][] = [
  [ip4('10.0.0.0'), 8],
  [ip4('172.16.0.0'), 12],
  [ip4('192.168.0.0'), 16],
  [ip4('100.64.0.0'), 10],
  [ip4('127.0.0.0'), 8],
  [ip4('169.254.0.0'), 16],
];

function ip4(address: string): number {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return NaN;
  return (((parts[0] as number) << 24) >>> 0) + ((parts[1] as number) << 16) + ((parts[2] as number) << 8) + (parts[3] as number);
}

function inV4(address: number, base: number, prefix: number): boolean {
  if (prefix === 0) return true;
  const mask = (~0 << (32 - prefix)) >>> 0;
  return ((address & mask) >>> 0) === ((base & mask) >>> 0);
}

export interface Cidr {
  version: 4 | 6;
  prefix: number;
  address: string;
}

export function parseCidr(cidr: string): Cidr | undefined {
  const [address = '', prefixText] = cidr.trim().split('/');
  const version = address.includes(':') ? 6 : 4;
  const prefix = prefixText === undefined ? (version === 4 ? 32 : 128) : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (version === 4 ? 32 : 128)) return undefined;
  if (version === 4 && Number.isNaN(ip4(address))) return undefined;
  return { version, prefix, address: address.toLowerCase() };
}

/** Whether a CIDR lies wholly inside private, shared, loopback or link-local space (v4 RFC 1918 etc.; v6 fc00::/7, fe80::/10, ::1). */
export function isPrivateCidr(cidr: string): boolean {
  const c = parseCidr(cidr);
  if (!c) return false;
  if (c.version === 4) {
    const a = ip4(c.address);
    return PRIVATE_V4.some(([base, prefix]) => c.prefix >= prefix && inV4(a, base, prefix));
  }
  if (c.address === '::1' && c.prefix === 128) return true;
  const first = parseInt(c.address.split(':')[0] || '0', 16);
  return (c.prefix >= 7 && (first & 0xfe00) === 0xfc00) || (c.prefix >= 10 && (first & 0xffc0) === 0xfe80);
}

/**
 * Whether a rule's source is "the internet": a public range at least as wide as
 * `maxPrefixLength` (0 = only 0.0.0.0/0 and ::/0; 8 would also count public /8s).
 */
export function isInternetCidr(cidr: string, maxPrefixLength = 0): boolean {
  const c = parseCidr(cidr);
  if (!c || isPrivateCidr(cidr)) return false;
  return c.prefix <= maxPrefixLength;
}

/** The protocols whose rules have ports; "-1" is every protocol (and so every port). */
const PORTED = new Set(['tcp', 'udp', '6', '17', '-1', 'all']);

/** Whether a rule opens every port: all protocols, or TCP/UDP over 0-65535. */
export function opensAllPorts(protocol: string, fromPort?: number, toPort?: number): boolean {
  const p = protocol.toLowerCase();
  if (p === '-1' || p === 'all') return true;
  if (!PORTED.has(p)) return false;
  const from = fromPort ?? 0;
  const to = toPort ?? 65535;
  return (from <= 0 || from === -1) && (to >= 65535 || to === -1);
}

/** The `ports` a rule's range covers (none for ICMP and other portless protocols). */
export function portsOpened(ports: readonly number[], protocol: string, fromPort?: number, toPort?: number): number[] {
  const p = protocol.toLowerCase();
  if (!PORTED.has(p)) return [];
  if (opensAllPorts(protocol, fromPort, toPort)) return [...ports];
  const from = fromPort ?? 0;
  const to = toPort ?? from;
  return ports.filter((port) => port >= from && port <= to);
}

/** Expands "3333-3336" style entries; plain numbers pass through. */
export function expandPorts(entries: readonly (number | string)[]): number[] {
  const out = new Set<number>();
  for (const e of entries) {
    if (typeof e === 'number') {
      out.add(e);
      continue;
    }
    const [a, b] = e.split('-').map((s) => Number(s.trim()));
    if (a === undefined || !Number.isInteger(a)) continue;
    const end = b !== undefined && Number.isInteger(b) ? b : a;
    for (let port = a; port <= end; port++) out.add(port);
  }
  return [...out].sort((x, y) => x - y);
}
