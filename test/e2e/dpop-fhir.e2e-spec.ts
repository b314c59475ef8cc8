import { randomUUID } from 'node:crypto';
import { dpopKey, dpopProof, DpopKey } from '../utils/dpop-proof';
import { fhirFetch, mintAccessToken } from '../utils/mint-token';
import { ModuleResourceServer, startModuleResourceServer } from '../utils/module-resource-server';
import { startTestApp, TestApp } from '../utils/test-app';
import { clientAuth, createClient, createIntrospector, createUser, issueCode, postForm, redeemWithDpop } from './token-fixtures';

// RFC 9449 §7: DPoP-bound tokens at /fhir and in FhirAuthModule (JWKS and introspection modes).
describe.each(['built-in', 'module-jwks', 'module-introspection'] as const)('DPoP at the FHIR API (%s)', (mode) => {
  let server: TestApp;
  let moduleServer: ModuleResourceServer | undefined;
  let fhir: { fhirBaseUrl: string };
  const patientId = `dpop-${randomUUID()}`;

  beforeAll(async () => {
    server = await startTestApp();
    const system = await mintAccessToken(server, { scope: 'system/*.cruds' });
    const created = await fhirFetch(server, `/Patient/${patientId}`, system, {
      method: 'PUT',
      body: { resourceType: 'Patient', id: patientId },
    });
    expect(created.status).toBe(201);
    if (mode !== 'built-in')
      moduleServer = await startModuleResourceServer(server, mode === 'module-jwks' ? 'jwks' : 'introspection', `Bearer ${system}`);
    fhir = moduleServer ?? server;
  });

  afterAll(async () => {
    await moduleServer?.close();
    await server.close();
  });

  async function boundToken(key: DpopKey): Promise<string> {
    const client = await createClient(server, 'public');
    const issued = await issueCode(server, client, await createUser(server, 'patient'), {
      scope: 'launch/patient patient/Patient.rs',
      launchContext: { patient: patientId },
    });
    return redeemWithDpop(server, client, issued, key);
  }

  const url = () => `${fhir.fhirBaseUrl}/Patient/${patientId}`;
  const read = (token: string, scheme: string, proof?: string) =>
    fhirFetch(fhir, `/Patient/${patientId}`, undefined, {
      headers: { Authorization: `${scheme} ${token}`, ...(proof ? { DPoP: proof } : {}) },
    });

  it('reads with Authorization: DPoP and a proof for the request, token and key', async () => {
    const key = await dpopKey();
    const token = await boundToken(key);
    const response = await read(token, 'DPoP', await dpopProof(key, 'GET', url(), { accessToken: token }));
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(patientId);
  });

  it('refuses the bound token sent as Bearer, with or without a proof', async () => {
    const key = await dpopKey();
    const token = await boundToken(key);
    for (const proof of [undefined, await dpopProof(key, 'GET', url(), { accessToken: token })]) {
      const response = await read(token, 'Bearer', proof);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_token".*algs="[^"]*ES256/);
    }
  });

  it('refuses a replayed proof, a missing proof, and proofs for another method, URL, token or key', async () => {
    const key = await dpopKey();
    const token = await boundToken(key);
    const proof = await dpopProof(key, 'GET', url(), { accessToken: token });
    expect((await read(token, 'DPoP', proof)).status).toBe(200);
    const other = await boundToken(await dpopKey());
    const attacks: Record<string, string | undefined> = {
      'a replay': proof,
      'no proof': undefined,
      'another method': await dpopProof(key, 'POST', url(), { accessToken: token }),
      'another URL': await dpopProof(key, 'GET', `${fhir.fhirBaseUrl}/Patient/other`, { accessToken: token }),
      'another token (ath)': await dpopProof(key, 'GET', url(), { accessToken: other }),
      'no ath': await dpopProof(key, 'GET', url()),
      'another key': await dpopProof(await dpopKey(), 'GET', url(), { accessToken: token }),
    };
    for (const [name, attack] of Object.entries(attacks)) {
      const response = await read(token, 'DPoP', attack);
      expect({ name, status: response.status, challenge: response.headers.get('www-authenticate') }).toEqual({
        name,
        status: 401,
        challenge: expect.stringMatching(/^DPoP .*error="invalid_dpop_proof"/),
      });
      expect(response.body.resourceType).toBe('OperationOutcome');
    }
  });

  it('keeps accepting Bearer tokens without cnf, and refuses one sent as DPoP', async () => {
    const token = await mintAccessToken(server, { scope: 'system/Patient.r' });
    expect((await fhirFetch(fhir, `/Patient/${patientId}`, token)).status).toBe(200);
    const key = await dpopKey();
    const asDpop = await read(token, 'DPoP', await dpopProof(key, 'GET', url(), { accessToken: token }));
    expect(asDpop.status).toBe(401);
    expect(asDpop.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('introspects a bound token as token_type DPoP with its cnf (RFC 9449 §6.2)', async () => {
    const key = await dpopKey();
    const token = await boundToken(key);
    const introspector = await createIntrospector(server);
    const auth = await clientAuth(introspector, `${server.baseUrl}/introspect`);
    const response = await postForm(`${server.baseUrl}/introspect`, { ...auth.params, token }, auth.headers);
    expect(response.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: expect.any(String) } });
  });
});
