import { randomBytes } from 'node:crypto';
import { generateClientKey } from '../utils/client-assertion';
import { startTestApp, TestApp } from '../utils/test-app';

type Json = Record<string, unknown>;
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;

async function register(server: TestApp, body: unknown): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(`${server.baseUrl}/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as Json) : {}, headers: response.headers };
}

const app = (): Json => ({
  client_name: `app-${randomBytes(4).toString('hex')}`,
  redirect_uris: [`https://${randomBytes(4).toString('hex')}.example.org/cb`],
  token_endpoint_auth_method: 'none',
});

// Without limits, anonymous registration was unbounded (10,000 in 22 s, megabytes of keys, every origin a CORS origin).
describe('registration limits', () => {
  describe('per-address rate limit and body size', () => {
    let server: TestApp;

    beforeAll(async () => {
      server = await startTestApp({ REGISTRATION_POLICY: 'open', REGISTRATION_RATE_LIMIT: '5', REGISTRATION_RATE_WINDOW: '1h' });
    });

    afterAll(async () => {
      await server.close();
    });

    it('answers 429 with Retry-After and an OAuth error body once an address passes the limit, before reading the body', async () => {
      // Oversized and invalid attempts count too: the limit is on attempts, checked before anything else.
      expect((await register(server, { client_name: 'x'.repeat(70 * 1024) })).status).toBe(413);
      expect((await register(server, { redirect_uris: ['not a url'] })).status).toBe(400);
      for (let i = 0; i < 3; i++) expect((await register(server, app())).status).toBe(201);
      const refused = await register(server, app());
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3500);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
      expect(refused.body).toEqual({ error: 'too_many_requests', error_description: expect.stringContaining('retry') });
      // Other endpoints are not affected.
      expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
    });
  });

  describe('a concurrent registration flood', () => {
    let server: TestApp;

    beforeAll(async () => {
      server = await startTestApp({ REGISTRATION_POLICY: 'open', REGISTRATION_RATE_LIMIT: '5' });
    });

    afterAll(async () => {
      await server.close();
    });

    it('accepts exactly the limit out of 60 concurrent attempts, while /health keeps answering within a second', async () => {
      const flood = Promise.all(Array.from({ length: 60 }, () => register(server, app())));
      const started = Date.now();
      const health = await fetch(`${server.baseUrl}/health`);
      const healthMs = Date.now() - started;
      const statuses = (await flood).map((response) => response.status);
      expect(health.status).toBe(200);
      expect(healthMs).toBeLessThan(1000);
      expect(statuses.filter((status) => status === 201)).toHaveLength(5);
      expect(statuses.filter((status) => status === 429)).toHaveLength(55);
    });
  });

  describe('metadata size and keys', () => {
    let server: TestApp;

    beforeAll(async () => {
      server = await startTestApp({ REGISTRATION_POLICY: 'open', REGISTRATION_RATE_LIMIT: '1000' });
    });

    afterAll(async () => {
      await server.close();
    });

    it('refuses a body over 64 KiB with 413, also when it arrives chunked without Content-Length', async () => {
      const big = JSON.stringify({ ...app(), software_id: 'x'.repeat(100 * 1024) });
      const declared = await fetch(`${server.baseUrl}/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: big,
      });
      expect(declared.status).toBe(413);
      expect(((await declared.json()) as Json).error).toBe('invalid_request');
      const bytes = new TextEncoder().encode(big);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let offset = 0; offset < bytes.length; offset += 8192) controller.enqueue(bytes.slice(offset, offset + 8192));
          controller.close();
        },
      });
      const chunked = await fetch(`${server.baseUrl}/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(413);
      // The same limit holds for an RFC 7592 PUT.
      const registered = await register(server, app());
      const put = await fetch(registered.body.registration_client_uri as string, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${registered.body.registration_access_token as string}` },
        body: JSON.stringify({ ...app(), client_id: registered.body.client_id, software_id: 'x'.repeat(100 * 1024) }),
      });
      expect(put.status).toBe(413);
    });

    it('refuses more than 5 keys, and a key of more than 8 KiB of JSON', async () => {
      const keys = await Promise.all([1, 2, 3, 4, 5, 6].map(() => generateClientKey('ES384')));
      const many = await register(server, {
        ...app(),
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: keys.map((key) => key.publicJwk) },
      });
      expect(many.status).toBe(400);
      expect(many.body.error).toBe('invalid_client_metadata');
      const padded = await register(server, {
        ...app(),
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...keys[0].publicJwk, junk: 'x'.repeat(9000) }] },
      });
      expect(padded.status).toBe(400);
      expect(padded.body.error).toBe('invalid_client_metadata');
      const five = await register(server, {
        ...app(),
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: keys.slice(0, 5).map((key) => key.publicJwk) },
      });
      expect(five.status).toBe(201);
    });
  });

  describe('CORS origins come only from approved clients', () => {
    let server: TestApp;
    const configured = 'https://configured.example.org';

    beforeAll(async () => {
      server = await startTestApp({
        REGISTRATION_POLICY: 'open',
        ADMIN_TOKEN,
        CORS_ALLOWED_ORIGINS: configured,
        REGISTRATION_RATE_LIMIT: '1000',
      });
    });

    afterAll(async () => {
      await server.close();
    });

    const allowOrigin = async (origin: string): Promise<string | null> => {
      const preflight = await fetch(`${server.baseUrl}/token`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });
      return preflight.headers.get('access-control-allow-origin');
    };

    it("gives a self-registered (unverified) client's origin no CORS header until an operator verifies the client", async () => {
      const origin = `https://spa-${randomBytes(4).toString('hex')}.example.org`;
      const registered = await register(server, { ...app(), redirect_uris: [`${origin}/callback`] });
      expect(registered.status).toBe(201);
      expect(await allowOrigin(origin)).toBeNull();
      const verified = await fetch(`${server.baseUrl}/admin/clients/${registered.body.client_id as string}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ verified: true }),
      });
      expect(verified.status).toBe(200);
      expect(await allowOrigin(origin)).toBe(origin);
      // Its own token response carries the header too.
      const token = await fetch(`${server.baseUrl}/token`, {
        method: 'POST',
        headers: { Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=authorization_code&code=x',
      });
      expect(token.headers.get('access-control-allow-origin')).toBe(origin);
    });

    it('allows operator-created clients and configured origins, and follows an operator change of redirect URIs', async () => {
      const origin = `https://operator-${randomBytes(4).toString('hex')}.example.org`;
      const created = await fetch(`${server.baseUrl}/admin/clients`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_name: 'operator SPA', redirect_uris: [`${origin}/cb`], token_endpoint_auth_method: 'none' }),
      });
      const clientId = ((await created.json()) as Json).client_id as string;
      expect(await allowOrigin(origin)).toBe(origin);
      expect(await allowOrigin(configured)).toBe(configured);
      expect(await allowOrigin('https://stranger.example.org')).toBeNull();
      await fetch(`${server.baseUrl}/admin/clients/${clientId}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['https://moved.example.org/cb'] }),
      });
      expect(await allowOrigin(origin)).toBeNull();
      expect(await allowOrigin('https://moved.example.org')).toBe('https://moved.example.org');
    });
  });
});
