import { InitialAccessTokensService } from '../../src/clients/initial-access-tokens.service';
import { randomBytes } from 'node:crypto';
import { LookupAddress, promises as dns } from 'node:dns';
import { AddressInfo, createServer as createTcpServer, Server as TcpServer } from 'node:net';
import { JWKS_UNAVAILABLE } from '../../src/clients/authentication/private-key-jwt.authenticator';
import { OUTBOUND_FETCH_LIMITS, OUTBOUND_HOST_RESOLVER } from '../../src/common/outbound/outbound.module';
import { Clock } from '../../src/common/time/clock';
import { clientAssertionFields, ClientKeyPair, generateClientKey } from '../utils/client-assertion';
import { JwksHost } from '../utils/jwks-host';
import { startTestApp, TestApp } from '../utils/test-app';
import { postForm } from './token-fixtures';

type Json = Record<string, unknown>;

/** A clock the test moves forward; cache expiry reads it, JWT validation keeps the real time. */
class TestClock extends Clock {
  private offset = 0;
  override now(): number {
    return Date.now() + this.offset;
  }
  advance(seconds: number): void {
    this.offset += seconds * 1000;
  }
}

// A hostile DNS server: its names answer loopback, or a public address together with loopback.
const HOSTILE_DNS: Record<string, LookupAddress[]> = {
  'rebind.attacker.test': [{ address: '127.0.0.1', family: 4 }],
  'mixed.attacker.test': [
    { address: '203.0.113.10', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
  'mapped.attacker.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
};
const hostileResolver = async (hostname: string): Promise<LookupAddress[]> =>
  HOSTILE_DNS[hostname] ?? dns.lookup(hostname, { all: true, verbatim: true });

const LOCAL_TARGETS = { OUTBOUND_ALLOW_HTTP_LOOPBACK: 'true', OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true', REGISTRATION_RATE_LIMIT: '1000' };
const DEADLINE_MS = 1000;
const MAX_BYTES = 256 * 1024;

async function register(server: TestApp, metadata: Json): Promise<{ status: number; body: Json }> {
  // A backend service's system/ scopes are pre-authorized by an operator (an initial access token with a scope).
  const iat = (await server.app.get(InitialAccessTokensService).issue({ scope: 'system/Patient.rs' })).token;
  const response = await fetch(`${server.baseUrl}/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${iat}` },
    body: JSON.stringify({
      client_name: `backend-${randomBytes(4).toString('hex')}`,
      token_endpoint_auth_method: 'private_key_jwt',
      grant_types: ['client_credentials'],
      scope: 'system/Patient.rs',
      ...metadata,
    }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function registerBackend(server: TestApp, jwksUri: string): Promise<string> {
  const response = await register(server, { jwks_uri: jwksUri });
  expect(response.status).toBe(201);
  return response.body.client_id as string;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('jwks_uri: no SSRF, bounded fetches, cached and coalesced', () => {
  let server: TestApp;
  let strict: TestApp;
  let clock: TestClock;
  let host: JwksHost;
  let key: ClientKeyPair;

  const token = async (at: TestApp, clientId: string, signer: ClientKeyPair = key) =>
    postForm(`${at.baseUrl}/token`, {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      ...(await clientAssertionFields({ clientId, audience: `${at.baseUrl}/token`, key: signer })),
    });

  beforeAll(async () => {
    clock = new TestClock();
    key = await generateClientKey('ES384');
    // Local targets allowed (the JWKS hosts of these tests live on 127.0.0.1), a short deadline and a clock to move.
    server = await startTestApp(LOCAL_TARGETS, [
      { provide: Clock, useValue: clock },
      { provide: OUTBOUND_FETCH_LIMITS, useValue: { deadlineMs: DEADLINE_MS, maxBytes: MAX_BYTES, maxConcurrent: 32 } },
      { provide: OUTBOUND_HOST_RESOLVER, useValue: hostileResolver },
    ]);
    // Same database, private networks refused (plain http to loopback allowed so only the address rule decides).
    strict = await startTestApp({ OUTBOUND_ALLOW_HTTP_LOOPBACK: 'true', REGISTRATION_RATE_LIMIT: '1000' }, [
      { provide: OUTBOUND_HOST_RESOLVER, useValue: hostileResolver },
    ]);
  });

  afterAll(async () => {
    await strict.close();
    await server.close();
  });

  beforeEach(async () => {
    host = new JwksHost();
    host.keys = [key.publicJwk];
    await host.start();
  });

  afterEach(async () => {
    await host.close();
  });

  describe('registration', () => {
    let defaults: TestApp;

    beforeAll(async () => {
      defaults = await startTestApp({ REGISTRATION_RATE_LIMIT: '1000' });
    });

    afterAll(async () => {
      await defaults.close();
    });

    it.each([
      'https://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'https://10.0.0.1/jwks.json',
      'https://127.0.0.1/jwks.json',
      'https://172.16.5.4/jwks.json',
      'https://192.168.1.1/jwks.json',
      'https://100.64.0.1/jwks.json',
      'https://0.0.0.0/jwks.json',
      'https://[::1]/jwks.json',
      'https://[fd00:ec2::254]/latest/meta-data/',
      'https://[fe80::1]/jwks.json',
      'https://[::ffff:a9fe:a9fe]/jwks.json',
      'https://[64:ff9b::a00:1]/jwks.json',
      'https://localhost/jwks.json',
      'https://localhost./jwks.json',
      'https://jwks.localhost/jwks.json',
      'http://backend.example.org/jwks.json',
      'http://127.0.0.1:8080/jwks.json',
    ])('refuses jwks_uri %s with invalid_client_metadata', async (jwksUri) => {
      const response = await register(defaults, { jwks_uri: jwksUri });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_client_metadata');
    });

    it('refuses a decimal or hexadecimal spelling of a private address too', async () => {
      for (const jwksUri of ['https://2130706433/jwks.json', 'https://0x7f.1/jwks.json', 'https://0251.0376.0251.0376/']) {
        const response = await register(defaults, { jwks_uri: jwksUri });
        expect(response.status).toBe(400);
        expect(response.body.error).toBe('invalid_client_metadata');
      }
    });

    it('accepts a public https jwks_uri', async () => {
      expect((await register(defaults, { jwks_uri: 'https://backend.example.org/.well-known/jwks.json' })).status).toBe(201);
    });

    it('with OUTBOUND_ALLOW_PRIVATE_NETWORKS, still refuses link-local and metadata addresses', async () => {
      expect((await register(server, { jwks_uri: 'https://10.0.0.1/jwks.json' })).status).toBe(201);
      for (const jwksUri of [
        'https://169.254.169.254/latest/meta-data/',
        'https://[fd00:ec2::254]/',
        'https://[fe80::1]/',
        'https://100.100.100.200/',
      ]) {
        const response = await register(server, { jwks_uri: jwksUri });
        expect(response.status).toBe(400);
        expect(response.body.error).toBe('invalid_client_metadata');
      }
    });
  });

  describe('fetch time', () => {
    it('refuses a name that resolves to loopback, and a stored loopback address, when private networks are off', async () => {
      // Registered while allowed (or before DNS changed); the fetching server checks what the name resolves to.
      const byName = await registerBackend(server, host.url('localhost'));
      const byAddress = await registerBackend(server, host.url('127.0.0.1'));
      for (const clientId of [byName, byAddress]) {
        const response = await token(strict, clientId);
        expect(response.status).toBe(401);
        expect(response.body).toEqual({ error: 'invalid_client', error_description: JWKS_UNAVAILABLE });
      }
      expect(host.requests).toHaveLength(0);
      // The same clients work where private networks are allowed: the refusal above is the address rule.
      expect((await token(server, byName)).status).toBe(200);
      expect(host.requests).toHaveLength(1);
    });

    it('checks every address a name resolves to, and connects only to a checked one (DNS rebinding)', async () => {
      // Any TCP connection to this port would be the server reaching loopback.
      let connections = 0;
      const listener: TcpServer = createTcpServer((socket) => {
        connections += 1;
        socket.destroy();
      });
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const port = (listener.address() as AddressInfo).port;
      try {
        const names = ['rebind.attacker.test', 'mixed.attacker.test', 'mapped.attacker.test'];
        const clientIds = await Promise.all(names.map((name) => registerBackend(server, `https://${name}:${port}/jwks.json`)));
        for (const clientId of clientIds) {
          const response = await token(strict, clientId);
          expect(response.body).toEqual({ error: 'invalid_client', error_description: JWKS_UNAVAILABLE });
        }
        expect(connections).toBe(0);
        // Control: where private networks are allowed, the same name is connected to (TLS then fails).
        expect((await token(server, clientIds[0])).status).toBe(401);
        expect(connections).toBe(1);
      } finally {
        await new Promise<void>((resolve) => listener.close(() => resolve()));
      }
    });

    it('cuts a slow trickle at the deadline', async () => {
      host.behaviour = 'trickle';
      const clientId = await registerBackend(server, host.url());
      const started = Date.now();
      const pending = token(server, clientId);
      // The server keeps answering others while the fetch waits.
      await until(() => host.requests.length === 1);
      const healthStarted = Date.now();
      expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
      expect(Date.now() - healthStarted).toBeLessThan(1000);
      const response = await pending;
      const elapsed = Date.now() - started;
      expect(response.status).toBe(401);
      expect(response.body.error_description).toBe(JWKS_UNAVAILABLE);
      expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
      expect(elapsed).toBeLessThan(DEADLINE_MS + 3000);
      await until(() => host.closedConnections === 1);
    });

    it('stops reading an endless body once it passes 256 KiB', async () => {
      host.behaviour = 'endless';
      const clientId = await registerBackend(server, host.url());
      const response = await token(server, clientId);
      expect(response.status).toBe(401);
      expect(response.body.error_description).toBe(JWKS_UNAVAILABLE);
      await until(() => host.closedConnections === 1);
      // What the host pushed before the connection closed: past the cap, but nowhere near "all of it" (socket
      // buffers on loopback hold a few MiB at most; reading until the deadline would be gigabytes).
      expect(host.bytesSent).toBeGreaterThan(MAX_BYTES);
      expect(host.bytesSent).toBeLessThan(16 * 1024 * 1024);
    });

    it('answers every failure with the same text: refused, timeout, oversize, closed port, 404, not JSON', async () => {
      const descriptions = new Set<unknown>();
      const refused = await registerBackend(server, host.url('127.0.0.1'));
      descriptions.add((await token(strict, refused)).body.error_description);
      for (const behaviour of ['trickle', 'endless', 'not-found', 'not-json'] as const) {
        host.behaviour = behaviour;
        descriptions.add((await token(server, await registerBackend(server, host.url()))).body.error_description);
      }
      const closedPort = await registerBackend(server, 'http://127.0.0.1:9/jwks.json');
      descriptions.add((await token(server, closedPort)).body.error_description);
      expect([...descriptions]).toEqual([JWKS_UNAVAILABLE]);
    });
  });

  describe('caching', () => {
    it('makes exactly one fetch for 20 concurrent token requests with a cold cache', async () => {
      const clientId = await registerBackend(server, host.url());
      const responses = await Promise.all(Array.from({ length: 20 }, () => token(server, clientId)));
      expect(responses.map((response) => response.status)).toEqual(new Array(20).fill(200));
      expect(host.requests).toHaveLength(1);
      expect(host.requests[0].accept).toBe('application/json');
    });

    it.each([null, 'no-store', 'no-cache', 'max-age=10'])('keeps a JWKS for five minutes with Cache-Control %s', async (cacheControl) => {
      host.cacheControl = cacheControl;
      const clientId = await registerBackend(server, host.url());
      expect((await token(server, clientId)).status).toBe(200);
      clock.advance(299);
      expect((await token(server, clientId)).status).toBe(200);
      expect(host.requests).toHaveLength(1);
      clock.advance(2);
      expect((await token(server, clientId)).status).toBe(200);
      expect(host.requests).toHaveLength(2);
    });

    it('respects a longer max-age, up to 24 hours', async () => {
      host.cacheControl = 'max-age=3600';
      const hourly = await registerBackend(server, host.url());
      expect((await token(server, hourly)).status).toBe(200);
      clock.advance(3599);
      expect((await token(server, hourly)).status).toBe(200);
      expect(host.requests).toHaveLength(1);
      clock.advance(2);
      expect((await token(server, hourly)).status).toBe(200);
      expect(host.requests).toHaveLength(2);

      host.cacheControl = 'max-age=31536000';
      const yearly = await registerBackend(server, host.url());
      expect((await token(server, yearly)).status).toBe(200);
      clock.advance(24 * 3600 + 1);
      expect((await token(server, yearly)).status).toBe(200);
      expect(host.requests).toHaveLength(4);
    });

    it('refetches for an unknown kid at most once a minute per client', async () => {
      const rotated = await generateClientKey('ES384');
      const clientId = await registerBackend(server, host.url());
      expect((await token(server, clientId)).status).toBe(200);
      expect(host.requests).toHaveLength(1);
      // Unknown kids: the first causes a refetch, the next ones within the minute do not.
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const stranger = await generateClientKey('ES384');
        expect((await token(server, clientId, stranger)).status).toBe(401);
      }
      expect(host.requests).toHaveLength(2);
      // A genuine rotation within that minute waits for the next allowed refetch.
      host.keys = [key.publicJwk, rotated.publicJwk];
      expect((await token(server, clientId, rotated)).status).toBe(401);
      expect(host.requests).toHaveLength(2);
      clock.advance(61);
      expect((await token(server, clientId, rotated)).status).toBe(200);
      expect(host.requests).toHaveLength(3);
    });
  });
});
