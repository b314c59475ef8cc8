import { CookieJar, parseForms } from './authorize-flow';

export interface FederatedStart {
  /** The sign-in page's form for this provider (action /federation/{id}/start) was found and posted. */
  startResponse: Response;
  /** Where /start sent the browser (the upstream's authorization endpoint). */
  upstreamUrl: URL | null;
  jar: CookieJar;
}

/** Opens the sign-in page (for `authorizeQuery`, or /login) and presses "Sign in with …" of `providerId`. */
export async function pressProviderButton(
  baseUrl: string,
  providerId: string,
  options: { jar?: CookieJar; authorizeQuery?: Record<string, string> } = {},
): Promise<FederatedStart> {
  const jar = options.jar ?? new CookieJar();
  const pageUrl = options.authorizeQuery ? `${baseUrl}/authorize?${new URLSearchParams(options.authorizeQuery)}` : `${baseUrl}/login`;
  const page = await send(jar, pageUrl);
  const html = await page.text();
  if (!html.includes(`data-identity-provider="${providerId}"`))
    throw new Error(`The sign-in page (HTTP ${page.status}) offers no ${providerId}`);
  const form = parseForms(html).find((candidate) => candidate.action === `/federation/${providerId}/start`);
  if (!form) throw new Error(`No form for ${providerId}`);
  const body = new URLSearchParams();
  for (const input of form.inputs) body.append(input.name, input.value);
  const startResponse = await send(jar, `${baseUrl}${form.action}`, body.toString());
  const location = startResponse.headers.get('location');
  return { startResponse, upstreamUrl: startResponse.status === 303 && location ? new URL(location) : null, jar };
}

/**
 * Follows the upstream's redirects (its automated sign-in page) until it sends the browser back to this
 * server's callback; returns that callback URL without calling it.
 */
export async function throughUpstream(upstreamUrl: URL, jar: CookieJar, baseUrl: string): Promise<string> {
  let url = upstreamUrl.toString();
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(baseUrl)) return url;
    const response = await send(jar, url);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location)
      throw new Error(`The upstream answered ${response.status} at ${url}: ${(await response.text()).slice(0, 300)}`);
    url = new URL(location, url).toString();
  }
  throw new Error('Too many redirects at the upstream');
}

/** Presses the button, signs in upstream and calls the callback: the callback's response. */
export async function federatedSignIn(
  baseUrl: string,
  providerId: string,
  options: { jar?: CookieJar; authorizeQuery?: Record<string, string> } = {},
): Promise<{ response: Response; jar: CookieJar; callbackUrl: string }> {
  const started = await pressProviderButton(baseUrl, providerId, options);
  if (!started.upstreamUrl)
    throw new Error(`/start answered ${started.startResponse.status}: ${(await started.startResponse.text()).slice(0, 300)}`);
  const callbackUrl = await throughUpstream(started.upstreamUrl, started.jar, baseUrl);
  const response = await send(started.jar, callbackUrl);
  return { response, jar: started.jar, callbackUrl };
}

export async function send(jar: CookieJar, url: string, formBody?: string): Promise<Response> {
  const headers: Record<string, string> = { Cookie: jar.header(), Accept: 'text/html' };
  if (formBody !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(url, { method: formBody === undefined ? 'GET' : 'POST', headers, body: formBody, redirect: 'manual' });
  jar.store(response);
  return response;
}

/** The visible text of a page's heading and first paragraph. */
export async function pageText(response: Response): Promise<string> {
  return (await response.text())
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
