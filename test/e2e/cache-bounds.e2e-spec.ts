import { randomBytes, randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AccessTokenVerifier } from '../../src/access-tokens';
import { ClientsService } from '../../src/clients/clients.service';
import { KeysService } from '../../src/keys/keys.service';
import { mintAccessToken } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';
import { createClient, TestClient } from './token-fixtures';

jest.setTimeout(240_000);

// Small bounds, so a flood of a few thousand distinct keys is many times what the caches may hold.
const MAX = 200;
const CONCURRENCY = 16;

/** Sends `count` requests, CONCURRENCY at a time; each answer's status is counted. */
async function flood(count: number, send: (index: number) => Promise<Response>): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const response = await send(next++);
        await response.arrayBuffer();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      }
    }),
  );
  return statuses;
}

// Collects garbage when the process allows it (node --expose-gc, or the V8 flag set at run time).
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Well-formed JWT access tokens this server never issued: a real or an unknown kid, a signature that does not verify. */
function forgedToken(kid: string, issuer: string, audience: string): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: issuer,
    sub: 'flood',
    aud: audience,
    client_id: 'flood',
    scope: 'system/*.rs',
    jti: randomUUID(),
    iat: now,
    exp: now + 600,
  };
  return `${b64({ alg: 'ES256', kid, typ: 'at+jwt' })}.${b64(payload)}.${randomBytes(64).toString('base64url')}`;
}

// A flood of distinct tokens at /fhir and /introspect, and of distinct client ids at /token, must not grow the
// process: every cache on those paths is bounded (TOKEN_CACHE_MAX, CLIENT_CACHE_MAX) and evicts instead.
describe('bounded caches under a flood of distinct tokens and client ids', () => {
  let server: TestApp;
  let introspector: TestClient;
  let kid: string;

  beforeAll(async () => {
    server = await startTestApp({ TOKEN_CACHE_MAX: String(MAX), CLIENT_CACHE_MAX: String(MAX) });
    introspector = await createClient(server, 'symmetric', { mayIntrospectAnyToken: true });
    kid = server.app.get(KeysService).activeKid('ES256');
  });

  afterAll(async () => {
    await server.close();
  });

  const fhir = (token: string): Promise<Response> =>
    fetch(`${server.fhirBaseUrl}/Patient/cache-bound-probe`, { headers: { Authorization: `Bearer ${token}` } });
  const introspect = (token: string): Promise<Response> =>
    fetch(`${server.baseUrl}/introspect`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${introspector.clientId}:${introspector.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token }).toString(),
    });

  it('keeps the verifier cache at its bound while thousands of distinct valid tokens are honoured', async () => {
    const clientId = `flood-${randomUUID()}`;
    const first = await mintAccessToken(server, { scope: 'system/Patient.rs', clientId });
    const tokens = [
      first,
      ...(await Promise.all(Array.from({ length: 5 * MAX - 1 }, () => mintAccessToken(server, { scope: 'system/Patient.rs', clientId })))),
    ];
    const statuses = await flood(tokens.length, (i) => (i % 2 ? fhir(tokens[i]) : introspect(tokens[i])));
    // Guarded and verified: 404 for the unknown Patient, 200 from introspection; never a 401 or a 5xx.
    expect(Object.keys(statuses).sort()).toEqual(['200', '404']);
    const cache = server.app.get(AccessTokenVerifier).cacheSize;
    expect(cache).toEqual({ size: MAX, max: MAX });
    // Evicted tokens are simply verified again.
    expect((await fhir(tokens[0])).status).toBe(404);
  });

  it('holds the heap and every cache while thousands of distinct unknown tokens and client ids arrive', async () => {
    const issuer = server.baseUrl;
    const audience = server.fhirBaseUrl;
    // Warm-up: the same paths, so what follows measures growth, not first-use allocations.
    await flood(500, (i) => fhir(forgedToken(i % 2 ? kid : randomUUID(), issuer, audience)));
    await flood(500, () => introspect(forgedToken(kid, issuer, audience)));
    const before = heapUsed();

    const atFhir = await flood(10_000, (i) => fhir(forgedToken(i % 2 ? kid : randomUUID(), issuer, audience)));
    expect(atFhir).toEqual({ 401: 10_000 });
    const atIntrospect = await flood(5_000, () => introspect(forgedToken(kid, issuer, audience)));
    expect(atIntrospect).toEqual({ 200: 5_000 });
    // Distinct unknown client ids at /token: each is looked up once and remembered as unknown, within the bound.
    const atToken = await flood(3_000, () =>
      fetch(`${server.baseUrl}/token`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Authorization: `Basic ${Buffer.from(`unknown-${randomUUID()}:secret`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials&scope=system%2FPatient.rs',
      }),
    );
    expect(atToken).toEqual({ 401: 3_000 });

    expect(server.app.get(AccessTokenVerifier).cacheSize.size).toBeLessThanOrEqual(MAX);
    expect(server.app.get(ClientsService).cacheSize).toEqual({ size: MAX, max: MAX });
    const grown = heapUsed() - before;
    // 18,000 distinct keys held for good would be many megabytes; what remains is allocator noise.
    expect(grown).toBeLessThan(24 * 1024 * 1024);
  });
});
