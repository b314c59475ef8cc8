import { cacheLifetimeSeconds, freshnessSeconds } from './cache-lifetime';

describe('freshnessSeconds (RFC 9111 §5.2.2)', () => {
  it.each([
    [null, null, 0],
    ['no-store', null, 0],
    ['no-cache, max-age=600', null, 0],
    ['public, max-age=600', null, 600],
    ['max-age=600', '100', 500],
    ['max-age=600', '900', 0],
    ['max-age="60"', null, 60],
    ['max-age=abc', null, 0],
    ['private', null, 0],
  ])('Cache-Control %s with Age %s → %d s', (cacheControl, age, expected) => {
    expect(freshnessSeconds(cacheControl, age)).toBe(expected);
  });
});

describe('cacheLifetimeSeconds', () => {
  const bounds = { minimum: 300, maximum: 86400 };

  it('keeps at least the minimum whatever the headers say', () => {
    expect(cacheLifetimeSeconds(null, null, bounds)).toBe(300);
    expect(cacheLifetimeSeconds('no-store', null, bounds)).toBe(300);
    expect(cacheLifetimeSeconds('max-age=10', null, bounds)).toBe(300);
  });

  it('respects a longer max-age up to the maximum', () => {
    expect(cacheLifetimeSeconds('max-age=3600', null, bounds)).toBe(3600);
    expect(cacheLifetimeSeconds('max-age=99999999', null, bounds)).toBe(86400);
  });
});
