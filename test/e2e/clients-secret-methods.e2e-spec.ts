import { createClient, createUser, issueCode, postForm, TestClient } from './token-fixtures';
import { startTestApp, TestApp } from '../utils/test-app';

// RFC 6749 §2.3.1: a client that holds a secret may send it with HTTP Basic or in the body, whichever it was
// registered for, at /token, /introspect and /revoke. Public and key-based clients never get a secret method.
describe('either secret method for a client with a secret', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  const basic = (client: TestClient): Record<string, string> => ({
    Authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret as string}`).toString('base64')}`,
  });
  const post = (client: TestClient): Record<string, string> => ({
    client_id: client.clientId,
    client_secret: client.clientSecret as string,
  });

  // Each client authenticates with the method it was NOT registered for, as authlib does by default.
  it.each([
    ['client_secret_post', 'HTTP Basic'],
    ['client_secret_basic', 'the request body'],
  ] as const)('a %s client using %s gets tokens, introspects and revokes (and the revocation holds)', async (method, _using) => {
    const client = await createClient(server, 'symmetric', { tokenEndpointAuthMethod: method });
    const other = (params: Record<string, string>, path: string) =>
      method === 'client_secret_post'
        ? postForm(`${server.baseUrl}${path}`, params, basic(client))
        : postForm(`${server.baseUrl}${path}`, { ...params, ...post(client) });
    const issued = await issueCode(server, client, await createUser(server));
    const tokens = await other(
      { grant_type: 'authorization_code', code: issued.code, redirect_uri: client.redirectUri, code_verifier: issued.verifier },
      '/token',
    );
    expect(tokens.status).toBe(200);
    const refreshToken = tokens.body.refresh_token as string;
    expect(refreshToken).toBeTruthy();

    const introspected = await other({ token: tokens.body.access_token as string }, '/introspect');
    expect(introspected.status).toBe(200);
    expect(introspected.body.active).toBe(true);

    const revoked = await other({ token: refreshToken, token_type_hint: 'refresh_token' }, '/revoke');
    expect(revoked.status).toBe(200);
    // The user's sign-out took effect: the refresh token no longer works.
    const refreshed = await other({ grant_type: 'refresh_token', refresh_token: refreshToken }, '/token');
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');

    // A wrong secret is still refused with either method.
    const wrong = await postForm(
      `${server.baseUrl}/revoke`,
      { token: refreshToken },
      { Authorization: `Basic ${Buffer.from(`${client.clientId}:wrong`).toString('base64')}` },
    );
    expect(wrong.status).toBe(401);
    expect(
      (await postForm(`${server.baseUrl}/introspect`, { token: 'x', client_id: client.clientId, client_secret: 'wrong' })).status,
    ).toBe(401);
  });

  it.each(['public', 'asymmetric'] as const)('a %s client is refused both secret methods at every endpoint', async (kind) => {
    const client = await createClient(server, kind);
    const fake = { ...client, clientSecret: 'guessed-secret' };
    for (const path of ['/token', '/introspect', '/revoke']) {
      const params: Record<string, string> = path === '/token' ? { grant_type: 'refresh_token', refresh_token: 'x' } : { token: 'x' };
      const viaBasic = await postForm(`${server.baseUrl}${path}`, params, basic(fake));
      expect([path, viaBasic.status, viaBasic.body.error]).toEqual([path, 401, 'invalid_client']);
      const viaBody = await postForm(`${server.baseUrl}${path}`, { ...params, ...post(fake) });
      expect([path, viaBody.status, viaBody.body.error]).toEqual([path, 401, 'invalid_client']);
    }
  });
});
