import { buildRedirectUrl, isRegisteredRedirectUri, normalizeResourceUrl } from './redirect-url';

describe('buildRedirectUrl', () => {
  it('keeps the query already on the registered redirect URI (RFC 6749 §3.1.2)', () => {
    const url = new URL(buildRedirectUrl('https://app.example.org/cb?tenant=a&x=1', { code: 'c', state: 's' }));
    expect([...url.searchParams]).toEqual([
      ['tenant', 'a'],
      ['x', '1'],
      ['code', 'c'],
      ['state', 's'],
    ]);
  });

  it('encodes values exactly so state round-trips', () => {
    const state = 'a b+c/d?e=f&g=%20#h';
    expect(new URL(buildRedirectUrl('https://app.example.org/cb', { state })).searchParams.get('state')).toBe(state);
  });

  it('leaves out undefined values', () => {
    expect(buildRedirectUrl('https://app.example.org/cb', { error: 'invalid_request', state: undefined })).toBe(
      'https://app.example.org/cb?error=invalid_request',
    );
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

describe('isRegisteredRedirectUri', () => {
  const registered = ['https://app.example.org/cb', 'http://127.0.0.1/callback', 'http://[::1]:8080/cb?x=1', 'http://localhost/cb'];

  it('matches registered URIs exactly', () => {
    expect(isRegisteredRedirectUri(registered, 'https://app.example.org/cb')).toBe(true);
    expect(isRegisteredRedirectUri(registered, 'https://app.example.org/cb/')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'https://app.example.org:8443/cb')).toBe(false);
  });

  it('accepts any port for a registered loopback IP redirect (RFC 8252 §7.3)', () => {
    expect(isRegisteredRedirectUri(registered, 'http://127.0.0.1:51004/callback')).toBe(true);
    expect(isRegisteredRedirectUri(registered, 'http://[::1]:3000/cb?x=1')).toBe(true);
    expect(isRegisteredRedirectUri(registered, 'http://[::1]/cb?x=1')).toBe(true);
  });

  it('still requires the rest to match, and only for loopback IPs over http', () => {
    expect(isRegisteredRedirectUri(registered, 'http://127.0.0.1:51004/other')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'http://127.0.0.1:51004/callback?x=1')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'http://[::1]:3000/cb')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'http://127.0.0.2:51004/callback')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'https://127.0.0.1:51004/callback')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'http://localhost:51004/cb')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'https://app.example.org:51004/cb')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'http://user@127.0.0.1:51004/callback')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'http://127.0.0.1:51004/callback#x')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'http://127.0.0.1:51004/x/../callback')).toBe(false);
  });
});
