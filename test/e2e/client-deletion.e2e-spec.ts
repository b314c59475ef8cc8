import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ClientIdTakenError, ClientsService } from '../../src/clients/clients.service';
import { insertPatient } from '../utils/authorize-fixtures';
import { startTestApp, TestApp } from '../utils/test-app';
import { callAs, createClient, createUser, issueCode, postForm, redeem, TestClient, unique } from './token-fixtures';

type Json = Record<string, unknown>;
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;

// RFC 7592 §2.3: a deleted client's grants and tokens lived on, and a new client with the same
// client_id inherited them. Deleting a client now revokes its grants, codes, refresh tokens and access tokens,
// and its client_id is never issued again.
describe('deleting a client', () => {
  let server: TestApp;
  let introspector: TestClient;

  beforeAll(async () => {
    server = await startTestApp({ ADMIN_TOKEN, REGISTRATION_POLICY: 'open' });
    introspector = await createClient(server, 'symmetric', {
      mayIntrospectAnyToken: true,
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scope: '',
    });
  });

  afterAll(async () => {
    await server.close();
  });

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const introspect = async (token: string) => (await callAs(server, introspector, '/introspect', { token })).body.active;
  const fhir = (token: string, path: string) => fetch(`${server.fhirBaseUrl}/${path}`, { headers: { Authorization: `Bearer ${token}` } });

  /** A user-facing app with a redeemed code (access + refresh token) and an unredeemed one. */
  async function appWithTokens(client: TestClient) {
    const patientId = await insertPatient(server, 'Deleted');
    const user = await createUser(server, 'practitioner');
    const launchContext = { patient: patientId };
    const redeemed = await redeem(server, client, await issueCode(server, client, user, { launchContext }));
    expect(redeemed.status).toBe(200);
    const pending = await issueCode(server, client, user, { launchContext });
    const tokens = redeemed.body as { access_token: string; refresh_token: string };
    expect(await introspect(tokens.access_token)).toBe(true);
    expect((await fhir(tokens.access_token, `Patient/${patientId}`)).status).toBe(200);
    return { ...tokens, pending, patientId };
  }

  async function expectEverythingDead(client: TestClient, tokens: Awaited<ReturnType<typeof appWithTokens>>): Promise<void> {
    expect(await introspect(tokens.access_token)).toBe(false);
    expect(await introspect(tokens.refresh_token)).toBe(false);
    expect((await fhir(tokens.access_token, `Patient/${tokens.patientId}`)).status).toBe(401);
    const refreshed = await callAs(server, client, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body.error).toBe('invalid_client');
    expect((await redeem(server, client, tokens.pending)).status).toBe(401);
    // Its grants are revoked in the database, not only unreachable through the deleted client.
    const live = await server.app
      .get(DataSource)
      .query('SELECT id FROM grants WHERE client_id = $1 AND revoked_at IS NULL', [client.clientId]);
    expect(live).toEqual([]);
  }

  it('admin DELETE: introspection says inactive, refresh and the pending code fail, /fhir refuses; the id cannot be re-created', async () => {
    const clientId = unique('fixed-id');
    const created = await admin('POST', '/admin/clients', {
      client_id: clientId,
      client_name: 'to be deleted',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['https://deleted.example.org/cb'],
      scope: 'openid fhirUser launch/patient offline_access patient/*.rs',
      allow_refresh_tokens: true,
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as Json;
    const client: TestClient = {
      client: (await server.app.get(ClientsService).findById(clientId))!,
      clientId,
      clientSecret: body.client_secret as string,
      redirectUri: 'https://deleted.example.org/cb',
    };
    const tokens = await appWithTokens(client);

    expect((await admin('DELETE', `/admin/clients/${clientId}`)).status).toBe(204);
    await expectEverythingDead(client, tokens);

    // The attack's second half: a new client under the same id would inherit everything that names it.
    const again = await admin('POST', '/admin/clients', {
      client_id: clientId,
      client_name: 'impostor',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      redirect_uris: ['https://impostor.example.org/cb'],
    });
    expect(again.status).toBe(409);
    await expect(
      server.app
        .get(ClientsService)
        .create({ ...client.client, name: 'impostor', jwks: null, jwksUri: null, launchUrl: null }, { clientId }),
    ).rejects.toBeInstanceOf(ClientIdTakenError);
    expect(await server.app.get(ClientsService).findById(clientId)).toBeNull();
  });

  it('a deleted backend service: its client_credentials token (no grant) is inactive and refused at /fhir', async () => {
    const backend = await createClient(server, 'symmetric', {
      type: 'backend-service',
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scope: 'system/Patient.rs',
    });
    const issued = await callAs(server, backend, '/token', { grant_type: 'client_credentials', scope: 'system/Patient.rs' });
    expect(issued.status).toBe(200);
    const accessToken = issued.body.access_token as string;
    const patientId = await insertPatient(server, 'Backend');
    expect((await fhir(accessToken, `Patient/${patientId}`)).status).toBe(200);

    expect((await admin('DELETE', `/admin/clients/${backend.clientId}`)).status).toBe(204);
    expect(await introspect(accessToken)).toBe(false);
    expect((await fhir(accessToken, `Patient/${patientId}`)).status).toBe(401);
  });

  it('RFC 7592 DELETE by the client itself revokes the same way', async () => {
    const registered = await fetch(`${server.baseUrl}/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        client_name: 'self-deleting app',
        redirect_uris: ['https://self-deleting.example.org/cb'],
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'openid fhirUser launch/patient offline_access patient/*.rs',
      }),
    });
    expect(registered.status).toBe(201);
    const body = (await registered.json()) as Json;
    const clientId = body.client_id as string;
    const client: TestClient = {
      client: (await server.app.get(ClientsService).findById(clientId))!,
      clientId,
      clientSecret: body.client_secret as string,
      redirectUri: 'https://self-deleting.example.org/cb',
    };
    const tokens = await appWithTokens(client);

    const deleted = await fetch(body.registration_client_uri as string, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${body.registration_access_token as string}` },
    });
    expect(deleted.status).toBe(204);
    await expectEverythingDead(client, tokens);
    const again = await admin('POST', '/admin/clients', {
      client_id: clientId,
      client_name: 'impostor',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      redirect_uris: ['https://impostor.example.org/cb'],
    });
    expect(again.status).toBe(409);
  });

  it('a refresh token of a deleted public client cannot be used even by presenting the bare client_id', async () => {
    const app = await createClient(server, 'public');
    const tokens = await appWithTokens(app);
    expect((await admin('DELETE', `/admin/clients/${app.clientId}`)).status).toBe(204);
    const refreshed = await postForm(`${server.baseUrl}/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: app.clientId,
    });
    expect(refreshed.status).toBe(401);
    expect((await fhir(tokens.access_token, `Patient/${tokens.patientId}`)).status).toBe(401);
  });
});
