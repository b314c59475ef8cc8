import { authorizeParams, createApp, createUser as createAuthorizeUser, pkce } from '../utils/authorize-fixtures';
import { driveAuthorization } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';
import { callAs, createClient, createUser, issueCode, postForm, redeem, TestClient } from './token-fixtures';

// RFC 7662 §2.1, SMART App Launch 2.2 Token Introspection: who may introspect what (docs/tokens.md).
describe('introspection rights', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  const tokensOf = async (client: TestClient): Promise<Record<string, unknown>> => {
    const issued = await issueCode(server, client, await createUser(server));
    return (await redeem(server, client, issued)).body;
  };
  const introspectWithBearer = (bearer: string, token: string) =>
    postForm(`${server.baseUrl}/introspect`, { token }, { Authorization: `Bearer ${bearer}` });

  it('refuses a public client that sends only its client_id (RFC 7662 §2.1), even for its own token', async () => {
    const client = await createClient(server, 'public');
    const tokens = await tokensOf(client);
    const response = await postForm(`${server.baseUrl}/introspect`, { client_id: client.clientId, token: tokens.access_token as string });
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_client');
    expect(response.body.active).toBeUndefined();
    // Revocation still accepts public clients (RFC 7009 §2.1).
    expect((await postForm(`${server.baseUrl}/revoke`, { client_id: client.clientId, token: tokens.refresh_token as string })).status).toBe(
      200,
    );
  });

  it("lets a bearer token with __introspect or system/*.rs see only its own client's tokens unless an operator flagged the client", async () => {
    const victim = await createClient(server, 'symmetric');
    const victimTokens = await tokensOf(victim);
    const unflagged = await createClient(server, 'backend', { scope: 'system/*.rs __introspect' });
    const flagged = await createClient(server, 'backend', { scope: '__introspect', mayIntrospectAnyToken: true });
    for (const scope of ['__introspect', 'system/*.rs']) {
      const bearer = (await callAs(server, unflagged, '/token', { grant_type: 'client_credentials', scope })).body.access_token as string;
      const foreign = await introspectWithBearer(bearer, victimTokens.access_token as string);
      expect(foreign.status).toBe(200);
      expect(foreign.body).toEqual({ active: false });
      expect((await introspectWithBearer(bearer, victimTokens.refresh_token as string)).body).toEqual({ active: false });
      const own = await introspectWithBearer(bearer, bearer);
      expect(own.body).toMatchObject({ active: true, client_id: unflagged.clientId });
    }
    const operatorBearer = (await callAs(server, flagged, '/token', { grant_type: 'client_credentials', scope: '__introspect' })).body
      .access_token as string;
    expect((await introspectWithBearer(operatorBearer, victimTokens.access_token as string)).body).toMatchObject({
      active: true,
      client_id: victim.clientId,
    });
  });

  it("never lets a person consent to __introspect at /authorize, even when an app's ceiling lists it", async () => {
    const user = await createAuthorizeUser(server, 'practitioner', 'Practitioner/example-practitioner-1');
    // A legacy app whose stored ceiling still carries the internal scope.
    const app = await createApp(server, { scope: 'openid fhirUser __introspect' });
    const { challenge, verifier } = pkce();
    const params = authorizeParams(server, app, challenge, { scope: 'openid fhirUser __introspect' });
    const result = await driveAuthorization(server.baseUrl, params, { ...user, approveScopes: ['__introspect'] });
    expect(result.pages.join(' ')).not.toContain('__introspect');
    expect(result.code).toBeDefined();
    const tokens = await postForm(`${server.baseUrl}/token`, {
      grant_type: 'authorization_code',
      client_id: app.clientId,
      code: result.code as string,
      redirect_uri: app.redirectUri,
      code_verifier: verifier,
    });
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope).not.toContain('__introspect');
    const attempt = await introspectWithBearer(tokens.body.access_token as string, tokens.body.access_token as string);
    expect(attempt.status).toBe(403);

    const only = await fetch(`${server.baseUrl}/authorize?${new URLSearchParams({ ...params, scope: '__introspect' }).toString()}`, {
      redirect: 'manual',
    });
    expect(new URL(only.headers.get('location') as string).searchParams.get('error')).toBe('invalid_scope');
  });
});
