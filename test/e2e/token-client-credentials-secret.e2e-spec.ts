import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
import { insertPatient } from '../utils/authorize-fixtures';
import { fhirFetch } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';
import { FormResponse, postForm } from './token-fixtures';

type Json = Record<string, unknown>;
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;
const CEILING = 'system/Patient.rs system/Observation.rs';

function basic(id: string, secret: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
}

// RFC 6749 §4.4 with a client secret, for clients the operator creates; dynamic registration stays with SMART
// Backend Services (private_key_jwt only).
describe('POST /token: client_credentials with a client secret (operator-created clients)', () => {
  let server: TestApp;
  let tokenUrl: string;

  const postJson = async (path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
  };
  const admin = (path: string, body: unknown) => postJson(path, body, { Authorization: `Bearer ${ADMIN_TOKEN}` });
  const createBackend = async (method: string, extra: Json = {}): Promise<{ clientId: string; clientSecret: string; body: Json }> => {
    const created = await admin('/admin/clients', {
      client_name: `internal ${method}`,
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: method,
      scope: CEILING,
      ...extra,
    });
    expect(created.status).toBe(201);
    return { clientId: created.body.client_id as string, clientSecret: created.body.client_secret as string, body: created.body };
  };
  const token = (params: Record<string, string>, headers: Record<string, string> = {}): Promise<FormResponse> =>
    postForm(tokenUrl, params, headers);

  beforeAll(async () => {
    server = await startTestApp({ ADMIN_TOKEN, REGISTRATION_POLICY: 'open' });
    tokenUrl = `${server.baseUrl}/token`;
  });

  afterAll(async () => {
    await server.close();
  });

  it('issues a short-lived, narrowed token to an admin-created client_secret_basic client, usable at /fhir', async () => {
    const { clientId, clientSecret, body } = await createBackend('client_secret_basic', { access_token_ttl: 3600 });
    expect(body).toMatchObject({
      type: 'backend-service',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      redirect_uris: [],
    });
    expect(clientSecret).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]{43}$/));
    // Returned once, stored only as a hash.
    const database = server.app.get(DataSource);
    const secrets = await database.query('SELECT * FROM client_secrets WHERE client_id = $1', [clientId]);
    expect(secrets).toHaveLength(1);
    const rows = JSON.stringify([secrets, await database.query('SELECT * FROM clients WHERE client_id = $1', [clientId])]);
    expect(rows).not.toContain(clientSecret);
    const read = await fetch(`${server.baseUrl}/admin/clients/${clientId}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(((await read.json()) as Json).client_secret).toBeUndefined();

    const response = await token(
      { grant_type: 'client_credentials', scope: 'system/Patient.rs system/Condition.rs offline_access openid' },
      basic(clientId, clientSecret),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('no-store');
    expect(response.body).toMatchObject({ token_type: 'Bearer', scope: 'system/Patient.rs' });
    expect(response.body.expires_in as number).toBeLessThanOrEqual(300);
    expect(response.body.refresh_token).toBeUndefined();
    expect(response.body.id_token).toBeUndefined();
    const accessToken = response.body.access_token as string;
    expect(decodeJwt(accessToken)).toMatchObject({
      sub: clientId,
      client_id: clientId,
      aud: server.fhirBaseUrl,
      scope: 'system/Patient.rs',
    });

    const patientId = await insertPatient(server, 'Backend');
    const patient = await fhirFetch(server, `/Patient/${patientId}`, accessToken);
    expect(patient.status).toBe(200);
    expect(patient.body.id).toBe(patientId);
    expect((await fhirFetch(server, '/Observation', accessToken)).status).toBe(403);

    const wildcard = await token({ grant_type: 'client_credentials', scope: 'system/*.rs' }, basic(clientId, clientSecret));
    expect(wildcard.status).toBe(200);
    expect((wildcard.body.scope as string).split(' ').sort()).toEqual(['system/Observation.rs', 'system/Patient.rs']);
    const outside = await token({ grant_type: 'client_credentials', scope: 'system/Condition.rs' }, basic(clientId, clientSecret));
    expect(outside.status).toBe(400);
    expect(outside.body.error).toBe('invalid_scope');
  });

  it('issues to a client_secret_post client, with either secret method (RFC 6749 §2.3.1) but never a wrong secret', async () => {
    const { clientId, clientSecret } = await createBackend('client_secret_post');
    const response = await token({
      grant_type: 'client_credentials',
      scope: 'system/Observation.rs',
      client_id: clientId,
      client_secret: clientSecret,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ scope: 'system/Observation.rs' });
    expect(response.body.refresh_token).toBeUndefined();
    const asBasic = await token({ grant_type: 'client_credentials', scope: 'system/Observation.rs' }, basic(clientId, clientSecret));
    expect(asBasic.status).toBe(200);
    const wrong = await token({ grant_type: 'client_credentials', scope: 'system/Observation.rs' }, basic(clientId, `${clientSecret}x`));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
  });

  it('refuses a wrong secret with 401 invalid_client and a Basic challenge; a rotated secret works at once', async () => {
    const { clientId, clientSecret } = await createBackend('client_secret_basic');
    const wrong = await token({ grant_type: 'client_credentials', scope: 'system/Patient.rs' }, basic(clientId, `${clientSecret}x`));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);

    const rotated = await admin(`/admin/clients/${clientId}/rotate-secret`, { overlap_seconds: 0 });
    expect(rotated.status).toBe(200);
    const fresh = await token(
      { grant_type: 'client_credentials', scope: 'system/Patient.rs' },
      basic(clientId, rotated.body.client_secret as string),
    );
    expect(fresh.status).toBe(200);
    expect((await token({ grant_type: 'client_credentials', scope: 'system/Patient.rs' }, basic(clientId, clientSecret))).status).toBe(401);
  });

  it('keeps the other backend-service rules for admin-created clients', async () => {
    const base = {
      client_name: 'internal',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: CEILING,
    };
    for (const [metadata, error] of [
      [{ ...base, token_endpoint_auth_method: 'none' }, 'invalid_client_metadata'],
      [{ ...base, redirect_uris: ['https://internal.example.org/cb'] }, 'invalid_redirect_uri'],
      [{ ...base, grant_types: ['client_credentials', 'authorization_code'] }, 'invalid_client_metadata'],
      [{ ...base, scope: 'patient/*.rs' }, 'invalid_client_metadata'],
      [{ ...base, scope: undefined }, 'invalid_client_metadata'],
    ] as const) {
      const response = await admin('/admin/clients', metadata);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe(error);
    }
  });

  it('refuses client_credentials with client_secret_basic in dynamic registration', async () => {
    const response = await postJson('/register', {
      client_name: 'self-registered',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: CEILING,
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: 'invalid_client_metadata',
      error_description: 'client_credentials requires token_endpoint_auth_method private_key_jwt',
    });
  });

  it('refuses client_credentials to a public authorization_code client with unauthorized_client', async () => {
    const created = await admin('/admin/clients', {
      client_name: 'public app',
      redirect_uris: ['https://public.example.org/cb'],
      token_endpoint_auth_method: 'none',
    });
    expect(created.status).toBe(201);
    const response = await token({
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_id: created.body.client_id as string,
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('unauthorized_client');
  });
});
