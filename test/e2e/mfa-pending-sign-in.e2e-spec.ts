import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/time/clock';
import { authorizeParams, createApp, createUser, pkce } from '../utils/authorize-fixtures';
import { CookieJar, driveAuthorization, signedInJar } from '../utils/authorize-flow';
import { browse, enrolTotp, formTo, hiddenFields, isSignedIn, passwordStep, secondFactorFill, TestClock, totpCode } from '../utils/mfa';
import { startTestApp, TestApp } from '../utils/test-app';

// The pending sign-in between a correct password and the second factor, attacked: skipping the step, replaying
// the pending cookie from another browser, waiting it out, and guessing codes.
describe('second factor: the pending sign-in under attack', () => {
  let server: TestApp;
  let app: { clientId: string; redirectUri: string };
  const clock = new TestClock();
  const { challenge } = pkce();

  beforeAll(async () => {
    server = await startTestApp({}, [{ provide: Clock, useValue: clock }]);
    app = await createApp(server);
  });

  afterAll(async () => {
    await server.close();
  });

  async function enrolledUser() {
    const user = await createUser(server, 'practitioner', 'Practitioner/example-practitioner-1');
    const enrolled = await enrolTotp(server.baseUrl, await signedInJar(server.baseUrl, user), clock);
    clock.advance(30);
    return { ...user, ...enrolled };
  }

  async function submitCode(jar: CookieJar, html: string, code: string) {
    const body = hiddenFields(formTo(html, '/login/two-factor'));
    body.set('otp', code);
    return browse(jar, `${server.baseUrl}/login/two-factor`, body);
  }

  it('skipping the step: after the password, /authorize and /apps still see nobody signed in', async () => {
    const user = await enrolledUser();
    const jar = new CookieJar();
    expect(await passwordStep(server.baseUrl, jar, user)).toMatchObject({ status: 303, location: '/login/two-factor' });
    expect(jar.header()).not.toContain('smart_auth_session=');
    const authorize = await browse(jar, `${server.baseUrl}/authorize?${new URLSearchParams(authorizeParams(server, app, challenge))}`);
    expect(authorize.status).toBe(200);
    expect(authorize.title).toBe('Sign in');
    expect(await isSignedIn(server.baseUrl, jar)).toBe(false);
    const silent = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { prompt: 'none' }), { ...user, jar });
    expect(silent.error).toBe('login_required');
  });

  it('the pending cookie replayed from another browser (without its browser cookie or CSRF token) signs nobody in', async () => {
    const user = await enrolledUser();
    const victim = new CookieJar();
    await passwordStep(server.baseUrl, victim, user);
    const page = await browse(victim, `${server.baseUrl}/login/two-factor`);
    const pendingCookie = victim
      .header()
      .split('; ')
      .find((cookie) => cookie.startsWith('smart_auth_pending='));
    expect(pendingCookie).toBeDefined();

    // The attacker's browser: only the stolen pending cookie.
    const attacker = new CookieJar();
    const forged = new Response(null, { headers: [['set-cookie', `${pendingCookie}; Path=/`]] });
    attacker.store(forged);
    const shown = await browse(attacker, `${server.baseUrl}/login/two-factor`);
    expect(shown.title).toBe('Sign in');
    expect(shown.html).not.toContain('name="otp"');
    const posted = await browse(attacker, `${server.baseUrl}/login/two-factor`, { otp: await totpCode(user.secret, clock) });
    expect(posted.title).toBe('Sign in');
    expect(await isSignedIn(server.baseUrl, attacker)).toBe(false);
    // With the victim's CSRF token as well, still another browser.
    const withCsrf = await browse(
      attacker,
      `${server.baseUrl}/login/two-factor`,
      new URLSearchParams({
        ...Object.fromEntries(hiddenFields(formTo(page.html, '/login/two-factor'))),
        otp: await totpCode(user.secret, clock),
      }),
    );
    expect(withCsrf.title).toBe('Sign in');
    expect(await isSignedIn(server.baseUrl, attacker)).toBe(false);

    // In the right browser without the form's CSRF token: refused.
    expect((await browse(victim, `${server.baseUrl}/login/two-factor`, { otp: await totpCode(user.secret, clock) })).status).toBe(403);
    // The real person is unaffected.
    expect(await submitCode(victim, page.html, await totpCode(user.secret, clock))).toMatchObject({ status: 303, location: '/apps' });
    expect(await isSignedIn(server.baseUrl, victim)).toBe(true);
  });

  it('a pending sign-in expires after five minutes, and is used only once', async () => {
    const user = await enrolledUser();
    const jar = new CookieJar();
    await passwordStep(server.baseUrl, jar, user);
    const page = await browse(jar, `${server.baseUrl}/login/two-factor`);
    clock.advance(301);
    const late = await submitCode(jar, page.html, await totpCode(user.secret, clock));
    expect(late.title).toBe('Sign in');
    expect(late.html).toContain('Your sign-in expired');
    expect(await isSignedIn(server.baseUrl, jar)).toBe(false);

    const again = new CookieJar();
    await passwordStep(server.baseUrl, again, user);
    const fresh = await browse(again, `${server.baseUrl}/login/two-factor`);
    const stolen = again.header();
    expect((await submitCode(again, fresh.html, await totpCode(user.secret, clock))).status).toBe(303);
    // The same pending cookie once more (its session cookie dropped): gone.
    const replay = new CookieJar();
    replay.store(
      new Response(null, { headers: stolen.split('; ').map((cookie) => ['set-cookie', `${cookie}; Path=/`] as [string, string]) }),
    );
    clock.advance(30);
    const twice = await submitCode(replay, fresh.html, await totpCode(user.secret, clock));
    expect(twice.title).toBe('Sign in');
    expect(await isSignedIn(server.baseUrl, replay)).toBe(false);
  });

  it('five wrong codes end the pending sign-in; then the account-and-address throttle refuses even the right code', async () => {
    const user = await enrolledUser();
    const jar = new CookieJar();
    await passwordStep(server.baseUrl, jar, user);
    let page = await browse(jar, `${server.baseUrl}/login/two-factor`);
    const right = await totpCode(user.secret, clock);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let attempt = 1; attempt <= 4; attempt++) {
      page = await submitCode(jar, page.html, wrong);
      expect(page.status).toBe(401);
      expect(page.title).toBe('Two-step verification');
    }
    const fifth = await submitCode(jar, page.html, wrong);
    expect(fifth.status).toBe(401);
    expect(fifth.title).toBe('Sign in');
    expect(fifth.html).toContain('Too many wrong codes');
    expect(await server.app.get(DataSource).query('SELECT 1 FROM mfa_pending_sign_ins WHERE user_id = $1', [user.user.id])).toHaveLength(0);

    // The password again: a new pending sign-in, but this account and address wait out the window.
    const retry = new CookieJar();
    expect((await passwordStep(server.baseUrl, retry, user)).status).toBe(303);
    const retryPage = await browse(retry, `${server.baseUrl}/login/two-factor`);
    const refused = await submitCode(retry, retryPage.html, right);
    expect(refused.status).toBe(401);
    expect(refused.html).toContain('The code is not correct, was already used, or there were too many attempts.');
    expect(await isSignedIn(server.baseUrl, retry)).toBe(false);
    // The failures are counted under a key of the account (its id, hashed), never under the typed username.
    const keys: Array<{ throttle_key: string }> = await server.app.get(DataSource).query('SELECT throttle_key FROM login_failures');
    expect(keys.some((row) => row.throttle_key.includes(user.user.id) || row.throttle_key.includes(user.username))).toBe(false);
  });

  it('odd input to the second step is a page, never a server error', async () => {
    const user = await enrolledUser();
    const jar = new CookieJar();
    await passwordStep(server.baseUrl, jar, user);
    const page = await browse(jar, `${server.baseUrl}/login/two-factor`);
    const csrf = hiddenFields(formTo(page.html, '/login/two-factor')).get('csrf_token') as string;
    const post = (body: string, type: string) =>
      fetch(`${server.baseUrl}/login/two-factor`, {
        method: 'POST',
        redirect: 'manual',
        headers: { Cookie: jar.header(), 'Content-Type': type },
        body,
      });
    for (const [body, type] of [
      [JSON.stringify({ csrf_token: csrf, otp: ['123456', '654321'] }), 'application/json'],
      [JSON.stringify({ csrf_token: csrf, recovery_code: { $ne: null } }), 'application/json'],
      [JSON.stringify([1, 2]), 'application/json'],
      [`csrf_token=${csrf}&otp=${'9'.repeat(5000)}`, 'application/x-www-form-urlencoded'],
      [`csrf_token=${csrf}&recovery_code=${'%00'.repeat(100)}`, 'application/x-www-form-urlencoded'],
    ]) {
      const response = await post(body, type);
      expect([400, 401, 403]).toContain(response.status);
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
    }
    for (const path of [
      '/login/two-factor/enrol',
      '/login/two-factor/continue',
      '/account/two-factor/totp',
      '/account/two-factor/totp/remove',
      '/account/two-factor/recovery-codes',
    ]) {
      const response = await fetch(`${server.baseUrl}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/json' },
        body: '"x"',
      });
      expect(response.status).toBeLessThan(500);
    }
    expect(await isSignedIn(server.baseUrl, jar)).toBe(false);
  });

  it('prompt=login and max_age=0 ask for the password and the second factor again', async () => {
    const user = await enrolledUser();
    const fill = secondFactorFill(clock, user.secret);
    const identity = { scope: 'openid fhirUser' };
    const first = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, identity), { ...user, fill });
    expect(first.pages).toEqual(['Sign in', 'Two-step verification', expect.stringMatching(/^Allow /)]);
    expect(first.code).toEqual(expect.any(String));
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }]) {
      clock.advance(30);
      const fresh = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { ...identity, ...extra }), {
        ...user,
        jar: first.jar,
        fill,
      });
      expect(fresh.pages).toEqual(['Sign in', 'Two-step verification']);
      expect(fresh.code).toEqual(expect.any(String));
    }
  });
});
