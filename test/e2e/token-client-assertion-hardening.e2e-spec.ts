import { authorizeParams, createApp, createUser, pkce } from '../utils/authorize-fixtures';
import { driveAuthorization } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';
import { createClient, JWT_BEARER, postForm, TestClient } from './token-fixtures';

describe('client assertions and loopback redirects', () => {
  let server: TestApp;
  let tokenUrl: string;
  let backend: TestClient;

  beforeAll(async () => {
    server = await startTestApp();
    tokenUrl = `${server.baseUrl}/token`;
    backend = await createClient(server, 'backend');
  });

  afterAll(async () => {
    await server.close();
  });

  const request = async (claims: Record<string, unknown> = {}, fields: Record<string, string> = {}) =>
    postForm(tokenUrl, {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion_type: JWT_BEARER,
      client_assertion: await backend.assertion!(tokenUrl, claims),
      ...fields,
    });

  it('answers a client_assertion_type other than jwt-bearer with 400 invalid_request (ONC (g)(10) 8.1.03)', async () => {
    for (const type of ['not_an_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer', '']) {
      const response = await request({}, { client_assertion_type: type });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_request');
    }
    const missingType = await postForm(tokenUrl, {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion: await backend.assertion!(tokenUrl),
    });
    expect(missingType.status).toBe(400);
    expect(missingType.body.error).toBe('invalid_request');
    expect((await request()).status).toBe(200);
  });

  it('refuses an assertion issued more than 60 s in the future, accepts one within the skew or without iat', async () => {
    const now = Math.floor(Date.now() / 1000);
    const future = await request({ iat: now + 120 });
    expect(future.status).toBe(401);
    expect(future.body.error).toBe('invalid_client');
    expect((await request({ iat: now + 30 })).status).toBe(200);
    expect((await request({ iat: now })).status).toBe(200);
    expect((await request()).status).toBe(200);
  });

  it('refuses an aud array, even one that contains this token endpoint (RFC 7523 §3)', async () => {
    for (const aud of [
      [tokenUrl, 'https://other-server.example.org/token'],
      [tokenUrl],
      ['https://other-server.example.org/token', server.baseUrl],
    ]) {
      const response = await request({ aud });
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('invalid_client');
    }
    expect((await request({ aud: tokenUrl })).status).toBe(200);
  });

  describe('loopback redirect URIs (RFC 8252 §7.3)', () => {
    let user: { username: string; password: string };

    beforeAll(async () => {
      user = await createUser(server, 'patient', 'Patient/example-patient-1');
    });

    it.each([
      ['http://127.0.0.1/callback', 'http://127.0.0.1:49152/callback'],
      ['http://127.0.0.1:8080/callback', 'http://127.0.0.1:61001/callback'],
      ['http://[::1]/cb', 'http://[::1]:50123/cb'],
    ])('registered %s accepts %s at /authorize and /token', async (registered, presented) => {
      const app = await createApp(server, { redirectUris: [registered] });
      const { verifier, challenge } = pkce();
      const result = await driveAuthorization(
        server.baseUrl,
        authorizeParams(server, { clientId: app.clientId, redirectUri: presented }, challenge),
        user,
      );
      expect(result.location.startsWith(`${presented}?`)).toBe(true);
      expect(result.code).toEqual(expect.any(String));
      const exchange = (redirectUri: string) =>
        postForm(tokenUrl, {
          grant_type: 'authorization_code',
          code: result.code!,
          redirect_uri: redirectUri,
          code_verifier: verifier,
          client_id: app.clientId,
        });
      const tokens = await exchange(presented);
      expect(tokens.status).toBe(200);
      expect(tokens.body.access_token).toEqual(expect.any(String));
    });

    it('requires the token request to name the redirect URI of the authorization request, port included (RFC 6749 §4.1.3)', async () => {
      const app = await createApp(server, { redirectUris: ['http://127.0.0.1/callback'] });
      const { verifier, challenge } = pkce();
      const result = await driveAuthorization(
        server.baseUrl,
        authorizeParams(server, { clientId: app.clientId, redirectUri: 'http://127.0.0.1:49152/callback' }, challenge),
        user,
      );
      const exchange = await postForm(tokenUrl, {
        grant_type: 'authorization_code',
        code: result.code!,
        redirect_uri: 'http://127.0.0.1:49153/callback',
        code_verifier: verifier,
        client_id: app.clientId,
      });
      expect(exchange.status).toBe(400);
      expect(exchange.body.error).toBe('invalid_grant');
    });

    it.each([
      'http://127.0.0.1:49152/other',
      'http://127.0.0.1:49152/callback?x=1',
      'http://127.0.0.2:49152/callback',
      'https://127.0.0.1:49152/callback',
      'http://localhost:49152/callback',
      'http://127.0.0.1:49152/callback/../callback',
    ])('does not stretch the rule: %s is not registered', async (presented) => {
      const app = await createApp(server, { redirectUris: ['http://127.0.0.1/callback'] });
      const { challenge } = pkce();
      const response = await fetch(
        `${server.baseUrl}/authorize?${new URLSearchParams(authorizeParams(server, { clientId: app.clientId, redirectUri: presented }, challenge))}`,
        {
          redirect: 'manual',
        },
      );
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    });

    it('keeps exact matching for non-loopback redirect URIs', async () => {
      const app = await createApp(server, { redirectUris: ['https://app.example.org/callback'] });
      const { challenge } = pkce();
      const response = await fetch(
        `${server.baseUrl}/authorize?${new URLSearchParams(authorizeParams(server, { clientId: app.clientId, redirectUri: 'https://app.example.org:8443/callback' }, challenge))}`,
        { redirect: 'manual' },
      );
      expect(response.status).toBe(400);
    });
  });
});
