import { cacheLifetimeSeconds } from './client-jwks.resolver';

describe('cacheLifetimeSeconds (RFC 9111 §5.2.2)', () => {
  it.each([
    [null, null, 0],
    ['no-store', null, 0],
    ['no-cache, max-age=600', null, 0],
    ['public, max-age=600', null, 600],
    ['max-age=600', '100', 500],
    ['max-age=600', '900', 0],
    ['max-age="60"', null, 60],
    ['max-age=abc', null, 0],
    ['max-age=99999999', null, 86400],
    ['private', null, 0],
  ])('Cache-Control %s with Age %s → %d s', (cacheControl, age, expected) => {
    expect(cacheLifetimeSeconds(cacheControl, age)).toBe(expected);
  });
});
