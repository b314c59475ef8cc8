import { randomUUID } from 'node:crypto';
import { fhirFetch } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';
import { callAs, createClient, createIntrospector, createUser, issueCode, postForm, redeem, TestClient } from './token-fixtures';

// Disabling a client or a user used to leave its outstanding tokens working, and introspection kept
// answering active: true. Now the next request fails at the FHIR guard, at /introspect and at refresh: at once in
// the process that disabled, within the documented 5 s cache lifetime in every other process.
const ADMIN_TOKEN = `admin-${randomUUID()}-${randomUUID()}`;
const SCOPE = 'openid fhirUser offline_access user/Observation.rs';

describe('Disabling a client or a user ends its outstanding tokens', () => {
  let server: TestApp;
  let other: TestApp;
  let introspector: { authorization: string };

  beforeAll(async () => {
    server = await startTestApp({ ADMIN_TOKEN });
    // A second process of the same deployment: same issuer and FHIR audience, its own caches.
    other = await startTestApp({ ADMIN_TOKEN, PUBLIC_URL: server.baseUrl });
    const { clientId, clientSecret } = await createIntrospector(server);
    introspector = { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` };
  });

  afterAll(async () => {
    await other?.close();
    await server?.close();
  });

  const admin = (path: string) =>
    fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  const introspect = async (app: TestApp, token: string) =>
    (await postForm(`${app.baseUrl}/introspect`, { token }, { Authorization: introspector.authorization })).body;
  const search = (app: TestApp, token: string) => fhirFetch(app, '/Observation?_id=none-such', token);

  async function tokensFor(client: TestClient): Promise<{ access: string; refresh: string; userId: string }> {
    const user = await createUser(server, 'practitioner');
    const tokens = await redeem(server, client, await issueCode(server, client, user, { scope: SCOPE, launchContext: {} }));
    expect(tokens.status).toBe(200);
    return { access: tokens.body.access_token as string, refresh: tokens.body.refresh_token as string, userId: user.id };
  }

  it('a disabled client: guard 401, introspection inactive, refresh refused', async () => {
    const client = await createClient(server, 'symmetric', { scope: SCOPE });
    const { access, refresh } = await tokensFor(client);
    expect((await search(server, access)).status).toBe(200);
    expect(await introspect(server, access)).toMatchObject({ active: true, token_use: 'access_token', user_role: 'practitioner' });
    expect(await introspect(server, refresh)).toMatchObject({ active: true, token_use: 'refresh_token' });

    expect((await admin(`/admin/clients/${client.clientId}/disable`)).status).toBe(200);

    const guarded = await search(server, access);
    expect(guarded.status).toBe(401);
    expect(guarded.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await introspect(server, access)).toEqual({ active: false });
    expect(await introspect(server, refresh)).toEqual({ active: false });
    // The client cannot even authenticate any more: RFC 6749 §5.2 invalid_client.
    const refreshed = await callAs(server, client, '/token', { grant_type: 'refresh_token', refresh_token: refresh });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body.error).toBe('invalid_client');
  });

  it('a disabled user: guard 401, introspection inactive, refresh invalid_grant', async () => {
    const client = await createClient(server, 'symmetric', { scope: SCOPE });
    const { access, refresh, userId } = await tokensFor(client);
    expect((await search(server, access)).status).toBe(200);

    expect((await admin(`/admin/users/${userId}/disable`)).status).toBe(200);

    expect((await search(server, access)).status).toBe(401);
    expect(await introspect(server, access)).toEqual({ active: false });
    expect(await introspect(server, refresh)).toEqual({ active: false });
    const refreshed = await callAs(server, client, '/token', { grant_type: 'refresh_token', refresh_token: refresh });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('another process stops honouring the tokens within the 5 s cache lifetime', async () => {
    const client = await createClient(server, 'symmetric', { scope: SCOPE });
    const { access } = await tokensFor(client);
    // Warm the other process's caches, so the bound measured is the cache lifetime, not a cold lookup.
    expect((await search(other, access)).status).toBe(200);
    expect(await introspect(other, access)).toMatchObject({ active: true });

    const disabledAt = Date.now();
    expect((await admin(`/admin/clients/${client.clientId}/disable`)).status).toBe(200);
    let status = 200;
    while (status === 200 && Date.now() - disabledAt < 10_000) {
      status = (await search(other, access)).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(401);
    expect(Date.now() - disabledAt).toBeLessThan(7000);
    expect(await introspect(other, access)).toEqual({ active: false });
  });
});
