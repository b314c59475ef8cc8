import { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service';
import { UsersService } from '../../src/clients/users.service';
import { createUser, insertPatient } from '../utils/authorize-fixtures';
import { CookieJar, signedInJar } from '../utils/authorize-flow';
import { browse, isSignedIn, passwordStep } from '../utils/mfa';
import { SoftAuthenticator } from '../utils/soft-authenticator';
import { startTestApp, TestApp } from '../utils/test-app';

type Json = Record<string, unknown>;

// A passkey as the second step after a password (/login/two-factor/passkey), over HTTP with a software
// authenticator the tests can misuse: no pending sign-in, someone else's credential, a replayed or foreign
// challenge, throttling, and MFA_REQUIRED_ROLES satisfied by a passkey alone.
describe('passkeys as a second factor', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ MFA_REQUIRED_ROLES: 'practitioner' }, [], { hostname: 'localhost' });
  });

  afterAll(async () => {
    await server.close();
  });

  const query = <T>(sql: string, parameters: unknown[]): Promise<T[]> => server.app.get(DataSource).query(sql, parameters);
  const auditEvents = (event: string, userId: string) =>
    server.app
      .get(AuditService)
      .find({ event: event as never, limit: 1000 })
      .then((events) => events.filter((item) => item.userId === userId));

  async function post(jar: CookieJar, path: string, body: unknown): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: jar.header(), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    jar.store(response);
    const text = await response.text();
    return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as Json) : { text } };
  }

  const csrfOf = (html: string, attribute = 'data-csrf-token'): string => html.match(new RegExp(`${attribute}="([^"]+)"`))?.[1] ?? '';

  /** A person with a password and one passkey (enrolled on /account/passkeys right after a password sign-in). */
  async function personWithPasskey() {
    const who = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Secondfactor')}`);
    const auth = new SoftAuthenticator({ origin: server.baseUrl });
    const jar = await signedInJar(server.baseUrl, who);
    const csrf = csrfOf((await browse(jar, `${server.baseUrl}/account/passkeys`)).html);
    const options = await post(jar, '/account/passkeys/options', { csrf_token: csrf });
    const added = await post(jar, '/account/passkeys', {
      csrf_token: csrf,
      credential: auth.create(options.body as { challenge: string; user: { id: string } }),
    });
    expect(added.status).toBe(201);
    return { ...who, auth };
  }

  /** Password done: the browser on the second-factor page, with the passkey button's CSRF token. */
  async function atSecondStep(who: { username: string; password: string }, extra: Record<string, string> = {}) {
    const jar = new CookieJar();
    const after = await passwordStep(server.baseUrl, jar, who, extra);
    expect(after).toMatchObject({ status: 303, location: '/login/two-factor' });
    const page = await browse(jar, `${server.baseUrl}/login/two-factor`);
    expect(page.title).toBe('Two-step verification');
    return { jar, page, csrf: csrfOf(page.html) };
  }

  async function options(
    jar: CookieJar,
    csrf: string,
  ): Promise<{ challenge: string; allowCredentials?: Array<{ id: string }>; userVerification?: string }> {
    const answer = await post(jar, '/login/two-factor/passkey/options', { csrf_token: csrf });
    expect(answer.status).toBe(200);
    return answer.body as never;
  }

  it('offers the passkey after the password and completes the sign-in with pwd, the assertion amr and mfa', async () => {
    const who = await personWithPasskey();
    const { jar, page, csrf } = await atSecondStep(who, { return_to: '/account' });
    expect(page.html).toMatch(/<button type="button"[^>]*data-passkey-second-factor data-csrf-token="[^"]+"/);
    expect(page.html).toContain('<script src="/static/passkeys.js" defer></script>');
    expect(page.html).not.toContain('name="otp"');
    expect(await isSignedIn(server.baseUrl, jar)).toBe(false);

    const requested = await options(jar, csrf);
    expect(requested.allowCredentials).toEqual([expect.objectContaining({ id: who.auth.credentialId })]);
    expect(requested.userVerification).toBe('preferred');
    const done = await post(jar, '/login/two-factor/passkey', { csrf_token: csrf, credential: who.auth.get(requested) });
    expect(done).toEqual({ status: 200, body: { location: '/account' } });
    expect(await isSignedIn(server.baseUrl, jar)).toBe(true);

    const [session] = await query<{ amr: string[]; method: string }>(
      'SELECT amr, method FROM login_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1',
      [who.user.id],
    );
    expect(session).toEqual({ amr: ['pwd', 'hwk', 'user', 'mfa'], method: 'password' });
    expect(await auditEvents('mfa_verified', who.user.id)).toEqual([
      expect.objectContaining({
        outcome: 'success',
        detail: expect.objectContaining({ factor: 'passkey', amr: ['pwd', 'hwk', 'user', 'mfa'] }),
      }),
    ]);
    // The pending sign-in is over: the same answer again finds nothing to complete.
    expect((await post(jar, '/login/two-factor/passkey', { csrf_token: csrf, credential: who.auth.get(requested) })).status).toBe(401);
  });

  it('without user verification the amr has no duplicate and still ends in mfa (synced passkey: swk)', async () => {
    const who = await personWithPasskey();
    const synced = who.auth.clone({ userVerified: false, synced: true });
    const { jar, csrf } = await atSecondStep(who);
    const done = await post(jar, '/login/two-factor/passkey', { csrf_token: csrf, credential: synced.get(await options(jar, csrf)) });
    expect(done.status).toBe(200);
    const [session] = await query<{ amr: string[] }>('SELECT amr FROM login_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1', [
      who.user.id,
    ]);
    expect(session.amr).toEqual(['pwd', 'swk', 'user', 'mfa']);
  });

  it('refuses without a pending sign-in, with a wrong CSRF token, and from a browser that only copied the pending cookie', async () => {
    const who = await personWithPasskey();
    const nobody = new CookieJar();
    expect(await post(nobody, '/login/two-factor/passkey/options', { csrf_token: 'x' })).toMatchObject({
      status: 401,
      body: { error: 'expired' },
    });
    expect((await post(nobody, '/login/two-factor/passkey', { csrf_token: 'x', credential: {} })).status).toBe(401);
    // A password-signed-in session is not a pending sign-in either.
    const signedIn = await signedInJar(
      server.baseUrl,
      await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Plain')}`),
    );
    expect((await post(signedIn, '/login/two-factor/passkey/options', { csrf_token: 'x' })).status).toBe(401);

    const { jar, csrf } = await atSecondStep(who);
    expect(await post(jar, '/login/two-factor/passkey/options', { csrf_token: 'wrong' })).toMatchObject({
      status: 403,
      body: { error: 'csrf' },
    });
    const requested = await options(jar, csrf);
    // Another browser with the pending cookie but its own browser cookie: the pending sign-in is not found.
    const thief = new CookieJar();
    const pendingCookie = jar
      .header()
      .split('; ')
      .find((pair) => pair.startsWith('smart_auth_pending='))!;
    await browse(thief, `${server.baseUrl}/login`);
    const stolen = await fetch(`${server.baseUrl}/login/two-factor/passkey`, {
      method: 'POST',
      headers: { Cookie: `${thief.header()}; ${pendingCookie}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ csrf_token: csrf, credential: who.auth.get(requested) }),
    });
    expect(stolen.status).toBe(401);
    expect(await isSignedIn(server.baseUrl, jar)).toBe(false);
  });

  it("refuses another person's credential, even one that signs a challenge issued to this pending sign-in", async () => {
    const victim = await personWithPasskey();
    const attacker = await personWithPasskey();
    const { jar, csrf } = await atSecondStep(victim);
    const requested = await options(jar, csrf);
    const refused = await post(jar, '/login/two-factor/passkey', { csrf_token: csrf, credential: attacker.auth.get(requested) });
    expect(refused).toMatchObject({ status: 401, body: { error: 'failed' } });
    // Also with the user handle left out (the second-factor ceremony does not require it).
    const noHandle = await post(jar, '/login/two-factor/passkey', {
      csrf_token: csrf,
      credential: attacker.auth.get(requested, { userHandle: null }),
    });
    expect(noHandle.status).toBe(401);
    expect(await isSignedIn(server.baseUrl, jar)).toBe(false);
    expect(await auditEvents('mfa_failed', victim.user.id)).toEqual(
      expect.arrayContaining([expect.objectContaining({ detail: { factor: 'passkey', context: 'sign-in' } })]),
    );
    // The victim's own answer to the same challenge still works: the refusals did not burn it.
    expect((await post(jar, '/login/two-factor/passkey', { csrf_token: csrf, credential: victim.auth.get(requested) })).status).toBe(200);
  });

  it('refuses a replayed challenge, and a challenge from another pending sign-in of the same person', async () => {
    const who = await personWithPasskey();
    const first = await atSecondStep(who);
    const requested = await options(first.jar, first.csrf);
    const answer = who.auth.get(requested);
    expect((await post(first.jar, '/login/two-factor/passkey', { csrf_token: first.csrf, credential: answer })).status).toBe(200);

    // A new sign-in in another browser: the old assertion (and its challenge) is worth nothing there.
    const second = await atSecondStep(who);
    expect((await post(second.jar, '/login/two-factor/passkey', { csrf_token: second.csrf, credential: answer })).status).toBe(401);
    const fresh = who.auth.get(requested);
    expect((await post(second.jar, '/login/two-factor/passkey', { csrf_token: second.csrf, credential: fresh })).status).toBe(401);
    // A challenge of a passwordless sign-in in that browser is not redeemable here either.
    const loginCsrf = csrfOf((await browse(second.jar, `${server.baseUrl}/login`)).html, 'name="csrf_token" value');
    const passwordless = await post(second.jar, '/login/passkey/options', { csrf_token: loginCsrf });
    expect(passwordless.status).toBe(200);
    expect(
      (
        await post(second.jar, '/login/two-factor/passkey', {
          csrf_token: second.csrf,
          credential: who.auth.get(passwordless.body as { challenge: string }),
        })
      ).status,
    ).toBe(401);
    expect(await isSignedIn(server.baseUrl, second.jar)).toBe(false);
  });

  it('throttles failures like wrong codes: five end the pending sign-in', async () => {
    const who = await personWithPasskey();
    const stranger = await personWithPasskey();
    const { jar, csrf } = await atSecondStep(who);
    const answers: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const requested = await options(jar, csrf);
      answers.push((await post(jar, '/login/two-factor/passkey', { csrf_token: csrf, credential: stranger.auth.get(requested) })).status);
    }
    expect(answers).toEqual([401, 401, 401, 401, 401]);
    // The pending sign-in is gone: even the right passkey needs the password again.
    expect(await post(jar, '/login/two-factor/passkey/options', { csrf_token: csrf })).toMatchObject({
      status: 401,
      body: { error: 'expired' },
    });
    expect(await auditEvents('mfa_failed', who.user.id)).toHaveLength(5);
  });

  it('MFA_REQUIRED_ROLES: a passkey alone counts as enrolled; no authenticator app is forced on the person', async () => {
    const who = await personWithPasskey();
    await server.app.get(UsersService).update(who.user.id, { role: 'practitioner', fhirUser: 'Practitioner/example-practitioner-1' });
    const { jar, page, csrf } = await atSecondStep(who);
    expect(page.html).not.toContain('data-totp-secret');
    expect(page.html).toContain('data-passkey-second-factor');
    // The enrolment route does not add an app for someone who already has a factor.
    const enrol = await browse(jar, `${server.baseUrl}/login/two-factor/enrol`, { csrf_token: csrf, otp: '123456' });
    expect(enrol.title).toBe('Two-step verification');
    expect(enrol.html).not.toContain('data-totp-secret');
    expect(
      (await post(jar, '/login/two-factor/passkey', { csrf_token: csrf, credential: who.auth.get(await options(jar, csrf)) })).status,
    ).toBe(200);
    expect(await isSignedIn(server.baseUrl, jar)).toBe(true);
  });
});
