import { hasAudience, readAccessTokenClaims, REQUIRED_ACCESS_TOKEN_CLAIMS } from './access-token.claims';

const CLAIMS = { iss: 'https://as', sub: 'u', aud: 'https://rs/fhir', client_id: 'c', scope: 'patient/*.rs', jti: 'j', iat: 1, exp: 2 };

describe('readAccessTokenClaims', () => {
  it('reads a token with every required claim', () => {
    expect(readAccessTokenClaims({ ...CLAIMS, grant_id: 'g', cnf: { jkt: 'k' } })).toMatchObject({ ...CLAIMS, cnf: { jkt: 'k' } });
    expect(readAccessTokenClaims({ ...CLAIMS, aud: ['https://rs/fhir', 'x'] })).toBeDefined();
  });

  it.each(REQUIRED_ACCESS_TOKEN_CLAIMS.map((claim) => [claim]))('refuses a token without %s', (claim) => {
    const claims: Record<string, unknown> = { ...CLAIMS };
    delete claims[claim];
    expect(readAccessTokenClaims(claims)).toBeUndefined();
  });

  it.each([
    ['a numeric sub', { sub: 1 }],
    ['an empty jti', { jti: '' }],
    ['a string exp', { exp: '2' }],
    ['an empty aud list', { aud: [] }],
    ['a cnf without jkt', { cnf: {} }],
    ['a cnf that is not an object', { cnf: 'k' }],
    ['a numeric grant_id', { grant_id: 7 }],
  ])('refuses %s', (_label, change) => {
    expect(readAccessTokenClaims({ ...CLAIMS, ...change })).toBeUndefined();
  });

  it('compares the audience exactly, string or list', () => {
    expect(hasAudience({ aud: 'https://rs/fhir' }, 'https://rs/fhir')).toBe(true);
    expect(hasAudience({ aud: 'https://rs/fhir/' }, 'https://rs/fhir')).toBe(false);
    expect(hasAudience({ aud: ['a', 'https://rs/fhir'] }, 'https://rs/fhir')).toBe(true);
  });
});
