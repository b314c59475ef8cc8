import { generate } from 'otplib';
import { Clock } from '../../src/common/time/clock';
import { CookieJar, ParsedForm, parseForms } from './authorize-flow';

// Helpers for the second step of a sign-in, through the documented automation contract: the enrolment page
// shows the secret in `data-totp-secret` and takes `otp`; the second-factor page takes `otp` or `recovery_code`.

/**
 * A clock that stands still until the test moves it, so TOTP time steps and pending sign-in expiry need no
 * sleeping and a test never straddles a step boundary by accident. It starts a second into a 30 s step.
 */
export class TestClock extends Clock {
  private nowMs = Math.floor(Date.now() / 30_000) * 30_000 + 1000;

  override now(): number {
    return this.nowMs;
  }

  advance(seconds: number): void {
    this.nowMs += seconds * 1000;
  }
}

/** The current code of a secret by the server's (test) clock; `stepOffset` moves one or more time steps. */
export function totpCode(secret: string, clock: Clock, stepOffset = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(clock.now() / 1000) + stepOffset * 30 });
}

export interface Page {
  status: number;
  location: string | null;
  html: string;
  title: string;
}

/** One request as a browser without JavaScript makes it (no redirect following). */
export async function browse(jar: CookieJar, url: string, form?: Record<string, string> | URLSearchParams): Promise<Page> {
  const headers: Record<string, string> = { Cookie: jar.header(), Accept: 'text/html' };
  if (form) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(url, {
    method: form ? 'POST' : 'GET',
    headers,
    body: form ? new URLSearchParams(form).toString() : undefined,
    redirect: 'manual',
  });
  jar.store(response);
  const html = await response.text();
  return {
    status: response.status,
    location: response.headers.get('location'),
    html,
    title: html.match(/<h1>([\s\S]*?)<\/h1>/)?.[1]?.trim() ?? '',
  };
}

export function hiddenFields(form: ParsedForm): URLSearchParams {
  const body = new URLSearchParams();
  for (const input of form.inputs) if (input.type === 'hidden') body.append(input.name, input.value);
  return body;
}

export function formTo(html: string, action: string): ParsedForm {
  const form = parseForms(html).find((candidate) => candidate.action === action);
  if (!form) throw new Error(`no form posting to ${action}`);
  return form;
}

export function totpSecretOf(html: string): string {
  const secret = html.match(/data-totp-secret="([A-Z2-7]+)"/)?.[1];
  if (!secret) throw new Error('no data-totp-secret on the page');
  return secret;
}

export function recoveryCodesOf(html: string): string[] {
  return [...html.matchAll(/<code data-recovery-code>([^<]+)<\/code>/g)].map((match) => match[1]);
}

/** Enrols an authenticator for the signed-in browser through /account/two-factor/totp; returns secret and codes. */
export async function enrolTotp(
  baseUrl: string,
  jar: CookieJar,
  clock: Clock,
): Promise<{ secret: string; recoveryCodes: string[]; html: string }> {
  const page = await browse(jar, `${baseUrl}/account/two-factor/totp`);
  if (page.status !== 200) throw new Error(`enrolment page answered ${page.status}`);
  const secret = totpSecretOf(page.html);
  const body = hiddenFields(formTo(page.html, '/account/two-factor/totp'));
  body.set('otp', await totpCode(secret, clock));
  const done = await browse(jar, `${baseUrl}/account/two-factor/totp`, body);
  if (done.status !== 200 || done.title !== 'Save your recovery codes') throw new Error(`enrolment answered ${done.status}: ${done.title}`);
  return { secret, recoveryCodes: recoveryCodesOf(done.html), html: page.html };
}

/**
 * A `fill` for driveAuthorization: answers the second-factor page with the authenticator's current code,
 * enrols (from the page's secret) when the page asks for it, and continues past the recovery codes.
 */
export function secondFactorFill(
  clock: Clock,
  secret?: string,
  onEnrolled?: (secret: string) => void,
): (form: ParsedForm, html: string) => Promise<URLSearchParams | undefined> {
  let enrolled = secret;
  return async (form, html) => {
    if (form.action === '/login/two-factor/enrol') {
      enrolled = totpSecretOf(html);
      onEnrolled?.(enrolled);
      return withField(form, 'otp', await totpCode(enrolled, clock));
    }
    if (form.action === '/login/two-factor') {
      if (!enrolled) throw new Error('second-factor page without a known secret');
      return withField(form, 'otp', await totpCode(enrolled, clock));
    }
    if (form.action === '/login/two-factor/continue') return hiddenFields(form);
    return undefined;
  };
}

function withField(form: ParsedForm, name: string, value: string): URLSearchParams {
  const body = hiddenFields(form);
  body.set(name, value);
  return body;
}

/** The password step of the sign-in form; the answer is where the server sends the browser next. */
export async function passwordStep(
  baseUrl: string,
  jar: CookieJar,
  user: { username: string; password: string },
  extra: Record<string, string> = {},
): Promise<Page> {
  const page = await browse(jar, `${baseUrl}/login`);
  const body = hiddenFields(formTo(page.html, '/login'));
  body.set('username', user.username);
  body.set('password', user.password);
  for (const [name, value] of Object.entries(extra)) body.set(name, value);
  return browse(jar, `${baseUrl}/login`, body);
}

/** Whether the browser has a sign-in session (the connected-apps page asks for a sign-in otherwise). */
export async function isSignedIn(baseUrl: string, jar: CookieJar): Promise<boolean> {
  const page = await browse(jar, `${baseUrl}/apps`);
  return page.status === 200;
}
