import { randomBytes } from 'node:crypto';
import { ClientAuthenticationService } from '../../src/clients/authentication/client-authentication.service';
import { ClientsService } from '../../src/clients/clients.service';
import { startTestApp, TestApp } from '../utils/test-app';

type Json = Record<string, unknown>;

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

async function register(server: TestApp, metadata: Json): Promise<Json> {
  const response = await fetch(`${server.baseUrl}/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_name: `app-${randomBytes(4).toString('hex')}`, ...metadata }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Json;
}

const APP = { redirect_uris: ['https://app.example.org/callback'] };

describe('client authentication', () => {
  let server: TestApp;
  let auth: ClientAuthenticationService;

  beforeAll(async () => {
    server = await startTestApp();
    auth = server.app.get(ClientAuthenticationService);
  });

  afterAll(async () => {
    await server.close();
  });

  const rejects = (promise: Promise<unknown>, error = 'invalid_client', status = 401): Promise<void> =>
    expect(promise).rejects.toMatchObject({ error, status });

  describe('none (public clients)', () => {
    it('identifies a public client by client_id', async () => {
      const client = await register(server, { ...APP, token_endpoint_auth_method: 'none' });
      const result = await auth.authenticate(
        { headers: {}, body: { grant_type: 'authorization_code', client_id: client.client_id } },
        'token',
      );
      expect(result.method).toBe('none');
      expect(result.client.clientId).toBe(client.client_id);
    });

    it('never lets a confidential client fall back to sending only its client_id', async () => {
      const client = await register(server, { ...APP, token_endpoint_auth_method: 'client_secret_basic' });
      await rejects(auth.authenticate({ headers: {}, body: { client_id: client.client_id } }, 'token'));
    });

    it('rejects unknown clients and requests without any client identification', async () => {
      await rejects(auth.authenticate({ headers: {}, body: { client_id: 'no-such-client' } }, 'token'));
      await rejects(auth.authenticate({ headers: {}, body: { grant_type: 'authorization_code' } }, 'token'));
    });

    it('treats a repeated client_id as invalid_request', async () => {
      await rejects(auth.authenticate({ headers: {}, body: { client_id: ['a', 'b'] } }, 'token'), 'invalid_request', 400);
    });
  });

  describe('client_secret_basic', () => {
    let client: Json;

    beforeAll(async () => {
      client = await register(server, { ...APP, token_endpoint_auth_method: 'client_secret_basic' });
    });

    it('accepts the registered secret, with and without form-urlencoding', async () => {
      const encoded = await auth.authenticate(
        { headers: { authorization: basic(client.client_id as string, client.client_secret as string) }, body: {} },
        'token',
      );
      expect(encoded.method).toBe('client_secret_basic');
      const raw = `Basic ${Buffer.from(`${client.client_id as string}:${client.client_secret as string}`).toString('base64')}`;
      await expect(
        auth.authenticate({ headers: { Authorization: raw }, body: { client_id: client.client_id } }, 'token'),
      ).resolves.toMatchObject({
        method: 'client_secret_basic',
      });
    });

    it('answers a wrong secret or unknown id with 401 invalid_client and WWW-Authenticate: Basic', async () => {
      for (const header of [basic(client.client_id as string, 'wrong-secret'), basic('BAD_CLIENT_ID', client.client_secret as string)]) {
        const error = await auth.authenticate({ headers: { authorization: header }, body: {} }, 'token').catch((caught: unknown) => caught);
        expect(error).toMatchObject({ error: 'invalid_client', status: 401 });
        expect((error as { headers: Record<string, string> }).headers['WWW-Authenticate']).toMatch(/^Basic /);
      }
    });

    it('accepts Basic credentials for a client registered for client_secret_post (RFC 6749 §2.3.1), never a wrong secret', async () => {
      const post = await register(server, { ...APP, token_endpoint_auth_method: 'client_secret_post' });
      await expect(
        auth.authenticate(
          { headers: { authorization: basic(post.client_id as string, post.client_secret as string) }, body: {} },
          'revocation',
        ),
      ).resolves.toMatchObject({
        method: 'client_secret_basic',
      });
      await rejects(auth.authenticate({ headers: { authorization: basic(post.client_id as string, 'wrong') }, body: {} }, 'revocation'));
    });

    it('answers a malformed Basic header and a second method with invalid_request', async () => {
      await rejects(auth.authenticate({ headers: { authorization: 'Basic !!!' }, body: {} }, 'token'), 'invalid_request', 400);
      await rejects(
        auth.authenticate({ headers: { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }, body: {} }, 'token'),
        'invalid_request',
        400,
      );
      await rejects(
        auth.authenticate(
          {
            headers: { authorization: basic(client.client_id as string, client.client_secret as string) },
            body: { client_id: client.client_id, client_secret: client.client_secret },
          },
          'token',
        ),
        'invalid_request',
        400,
      );
    });

    it('rejects a disabled client', async () => {
      const other = await register(server, { ...APP, token_endpoint_auth_method: 'client_secret_basic' });
      await server.app.get(ClientsService).disable(other.client_id as string);
      await rejects(
        auth.authenticate(
          { headers: { authorization: basic(other.client_id as string, other.client_secret as string) }, body: {} },
          'token',
        ),
      );
    });

    it('keeps the old secret valid during a rotation overlap and only then ends it', async () => {
      const clients = server.app.get(ClientsService);
      const other = await register(server, { ...APP, token_endpoint_auth_method: 'client_secret_basic' });
      const id = other.client_id as string;
      const first = await clients.rotateSecret(id, 3600);
      for (const secret of [other.client_secret as string, first!.clientSecret]) {
        await expect(auth.authenticate({ headers: { authorization: basic(id, secret) }, body: {} }, 'token')).resolves.toMatchObject({
          method: 'client_secret_basic',
          client: { clientId: id },
        });
      }
      const second = await clients.rotateSecret(id, 0);
      await rejects(auth.authenticate({ headers: { authorization: basic(id, other.client_secret as string) }, body: {} }, 'token'));
      await rejects(auth.authenticate({ headers: { authorization: basic(id, first!.clientSecret) }, body: {} }, 'token'));
      await expect(
        auth.authenticate({ headers: { authorization: basic(id, second!.clientSecret) }, body: {} }, 'token'),
      ).resolves.toMatchObject({ method: 'client_secret_basic', client: { clientId: id } });
    });
  });

  describe('client_secret_post', () => {
    it('accepts the secret in the body and rejects a wrong one', async () => {
      const client = await register(server, { ...APP, token_endpoint_auth_method: 'client_secret_post' });
      const ok = await auth.authenticate(
        { headers: {}, body: { client_id: client.client_id, client_secret: client.client_secret } },
        'token',
      );
      expect(ok.method).toBe('client_secret_post');
      await rejects(auth.authenticate({ headers: {}, body: { client_id: client.client_id, client_secret: 'nope' } }, 'token'));
      await rejects(auth.authenticate({ headers: {}, body: { client_secret: client.client_secret } }, 'token'));
    });

    it('accepts client_secret_post for a client registered for client_secret_basic (RFC 6749 §2.3.1)', async () => {
      const client = await register(server, { ...APP, token_endpoint_auth_method: 'client_secret_basic' });
      await expect(
        auth.authenticate({ headers: {}, body: { client_id: client.client_id, client_secret: client.client_secret } }, 'token'),
      ).resolves.toMatchObject({
        method: 'client_secret_post',
      });
    });
  });
});
