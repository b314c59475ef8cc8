import { AuthorizationCodeService } from '../../src/authorize/authorization-code.service';
import { LoginSessionService } from '../../src/authorize/login-session.service';
import { GrantsService } from '../../src/grants/grants.service';
import { RevocationService } from '../../src/revocation/revocation.service';
import { authorizeParams, createApp, createUser, insertPatient, pkce } from '../utils/authorize-fixtures';
import { CookieJar, driveAuthorization, parseForms } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

describe('connected apps (management_endpoint /apps)', () => {
  let server: TestApp;
  const { challenge } = pkce();

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  async function page(jar: CookieJar, path: string): Promise<Response> {
    const response = await fetch(`${server.baseUrl}${path}`, { headers: { Cookie: jar.header() }, redirect: 'manual' });
    jar.store(response);
    return response;
  }

  async function post(jar: CookieJar, path: string, body: Record<string, string>): Promise<Response> {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: jar.header(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });
    jar.store(response);
    return response;
  }

  it('sends signed-out visitors to the sign-in page and back', async () => {
    const jar = new CookieJar();
    const response = await page(jar, '/apps');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login?return_to=/apps');
    const login = await page(jar, '/login?return_to=/apps');
    expect(await login.text()).toMatch(/name="return_to" value="\/apps"/);
  });

  it('lists the apps a user approved and revokes one, which revokes its tokens', async () => {
    const { user, username, password } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Connected')}`);
    const kept = await createApp(server);
    const revoked = await createApp(server);
    const first = await driveAuthorization(server.baseUrl, authorizeParams(server, kept, challenge), { username, password });
    await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, revoked, challenge, { scope: 'openid launch/patient patient/Observation.rs offline_access' }),
      { username, password, jar: first.jar },
    );
    const grants = await server.app.get(GrantsService).listForUser(user.id);
    expect(grants).toHaveLength(2);
    const target = grants.find((grant) => grant.clientId === revoked.clientId)!;
    const revocation = server.app.get(RevocationService);
    expect(await revocation.isRevoked('any-jti-before', target.id)).toBe(false);

    const list = await page(first.jar, '/apps');
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).toMatch(/Read and search observation records for the selected patient/);
    const form = parseForms(html).find((candidate) =>
      candidate.inputs.some((input) => input.name === 'grant_id' && input.value === target.id),
    )!;
    const csrf = form.inputs.find((input) => input.name === 'csrf_token')!.value;

    const forged = await post(first.jar, '/apps/revoke', { grant_id: target.id, csrf_token: 'forged' });
    expect(forged.status).toBe(403);
    expect(await revocation.isRevoked('any-jti-forged', target.id)).toBe(false);

    const response = await post(first.jar, '/apps/revoke', { grant_id: target.id, csrf_token: csrf });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/apps?revoked=1');
    expect(await revocation.isRevoked('any-jti-after', target.id)).toBe(true);
    const remaining = await server.app.get(GrantsService).listForUser(user.id);
    expect(remaining.map((grant) => grant.clientId)).toEqual([kept.clientId]);
    expect(await (await page(first.jar, '/apps?revoked=1')).text()).toMatch(/Access revoked/);

    // After revocation the app must ask for consent again.
    const again = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, revoked, challenge, { scope: 'openid launch/patient patient/Observation.rs' }),
      { username, password, jar: first.jar },
    );
    expect(again.pages).toEqual([expect.stringMatching(/^Allow /)]);
  });

  it("cannot revoke another user's grant", async () => {
    const owner = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Owner')}`);
    const intruder = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Intruder')}`);
    const app = await createApp(server);
    await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge), owner);
    const [grant] = await server.app.get(GrantsService).listForUser(owner.user.id);
    const jar = new CookieJar();
    const login = await page(jar, '/login?return_to=/apps');
    const loginForm = parseForms(await login.text())[0];
    await post(jar, '/login', {
      ...Object.fromEntries(loginForm.inputs.filter((i) => i.type === 'hidden').map((i) => [i.name, i.value])),
      username: intruder.username,
      password: intruder.password,
    });
    const apps = await (await page(jar, '/apps')).text();
    const csrf = parseForms(apps)
      .flatMap((form) => form.inputs)
      .find((input) => input.name === 'csrf_token')!.value;
    const response = await post(jar, '/apps/revoke', { grant_id: grant.id, csrf_token: csrf });
    expect(response.status).toBe(404);
    expect(await server.app.get(RevocationService).isRevoked('jti', grant.id)).toBe(false);
  });

  it('signing out ends the login session that online_access tokens depend on', async () => {
    const { username, password } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Online')}`);
    const app = await createApp(server);
    const result = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'openid launch/patient patient/*.rs online_access' }),
      { username, password },
    );
    const consumed = await server.app.get(AuthorizationCodeService).consume(result.code!);
    if (consumed.status !== 'ok') throw new Error('code not issued');
    const sessions = server.app.get(LoginSessionService);
    expect(await sessions.isActive(consumed.code.loginSessionId!)).toBe(true);
    const apps = await (await page(result.jar, '/apps')).text();
    const logout = parseForms(apps).find((form) => form.action === '/logout')!;
    const response = await post(result.jar, '/logout', { csrf_token: logout.inputs[0].value });
    expect(response.status).toBe(303);
    expect(await sessions.isActive(consumed.code.loginSessionId!)).toBe(false);
    expect((await page(result.jar, '/apps')).status).toBe(303);
  });

  it('"sign in as someone else" on the consent page signs out and shows the sign-in page for the same request', async () => {
    const { username, password } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Switcher')}`);
    const app = await createApp(server);
    const params = authorizeParams(server, app, challenge);
    const jar = new CookieJar();
    const loginPage = await page(jar, `/authorize?${new URLSearchParams(params)}`);
    const login = parseForms(await loginPage.text())[0];
    const signedIn = await post(jar, '/login', {
      ...Object.fromEntries(login.inputs.filter((i) => i.type === 'hidden').map((i) => [i.name, i.value])),
      username,
      password,
    });
    const consent = await (await page(jar, signedIn.headers.get('location') as string)).text();
    const switchForm = parseForms(consent).find((form) => form.action === '/logout')!;
    const response = await post(jar, '/logout', Object.fromEntries(switchForm.inputs.map((input) => [input.name, input.value])));
    expect(response.status).toBe(303);
    const location = response.headers.get('location') as string;
    expect(location).toBe(`/authorize?${new URLSearchParams(params)}`);
    expect(await (await page(jar, location)).text()).toMatch(/name="password"/);
  });

  it('codes are single use: a second redemption reports reuse, unknown codes are invalid', async () => {
    const owner = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Single')}`);
    const app = await createApp(server);
    const result = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge), owner);
    const codes = server.app.get(AuthorizationCodeService);
    const [a, b] = await Promise.all([codes.consume(result.code!), codes.consume(result.code!)]);
    expect([a.status, b.status].sort()).toEqual(['ok', 'reused']);
    expect((await codes.consume('unknown-code')).status).toBe('invalid');
  });
});
