import { AuditService } from '../../src/audit/audit.service';
import { UsersService } from '../../src/clients/users.service';
import { authorizeParams, createApp, createUser, insertPatient, pkce } from '../utils/authorize-fixtures';
import { CookieJar, driveAuthorization, parseForms } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

type Json = Record<string, unknown>;

describe('account page (/account)', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server?.close();
  });

  async function get(jar: CookieJar, path: string): Promise<Response> {
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

  /** Signs in through the sign-in form from a browser announcing `userAgent`. */
  async function signIn(user: { username: string; password: string }, userAgent = 'test-browser'): Promise<CookieJar> {
    const jar = new CookieJar();
    const page = await fetch(`${server.baseUrl}/login`, { headers: { 'User-Agent': userAgent } });
    jar.store(page);
    const csrf = (await page.text()).match(/name="csrf_token" value="([^"]+)"/)![1];
    const response = await fetch(`${server.baseUrl}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: jar.header(), 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': userAgent },
      body: new URLSearchParams({ csrf_token: csrf, username: user.username, password: user.password }).toString(),
    });
    expect(response.status).toBe(303);
    jar.store(response);
    return jar;
  }

  async function accountForm(jar: CookieJar, action: string): Promise<Record<string, string>> {
    const html = await (await get(jar, '/account')).text();
    const form = parseForms(html).find((candidate) => candidate.action === action)!;
    return Object.fromEntries(form.inputs.filter((input) => input.type === 'hidden').map((input) => [input.name, input.value]));
  }

  const isSignedIn = async (jar: CookieJar): Promise<boolean> => (await get(jar, '/account')).status === 200;

  it('needs a signed-in browser, and the sign-in page leads back to it', async () => {
    const anonymous = new CookieJar();
    const page = await get(anonymous, '/account');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?return_to=/account');
    for (const path of ['/account/password', '/account/sessions/end-others', '/account/sessions/end']) {
      const response = await post(anonymous, path, { csrf_token: 'x', password: 'whatever passphrase here' });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/login?return_to=/account');
    }
    const { username, password } = await createUser(server, 'practitioner', 'Practitioner/account-1');
    const login = await get(anonymous, '/login?return_to=/account');
    const form = parseForms(await login.text()).find((candidate) => candidate.action === '/login')!;
    const hidden = Object.fromEntries(form.inputs.filter((input) => input.type === 'hidden').map((input) => [input.name, input.value]));
    expect(hidden.return_to).toBe('/account');
    const signedIn = await post(anonymous, '/login', { ...hidden, username, password });
    expect(signedIn.headers.get('location')).toBe('/account');
    const html = await (await get(anonymous, '/account')).text();
    expect(html).toMatch(/<h1>Your account<\/h1>/);
    expect(html).toMatch(/<label for="current_password">Current password<\/label>/);
    expect(html).toMatch(/<label for="new_password">New password<\/label>/);
    expect(html).toMatch(/href="\/apps"/);
  });

  it('changes the password only with the CSRF token and the current password, refuses weak ones, and signs out the other sessions', async () => {
    const user = await createUser(server, 'practitioner', 'Practitioner/account-2');
    const here = await signIn(user);
    const elsewhere = await signIn(user, 'another-browser');
    const users = server.app.get(UsersService);
    const fresh = 'a completely new passphrase';
    const hidden = await accountForm(here, '/account/password');

    const forged = await post(here, '/account/password', {
      csrf_token: 'forged',
      current_password: user.password,
      password: fresh,
      password_confirmation: fresh,
    });
    expect(forged.status).toBe(403);
    const wrong = await post(here, '/account/password', {
      ...hidden,
      current_password: 'not my password at all',
      password: fresh,
      password_confirmation: fresh,
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toMatch(/current password is not correct/);
    const refusals: Array<[string, RegExp]> = [
      ['too short', /at least 12 characters/],
      ['Qwertyuiop123', /commonly used or breached/],
      [`my name ${user.username} here`, /does not contain your username/],
      ['aaaaaaaaaaaaaaaa', /repeats or runs/],
    ];
    for (const [candidate, message] of refusals) {
      const refused = await post(here, '/account/password', {
        ...hidden,
        current_password: user.password,
        password: candidate,
        password_confirmation: candidate,
      });
      expect(refused.status).toBe(400);
      const html = await refused.text();
      expect(html).toMatch(message);
      expect(html).toMatch(/role="alert"/);
      expect(html).toMatch(/aria-invalid="true"/);
    }
    const mismatch = await post(here, '/account/password', {
      ...hidden,
      current_password: user.password,
      password: fresh,
      password_confirmation: `${fresh}!`,
    });
    expect(await mismatch.text()).toMatch(/do not match/);
    expect(await users.verifyPassword(user.username, user.password)).toMatchObject({ id: user.user.id });

    const changed = await post(here, '/account/password', {
      ...hidden,
      current_password: user.password,
      password: fresh,
      password_confirmation: fresh,
    });
    expect(changed.status).toBe(303);
    expect(changed.headers.get('location')).toBe('/account?done=password');
    expect(await (await get(here, '/account?done=password')).text()).toMatch(/Your password has been changed/);
    expect(await users.verifyPassword(user.username, fresh)).toMatchObject({ id: user.user.id });
    expect(await users.verifyPassword(user.username, user.password)).toBeNull();
    expect(await isSignedIn(here)).toBe(true);
    expect(await isSignedIn(elsewhere)).toBe(false);
    const events = (await server.app.get(AuditService).find({ event: 'password_changed', limit: 1000 })).filter(
      (event) => event.userId === user.user.id,
    );
    expect(events.map((event) => [event.outcome, event.detail])).toEqual(
      expect.arrayContaining([
        ['success', { sessions_ended: 1 }],
        ['failure', { reason: 'wrong_current_password' }],
      ]),
    );
  });

  it('throttles guesses of the current password like sign-ins (a borrowed session guesses no faster)', async () => {
    const user = await createUser(server, 'practitioner', 'Practitioner/account-5');
    const here = await signIn(user);
    const hidden = await accountForm(here, '/account/password');
    const fresh = 'another entirely new passphrase';
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(
        (await post(here, '/account/password', { ...hidden, current_password: `guess number ${attempt}`, password: fresh })).status,
      ).toBe(400);
    }
    const throttled = await post(here, '/account/password', { ...hidden, current_password: user.password, password: fresh });
    expect(throttled.status).toBe(429);
    expect(await throttled.text()).toMatch(/too many attempts/);
    expect(await server.app.get(UsersService).verifyPassword(user.username, user.password)).toMatchObject({ id: user.user.id });
  });

  it('lists the sessions with address and browser, marks this one, and signs the others out; their online_access refresh tokens stop', async () => {
    const { challenge, verifier } = pkce();
    const patient = await insertPatient(server, 'Sessions');
    const user = await createUser(server, 'patient', `Patient/${patient}`);
    const here = await signIn(user, 'Browser-Here');
    const elsewhere = await signIn(user, 'Browser <b>Elsewhere</b>');

    const html = await (await get(here, '/account')).text();
    expect(html).toMatch(/This browser \(current session\)/);
    expect(html).toContain('Browser-Here');
    expect(html).toContain('Browser &lt;b&gt;Elsewhere&lt;/b&gt;');
    expect(html).toMatch(/from 127\.0\.0\.1/);
    expect(parseForms(html).filter((form) => form.action === '/account/sessions/end')).toHaveLength(1);

    // An app the other browser authorized with online_access: its refresh token hangs on that session.
    const app = await createApp(server);
    const flow = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'openid launch/patient patient/*.rs online_access' }),
      { ...user, jar: elsewhere },
    );
    const tokens = (await (
      await fetch(`${server.baseUrl}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: flow.code!,
          redirect_uri: app.redirectUri,
          client_id: app.clientId,
          code_verifier: verifier,
        }).toString(),
      })
    ).json()) as Json;
    expect(tokens.scope).toMatch(/online_access/);
    const refresh = async (token: string) =>
      fetch(`${server.baseUrl}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, client_id: app.clientId }).toString(),
      });
    const online = await refresh(tokens.refresh_token as string);
    expect(online.status).toBe(200);
    const rotated = ((await online.json()) as Json).refresh_token as string;

    const hidden = await accountForm(here, '/account/sessions/end-others');
    expect((await post(here, '/account/sessions/end-others', { csrf_token: 'forged' })).status).toBe(403);
    expect(await isSignedIn(elsewhere)).toBe(true);
    const ended = await post(here, '/account/sessions/end-others', hidden);
    expect(ended.status).toBe(303);
    expect(ended.headers.get('location')).toBe('/account?done=sessions#sessions');
    expect(await isSignedIn(elsewhere)).toBe(false);
    expect(await isSignedIn(here)).toBe(true);
    const afterwards = await refresh(rotated);
    expect(afterwards.status).toBe(400);
    expect(((await afterwards.json()) as Json).error).toBe('invalid_grant');
    const page = await (await get(here, '/account')).text();
    expect(page).toMatch(/You are not signed in anywhere else/);
    expect(page).not.toContain('Elsewhere');
  });

  it("signs out one other session of the person's own, never someone else's", async () => {
    const user = await createUser(server, 'practitioner', 'Practitioner/account-3');
    const stranger = await createUser(server, 'practitioner', 'Practitioner/account-4');
    const here = await signIn(user);
    const other = await signIn(user, 'other-browser');
    const theirs = await signIn(stranger);
    const sessionIdIn = async (jar: CookieJar): Promise<string> => {
      const forms = parseForms(await (await get(jar, '/account')).text()).filter((form) => form.action === '/account/sessions/end');
      return forms[0].inputs.find((input) => input.name === 'session_id')!.value;
    };
    const strangerSession = await sessionIdIn(await signIn(stranger, 'second-stranger-browser'));
    const hidden = await accountForm(here, '/account/sessions/end-others');
    const foreign = await post(here, '/account/sessions/end', { ...hidden, session_id: strangerSession });
    expect(foreign.status).toBe(404);
    expect(await isSignedIn(theirs)).toBe(true);
    expect((await post(here, '/account/sessions/end', { ...hidden, session_id: 'not-a-session' })).status).toBe(404);

    const target = await sessionIdIn(here);
    expect((await post(here, '/account/sessions/end', { csrf_token: 'forged', session_id: target })).status).toBe(403);
    const ended = await post(here, '/account/sessions/end', { ...hidden, session_id: target });
    expect(ended.status).toBe(303);
    expect(await isSignedIn(other)).toBe(false);
    expect(await isSignedIn(here)).toBe(true);
  });
});
