import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { RevocationService } from '../../src/revocation/revocation.service';
import { startTestApp, TestApp } from '../utils/test-app';
import { callAs, createClient, createIntrospector, createUser, issueCode, postForm, redeem, TestClient } from './token-fixtures';

function expectNoStore(headers: Headers): void {
  expect(headers.get('cache-control')).toContain('no-store');
  expect(headers.get('pragma')).toContain('no-cache');
}

describe('POST /token: authorization_code', () => {
  let server: TestApp;
  let tokenUrl: string;

  beforeAll(async () => {
    server = await startTestApp();
    tokenUrl = `${server.baseUrl}/token`;
  });

  afterAll(async () => {
    await server.close();
  });

  it('issues access, id and refresh tokens with the launch context to a public client', async () => {
    const client = await createClient(server, 'public');
    const user = await createUser(server);
    const scope = 'openid fhirUser profile launch/patient offline_access patient/*.rs';
    const issued = await issueCode(server, client, user, {
      scope,
      nonce: 'n-0S6_WzA2Mj',
      launchContext: {
        patient: 'example-patient-1',
        encounter: 'enc-1',
        need_patient_banner: true,
        smart_style_url: `${server.baseUrl}/static/smart-style.json`,
        intent: 'reconcile-medications',
        tenant: 't1',
        fhirContext: [{ reference: 'DiagnosticReport/123' }],
      },
    });
    const response = await redeem(server, client, issued);
    expect(response.status).toBe(200);
    expectNoStore(response.headers);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = response.body;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      scope,
      patient: 'example-patient-1',
      encounter: 'enc-1',
      need_patient_banner: true,
      intent: 'reconcile-medications',
      tenant: 't1',
      fhirContext: [{ reference: 'DiagnosticReport/123' }],
    });
    expect(typeof body.expires_in).toBe('number');
    expect(body.expires_in).toBe(3600);
    expect(typeof body.refresh_token).toBe('string');

    const jwks = createRemoteJWKSet(new URL(`${server.baseUrl}/.well-known/jwks.json`));
    const accessToken = body.access_token as string;
    expect(accessToken.length).toBeLessThan(4096);
    expect(decodeProtectedHeader(accessToken)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const access = await jwtVerify(accessToken, jwks, { issuer: server.baseUrl, audience: server.fhirBaseUrl, typ: 'at+jwt' });
    expect(access.payload).toMatchObject({
      sub: user.id,
      client_id: client.clientId,
      scope,
      grant_id: issued.grantId,
      patient: 'example-patient-1',
      encounter: 'enc-1',
      fhirUser: `${server.fhirBaseUrl}/${user.fhirUser}`,
      user_role: 'practitioner',
    });
    expect(access.payload.jti).toEqual(expect.any(String));

    const idToken = body.id_token as string;
    expect(decodeProtectedHeader(idToken).alg).toBe('RS256');
    const id = await jwtVerify(idToken, jwks, { issuer: server.baseUrl, audience: client.clientId, algorithms: ['RS256'] });
    expect(id.payload).toMatchObject({
      iss: server.baseUrl,
      sub: user.id,
      aud: client.clientId,
      fhirUser: `${server.fhirBaseUrl}/${user.fhirUser}`,
      nonce: 'n-0S6_WzA2Mj',
      name: user.displayName,
    });
    expect(typeof id.payload.iat).toBe('number');
    expect((id.payload.exp as number) > Date.now() / 1000).toBe(true);
    expect((id.payload.sub as string).length).toBeLessThan(256);
  });

  it('omits the id_token without openid, and the refresh token without offline_access', async () => {
    const client = await createClient(server, 'public');
    const response = await redeem(
      server,
      client,
      await issueCode(server, client, await createUser(server), { scope: 'fhirUser launch/patient patient/Patient.rs' }),
    );
    expect(response.status).toBe(200);
    expect(response.body.id_token).toBeUndefined();
    expect(response.body.refresh_token).toBeUndefined();
    expect(response.body.scope).toBe('fhirUser launch/patient patient/Patient.rs');
  });

  it('issues no refresh token to a client not allowed to have one', async () => {
    const client = await createClient(server, 'public', { allowRefreshTokens: false });
    const response = await redeem(server, client, await issueCode(server, client, await createUser(server)));
    expect(response.status).toBe(200);
    expect(response.body.refresh_token).toBeUndefined();
  });

  it('authenticates a symmetric client with HTTP Basic, and refuses a wrong secret or client id with 401', async () => {
    const client = await createClient(server, 'symmetric');
    const user = await createUser(server);
    const ok = await redeem(server, client, await issueCode(server, client, user));
    expect(ok.status).toBe(200);

    const issued = await issueCode(server, client, user);
    const params = {
      grant_type: 'authorization_code',
      code: issued.code,
      redirect_uri: client.redirectUri,
      code_verifier: issued.verifier,
    };
    for (const credentials of [`${client.clientId}:wrong-secret`, `BAD_CLIENT_ID:${client.clientSecret}`]) {
      const response = await postForm(tokenUrl, params, { Authorization: `Basic ${Buffer.from(credentials).toString('base64')}` });
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('invalid_client');
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
      expectNoStore(response.headers);
    }
    const noCredentials = await postForm(tokenUrl, params);
    expect([400, 401]).toContain(noCredentials.status);
    expect(noCredentials.body.error).toBe('invalid_client');
  });

  it('authenticates an asymmetric client with private_key_jwt', async () => {
    const client = await createClient(server, 'asymmetric');
    const response = await redeem(server, client, await issueCode(server, client, await createUser(server)));
    expect(response.status).toBe(200);
    expect(response.body.id_token).toEqual(expect.any(String));
  });

  it('answers a bad code with exactly 400 invalid_grant', async () => {
    const client = await createClient(server, 'symmetric');
    const response = await callAs(server, client, '/token', {
      grant_type: 'authorization_code',
      code: 'BAD_CODE',
      redirect_uri: client.redirectUri,
      code_verifier: `${'a'.repeat(43)}`,
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    expectNoStore(response.headers);
  });

  it.each([
    ['missing', undefined],
    ['blank', ''],
    ['wrong', `${'x'.repeat(36)}-${'y'.repeat(36)}`],
    ['equal to the challenge', 'CHALLENGE'],
  ])('refuses a %s code_verifier with 400 invalid_grant', async (_label, verifier) => {
    const client = await createClient(server, 'public');
    const issued = await issueCode(server, client, await createUser(server));
    const params: Record<string, string> = {
      grant_type: 'authorization_code',
      code: issued.code,
      redirect_uri: client.redirectUri,
      client_id: client.clientId,
    };
    if (verifier === 'CHALLENGE') {
      const { createHash } = await import('node:crypto');
      params.code_verifier = createHash('sha256').update(issued.verifier).digest('base64url');
    } else if (verifier !== undefined) params.code_verifier = verifier;
    const response = await postForm(tokenUrl, params);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
  });

  it('refuses a redirect_uri that differs from the authorization request', async () => {
    const client = await createClient(server, 'public');
    const issued = await issueCode(server, client, await createUser(server));
    const response = await redeem(server, client, issued, { redirect_uri: `${client.redirectUri}/other` });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
  });

  it('refuses a code issued to another client', async () => {
    const owner = await createClient(server, 'public');
    const thief: TestClient = { ...(await createClient(server, 'public')), redirectUri: owner.redirectUri };
    const issued = await issueCode(server, owner, await createUser(server));
    const response = await redeem(server, thief, issued);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
  });

  // RFC 6749 §4.1.3: a wrong presenter must not burn the code for its owner, nor revoke the owner's grant.
  it('does not burn a code when another client presents it: the rightful redemption then succeeds', async () => {
    const owner = await createClient(server, 'public');
    const thief: TestClient = { ...(await createClient(server, 'public')), redirectUri: owner.redirectUri };
    const issued = await issueCode(server, owner, await createUser(server));
    const stolen = await redeem(server, thief, issued);
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');
    const rightful = await redeem(server, owner, issued);
    expect(rightful.status).toBe(200);
    // A public client may not introspect (RFC 7662 §2.1); an operator-flagged client looks.
    const introspected = await callAs(server, await createIntrospector(server), '/introspect', {
      token: rightful.body.access_token as string,
    });
    expect(introspected.body.active).toBe(true);
  });

  it('does not burn a code presented with a wrong verifier or redirect_uri: the right one then succeeds', async () => {
    const client = await createClient(server, 'public');
    const issued = await issueCode(server, client, await createUser(server));
    const wrongVerifier = await redeem(server, client, issued, { code_verifier: `${'w'.repeat(43)}` });
    expect(wrongVerifier.status).toBe(400);
    expect(wrongVerifier.body.error).toBe('invalid_grant');
    const wrongRedirect = await redeem(server, client, issued, { redirect_uri: `${client.redirectUri}/other` });
    expect(wrongRedirect.status).toBe(400);
    expect(wrongRedirect.body.error).toBe('invalid_grant');
    const rightful = await redeem(server, client, issued);
    expect(rightful.status).toBe(200);
    // A public client may not introspect (RFC 7662 §2.1); an operator-flagged client looks.
    const introspected = await callAs(server, await createIntrospector(server), '/introspect', {
      token: rightful.body.access_token as string,
    });
    expect(introspected.body.active).toBe(true);
  });

  it('does not count a wrong presenter after redemption as reuse: the issued tokens stay valid', async () => {
    const owner = await createClient(server, 'public');
    const thief: TestClient = { ...(await createClient(server, 'public')), redirectUri: owner.redirectUri };
    const issued = await issueCode(server, owner, await createUser(server));
    const rightful = await redeem(server, owner, issued);
    expect(rightful.status).toBe(200);
    expect((await redeem(server, thief, issued)).body.error).toBe('invalid_grant');
    expect((await redeem(server, owner, issued, { code_verifier: `${'w'.repeat(43)}` })).body.error).toBe('invalid_grant');
    // A public client may not introspect (RFC 7662 §2.1); an operator-flagged client looks.
    const introspected = await callAs(server, await createIntrospector(server), '/introspect', {
      token: rightful.body.access_token as string,
    });
    expect(introspected.body.active).toBe(true);
  });

  it('refuses a reused code and revokes the tokens issued from it (RFC 6749 §4.1.2)', async () => {
    const client = await createClient(server, 'public');
    const issued = await issueCode(server, client, await createUser(server));
    const first = await redeem(server, client, issued);
    expect(first.status).toBe(200);
    const introspector = await createIntrospector(server);
    const active = await callAs(server, introspector, '/introspect', { token: first.body.access_token as string });
    expect(active.body.active).toBe(true);

    const second = await redeem(server, client, issued);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');

    const introspected = await callAs(server, introspector, '/introspect', { token: first.body.access_token as string });
    expect(introspected.body).toEqual({ active: false });
    const refreshed = await callAs(server, client, '/token', {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token as string,
    });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('lets exactly one of two concurrent redemptions of a code succeed', async () => {
    const client = await createClient(server, 'public');
    const issued = await issueCode(server, client, await createUser(server));
    const results = await Promise.all([redeem(server, client, issued), redeem(server, client, issued)]);
    expect(results.map((result) => result.status).sort()).toEqual([200, 400]);
    expect(results.find((result) => result.status === 400)?.body.error).toBe('invalid_grant');
    // The second use counts as reuse (RFC 6749 §4.1.2), so the winner's tokens end with the grant.
    const winner = results.find((result) => result.status === 200);
    const introspection = await callAs(server, await createIntrospector(server), '/introspect', {
      token: winner?.body.access_token as string,
    });
    expect(introspection.body).toEqual({ active: false });
  });

  it('refuses a code whose grant the user revoked before redemption', async () => {
    const client = await createClient(server, 'public');
    const issued = await issueCode(server, client, await createUser(server));
    await server.app.get(RevocationService).revokeGrant(issued.grantId);
    const response = await redeem(server, client, issued);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
  });
});
