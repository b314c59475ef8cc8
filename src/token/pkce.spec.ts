import { verifyPkce } from './pkce';

describe('verifyPkce', () => {
  // RFC 7636 Appendix B.
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('accepts the RFC 7636 example pair', () => {
    expect(verifyPkce(verifier, challenge)).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['blank', ''],
    ['the challenge itself (plain)', challenge],
    ['too short', 'a'.repeat(42)],
    ['too long', 'a'.repeat(129)],
    ['outside the alphabet', `${verifier.slice(0, -1)}+`],
    ['a different valid verifier', 'x'.repeat(64)],
  ])('rejects a %s verifier', (_label, candidate) => {
    expect(verifyPkce(candidate, challenge)).toBe(false);
  });

  it('rejects when no challenge was stored', () => {
    expect(verifyPkce(verifier, null)).toBe(false);
  });
});
