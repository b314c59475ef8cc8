import { LRUCache } from 'lru-cache';
import { Clock } from '../time/clock';
import { cacheLifetimeSeconds } from './cache-lifetime';
import { OutboundFetchError } from './outbound-fetch.error';
import { OutboundFetcher } from './outbound-fetcher';

export interface OutboundJsonCacheOptions<T> {
  /** Turns the fetched JSON into the cached value; throwing makes the fetch a failure. */
  parse: (json: unknown) => T;
  /** Kept at least this long whatever the headers say (no-store and a missing Cache-Control included). */
  minimumSeconds?: number;
  /** Re-checked after this long even with a longer max-age. */
  maximumSeconds?: number;
  /** A failure is remembered this long, so a dead or hostile URL is not retried on every request. */
  failureSeconds?: number;
  /** Bound on the bytes of documents held (each at most the fetcher's maxBytes). */
  maxBytes?: number;
}

type Entry<T> = { value: T; expiresAt: number } | { failed: true; expiresAt: number };

/**
 * Documents fetched from URLs someone else chose, cached per URL within bounds, with one fetch in flight per URL
 * (concurrent callers share it). Every failure is the one OutboundFetchError text.
 */
export class OutboundJsonCache<T> {
  private readonly entries: LRUCache<string, Entry<T>>;
  private readonly inFlight = new Map<string, Promise<T>>();
  private readonly minimumSeconds: number;
  private readonly maximumSeconds: number;
  private readonly failureSeconds: number;

  constructor(
    private readonly fetcher: OutboundFetcher,
    private readonly clock: Clock,
    private readonly options: OutboundJsonCacheOptions<T>,
  ) {
    this.minimumSeconds = options.minimumSeconds ?? 300;
    this.maximumSeconds = options.maximumSeconds ?? 24 * 3600;
    this.failureSeconds = options.failureSeconds ?? 30;
    // Bounded by bytes, entries and time: no entry outlives the longest lifetime it can be given.
    this.entries = new LRUCache<string, Entry<T>>({
      maxSize: options.maxBytes ?? 32 * 1024 * 1024,
      max: 10_000,
      ttl: Math.max(this.minimumSeconds, this.maximumSeconds, this.failureSeconds) * 1000,
      perf: clock,
      ttlResolution: 0,
    });
  }

  /** `refresh` skips a cached document (the caller rate-limits that). */
  async get(url: string, { refresh = false } = {}): Promise<{ value: T; fromCache: boolean }> {
    const entry = this.entries.get(url);
    if (!refresh && entry && entry.expiresAt > this.clock.now()) {
      if ('failed' in entry) throw new OutboundFetchError(`${url} failed recently`);
      return { value: entry.value, fromCache: true };
    }
    return { value: await this.load(url), fromCache: false };
  }

  private load(url: string): Promise<T> {
    const pending = this.inFlight.get(url);
    if (pending) return pending;
    const loading = this.fetchAndStore(url).finally(() => this.inFlight.delete(url));
    this.inFlight.set(url, loading);
    return loading;
  }

  private async fetchAndStore(url: string): Promise<T> {
    try {
      const { json, headers, size } = await this.fetcher.getJson(url);
      let value: T;
      try {
        value = this.options.parse(json);
      } catch (error) {
        throw new OutboundFetchError(`${url}: ${(error as Error).message}`);
      }
      const age = headers.age;
      const seconds = cacheLifetimeSeconds(headers['cache-control'], Array.isArray(age) ? age[0] : age, {
        minimum: this.minimumSeconds,
        maximum: this.maximumSeconds,
      });
      this.entries.set(url, { value, expiresAt: this.clock.now() + seconds * 1000 }, { size: Math.max(1, size) });
      return value;
    } catch (error) {
      const failure = error instanceof OutboundFetchError ? error : new OutboundFetchError((error as Error).message);
      // A failed refresh leaves a still-fresh document in place.
      const current = this.entries.get(url);
      if (!current || 'failed' in current || current.expiresAt <= this.clock.now()) {
        this.entries.set(url, { failed: true, expiresAt: this.clock.now() + this.failureSeconds * 1000 }, { size: 1 });
      }
      throw failure;
    }
  }
}
