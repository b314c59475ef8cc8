import { isIP } from 'node:net';
import { isAddressAllowed, isLoopbackAddress, isLoopbackName } from './outbound-address';
import { OutboundPolicy } from './outbound-policy';

/**
 * Why the server must not fetch this URL, judged from the URL alone (scheme, credentials, a literal address or a
 * loopback name), or null. Names are judged again after DNS resolution at fetch time (OutboundFetcher).
 */
export function outboundUrlRefusal(value: string, policy: OutboundPolicy): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.username || url.password) return 'must not contain credentials';
  const host = hostOf(url);
  const literal = isIP(host) !== 0;
  const loopback = literal ? isLoopbackAddress(host) : isLoopbackName(host);
  if (url.protocol === 'http:') {
    if (!(policy.allowHttpLoopback && loopback)) return 'must use https';
  } else if (url.protocol !== 'https:') {
    return 'must use https';
  }
  if (literal ? !isAddressAllowed(host, policy) : loopback && !policy.allowPrivateNetworks) {
    return 'must not point to a loopback, private, link-local or cloud-metadata address';
  }
  return null;
}

/** The host name or address of a URL, IPv6 without brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}
