import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service';
import { Clock } from '../../src/common/time/clock';
import { NO_PASSWORD, UsersService } from '../../src/clients/users.service';
import { hashToken } from '../../src/common/crypto/random-token';
import { createUser, insertPatient } from '../utils/authorize-fixtures';
import { CookieJar, parseForms, signedInJar } from '../utils/authorize-flow';
import { browse, enrolTotp, formTo, hiddenFields, TestClock } from '../utils/mfa';
import { SmtpCapture, startSmtpCapture } from '../utils/smtp-capture';
import { SoftAuthenticator } from '../utils/soft-authenticator';
import { startTestApp, TestApp } from '../utils/test-app';

// The account page's "Security keys and authenticator apps" section, the way back to it from the factor pages,
// and people without a local password (federated): no password from the account page or the reset e-mail.
describe('account page: factors, and no password for federated people', () => {
  let server: TestApp;
  let smtp: SmtpCapture;
  const clock = new TestClock();

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    server = await startTestApp(
      { SMTP_URL: smtp.url, MAIL_FROM: 'Example Health <no-reply@example.org>' },
      [{ provide: Clock, useValue: clock }],
      { hostname: 'localhost' },
    );
  });

  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  const patient = async () => createUser(server, 'patient', `Patient/${await insertPatient(server, 'Accountsecurity')}`);
  const section = (html: string): string => html.match(/<section class="card" id="security-keys"[\s\S]*?<\/section>/)?.[0] ?? '';
  const links = (html: string): string[] => [...html.matchAll(/<a href="([^"]+)"/g)].map((match) => match[1]);
  const auditEvents = (event: string, userId: string) =>
    server.app
      .get(AuditService)
      .find({ event: event as never, limit: 1000 })
      .then((events) => events.filter((item) => item.userId === userId));

  async function postJson(jar: CookieJar, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      headers: { Cookie: jar.header(), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    jar.store(response);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('shows the authenticator app and passkeys with links to their pages, which lead back to /account', async () => {
    const who = await patient();
    const jar = await signedInJar(server.baseUrl, who);
    const before = await browse(jar, `${server.baseUrl}/account`);
    expect(before.status).toBe(200);
    expect(before.html).toContain('<a href="#security-keys">Security keys and authenticator apps</a>');
    const empty = section(before.html);
    expect(empty).toContain('<h2 id="security-keys-heading">Security keys and authenticator apps</h2>');
    expect(empty).toMatch(/Two-step verification with a code from an app is <strong>off<\/strong>/);
    expect(links(empty)).toEqual(['/account/two-factor', '/account/passkeys']);
    expect(empty).toContain('Set up an authenticator app');
    expect(empty).toContain('You have no passkeys yet.');

    // An authenticator app and a passkey later, the section says so.
    await enrolTotp(server.baseUrl, jar, clock);
    const auth = new SoftAuthenticator({ origin: server.baseUrl });
    const csrf = (await browse(jar, `${server.baseUrl}/account/passkeys`)).html.match(/data-csrf-token="([^"]+)"/)![1];
    const options = await postJson(jar, '/account/passkeys/options', { csrf_token: csrf });
    expect((await postJson(jar, '/account/passkeys', { csrf_token: csrf, credential: auth.create(options.body as never) })).status).toBe(
      201,
    );
    const after = section((await browse(jar, `${server.baseUrl}/account`)).html);
    expect(after).toMatch(/app is <strong>on<\/strong>/);
    expect(after).toContain('You have <strong>1</strong> passkey(s).');
    expect(after).toContain('Manage your passkeys');

    // Each factor page has its way back to the account page.
    for (const path of ['/account/passkeys', '/account/two-factor']) {
      const page = await browse(jar, `${server.baseUrl}${path}`);
      expect(page.status).toBe(200);
      expect(page.html).toContain('<a href="/account">Back to your account</a>');
    }
  });

  it('the two-step settings of a person with only a passkey say that it is on', async () => {
    const who = await patient();
    const jar = await signedInJar(server.baseUrl, who);
    const auth = new SoftAuthenticator({ origin: server.baseUrl });
    const csrf = (await browse(jar, `${server.baseUrl}/account/passkeys`)).html.match(/data-csrf-token="([^"]+)"/)![1];
    const options = await postJson(jar, '/account/passkeys/options', { csrf_token: csrf });
    await postJson(jar, '/account/passkeys', { csrf_token: csrf, credential: auth.create(options.body as never) });
    const settings = await browse(jar, `${server.baseUrl}/account/two-factor`);
    expect(settings.html).toMatch(/Two-step verification is <strong>on<\/strong> with your <a href="\/account\/passkeys">passkeys<\/a>/);
  });

  it('a person without a local password gets no password form, and a forged change is refused', async () => {
    const who = await patient();
    const jar = await signedInJar(server.baseUrl, who);
    // As if the account had been linked to the organisation's sign-in: the local password is gone.
    await server.app.get(DataSource).query('UPDATE users SET password_hash = $1 WHERE id = $2', [NO_PASSWORD, who.user.id]);
    const page = await browse(jar, `${server.baseUrl}/account`);
    expect(page.status).toBe(200);
    expect(parseForms(page.html).some((form) => form.action === '/account/password')).toBe(false);
    expect(page.html).toContain('You sign in through your organisation, so there is no password here.');
    expect(section(page.html)).not.toContain('/account/two-factor');
    const csrf = formTo(page.html, '/logout').inputs.find((input) => input.name === 'csrf_token')!.value;
    const forged = await browse(jar, `${server.baseUrl}/account/password`, {
      csrf_token: csrf,
      current_password: who.password,
      password: 'a brand new passphrase of mine',
      password_confirmation: 'a brand new passphrase of mine',
    });
    expect(forged.status).toBe(400);
    expect(forged.html).toContain('there is no password here to change');
    const [row] = await server.app.get(DataSource).query('SELECT password_hash FROM users WHERE id = $1', [who.user.id]);
    expect(row.password_hash).toBe(NO_PASSWORD);
  });

  it('a reset request for a federated person answers as always, mails no link but where to sign in, and no link works for them', async () => {
    const username = `federated-${randomUUID().slice(0, 8)}`;
    const email = `${username}@example.org`;
    const user = await server.app.get(UsersService).create({
      username,
      password: null,
      displayName: 'Fed Erated',
      fhirUser: `Patient/${await insertPatient(server, 'Federated')}`,
      role: 'patient',
      email,
    });
    const local = await patient();
    await server.app.get(UsersService).update(local.user.id, { email: `${local.username}@example.org` });

    const answer = async (identifier: string): Promise<{ status: number; title: string }> => {
      const jar = new CookieJar();
      const form = await browse(jar, `${server.baseUrl}/password-reset`);
      const body = hiddenFields(formTo(form.html, '/password-reset'));
      body.set('username', identifier);
      const sent = await browse(jar, `${server.baseUrl}/password-reset`, body);
      return { status: sent.status, title: sent.title };
    };
    expect(await answer(username)).toEqual(await answer(local.username));

    const mail = await smtp.waitFor((candidate) => candidate.to.includes(email));
    expect(mail.subject).toBe('Your password is managed by your organisation');
    expect(mail.text).toContain(`${server.baseUrl}/login`);
    expect(mail.text).not.toContain('/password-reset/confirm');
    expect(await auditEvents('password_reset_requested', user.id)).toEqual([
      expect.objectContaining({ outcome: 'failure', detail: { reason: 'no_local_password', mailed: true } }),
    ]);
    const [tokens] = await server.app
      .get(DataSource)
      .query('SELECT count(*)::int AS n FROM password_reset_tokens WHERE user_id = $1', [user.id]);
    expect(tokens.n).toBe(0);

    // A link that exists anyway (issued before the account became federated) sets no password.
    const token = 'A'.repeat(43);
    await server.app
      .get(DataSource)
      .query(`INSERT INTO password_reset_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '10 minutes')`, [
        hashToken(token),
        user.id,
      ]);
    const jar = new CookieJar();
    const confirm = await browse(jar, `${server.baseUrl}/password-reset/confirm?token=${token}`);
    expect(confirm).toMatchObject({ status: 400, title: 'Link expired' });
    const csrf = (await browse(jar, `${server.baseUrl}/password-reset`)).html.match(/name="csrf_token" value="([^"]+)"/)![1];
    const forced = await browse(jar, `${server.baseUrl}/password-reset/confirm`, {
      csrf_token: csrf,
      token,
      password: 'a brand new passphrase of mine',
      password_confirmation: 'a brand new passphrase of mine',
    });
    expect(forced).toMatchObject({ status: 400, title: 'Link expired' });
    expect((await server.app.get(UsersService).findById(user.id))?.passwordHash).toBe(NO_PASSWORD);
  });
});
