import { decodeJwt } from 'jose';
import { randomUUID } from 'node:crypto';
import { UsersService } from '../../src/clients/users.service';
import { fhirFetch, mintAccessToken } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';
import { callAs, createClient, issueCode, redeem, TestClient } from './token-fixtures';

// A practitioner restricted to some patients (users.restricted_to_patients) used to read every
// patient with user/ scopes, because the restriction was applied only in the picker and the EHR launch. Real
// tokens from /token now carry it, and every FHIR interaction (search, read, _include/_revinclude, history,
// batch/transaction, gateway mode) stays inside it; a refresh re-reads it from the user.
const run = randomUUID().slice(0, 8);
const ids = { pA: `rpa-${run}`, pB: `rpb-${run}`, oA: `roa-${run}`, oB: `rob-${run}`, oAB: `roab-${run}` };
const ADMIN_TOKEN = `admin-${randomUUID()}-${randomUUID()}`;
const SCOPE = 'openid fhirUser offline_access user/Observation.rs user/Patient.rs';

function observation(id: string, patient: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { text: 'restriction test' },
    subject: { reference: `Patient/${patient}` },
    ...extra,
  };
}

const matchIds = (bundle: any, type = 'Observation'): string[] =>
  (bundle.entry ?? [])
    .filter((entry: any) => entry.resource?.resourceType === type)
    .map((entry: any) => entry.resource.id)
    .sort();

