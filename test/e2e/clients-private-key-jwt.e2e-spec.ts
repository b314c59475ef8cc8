import { randomBytes } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ClientAuthenticationService } from '../../src/clients/authentication/client-authentication.service';
import { InitialAccessTokensService } from '../../src/clients/initial-access-tokens.service';
import { buildClientAssertion, clientAssertionFields, ClientKeyPair, generateClientKey, JWT_BEARER } from '../utils/client-assertion';
import { startTestApp, TestApp } from '../utils/test-app';

type Json = Record<string, unknown>;

async function register(server: TestApp, metadata: Json): Promise<string> {
  // A backend service's system/ scopes are pre-authorized by an operator (an initial access token with a scope).
  const backend = (metadata.grant_types as string[] | undefined)?.includes('client_credentials');
  const iat = backend ? (await server.app.get(InitialAccessTokensService).issue({ scope: metadata.scope as string })).token : null;
  const response = await fetch(`${server.baseUrl}/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(iat ? { Authorization: `Bearer ${iat}` } : {}) },
    body: JSON.stringify({
      client_name: `app-${randomBytes(4).toString('hex')}`,
      token_endpoint_auth_method: 'private_key_jwt',
      ...metadata,
    }),
  });
  const body = (await response.json()) as Json;
  expect(response.status).toBe(201);
  return body.client_id as string;
}

/** A tiny JWKS host: serves `document()` with the given Cache-Control and records every request. */
class JwksHost {
  readonly requests: IncomingHttpHeaders[] = [];
  private server: Server | null = null;
  keys: object[] = [];
  cacheControl: string | null = null;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.requests.push(request.headers);
      response.writeHead(200, { 'Content-Type': 'application/json', ...(this.cacheControl ? { 'Cache-Control': this.cacheControl } : {}) });
      response.end(JSON.stringify({ keys: this.keys }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks-${randomBytes(4).toString('hex')}.json`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('private_key_jwt (SMART client-confidential-asymmetric)', () => {
  let server: TestApp;
  let auth: ClientAuthenticationService;
  let tokenUrl: string;

  beforeAll(async () => {
    // The JWKS hosts below listen on http://127.0.0.1 (production refuses both settings' targets by default).
    server = await startTestApp({ OUTBOUND_ALLOW_HTTP_LOOPBACK: 'true', OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true' });
    auth = server.app.get(ClientAuthenticationService);
    tokenUrl = `${server.baseUrl}/token`;
  });

  afterAll(async () => {
    await server.close();
  });

  const authenticate = (body: Json, endpoint: 'token' | 'introspection' = 'token') => auth.authenticate({ headers: {}, body }, endpoint);
  const rejects = (promise: Promise<unknown>): Promise<void> =>
    expect(promise).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
  const authenticatedAs = (clientId: string) => ({ method: 'private_key_jwt', client: { clientId } });

  describe('with a registered JWKS value', () => {
    let rsa: ClientKeyPair;
    let ec: ClientKeyPair;
    let clientId: string;

    beforeAll(async () => {
      rsa = await generateClientKey('RS384');
      ec = await generateClientKey('ES384');
      clientId = await register(server, {
        grant_types: ['client_credentials'],
        scope: 'system/*.rs',
        jwks: { keys: [rsa.publicJwk, ec.publicJwk] },
      });
    });

    it.each(['RS384', 'ES384'])('accepts an Inferno-shaped %s assertion (no iat, exp = now + 300, no client_id)', async (alg) => {
      const key = alg === 'RS384' ? rsa : ec;
      const result = await authenticate({
        grant_type: 'client_credentials',
        ...(await clientAssertionFields({ clientId, audience: tokenUrl, key })),
      });
      expect(result).toMatchObject({ method: 'private_key_jwt', client: { clientId } });
    });

    it('accepts the issuer as aud, and the introspection URL at the introspection endpoint', async () => {
      await expect(authenticate(await clientAssertionFields({ clientId, audience: server.baseUrl, key: rsa }))).resolves.toMatchObject(
        authenticatedAs(clientId),
      );
      await expect(
        authenticate(await clientAssertionFields({ clientId, audience: `${server.baseUrl}/introspect`, key: rsa }), 'introspection'),
      ).resolves.toMatchObject(authenticatedAs(clientId));
      await rejects(authenticate(await clientAssertionFields({ clientId, audience: `${server.baseUrl}/introspect`, key: rsa }), 'token'));
    });

    it('rejects a wrong aud, an expired assertion and one valid for more than 5 minutes', async () => {
      await rejects(authenticate(await clientAssertionFields({ clientId, audience: 'https://elsewhere.example.org/token', key: rsa })));
      await rejects(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key: rsa, expiresIn: -120 })));
      await rejects(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key: rsa, expiresIn: 3600 })));
    });

    it('rejects a tampered assertion', async () => {
      const assertion = await buildClientAssertion({ clientId, audience: tokenUrl, key: rsa });
      const [header, payload, signature] = assertion.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Json;
      const forged = Buffer.from(JSON.stringify({ ...claims, exp: (claims.exp as number) + 10 })).toString('base64url');
      await rejects(authenticate({ client_assertion_type: JWT_BEARER, client_assertion: `${header}.${forged}.${signature}` }));
      const other = await generateClientKey('RS384', rsa.kid);
      await rejects(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key: other })));
    });

    it('rejects a replayed jti, also at a second server process on the same database', async () => {
      const fields = await clientAssertionFields({ clientId, audience: tokenUrl, key: ec });
      await expect(authenticate(fields)).resolves.toMatchObject(authenticatedAs(clientId));
      await rejects(authenticate(fields));
      const second = await startTestApp({ PUBLIC_URL: server.baseUrl });
      try {
        await rejects(second.app.get(ClientAuthenticationService).authenticate({ headers: {}, body: fields }, 'token'));
      } finally {
        await second.close();
      }
    });

    it('rejects an unknown kid, a kid whose kty does not fit alg, and a missing jti', async () => {
      await rejects(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key: { ...rsa, kid: 'unknown-kid' } })));
      await rejects(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key: rsa, header: { kid: ec.kid } })));
      await rejects(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key: rsa, claims: { jti: undefined } })));
    });

    it('rejects a jku when none is registered, iss differing from sub, typ other than JWT and an unsupported alg', async () => {
      await rejects(
        authenticate(
          await clientAssertionFields({ clientId, audience: tokenUrl, key: rsa, header: { jku: 'https://attacker.example.org/jwks' } }),
        ),
      );
      await rejects(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key: rsa, claims: { sub: 'someone-else' } })));
      await rejects(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key: rsa, header: { typ: 'at+jwt' } })));
      const hmac = { alg: 'HS256', kid: rsa.kid, privateKey: new Uint8Array(32) };
      await rejects(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key: hmac })));
    });

    it('answers a wrong client_assertion_type with invalid_request (400), a missing or malformed assertion with invalid_client', async () => {
      const fields = await clientAssertionFields({ clientId, audience: tokenUrl, key: rsa });
      await expect(
        authenticate({ ...fields, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' }),
      ).rejects.toMatchObject({
        error: 'invalid_request',
        status: 400,
      });
      await rejects(authenticate({ client_assertion_type: JWT_BEARER }));
      await rejects(authenticate({ client_assertion_type: JWT_BEARER, client_assertion: 'not-a-jwt' }));
    });

    it('rejects a client_id that differs from the assertion issuer, and a secret client using an assertion', async () => {
      await rejects(authenticate({ client_id: 'other', ...(await clientAssertionFields({ clientId, audience: tokenUrl, key: rsa })) }));
      const response = await fetch(`${server.baseUrl}/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['https://app.example.org/cb'], token_endpoint_auth_method: 'client_secret_basic' }),
      });
      const secretClient = ((await response.json()) as Json).client_id as string;
      await rejects(authenticate(await clientAssertionFields({ clientId: secretClient, audience: tokenUrl, key: rsa })));
    });
  });

  describe('with a registered jwks_uri', () => {
    let host: JwksHost;
    let jwksUri: string;

    beforeEach(async () => {
      host = new JwksHost();
      jwksUri = await host.start();
    });

    afterEach(async () => {
      await host.close();
    });

    it('fetches the JWKS with Accept: application/json and caches it for max-age', async () => {
      const key = await generateClientKey('ES384');
      host.keys = [key.publicJwk];
      host.cacheControl = 'public, max-age=60';
      const clientId = await register(server, { grant_types: ['client_credentials'], scope: 'system/*.rs', jwks_uri: jwksUri });
      await expect(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key }))).resolves.toMatchObject(
        authenticatedAs(clientId),
      );
      await expect(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key }))).resolves.toMatchObject(
        authenticatedAs(clientId),
      );
      expect(host.requests).toHaveLength(1);
      expect(host.requests[0].accept).toBe('application/json');
    });

    it('keeps a JWKS served with no-store or without Cache-Control for five minutes anyway', async () => {
      const key = await generateClientKey('RS384');
      host.keys = [key.publicJwk];
      host.cacheControl = 'no-store';
      const clientId = await register(server, { ...{ redirect_uris: ['https://app.example.org/cb'] }, jwks_uri: jwksUri });
      await expect(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key }))).resolves.toMatchObject(
        authenticatedAs(clientId),
      );
      await expect(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key }))).resolves.toMatchObject(
        authenticatedAs(clientId),
      );
      host.cacheControl = null;
      await expect(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key }))).resolves.toMatchObject(
        authenticatedAs(clientId),
      );
      expect(host.requests).toHaveLength(1);
    });

    it('re-fetches a cached JWKS once when the assertion names a new kid (key rotation)', async () => {
      const oldKey = await generateClientKey('ES384');
      const newKey = await generateClientKey('ES384');
      host.keys = [oldKey.publicJwk];
      host.cacheControl = 'max-age=600';
      const clientId = await register(server, { grant_types: ['client_credentials'], scope: 'system/*.rs', jwks_uri: jwksUri });
      await expect(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key: oldKey }))).resolves.toMatchObject(
        authenticatedAs(clientId),
      );
      host.keys = [oldKey.publicJwk, newKey.publicJwk];
      await expect(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key: newKey }))).resolves.toMatchObject(
        authenticatedAs(clientId),
      );
      expect(host.requests).toHaveLength(2);
    });

    it('rejects ambiguous keys (two keys with the same kid and kty)', async () => {
      const key = await generateClientKey('RS384');
      const twin = await generateClientKey('RS384', key.kid);
      host.keys = [key.publicJwk, twin.publicJwk];
      const clientId = await register(server, { grant_types: ['client_credentials'], scope: 'system/*.rs', jwks_uri: jwksUri });
      await rejects(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key })));
    });

    it('accepts a jku equal to the registered jwks_uri and rejects any other', async () => {
      const key = await generateClientKey('RS384');
      host.keys = [key.publicJwk];
      const clientId = await register(server, { grant_types: ['client_credentials'], scope: 'system/*.rs', jwks_uri: jwksUri });
      await expect(
        authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key, header: { jku: jwksUri } })),
      ).resolves.toMatchObject(authenticatedAs(clientId));
      await rejects(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key, header: { jku: `${jwksUri}?other` } })));
    });

    it('fails closed with invalid_client when the jwks_uri is unreachable', async () => {
      const key = await generateClientKey('RS384');
      const clientId = await register(server, {
        grant_types: ['client_credentials'],
        scope: 'system/*.rs',
        jwks_uri: 'http://127.0.0.1:9/jwks.json',
      });
      await rejects(authenticate(await clientAssertionFields({ clientId, audience: tokenUrl, key })));
    });
  });
});
