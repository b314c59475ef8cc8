import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildClientAssertion, ClientKeyPair, generateClientKey, JWT_BEARER } from '../utils/client-assertion';
import { ensureBuilt } from '../utils/ensure-built';
import { postForm } from './token-fixtures';
import { startTestApp, TestApp } from '../utils/test-app';

type Json = Record<string, unknown>;
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;

// Self-registration must never grant privilege (RFC 7591 §5, SMART Backend Services).
describe('self-registration grants no privilege', () => {
  let server: TestApp;

  const json = async (method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
  };
  const admin = (method: string, path: string, body?: unknown) => json(method, path, body, ADMIN_TOKEN);

  const backendMetadata = (key: ClientKeyPair, scope = 'system/*.cruds'): Json => ({
    client_name: `attacker-${randomBytes(4).toString('hex')}`,
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [key.publicJwk] },
    scope,
  });

  const clientCredentials = async (clientId: string, key: ClientKeyPair, scope: string) => {
    const assertion = await buildClientAssertion({ clientId, audience: `${server.baseUrl}/token`, key });
    return postForm(`${server.baseUrl}/token`, {
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion,
    });
  };

  beforeAll(async () => {
    // The defaults the attack used: open registration.
    server = await startTestApp({ REGISTRATION_POLICY: 'open', ADMIN_TOKEN, REGISTRATION_RATE_LIMIT: '1000' });
  });

  afterAll(async () => {
    await server.close();
  });

  it('refuses the exact attack: open registration of a client_credentials client asking for system/*.cruds', async () => {
    const key = await generateClientKey('RS384');
    const response = await json('POST', '/register', backendMetadata(key));
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_client_metadata');
    expect(response.body.error_description).toMatch(/pre-authorized by an operator/);
    // Nothing was registered that could get a token.
    const clients = await admin('GET', '/admin/clients');
    expect(JSON.stringify(clients.body)).not.toContain(backendMetadata(key).client_name as string);
  });

  it('with an initial access token scoped by the operator, registers only the intersection, and /token grants no more', async () => {
    const iat = await admin('POST', '/admin/initial-access-tokens', {
      scope: 'system/Patient.rs system/Observation.rs',
      single_use: true,
      expires_in: 600,
    });
    expect(iat.status).toBe(201);
    expect(iat.body).toMatchObject({ single_use: true, scope: 'system/Patient.rs system/Observation.rs' });
    const key = await generateClientKey('RS384');
    const registered = await json('POST', '/register', backendMetadata(key), iat.body.initial_access_token as string);
    expect(registered.status).toBe(201);
    expect(registered.body.scope).toBe('system/Patient.rs system/Observation.rs');
    const clientId = registered.body.client_id as string;

    const wide = await clientCredentials(clientId, key, 'system/*.cruds');
    expect(wide.status).toBe(200);
    expect(wide.body.scope).toBe('system/Patient.rs system/Observation.rs');
    const write = await fetch(`${server.baseUrl}/fhir/Patient`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${wide.body.access_token as string}`, 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Injected' }] }),
    });
    expect(write.status).toBe(403);
    const other = await clientCredentials(clientId, key, 'system/Condition.rs');
    expect(other.status).toBe(400);
    expect(other.body.error).toBe('invalid_scope');

    // Single use: the token cannot register a second client.
    const again = await json(
      'POST',
      '/register',
      backendMetadata(await generateClientKey('RS384')),
      iat.body.initial_access_token as string,
    );
    expect(again.status).toBe(401);
    expect(again.body.error).toBe('invalid_token');
  });

  it('refuses an initial access token whose scope does not meet the request, and one with internal or malformed scopes', async () => {
    const iat = await admin('POST', '/admin/initial-access-tokens', { scope: 'system/Observation.rs' });
    const key = await generateClientKey('RS384');
    const response = await json('POST', '/register', backendMetadata(key, 'system/Patient.rs'), iat.body.initial_access_token as string);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_client_metadata');
    // A token without a scope pre-authorizes nothing for a backend service.
    const unscoped = await admin('POST', '/admin/initial-access-tokens', {});
    const refused = await json(
      'POST',
      '/register',
      backendMetadata(key, 'system/Patient.rs'),
      unscoped.body.initial_access_token as string,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error_description).toMatch(/pre-authorized by an operator/);
    for (const scope of ['__introspect', 'system/Patient.xyz', '']) {
      const bad = await admin('POST', '/admin/initial-access-tokens', { scope });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('invalid_scope');
    }
  });

  it('bounds a user-facing app by the token ceiling and never gives it system/ scopes', async () => {
    const iat = await admin('POST', '/admin/initial-access-tokens', {
      scope: 'openid fhirUser launch/patient patient/Observation.rs',
      single_use: false,
    });
    const app = {
      client_name: 'scoped app',
      redirect_uris: ['https://scoped.example.org/cb'],
      token_endpoint_auth_method: 'none',
      scope: 'openid fhirUser launch/patient patient/*.cruds offline_access',
    };
    const registered = await json('POST', '/register', app, iat.body.initial_access_token as string);
    expect(registered.status).toBe(201);
    expect(registered.body.scope).toBe('openid fhirUser launch/patient patient/Observation.rs');
    const system = await json('POST', '/register', { ...app, scope: 'openid system/*.rs' }, iat.body.initial_access_token as string);
    expect(system.status).toBe(400);
    expect(system.body.error).toBe('invalid_client_metadata');
  });

  it('ignores operator flags in registration metadata: no launch creation, no introspection of others, not verified', async () => {
    const registered = await json('POST', '/register', {
      client_name: 'self-promoting EHR',
      redirect_uris: ['https://self.example.org/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
      may_create_launch_contexts: true,
      may_introspect_any_token: true,
      verified: true,
      approved_scope: 'system/*.cruds',
    });
    expect(registered.status).toBe(201);
    const clientId = registered.body.client_id as string;
    const basic = `Basic ${Buffer.from(`${clientId}:${registered.body.client_secret as string}`).toString('base64')}`;
    const view = await admin('GET', `/admin/clients/${clientId}`);
    expect(view.body).toMatchObject({ may_create_launch_contexts: false, may_introspect_any_token: false, verified: false });
    expect(view.body.approved_scope).not.toContain('system/');
    const launch = await postForm(`${server.baseUrl}/launch`, { patient: 'example-patient-1' }, { Authorization: basic });
    expect(launch.status).toBe(400);
    expect(launch.body.error).toBe('unauthorized_client');
    expect(launch.body.launch).toBeUndefined();
  });

  it('refuses internal scopes at registration (a self-registered app never holds __introspect)', async () => {
    const response = await json('POST', '/register', {
      client_name: 'introspector',
      redirect_uris: ['https://introspector.example.org/cb'],
      token_endpoint_auth_method: 'none',
      scope: 'openid patient/*.rs __introspect',
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_client_metadata');
  });

  it('lets an RFC 7592 PUT narrow, never widen, scope, grant types or auth method; an operator PATCH grants', async () => {
    const iat = await admin('POST', '/admin/initial-access-tokens', { scope: 'system/Patient.rs system/Observation.rs' });
    const key = await generateClientKey('RS384');
    const metadata = backendMetadata(key, 'system/Patient.rs system/Observation.rs');
    const registered = await json('POST', '/register', metadata, iat.body.initial_access_token as string);
    expect(registered.status).toBe(201);
    const clientId = registered.body.client_id as string;
    const uri = registered.body.registration_client_uri as string;
    const rat = registered.body.registration_access_token as string;
    const put = (body: Json) => json('PUT', new URL(uri).pathname, { ...metadata, client_id: clientId, ...body }, rat);

    const widened = await put({ scope: 'system/*.cruds' });
    expect(widened.status).toBe(200);
    expect(widened.body.scope).toBe('system/Patient.rs system/Observation.rs');
    expect((await clientCredentials(clientId, key, 'system/*.cruds')).body.scope).toBe('system/Patient.rs system/Observation.rs');

    const narrowed = await put({ scope: 'system/Patient.rs' });
    expect(narrowed.body.scope).toBe('system/Patient.rs');
    expect((await clientCredentials(clientId, key, 'system/Observation.rs')).status).toBe(400);
    // Back up to what was approved is allowed; beyond it is not.
    expect((await put({ scope: 'system/Patient.rs system/Observation.rs system/Condition.rs' })).body.scope).toBe(
      'system/Patient.rs system/Observation.rs',
    );
    expect((await put({ scope: 'system/Condition.rs' })).status).toBe(400);

    const grantTypes = await put({
      grant_types: ['authorization_code'],
      redirect_uris: ['https://x.example.org/cb'],
      response_types: ['code'],
    });
    expect(grantTypes.status).toBe(400);
    expect(grantTypes.body.error).toBe('invalid_client_metadata');
    const method = await put({ token_endpoint_auth_method: 'client_secret_basic', jwks: undefined });
    expect(method.status).toBe(400);
    const flags = await put({ may_introspect_any_token: true, may_create_launch_contexts: true });
    expect(flags.status).toBe(200);
    expect((await admin('GET', `/admin/clients/${clientId}`)).body).toMatchObject({
      may_introspect_any_token: false,
      may_create_launch_contexts: false,
    });

    // The operator grants more; the client may then use it, and its PUT stays within the new approval.
    const patched = await admin('PATCH', `/admin/clients/${clientId}`, {
      scope: 'system/Patient.rs system/Observation.rs system/Condition.rs',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ approved_scope: 'system/Patient.rs system/Observation.rs system/Condition.rs' });
    expect((await clientCredentials(clientId, key, 'system/Condition.rs')).body.scope).toBe('system/Condition.rs');
    expect((await put({ scope: 'system/*.rs' })).body.scope).toBe('system/Patient.rs system/Observation.rs system/Condition.rs');
  });

  it('lets a PUT keep an internal scope an operator granted, and never gain one', async () => {
    const iat = await admin('POST', '/admin/initial-access-tokens', { scope: 'system/Patient.rs' });
    const key = await generateClientKey('ES384');
    const metadata = backendMetadata(key, 'system/Patient.rs');
    const registered = await json('POST', '/register', metadata, iat.body.initial_access_token as string);
    const clientId = registered.body.client_id as string;
    const put = (scope: string) =>
      json(
        'PUT',
        `/register/${clientId}`,
        { ...metadata, client_id: clientId, scope },
        registered.body.registration_access_token as string,
      );
    expect((await put('system/Patient.rs __introspect')).body.scope).toBe('system/Patient.rs');
    expect((await clientCredentials(clientId, key, '__introspect')).status).toBe(400);
    await admin('PATCH', `/admin/clients/${clientId}`, { scope: 'system/Patient.rs __introspect' });
    expect((await put('system/Patient.rs __introspect')).body.scope).toBe('system/Patient.rs __introspect');
  });

  it('marks dynamically registered clients unverified; an operator PATCH verifies; a changed redirect URI unverifies', async () => {
    const registered = await json('POST', '/register', {
      client_name: 'app to review',
      redirect_uris: ['https://review.example.org/cb'],
      token_endpoint_auth_method: 'none',
    });
    const clientId = registered.body.client_id as string;
    expect((await admin('GET', `/admin/clients/${clientId}`)).body.verified).toBe(false);
    const created = await admin('POST', '/admin/clients', {
      client_name: 'operator app',
      redirect_uris: ['https://op.example.org/cb'],
      token_endpoint_auth_method: 'none',
    });
    expect(created.body.verified).toBe(true);
    expect((await admin('PATCH', `/admin/clients/${clientId}`, { verified: true })).body.verified).toBe(true);
    const put = await json(
      'PUT',
      `/register/${clientId}`,
      {
        client_id: clientId,
        client_name: 'app to review',
        redirect_uris: ['https://elsewhere.example.org/cb'],
        token_endpoint_auth_method: 'none',
      },
      registered.body.registration_access_token as string,
    );
    expect(put.status).toBe(200);
    expect((await admin('GET', `/admin/clients/${clientId}`)).body.verified).toBe(false);
  });

  it('grants scopes and verifies through the CLI', async () => {
    const iat = await admin('POST', '/admin/initial-access-tokens', { scope: 'system/Patient.rs' });
    const key = await generateClientKey('RS384');
    const registered = await json('POST', '/register', backendMetadata(key, 'system/Patient.rs'), iat.body.initial_access_token as string);
    const clientId = registered.body.client_id as string;
    await ensureBuilt();
    const env = { ...process.env, SEED_DEMO_DATA: 'false', LOG_LEVEL: 'silent', NODE_ENV: 'test', NODE_NO_WARNINGS: '1' };
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [join(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js'), ...args], {
        env,
        timeout: 60_000,
      });
    const { stdout } = await cli('clients:update', clientId, '--scope', 'system/Patient.rs system/Encounter.rs', '--verified');
    expect(JSON.parse(stdout)).toMatchObject({
      client_id: clientId,
      scope: 'system/Patient.rs system/Encounter.rs',
      approved_scope: 'system/Patient.rs system/Encounter.rs',
      verified: true,
    });
    const issued = await cli('initial-access-tokens:create', '--scope', 'system/Observation.rs', '--expires-in', '600');
    expect(JSON.parse(issued.stdout)).toMatchObject({ single_use: true, scope: 'system/Observation.rs' });
    // The server process sees the CLI's change within its 5 s client cache.
    const deadline = Date.now() + 8000;
    let granted: Json = {};
    while (Date.now() < deadline) {
      granted = (await clientCredentials(clientId, key, 'system/Encounter.rs')).body;
      if (granted.scope) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(granted.scope).toBe('system/Encounter.rs');
  }, 180_000);
});
