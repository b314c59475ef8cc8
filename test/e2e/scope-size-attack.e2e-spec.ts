import { startTestApp, TestApp } from '../utils/test-app';
import { createClient, createUser, issueCode, postForm, redeem } from './token-fixtures';

// One unauthenticated /token request whose scope lists 20,000 granular scopes (under 1 MiB) held the
// event loop for minutes, because the scope comparison was quadratic and ran before the refresh token was looked
// up. Every endpoint that takes a scope now refuses an oversized one first, and comparisons are linear.
const N = 20_000;
const HUGE_SCOPE = Array.from({ length: N }, (_, i) => `patient/Observation.rs?category=c${i}`).join(' ');
// Under /register's 64 KiB body limit (a larger body is 413 before it is read), over the 256-scope bound.
const REGISTRABLE_HUGE_SCOPE = HUGE_SCOPE.split(' ').slice(0, 1000).join(' ');

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe('oversized scopes cannot stop the server', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ REGISTRATION_POLICY: 'open' });
  });

  afterAll(async () => {
    await server.close();
  });

  it('answers the n = 20,000 refresh request with an error, unread, while /health keeps answering within 1 s', async () => {
    const client = await createClient(server, 'public');
    // Encoded once, so the probes below measure the server rather than this process building bodies
    // (the test and the server share one event loop).
    const body = Buffer.from(
      new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: client.clientId,
        refresh_token: 'bogus',
        scope: HUGE_SCOPE,
      }).toString(),
    );
    const attack = () =>
      timed(async () => {
        const response = await fetch(`${server.baseUrl}/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body,
        });
        return { status: response.status, body: (await response.json()) as { error?: string } };
      });
    const attacks = Promise.all([attack(), attack(), attack(), attack()]);
    let done = false;
    void attacks.finally(() => (done = true));
    const health: number[] = [];
    // Probe /health for as long as the attacks run (at least once), each probe bounded.
    do {
      const probe = await timed(() => fetch(`${server.baseUrl}/health`, { signal: AbortSignal.timeout(5_000) }));
      expect(probe.value.status).toBe(200);
      health.push(probe.ms);
    } while (!done);
    // Over 64 KiB, the token endpoint refuses the body before reading it.
    for (const result of await attacks) {
      expect(result.value.status).toBe(413);
      expect(result.value.body.error).toBe('invalid_request');
      expect(result.ms).toBeLessThan(5_000);
    }
    expect(Math.max(...health)).toBeLessThan(1_000);
  });

  it('refuses the same body at a percent-encoded /%74oken, which the router decodes to /token', async () => {
    const client = await createClient(server, 'public');
    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: client.clientId,
      refresh_token: 'bogus',
      scope: HUGE_SCOPE,
    }).toString();
    const response = await fetch(`${server.baseUrl}/%74oken`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('cache-control')).toContain('no-store');
  });

  it('refuses a scope of more than 256 scopes in a body under 64 KiB with invalid_scope, before any lookup', async () => {
    const client = await createClient(server, 'public');
    const scope = Array.from({ length: 1_000 }, (_, i) => `patient/Observation.rs?category=c${i}`).join(' ');
    const started = performance.now();
    const response = await postForm(`${server.baseUrl}/token`, {
      grant_type: 'refresh_token',
      client_id: client.clientId,
      refresh_token: 'bogus',
      scope,
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_scope');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('still checks a refresh scope within the bound against the grant (after looking the token up)', async () => {
    const client = await createClient(server, 'public');
    const issued = await issueCode(server, client, await createUser(server), {
      scope: 'launch/patient offline_access patient/Observation.rs',
    });
    const tokens = await redeem(server, client, issued);
    expect(tokens.status).toBe(200);
    const wider = Array.from({ length: 100 }, (_, i) => `patient/Observation.rs?category=c${i}`).join(' ');
    const narrowed = await postForm(`${server.baseUrl}/token`, {
      grant_type: 'refresh_token',
      client_id: client.clientId,
      refresh_token: tokens.body.refresh_token as string,
      scope: wider,
    });
    expect(narrowed.status).toBe(200);
    expect((narrowed.body.scope as string).split(' ')).toHaveLength(100);
    const bogus = await postForm(`${server.baseUrl}/token`, {
      grant_type: 'refresh_token',
      client_id: client.clientId,
      refresh_token: 'bogus',
      scope: wider,
    });
    expect(bogus.status).toBe(400);
    expect(bogus.body.error).toBe('invalid_grant');
  });

  it('refuses an oversized scope at /register with invalid_client_metadata', async () => {
    const response = await fetch(`${server.baseUrl}/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        client_name: 'big',
        redirect_uris: ['https://big.example.org/cb'],
        token_endpoint_auth_method: 'none',
        scope: REGISTRABLE_HUGE_SCOPE,
      }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client_metadata');
  });

  it('refuses a scope of more than 256 scopes at /authorize with invalid_scope', async () => {
    const client = await createClient(server, 'public');
    const scope = Array.from({ length: 300 }, (_, i) => `s${i}`).join(' ');
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
      scope,
      state: 'st',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      aud: server.fhirBaseUrl,
    });
    const response = await fetch(`${server.baseUrl}/authorize?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') as string);
    expect(location.searchParams.get('error')).toBe('invalid_scope');
  });
});
