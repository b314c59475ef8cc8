import { BoundedCache } from './bounded-cache';

class ManualClock {
  time = 1_000_000;
  now(): number {
    return this.time;
  }
}

describe('BoundedCache', () => {
  it('never holds more than max entries, dropping the least recently used first', () => {
    const cache = new BoundedCache<string, number>({ max: 3, ttlMs: 60_000 });
    for (let i = 0; i < 1000; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBe(3);
    cache.get('k997');
    cache.set('new', 1);
    expect(cache.has('k997')).toBe(true);
    expect(cache.has('k998')).toBe(false);
  });

  it('forgets entries after the TTL of the injected clock, and a shorter per-entry TTL', () => {
    const clock = new ManualClock();
    const cache = new BoundedCache<string, string>({ max: 10, ttlMs: 2000, clock });
    cache.set('a', 'x');
    cache.set('b', 'y', 500);
    cache.set('c', 'z', 10_000);
    clock.time += 600;
    expect(cache.get('a')).toBe('x');
    expect(cache.get('b')).toBeUndefined();
    clock.time += 1500;
    expect(cache.get('a')).toBeUndefined();
    // A per-entry TTL never exceeds the cache's.
    expect(cache.get('c')).toBeUndefined();
  });

  it('stores nothing for a lifetime under a millisecond, and refuses unbounded settings', () => {
    const cache = new BoundedCache<string, string>({ max: 10, ttlMs: 1000 });
    cache.set('a', 'x', 0);
    expect(cache.size).toBe(0);
    expect(() => new BoundedCache({ max: 0, ttlMs: 1000 })).toThrow(RangeError);
    expect(() => new BoundedCache({ max: 10, ttlMs: 0 })).toThrow(RangeError);
    expect(() => new BoundedCache({ max: Infinity, ttlMs: 1000 })).toThrow(RangeError);
  });
});
