import { Injectable } from '@nestjs/common';
import { ClientEntity } from '../client.entity';

export const JWKS_FETCH_TIMEOUT_MS = 5000;
const MAX_JWKS_BYTES = 256 * 1024;
// Even a long max-age is re-checked daily.
const MAX_CACHE_SECONDS = 24 * 3600;

export class JwksUnavailableError extends Error {}

interface CachedJwks {
  keys: Array<Record<string, unknown>>;
  expiresAt: number;
}

/** Keys registered by value, or fetched from the registered jwks_uri and cached as its Cache-Control allows. */
@Injectable()
export class ClientJwksResolver {
  private readonly cache = new Map<string, CachedJwks>();
  private readonly inFlight = new Map<string, Promise<CachedJwks>>();

  /** `fresh` bypasses the cache, e.g. when the assertion names a key the cached set lacks. */
  async keysFor(client: ClientEntity, fresh = false): Promise<{ keys: Array<Record<string, unknown>>; fromCache: boolean }> {
    if (!client.jwksUri) return { keys: (client.jwks?.keys ?? []) as Array<Record<string, unknown>>, fromCache: false };
    const cached = this.cache.get(client.jwksUri);
    if (!fresh && cached && cached.expiresAt > Date.now()) return { keys: cached.keys, fromCache: true };
    return { keys: (await this.fetchOnce(client.jwksUri)).keys, fromCache: false };
  }

  private fetchOnce(uri: string): Promise<CachedJwks> {
    const pending = this.inFlight.get(uri);
    if (pending) return pending;
    const request = this.fetch(uri).finally(() => this.inFlight.delete(uri));
    this.inFlight.set(uri, request);
    return request;
  }

  // SMART client-confidential-asymmetric: GET with Accept: application/json; cache no longer than Cache-Control allows.
  private async fetch(uri: string): Promise<CachedJwks> {
    let response: Response;
    try {
      response = await fetch(uri, {
        headers: { Accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS),
      });
    } catch (error) {
      throw new JwksUnavailableError(`fetching ${uri} failed: ${(error as Error).message}`);
    }
    if (response.status !== 200) throw new JwksUnavailableError(`${uri} answered ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_JWKS_BYTES) throw new JwksUnavailableError(`${uri} returned more than ${MAX_JWKS_BYTES} bytes`);
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      throw new JwksUnavailableError(`${uri} did not return JSON`);
    }
    const keys = (document as { keys?: unknown })?.keys;
    if (!Array.isArray(keys)) throw new JwksUnavailableError(`${uri} did not return a JWK Set`);
    const validKeys = keys.filter((key): key is Record<string, unknown> => typeof key === 'object' && key !== null);
    const seconds = cacheLifetimeSeconds(response.headers.get('cache-control'), response.headers.get('age'));
    const entry = { keys: validKeys, expiresAt: Date.now() + seconds * 1000 };
    if (seconds > 0) {
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(uri, entry);
    } else {
      this.cache.delete(uri);
    }
    return entry;
  }
}

/** Seconds a response may be reused: 0 without max-age or with no-store/no-cache (RFC 9111 §5.2.2). */
export function cacheLifetimeSeconds(cacheControl: string | null, age: string | null = null): number {
  if (!cacheControl) return 0;
  const directives = cacheControl.toLowerCase().split(',').map((directive) => directive.trim());
  if (directives.some((directive) => directive === 'no-store' || directive.startsWith('no-cache'))) return 0;
  const maxAge = directives.find((directive) => directive.startsWith('max-age='));
  const seconds = maxAge ? Number(maxAge.slice('max-age='.length).replace(/"/g, '')) : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  const elapsed = age && /^\d+$/.test(age.trim()) ? Number(age) : 0;
  return Math.max(0, Math.min(Math.floor(seconds) - elapsed, MAX_CACHE_SECONDS));
}
