import { decodeJwt } from 'jose';
import { LoginSessionService } from '../../src/authorize/login-session.service';
import { startTestApp, TestApp } from '../utils/test-app';
import { callAs, createClient, createIntrospector, createUser, issueCode, redeem, TestClient } from './token-fixtures';

const SCOPE = 'openid fhirUser launch/patient offline_access patient/Patient.rs patient/Observation.rs';

describe('POST /token: refresh_token', () => {
  let server: TestApp;
  // A second process with no grace window, to exercise reuse detection.
  let strict: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ REFRESH_TOKEN_REUSE_GRACE: '60s' });
    strict = await startTestApp({ REFRESH_TOKEN_REUSE_GRACE: '0s' });
  });

  afterAll(async () => {
    await Promise.all([server.close(), strict.close()]);
  });

  async function tokensFor(app: TestApp, client: TestClient, scope = SCOPE): Promise<Record<string, unknown>> {
    const response = await redeem(
      app,
      client,
      await issueCode(app, client, await createUser(app), {
        scope,
        launchContext: { patient: 'example-patient-1', encounter: 'enc-9', need_patient_banner: false },
      }),
    );
    expect(response.status).toBe(200);
    return response.body;
  }

  function refresh(app: TestApp, client: TestClient, refreshToken: string, scope?: string) {
    return callAs(app, client, '/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      ...(scope === undefined ? {} : { scope }),
    });
  }

  it('rotates the refresh token and re-sends scope and launch context, twice in a row', async () => {
    const client = await createClient(server, 'symmetric');
    const first = await tokensFor(server, client);
    const second = await refresh(server, client, first.refresh_token as string);
    expect(second.status).toBe(200);
    expect(second.headers.get('cache-control')).toContain('no-store');
    expect(second.headers.get('pragma')).toContain('no-cache');
    expect(second.body).toMatchObject({
      token_type: 'Bearer',
      scope: SCOPE,
      patient: 'example-patient-1',
      encounter: 'enc-9',
      need_patient_banner: false,
    });
    expect(typeof second.body.expires_in).toBe('number');
    expect(second.body.refresh_token).toEqual(expect.any(String));
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(second.body.access_token).not.toBe(first.access_token);
    expect(decodeJwt(second.body.access_token as string)).toMatchObject({
      patient: 'example-patient-1',
      grant_id: decodeJwt(first.access_token as string).grant_id,
    });
    expect(second.body.id_token).toEqual(expect.any(String));

    // Inferno's second refresh sends exactly the scope string it received.
    const third = await refresh(server, client, second.body.refresh_token as string, second.body.scope as string);
    expect(third.status).toBe(200);
    expect(third.body.scope).toBe(SCOPE);
  });

  it('accepts a narrower scope and refuses a broader one', async () => {
    const client = await createClient(server, 'public');
    const first = await tokensFor(server, client);
    const narrower = await refresh(server, client, first.refresh_token as string, 'patient/Patient.r launch/patient');
    expect(narrower.status).toBe(200);
    expect(narrower.body.scope).toBe('patient/Patient.r launch/patient');
    expect(decodeJwt(narrower.body.access_token as string).scope).toBe('patient/Patient.r launch/patient');

    const broader = await refresh(server, client, narrower.body.refresh_token as string, 'patient/Condition.rs');
    expect(broader.status).toBe(400);
    expect(broader.body.error).toBe('invalid_scope');
    // A refused scope does not spend the token; and the original scope stays available after narrowing.
    const again = await refresh(server, client, narrower.body.refresh_token as string);
    expect(again.status).toBe(200);
    expect(again.body.scope).toBe(SCOPE);
  });

  it('refuses an unknown refresh token with 400 invalid_grant', async () => {
    const client = await createClient(server, 'symmetric');
    const response = await refresh(server, client, '8c7bb4d3-05f4-4b33-9d2a-000000000000');
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
    expect(response.headers.get('cache-control')).toContain('no-store');
  });

  it("refuses another client's refresh token", async () => {
    const owner = await createClient(server, 'public');
    const other = await createClient(server, 'public');
    const tokens = await tokensFor(server, owner);
    const response = await refresh(server, other, tokens.refresh_token as string);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
    expect((await refresh(server, owner, tokens.refresh_token as string)).status).toBe(200);
  });

  it('refuses reuse within the grace window without revoking the grant', async () => {
    const client = await createClient(server, 'public');
    const first = await tokensFor(server, client);
    const rotated = await refresh(server, client, first.refresh_token as string);
    expect(rotated.status).toBe(200);
    const reuse = await refresh(server, client, first.refresh_token as string);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await refresh(server, client, rotated.body.refresh_token as string)).status).toBe(200);
  });

  it('revokes the whole grant when a rotated token is reused after the grace window', async () => {
    const client = await createClient(strict, 'public');
    const first = await tokensFor(strict, client);
    const rotated = await refresh(strict, client, first.refresh_token as string);
    expect(rotated.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const reuse = await refresh(strict, client, first.refresh_token as string);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    const newest = await refresh(strict, client, rotated.body.refresh_token as string);
    expect(newest.status).toBe(400);
    expect(newest.body.error).toBe('invalid_grant');
    const introspected = await callAs(strict, await createIntrospector(strict), '/introspect', {
      token: rotated.body.access_token as string,
    });
    expect(introspected.body).toEqual({ active: false });
  });

  it('lets exactly one of two concurrent refreshes with the same token succeed', async () => {
    const client = await createClient(server, 'public');
    const tokens = await tokensFor(server, client);
    const results = await Promise.all([
      refresh(server, client, tokens.refresh_token as string),
      refresh(server, client, tokens.refresh_token as string),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual([200, 400]);
  });

  it('stops online_access refresh tokens once the login session has ended', async () => {
    const client = await createClient(server, 'public');
    const user = await createUser(server);
    const sessions = server.app.get(LoginSessionService);
    const { session } = await sessions.start(user.id, 'password');
    const scope = 'openid fhirUser online_access patient/Patient.rs launch/patient';
    const issued = await issueCode(server, client, user, { scope, loginSessionId: session.id });
    const tokens = await redeem(server, client, issued);
    expect(tokens.status).toBe(200);
    const whileOnline = await refresh(server, client, tokens.body.refresh_token as string);
    expect(whileOnline.status).toBe(200);
    await sessions.end(session.id);
    const afterLogout = await refresh(server, client, whileOnline.body.refresh_token as string);
    expect(afterLogout.status).toBe(400);
    expect(afterLogout.body.error).toBe('invalid_grant');
  });

  it('gives refresh tokens the per-client lifetime', async () => {
    const client = await createClient(server, 'public', { refreshTokenTtl: 1 });
    const tokens = await tokensFor(server, client);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const response = await refresh(server, client, tokens.refresh_token as string);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
  });
});
