import { randomBytes } from 'node:crypto';
import { authorizeParams, createApp, createUser, pkce } from '../utils/authorize-fixtures';
import { CookieJar, driveAuthorization } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

type Json = Record<string, unknown>;

// RFC 9700 §4.11.2 (no silent redirect for an unverified app) and RFC 7591 §5 (the consent page marks unverified apps).
describe('/authorize with an unverified (self-registered) app', () => {
  let server: TestApp;
  let user: { username: string; password: string };
  let phishing: { clientId: string; redirectUri: string };

  const get = (params: Record<string, string>, jar?: CookieJar) =>
    fetch(`${server.baseUrl}/authorize?${new URLSearchParams(params).toString()}`, {
      redirect: 'manual',
      headers: jar ? { Cookie: jar.header() } : {},
    });

  beforeAll(async () => {
    server = await startTestApp({ REGISTRATION_POLICY: 'open', REGISTRATION_RATE_LIMIT: '1000' });
    user = await createUser(server, 'practitioner', 'Practitioner/example-practitioner-1');
    // The attacker registers its own landing page as a redirect URI.
    const redirectUri = `https://phish-${randomBytes(4).toString('hex')}.example.net/landing`;
    const response = await fetch(`${server.baseUrl}/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Totally Legit Health',
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'none',
        scope: 'openid fhirUser',
      }),
    });
    phishing = { clientId: ((await response.json()) as Json).client_id as string, redirectUri };
  });

  afterAll(async () => {
    await server.close();
  });

  it('shows request errors as a page instead of redirecting to the registered URI (no open redirector)', async () => {
    const { challenge } = pkce();
    for (const overrides of [
      { code_challenge: undefined },
      { response_type: 'token' },
      { scope: 'system/*.rs' },
      { aud: 'https://elsewhere.example.org/fhir' },
    ]) {
      const response = await get(authorizeParams(server, phishing, challenge, { scope: 'openid fhirUser', ...overrides }));
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(await response.text()).toContain('Authorization error');
    }
  });

  it('shows prompt=none errors as a page', async () => {
    const { challenge } = pkce();
    const response = await get(authorizeParams(server, phishing, challenge, { scope: 'openid fhirUser', prompt: 'none' }));
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('login_required');
  });

  it('still redirects those errors for an operator-created (verified) app', async () => {
    const app = await createApp(server);
    const { challenge } = pkce();
    const response = await get(authorizeParams(server, app, challenge, { code_challenge: undefined }));
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get('location') as string).searchParams.get('error')).toBe('invalid_request');
  });

  it('marks the app unverified on the consent page with its redirect host; a deny there still redirects', async () => {
    const { challenge } = pkce();
    const params = authorizeParams(server, phishing, challenge, { scope: 'openid fhirUser' });
    const denied = await driveAuthorization(server.baseUrl, params, { ...user, decision: 'deny' });
    expect(denied.error).toBe('access_denied');
    expect(denied.location.startsWith(phishing.redirectUri)).toBe(true);

    const consent = await get(params, denied.jar);
    expect(consent.status).toBe(200);
    const html = await consent.text();
    expect(html).toContain('Unverified app — registered itself; not reviewed by your organisation');
    expect(html).toContain(`<strong>${new URL(phishing.redirectUri).host}</strong>`);
    expect(html).not.toContain('&amp;quot;');
    // Signed in but without consent, prompt=none is consent_required: a page, not a redirect.
    const silent = await get({ ...params, prompt: 'none' }, denied.jar);
    expect(silent.status).toBe(400);
    expect(silent.headers.get('location')).toBeNull();
  });

  it('shows no unverified warning for a verified app', async () => {
    const app = await createApp(server, { scope: 'openid fhirUser' });
    const { challenge } = pkce();
    const jar = new CookieJar();
    await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { scope: 'openid fhirUser' }), {
      ...user,
      jar,
      decision: 'deny',
    });
    const html = await (await get(authorizeParams(server, app, challenge, { scope: 'openid fhirUser' }), jar)).text();
    expect(html).toContain('Allow ');
    expect(html).not.toContain('Unverified app');
    expect(html).toContain(new URL(app.redirectUri).host);
  });
});
