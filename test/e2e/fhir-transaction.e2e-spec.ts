import { randomUUID } from 'node:crypto';
import { fhirFetch, mintAccessToken } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';
import { createClient, createUser, issueCode, redeem } from './token-fixtures';

// FHIR R4 http.html#transaction: a transaction Bundle is all or nothing. Any entry refused by the scopes or the
// patient compartment, or failing (validation, not found, conflict), rolls back every entry, and the answer is
// that entry's OperationOutcome with its status. A batch keeps one result per entry. Tokens come from /token.
const run = randomUUID().slice(0, 8);
const patientA = `tx-a-${run}`;
const patientB = `tx-b-${run}`;
const observationOfB = `tx-ob-${run}`;
const observationOfA = `tx-oa-${run}`;
const SCOPE = 'openid fhirUser launch/patient patient/Observation.cruds patient/Patient.rs';

function observation(patient: string, marker: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { resourceType: 'Observation', status: 'final', code: { text: marker }, subject: { reference: `Patient/${patient}` }, ...extra };
}

const post = (resource: Record<string, unknown>) => ({ request: { method: 'POST', url: 'Observation' }, resource });

describe('FHIR transaction Bundles are atomic', () => {
  let server: TestApp;
  let gateway: TestApp;
  let admin: string;

  async function patientToken(app: TestApp, scope = SCOPE): Promise<string> {
    const client = await createClient(app, 'symmetric', { scope });
    const user = await createUser(app, 'practitioner');
    const tokens = await redeem(app, client, await issueCode(app, client, user, { scope, launchContext: { patient: patientA } }));
    expect(tokens.status).toBe(200);
    return tokens.body.access_token as string;
  }

  function bundle(app: TestApp, token: string, type: 'batch' | 'transaction', entry: unknown[]) {
    return fhirFetch(app, '', token, { method: 'POST', body: { resourceType: 'Bundle', type, entry } });
  }

  // How many stored Observations carry `marker` (read with a system token, outside the compartment rules).
  async function stored(marker: string): Promise<number> {
    const response = await fhirFetch(server, `/Observation?patient=${patientA}&_count=100`, admin);
    expect(response.status).toBe(200);
    return (response.body.entry ?? []).filter((entry: any) => entry.resource.code?.text === marker).length;
  }

  beforeAll(async () => {
    server = await startTestApp({});
    admin = await mintAccessToken(server, { scope: 'system/*.cruds' });
    gateway = await startTestApp({ FHIR_UPSTREAM_URL: server.fhirBaseUrl, FHIR_UPSTREAM_AUTHORIZATION: `Bearer ${admin}` });
    for (const resource of [
      { resourceType: 'Patient', id: patientA, name: [{ family: 'Atomic' }] },
      { resourceType: 'Patient', id: patientB, name: [{ family: 'Other' }] },
      { ...observation(patientB, 'of B'), id: observationOfB },
      { ...observation(patientA, 'of A'), id: observationOfA },
    ]) {
      const response = await fhirFetch(server, `/${resource.resourceType}/${resource.id}`, admin, { method: 'PUT', body: resource });
      expect([200, 201]).toContain(response.status);
    }
  });

  afterAll(async () => {
    await gateway?.close();
    await server?.close();
  });

  it('commits nothing when a DELETE is outside the compartment (404), whatever the entry order', async () => {
    const token = await patientToken(server);
    const marker = `forbidden-delete-${randomUUID()}`;
    const response = await bundle(server, token, 'transaction', [
      post(observation(patientA, marker)),
      { request: { method: 'DELETE', url: `Observation/${observationOfB}` } },
    ]);
    expect(response.status).toBe(404);
    expect(response.body.resourceType).toBe('OperationOutcome');
    expect(await stored(marker)).toBe(0);
    expect((await fhirFetch(server, `/Observation/${observationOfB}`, admin)).status).toBe(200);
  });

  it('commits nothing when a DELETE is outside the scopes (403 with the scope that would do)', async () => {
    const token = await patientToken(server, 'openid fhirUser launch/patient patient/Observation.crs');
    const marker = `unscoped-delete-${randomUUID()}`;
    const response = await bundle(server, token, 'transaction', [
      post(observation(patientA, marker)),
      { request: { method: 'DELETE', url: `Observation/${observationOfA}` } },
    ]);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('scope="patient/Observation.d"');
    expect(await stored(marker)).toBe(0);
  });

  it('rolls back a write already carried out when a later entry is refused by the compartment', async () => {
    // PUT is processed after POST (FHIR R4 http.html#trules), so the POST has been written when the PUT fails.
    const token = await patientToken(server);
    const marker = `forbidden-put-${randomUUID()}`;
    const response = await bundle(server, token, 'transaction', [
      {
        request: { method: 'PUT', url: `Observation/${observationOfB}` },
        resource: { ...observation(patientB, 'rewritten'), id: observationOfB },
      },
      post(observation(patientA, marker)),
    ]);
    expect(response.status).toBe(404);
    expect(await stored(marker)).toBe(0);
    expect((await fhirFetch(server, `/Observation/${observationOfB}`, admin)).body.code.text).toBe('of B');
  });

  it('commits nothing when an entry holds an invalid resource (400), nor when a read finds nothing (404)', async () => {
    const token = await patientToken(server);
    const marker = `invalid-${randomUUID()}`;
    const invalid = await bundle(server, token, 'transaction', [
      post(observation(patientA, marker)),
      post(observation(patientA, marker, { notAnElement: true })),
    ]);
    expect(invalid.status).toBe(400);
    expect(invalid.body.resourceType).toBe('OperationOutcome');
    expect(invalid.body.issue[0].severity).toBe('error');
    const missing = await bundle(server, token, 'transaction', [
      post(observation(patientA, marker)),
      { request: { method: 'GET', url: `Observation/missing-${run}` } },
    ]);
    expect(missing.status).toBe(404);
    expect(await stored(marker)).toBe(0);
  });

  it('refuses two entries on the same identity (400)', async () => {
    const token = await patientToken(server);
    const response = await bundle(server, token, 'transaction', [
      {
        request: { method: 'PUT', url: `Observation/${observationOfA}` },
        resource: { ...observation(patientA, 'of A'), id: observationOfA },
      },
      { request: { method: 'DELETE', url: `Observation/${observationOfA}` } },
    ]);
    expect(response.status).toBe(400);
    expect((await fhirFetch(server, `/Observation/${observationOfA}`, admin)).status).toBe(200);
  });

  it('commits every entry when all are allowed, answering in request order', async () => {
    const token = await patientToken(server);
    const marker = `all-allowed-${randomUUID()}`;
    const doomed = await fhirFetch(server, '/Observation', admin, { method: 'POST', body: observation(patientA, 'doomed') });
    const response = await bundle(server, token, 'transaction', [
      { request: { method: 'GET', url: `Patient/${patientA}` } },
      post(observation(patientA, marker)),
      {
        request: { method: 'PUT', url: `Observation/${observationOfA}` },
        resource: { ...observation(patientA, 'of A'), id: observationOfA, status: 'amended' },
      },
      { request: { method: 'DELETE', url: `Observation/${doomed.body.id}` } },
    ]);
    expect(response.status).toBe(200);
    expect(response.body.type).toBe('transaction-response');
    expect(response.body.entry.map((entry: any) => entry.response.status)).toEqual(['200 OK', '201 Created', '200 OK', '204 No Content']);
    expect(response.body.entry[1].response.location).toMatch(new RegExp(`^${server.fhirBaseUrl}/Observation/[^/]+/_history/1$`));
    expect(await stored(marker)).toBe(1);
    expect((await fhirFetch(server, `/Observation/${observationOfA}`, admin)).body.status).toBe('amended');
    expect((await fhirFetch(server, `/Observation/${doomed.body.id}`, admin)).status).toBe(410);
  });

  it('keeps per-entry results for a batch: the allowed POST is committed next to the refused DELETE', async () => {
    const token = await patientToken(server);
    const marker = `batch-${randomUUID()}`;
    const response = await bundle(server, token, 'batch', [
      post(observation(patientA, marker)),
      { request: { method: 'DELETE', url: `Observation/${observationOfB}` } },
    ]);
    expect(response.status).toBe(200);
    expect(response.body.type).toBe('batch-response');
    expect(response.body.entry.map((entry: any) => entry.response.status)).toEqual(['201 Created', '404 Not Found']);
    expect(await stored(marker)).toBe(1);
  });

  describe('in gateway mode (the Bundle is checked entry by entry, then forwarded as one transaction)', () => {
    it('forwards nothing when an entry is refused', async () => {
      const token = await patientToken(gateway);
      const marker = `gateway-refused-${randomUUID()}`;
      const response = await bundle(gateway, token, 'transaction', [
        post(observation(patientA, marker)),
        { request: { method: 'DELETE', url: `Observation/${observationOfB}` } },
      ]);
      expect(response.status).toBe(404);
      expect(await stored(marker)).toBe(0);
      expect((await fhirFetch(server, `/Observation/${observationOfB}`, admin)).status).toBe(200);
    });

    it('relays the upstream refusal of an invalid entry, with nothing committed', async () => {
      const token = await patientToken(gateway);
      const marker = `gateway-invalid-${randomUUID()}`;
      const response = await bundle(gateway, token, 'transaction', [
        post(observation(patientA, marker)),
        post(observation(patientA, marker, { notAnElement: true })),
      ]);
      expect(response.status).toBe(400);
      expect(response.body.resourceType).toBe('OperationOutcome');
      expect(await stored(marker)).toBe(0);
    });

    it('commits an allowed transaction upstream, with locations under the gateway', async () => {
      const token = await patientToken(gateway);
      const marker = `gateway-allowed-${randomUUID()}`;
      const response = await bundle(gateway, token, 'transaction', [
        post(observation(patientA, marker)),
        { request: { method: 'GET', url: `Patient/${patientA}` } },
      ]);
      expect(response.status).toBe(200);
      expect(response.body.entry.map((entry: any) => entry.response.status)).toEqual(['201 Created', '200 OK']);
      expect(response.body.entry[0].response.location.startsWith(`${gateway.fhirBaseUrl}/Observation/`)).toBe(true);
      expect(await stored(marker)).toBe(1);
      const search = await bundle(gateway, token, 'transaction', [{ request: { method: 'GET', url: `Observation?patient=${patientA}` } }]);
      expect(search.status).toBe(400);
    });
  });
});
