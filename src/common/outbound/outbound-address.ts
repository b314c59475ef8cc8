import { BlockList, isIP } from 'node:net';
import { OutboundPolicy } from './outbound-policy';

export type AddressClass = 'public' | 'private' | 'forbidden';

function blockList(ipv4: string[], ipv6: string[]): BlockList {
  const list = new BlockList();
  for (const subnet of ipv4) addSubnet(list, subnet, 'ipv4');
  for (const subnet of ipv6) addSubnet(list, subnet, 'ipv6');
  return list;
}

function addSubnet(list: BlockList, subnet: string, type: 'ipv4' | 'ipv6'): void {
  const [network, prefix] = subnet.split('/');
  list.addSubnet(network, Number(prefix ?? (type === 'ipv4' ? 32 : 128)), type);
}

// Never reachable, whatever the operator allows: unspecified, link-local (RFC 3927, RFC 4291 §2.5.6; cloud
// metadata lives there), cloud metadata endpoints elsewhere, multicast, reserved and broadcast, Teredo.
const FORBIDDEN = blockList(
  ['0.0.0.0/8', '169.254.0.0/16', '100.100.100.200/32', '168.63.129.16/32', '192.0.0.192/32', '224.0.0.0/4', '240.0.0.0/4'],
  ['::/128', 'fe80::/10', 'fd00:ec2::254/128', 'ff00::/8', '2001::/32'],
);

// Reachable only with OUTBOUND_ALLOW_PRIVATE_NETWORKS: loopback, RFC 1918, CGNAT (RFC 6598), IETF protocol
// assignments and benchmarking (RFC 6890), unique local (RFC 4193) and the deprecated site-local range.
const PRIVATE = blockList(
  ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '192.0.0.0/24', '198.18.0.0/15'],
  ['::1/128', 'fc00::/7', 'fec0::/10'],
);

const LOOPBACK = blockList(['127.0.0.0/8'], ['::1/128']);

/** Public, private (allowed on request) or forbidden; IPv4 embedded in IPv6 is judged as the IPv4 address. */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  // A zone index (fe80::1%eth0) only exists on link-local scopes.
  if (family === 0 || address.includes('%')) return 'forbidden';
  if (family === 4) return classifyIpv4(address);
  if (FORBIDDEN.check(address, 'ipv6')) return 'forbidden';
  if (PRIVATE.check(address, 'ipv6')) return 'private';
  const embedded = embeddedIpv4(address);
  return embedded ? classifyIpv4(embedded) : 'public';
}

function classifyIpv4(address: string): AddressClass {
  if (FORBIDDEN.check(address, 'ipv4')) return 'forbidden';
  return PRIVATE.check(address, 'ipv4') ? 'private' : 'public';
}

export function isAddressAllowed(address: string, policy: OutboundPolicy): boolean {
  const kind = classifyAddress(address);
  return kind === 'public' || (kind === 'private' && policy.allowPrivateNetworks);
}

export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return LOOPBACK.check(address, 'ipv4');
  if (family !== 6 || address.includes('%')) return false;
  if (LOOPBACK.check(address, 'ipv6')) return true;
  const embedded = embeddedIpv4(address);
  return embedded !== null && LOOPBACK.check(embedded, 'ipv4');
}

/** `localhost` and `*.localhost` always mean loopback (RFC 6761 §6.3), with or without the root dot. */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

// IPv4-mapped (::ffff:0:0/96), IPv4-compatible (::/96), NAT64 (64:ff9b::/96, RFC 6052) and 6to4 (2002::/16, RFC 3056).
function embeddedIpv4(address: string): string | null {
  const groups = ipv6Groups(address);
  if (!groups) return null;
  const ipv4 = (high: number, low: number): string => [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  const zeros = (from: number, to: number): boolean => groups.slice(from, to).every((group) => group === 0);
  if (zeros(0, 5) && (groups[5] === 0xffff || groups[5] === 0)) return ipv4(groups[6], groups[7]);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return ipv4(groups[6], groups[7]);
  if (groups[0] === 0x2002) return ipv4(groups[1], groups[2]);
  return null;
}

function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined): number[] => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const before = parse(head);
  const after = parse(tail);
  const groups = tail === undefined ? before : [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
  return groups.length === 8 && groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : null;
}
