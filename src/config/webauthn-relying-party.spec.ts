import { relyingPartyFor } from './webauthn-relying-party';

describe('relyingPartyFor', () => {
  it('takes the RP ID from the issuer host and the origin without its path', () => {
    expect(relyingPartyFor('https://auth.example.org/smart')).toEqual({
      relyingParty: { id: 'auth.example.org', origin: 'https://auth.example.org', name: 'auth.example.org' },
    });
    expect(relyingPartyFor('https://Auth.Example.org:8443').relyingParty).toEqual({
      id: 'auth.example.org',
      origin: 'https://auth.example.org:8443',
      name: 'auth.example.org',
    });
  });

  it('allows http only on localhost, which browsers treat as a secure context', () => {
    expect(relyingPartyFor('http://localhost:3000').relyingParty).toMatchObject({ id: 'localhost', origin: 'http://localhost:3000' });
    expect(relyingPartyFor('http://smart.localhost:3000').relyingParty).toMatchObject({ id: 'smart.localhost' });
    expect(relyingPartyFor('http://auth.example.org')).toMatchObject({ relyingParty: null, reason: expect.stringMatching(/https/) });
  });

  it.each(['http://127.0.0.1:3000', 'https://10.0.0.5', 'https://[::1]:8443', 'http://[::1]:3000'])(
    'refuses an IP address as RP ID (%s)',
    (url) => {
      expect(relyingPartyFor(url)).toMatchObject({ relyingParty: null, reason: expect.stringMatching(/IP address/) });
    },
  );

  it('refuses what is not a URL', () => {
    expect(relyingPartyFor('not a url').relyingParty).toBeNull();
  });
});
