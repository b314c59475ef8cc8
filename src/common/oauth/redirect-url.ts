/** Adds parameters to a registered redirect URI, keeping any query it already has (RFC 6749 §3.1.2). */
export function buildRedirectUrl(redirectUri: string, parameters: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) url.searchParams.append(name, value);
  return url.toString();
}

/** Compares resource-server URLs as RFC 3986 §6.2.2 suggests: scheme and host case-insensitively, no trailing slash. */
export function normalizeResourceUrl(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.hash || url.username || url.password) return null;
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}${url.search}`;
  } catch {
    return null;
  }
}

const LOOPBACK_IP_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * RFC 6749 §3.1.2.3: the presented redirect_uri equals a registered one, character for character — except that
 * for a registered loopback IP redirect (`http://127.0.0.1/…`, `http://[::1]/…`) any port is accepted (RFC 8252
 * §7.3: native apps listen on an ephemeral port). Everything but the port must still match exactly.
 */
export function isRegisteredRedirectUri(registered: readonly string[], presented: string): boolean {
  if (registered.includes(presented)) return true;
  const withoutPort = loopbackWithoutPort(presented);
  return withoutPort !== null && registered.some((uri) => loopbackWithoutPort(uri) === withoutPort);
}

function loopbackWithoutPort(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  // Only a URL already in its parsed form, so the one compared is the one redirected to.
  if (url.href !== value || url.protocol !== 'http:' || !LOOPBACK_IP_HOSTS.has(url.hostname) || url.username || url.password || url.hash) {
    return null;
  }
  url.port = '';
  return url.href;
}
