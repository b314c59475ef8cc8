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
