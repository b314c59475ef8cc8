// Drives /authorize through the real sign-in, picker and consent pages over plain HTTP, as a browser would
// without JavaScript. Relies only on the documented automation contract (docs/authorize.md).

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(header) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export interface DriveOptions {
  username: string;
  password: string;
  /** Patient id to choose in the picker (default: the first listed). */
  patient?: string;
  /** Encounter id to choose in the encounter picker (default: the first listed). */
  encounter?: string;
  /** Scopes to tick on the consent page (default: as the page suggests). Identity and launch scopes always go. */
  approveScopes?: string[];
  decision?: 'approve' | 'deny';
  /** Reuse a browser (cookies) across flows. */
  jar?: CookieJar;
  /** Use POST /authorize instead of GET. */
  method?: 'GET' | 'POST';
  /** Fills a form the driver does not know (e.g. the second step of a sign-in); undefined leaves it to the driver. */
  fill?: (form: ParsedForm, html: string) => Promise<URLSearchParams | undefined>;
}

export interface DriveResult {
  /** Where the server finally sent the browser (the app's redirect URI with code or error). */
  location: string;
  code?: string;
  state?: string;
  error?: string;
  errorDescription?: string;
  iss?: string;
  /** Titles of the pages shown on the way, e.g. ['Sign in', 'Choose a patient', 'Allow …?']. */
  pages: string[];
  jar: CookieJar;
}

export interface ParsedForm {
  action: string;
  inputs: Array<{ type: string; name: string; value: string; checked: boolean }>;
  buttons: Array<{ name: string; value: string }>;
}

export async function driveAuthorization(baseUrl: string, params: Record<string, string>, options: DriveOptions): Promise<DriveResult> {
  const jar = options.jar ?? new CookieJar();
  const pages: string[] = [];
  const query = new URLSearchParams(params).toString();
  let response =
    options.method === 'POST'
      ? await send(jar, `${baseUrl}/authorize`, 'POST', query)
      : await send(jar, `${baseUrl}/authorize?${query}`, 'GET');
  for (let step = 0; step < 12; step++) {
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location') as string, baseUrl).toString();
      if (location.startsWith(`${baseUrl}/authorize`) || location.startsWith(`${baseUrl}/login`)) {
        response = await send(jar, location, 'GET');
        continue;
      }
      return finish(location, pages, jar);
    }
    const html = await response.text();
    const title = decode(html.match(/<h1>([\s\S]*?)<\/h1>/)?.[1] ?? '').trim();
    pages.push(title);
    const form = parseForms(html).find((candidate) => candidate.action !== '/logout');
    if (!form) throw new Error(`Authorization stopped on a page without a form (HTTP ${response.status}): ${title}: ${textOf(html)}`);
    const body = (await options.fill?.(form, html)) ?? fillForm(form, options, pages);
    response = await send(jar, new URL(form.action, baseUrl).toString(), 'POST', body.toString());
  }
  throw new Error(`Authorization did not finish; pages: ${pages.join(' → ')}`);
}

function fillForm(form: ParsedForm, options: DriveOptions, pages: string[]): URLSearchParams {
  const body = new URLSearchParams();
  const names = new Set(form.inputs.map((input) => input.name));
  if (names.has('password')) {
    if (pages.filter((page) => page === 'Sign in').length > 1) throw new Error('Sign-in failed');
    for (const input of form.inputs) if (input.type === 'hidden') body.append(input.name, input.value);
    body.set('username', options.username);
    body.set('password', options.password);
    return body;
  }
  for (const input of form.inputs) {
    if (input.type === 'hidden') body.append(input.name, input.value);
  }
  if (form.buttons.some((button) => button.name === 'decision')) {
    const boxes = form.inputs.filter((input) => input.type === 'checkbox' && input.name === 'scope');
    const chosen = options.approveScopes
      ? [...new Set([...options.approveScopes.filter((scope) => !body.getAll('scope').includes(scope))])]
      : boxes.filter((box) => box.checked).map((box) => box.value);
    for (const scope of chosen) body.append('scope', scope);
    body.set('decision', options.decision ?? 'approve');
    return body;
  }
  for (const field of ['patient', 'encounter'] as const) {
    const radios = form.inputs.filter((input) => input.type === 'radio' && input.name === field);
    if (radios.length === 0) continue;
    const wanted = options[field];
    if (wanted && !radios.some((radio) => radio.value === wanted))
      throw new Error(`${field} ${wanted} is not offered (${radios.map((r) => r.value).join(', ')})`);
    body.set(field, wanted ?? radios[0].value);
    body.set('action', 'choose');
    return body;
  }
  throw new Error(`Unrecognised form posting to ${form.action}`);
}

export function parseForms(html: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const action = attributes(match[1]).action ?? '';
    const inputs = [...match[2].matchAll(/<input\b([^>]*)>/g)].map((input) => {
      const attrs = attributes(input[1]);
      return { type: attrs.type ?? 'text', name: attrs.name ?? '', value: attrs.value ?? '', checked: 'checked' in attrs };
    });
    const buttons = [...match[2].matchAll(/<button\b([^>]*)>/g)].map((button) => {
      const attrs = attributes(button[1]);
      return { name: attrs.name ?? '', value: attrs.value ?? '' };
    });
    forms.push({ action, inputs, buttons });
  }
  return forms;
}

function attributes(source: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const match of source.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?/g)) result[match[1]] = decode(match[2] ?? '');
  return result;
}

function decode(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function textOf(html: string): string {
  return decode(html.replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 400);
}

async function send(jar: CookieJar, url: string, method: 'GET' | 'POST', body?: string): Promise<Response> {
  const headers: Record<string, string> = { Cookie: jar.header(), Accept: 'text/html' };
  if (body !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(url, { method, headers, body, redirect: 'manual' });
  jar.store(response);
  return response;
}

function finish(location: string, pages: string[], jar: CookieJar): DriveResult {
  const url = new URL(location);
  const get = (name: string) => url.searchParams.get(name) ?? undefined;
  return {
    location,
    code: get('code'),
    state: get('state'),
    error: get('error'),
    errorDescription: get('error_description'),
    iss: get('iss'),
    pages,
    jar,
  };
}

/** Signs `user` in through the sign-in form (with its CSRF token) and returns the browser's cookies. */
export async function signedInJar(baseUrl: string, user: { username: string; password: string }): Promise<CookieJar> {
  const jar = new CookieJar();
  const page = await fetch(`${baseUrl}/login`);
  jar.store(page);
  const csrf = (await page.text()).match(/name="csrf_token" value="([^"]+)"/)![1];
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: jar.header(), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: csrf, username: user.username, password: user.password }).toString(),
  });
  if (response.status !== 303) throw new Error(`Sign-in answered ${response.status}, expected 303`);
  jar.store(response);
  return jar;
}
