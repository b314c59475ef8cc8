import { hash } from 'node:crypto';
import { BoundedCache } from '../common/cache/bounded-cache';

export interface AccessTokenCacheSettings {
  /** Most token strings remembered at once (default 10 000); a flood of distinct tokens evicts, never grows. */
  max: number;
  /** How long a verified signature is trusted before it is checked again (default 60 s; never past `exp`). */
  verifiedTtlMs: number;
  /** How long a token's state is reused: the revocation answer here, the introspection answer elsewhere (default 2 s). */
  stateTtlMs: number;
}

export const DEFAULT_ACCESS_TOKEN_CACHE: AccessTokenCacheSettings = { max: 10_000, verifiedTtlMs: 60_000, stateTtlMs: 2000 };

/**
 * The verifier's one cache, keyed by the token's SHA-256 (so a large token costs its claims, not its text twice).
 * `size` and `max` are read-only for monitoring and tests.
 */
export class AccessTokenCache<V extends {}> {
  private readonly entries: BoundedCache<string, V>;

  constructor(max: number, ttlMs: number, clock?: { now(): number }) {
    this.entries = new BoundedCache<string, V>({ max, ttlMs, clock });
  }

  get(token: string): V | undefined {
    return this.entries.get(keyOf(token));
  }

  set(token: string, value: V, ttlMs: number): void {
    this.entries.set(keyOf(token), value, ttlMs);
  }

  get size(): number {
    return this.entries.size;
  }

  get max(): number {
    return this.entries.max;
  }
}

function keyOf(token: string): string {
  return hash('sha256', token, 'base64url');
}
