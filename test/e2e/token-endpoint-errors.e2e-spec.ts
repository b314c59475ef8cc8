import { startTestApp, TestApp } from '../utils/test-app';
import { callAs, createClient, createUser, issueCode, postForm, redeem } from './token-fixtures';

describe('POST /token: request pipeline and error matrix', () => {
  let server: TestApp;
  let tokenUrl: string;

  beforeAll(async () => {
    server = await startTestApp();
    tokenUrl = `${server.baseUrl}/token`;
  });

  afterAll(async () => {
    await server.close();
  });

  function expectError(response: { status: number; headers: Headers; body: Record<string, unknown> }, status: number, error: string): void {
    expect(response.status).toBe(status);
    expect(response.body.error).toBe(error);
    expect(response.headers.get('cache-control')).toContain('no-store');
    expect(response.headers.get('pragma')).toContain('no-cache');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  }

  it('accepts only application/x-www-form-urlencoded bodies', async () => {
    const client = await createClient(server, 'public');
    for (const [contentType, body] of [
      ['application/json', JSON.stringify({ grant_type: 'authorization_code', client_id: client.clientId })],
      ['text/plain', 'grant_type=authorization_code'],
    ]) {
      const response = await fetch(tokenUrl, { method: 'POST', headers: { 'Content-Type': contentType }, body });
      expectError(
        { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> },
        400,
        'invalid_request',
      );
    }
    const empty = await fetch(tokenUrl, { method: 'POST' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('refuses repeated parameters', async () => {
    const client = await createClient(server, 'public');
    const issued = await issueCode(server, client, await createUser(server));
    const response = await postForm(tokenUrl, {
      grant_type: 'authorization_code',
      client_id: client.clientId,
      code: [issued.code, issued.code],
      redirect_uri: client.redirectUri,
      code_verifier: issued.verifier,
    });
    expectError(response, 400, 'invalid_request');
    // The code was not spent by the refused request.
    expect((await redeem(server, client, issued)).status).toBe(200);
  });

  it('answers an unknown or missing grant_type from a valid client with exactly 400 unsupported_grant_type', async () => {
    const client = await createClient(server, 'symmetric');
    expectError(await callAs(server, client, '/token', { grant_type: 'not_a_grant_type' }), 400, 'unsupported_grant_type');
    expectError(await callAs(server, client, '/token', {}), 400, 'unsupported_grant_type');
  });

  it('authenticates the client before looking at the grant type', async () => {
    const response = await postForm(
      tokenUrl,
      { grant_type: 'not_a_grant_type' },
      { Authorization: `Basic ${Buffer.from('nobody:nothing').toString('base64')}` },
    );
    expectError(response, 401, 'invalid_client');
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('refuses a grant type the client is not registered for with unauthorized_client', async () => {
    const client = await createClient(server, 'public', { grantTypes: ['authorization_code'] });
    expectError(
      await callAs(server, client, '/token', { grant_type: 'refresh_token', refresh_token: 'whatever' }),
      400,
      'unauthorized_client',
    );
    expectError(
      await callAs(server, client, '/token', { grant_type: 'client_credentials', scope: 'system/*.rs' }),
      400,
      'unauthorized_client',
    );
  });

  it('refuses a malformed scope with invalid_scope', async () => {
    const client = await createClient(server, 'public');
    expectError(
      await callAs(server, client, '/token', { grant_type: 'refresh_token', refresh_token: 'x', scope: 'patient/Observation.xyz' }),
      400,
      'invalid_scope',
    );
  });

  it('answers a CORS preflight and gives public-client token responses Access-Control-Allow-Origin', async () => {
    const client = await createClient(server, 'public');
    const origin = new URL(client.redirectUri).origin;
    const preflight = await fetch(tokenUrl, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');

    const issued = await issueCode(server, client, await createUser(server));
    const response = await postForm(
      tokenUrl,
      {
        grant_type: 'authorization_code',
        client_id: client.clientId,
        code: issued.code,
        redirect_uri: client.redirectUri,
        code_verifier: issued.verifier,
      },
      { Origin: origin },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);

    const stranger = await postForm(
      tokenUrl,
      { grant_type: 'authorization_code', client_id: client.clientId },
      { Origin: 'https://evil.example.com' },
    );
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never answers a malformed request with a server error', async () => {
    const client = await createClient(server, 'public');
    const bodies = [
      `grant_type=authorization_code&client_id=${client.clientId}&code=%ZZ`,
      `grant_type=refresh_token&client_id=${client.clientId}&refresh_token=${'a'.repeat(5000)}`,
      `grant_type=authorization_code&client_id=${client.clientId}&code=abc&redirect_uri=x&code_verifier=${'~'.repeat(200)}`,
      `grant_type[]=x&client_id=${client.clientId}`,
      '&&&===',
      'grant_type=authorization_code&client_id=%00',
      `grant_type=refresh_token&client_id=${client.clientId}&refresh_token=%00&scope=a%0Ab`,
      'token=%00&client_id=a%00b',
    ];
    for (const path of ['/token', '/introspect', '/revoke']) {
      for (const body of bodies) {
        const response = await fetch(`${server.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body,
        });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.headers.get('cache-control')).toContain('no-store');
      }
      // Hostile client ids inside the Basic header: control characters, NUL, overlong, not UTF-8.
      for (const credentials of [
        Buffer.from('a\u0000b:secret'),
        Buffer.from('a\nb:secret'),
        Buffer.from(`${'x'.repeat(5000)}:s`),
        Buffer.from([0xff, 0xfe, 0x3a, 0x41]),
      ]) {
        const response = await fetch(`${server.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${credentials.toString('base64')}` },
          body: 'grant_type=client_credentials&token=abc',
        });
        expect(response.status).toBe(401);
        expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
      }
    }
  });

  it('contributes its endpoints, grant types and OpenID capability to discovery', async () => {
    const smart = (await (await fetch(`${server.fhirBaseUrl}/.well-known/smart-configuration`)).json()) as Record<string, unknown>;
    expect(smart).toMatchObject({
      token_endpoint: `${server.baseUrl}/token`,
      introspection_endpoint: `${server.baseUrl}/introspect`,
      revocation_endpoint: `${server.baseUrl}/revoke`,
      issuer: server.baseUrl,
    });
    expect(smart.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    expect(smart.capabilities).toEqual(expect.arrayContaining(['sso-openid-connect', 'permission-offline']));
    const openid = (await (await fetch(`${server.baseUrl}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(openid.claims_supported).toEqual(expect.arrayContaining(['fhirUser', 'sub', 'iss', 'nonce']));
  });
});
