import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
import { authorizeParams, createApp, createUser, insertPatient, pkce } from '../utils/authorize-fixtures';
import { CookieJar, driveAuthorization, signedInJar } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

// OIDC Core §3.1.2.1 (max_age, id_token_hint), §2 (auth_time), §3.1.3.3 (id_token with openid).
describe('/authorize OIDC: max_age, auth_time, id_token_hint, id_token with openid', () => {
  let server: TestApp;
  let app: { clientId: string; redirectUri: string };
  const { verifier, challenge } = pkce();

  beforeAll(async () => {
    server = await startTestApp();
    app = await createApp(server);
  });

  afterAll(async () => {
    await server.close();
  });

  const patientUser = async () => createUser(server, 'patient', `Patient/${await insertPatient(server, 'Oidc')}`);

  const signIn = (user: { username: string; password: string }): Promise<CookieJar> => signedInJar(server.baseUrl, user);

  async function redeem(code: string | undefined): Promise<Record<string, unknown>> {
    const response = await fetch(`${server.baseUrl}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: app.clientId,
        code: code as string,
        redirect_uri: app.redirectUri,
        code_verifier: verifier,
      }).toString(),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  /** Makes the browser's sign-in `seconds` older (the session row's creation time), instead of waiting. */
  async function ageSessions(userId: string, seconds: number): Promise<void> {
    await server.app
      .get(DataSource)
      .query(`UPDATE login_sessions SET created_at = created_at - make_interval(secs => $2) WHERE user_id = $1`, [userId, seconds]);
  }

  /** A signed-in browser that has already approved the app, so a new request needs no page at all. */
  async function approvedBrowser(user: Awaited<ReturnType<typeof patientUser>>): Promise<CookieJar> {
    const jar = await signIn(user);
    const first = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge), { ...user, jar });
    expect(first.code).toEqual(expect.any(String));
    return jar;
  }

  it('max_age=0 always asks for a fresh sign-in, and prompt=none with it is login_required', async () => {
    const user = await patientUser();
    const jar = await approvedBrowser(user);
    const silent = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { max_age: '0', prompt: 'none', state: 'mx' }),
      { ...user, jar },
    );
    expect(silent).toMatchObject({ error: 'login_required', state: 'mx', code: undefined });
    await ageSessions(user.user.id, 60);
    const before = Math.floor(Date.now() / 1000);
    const fresh = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { max_age: '0' }), { ...user, jar });
    expect(fresh.pages).toEqual(['Sign in']);
    const idToken = decodeJwt((await redeem(fresh.code)).id_token as string);
    expect(idToken.auth_time).toBeGreaterThanOrEqual(before - 1);
  });

  it('max_age honours the age of the sign-in: younger passes silently, older asks again', async () => {
    const user = await patientUser();
    const jar = await approvedBrowser(user);
    const young = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { max_age: '600', prompt: 'none' }), {
      ...user,
      jar,
    });
    expect(young.pages).toEqual([]);
    expect(young.code).toEqual(expect.any(String));
    await ageSessions(user.user.id, 601);
    const old = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { max_age: '600', prompt: 'none' }), {
      ...user,
      jar,
    });
    expect(old.error).toBe('login_required');
    const again = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { max_age: '600' }), { ...user, jar });
    expect(again.pages).toEqual(['Sign in']);
    expect(again.code).toEqual(expect.any(String));
  });

  it.each(['-1', 'abc', '1.5'])('max_age=%s is invalid_request', async (maxAge) => {
    const result = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { max_age: maxAge, state: 's' }), {
      username: 'x',
      password: 'y',
    });
    expect(result).toMatchObject({ error: 'invalid_request', state: 's' });
  });

  it('the id_token carries auth_time, the time of the sign-in, also without max_age', async () => {
    const user = await patientUser();
    const jar = await approvedBrowser(user);
    await ageSessions(user.user.id, 120);
    const [{ created_at: signedInAt }] = (await server.app
      .get(DataSource)
      .query(`SELECT created_at FROM login_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1`, [user.user.id])) as Array<{
      created_at: Date;
    }>;
    const result = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge), { ...user, jar });
    const idToken = decodeJwt((await redeem(result.code)).id_token as string);
    expect(idToken.auth_time).toBe(Math.floor(new Date(signedInAt).getTime() / 1000));
    expect(idToken.auth_time as number).toBeLessThan(Math.floor(Date.now() / 1000) - 100);
  });

  it('issues an id_token whenever openid is granted, even without fhirUser or profile', async () => {
    const user = await patientUser();
    const jar = await approvedBrowser(user);
    const result = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'openid launch/patient patient/*.rs' }),
      { ...user, jar },
    );
    const body = await redeem(result.code);
    expect(body.scope).toBe('openid launch/patient patient/*.rs');
    const idToken = decodeJwt(body.id_token as string);
    expect(idToken).toMatchObject({ iss: server.baseUrl, sub: user.user.id, aud: app.clientId });
    expect(idToken.fhirUser).toBeUndefined();
  });

  it('id_token_hint naming another person with prompt=none is login_required; naming the signed-in person passes', async () => {
    const alice = await patientUser();
    const bob = await patientUser();
    const aliceJar = await approvedBrowser(alice);
    const bobJar = await approvedBrowser(bob);
    const bobsIdToken = (
      await redeem((await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge), { ...bob, jar: bobJar })).code)
    ).id_token as string;
    const aliceIdToken = (
      await redeem((await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge), { ...alice, jar: aliceJar })).code)
    ).id_token as string;

    const mismatch = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { prompt: 'none', id_token_hint: bobsIdToken, state: 'h' }),
      { ...alice, jar: aliceJar },
    );
    expect(mismatch).toMatchObject({ error: 'login_required', state: 'h', code: undefined });
    // Interactively, the other person is not used silently either: the sign-in page comes first.
    const interactive = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { id_token_hint: bobsIdToken }), {
      ...bob,
      jar: aliceJar,
    });
    expect(interactive.pages[0]).toBe('Sign in');
    const bobsCode = await redeem(interactive.code);
    expect(decodeJwt(bobsCode.id_token as string).sub).toBe(bob.user.id);

    const match = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { prompt: 'none', id_token_hint: aliceIdToken }),
      { ...alice, jar: await approvedBrowser(alice) },
    );
    expect(match.code).toEqual(expect.any(String));
  });

  it('an id_token_hint this server did not issue as an id_token is invalid_request', async () => {
    const user = await patientUser();
    const jar = await approvedBrowser(user);
    const accessToken = (
      await redeem((await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge), { ...user, jar })).code)
    ).access_token as string;
    for (const hint of ['not-a-jwt', accessToken, `${accessToken.split('.').slice(0, 2).join('.')}.AAAA`]) {
      const result = await driveAuthorization(
        server.baseUrl,
        authorizeParams(server, app, challenge, { prompt: 'none', id_token_hint: hint, state: 'bad' }),
        { ...user, jar },
      );
      expect(result).toMatchObject({ error: 'invalid_request', state: 'bad', code: undefined });
    }
  });
});
