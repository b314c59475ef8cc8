import { OAuthError } from '../../common/oauth/errors';
import { DEFAULT_APP_SCOPE, validateClientMetadata } from './client-metadata.validator';

function errorOf(metadata: unknown): string | undefined {
  try {
    validateClientMetadata(metadata);
    return undefined;
  } catch (error) {
    return (error as OAuthError).error;
  }
}

const APP = { redirect_uris: ['https://app.example.org/cb'] };
const KEY = { kty: 'EC', kid: 'k1', crv: 'P-384', x: 'x', y: 'y' };

describe('validateClientMetadata', () => {
  it('applies the RFC 7591 defaults (client_secret_basic, code) and the default scope ceiling', () => {
    expect(validateClientMetadata(APP)).toMatchObject({
      type: 'confidential-symmetric',
      tokenEndpointAuthMethod: 'client_secret_basic',
      grantTypes: ['authorization_code', 'refresh_token'],
      scope: DEFAULT_APP_SCOPE,
      allowRefreshTokens: true,
      name: 'Unnamed app',
    });
  });

  it('derives the client type from the auth method and grant types', () => {
    expect(validateClientMetadata({ ...APP, token_endpoint_auth_method: 'none' }).type).toBe('public');
    expect(validateClientMetadata({ ...APP, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [KEY] } }).type).toBe(
      'confidential-asymmetric',
    );
    expect(
      validateClientMetadata({
        token_endpoint_auth_method: 'private_key_jwt',
        grant_types: ['client_credentials'],
        jwks_uri: 'https://b.example.org/jwks',
        scope: 'system/*.rs',
      }).type,
    ).toBe('backend-service');
  });

  it.each([
    ['http://localhost:3000/cb', undefined],
    ['http://127.0.0.1/cb', undefined],
    ['http://[::1]:8080/cb', undefined],
    ['https://app.example.org/cb?x=1', undefined],
    ['http://app.example.org/cb', 'invalid_redirect_uri'],
    ['https://app.example.org/cb#x', 'invalid_redirect_uri'],
    ['https://app.example.org/cb#', 'invalid_redirect_uri'],
    ['cb', 'invalid_redirect_uri'],
  ])('redirect URI %s → %s', (uri, error) => {
    expect(errorOf({ redirect_uris: [uri] })).toBe(error);
  });

  it.each([
    ['not an object', 'x'],
    ['an array', []],
    ['jwks with duplicate kid and kty', { ...APP, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [KEY, KEY] } }],
    [
      'jwks with a key without kid',
      { ...APP, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'RSA', n: 'n', e: 'AQAB' }] } },
    ],
    [
      'jwks with more than 5 keys',
      { ...APP, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [1, 2, 3, 4, 5, 6].map((n) => ({ ...KEY, kid: `k${n}` })) } },
    ],
    [
      'a jwks key of more than 8 KiB',
      { ...APP, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...KEY, x5c: ['x'.repeat(9000)] }] } },
    ],
    ['an internal scope', { ...APP, scope: 'openid __introspect' }],
    ['jwks for a secret client', { ...APP, jwks: { keys: [KEY] } }],
    ['refresh_token without authorization_code', { ...APP, grant_types: ['refresh_token'] }],
    [
      'client_credentials mixed with authorization_code',
      {
        ...APP,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [KEY] },
        grant_types: ['client_credentials', 'authorization_code'],
      },
    ],
    [
      'a backend service without scope',
      { token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks: { keys: [KEY] } },
    ],
    [
      'a backend service with patient scopes',
      { token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks: { keys: [KEY] }, scope: 'patient/*.rs' },
    ],
    ['an app with system scopes', { ...APP, scope: 'openid system/*.rs' }],
    ['a non-https logo_uri', { ...APP, logo_uri: 'ftp://logo' }],
    ['too many redirect URIs', { redirect_uris: Array.from({ length: 21 }, (_, index) => `https://a.example.org/${index}`) }],
  ])('rejects %s as invalid_client_metadata', (_, metadata) => {
    expect(errorOf(metadata)).toBe('invalid_client_metadata');
  });

  describe('client_credentials with a client secret', () => {
    const SECRET_BACKEND = {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'system/Patient.rs',
    };
    const trusted = (metadata: unknown): string | undefined => {
      try {
        validateClientMetadata(metadata, { trustedRegistration: true });
        return undefined;
      } catch (error) {
        return (error as OAuthError).error;
      }
    };

    it('is refused by dynamic registration with the SMART Backend Services message', () => {
      expect(() => validateClientMetadata(SECRET_BACKEND)).toThrow(
        'client_credentials requires token_endpoint_auth_method private_key_jwt',
      );
      expect(errorOf({ ...SECRET_BACKEND, token_endpoint_auth_method: 'client_secret_post' })).toBe('invalid_client_metadata');
    });

    it.each(['client_secret_basic', 'client_secret_post'])('is allowed for an operator-created client with %s', (method) => {
      expect(
        validateClientMetadata({ ...SECRET_BACKEND, token_endpoint_auth_method: method }, { trustedRegistration: true }),
      ).toMatchObject({
        type: 'backend-service',
        tokenEndpointAuthMethod: method,
        grantTypes: ['client_credentials'],
        redirectUris: [],
        scope: 'system/Patient.rs',
        jwks: null,
        allowRefreshTokens: false,
      });
    });

    it.each([
      ['a public client', { ...SECRET_BACKEND, token_endpoint_auth_method: 'none' }, 'invalid_client_metadata'],
      ['redirect URIs', { ...SECRET_BACKEND, redirect_uris: ['https://app.example.org/cb'] }, 'invalid_redirect_uri'],
      ['another grant type', { ...SECRET_BACKEND, grant_types: ['client_credentials', 'refresh_token'] }, 'invalid_client_metadata'],
      ['no scope', { ...SECRET_BACKEND, scope: undefined }, 'invalid_client_metadata'],
      ['patient scopes', { ...SECRET_BACKEND, scope: 'patient/*.rs' }, 'invalid_client_metadata'],
      ['keys', { ...SECRET_BACKEND, jwks: { keys: [KEY] } }, 'invalid_client_metadata'],
    ])('still refuses %s for an operator-created client', (_, metadata, error) => {
      expect(trusted(metadata)).toBe(error);
    });
  });

  it('keeps descriptive metadata and ignores unknown members', () => {
    const settings = validateClientMetadata({
      ...APP,
      client_uri: 'https://app.example.org/',
      contacts: ['ops@example.org'],
      unknown_member: 1,
    });
    expect(settings.metadata).toEqual({ client_uri: 'https://app.example.org/', contacts: ['ops@example.org'] });
  });

  describe('URL fields (no control characters or whitespace; stored only in their parsed form)', () => {
    const FIELDS: Array<[string, (url: string) => Record<string, unknown>, string]> = [
      ['redirect_uris', (url) => ({ ...APP, redirect_uris: [url] }), 'invalid_redirect_uri'],
      ['launch_url', (url) => ({ ...APP, launch_url: url }), 'invalid_client_metadata'],
      ['client_uri', (url) => ({ ...APP, client_uri: url }), 'invalid_client_metadata'],
      ['logo_uri', (url) => ({ ...APP, logo_uri: url }), 'invalid_client_metadata'],
      ['tos_uri', (url) => ({ ...APP, tos_uri: url }), 'invalid_client_metadata'],
      ['policy_uri', (url) => ({ ...APP, policy_uri: url }), 'invalid_client_metadata'],
      ['jwks_uri', (url) => ({ ...APP, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: url }), 'invalid_client_metadata'],
    ];
    const BAD = [
      'https://app.example.org/cb\r\nSet-Cookie: a=b',
      'https://app.example.org/cb\n',
      'https://app.example.org/c b',
      'https://app.example.org/cb\t',
      'https://app.example.org/cb\u0000',
      ' https://app.example.org/cb',
      'https://app.example.org/cb\u00a0',
      'https://APP.example.org/cb',
      'https://app.example.org',
      'https://app.example.org/a/../cb',
      'https://app.example.org:443/cb',
      'https://app.example.org/caf\u00e9',
    ];

    it.each(FIELDS)('refuses a malformed or non-normalized %s', (_, metadata, error) => {
      for (const url of BAD) expect(errorOf(metadata(url))).toBe(error);
      expect(validateClientMetadata(metadata('https://app.example.org/cb?x=1'))).toBeDefined();
    });
  });

  it('lets operators (and an RFC 7592 PUT, to be intersected with the approval) name internal scopes', () => {
    expect(validateClientMetadata({ ...APP, scope: 'openid __introspect' }, { trustedRegistration: true }).scope).toBe(
      'openid __introspect',
    );
    expect(validateClientMetadata({ ...APP, scope: 'openid __introspect' }, { internalScopesWithinApproval: true }).scope).toBe(
      'openid __introspect',
    );
  });
});
