import { authorizeParams, createApp, createEhr, createUser, insertPatient, pkce } from '../utils/authorize-fixtures';
import { driveAuthorization } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

// Bad input never yields a 500 or a stack trace.
describe('malformed input to the authorization pages', () => {
  let server: TestApp;
  let app: { clientId: string; redirectUri: string };
  const { challenge } = pkce();

  beforeAll(async () => {
    server = await startTestApp();
    app = await createApp(server);
  });

  afterAll(async () => {
    await server.close();
  });

  const post = (path: string, body: string, contentType: string, headers: Record<string, string> = {}) =>
    fetch(`${server.baseUrl}${path}`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': contentType, ...headers }, body });

  it.each([
    ['/authorize', '[1,2]', 'application/json'],
    ['/authorize', '{"client_id": {"$ne": 1}}', 'application/json'],
    ['/authorize/continue', '', 'application/x-www-form-urlencoded'],
    ['/authorize/continue', 'authorization_request=%%%&csrf_token=1', 'application/x-www-form-urlencoded'],
    ['/authorize/continue', '{"authorization_request": ["a"]}', 'application/json'],
    ['/login', 'username=a&username=b&password=x', 'application/x-www-form-urlencoded'],
    ['/login', '"just a string"', 'application/json'],
    ['/logout', 'csrf_token=nope', 'application/x-www-form-urlencoded'],
    ['/apps/revoke', 'grant_id=not-a-uuid&csrf_token=x', 'application/x-www-form-urlencoded'],
  ])('POST %s with %s answers 4xx or a redirect, never 5xx', async (path, body, contentType) => {
    const response = await post(path, body, contentType);
    expect(response.status).toBeGreaterThanOrEqual(300);
    expect(response.status).toBeLessThan(500);
    expect(await response.text()).not.toMatch(/\bat \S+\.(ts|js):\d+/);
  });

  it('a NUL in nonce or state is refused with a redirect, not stored', async () => {
    const params = new URLSearchParams(authorizeParams(server, app, challenge, { nonce: 'a\u0000b' })).toString();
    const response = await fetch(`${server.baseUrl}/authorize?${params}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get('location') as string).searchParams.get('error')).toBe('invalid_request');
  });

  it('POST /login with a NUL in the username fails like any other bad sign-in', async () => {
    const response = await post('/login', 'username=a%00b&password=x', 'application/x-www-form-urlencoded');
    expect([400, 401]).toContain(response.status);
  });

  it.each(['client_id=%00', 'client_id=a&client_id=b', `client_id=${'x'.repeat(5000)}`])(
    'GET /authorize?%s shows the error page',
    async (query) => {
      const response = await fetch(`${server.baseUrl}/authorize?${query}`, { redirect: 'manual' });
      expect(response.status).toBe(400);
    },
  );

  it('POST /launch with a JSON array body or nested values is a 4xx', async () => {
    const ehr = await createEhr(server);
    for (const body of [
      `{"fhirContext": [{"identifier": {"value": "\\u0000"}}], "target_client_id": "${app.clientId}"}`,
      `{"intent": "a\\u0000b", "target_client_id": "${app.clientId}"}`,
      `{"user": "x\\u0000", "target_client_id": "${app.clientId}"}`,
      '[1]',
      '{"target_client_id": {"a": 1}}',
      `{"patient": ["x"], "target_client_id": "${app.clientId}"}`,
      `{"fhirContext": "not json", "target_client_id": "${app.clientId}"}`,
    ]) {
      const response = await post('/launch', body, 'application/json', { Authorization: ehr.basic });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
  });

  it('a consent form replayed with scopes the app never asked for grants only what was requested', async () => {
    const { username, password } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Greedy')}`);
    const result = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'openid launch/patient patient/Observation.rs' }),
      {
        username,
        password,
        approveScopes: ['patient/Observation.rs', 'patient/*.cruds', 'user/*.cruds'],
      },
    );
    const { AuthorizationCodeService } = await import('../../src/authorize/authorization-code.service');
    const consumed = await server.app.get(AuthorizationCodeService).consume(result.code!);
    expect(consumed.status === 'ok' && consumed.code.scope).toBe('openid launch/patient patient/Observation.rs');
  });
});
