import { randomBytes } from 'node:crypto';
import { startTestApp, TestApp } from '../utils/test-app';

type Json = Record<string, unknown>;
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;

// Each would be compared as one string and redirected to (or shown, or fetched) as another.
const MALFORMED = [
  'https://app.example.org/cb\r\nSet-Cookie: session=attacker',
  'https://app.example.org/cb\n',
  'https://app.example.org/c b',
  'https://app.example.org/cb\t',
  'https://app.example.org/cb\u0000',
  ' https://app.example.org/cb',
  'https://APP.example.org/cb',
  'https://app.example.org/a/../cb',
  'https://app.example.org:443/cb',
  'https://app.example.org',
];

// A NUL anywhere in a JSON body is refused by the body parser before any field is looked at:
// invalid_client_metadata at /register, invalid_request elsewhere.
const refusedAs = (url: string, fieldError: string, bodyError: string): string => (url.includes('\u0000') ? bodyError : fieldError);

describe('URL fields in client metadata', () => {
  let server: TestApp;

  const call = async (method: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };

  const app = (overrides: Json = {}): Json => ({
    client_name: `app-${randomBytes(4).toString('hex')}`,
    redirect_uris: ['https://app.example.org/cb'],
    token_endpoint_auth_method: 'none',
    ...overrides,
  });

  const FIELDS: Array<[string, (url: string) => Json, string]> = [
    ['redirect_uris', (url) => ({ redirect_uris: [url] }), 'invalid_redirect_uri'],
    ['launch_url', (url) => ({ launch_url: url }), 'invalid_client_metadata'],
    ['jwks_uri', (url) => ({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: url }), 'invalid_client_metadata'],
    ['client_uri', (url) => ({ client_uri: url }), 'invalid_client_metadata'],
    ['logo_uri', (url) => ({ logo_uri: url }), 'invalid_client_metadata'],
    ['tos_uri', (url) => ({ tos_uri: url }), 'invalid_client_metadata'],
    ['policy_uri', (url) => ({ policy_uri: url }), 'invalid_client_metadata'],
  ];

  beforeAll(async () => {
    server = await startTestApp({ ADMIN_TOKEN, REGISTRATION_POLICY: 'open', REGISTRATION_RATE_LIMIT: '1000' });
  });

  afterAll(async () => {
    await server.close();
  });

  it.each(FIELDS)('POST /register refuses a %s with control characters, whitespace or a non-normalized form', async (_, field, error) => {
    for (const url of MALFORMED) {
      const response = await call('POST', '/register', app(field(url)));
      expect({ url, status: response.status, error: response.body.error }).toEqual({
        url,
        status: 400,
        error: refusedAs(url, error, 'invalid_client_metadata'),
      });
    }
    expect((await call('POST', '/register', app(field('https://app.example.org/cb?tenant=a')))).status).toBe(201);
  });

  it('PUT /register/{client_id} (RFC 7592) refuses them too', async () => {
    const created = await call('POST', '/register', app());
    const { client_id: clientId, registration_access_token: token } = created.body as {
      client_id: string;
      registration_access_token: string;
    };
    for (const url of MALFORMED) {
      const response = await call('PUT', `/register/${clientId}`, { ...app({ redirect_uris: [url] }), client_id: clientId }, token);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe(refusedAs(url, 'invalid_redirect_uri', 'invalid_client_metadata'));
    }
  });

  it('the admin API refuses them on create and on update', async () => {
    for (const url of MALFORMED) {
      const created = await call('POST', '/admin/clients', app({ redirect_uris: [url] }), ADMIN_TOKEN);
      expect(created.status).toBe(400);
      expect(created.body.error).toBe(refusedAs(url, 'invalid_redirect_uri', 'invalid_request'));
    }
    const good = await call('POST', '/admin/clients', app(), ADMIN_TOKEN);
    expect(good.status).toBe(201);
    const clientId = good.body.client_id as string;
    for (const url of MALFORMED) {
      const patched = await call('PATCH', `/admin/clients/${clientId}`, { launch_url: url }, ADMIN_TOKEN);
      expect(patched.status).toBe(400);
      expect(patched.body.error).toBe(refusedAs(url, 'invalid_client_metadata', 'invalid_request'));
    }
  });
});
