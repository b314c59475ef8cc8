import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ClientAuthenticationService } from '../../src/clients/authentication/client-authentication.service';
import { UsersService } from '../../src/clients/users.service';
import { clientAssertionFields, generateClientKey } from '../utils/client-assertion';
import { startTestApp, TestApp } from '../utils/test-app';

type Json = Record<string, unknown>;
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;

async function request(
  url: string,
  method: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {}, headers: response.headers };
}

const METADATA = {
  client_name: 'Managed app',
  redirect_uris: ['https://managed.example.org/cb'],
  token_endpoint_auth_method: 'client_secret_basic',
};

describe('registration management (RFC 7592) and registration policies', () => {
  describe('open registration', () => {
    let server: TestApp;

    beforeAll(async () => {
      server = await startTestApp({ REGISTRATION_POLICY: 'open' });
    });

    afterAll(async () => {
      await server.close();
    });

    it('reads, updates and deletes a registration with its registration access token', async () => {
      const registered = await request(`${server.baseUrl}/register`, 'POST', METADATA);
      const uri = registered.body.registration_client_uri as string;
      const token = registered.body.registration_access_token as string;

      const read = await request(uri, 'GET', undefined, token);
      expect(read.status).toBe(200);
      expect(read.headers.get('cache-control')).toBe('no-store');
      expect(read.body).toMatchObject({
        client_id: registered.body.client_id,
        client_name: 'Managed app',
        registration_access_token: token,
        registration_client_uri: uri,
      });

      const updated = await request(
        uri,
        'PUT',
        { ...METADATA, client_id: registered.body.client_id, client_name: 'Renamed', redirect_uris: ['https://managed.example.org/cb2'] },
        token,
      );
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ client_name: 'Renamed', redirect_uris: ['https://managed.example.org/cb2'] });

      const badUpdate = await request(
        uri,
        'PUT',
        { ...METADATA, client_id: registered.body.client_id, redirect_uris: ['https://x.example.org/#f'] },
        token,
      );
      expect(badUpdate.status).toBe(400);
      expect(badUpdate.body.error).toBe('invalid_redirect_uri');
      const wrongId = await request(uri, 'PUT', { ...METADATA, client_id: 'another' }, token);
      expect(wrongId.status).toBe(400);

      expect((await request(uri, 'DELETE', undefined, token)).status).toBe(204);
      const gone = await request(uri, 'GET', undefined, token);
      expect(gone.status).toBe(401);
      expect(gone.body.error).toBe('invalid_token');
    });

    it('replaces the keys of a private_key_jwt client, and the new key then authenticates', async () => {
      const oldKey = await generateClientKey('ES384');
      const newKey = await generateClientKey('RS384');
      const metadata = {
        client_name: 'Keyed',
        redirect_uris: ['https://keyed.example.org/cb'],
        token_endpoint_auth_method: 'private_key_jwt',
      };
      const registered = await request(`${server.baseUrl}/register`, 'POST', { ...metadata, jwks: { keys: [oldKey.publicJwk] } });
      const clientId = registered.body.client_id as string;
      const token = registered.body.registration_access_token as string;
      const updated = await request(
        registered.body.registration_client_uri as string,
        'PUT',
        { ...metadata, client_id: clientId, jwks: { keys: [newKey.publicJwk] } },
        token,
      );
      expect(updated.status).toBe(200);
      expect(updated.body.jwks).toEqual({ keys: [newKey.publicJwk] });
      const auth = server.app.get(ClientAuthenticationService);
      const assertion = (key: typeof oldKey) => clientAssertionFields({ clientId, audience: `${server.baseUrl}/token`, key });
      await expect(auth.authenticate({ headers: {}, body: await assertion(newKey) }, 'token')).resolves.toMatchObject({
        method: 'private_key_jwt',
        client: { clientId },
      });
      await expect(auth.authenticate({ headers: {}, body: await assertion(oldKey) }, 'token')).rejects.toMatchObject({
        error: 'invalid_client',
      });
    });

    it('answers 401 invalid_token without, or with a wrong, registration access token', async () => {
      const first = await request(`${server.baseUrl}/register`, 'POST', METADATA);
      const second = await request(`${server.baseUrl}/register`, 'POST', METADATA);
      const uri = first.body.registration_client_uri as string;
      for (const [method, body] of [
        ['GET', undefined],
        ['PUT', { ...METADATA, client_id: first.body.client_id }],
        ['DELETE', undefined],
      ] as const) {
        for (const token of [undefined, 'wrong-token', second.body.registration_access_token as string]) {
          const response = await request(uri, method, body, token);
          expect(response.status).toBe(401);
          expect(response.body.error).toBe('invalid_token');
          expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
        }
      }
      expect((await request(uri, 'GET', undefined, first.body.registration_access_token as string)).status).toBe(200);
    });

    it('stores secrets, registration access tokens and passwords only as hashes', async () => {
      const registered = await request(`${server.baseUrl}/register`, 'POST', METADATA);
      const password = `pw-${randomBytes(12).toString('hex')}`;
      await server.app.get(UsersService).create({
        username: `u-${randomBytes(4).toString('hex')}`,
        password,
        displayName: 'Hash Check',
        fhirUser: 'Practitioner/hash-check',
        role: 'practitioner',
      });
      const dataSource = server.app.get(DataSource);
      const dump = JSON.stringify([
        await dataSource.query('SELECT * FROM clients'),
        await dataSource.query('SELECT * FROM client_secrets'),
        await dataSource.query('SELECT * FROM users'),
        await dataSource.query('SELECT * FROM initial_access_tokens'),
      ]);
      for (const secret of [registered.body.client_secret, registered.body.registration_access_token, password] as string[]) {
        expect(secret.length).toBeGreaterThan(20);
        expect(dump).not.toContain(secret);
      }
      expect(dump).toContain('$argon2id$');
    });
  });

  describe('protected registration', () => {
    let server: TestApp;

    beforeAll(async () => {
      server = await startTestApp({ REGISTRATION_POLICY: 'protected', ADMIN_TOKEN });
    });

    afterAll(async () => {
      await server.close();
    });

    const issue = async (body: Json = {}): Promise<string> => {
      const response = await request(`${server.baseUrl}/admin/initial-access-tokens`, 'POST', body, ADMIN_TOKEN);
      expect(response.status).toBe(201);
      return response.body.initial_access_token as string;
    };

    it('refuses registration without an initial access token, or with a wrong one', async () => {
      for (const token of [undefined, 'not-a-real-token']) {
        const response = await request(`${server.baseUrl}/register`, 'POST', METADATA, token);
        expect(response.status).toBe(401);
        expect(response.body.error).toBe('invalid_token');
      }
    });

    it('registers with a single-use initial access token exactly once', async () => {
      const token = await issue();
      const first = await request(`${server.baseUrl}/register`, 'POST', METADATA, token);
      expect(first.status).toBe(201);
      const again = await request(`${server.baseUrl}/register`, 'POST', METADATA, token);
      expect(again.status).toBe(401);
    });

    it('keeps a single-use token when the metadata is rejected, and allows a reusable one several times', async () => {
      const token = await issue();
      expect(
        (await request(`${server.baseUrl}/register`, 'POST', { ...METADATA, redirect_uris: ['http://evil.example.org/'] }, token)).status,
      ).toBe(400);
      expect((await request(`${server.baseUrl}/register`, 'POST', METADATA, token)).status).toBe(201);
      const reusable = await issue({ single_use: false, expires_in: 3600 });
      expect((await request(`${server.baseUrl}/register`, 'POST', METADATA, reusable)).status).toBe(201);
      expect((await request(`${server.baseUrl}/register`, 'POST', METADATA, reusable)).status).toBe(201);
    });

    it('refuses an expired initial access token', async () => {
      const response = await request(
        `${server.baseUrl}/admin/initial-access-tokens`,
        'POST',
        { single_use: false, expires_in: 600 },
        ADMIN_TOKEN,
      );
      await server.app
        .get(DataSource)
        .query(`UPDATE initial_access_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [response.body.id]);
      const registration = await request(`${server.baseUrl}/register`, 'POST', METADATA, response.body.initial_access_token as string);
      expect(registration.status).toBe(401);
      expect(registration.body.error).toBe('invalid_token');
    });

    it('still advertises the registration endpoint', async () => {
      const configuration = (await (await fetch(`${server.baseUrl}/.well-known/smart-configuration`)).json()) as Json;
      expect(configuration.registration_endpoint).toBe(`${server.baseUrl}/register`);
    });
  });

  describe('closed registration', () => {
    let server: TestApp;

    beforeAll(async () => {
      server = await startTestApp({ REGISTRATION_POLICY: 'closed' });
    });

    afterAll(async () => {
      await server.close();
    });

    it('refuses registration with 403 and a clear error, and does not advertise registration_endpoint', async () => {
      const response = await request(`${server.baseUrl}/register`, 'POST', METADATA);
      expect(response.status).toBe(403);
      expect(response.body.error).toBe('access_denied');
      expect(response.body.error_description).toMatch(/closed/);
      const configuration = (await (await fetch(`${server.baseUrl}/.well-known/smart-configuration`)).json()) as Json;
      expect(configuration.registration_endpoint).toBeUndefined();
    });
  });
});
