import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startTestApp, TestApp } from '../utils/test-app';
import { callAs, createClient, JWT_BEARER, postForm, TestClient } from './token-fixtures';

describe('POST /token: client_credentials (SMART Backend Services)', () => {
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

  async function request(params: Record<string, string>, assertionClaims: Record<string, unknown> = {}) {
    return postForm(
      tokenUrl,
      { client_assertion_type: JWT_BEARER, client_assertion: await backend.assertion!(tokenUrl, assertionClaims), ...params },
      { Accept: 'application/json' },
    );
  }

  it('issues a short-lived token for pre-authorized system scopes, without a refresh token', async () => {
    const response = await request({ grant_type: 'client_credentials', scope: 'system/Patient.rs' });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('no-store');
    expect(response.body).toMatchObject({ token_type: 'Bearer', scope: 'system/Patient.rs' });
    expect(typeof response.body.expires_in).toBe('number');
    expect(response.body.expires_in as number).toBeLessThanOrEqual(300);
    expect(response.body.refresh_token).toBeUndefined();
    expect(response.body.id_token).toBeUndefined();
    expect(decodeProtectedHeader(response.body.access_token as string).typ).toBe('at+jwt');
    expect(decodeJwt(response.body.access_token as string)).toMatchObject({
      sub: backend.clientId,
      client_id: backend.clientId,
      aud: server.fhirBaseUrl,
      scope: 'system/Patient.rs',
    });
  });

  it('narrows v1 and wildcard scopes to the pre-authorized ceiling', async () => {
    const response = await request({ grant_type: 'client_credentials', scope: 'system/*.read' });
    expect(response.status).toBe(200);
    const granted = (response.body.scope as string).split(' ');
    expect(granted.some((scope) => scope.startsWith('system/Patient.'))).toBe(true);
    expect(granted.some((scope) => scope.startsWith('system/Observation.'))).toBe(true);
    expect(granted.some((scope) => scope.startsWith('system/*'))).toBe(false);

    const partly = await request({ grant_type: 'client_credentials', scope: 'system/Patient.rs system/Condition.rs offline_access' });
    expect(partly.status).toBe(200);
    expect(partly.body.scope).toBe('system/Patient.rs');
  });

  it('refuses scopes outside the pre-authorization, and a missing scope, with invalid_scope', async () => {
    const outside = await request({ grant_type: 'client_credentials', scope: 'system/Condition.rs' });
    expect(outside.status).toBe(400);
    expect(outside.body.error).toBe('invalid_scope');
    const missing = await request({ grant_type: 'client_credentials' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_scope');
  });

  it('answers a valid assertion with grant_type=not_a_grant_type with exactly 400', async () => {
    const response = await request({ grant_type: 'not_a_grant_type', scope: 'system/Patient.rs' });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('unsupported_grant_type');
  });

  it('refuses an invalid client_assertion_type with 400 or 401', async () => {
    const response = await postForm(tokenUrl, {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion_type: 'not_an_assertion_type',
      client_assertion: await backend.assertion!(tokenUrl),
    });
    expect([400, 401]).toContain(response.status);
    expect(['invalid_request', 'invalid_client']).toContain(response.body.error);
  });

  it('refuses an assertion with a wrong iss, a wrong aud or a replayed jti', async () => {
    const badIss = await request({ grant_type: 'client_credentials', scope: 'system/Patient.rs' }, { iss: 'not_a_valid_iss' });
    expect([400, 401]).toContain(badIss.status);
    expect(badIss.body.error).toBe('invalid_client');

    const wrongAudience = await postForm(tokenUrl, {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion_type: JWT_BEARER,
      client_assertion: await backend.assertion!('https://elsewhere.example.org/token'),
    });
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.body.error).toBe('invalid_client');

    const assertion = await backend.assertion!(tokenUrl);
    const params = {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion,
    };
    expect((await postForm(tokenUrl, params)).status).toBe(200);
    const replay = await postForm(tokenUrl, params);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_client');
  });

  // Secret-authenticated client_credentials clients (operator-created): token-client-credentials-secret.e2e-spec.ts.
  it('refuses client_credentials for a public client, even one stored with the grant', async () => {
    const publicClient = await createClient(server, 'public', {
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scope: 'system/Patient.rs',
    });
    const response = await callAs(server, publicClient, '/token', { grant_type: 'client_credentials', scope: 'system/Patient.rs' });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('unauthorized_client');
  });

  it('uses a shorter per-client access-token lifetime', async () => {
    const quick = await createClient(server, 'backend', { accessTokenTtl: 60 });
    const response = await callAs(server, quick, '/token', { grant_type: 'client_credentials', scope: 'system/Patient.rs' });
    expect(response.status).toBe(200);
    expect(response.body.expires_in).toBe(60);
  });
});
