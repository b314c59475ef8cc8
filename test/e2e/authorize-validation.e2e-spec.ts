import { ClientsService } from '../../src/clients/clients.service';
import { authorizeParams, createApp, pkce } from '../utils/authorize-fixtures';
import { startTestApp, TestApp } from '../utils/test-app';

describe('/authorize request validation (RFC 6749 §4.1.2.1, RFC 7636 §4.4.1, SMART App Launch 2.2 §Obtain authorization code)', () => {
  let server: TestApp;
  let app: { clientId: string; redirectUri: string };
  const { challenge } = pkce();

  beforeAll(async () => {
    server = await startTestApp();
    app = await createApp(server, { redirectUris: [`https://validation.example.org/cb?tenant=a`] });
    app.redirectUri = 'https://validation.example.org/cb?tenant=a';
  });

  afterAll(async () => {
    await server.close();
  });

  const get = (params: Record<string, string>) =>
    fetch(`${server.baseUrl}/authorize?${new URLSearchParams(params)}`, { redirect: 'manual', headers: { Accept: 'text/html' } });

  async function expectErrorPage(params: Record<string, string>, text: RegExp): Promise<void> {
    const response = await get(params);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toMatch(text);
  }

  async function expectRedirectError(params: Record<string, string>, error: string): Promise<URL> {
    const response = await get(params);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') as string);
    expect(`${location.origin}${location.pathname}`).toBe('https://validation.example.org/cb');
    expect(location.searchParams.get('tenant')).toBe('a');
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('error_description')).toEqual(expect.any(String));
    expect(location.searchParams.get('code')).toBeNull();
    expect(location.searchParams.get('iss')).toBe(server.baseUrl);
    if (params.state !== undefined) expect(location.searchParams.get('state')).toBe(params.state);
    return location;
  }

  it('shows an error page, never a redirect, for an unknown client_id', async () => {
    await expectErrorPage(authorizeParams(server, { ...app, clientId: 'no-such-client' }, challenge), /no-such-client/);
  });

  it('shows an error page for a missing client_id', async () => {
    await expectErrorPage(authorizeParams(server, app, challenge, { client_id: undefined }), /Unknown application/);
  });

  it('shows an error page for a disabled client', async () => {
    const disabled = await createApp(server);
    await server.app.get(ClientsService).disable(disabled.clientId);
    await expectErrorPage(authorizeParams(server, disabled, challenge), /Unknown application/);
  });

  it.each([
    ['unregistered', 'https://evil.example.org/cb'],
    ['differing in its query', 'https://validation.example.org/cb?tenant=b'],
    ['with a trailing slash', 'https://validation.example.org/cb/?tenant=a'],
  ])('shows an error page for a redirect_uri %s', async (_, redirectUri) => {
    await expectErrorPage(authorizeParams(server, { ...app, redirectUri }, challenge), /Invalid redirect URI/);
  });

  it('shows an error page for a missing redirect_uri', async () => {
    await expectErrorPage(authorizeParams(server, app, challenge, { redirect_uri: undefined }), /Invalid redirect URI/);
  });

  it('redirects unsupported_response_type with the exact state', async () => {
    await expectRedirectError(
      authorizeParams(server, app, challenge, { response_type: 'token', state: 'a b+c/d?e=f&g' }),
      'unsupported_response_type',
    );
  });

  it('redirects invalid_request for a missing response_type', async () => {
    await expectRedirectError(authorizeParams(server, app, challenge, { response_type: undefined }), 'invalid_request');
  });

  it('rejects PKCE plain, a missing challenge and a missing method', async () => {
    await expectRedirectError(authorizeParams(server, app, challenge, { code_challenge_method: 'plain' }), 'invalid_request');
    await expectRedirectError(authorizeParams(server, app, challenge, { code_challenge: undefined }), 'invalid_request');
    await expectRedirectError(authorizeParams(server, app, challenge, { code_challenge_method: undefined }), 'invalid_request');
    await expectRedirectError(authorizeParams(server, app, 'too-short'), 'invalid_request');
  });

  it.each([
    ['another server', 'https://inferno.healthit.gov/invalid_aud'],
    ['a sibling path', 'FHIR_BASE/other'],
    ['the issuer instead of the FHIR base', 'ISSUER'],
  ])('returns no code for an aud naming %s (RFC 8707 §2 invalid_target)', async (_, aud) => {
    const value = aud.replace('FHIR_BASE', server.fhirBaseUrl).replace('ISSUER', server.baseUrl);
    await expectRedirectError(authorizeParams(server, app, challenge, { aud: value }), 'invalid_target');
  });

  it('rejects a missing aud, and a resource that disagrees with aud', async () => {
    await expectRedirectError(authorizeParams(server, app, challenge, { aud: undefined }), 'invalid_request');
    await expectRedirectError(
      authorizeParams(server, app, challenge, { resource: 'https://elsewhere.example.org/fhir' }),
      'invalid_target',
    );
  });

  it.each([
    ['a trailing slash', (base: string) => ({ aud: `${base}/` })],
    ['resource instead of aud (RFC 8707)', (base: string) => ({ aud: undefined, resource: base })],
  ])('accepts aud with %s', async (_, override) => {
    const response = await get(authorizeParams(server, app, challenge, override(server.fhirBaseUrl)));
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/name="password"/);
  });

  it('redirects invalid_scope for malformed scopes, a missing scope and scopes the client may not have', async () => {
    await expectRedirectError(authorizeParams(server, app, challenge, { scope: 'patient/Observation.rx' }), 'invalid_scope');
    await expectRedirectError(authorizeParams(server, app, challenge, { scope: undefined }), 'invalid_scope');
    const narrow = await createApp(server, { scope: 'openid fhirUser', redirectUris: ['https://narrow.example.org/cb'] });
    const response = await get(authorizeParams(server, narrow, challenge, { scope: 'patient/*.rs system/*.rs' }));
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get('location') as string).searchParams.get('error')).toBe('invalid_scope');
  });

  it('redirects invalid_request for an unknown launch value', async () => {
    await expectRedirectError(
      authorizeParams(server, app, challenge, { scope: 'launch openid', launch: 'not-a-launch' }),
      'invalid_request',
    );
  });

  it('redirects invalid_request for a missing state, without inventing one', async () => {
    const location = await expectRedirectError(authorizeParams(server, app, challenge, { state: undefined }), 'invalid_request');
    expect(location.searchParams.has('state')).toBe(false);
  });

  it('redirects invalid_request for a repeated parameter', async () => {
    const params = new URLSearchParams(authorizeParams(server, app, challenge));
    params.append('scope', 'openid');
    const response = await fetch(`${server.baseUrl}/authorize?${params}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get('location') as string).searchParams.get('error')).toBe('invalid_request');
  });

  it('validates POST /authorize the same way (authorize-post)', async () => {
    const response = await fetch(`${server.baseUrl}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(authorizeParams(server, app, challenge, { code_challenge_method: 'plain', state: 'posted' })).toString(),
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') as string);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('posted');
  });

  it('serves the sign-in page with a CSP that forbids framing by other origins and inline scripts', async () => {
    const response = await get(authorizeParams(server, app, challenge));
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/frame-ancestors 'self'/);
    expect(csp).toMatch(/script-src 'self'/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toMatch(/<label for="username">/);
    expect(html).toMatch(/<label for="password">/);
    expect(html).toMatch(/name="csrf_token"/);
  });

  it('advertises the authorization endpoint, management endpoint and capabilities in discovery', async () => {
    const body = (await (await fetch(`${server.fhirBaseUrl}/.well-known/smart-configuration`)).json()) as Record<string, unknown>;
    expect(body.authorization_endpoint).toBe(`${server.baseUrl}/authorize`);
    expect(body.management_endpoint).toBe(`${server.baseUrl}/apps`);
    expect(body.response_types_supported).toEqual(['code']);
    expect(body.capabilities).toEqual(
      expect.arrayContaining([
        'launch-ehr',
        'launch-standalone',
        'authorize-post',
        'context-banner',
        'context-style',
        'permission-v1',
        'permission-v2',
      ]),
    );
    const openid = (await (await fetch(`${server.baseUrl}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(openid.authorization_response_iss_parameter_supported).toBe(true);
  });
});
