/** The distinct origins (RFC 6454, as `URL.origin`) of a client's redirect URIs; unparseable ones are skipped. */
export function originsOf(redirectUris: readonly string[]): string[] {
  const origins = new Set<string>();
  for (const uri of redirectUris) {
    try {
      const origin = new URL(uri).origin;
      if (origin !== 'null') origins.add(origin);
    } catch {
      // Registration refuses unparseable URIs; nothing to allow.
    }
  }
  return [...origins];
}
