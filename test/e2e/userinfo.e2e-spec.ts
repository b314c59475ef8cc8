import { ClientsService } from '../../src/clients/clients.service';
import { UsersService } from '../../src/clients/users.service';
import { callAs, createClient, createUser, issueCode, redeem, TestClient } from './token-fixtures';
import { mintAccessToken } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';

// OIDC Core §5.3 userinfo with RFC 6750 errors; the token is checked as introspection and the FHIR guard check it.
describe('userinfo', () => {
  let server: TestApp;
  let client: TestClient;

  beforeAll(async () => {
    server = await startTestApp();
    client = await createClient(server, 'symmetric');
  });

  afterAll(async () => {
    await server.close();
  });

  const userinfo = (token?: string, method: 'GET' | 'POST' = 'GET', headers: Record<string, string> = {}) =>
    fetch(`${server.baseUrl}/userinfo`, {
      method,
      headers: { ...(token !== undefined ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    });

  async function tokensFor(scope: string) {
    const user = await createUser(server, 'patient');
    const issued = await issueCode(server, client, user, { scope });
    const response = await redeem(server, client, issued);
    expect(response.status).toBe(200);
    return { user, accessToken: response.body.access_token as string, refreshToken: response.body.refresh_token as string };
  }

  it('is advertised in the OIDC and RFC 8414 metadata', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const body = (await (await fetch(`${server.baseUrl}${path}`)).json()) as Record<string, unknown>;
      expect(body.userinfo_endpoint).toBe(`${server.baseUrl}/userinfo`);
    }
  });

  it('answers GET and POST with sub, fhirUser and name, never cached', async () => {
    const { user, accessToken } = await tokensFor('openid fhirUser profile launch/patient patient/*.rs');
    for (const method of ['GET', 'POST'] as const) {
      const response = await userinfo(accessToken, method);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toEqual({ sub: user.id, fhirUser: `${server.fhirBaseUrl}/Patient/example-patient-1`, name: user.displayName });
    }
  });

  it('leaves out fhirUser and name when they were not granted', async () => {
    const { user, accessToken } = await tokensFor('openid launch/patient patient/*.rs');
    expect(await (await userinfo(accessToken)).json()).toEqual({ sub: user.id });
  });

  it('answers CORS like the token endpoint (an approved client origin)', async () => {
    const { accessToken } = await tokensFor('openid profile');
    const response = await userinfo(accessToken, 'GET', { Origin: 'https://not-approved.example.com' });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 401 with a bare challenge without credentials and invalid_token for a bad token', async () => {
    const missing = await userinfo();
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="smart-auth"');
    for (const token of ['not-a-jwt', 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ4In0.c2ln']) {
      const bad = await userinfo(token);
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    const expired = await mintAccessToken(server, { scope: 'openid', expiresIn: -120 });
    expect((await userinfo(expired)).status).toBe(401);
  });

  it('answers 403 insufficient_scope for a token without openid', async () => {
    const { accessToken } = await tokensFor('launch/patient patient/*.rs');
    const response = await userinfo(accessToken);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="smart-auth", error="insufficient_scope", scope="openid"');
  });

  it('refuses a token whose grant was revoked, or whose user or client was disabled (401)', async () => {
    const revoked = await tokensFor('openid offline_access profile');
    expect((await userinfo(revoked.accessToken)).status).toBe(200);
    expect((await callAs(server, client, '/revoke', { token: revoked.refreshToken })).status).toBe(200);
    const afterRevoke = await userinfo(revoked.accessToken);
    expect(afterRevoke.status).toBe(401);
    expect(afterRevoke.headers.get('www-authenticate')).toContain('error="invalid_token"');

    const disabledUser = await tokensFor('openid profile');
    await server.app.get(UsersService).update(disabledUser.user.id, { enabled: false });
    expect((await userinfo(disabledUser.accessToken)).status).toBe(401);

    const other = await createClient(server, 'symmetric');
    const user = await createUser(server, 'patient');
    const issued = await redeem(server, other, await issueCode(server, other, user, { scope: 'openid profile' }));
    expect((await userinfo(issued.body.access_token as string)).status).toBe(200);
    await server.app.get(ClientsService).disable(other.clientId);
    expect((await userinfo(issued.body.access_token as string)).status).toBe(401);
  });

  it('refuses a backend-services token (no user to describe)', async () => {
    const token = await mintAccessToken(server, { scope: 'openid system/Patient.rs' });
    expect((await userinfo(token)).status).toBe(401);
  });
});
