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
