import { constantTimeEquals, hashToken, randomIdentifier, randomToken } from './random-token';

describe('random tokens', () => {
  it('carries at least 256 bits in URL-safe characters', () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(randomToken()).not.toBe(token);
  });

  it('makes identifiers a command line never reads as an option (no leading "-")', () => {
    // One in 64 base64url strings starts with "-": 5,000 draws would show it about 78 times.
    const ids = Array.from({ length: 5000 }, () => randomIdentifier(18));
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
    expect(ids.every((id) => /^[A-Za-z0-9_][A-Za-z0-9_-]{23}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
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
