import { isIP } from 'node:net';
import { ConfigurationError } from './environment';

/**
 * TRUST_PROXY: the proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` / `X-Forwarded-Host` are believed,
 * as addresses or CIDRs separated by commas or spaces. Empty (the default) trusts no one, so a client cannot
 * choose the address that throttling and the audit trail see (OWASP ASVS 4 V13, RFC 7239 §8).
 *
 * Read both by AppConfig and by fastifyOptions(), which runs before AppConfig exists.
 */
export function parseTrustProxy(value: string | undefined): string[] {
  const entries = (value ?? '').split(/[\s,]+/).filter(Boolean);
  const invalid = entries.filter((entry) => !isAddressOrCidr(entry));
  if (invalid.length) {
    throw new ConfigurationError(`Invalid configuration:\n  TRUST_PROXY: not an IP address or CIDR: ${invalid.slice(0, 3).join(', ')}`);
  }
  return entries;
}

/** Fastify's `trustProxy` option for this environment: the list, or false when empty. */
export function fastifyTrustProxy(env: Record<string, string | undefined> = process.env): string[] | false {
  const trusted = parseTrustProxy(env.TRUST_PROXY);
  return trusted.length ? trusted : false;
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}
