import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { freePort } from '../../src/database/embedded-postgres';
import { fhirFetch, mintAccessToken } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';

// Gateway mode failures: the upstream is unreachable, too slow, or refuses the gateway's credentials.
describe('FHIR gateway mode failures', () => {
  let silent: Server;
  let silentUrl: string;
  const started: TestApp[] = [];

  beforeAll(async () => {
    // Accepts connections and never answers.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/fhir`;
  });

  afterAll(async () => {
    for (const app of started) await app.close();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  async function gateway(env: Record<string, string>): Promise<TestApp> {
    const app = await startTestApp(env);
    started.push(app);
    return app;
  }

  it('answers 502 with an OperationOutcome when the upstream cannot be reached', async () => {
    const app = await gateway({ FHIR_UPSTREAM_URL: `http://127.0.0.1:${await freePort()}/fhir` });
    const response = await fhirFetch(app, '/Patient/example-patient-1', await mintAccessToken(app, { scope: 'system/*.rs' }));
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });
  });

  it('answers 504 when the upstream does not answer in time', async () => {
    const app = await gateway({ FHIR_UPSTREAM_URL: silentUrl, FHIR_UPSTREAM_TIMEOUT: '1s' });
    const response = await fhirFetch(app, '/Observation?patient=example-patient-1', await mintAccessToken(app, { scope: 'system/*.rs' }));
    expect(response.status).toBe(504);
    expect(response.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'timeout' }] });
  });

  it('answers 502 when the upstream refuses the gateway credentials, and still 401 to callers without a token', async () => {
    const upstream = await gateway({});
    const app = await gateway({ FHIR_UPSTREAM_URL: upstream.fhirBaseUrl });
    expect((await fhirFetch(app, '/Patient/example-patient-1', undefined)).status).toBe(401);
    const response = await fhirFetch(app, '/Patient/example-patient-1', await mintAccessToken(app, { scope: 'system/*.rs' }));
    expect(response.status).toBe(502);
  });

  it('lists the gateway interactions in the CapabilityStatement', async () => {
    const app = await gateway({ FHIR_UPSTREAM_URL: silentUrl });
    const { body } = await fhirFetch(app, '/metadata', undefined);
    expect(body.rest[0].interaction.map((interaction: any) => interaction.code).sort()).toEqual(['batch', 'transaction']);
    expect(body.rest[0].resource.find((resource: any) => resource.type === 'Patient').searchParam).toBeUndefined();
  });
});

// What an upstream says must not leak past the gateway: totals counting other patients, links to
// other hosts (a client following `next` would send its token there), redirects.
describe('FHIR gateway mode: upstream totals, links and redirects', () => {
  let upstream: Server;
  let upstreamBase: string;
  let app: TestApp;
  const seen: string[] = [];
  const patient = 'gw-patient-a';
  const observation = (id: string, subject: string) => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { text: 'x' },
    subject: { reference: `Patient/${subject}` },
  });

  beforeAll(async () => {
    upstream = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://upstream');
      seen.push(`${request.method} ${url.pathname}${url.search}`);
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'Content-Type': 'application/fhir+json', ...headers });
        response.end(body === undefined ? '' : JSON.stringify(body));
      };
      if (url.pathname === '/fhir/Observation/moved')
        return send(302, undefined, { Location: 'https://evil.example.org/fhir/Observation/1' });
      if (url.pathname === '/fhir/Observation' && request.method === 'POST') {
        return send(201, observation('created', patient), { Location: 'https://evil.example.org/fhir/Observation/created/_history/1' });
      }
      if (url.pathname === '/fhir/Observation' || url.pathname === '/fhir/Observation/_history') {
        if (url.searchParams.get('_summary') === 'count') return send(200, { resourceType: 'Bundle', type: 'searchset', total: 1234 });
        return send(200, {
          resourceType: 'Bundle',
          type: url.pathname.endsWith('_history') ? 'history' : 'searchset',
          total: 1234,
          link: [
            { relation: 'self', url: `${upstreamBase}/Observation?page=1` },
            { relation: 'next', url: 'https://evil.example.org/fhir/Observation?page=2' },
            { relation: 'previous', url: `${upstreamBase.replace('/fhir', '/other')}/Observation?page=0` },
            { relation: 'last', url: 'Observation?page=9' },
          ],
          entry: [
            { fullUrl: `${upstreamBase}/Observation/own`, resource: observation('own', patient) },
            { fullUrl: 'https://evil.example.org/fhir/Observation/own2', resource: observation('own2', patient) },
          ],
        });
      }
      return send(404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamBase = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/fhir`;
    app = await startTestApp({ FHIR_UPSTREAM_URL: upstreamBase });
  });

  afterAll(async () => {
    await app?.close();
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  const patientToken = (scope = 'patient/Observation.rs') => mintAccessToken(app, { scope, patient });

  it('rewrites links under the upstream base and drops links to any other place', async () => {
    const response = await fhirFetch(app, '/Observation', await patientToken());
    expect(response.status).toBe(200);
    expect(response.body.link).toEqual([
      { relation: 'self', url: `${app.fhirBaseUrl}/Observation?page=1` },
      { relation: 'last', url: `${app.fhirBaseUrl}/Observation?page=9` },
    ]);
    expect(response.body.entry.map((entry: any) => entry.fullUrl)).toEqual([`${app.fhirBaseUrl}/Observation/own`, undefined]);
    expect(JSON.stringify(response.body)).not.toContain('evil.example.org');
  });

  it('keeps the upstream total only when the forwarded query was confined exactly', async () => {
    // patient/Observation.rs: forwarded with patient=<own>, so the upstream counted only the caller's data.
    const confined = await fhirFetch(app, '/Observation?_summary=count', await patientToken());
    expect(seen.at(-1)).toContain(`patient=${patient}`);
    expect(confined.body.total).toBe(1234);
    // A code constraint cannot be forwarded: the upstream total counts other resources, so it is dropped.
    const unconfined = await fhirFetch(
      app,
      '/Observation?_summary=count',
      await patientToken('patient/Observation.rs?code=http://loinc.org|1234-5'),
    );
    expect(unconfined.status).toBe(200);
    expect(unconfined.body.total).toBeUndefined();
    // History cannot be confined by parameters at all.
    const history = await fhirFetch(app, '/Observation/_history', await patientToken());
    expect(history.status).toBe(200);
    expect(history.body.total).toBeUndefined();
    // A client that sees everything of the type keeps the total.
    expect((await fhirFetch(app, '/Observation/_history', await mintAccessToken(app, { scope: 'system/Observation.rs' }))).body.total).toBe(
      1234,
    );
  });

  it('maps an upstream redirect to 502 and never relays its Location', async () => {
    const response = await fhirFetch(app, '/Observation/moved', await mintAccessToken(app, { scope: 'system/Observation.rs' }));
    expect(response.status).toBe(502);
    expect(response.headers.get('location')).toBeNull();
    expect(response.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });
  });

  it('drops a Location header that points outside the upstream base', async () => {
    const response = await fhirFetch(app, '/Observation', await mintAccessToken(app, { scope: 'system/Observation.c' }), {
      method: 'POST',
      body: observation('x', patient),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBeNull();
  });
});
