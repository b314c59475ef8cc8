import { LRUCache } from 'lru-cache';

export interface BoundedCacheOptions {
  /** Most entries held at once; the least recently used goes first. */
  max: number;
  /** Longest an entry is returned after it was set (milliseconds). */
  ttlMs: number;
  /** Time source for the TTL (a Clock a test advances); `performance.now()` unless set. */
  clock?: { now(): number };
}

/**
 * Every in-process cache of this server: lru-cache with both bounds required, so neither a flood of distinct
 * keys (tokens, client ids, addresses) nor time can grow it past `max` entries of at most `ttlMs`.
 */
export class BoundedCache<K extends {}, V extends {}> {
  readonly max: number;
  readonly ttlMs: number;
  private readonly entries: LRUCache<K, V>;

  constructor({ max, ttlMs, clock }: BoundedCacheOptions) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`cache max must be a positive integer, not ${max}`);
    if (!Number.isFinite(ttlMs) || ttlMs < 1) throw new RangeError(`cache ttlMs must be at least 1, not ${ttlMs}`);
    this.max = max;
    this.ttlMs = Math.floor(ttlMs);
    // The clock is read on every check: lru-cache otherwise reuses a reading for 1 ms of real time, arming a timer
    // to forget it each time (thousands of timers a second on a hot path), and would miss an injected clock's jumps.
    this.entries = new LRUCache<K, V>({ max, ttl: this.ttlMs, ttlResolution: 0, ...(clock ? { perf: clock } : {}) });
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Stores `value` for `ttlMs` (at most the cache's own TTL); a lifetime under 1 ms stores nothing. */
  set(key: K, value: V, ttlMs = this.ttlMs): void {
    const ttl = Math.min(Math.floor(ttlMs), this.ttlMs);
    if (ttl < 1) {
      this.entries.delete(key);
      return;
    }
    this.entries.set(key, value, { ttl });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Entries held now; never more than `max` (expired ones count until they are touched or evicted). */
  get size(): number {
    return this.entries.size;
  }
}
