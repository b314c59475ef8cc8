import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import { AddressInfo, createServer, Socket } from 'node:net';
import { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service';
import { AuditEventEntity } from '../../src/audit/audit-event.entity';
import { UsersService } from '../../src/clients/users.service';
import { hashToken } from '../../src/common/crypto/random-token';
import { authorizeParams, createApp, createUser, pkce } from '../utils/authorize-fixtures';
import { CookieJar, parseForms, signedInJar } from '../utils/authorize-flow';
import { CapturedMail, SmtpCapture, startSmtpCapture } from '../utils/smtp-capture';
import { startTestApp, TestApp } from '../utils/test-app';

const NEW_PASSWORD = 'a brand new passphrase of mine';

function decode(value: string): string {
  return value
    .replace(/&#x3D;/g, '=')
    .replace(/&amp;/g, '&')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"');
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('password reset by e-mail', () => {
  let smtp: SmtpCapture;
  let server: TestApp;
  let addresses = 0;
  // Behind a trusted proxy each test speaks from its own address, so the per-address limit of one test does not
  // reach another; the proxy's Host and X-Forwarded-Host are then believed by Fastify too (the Host attack below).
  const freshAddress = () => `198.51.100.${++addresses}`;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    server = await startTestApp({ SMTP_URL: smtp.url, MAIL_FROM: 'Example Health <no-reply@example.org>', TRUST_PROXY: '127.0.0.1' });
  });

  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  async function send(
    jar: CookieJar,
    path: string,
    init: { body?: Record<string, string>; ip: string; headers?: Record<string, string> },
  ): Promise<{ status: number; text: string; headers: Headers }> {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method: init.body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        Cookie: jar.header(),
        'X-Forwarded-For': init.ip,
        ...(init.body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        ...init.headers,
      },
      body: init.body ? new URLSearchParams(init.body).toString() : undefined,
    });
    jar.store(response);
    return { status: response.status, text: await response.text(), headers: response.headers };
  }

  /** Opens the request form in `jar` and posts it; `field` is `username` or `email` (the automation contract). */
  async function requestReset(jar: CookieJar, value: string, ip: string, field: 'username' | 'email' = 'username', returnTo?: string) {
    const page = await send(jar, `/password-reset${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`, { ip });
    expect(page.status).toBe(200);
    const form = parseForms(page.text).find((candidate) => candidate.action === '/password-reset')!;
    const hidden = Object.fromEntries(form.inputs.filter((input) => input.type === 'hidden').map((input) => [input.name, input.value]));
    return send(jar, '/password-reset', { body: { ...hidden, [field]: value }, ip });
  }

  async function userWithEmail(): Promise<{ id: string; username: string; password: string; email: string }> {
    const { user, username, password } = await createUser(server, 'practitioner', `Practitioner/${randomUUID()}`);
    const email = `Reset.${username}@Example.org`;
    await server.app.get(UsersService).update(user.id, { email });
    return { id: user.id, username, password, email };
  }

  // Mail domains are case-insensitive (the sender writes them lower-case).
  const mailTo = (email: string) => (mail: CapturedMail) => mail.to.some((to) => to.toLowerCase() === email.toLowerCase());
  const tokenOf = (mail: CapturedMail) => /\/password-reset\/confirm\?token=([A-Za-z0-9_-]{43})/.exec(mail.text)![1];

  async function auditFor(userId: string | null, ip: string): Promise<AuditEventEntity[]> {
    const events = await server.app.get(AuditService).find({ limit: 1000 });
    return events.filter((event) => event.ip === ip && (userId === null || event.userId === userId));
  }

  async function confirmForm(
    jar: CookieJar,
    token: string,
    ip: string,
  ): Promise<{ status: number; hidden: Record<string, string>; text: string }> {
    const page = await send(jar, `/password-reset/confirm?token=${token}`, { ip });
    const form = parseForms(page.text).find((candidate) => candidate.action === '/password-reset/confirm');
    const hidden = Object.fromEntries(
      (form?.inputs ?? []).filter((input) => input.type === 'hidden').map((input) => [input.name, input.value]),
    );
    return { status: page.status, hidden, text: page.text };
  }

  it('links "Forgot password?" from the sign-in page, keeping return_to and the authorization request', async () => {
    const plain = await send(new CookieJar(), '/login?return_to=/account', { ip: freshAddress() });
    expect(decode(plain.text)).toContain('href="/password-reset?return_to=%2Faccount"');
    expect(plain.text).toMatch(/name="return_to" value="\/account"/);

    const app = await createApp(server);
    const params = authorizeParams(server, app, pkce().challenge);
    const viaAuthorize = await send(new CookieJar(), `/authorize?${new URLSearchParams(params)}`, { ip: freshAddress() });
    expect(viaAuthorize.status).toBe(200);
    const href = /href="(\/password-reset\?return_to=[^"]+)"/.exec(decode(viaAuthorize.text))![1];
    const back = new URL(href, server.baseUrl).searchParams.get('return_to')!;
    expect(back.startsWith('/authorize?')).toBe(true);
    expect(Object.fromEntries(new URLSearchParams(back.slice('/authorize?'.length)))).toEqual(params);
    // The sign-in form itself is unchanged: it still carries the request.
    const login = parseForms(viaAuthorize.text).find((form) => form.action === '/login')!;
    expect(login.inputs.map((input) => input.name)).toEqual(
      expect.arrayContaining(['csrf_token', 'authorization_request', 'username', 'password']),
    );
  });

  it('answers a request for an existing and a non-existing account identically, and mails only the existing one', async () => {
    const user = await userWithEmail();
    const ip = freshAddress();
    const jar = new CookieJar();
    const existing = await requestReset(jar, user.username, ip);
    const missing = await requestReset(jar, `nobody-${randomUUID()}`, ip);
    const missingEmail = await requestReset(jar, `nobody-${randomUUID()}@example.org`, ip, 'email');
    for (const response of [existing, missing, missingEmail]) {
      expect(response.status).toBe(200);
      expect(response.text).toBe(existing.text);
      expect(response.headers.get('set-cookie')).toBeNull();
    }
    expect(existing.text).toMatch(/If an account matches what you entered/);
    const mail = await smtp.waitFor(mailTo(user.email));
    expect(mail.subject).toBe('Reset your password');
    expect(mail.from).toBe('no-reply@example.org');
    // Both unknown names were looked up too (in the background), and nothing was sent for them.
    const events = await until(async () => {
      const found = (await auditFor(null, ip)).filter((event) => event.event === 'password_reset_requested');
      return found.length === 3 ? found : undefined;
    }, 'three audited requests');
    expect(events.filter((event) => event.detail.reason === 'no_account')).toHaveLength(2);
    expect(JSON.stringify(events)).not.toMatch(/nobody-/);
    expect(smtp.messages.filter((message) => message.to.some((to) => to.startsWith('nobody-')))).toHaveLength(0);
  });

  it('mails a single-use link built from PUBLIC_URL (not the Host header) that sets the password and ends every session', async () => {
    const user = await userWithEmail();
    const signedIn = await signedInJar(server.baseUrl, user);
    expect((await send(signedIn, '/account', { ip: freshAddress() })).status).toBe(200);
    const ip = freshAddress();
    const jar = new CookieJar();
    const page = await send(jar, '/password-reset', { ip });
    const csrf = parseForms(page.text)[0].inputs.find((input) => input.name === 'csrf_token')!.value;

    // A forged Host (and X-Forwarded-Host from the trusted proxy) must not end up in the mailed link.
    const status = await new Promise<number>((resolve, reject) => {
      const body = new URLSearchParams({ csrf_token: csrf, email: user.email.toLowerCase() }).toString();
      const attack = httpRequest(`${server.baseUrl}/password-reset`, {
        method: 'POST',
        headers: {
          Host: 'evil.example.net',
          'X-Forwarded-Host': 'evil.example.net',
          'X-Forwarded-Proto': 'https',
          'X-Forwarded-For': ip,
          Cookie: jar.header(),
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(body),
        },
      });
      attack.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      attack.on('error', reject);
      attack.end(body);
    });
    expect(status).toBe(200);
    const mail = await smtp.waitFor(mailTo(user.email));
    expect(mail.text).toContain(`${server.baseUrl}/password-reset/confirm?token=`);
    expect(mail.text).not.toMatch(/evil/);
    expect(mail.text).toMatch(/within 30 minutes/);
    const token = tokenOf(mail);
    // Only the hash is stored.
    const rows: Array<{ token_hash: string; lifetime: number }> = await server.app
      .get(DataSource)
      .query(
        `SELECT token_hash, extract(epoch FROM expires_at - created_at)::int AS lifetime FROM password_reset_tokens WHERE user_id = $1`,
        [user.id],
      );
    expect(rows).toEqual([{ token_hash: hashToken(token), lifetime: 1800 }]);

    const browser = new CookieJar();
    const form = await confirmForm(browser, token, ip);
    expect(form.status).toBe(200);
    expect(form.text).toMatch(/<label for="password">New password<\/label>/);
    // Refused attempts do not use the link up: no CSRF token, a mismatch, a common password, a short one.
    expect((await send(browser, '/password-reset/confirm', { body: { token, password: NEW_PASSWORD }, ip })).status).toBe(400);
    const mismatch = await send(browser, '/password-reset/confirm', {
      body: { ...form.hidden, password: NEW_PASSWORD, password_confirmation: 'something else entirely' },
      ip,
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toMatch(/do not match/);
    const common = await send(browser, '/password-reset/confirm', {
      body: { ...form.hidden, password: 'Password1234', password_confirmation: 'Password1234' },
      ip,
    });
    expect(common.status).toBe(400);
    expect(common.text).toMatch(/commonly used or breached/);
    const short = await send(browser, '/password-reset/confirm', { body: { ...form.hidden, password: 'short pw' }, ip });
    expect(short.text).toMatch(/at least 12 characters/);

    const done = await send(browser, '/password-reset/confirm', {
      body: { ...form.hidden, password: NEW_PASSWORD, password_confirmation: NEW_PASSWORD },
      ip,
    });
    expect(done.text.replace(/[\s\S]*<main>|<\/main>[\s\S]*/g, '')).toMatch(/Password changed/);
    expect(done.status).toBe(200);
    expect(done.text).toMatch(/href="\/login"/);
    const users = server.app.get(UsersService);
    expect(await users.verifyPassword(user.username, NEW_PASSWORD)).toMatchObject({ id: user.id });
    expect(await users.verifyPassword(user.username, user.password)).toBeNull();
    // The session signed in before the reset has ended.
    const after = await send(signedIn, '/account', { ip: freshAddress() });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/login?return_to=/account');
    const audited = await until(
      async () => (await auditFor(user.id, ip)).find((event) => event.event === 'password_reset'),
      'the reset audit event',
    );
    expect(audited).toMatchObject({ outcome: 'success', detail: { sessions_ended: 1 } });

    // Used once: the same link is refused, to open and to post.
    const reopened = await send(new CookieJar(), `/password-reset/confirm?token=${token}`, { ip });
    expect(reopened.status).toBe(400);
    expect(reopened.text).toMatch(/expired or has already been used/);
    const replayed = await send(browser, '/password-reset/confirm', {
      body: { ...form.hidden, password: 'yet another passphrase here' },
      ip,
    });
    expect(replayed.status).toBe(400);
    expect(await users.verifyPassword(user.username, NEW_PASSWORD)).toMatchObject({ id: user.id });
  });

  it('refuses an expired link, and setting a password ends every other link of the account', async () => {
    const user = await userWithEmail();
    const ip = freshAddress();
    await requestReset(new CookieJar(), user.username, ip);
    const first = tokenOf(await smtp.waitFor(mailTo(user.email)));
    await requestReset(new CookieJar(), user.email, ip, 'email');
    const second = tokenOf(await smtp.waitFor((mail) => mailTo(user.email)(mail) && !mail.text.includes(first)));
    const requester = new CookieJar();
    await requestReset(requester, user.username.toUpperCase(), ip, 'username', '/account');
    const third = tokenOf(
      await smtp.waitFor((mail) => mailTo(user.email)(mail) && ![first, second].some((token) => mail.text.includes(token))),
    );

    // The first link passes its 30 minutes (set in the database rather than waited for).
    await server.app
      .get(DataSource)
      .query(`UPDATE password_reset_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [hashToken(first)]);
    const browser = new CookieJar();
    expect((await confirmForm(browser, first, ip)).status).toBe(400);
    const live = await confirmForm(browser, second, ip);
    expect(live.status).toBe(200);
    const expired = await send(browser, '/password-reset/confirm', { body: { ...live.hidden, token: first, password: NEW_PASSWORD }, ip });
    expect(expired.status).toBe(400);
    expect(expired.text).toMatch(/expired/);
    expect(await server.app.get(UsersService).verifyPassword(user.username, user.password)).toMatchObject({ id: user.id });

    // The third link was asked for by a browser on its way to /account: signing in afterwards goes there.
    const thirdForm = await confirmForm(requester, third, ip);
    const done = await send(requester, '/password-reset/confirm', { body: { ...thirdForm.hidden, password: NEW_PASSWORD }, ip });
    expect(done.status).toBe(200);
    expect(decode(done.text)).toContain('href="/login?return_to=%2Faccount"');
    // The second link, still unexpired, no longer works.
    expect((await confirmForm(browser, second, ip)).status).toBe(400);
  });

  it("sends only the requesting browser on to its return_to, not someone else's reset", async () => {
    const user = await userWithEmail();
    const ip = freshAddress();
    // Someone asks for a reset of this account, pointing the way back into an authorization request of theirs.
    const app = await createApp(server);
    const steer = `/authorize?${new URLSearchParams(authorizeParams(server, app, pkce().challenge))}`;
    await requestReset(new CookieJar(), user.username, ip, 'username', steer);
    const token = tokenOf(await smtp.waitFor(mailTo(user.email)));
    const victim = new CookieJar();
    const form = await confirmForm(victim, token, ip);
    const done = await send(victim, '/password-reset/confirm', { body: { ...form.hidden, password: NEW_PASSWORD }, ip });
    expect(done.status).toBe(200);
    expect(done.text).toMatch(/href="\/login"/);
    expect(done.text).not.toMatch(/authorize/);
  });

  it('sends at most three links per account in 15 minutes, answering every request alike', async () => {
    const user = await userWithEmail();
    const answers: string[] = [];
    for (let attempt = 0; attempt < 4; attempt++) answers.push((await requestReset(new CookieJar(), user.username, freshAddress())).text);
    expect(new Set(answers).size).toBe(1);
    const events = await until(async () => {
      const found = (await server.app.get(AuditService).find({ event: 'password_reset_requested', limit: 1000 })).filter(
        (event) => event.userId === user.id,
      );
      return found.length === 4 ? found : undefined;
    }, 'four audited requests');
    expect(events.filter((event) => event.outcome === 'success')).toHaveLength(3);
    expect(events.filter((event) => event.detail.reason === 'throttled')).toHaveLength(1);
    expect(smtp.messages.filter(mailTo(user.email))).toHaveLength(3);
  });

  it('limits requests per address (429 after ten in the window), whatever they name', async () => {
    const ip = freshAddress();
    const jar = new CookieJar();
    for (let attempt = 0; attempt < 10; attempt++) expect((await requestReset(jar, `someone-${attempt}`, ip)).status).toBe(200);
    const limited = await requestReset(jar, 'someone-else', ip);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('900');
    expect(limited.text).toMatch(/Too many reset requests/);
    expect((await requestReset(jar, 'someone-else', freshAddress())).status).toBe(200);
  });

  it('needs the form CSRF token to ask for a link', async () => {
    const user = await userWithEmail();
    const ip = freshAddress();
    const jar = new CookieJar();
    await send(jar, '/password-reset', { ip });
    const forged = await send(jar, '/password-reset', { body: { csrf_token: 'forged', username: user.username }, ip });
    expect(forged.status).toBe(400);
    expect(forged.text).toMatch(/form expired/);
    const noName = await requestReset(jar, '   ', ip);
    expect(noName.status).toBe(400);
    expect(await server.app.get(DataSource).query(`SELECT 1 FROM password_reset_tokens WHERE user_id = $1`, [user.id])).toHaveLength(0);
  });
});

describe('password reset with a mail server that never answers', () => {
  // The mail is sent off the request path: a stalled SMTP server must not make the answer for an existing account
  // slower than for a missing one (nor slow at all).
  let server: TestApp;
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    server = await startTestApp({
      SMTP_URL: `smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      MAIL_FROM: 'no-reply@example.org',
    });
  });

  afterAll(async () => {
    // An orderly refusal ends the pending delivery before the app shuts down (a bare hang-up leaves nodemailer's
    // socket timer running for 30 s, which would hold the test process).
    for (const socket of sockets) socket.end('421 Service closing\r\n');
    await new Promise((resolve) => silent.close(resolve));
    await server?.close();
  });

  it('answers at once, and alike, whether or not the account exists', async () => {
    const { user, username } = await createUser(server, 'practitioner', `Practitioner/${randomUUID()}`);
    await server.app.get(UsersService).update(user.id, { email: `${username}@example.org` });
    const jar = new CookieJar();
    const page = await fetch(`${server.baseUrl}/password-reset`);
    jar.store(page);
    const csrf = parseForms(await page.text())[0].inputs.find((input) => input.name === 'csrf_token')!.value;
    const timed = async (name: string): Promise<{ ms: number; text: string }> => {
      const started = performance.now();
      const response = await fetch(`${server.baseUrl}/password-reset`, {
        method: 'POST',
        headers: { Cookie: jar.header(), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf_token: csrf, username: name }).toString(),
      });
      const text = await response.text();
      expect(response.status).toBe(200);
      return { ms: performance.now() - started, text };
    };
    const existing = await timed(username);
    const missing = await timed(`nobody-${randomUUID()}`);
    expect(existing.text).toBe(missing.text);
    // nodemailer would wait 10 s for the silent server's greeting; the answers do not.
    expect(existing.ms).toBeLessThan(2000);
    expect(missing.ms).toBeLessThan(2000);
  });
});

describe('password reset without SMTP_URL', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('offers no "Forgot password?" link, and its pages say reset by e-mail is not configured', async () => {
    const login = await fetch(`${server.baseUrl}/login`);
    expect(await login.text()).not.toMatch(/Forgot password/);
    for (const [method, path] of [
      ['GET', '/password-reset'],
      ['POST', '/password-reset'],
      ['GET', '/password-reset/confirm?token=x'],
      ['POST', '/password-reset/confirm'],
    ]) {
      const response = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {},
        body: method === 'POST' ? 'username=someone' : undefined,
      });
      expect(response.status).toBe(404);
      expect(await response.text()).toMatch(/not configured on this server/);
    }
  });
});
