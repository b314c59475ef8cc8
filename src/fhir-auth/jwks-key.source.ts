import { createPublicKey, KeyObject } from 'node:crypto';
import { SigningKeySource } from './signing-key.source';

const CACHE_MS = 5 * 60_000;
const MIN_REFETCH_MS = 10_000;

/** Keys from the authorization server's JWKS URL, cached; an unknown kid refetches at most every 10 s (key rotation). */
export class JwksKeySource implements SigningKeySource {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = 0;
  private pending: Promise<void> | null = null;

  constructor(private readonly jwksUri: string) {}

  async publicKey(kid: string | undefined): Promise<KeyObject | undefined> {
    if (!kid) return undefined;
    const age = Date.now() - this.fetchedAt;
    if (age > CACHE_MS || (!this.keys.has(kid) && age > MIN_REFETCH_MS)) await this.refresh();
    return this.keys.get(kid);
  }

  private refresh(): Promise<void> {
    this.pending ??= this.fetchKeys().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async fetchKeys(): Promise<void> {
    this.fetchedAt = Date.now();
    try {
      const response = await fetch(this.jwksUri, { signal: AbortSignal.timeout(5000), headers: { Accept: 'application/json' } });
      if (!response.ok) return;
      const { keys } = (await response.json()) as { keys?: Array<Record<string, unknown>> };
      const loaded = new Map<string, KeyObject>();
      for (const jwk of keys ?? []) {
        if (typeof jwk.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
        loaded.set(jwk.kid, createPublicKey({ key: jwk as never, format: 'jwk' }));
      }
      this.keys = loaded;
    } catch {
      // Keep the previous keys; the next unknown kid retries.
    }
  }
}
