import { randomBytes, randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service';
import { UsersService } from '../../src/clients/users.service';
import { hashToken } from '../../src/common/crypto/random-token';
import { PasskeysService } from '../../src/passkeys';
import { MAX_LIVE_CHALLENGES } from '../../src/passkeys/passkey-challenges.service';
import { authorizeParams, createApp, createUser, insertPatient, pkce } from '../utils/authorize-fixtures';
import { CookieJar, driveAuthorization, parseForms, signedInJar } from '../utils/authorize-flow';
import { ensureBuilt } from '../utils/ensure-built';
import { SoftAuthenticator } from '../utils/soft-authenticator';
import { startTestApp, TestApp } from '../utils/test-app';
import { runCli } from '../utils/cli';

type Json = Record<string, unknown>;
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;

function must<T>(value: T | null): T {
  if (value === null) throw new Error('expected a value');
  return value;
}

// WebAuthn over HTTP against the real server, with a software authenticator the tests can misuse.
describe('passkeys (WebAuthn)', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ ADMIN_TOKEN }, [], { hostname: 'localhost' });
  });

  afterAll(async () => {
    await server.close();
  });

  const authenticator = (options: Partial<ConstructorParameters<typeof SoftAuthenticator>[0]> = {}) =>
    new SoftAuthenticator({ origin: server.baseUrl, ...options });
  const person = async () => createUser(server, 'patient', `Patient/${await insertPatient(server, 'Passkey')}`);

  async function post(jar: CookieJar | null, path: string, body: unknown): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: jar?.header() ?? '', 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    jar?.store(response);
    const text = await response.text();
    return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : { text } };
  }

  async function page(jar: CookieJar, path: string): Promise<{ status: number; html: string; location: string | null }> {
    const response = await fetch(`${server.baseUrl}${path}`, { headers: { Cookie: jar.header() }, redirect: 'manual' });
    jar.store(response);
    return { status: response.status, html: await response.text(), location: response.headers.get('location') };
  }

  const csrfOf = (html: string): string => html.match(/data-csrf-token="([^"]+)"/)?.[1] ?? '';

  /** Signs in with a password, then enrols `auth` on /account/passkeys. */
  async function enrolled(auth: SoftAuthenticator, name?: string) {
    const who = await person();
    const jar = await signedInJar(server.baseUrl, who);
    const csrf = csrfOf((await page(jar, '/account/passkeys')).html);
    const options = await post(jar, '/account/passkeys/options', { csrf_token: csrf });
    expect(options.status).toBe(200);
    const added = await post(jar, '/account/passkeys', {
      csrf_token: csrf,
      name,
      credential: auth.create(options.body as { challenge: string; user: { id: string } }),
    });
    expect(added).toMatchObject({ status: 201, body: { location: '/account/passkeys?done=added' } });
    return { ...who, jar, csrf };
  }

  /** A fresh browser at the sign-in page: its cookie jar, CSRF token and the form's authorization_request. */
  async function signInPage(path = '/login'): Promise<{ jar: CookieJar; csrf: string; authorizationRequest?: string; html: string }> {
    const jar = new CookieJar();
    let response = await page(jar, path);
    if (response.location) response = await page(jar, response.location.replace(server.baseUrl, ''));
    const form = parseForms(response.html).find((candidate) => candidate.action === '/login');
    const value = (name: string) => form?.inputs.find((input) => input.name === name)?.value;
    return { jar, csrf: value('csrf_token') ?? '', authorizationRequest: value('authorization_request'), html: response.html };
  }

  async function signInOptions(jar: CookieJar, csrf: string): Promise<{ challenge: string }> {
    const options = await post(jar, '/login/passkey/options', { csrf_token: csrf });
    expect(options.status).toBe(200);
    return options.body as { challenge: string };
  }

  it('offers the passkey button on the sign-in page and enrols a passkey for the signed-in person', async () => {
    const { html } = await signInPage();
    expect(html).toMatch(/<button type="button"[^>]*data-passkey-sign-in/);
    expect(html).toContain('<script src="/static/passkeys.js" defer></script>');
    const auth = authenticator();
    const who = await enrolled(auth, '  Work   laptop ');
    const list = await page(who.jar, '/account/passkeys?done=added');
    expect(list.html).toContain('<h2>Work laptop</h2>');
    expect(list.html).toContain('Passkey added.');
    const stored = await server.app.get(PasskeysService).list(who.user.id);
    expect(stored).toEqual([
      expect.objectContaining({ name: 'Work laptop', deviceType: 'singleDevice', backedUp: false, transports: ['internal'] }),
    ]);
    const events = await server.app.get(AuditService).find({ event: 'passkey_added', limit: 50 });
    expect(events.some((event) => event.userId === who.user.id && event.outcome === 'success')).toBe(true);
    // The same authenticator cannot be registered twice (and the page's options exclude it).
    const again = await post(who.jar, '/account/passkeys/options', { csrf_token: who.csrf });
    expect(again.body.excludeCredentials).toEqual([expect.objectContaining({ id: auth.credentialId })]);
    expect(
      (await post(who.jar, '/account/passkeys', { csrf_token: who.csrf, credential: auth.create(again.body as never) })).body.error,
    ).toBe('duplicate');
  });

  it('refuses enrolment without a session, and every post without the right CSRF token', async () => {
    const anonymous = new CookieJar();
    expect((await page(anonymous, '/account/passkeys')).location).toBe('/login?return_to=/account/passkeys');
    expect((await post(anonymous, '/account/passkeys/options', {})).status).toBe(401);
    expect((await post(anonymous, '/account/passkeys', { credential: {} })).status).toBe(401);

    const who = await enrolled(authenticator());
    for (const csrf_token of [undefined, '', 'forged-token', who.csrf.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))]) {
      expect(await post(who.jar, '/account/passkeys/options', { csrf_token })).toMatchObject({ status: 403, body: { error: 'csrf' } });
      expect((await post(who.jar, '/account/passkeys', { csrf_token, credential: {} })).status).toBe(403);
    }
    const [passkey] = await server.app.get(PasskeysService).list(who.user.id);
    const form = (fields: Record<string, string>) =>
      fetch(`${server.baseUrl}/account/passkeys/remove`, {
        method: 'POST',
        redirect: 'manual',
        headers: { Cookie: who.jar.header(), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    expect((await form({ passkey_id: passkey.id })).status).toBe(403);
    expect((await form({ passkey_id: passkey.id, csrf_token: 'forged' })).status).toBe(403);
    expect(await server.app.get(PasskeysService).list(who.user.id)).toHaveLength(1);

    const { jar, csrf } = await signInPage();
    expect((await post(jar, '/login/passkey/options', { csrf_token: 'forged' })).status).toBe(403);
    expect((await post(jar, '/login/passkey/options', {})).status).toBe(403);
    // A token from another browser is not this browser's.
    expect((await post(new CookieJar(), '/login/passkey/options', { csrf_token: csrf })).status).toBe(403);
    expect((await post(jar, '/login/passkey', { csrf_token: 'forged', credential: {} })).status).toBe(403);
  });

  it('bounds the live challenges: a flood of sign-in options is refused with 503, not stored without end', async () => {
    const { jar, csrf } = await signInPage();
    const data = server.app.get(DataSource);
    // The flood an anonymous caller could send (each request with a fresh browser), arranged in one statement.
    await data.query(
      `INSERT INTO passkey_challenges (challenge_hash, purpose, user_id, binding, expires_at)
       SELECT md5(random()::text || n), 'sign-in', NULL, 'flood', now() + interval '3 minutes' FROM generate_series(1, $1) AS n`,
      [MAX_LIVE_CHALLENGES],
    );
    try {
      const refused = await post(jar, '/login/passkey/options', { csrf_token: csrf });
      expect(refused.status).toBe(503);
      expect(Number((await data.query(`SELECT count(*) AS n FROM passkey_challenges WHERE expires_at > now()`))[0].n)).toBe(
        MAX_LIVE_CHALLENGES,
      );
    } finally {
      await data.query(`DELETE FROM passkey_challenges WHERE binding = 'flood'`);
    }
    expect((await post(jar, '/login/passkey/options', { csrf_token: csrf })).status).toBe(200);
  });

  it('signs in with a passkey and continues the SMART authorization to an id_token with amr', async () => {
    const auth = authenticator();
    const who = await enrolled(auth);
    const app = await createApp(server);
    const { verifier, challenge } = pkce();
    const params = authorizeParams(server, app, challenge, { scope: 'openid fhirUser launch/patient patient/*.rs' });
    const { jar, csrf, authorizationRequest } = await signInPage(`/authorize?${new URLSearchParams(params)}`);
    expect(authorizationRequest).toEqual(expect.any(String));
    const options = await signInOptions(jar, csrf);
    expect(options).toMatchObject({ userVerification: 'required', rpId: 'localhost' });
    expect((options as Json).allowCredentials ?? []).toEqual([]);
    const signedIn = await post(jar, '/login/passkey', {
      csrf_token: csrf,
      authorization_request: authorizationRequest,
      credential: auth.get(options),
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.location).toBe(`/authorize?${authorizationRequest}`);

    const continued = Object.fromEntries(new URLSearchParams((signedIn.body.location as string).slice('/authorize?'.length)));
    const result = await driveAuthorization(server.baseUrl, continued, { username: 'unused', password: 'unused', jar });
    expect(result.pages).not.toContain('Sign in');
    const token = await fetch(`${server.baseUrl}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: app.clientId,
        code: result.code as string,
        redirect_uri: app.redirectUri,
        code_verifier: verifier,
      }).toString(),
    });
    expect(token.status).toBe(200);
    const claims = decodeJwt(((await token.json()) as { id_token: string }).id_token);
    expect(claims.sub).toBeDefined();
    expect(claims.amr).toEqual(['hwk', 'user', 'mfa']);
    const events = await server.app.get(AuditService).find({ event: 'passkey_sign_in', limit: 50 });
    expect(events.find((event) => event.userId === who.user.id)).toMatchObject({
      outcome: 'success',
      detail: { amr: ['hwk', 'user', 'mfa'] },
    });
  });

  it('says swk for a synced passkey and goes to return_to (local paths only) without an authorization request', async () => {
    const auth = authenticator({ synced: true });
    const who = await enrolled(auth);
    const { jar, csrf } = await signInPage();
    const signedIn = await post(jar, '/login/passkey', {
      csrf_token: csrf,
      return_to: '//evil.example.org/',
      credential: auth.get(await signInOptions(jar, csrf)),
    });
    expect(signedIn.body.location).toBe('/apps');
    const apps = await page(jar, '/apps');
    expect(apps.html).toContain('Connected apps');
    const session = await server.app
      .get(DataSource)
      .query(`SELECT method, amr FROM login_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1`, [who.user.id]);
    expect(session[0]).toEqual({ method: 'passkey', amr: ['swk', 'user', 'mfa'] });
  });

  it('refuses a replayed challenge, an expired one, and another browser’s', async () => {
    const auth = authenticator();
    await enrolled(auth);
    const { jar, csrf } = await signInPage();
    const options = await signInOptions(jar, csrf);
    const assertion = auth.get(options);
    // Another browser presenting this browser's challenge is refused, and does not burn it.
    const other = await signInPage();
    expect((await post(other.jar, '/login/passkey', { csrf_token: other.csrf, credential: assertion })).status).toBe(401);
    expect((await post(jar, '/login/passkey', { csrf_token: csrf, credential: assertion })).status).toBe(200);
    // The same response again, and a fresh signature over the used challenge: both refused.
    expect((await post(jar, '/login/passkey', { csrf_token: csrf, credential: assertion })).status).toBe(401);
    expect((await post(jar, '/login/passkey', { csrf_token: csrf, credential: auth.get(options) })).status).toBe(401);

    const late = await signInOptions(jar, csrf);
    await server.app
      .get(DataSource)
      .query(`UPDATE passkey_challenges SET expires_at = now() - interval '1 second' WHERE challenge_hash = $1`, [
        hashToken(late.challenge),
      ]);
    expect((await post(jar, '/login/passkey', { csrf_token: csrf, credential: auth.get(late) })).body).toMatchObject({ error: 'failed' });
  });

  it('refuses a response to another person’s challenge, at enrolment and as a second factor', async () => {
    const mine = await enrolled(authenticator());
    const theirs = await enrolled(authenticator());
    const stolen = await post(mine.jar, '/account/passkeys/options', { csrf_token: mine.csrf });
    const intruder = authenticator();
    const forged = await post(theirs.jar, '/account/passkeys', {
      csrf_token: theirs.csrf,
      credential: intruder.create(stolen.body as never),
    });
    expect(forged).toMatchObject({ status: 400, body: { error: 'invalid' } });
    expect(await server.app.get(PasskeysService).list(theirs.user.id)).toHaveLength(1);
    // Not burned for the person it was issued to.
    expect(
      (await post(mine.jar, '/account/passkeys', { csrf_token: mine.csrf, credential: authenticator().create(stolen.body as never) }))
        .status,
    ).toBe(201);

    const service = server.app.get(PasskeysService);
    const auth = authenticator();
    const owner = await enrolled(auth);
    const other = await enrolled(authenticator());
    expect(await service.hasPasskeys(owner.user.id)).toBe(true);
    const forOther = must(await service.authenticationOptionsFor(other.user.id, 'browser-1'));
    expect(await service.verifyAuthenticationFor(other.user.id, auth.get(forOther), 'browser-1')).toEqual({ ok: false, amr: [] });
    const forOwner = must(await service.authenticationOptionsFor(owner.user.id, 'browser-1'));
    expect(forOwner.allowCredentials).toEqual([expect.objectContaining({ id: auth.credentialId })]);
    expect(await service.verifyAuthenticationFor(owner.user.id, auth.get(forOwner), 'browser-2')).toEqual({ ok: false, amr: [] });
    expect(await service.verifyAuthenticationFor(owner.user.id, auth.get(forOwner), 'browser-1')).toEqual({
      ok: true,
      passkeyId: expect.any(String),
      amr: ['hwk', 'user', 'mfa'],
    });
    expect(await service.verifyAuthenticationFor(owner.user.id, auth.get(forOwner), 'browser-1')).toEqual({ ok: false, amr: [] });
    expect(await service.authenticationOptionsFor((await person()).user.id)).toBeNull();
  });

  it('refuses an unknown credential, a wrong user handle, origin or RP ID, a missing UV flag and a cloned counter', async () => {
    const auth = authenticator();
    const who = await enrolled(auth);
    const { jar, csrf } = await signInPage();
    const attempt = async (credential: unknown) => (await post(jar, '/login/passkey', { csrf_token: csrf, credential })).status;
    // First, while this credential has no failures to throttle: a clone whose counter stayed behind the original's.
    const clone = auth.clone();
    expect(await attempt(auth.get(await signInOptions(jar, csrf)))).toBe(200);
    expect(await attempt(clone.get(await signInOptions(jar, csrf)))).toBe(401);

    expect(await attempt(authenticator().get(await signInOptions(jar, csrf)))).toBe(401);
    const someoneElse = (await person()).user.id.replace(/-/g, '');
    expect(
      await attempt(auth.get(await signInOptions(jar, csrf), { userHandle: Buffer.from(someoneElse, 'hex').toString('base64url') })),
    ).toBe(401);
    expect(await attempt(auth.get(await signInOptions(jar, csrf), { userHandle: null }))).toBe(401);
    expect(await attempt(auth.clone({ origin: 'http://evil.localhost' }).get(await signInOptions(jar, csrf)))).toBe(401);
    expect(await attempt(auth.clone({ rpId: 'evil.example.org' }).get(await signInOptions(jar, csrf)))).toBe(401);
    // Passwordless sign-in requires user verification (the same key without UV still works as a second factor).
    expect(await attempt(auth.clone({ userVerified: false }).get(await signInOptions(jar, csrf)))).toBe(401);
    expect(await attempt({ id: auth.credentialId, rawId: auth.credentialId, type: 'public-key', response: 'none' })).toBe(401);
    expect(await attempt('not a credential')).toBe(400);
    expect((await post(jar, '/login/passkey', { csrf_token: csrf })).status).toBe(400);

    const failures = await server.app.get(AuditService).find({ event: 'passkey_sign_in', limit: 200 });
    expect(
      failures.filter((event) => event.userId === who.user.id && event.outcome === 'failure').map((event) => event.detail.reason),
    ).toEqual(expect.arrayContaining(['wrong-user', 'invalid']));
    const service = server.app.get(PasskeysService);
    const options = must(await service.authenticationOptionsFor(who.user.id, 'b'));
    expect(await service.verifyAuthenticationFor(who.user.id, auth.clone({ userVerified: false }).get(options), 'b')).toEqual({
      ok: true,
      passkeyId: expect.any(String),
      amr: ['hwk', 'user'],
    });
  });

  it('refuses a disabled person’s passkey', async () => {
    const auth = authenticator();
    const who = await enrolled(auth);
    await server.app.get(UsersService).disable(who.user.id);
    const { jar, csrf } = await signInPage();
    const refused = await post(jar, '/login/passkey', { csrf_token: csrf, credential: auth.get(await signInOptions(jar, csrf)) });
    expect(refused).toMatchObject({ status: 401, body: { error: 'failed' } });
    expect(jar.header()).not.toContain('smart_auth_session');
  });

  it('throttles failures per credential and address like the password form', async () => {
    const auth = authenticator();
    await enrolled(auth);
    const { jar, csrf } = await signInPage();
    for (let i = 0; i < 5; i++) {
      expect(
        (
          await post(jar, '/login/passkey', {
            csrf_token: csrf,
            credential: auth.clone({ userVerified: false }).get(await signInOptions(jar, csrf)),
          })
        ).status,
      ).toBe(401);
    }
    // Now even a valid assertion from this address waits out the window.
    expect((await post(jar, '/login/passkey', { csrf_token: csrf, credential: auth.get(await signInOptions(jar, csrf)) })).status).toBe(
      401,
    );
  });

  it('renames and removes a passkey from the page (only the person’s own), and audits the removal', async () => {
    const who = await enrolled(authenticator());
    const stranger = await enrolled(authenticator());
    const [passkey] = await server.app.get(PasskeysService).list(who.user.id);
    const [theirs] = await server.app.get(PasskeysService).list(stranger.user.id);
    const form = (path: string, fields: Record<string, string>) =>
      fetch(`${server.baseUrl}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { Cookie: who.jar.header(), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf_token: who.csrf, ...fields }).toString(),
      });
    expect((await form('/account/passkeys/rename', { passkey_id: passkey.id, name: 'Phone' })).headers.get('location')).toBe(
      '/account/passkeys?done=renamed',
    );
    expect((await form('/account/passkeys/rename', { passkey_id: passkey.id, name: 'x'.repeat(65) })).status).toBe(400);
    expect((await form('/account/passkeys/remove', { passkey_id: theirs.id })).status).toBe(404);
    expect((await form('/account/passkeys/remove', { passkey_id: 'not-a-uuid' })).status).toBe(404);
    expect((await form('/account/passkeys/remove', { passkey_id: passkey.id })).headers.get('location')).toBe(
      '/account/passkeys?done=removed',
    );
    expect(await server.app.get(PasskeysService).list(who.user.id)).toEqual([]);
    expect(await server.app.get(PasskeysService).list(stranger.user.id)).toHaveLength(1);
    const events = await server.app.get(AuditService).find({ event: 'passkey_removed', limit: 50 });
    expect(events.find((event) => event.userId === who.user.id)).toMatchObject({
      outcome: 'success',
      detail: { passkey_id: passkey.id, by: 'user' },
    });
  });

  it('asks for a fresh sign-in before adding a passkey to an old session', async () => {
    const who = await person();
    const jar = await signedInJar(server.baseUrl, who);
    await server.app
      .get(DataSource)
      .query(`UPDATE login_sessions SET created_at = now() - interval '1 hour' WHERE user_id = $1`, [who.user.id]);
    const view = await page(jar, '/account/passkeys');
    expect(view.html).toContain('sign in again before adding a passkey');
    // The session's CSRF token, from another page of the same session.
    const csrf = (await page(jar, '/apps')).html.match(/name="csrf_token" value="([^"]+)"/)?.[1] ?? '';
    expect(await post(jar, '/account/passkeys/options', { csrf_token: csrf })).toMatchObject({
      status: 403,
      body: { error: 'sign_in_again' },
    });
  });

  it('lets an operator list and remove a person’s passkeys (admin API and CLI), audited', async () => {
    const who = await enrolled(authenticator(), 'Security key');
    await post(who.jar, '/account/passkeys', {
      csrf_token: who.csrf,
      name: 'Phone',
      credential: authenticator().create((await post(who.jar, '/account/passkeys/options', { csrf_token: who.csrf })).body as never),
    });
    const admin = (method: string, path: string, token = ADMIN_TOKEN) =>
      fetch(`${server.baseUrl}${path}`, { method, headers: { Authorization: `Bearer ${token}` } });
    expect((await admin('GET', `/admin/users/${who.user.id}/passkeys`, 'wrong-token')).status).toBe(401);
    const listed = (await (await admin('GET', `/admin/users/${who.user.id}/passkeys`)).json()) as Array<
      Json & { id: string; name: string }
    >;
    expect(listed.map((passkey) => passkey.name)).toEqual(['Security key', 'Phone']);
    expect(Object.keys(listed[0]).sort()).toEqual(['backed_up', 'created_at', 'device_type', 'id', 'last_used_at', 'name', 'transports']);
    expect((await admin('GET', `/admin/users/${randomUUID()}/passkeys`)).status).toBe(404);
    expect((await admin('DELETE', `/admin/users/${who.user.id}/passkeys/${randomUUID()}`)).status).toBe(404);
    expect((await admin('DELETE', `/admin/users/${who.user.id}/passkeys/${listed[0].id}`)).status).toBe(204);
    const events = await server.app.get(AuditService).find({ event: 'passkey_removed', limit: 50 });
    expect(events.find((event) => event.userId === who.user.id)).toMatchObject({ detail: { passkey_id: listed[0].id, by: 'operator' } });

    await ensureBuilt();
    const list = await runCli(['passkeys:list', '--user', who.username]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: listed[1].id, name: 'Phone' })]);
    expect((await runCli(['passkeys:remove', '--user', who.user.id, '--passkey', listed[1].id])).code).toBe(0);
    expect(await server.app.get(PasskeysService).list(who.user.id)).toEqual([]);
    const unknown = await runCli(['passkeys:remove', '--user', who.user.id, '--passkey', listed[1].id]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No passkey/);
    const audited = await server.app.get(AuditService).find({ event: 'passkey_removed', limit: 50 });
    expect(audited.filter((event) => event.userId === who.user.id)).toHaveLength(2);
  }, 180_000);

  it('bounds the body of the passkey routes', async () => {
    const { jar, csrf } = await signInPage();
    const huge = await post(jar, '/login/passkey', { csrf_token: csrf, credential: { id: 'A'.repeat(70 * 1024) } });
    expect(huge.status).toBe(413);
  });
});

describe('passkeys on an issuer that is an IP address', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  it('are not offered: no button, and the endpoints answer 404', async () => {
    const jar = new CookieJar();
    const login = await fetch(`${server.baseUrl}/login`);
    jar.store(login);
    const html = await login.text();
    expect(html).not.toContain('data-passkey-sign-in');
    const csrf = html.match(/name="csrf_token" value="([^"]+)"/)?.[1];
    const options = await fetch(`${server.baseUrl}/login/passkey/options`, {
      method: 'POST',
      headers: { Cookie: jar.header(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ csrf_token: csrf }),
    });
    expect(options.status).toBe(404);
    expect(server.app.get(PasskeysService).available).toBe(false);
  });
});
