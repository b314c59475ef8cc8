import { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service';
import { Clock } from '../../src/common/time/clock';
import { createUser } from '../utils/authorize-fixtures';
import { CookieJar, signedInJar } from '../utils/authorize-flow';
import { browse, enrolTotp, formTo, hiddenFields, isSignedIn, passwordStep, TestClock, totpCode, totpSecretOf } from '../utils/mfa';
import { startTestApp, TestApp } from '../utils/test-app';

// RFC 6238 authenticator codes and recovery codes through the real pages: enrolment, the second step of a
// sign-in, single use, new recovery codes, removal, and the secret encrypted at rest.
describe('second factor: TOTP and recovery codes', () => {
  let server: TestApp;
  const clock = new TestClock();

  beforeAll(async () => {
    server = await startTestApp({}, [{ provide: Clock, useValue: clock }]);
  });

  afterAll(async () => {
    await server.close();
  });

  const practitioner = () => createUser(server, 'practitioner', 'Practitioner/example-practitioner-1');
  const query = <T>(sql: string, parameters: unknown[]): Promise<T[]> => server.app.get(DataSource).query(sql, parameters);
  const auditEvents = (event: string, userId: string) =>
    server.app
      .get(AuditService)
      .find({ event: event as never, limit: 1000 })
      .then((events) => events.filter((item) => item.userId === userId));

  /** A user with an authenticator enrolled through the account page; the clock is then one step further on. */
  async function enrolledUser() {
    const user = await practitioner();
    const enrolled = await enrolTotp(server.baseUrl, await signedInJar(server.baseUrl, user), clock);
    clock.advance(30);
    return { ...user, ...enrolled };
  }

  /** Password done, on the second-factor page: its browser and the page. */
  async function atSecondStep(user: { username: string; password: string }) {
    const jar = new CookieJar();
    const after = await passwordStep(server.baseUrl, jar, user);
    expect(after.status).toBe(303);
    expect(after.location).toBe('/login/two-factor');
    const page = await browse(jar, `${server.baseUrl}/login/two-factor`);
    expect(page.title).toBe('Two-step verification');
    return { jar, page };
  }

  async function submit(jar: CookieJar, html: string, field: 'otp' | 'recovery_code', value: string) {
    const body = hiddenFields(formTo(html, '/login/two-factor'));
    body.set(field, value);
    return browse(jar, `${server.baseUrl}/login/two-factor`, body);
  }

  it('enrols with a QR code and the key in data-totp-secret, confirmed by a first code, and shows ten recovery codes once', async () => {
    const user = await practitioner();
    const jar = await signedInJar(server.baseUrl, user);
    const page = await browse(jar, `${server.baseUrl}/account/two-factor/totp`);
    expect(page.status).toBe(200);
    expect(page.title).toBe('Set up an authenticator app');
    const secret = totpSecretOf(page.html);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // Base64 padding reaches the page HTML-escaped (`&#x3D;`), which the browser reads back as `=`.
    expect(page.html).toMatch(
      /<img src="data:image\/svg\+xml;base64,(?:[A-Za-z0-9+/=]|&#x3D;)+" width="220" height="220" alt="QR code[^"]+">/,
    );
    expect(page.html).toMatch(
      /<label for="otp">[^<]+<\/label>\s*<input type="text" id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code"/,
    );
    // The page's CSP lets the data: image through.
    const csp = (await fetch(`${server.baseUrl}/account/two-factor/totp`)).headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/img-src 'self' data:/);
    // Reloading shows the same key while the enrolment is fresh.
    expect(totpSecretOf((await browse(jar, `${server.baseUrl}/account/two-factor/totp`)).html)).toBe(secret);

    const form = hiddenFields(formTo(page.html, '/account/two-factor/totp'));
    const wrong = await browse(
      jar,
      `${server.baseUrl}/account/two-factor/totp`,
      new URLSearchParams({ ...Object.fromEntries(form), otp: '000000' }),
    );
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('The code is not correct');
    const withoutCsrf = await browse(jar, `${server.baseUrl}/account/two-factor/totp`, { otp: await totpCode(secret, clock) });
    expect(withoutCsrf.status).toBe(403);

    form.set('otp', await totpCode(secret, clock));
    const done = await browse(jar, `${server.baseUrl}/account/two-factor/totp`, form);
    expect(done.title).toBe('Save your recovery codes');
    const codes = [...done.html.matchAll(/<code data-recovery-code>([^<]+)<\/code>/g)].map((match) => match[1]);
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
    expect(new Set(codes).size).toBe(10);

    // Stored as hashes only; the factor is confirmed; the enrolment is audited.
    const stored = await query<{ code_hash: string }>('SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1', [user.user.id]);
    expect(stored).toHaveLength(10);
    for (const row of stored) for (const code of codes) expect(row.code_hash).not.toContain(code.replace(/-/g, ''));
    expect(await query('SELECT 1 FROM mfa_totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL', [user.user.id])).toHaveLength(1);
    expect(await auditEvents('mfa_enrolled', user.user.id)).toEqual([
      expect.objectContaining({ outcome: 'success', detail: { factor: 'totp', context: 'account' } }),
    ]);
    // Enrolled: the enrolment page now leads to the settings, which never show the key again.
    const again = await browse(jar, `${server.baseUrl}/account/two-factor/totp`);
    expect(again).toMatchObject({ status: 303, location: '/account/two-factor' });
    const settings = await browse(jar, `${server.baseUrl}/account/two-factor`);
    expect(settings.html).toContain('Unused recovery codes: <strong>10</strong>');
    expect(settings.html).not.toContain(secret);
  });

  it('needs a signed-in, recent session to enrol', async () => {
    const anonymous = await browse(new CookieJar(), `${server.baseUrl}/account/two-factor/totp`);
    expect(anonymous).toMatchObject({ status: 303, location: '/login?return_to=%2Faccount%2Ftwo-factor%2Ftotp' });
    const user = await practitioner();
    const jar = await signedInJar(server.baseUrl, user);
    await query(`UPDATE login_sessions SET created_at = created_at - interval '16 minutes' WHERE user_id = $1`, [user.user.id]);
    expect(await browse(jar, `${server.baseUrl}/account/two-factor/totp`)).toMatchObject({ status: 303 });
  });

  it('a correct password is not a sign-in: the second step takes the current code; a wrong one gets the generic message', async () => {
    const user = await enrolledUser();
    const { jar, page } = await atSecondStep(user);
    expect(await isSignedIn(server.baseUrl, jar)).toBe(false);
    expect(page.html).toMatch(/<label for="otp">[^<]+<\/label>\s*<input type="text" id="otp" name="otp"/);
    expect(page.html).toMatch(/<label for="recovery_code">[^<]+<\/label>\s*<input type="text" id="recovery_code" name="recovery_code"/);

    const current = await totpCode(user.secret, clock);
    const wrong = await submit(jar, page.html, 'otp', current === '000000' ? '111111' : '000000');
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('The code is not correct, was already used, or there were too many attempts. Try again.');
    expect(await isSignedIn(server.baseUrl, jar)).toBe(false);

    const right = await submit(jar, wrong.html, 'otp', current);
    expect(right).toMatchObject({ status: 303, location: '/apps' });
    expect(await isSignedIn(server.baseUrl, jar)).toBe(true);
    const sessions = await query<{ amr: string[]; method: string }>(
      'SELECT amr, method FROM login_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1',
      [user.user.id],
    );
    expect(sessions[0]).toEqual({ amr: ['pwd', 'otp', 'mfa'], method: 'password' });
    expect(await auditEvents('mfa_failed', user.user.id)).toEqual([
      expect.objectContaining({ detail: { factor: 'totp', context: 'sign-in' } }),
    ]);
    expect(await auditEvents('mfa_verified', user.user.id)).toEqual([
      expect.objectContaining({ detail: { factor: 'totp', amr: ['pwd', 'otp', 'mfa'] } }),
    ]);
  });

  it('accepts one step of drift, and a code only once: the enrolment code, a replay and an older step are refused', async () => {
    const user = await practitioner();
    const jar = await signedInJar(server.baseUrl, user);
    const page = await browse(jar, `${server.baseUrl}/account/two-factor/totp`);
    const secret = totpSecretOf(page.html);
    const enrolmentCode = await totpCode(secret, clock);
    const form = hiddenFields(formTo(page.html, '/account/two-factor/totp'));
    form.set('otp', enrolmentCode);
    expect((await browse(jar, `${server.baseUrl}/account/two-factor/totp`, form)).title).toBe('Save your recovery codes');

    // The code that confirmed the enrolment cannot sign in.
    const first = await atSecondStep(user);
    expect((await submit(first.jar, first.page.html, 'otp', enrolmentCode)).status).toBe(401);
    // A phone one step behind the server: the previous step's code is accepted.
    clock.advance(60);
    const behind = await totpCode(secret, clock, -1);
    expect((await submit(first.jar, first.page.html, 'otp', behind)).status).toBe(303);
    // Replayed from another browser after a fresh password: refused; so is any older step.
    const replay = await atSecondStep(user);
    expect((await submit(replay.jar, replay.page.html, 'otp', behind)).status).toBe(401);
    expect((await submit(replay.jar, replay.page.html, 'otp', await totpCode(secret, clock, -2))).status).toBe(401);
    // Two steps ahead is beyond the drift.
    expect((await submit(replay.jar, replay.page.html, 'otp', await totpCode(secret, clock, 2))).status).toBe(401);
    expect((await submit(replay.jar, replay.page.html, 'otp', await totpCode(secret, clock))).status).toBe(303);
  });

  it('a recovery code signs in once (any case, spaces or hyphens), as pwd + mfa', async () => {
    const user = await enrolledUser();
    const [code, other] = user.recoveryCodes;
    const { jar, page } = await atSecondStep(user);
    const typed = code.toUpperCase().replace(/-/g, ' ');
    expect(await submit(jar, page.html, 'recovery_code', typed)).toMatchObject({ status: 303, location: '/apps' });
    const sessions = await query<{ amr: string[] }>('SELECT amr FROM login_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1', [
      user.user.id,
    ]);
    expect(sessions[0].amr).toEqual(['pwd', 'mfa']);

    const again = await atSecondStep(user);
    expect((await submit(again.jar, again.page.html, 'recovery_code', code)).status).toBe(401);
    expect((await submit(again.jar, again.page.html, 'recovery_code', 'not-a-code')).status).toBe(401);
    expect((await submit(again.jar, again.page.html, 'recovery_code', other)).status).toBe(303);
    expect(await query('SELECT 1 FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL', [user.user.id])).toHaveLength(8);
  });

  it('new recovery codes need a fresh code and make the old ones useless', async () => {
    const user = await enrolledUser();
    const jar = await signInWithCode(user);
    const settings = await browse(jar, `${server.baseUrl}/account/two-factor`);
    const form = hiddenFields(formTo(settings.html, '/account/two-factor/recovery-codes'));
    expect(
      (
        await browse(
          jar,
          `${server.baseUrl}/account/two-factor/recovery-codes`,
          new URLSearchParams({ ...Object.fromEntries(form), otp: '123456' }),
        )
      ).status,
    ).toBe(401);
    clock.advance(30);
    form.set('otp', await totpCode(user.secret, clock));
    const renewed = await browse(jar, `${server.baseUrl}/account/two-factor/recovery-codes`, form);
    expect(renewed.title).toBe('Save your recovery codes');
    const fresh = [...renewed.html.matchAll(/<code data-recovery-code>([^<]+)<\/code>/g)].map((match) => match[1]);
    expect(fresh).toHaveLength(10);
    expect(await auditEvents('mfa_recovery_codes_regenerated', user.user.id)).toHaveLength(1);

    const old = await atSecondStep(user);
    expect((await submit(old.jar, old.page.html, 'recovery_code', user.recoveryCodes[0])).status).toBe(401);
    expect((await submit(old.jar, old.page.html, 'recovery_code', fresh[0])).status).toBe(303);
  });

  it('removing the authenticator needs a fresh code; then the password alone signs in again', async () => {
    const user = await enrolledUser();
    const jar = await signInWithCode(user);
    const settings = await browse(jar, `${server.baseUrl}/account/two-factor`);
    const form = hiddenFields(formTo(settings.html, '/account/two-factor/totp/remove'));
    expect((await browse(jar, `${server.baseUrl}/account/two-factor/totp/remove`, { otp: '123456' })).status).toBe(403);
    expect(
      (
        await browse(
          jar,
          `${server.baseUrl}/account/two-factor/totp/remove`,
          new URLSearchParams({ ...Object.fromEntries(form), otp: '000000' }),
        )
      ).status,
    ).toBe(401);
    clock.advance(30);
    form.set('otp', await totpCode(user.secret, clock));
    const removed = await browse(jar, `${server.baseUrl}/account/two-factor/totp/remove`, form);
    expect(removed.status).toBe(200);
    expect(removed.html).toContain('were removed');
    expect(await query('SELECT 1 FROM mfa_recovery_codes WHERE user_id = $1', [user.user.id])).toHaveLength(0);
    expect(await auditEvents('mfa_removed', user.user.id)).toHaveLength(1);
    const plain = await passwordStep(server.baseUrl, new CookieJar(), user);
    expect(plain).toMatchObject({ status: 303, location: '/apps' });
  });

  it('keeps the TOTP secret encrypted under KEY_ENCRYPTION_SECRET', async () => {
    // Keys exist already (this file's first server made them), so this one does not seal new signing keys.
    const sealed = await startTestApp({ KEY_ENCRYPTION_SECRET: 'k'.repeat(40) }, [{ provide: Clock, useValue: clock }]);
    try {
      const user = await practitioner();
      const enrolled = await enrolTotp(sealed.baseUrl, await signedInJar(sealed.baseUrl, user), clock);
      const rows = await query<{ secret: string; secret_encrypted: boolean }>(
        'SELECT secret, secret_encrypted FROM mfa_totp_factors WHERE user_id = $1',
        [user.user.id],
      );
      expect(rows[0].secret_encrypted).toBe(true);
      expect(rows[0].secret.split('.')).toHaveLength(5);
      expect(rows[0].secret).not.toContain(enrolled.secret);
      clock.advance(30);
      const jar = new CookieJar();
      await passwordStep(sealed.baseUrl, jar, user);
      const page = await browse(jar, `${sealed.baseUrl}/login/two-factor`);
      const body = hiddenFields(formTo(page.html, '/login/two-factor'));
      body.set('otp', await totpCode(enrolled.secret, clock));
      expect((await browse(jar, `${sealed.baseUrl}/login/two-factor`, body)).status).toBe(303);
    } finally {
      await sealed.close();
    }
  });

  /** Signs in with password and the current code (moving the clock a step first); returns the browser. */
  async function signInWithCode(user: { username: string; password: string; secret: string }): Promise<CookieJar> {
    const { jar, page } = await atSecondStep(user);
    expect((await submit(jar, page.html, 'otp', await totpCode(user.secret, clock))).status).toBe(303);
    return jar;
  }
});
