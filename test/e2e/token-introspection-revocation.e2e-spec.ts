import { decodeJwt } from 'jose';
import { Clock } from '../../src/common/time/clock';
import { startTestApp, TestApp } from '../utils/test-app';
import { TestClock, within } from '../utils/test-clock';
import { callAs, createClient, createUser, issueCode, JWT_BEARER, postForm, redeem, TestClient } from './token-fixtures';

const SCOPE = 'openid fhirUser launch/patient offline_access patient/Patient.rs';

describe('POST /introspect and POST /revoke', () => {
  let server: TestApp;
  const clock = new TestClock();

  beforeAll(async () => {
    server = await startTestApp({}, [{ provide: Clock, useValue: clock }]);
  });

  afterAll(async () => {
    await server.close();
  });

  async function tokensFor(client: TestClient, app: TestApp = server): Promise<Record<string, unknown>> {
    const launchContext = {
      patient: 'example-patient-1',
      encounter: 'enc-3',
      fhirContext: [{ reference: 'Observation/1' }],
      intent: 'summary',
    };
    const response = await redeem(app, client, await issueCode(app, client, await createUser(app), { scope: SCOPE, launchContext }));
    expect(response.status).toBe(200);
    return response.body;
  }

  it('describes an active access token to the client it was issued to', async () => {
    const client = await createClient(server, 'symmetric');
    const tokens = await tokensFor(client);
    const response = await callAs(server, client, '/introspect', { token: tokens.access_token as string });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('no-store');
    const idToken = decodeJwt(tokens.id_token as string);
    expect(response.body).toMatchObject({
      active: true,
      scope: SCOPE,
      client_id: client.clientId,
      token_type: 'Bearer',
      patient: 'example-patient-1',
      encounter: 'enc-3',
      fhirContext: [{ reference: 'Observation/1' }],
      intent: 'summary',
      iss: idToken.iss,
      sub: idToken.sub,
      fhirUser: idToken.fhirUser,
      aud: server.fhirBaseUrl,
    });
    const exp = response.body.exp as number;
    expect(Math.abs(exp - (Date.now() / 1000 + (tokens.expires_in as number)))).toBeLessThan(10);
    expect(typeof response.body.iat).toBe('number');
  });

  it('describes refresh tokens and backend-services tokens', async () => {
    const client = await createClient(server, 'symmetric');
    const tokens = await tokensFor(client);
    const refresh = await callAs(server, client, '/introspect', {
      token: tokens.refresh_token as string,
      token_type_hint: 'refresh_token',
    });
    expect(refresh.body).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      client_id: client.clientId,
      scope: SCOPE,
      patient: 'example-patient-1',
    });
    expect(typeof refresh.body.exp).toBe('number');

    const backend = await createClient(server, 'backend');
    const issued = await callAs(server, backend, '/token', { grant_type: 'client_credentials', scope: 'system/Patient.rs' });
    const introspected = await callAs(server, backend, '/introspect', { token: issued.body.access_token as string });
    expect(introspected.body).toMatchObject({
      active: true,
      client_id: backend.clientId,
      sub: backend.clientId,
      scope: 'system/Patient.rs',
    });
    expect(typeof introspected.body.exp).toBe('number');
  });

  it.each([
    ['an invalid value', 'invalid_token_value'],
    ['a forged JWT', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
    ['a malformed JWT', 'a.b.c'],
  ])('answers %s with exactly {"active": false}', async (_label, token) => {
    const client = await createClient(server, 'symmetric');
    const response = await callAs(server, client, '/introspect', { token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ active: false });
  });

  it('answers an expired token with {"active": false}', async () => {
    const client = await createClient(server, 'symmetric', { accessTokenTtl: 1 });
    const tokens = await tokensFor(client);
    expect(tokens.expires_in).toBe(1);
    // The verifier reads expiry from the injected clock: two seconds later for it, at once for the test.
    clock.advance(2000);
    try {
      const response = await callAs(server, client, '/introspect', { token: tokens.access_token as string });
      expect(response.body).toEqual({ active: false });
    } finally {
      clock.reset();
    }
  });

  it("hides another client's tokens unless the caller may introspect any token", async () => {
    const owner = await createClient(server, 'public');
    const tokens = await tokensFor(owner);
    const stranger = await createClient(server, 'symmetric');
    expect((await callAs(server, stranger, '/introspect', { token: tokens.access_token as string })).body).toEqual({ active: false });
    expect((await callAs(server, stranger, '/introspect', { token: tokens.refresh_token as string })).body).toEqual({ active: false });
    const resourceServer = await createClient(server, 'symmetric', { mayIntrospectAnyToken: true });
    expect((await callAs(server, resourceServer, '/introspect', { token: tokens.access_token as string })).body.active).toBe(true);
  });

  it('accepts a bearer token with system/*.rs or __introspect, and refuses one without', async () => {
    const owner = await createClient(server, 'public');
    const tokens = await tokensFor(owner);
    // Seeing other clients' tokens is the operator flag; the scope only admits the bearer (introspection-rights spec).
    const introspector = await createClient(server, 'backend', { scope: 'system/*.rs __introspect', mayIntrospectAnyToken: true });
    for (const scope of ['system/*.rs', '__introspect']) {
      const issued = await callAs(server, introspector, '/token', { grant_type: 'client_credentials', scope });
      expect(issued.status).toBe(200);
      const response = await postForm(
        `${server.baseUrl}/introspect`,
        { token: tokens.access_token as string },
        { Authorization: `Bearer ${issued.body.access_token}` },
      );
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ active: true, client_id: owner.clientId });
    }
    const unscoped = await postForm(
      `${server.baseUrl}/introspect`,
      { token: tokens.access_token as string },
      { Authorization: `Bearer ${tokens.access_token}` },
    );
    expect(unscoped.status).toBe(403);
    expect(unscoped.body.error).toBe('insufficient_scope');
    const bogus = await postForm(
      `${server.baseUrl}/introspect`,
      { token: tokens.access_token as string },
      { Authorization: 'Bearer not-a-token' },
    );
    expect(bogus.status).toBe(401);
    expect(bogus.body.error).toBe('invalid_token');
  });

  it('requires caller authentication and a token parameter', async () => {
    const anonymous = await postForm(`${server.baseUrl}/introspect`, { token: 'x' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('invalid_client');
    const client = await createClient(server, 'symmetric');
    const missing = await callAs(server, client, '/introspect', {});
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
  });

  it('revokes an access token: introspection reports it inactive at once', async () => {
    const client = await createClient(server, 'symmetric');
    const tokens = await tokensFor(client);
    const response = await callAs(server, client, '/revoke', { token: tokens.access_token as string, token_type_hint: 'access_token' });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('no-store');
    expect((await callAs(server, client, '/introspect', { token: tokens.access_token as string })).body).toEqual({ active: false });
    // The refresh token is untouched by revoking one access token.
    expect(
      (await callAs(server, client, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string })).status,
    ).toBe(200);
  });

  it("revoking a refresh token ends the grant's access tokens too", async () => {
    const client = await createClient(server, 'asymmetric');
    const tokens = await tokensFor(client);
    expect((await callAs(server, client, '/revoke', { token: tokens.refresh_token as string })).status).toBe(200);
    const refreshed = await callAs(server, client, '/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token as string,
    });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    expect((await callAs(server, client, '/introspect', { token: tokens.access_token as string })).body).toEqual({ active: false });
  });

  it("answers 200 for unknown tokens and for another client's tokens, without revoking them", async () => {
    const owner = await createClient(server, 'symmetric');
    const tokens = await tokensFor(owner);
    const other = await createClient(server, 'public');
    expect((await callAs(server, other, '/revoke', { token: 'unknown-token' })).status).toBe(200);
    expect(
      (await callAs(server, other, '/revoke', { token: tokens.access_token as string, token_type_hint: 'something_else' })).status,
    ).toBe(200);
    expect((await callAs(server, other, '/revoke', { token: tokens.refresh_token as string })).status).toBe(200);
    expect((await callAs(server, owner, '/introspect', { token: tokens.access_token as string })).body.active).toBe(true);
    expect((await callAs(server, owner, '/introspect', { token: tokens.refresh_token as string })).body.active).toBe(true);
  });

  it('requires client authentication and a token to revoke', async () => {
    const anonymous = await postForm(`${server.baseUrl}/revoke`, { token: 'x' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('invalid_client');
    const client = await createClient(server, 'backend');
    const missing = await postForm(`${server.baseUrl}/revoke`, {
      client_assertion_type: JWT_BEARER,
      client_assertion: await client.assertion!(`${server.baseUrl}/revoke`),
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
  });

  it('a second server process on the same database sees a revocation within the token-state cache lifetime', async () => {
    // Every process of one deployment shares PUBLIC_URL (the issuer); the second reuses revocation answers 150 ms.
    const second = await startTestApp({ PUBLIC_URL: server.baseUrl, TOKEN_STATE_CACHE_MS: '150' });
    try {
      const client = await createClient(server, 'symmetric');
      const tokens = await tokensFor(client);
      const before = await callAs(second, client, '/introspect', { token: tokens.access_token as string });
      expect(before.body.active).toBe(true);
      // The answer it cached before the revocation is still served, for at most the configured lifetime.
      expect((await callAs(server, client, '/revoke', { token: tokens.access_token as string })).status).toBe(200);
      const took = await within(
        3000,
        async () => (await callAs(second, client, '/introspect', { token: tokens.access_token as string })).body.active === false,
      );
      expect(took).toBeLessThan(3000);
    } finally {
      await second.close();
    }
  });
});
