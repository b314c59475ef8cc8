import { randomBytes } from 'node:crypto';
import { InitialAccessTokensService } from '../../src/clients/initial-access-tokens.service';
import { generateClientKey } from '../utils/client-assertion';
import { startTestApp, TestApp } from '../utils/test-app';

type Json = Record<string, unknown>;

async function post(
  server: TestApp,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {}, headers: response.headers };
}

function name(): string {
  return `app-${randomBytes(4).toString('hex')}`;
}

describe('dynamic client registration (RFC 7591)', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ REGISTRATION_POLICY: 'open', REGISTRATION_RATE_LIMIT: '1000' });
  });

  afterAll(async () => {
    await server.close();
  });

  it('registers a public client with a loopback redirect URI', async () => {
    const response = await post(server, '/register', {
      client_name: name(),
      redirect_uris: ['http://127.0.0.1:8080/callback'],
      token_endpoint_auth_method: 'none',
      scope: 'openid fhirUser launch/patient patient/*.rs offline_access',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toMatchObject({
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1:8080/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'openid fhirUser launch/patient patient/*.rs offline_access',
    });
    expect(response.body.client_id).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]{24}$/));
    expect(response.body.client_secret).toBeUndefined();
    expect(response.body.client_id_issued_at).toEqual(expect.any(Number));
    expect(response.body.registration_access_token).toEqual(expect.any(String));
    expect(response.body.registration_client_uri).toBe(`${server.baseUrl}/register/${response.body.client_id as string}`);
  });

  it('registers a confidential symmetric client and returns a URL-safe secret once', async () => {
    const response = await post(server, '/register', {
      client_name: name(),
      redirect_uris: ['https://app.example.org/callback'],
      token_endpoint_auth_method: 'client_secret_basic',
      launch_url: 'https://app.example.org/launch',
    });
    expect(response.status).toBe(201);
    expect(response.body.client_secret).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]{43}$/));
    expect(response.body.client_secret_expires_at).toBe(0);
    expect(response.body.launch_url).toBe('https://app.example.org/launch');
    const read = await fetch(response.body.registration_client_uri as string, {
      headers: { Authorization: `Bearer ${response.body.registration_access_token as string}` },
    });
    expect(((await read.json()) as Json).client_secret).toBeUndefined();
  });

  it('registers a confidential asymmetric client with a JWKS value', async () => {
    const key = await generateClientKey('ES384');
    const response = await post(server, '/register', {
      client_name: name(),
      redirect_uris: ['https://app.example.org/callback'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
    });
    expect(response.status).toBe(201);
    expect(response.body.client_secret).toBeUndefined();
    expect(response.body.jwks).toEqual({ keys: [key.publicJwk] });
  });

  it('registers a backend service with a jwks_uri and the system scopes an initial access token pre-authorizes', async () => {
    const { token } = await server.app.get(InitialAccessTokensService).issue({ scope: 'system/Patient.rs system/Observation.rs' });
    const response = await post(
      server,
      '/register',
      {
        client_name: name(),
        token_endpoint_auth_method: 'private_key_jwt',
        grant_types: ['client_credentials'],
        jwks_uri: 'https://backend.example.org/.well-known/jwks.json',
        scope: 'system/Patient.rs system/Observation.rs',
      },
      token,
    );
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      jwks_uri: 'https://backend.example.org/.well-known/jwks.json',
      scope: 'system/Patient.rs system/Observation.rs',
    });
  });

  it.each([
    ['a fragment', 'https://app.example.org/callback#frag'],
    ['plain http on a public host', 'http://app.example.org/callback'],
    ['a relative URI', '/callback'],
    ['a custom scheme', 'javascript:alert(1)'],
  ])('rejects a redirect URI with %s as invalid_redirect_uri', async (_, uri) => {
    const response = await post(server, '/register', { client_name: name(), redirect_uris: [uri], token_endpoint_auth_method: 'none' });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_redirect_uri');
    expect(response.body.error_description).toEqual(expect.any(String));
  });

  it('rejects an authorization_code client without redirect URIs', async () => {
    const response = await post(server, '/register', { client_name: name(), token_endpoint_auth_method: 'none' });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_redirect_uri');
  });

  it.each([
    ['an unknown auth method', { token_endpoint_auth_method: 'client_secret_jwt' }],
    ['private_key_jwt without keys', { token_endpoint_auth_method: 'private_key_jwt' }],
    [
      'both jwks and jwks_uri',
      { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [] }, jwks_uri: 'https://a.example.org/jwks' },
    ],
    ['an unsupported grant type', { grant_types: ['password'] }],
    ['an implicit response type', { response_types: ['token'] }],
    ['client_credentials with a secret', { grant_types: ['client_credentials'], scope: 'system/*.rs' }],
    [
      'a private key in jwks',
      { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'EC', kid: 'a', crv: 'P-384', x: 'x', y: 'y', d: 'd' }] } },
    ],
    ['a malformed scope', { scope: 'patient/Observation.xyz' }],
    ['a non-string name', { client_name: 42 }],
  ])('rejects %s as invalid_client_metadata', async (_, metadata) => {
    const response = await post(server, '/register', {
      client_name: name(),
      redirect_uris: ['https://app.example.org/callback'],
      ...metadata,
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_client_metadata');
    expect(response.body.error_description).toEqual(expect.any(String));
  });

  it('rejects a body that is not a JSON object without a 500', async () => {
    const response = await fetch(`${server.baseUrl}/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '[1,2]',
    });
    expect(response.status).toBe(400);
    const broken = await fetch(`${server.baseUrl}/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":',
    });
    expect(broken.status).toBe(400);
  });

  it('gives a self-registered (unverified) redirect origin no CORS on the token endpoint (registration-limits spec: verified ones)', async () => {
    const origin = `https://${name()}.example.org`;
    expect(
      (await post(server, '/register', { client_name: name(), redirect_uris: [`${origin}/callback`], token_endpoint_auth_method: 'none' }))
        .status,
    ).toBe(201);
    const preflight = (from: string) =>
      fetch(`${server.baseUrl}/token`, { method: 'OPTIONS', headers: { Origin: from, 'Access-Control-Request-Method': 'POST' } });
    expect((await preflight(origin)).headers.get('access-control-allow-origin')).toBeNull();
    const other = await preflight(`https://${name()}.example.org`);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('advertises registration_endpoint and the client capabilities in discovery', async () => {
    const configuration = (await (await fetch(`${server.baseUrl}/.well-known/smart-configuration`)).json()) as Json;
    expect(configuration.registration_endpoint).toBe(`${server.baseUrl}/register`);
    expect(configuration.capabilities).toEqual(
      expect.arrayContaining(['client-public', 'client-confidential-symmetric', 'client-confidential-asymmetric']),
    );
    expect(configuration.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'private_key_jwt']),
    );
    expect(configuration.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS384', 'ES384']));
  });
});
