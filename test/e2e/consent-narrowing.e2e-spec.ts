import { authorizeParams, createApp, createUser, insertPatient, insertResource, pkce, unique } from '../utils/authorize-fixtures';
import { driveAuthorization } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

type Json = Record<string, unknown>;

// After prompt=consent where the person unticks scopes, /apps showed the narrowed access but the
// earlier refresh token still refreshed to the old, wider scope. When an approval narrows, tokens it no longer
// covers stop working.
describe('narrowing a consent', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  const token = async (params: Record<string, string>): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${server.baseUrl}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const fhir = (accessToken: string, path: string) =>
    fetch(`${server.fhirBaseUrl}/${path}`, { headers: { Authorization: `Bearer ${accessToken}` } });

  it('revokes the refresh and access tokens of the wider approval; the narrowed tokens keep working', async () => {
    const patientId = await insertPatient(server, 'Narrowed');
    await insertResource(server, {
      resourceType: 'Observation',
      id: unique('obs'),
      status: 'final',
      code: { text: 'x' },
      subject: { reference: `Patient/${patientId}` },
    });
    const { username, password } = await createUser(server, 'patient', `Patient/${patientId}`);
    const app = await createApp(server);
    const { verifier, challenge } = pkce();
    const wide = 'openid fhirUser launch/patient offline_access patient/Patient.rs patient/Observation.rs';
    const exchange = async (code: string | undefined) => {
      const response = await token({
        grant_type: 'authorization_code',
        code: code as string,
        redirect_uri: app.redirectUri,
        code_verifier: verifier,
        client_id: app.clientId,
      });
      expect(response.status).toBe(200);
      return response.body as { access_token: string; refresh_token: string; scope: string };
    };

    const first = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { scope: wide }), {
      username,
      password,
    });
    const before = await exchange(first.code);
    expect(before.scope).toContain('patient/Observation.rs');
    expect((await fhir(before.access_token, `Observation?patient=${patientId}`)).status).toBe(200);

    // The person looks again (prompt=consent) and unticks Observation.
    const second = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { scope: wide, prompt: 'consent' }), {
      username,
      password,
      jar: first.jar,
      approveScopes: ['patient/Patient.rs', 'offline_access'],
    });
    expect(second.pages.some((title) => /Allow/.test(title))).toBe(true);
    const after = await exchange(second.code);
    expect(after.scope).not.toContain('patient/Observation.rs');

    // The attack: the earlier refresh token no longer refreshes to the old scope …
    const replayed = await token({ grant_type: 'refresh_token', refresh_token: before.refresh_token, client_id: app.clientId });
    expect(replayed.status).toBe(400);
    expect(replayed.body.error).toBe('invalid_grant');
    // … nor to any part of it, and the earlier access token stops working at /fhir.
    const narrowedReplay = await token({
      grant_type: 'refresh_token',
      refresh_token: before.refresh_token,
      client_id: app.clientId,
      scope: 'patient/Patient.rs',
    });
    expect(narrowedReplay.status).toBe(400);
    await expectEventually(async () => (await fhir(before.access_token, `Observation?patient=${patientId}`)).status === 401);

    // The new approval's tokens work, within what it covers.
    expect((await fhir(after.access_token, `Patient/${patientId}`)).status).toBe(200);
    expect((await fhir(after.access_token, `Observation?patient=${patientId}`)).status).toBe(403);
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: after.refresh_token, client_id: app.clientId });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.scope).not.toContain('patient/Observation.rs');
  });

  it('keeps the grant and its tokens when a new approval covers everything it held', async () => {
    const patientId = await insertPatient(server, 'Widened');
    const { username, password } = await createUser(server, 'patient', `Patient/${patientId}`);
    const app = await createApp(server);
    const { verifier, challenge } = pkce();
    const first = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'openid launch/patient offline_access patient/Patient.rs' }),
      { username, password },
    );
    const before = (
      await token({
        grant_type: 'authorization_code',
        code: first.code as string,
        redirect_uri: app.redirectUri,
        code_verifier: verifier,
        client_id: app.clientId,
      })
    ).body;
    const second = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, {
        scope: 'openid launch/patient offline_access patient/Patient.rs patient/Observation.rs',
        prompt: 'consent',
      }),
      { username, password, jar: first.jar },
    );
    expect(second.code).toBeDefined();
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: before.refresh_token as string, client_id: app.clientId });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.scope).toBe(before.scope);
  });
});

/** Polls (bounded) for a condition that holds once per-process caches (≤ 2 s, docs/tokens.md) have expired. */
async function expectEventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
