import { randomUUID } from 'node:crypto';
import { RevocationService } from '../../src/revocation/revocation.service';
import { fhirFetch, mintAccessToken } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';

describe('FHIR scope guard', () => {
  let server: TestApp;
  const patientId = `guard-${randomUUID()}`;

  beforeAll(async () => {
    server = await startTestApp({ SEED_DEMO_DATA: 'true' });
    const system = await mintAccessToken(server, { scope: 'system/*.cruds' });
    const created = await fhirFetch(server, `/Patient/${patientId}`, system, {
      method: 'PUT',
      body: { resourceType: 'Patient', id: patientId, name: [{ family: 'Guard' }] },
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await server.close();
  });

  const expectOutcome = (body: any, code: string) => {
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].code).toBe(code);
  };

  it('answers 401 with an OperationOutcome and a Bearer challenge without a token', async () => {
    const response = await fhirFetch(server, `/Patient/${patientId}`, undefined);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    // RFC 6750 §3.1: no credentials, so no error code in the challenge.
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${server.fhirBaseUrl}"`);
    expectOutcome(response.body, 'login');
  });

  it('keeps the bare challenge for a POST without credentials (refused before the body is read)', async () => {
    const response = await fetch(`${server.fhirBaseUrl}/Patient`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: '{"resourceType":"Patient"}',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${server.fhirBaseUrl}"`);
  });

  it('answers invalid_token for an Authorization header that carries no usable bearer token', async () => {
    const response = await fetch(`${server.fhirBaseUrl}/Patient/${patientId}`, { headers: { Authorization: 'Bearer' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it.each([
    ['a malformed token', 'not-a-jwt'],
    ['a token with a forged signature', 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6Im5vcGUifQ.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'],
  ])('answers 401 invalid_token for %s', async (_label, token) => {
    const response = await fhirFetch(server, `/Patient/${patientId}`, token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expectOutcome(response.body, 'login');
  });

  it('answers 401 for an expired token', async () => {
    const token = await mintAccessToken(server, { scope: 'system/Patient.r', expiresIn: -120 });
    const response = await fhirFetch(server, `/Patient/${patientId}`, token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(response.headers.get('www-authenticate')).toContain('expired');
  });

  it.each([
    ['audience', { audience: 'https://other.example.org/fhir' }],
    ['issuer', { issuer: 'https://other.example.org' }],
    ['typ (an id_token is not an access token)', { typ: 'JWT' }],
  ])('answers 401 for a wrong %s', async (_label, options) => {
    const token = await mintAccessToken(server, { scope: 'system/Patient.r', ...options });
    const response = await fhirFetch(server, `/Patient/${patientId}`, token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers 401 once the access token is revoked', async () => {
    const jti = randomUUID();
    const token = await mintAccessToken(server, { scope: 'system/Patient.r', jti });
    expect((await fhirFetch(server, `/Patient/${patientId}`, token)).status).toBe(200);
    await server.app.get(RevocationService).revokeAccessToken(jti, new Date(Date.now() + 3600_000));
    const response = await fhirFetch(server, `/Patient/${patientId}`, token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('verifies concurrent first uses of distinct tokens each for its own request', async () => {
    // Every token is new to the verifier, so all are verified at once; each request must get its own answer
    // (passport keeps a strategy's callbacks on the object it is handed, so the guard hands it one per request).
    const readers = await Promise.all(Array.from({ length: 12 }, () => mintAccessToken(server, { scope: 'system/Patient.r' })));
    const others = await Promise.all(Array.from({ length: 12 }, () => mintAccessToken(server, { scope: 'system/Observation.rs' })));
    const statuses = await Promise.all(
      readers
        .flatMap((reader, i) => [reader, others[i]])
        .map(async (token) => (await fhirFetch(server, `/Patient/${patientId}`, token)).status),
    );
    expect(statuses).toEqual(readers.flatMap(() => [200, 403]));
  });

  it('answers 403 insufficient_scope naming a scope that would do', async () => {
    const token = await mintAccessToken(server, { scope: 'system/Observation.rs' });
    const response = await fhirFetch(server, `/Patient/${patientId}`, token);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="${server.fhirBaseUrl}", error="insufficient_scope", scope="system/Patient.r"`,
    );
    expectOutcome(response.body, 'forbidden');
  });

  it('keeps metadata and the SMART configuration public', async () => {
    expect((await fhirFetch(server, '/metadata', undefined)).status).toBe(200);
    expect((await fhirFetch(server, '/.well-known/smart-configuration', undefined)).status).toBe(200);
  });

  it('lists the store resources and interactions in the CapabilityStatement', async () => {
    const { body } = await fhirFetch(server, '/metadata', undefined);
    const observation = body.rest[0].resource.find((resource: any) => resource.type === 'Observation');
    expect(observation.interaction.map((interaction: any) => interaction.code)).toEqual(
      expect.arrayContaining(['read', 'search-type', 'create', 'patch']),
    );
    expect(body.rest[0].interaction.map((interaction: any) => interaction.code)).toEqual(expect.arrayContaining(['batch', 'transaction']));
  });
});
