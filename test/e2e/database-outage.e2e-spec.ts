// While PostgreSQL is down every surface answers 503 in its own form (RFC 6749 JSON with
// Retry-After, a FHIR OperationOutcome `transient`, a readable page), never a 500, and never hangs; once
// PostgreSQL is back the same requests succeed. Uses its own throwaway cluster, which it stops and starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterProcess, startCluster } from '../utils/embedded-cluster';
import { mintAccessToken } from '../utils/mint-token';
import { CookieJar, parseForms } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';
import { createClient, createUser, JWT_BEARER, postForm, TestClient } from './token-fixtures';

jest.setTimeout(180_000);

const BOUND_MS = 3000;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

async function pollUntil(check: () => Promise<boolean>, limitMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('database outage', () => {
  let dir: string;
  let database: ClusterProcess;
  let port: number;
  let server: TestApp;
  let client: TestClient;
  let accessToken: string;
  let username: string;
  const jar = new CookieJar();
  let csrf: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smart-auth-outage-'));
    database = await startCluster(dir, 'smart_auth_outage');
    port = database.port;
    server = await startTestApp({ DATABASE_URL: database.url, JTI_COMMIT: 'sync', DATABASE_CONNECT_TIMEOUT_MS: '2000' });
    client = await createClient(server, 'backend');
    accessToken = await mintAccessToken(server, { scope: 'system/Patient.rs' });
    username = (await createUser(server)).username;
    const page = await fetch(`${server.baseUrl}/login`);
    jar.store(page);
    csrf = parseForms(await page.text())[0].inputs.find((input) => input.name === 'csrf_token')!.value;
  });

  afterAll(async () => {
    await server?.close().catch(() => undefined);
    await database?.stop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const token = async () =>
    postForm(`${server.baseUrl}/token`, {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion_type: JWT_BEARER,
      client_assertion: await client.assertion!(`${server.baseUrl}/token`),
    });
  const fhir = () => fetch(`${server.baseUrl}/fhir/Patient?_count=1`, { headers: { Authorization: `Bearer ${accessToken}` } });
  const login = () =>
    fetch(`${server.baseUrl}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: jar.header() },
      body: new URLSearchParams({ username, password: 'correct horse battery staple', csrf_token: csrf }).toString(),
    });

  it('answers 503 on every surface while PostgreSQL is down, and recovers when it returns', async () => {
    expect((await token()).status).toBe(200);
    expect((await fhir()).status).toBe(200);

    await database.stop();

    const statuses: number[] = [];
    for (let round = 0; round < 3; round++) {
      const tokenAnswer = await timed(token);
      statuses.push(tokenAnswer.value.status);
      expect(tokenAnswer.value.status).toBe(503);
      expect(tokenAnswer.value.body).toEqual(expect.objectContaining({ error: 'temporarily_unavailable' }));
      expect(Number(tokenAnswer.value.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(tokenAnswer.ms).toBeLessThan(BOUND_MS);

      const fhirAnswer = await timed(fhir);
      statuses.push(fhirAnswer.value.status);
      expect(fhirAnswer.value.status).toBe(503);
      expect(fhirAnswer.value.headers.get('content-type')).toContain('application/fhir+json');
      expect(fhirAnswer.value.headers.get('retry-after')).toBeTruthy();
      const outcome = (await fhirAnswer.value.json()) as { resourceType: string; issue: Array<{ code: string }> };
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0].code).toBe('transient');
      expect(fhirAnswer.ms).toBeLessThan(BOUND_MS);

      const loginAnswer = await timed(login);
      statuses.push(loginAnswer.value.status);
      expect(loginAnswer.value.status).toBe(503);
      expect(loginAnswer.value.headers.get('content-type')).toContain('text/html');
      expect(loginAnswer.value.headers.get('retry-after')).toBeTruthy();
      const html = await loginAnswer.value.text();
      expect(html).toContain('Temporarily unavailable');
      expect(html).not.toMatch(/ECONNREFUSED|at .*\.js:\d+/);
      expect(loginAnswer.ms).toBeLessThan(BOUND_MS);
    }
    expect(statuses.filter((status) => status >= 500 && status !== 503)).toEqual([]);
    // Liveness stays up; readiness says the database is gone.
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/health/ready`)).status).toBe(503);

    database = await startCluster(dir, 'smart_auth_outage', port);
    const recoveryMs = await pollUntil(async () => (await token()).status === 200, 30_000);
    console.log(`recovered ${recoveryMs} ms after PostgreSQL accepted connections again`);
    expect((await fhir()).status).toBe(200);
    expect((await login()).status).toBe(303);
  });
});