describe('A practitioner restricted to some patients', () => {
  let server: TestApp;
  let gateway: TestApp;
  let client: TestClient;
  let userId: string;
  let since: string;

  async function restrictedTokens(app: TestApp, restrictedToPatients: string[]): Promise<{ access: string; refresh: string }> {
    const users = app.app.get(UsersService);
    const user = await users.create({
      username: `restricted-${randomUUID()}`,
      password: 'correct horse battery staple',
      displayName: 'Dr Restricted',
      fhirUser: 'Practitioner/restricted',
      role: 'practitioner',
      restrictedToPatients,
    });
    userId = user.id;
    const tokens = await redeem(app, client, await issueCode(app, client, user, { scope: SCOPE, launchContext: {} }));
    expect(tokens.status).toBe(200);
    return { access: tokens.body.access_token as string, refresh: tokens.body.refresh_token as string };
  }

  beforeAll(async () => {
    server = await startTestApp({ ADMIN_TOKEN });
    const admin = await mintAccessToken(server, { scope: 'system/*.cruds' });
    gateway = await startTestApp({ FHIR_UPSTREAM_URL: server.fhirBaseUrl, FHIR_UPSTREAM_AUTHORIZATION: `Bearer ${admin}` });
    since = new Date(Date.now() - 1000).toISOString();
    for (const resource of [
      { resourceType: 'Patient', id: ids.pA, name: [{ family: 'Allowed' }] },
      { resourceType: 'Patient', id: ids.pB, name: [{ family: 'Other' }] },
      observation(ids.oA, ids.pA),
      observation(ids.oB, ids.pB),
      // In the allowed patient's record, but naming the other patient as performer: _include must not follow it.
      observation(ids.oAB, ids.pA, { performer: [{ reference: `Patient/${ids.pB}` }] }),
    ]) {
      const response = await fhirFetch(server, `/${resource.resourceType}/${resource.id}`, admin, { method: 'PUT', body: resource });
      expect([200, 201]).toContain(response.status);
    }
    client = await createClient(server, 'symmetric', { scope: SCOPE });
  });

  afterAll(async () => {
    await gateway?.close();
    await server?.close();
  });

  it('carries the restriction in the token and confines search and read to the allowed patient', async () => {
    const { access } = await restrictedTokens(server, [ids.pA]);
    expect(decodeJwt(access)).toMatchObject({ user_role: 'practitioner', restricted_to_patients: [ids.pA] });

    const search = await fhirFetch(server, `/Observation?_id=${ids.oA},${ids.oB},${ids.oAB}`, access);
    expect(search.status).toBe(200);
    expect(matchIds(search.body)).toEqual([ids.oA, ids.oAB].sort());
    expect(matchIds((await fhirFetch(server, `/Observation?patient=${ids.pB}`, access)).body)).toEqual([]);
    const post = await fhirFetch(server, '/Observation/_search', access, {
      method: 'POST',
      body: `subject=Patient/${ids.pB}`,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(matchIds(post.body)).toEqual([]);

    // docs/fhir.md: an instance the token may not see answers 404, like a missing one.
    expect((await fhirFetch(server, `/Observation/${ids.oB}`, access)).status).toBe(404);
    expect((await fhirFetch(server, `/Observation/${ids.oB}/_history/1`, access)).status).toBe(404);
    expect((await fhirFetch(server, `/Patient/${ids.pB}`, access)).status).toBe(404);
    expect((await fhirFetch(server, `/Observation/${ids.oA}`, access)).status).toBe(200);
  });

  it('does not let _include, _revinclude or history reach the other patient', async () => {
    const { access } = await restrictedTokens(server, [ids.pA]);
    const include = await fhirFetch(
      server,
      `/Observation?_id=${ids.oAB}&_include=Observation:performer&_include=Observation:subject`,
      access,
    );
    expect(include.status).toBe(200);
    expect(matchIds(include.body, 'Patient')).toEqual([ids.pA]);

    const revinclude = await fhirFetch(server, `/Patient?_id=${ids.pA},${ids.pB}&_revinclude=Observation:subject`, access);
    expect(matchIds(revinclude.body, 'Patient')).toEqual([ids.pA]);
    expect(matchIds(revinclude.body)).toEqual([ids.oA, ids.oAB].sort());

    const history = await fhirFetch(server, `/Observation/_history?_count=500&_since=${encodeURIComponent(since)}`, access);
    expect(history.status).toBe(200);
    const seen = (history.body.entry ?? []).map((entry: any) => entry.resource?.id).filter((id: string) => Object.values(ids).includes(id));
    expect([...new Set(seen)].sort()).toEqual([ids.oA, ids.oAB].sort());
    expect((await fhirFetch(server, `/Observation/${ids.oB}/_history`, access)).status).toBe(404);
    const system = await fhirFetch(server, `/_history?_count=500&_since=${encodeURIComponent(since)}`, access);
    expect((system.body.entry ?? []).map((entry: any) => entry.resource?.id)).not.toContain(ids.oB);
    expect((system.body.entry ?? []).map((entry: any) => entry.resource?.id)).not.toContain(ids.pB);
  });

  it('does not let a batch or a transaction escape', async () => {
    const { access } = await restrictedTokens(server, [ids.pA]);
    const batch = await fhirFetch(server, '', access, {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { request: { method: 'GET', url: `Observation/${ids.oB}` } },
          { request: { method: 'GET', url: `Patient/${ids.pB}` } },
          { request: { method: 'GET', url: `Observation?_id=${ids.oA},${ids.oB}&_include=Observation:subject` } },
        ],
      },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.entry.map((entry: any) => entry.response.status)).toEqual(['404 Not Found', '404 Not Found', '200 OK']);
    expect(matchIds(batch.body.entry[2].resource)).toEqual([ids.oA]);
    expect(matchIds(batch.body.entry[2].resource, 'Patient')).toEqual([ids.pA]);

    const transaction = await fhirFetch(server, '', access, {
      method: 'POST',
      body: { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'GET', url: `Observation/${ids.oB}` } }] },
    });
    // A transaction is all or nothing (FHIR R4 http.html#transaction): the hidden instance fails it as a whole.
    expect(transaction.status).toBe(404);
    expect(transaction.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(transaction.body)).not.toContain(ids.pB);
  });

  it('confines the gateway mode the same way (forwarded as patient=…, every entry checked)', async () => {
    const { access } = await restrictedTokens(gateway, [ids.pA]);
    const search = await fhirFetch(gateway, `/Observation?_id=${ids.oA},${ids.oB}`, access);
    expect(search.status).toBe(200);
    expect(matchIds(search.body)).toEqual([ids.oA]);
    expect((await fhirFetch(gateway, `/Observation/${ids.oB}`, access)).status).toBe(404);
    const count = await fhirFetch(gateway, `/Observation?_id=${ids.oA},${ids.oB}&_summary=count`, access);
    expect(count.body.total).toBe(1);
  });

  it('re-reads the restriction at refresh, and ends tokens the new restriction no longer covers', async () => {
    const { access, refresh } = await restrictedTokens(server, [ids.pA]);
    const admin = (path: string, body: unknown) =>
      fetch(`${server.baseUrl}${path}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await admin(`/admin/users/${userId}`, { restricted_to_patients: [ids.pB] })).status).toBe(200);

    // The old token's restriction is no longer within the user's: it stops (same process: at once).
    expect((await fhirFetch(server, `/Observation/${ids.oA}`, access)).status).toBe(401);
    const refreshed = await callAs(server, client, '/token', { grant_type: 'refresh_token', refresh_token: refresh });
    expect(refreshed.status).toBe(200);
    const next = refreshed.body.access_token as string;
    expect(decodeJwt(next).restricted_to_patients).toEqual([ids.pB]);
    expect((await fhirFetch(server, `/Observation/${ids.oA}`, next)).status).toBe(404);
    expect((await fhirFetch(server, `/Observation/${ids.oB}`, next)).status).toBe(200);

    // Lifting the restriction: the next refresh carries none.
    expect((await admin(`/admin/users/${userId}`, { restricted_to_patients: null })).status).toBe(200);
    const lifted = await callAs(server, client, '/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshed.body.refresh_token as string,
    });
    expect(decodeJwt(lifted.body.access_token as string).restricted_to_patients).toBeUndefined();
  });

  it('carries the largest allowed restriction through the guard and introspection', async () => {
    const longest = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(3, '0')}-${'x'.repeat(60)}`);
    const { access } = await restrictedTokens(server, [...longest.slice(1), ids.pA]);
    expect(access.length).toBeGreaterThan(8192);
    expect(matchIds((await fhirFetch(server, `/Observation?_id=${ids.oA},${ids.oB}`, access)).body)).toEqual([ids.oA]);
    const operator = await createClient(server, 'symmetric', { mayIntrospectAnyToken: true });
    const introspection = await callAs(server, operator, '/introspect', { token: access });
    expect(introspection.body).toMatchObject({ active: true, user_role: 'practitioner' });
    expect((introspection.body.restricted_to_patients as string[]).length).toBe(100);
  });

  it('refuses restrictions a token cannot carry', async () => {
    const users = server.app.get(UsersService);
    const base = {
      password: 'correct horse battery staple',
      displayName: 'Dr Many',
      fhirUser: 'Practitioner/many',
      role: 'practitioner' as const,
    };
    await expect(
      users.create({ ...base, username: `many-${run}`, restrictedToPatients: Array.from({ length: 101 }, (_, i) => `p-${i}`) }),
    ).rejects.toThrow(/at most 100/);
    await expect(users.create({ ...base, username: `bad-${run}`, restrictedToPatients: ['not an id'] })).rejects.toThrow(/FHIR ids/);
    const user = await users.create({ ...base, username: `ok-${run}`, restrictedToPatients: [ids.pA] });
    for (const restricted_to_patients of [Array.from({ length: 101 }, (_, i) => `p-${i}`), ['../x']]) {
      const response = await fetch(`${server.baseUrl}/admin/users/${user.id}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ restricted_to_patients }),
      });
      expect(response.status).toBe(400);
    }
  });
});
