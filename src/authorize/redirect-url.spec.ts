import { buildRedirectUrl, normalizeResourceUrl } from './redirect-url';

describe('buildRedirectUrl', () => {
  it('keeps the query already on the registered redirect URI (RFC 6749 §3.1.2)', () => {
    const url = new URL(buildRedirectUrl('https://app.example.org/cb?tenant=a&x=1', { code: 'c', state: 's' }));
    expect([...url.searchParams]).toEqual([['tenant', 'a'], ['x', '1'], ['code', 'c'], ['state', 's']]);
  });

  it('encodes values exactly so state round-trips', () => {
    const state = 'a b+c/d?e=f&g=%20#h';
    expect(new URL(buildRedirectUrl('https://app.example.org/cb', { state })).searchParams.get('state')).toBe(state);
  });

  it('leaves out undefined values', () => {
    expect(buildRedirectUrl('https://app.example.org/cb', { error: 'invalid_request', state: undefined })).toBe('https://app.example.org/cb?error=invalid_request');
  });
});

describe('normalizeResourceUrl', () => {
  it('ignores a trailing slash and the case of scheme and host', () => {
    expect(normalizeResourceUrl('HTTPS://EHR.Example.org/fhir/')).toBe(normalizeResourceUrl('https://ehr.example.org/fhir'));
  });

  it('keeps the path case-sensitive', () => {
    expect(normalizeResourceUrl('https://ehr.example.org/FHIR')).not.toBe(normalizeResourceUrl('https://ehr.example.org/fhir'));
  });

  it('refuses URLs with credentials or fragments, and non-URLs', () => {
    expect(normalizeResourceUrl('https://user:pw@ehr.example.org/fhir')).toBeNull();
    expect(normalizeResourceUrl('https://ehr.example.org/fhir#x')).toBeNull();
    expect(normalizeResourceUrl('not a url')).toBeNull();
  });
});
