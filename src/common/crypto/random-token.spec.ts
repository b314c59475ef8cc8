import { constantTimeEquals, hashToken, randomToken } from './random-token';

describe('random tokens', () => {
  it('carries at least 256 bits in URL-safe characters', () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(randomToken()).not.toBe(token);
  });

  it('hashes deterministically and never returns the input', () => {
    expect(hashToken('abc')).toBe(hashToken('abc'));
    expect(hashToken('abc')).not.toBe(hashToken('abd'));
    expect(hashToken('abc')).not.toContain('abc');
  });

  it('compares in constant time and handles different lengths', () => {
    expect(constantTimeEquals('same', 'same')).toBe(true);
    expect(constantTimeEquals('same', 'diff')).toBe(false);
    expect(constantTimeEquals('short', 'longer')).toBe(false);
  });
});
