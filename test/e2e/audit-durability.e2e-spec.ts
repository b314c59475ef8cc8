// HIPAA §164.312(b): every answered action has its audit event the moment it is answered, and an action whose
// event cannot be written is refused (503 temporarily_unavailable) with its state change rolled back.
//
// Audit writes are made to fail with a trigger that raises for this spec's own clients only (client ids starting
// "audit-off-", or such a name in the event's detail), so specs running beside it keep their audit trail.
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { driveAuthorization, signedInJar } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';
import { callAs, createClient, createUser, issueCode, pkcePair, redeem, TestClient } from './token-fixtures';

jest.setTimeout(60_000);

const DOOMED = 'audit-off-';
const BURST = 12;
const ADMIN_TOKEN = 'audit-durability-admin-token-0123456789abcdef';
const SCOPE = 'openid fhirUser launch/patient offline_access online_access patient/*.rs user/*.rs system/Patient.rs';

async function failAuditWrites(dataSource: DataSource): Promise<void> {
  await dataSource.query(`CREATE OR REPLACE FUNCTION audit_off_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit trail unavailable (test)'; END $$`);
  await dataSource.query(`DROP TRIGGER IF EXISTS audit_off_for_test ON audit_events`);
  await dataSource.query(`CREATE TRIGGER audit_off_for_test BEFORE INSERT ON audit_events FOR EACH ROW
    WHEN (NEW.client_id LIKE '${DOOMED}%' OR NEW.detail::text LIKE '%${DOOMED}%') EXECUTE FUNCTION audit_off_for_test()`);
}

async function restoreAuditWrites(dataSource: DataSource): Promise<void> {
  await dataSource.query(`DROP TRIGGER IF EXISTS audit_off_for_test ON audit_events`);
}

function expectUnavailable(response: { status: number; headers: Headers; body: Record<string, unknown> }): void {
  expect(response.status).toBe(503);
  expect(response.body.error).toBe('temporarily_unavailable');
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
}

describe('audit trail durability', () => {
  let server: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    server = await startTestApp({ ADMIN_TOKEN, REGISTRATION_POLICY: 'open', REGISTRATION_RATE_LIMIT: '1000' });
    db = server.app.get(DataSource);
    await restoreAuditWrites(db);
  });

  afterAll(async () => {
    await restoreAuditWrites(db).catch(() => undefined);
    await db.query(`DROP FUNCTION IF EXISTS audit_off_for_test()`).catch(() => undefined);
    await server.close();
  });

  const confidential = (clientId?: string): Promise<TestClient> =>
    createClient(
      server,
      'symmetric',
      { grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'], scope: SCOPE },
      clientId ? { clientId } : {},
    );

  async function events(event: string, where: { clientId?: string; grantId?: string }): Promise<number> {
    const rows: Array<{ n: number }> = await db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE event = $1 AND ($2::text IS NULL OR client_id = $2) AND ($3::uuid IS NULL OR grant_id = $3)`,
      [event, where.clientId ?? null, where.grantId ?? null],
    );
    return rows[0].n;
  }

  it('has the event of every answered token, refresh and revocation request stored when the answer arrives', async () => {
    const client = await confidential();
    const users = await Promise.all(Array.from({ length: BURST }, () => createUser(server)));
    const codes = await Promise.all(users.map((user) => issueCode(server, client, user)));
    const missing: string[] = [];
    let answeredCc = 0;

    // client_credentials and code redemption at once; each answer is checked against the table as it arrives.
    const cc = Array.from({ length: BURST }, async () => {
      const response = await callAs(server, client, '/token', { grant_type: 'client_credentials', scope: 'system/Patient.rs' });
      if (response.status !== 200) return;
      answeredCc += 1;
      const answeredSoFar = answeredCc;
      if ((await events('issued', { clientId: client.clientId })) < answeredSoFar) missing.push('client_credentials');
    });
    const redeemed = codes.map(async (issued) => {
      const response = await redeem(server, client, issued);
      expect(response.status).toBe(200);
      if ((await events('issued', { grantId: issued.grantId })) !== 1) missing.push(`issued ${issued.grantId}`);
      return { grantId: issued.grantId, refreshToken: response.body.refresh_token as string };
    });
    const tokens = await Promise.all(redeemed);
    await Promise.all(cc);
    expect(answeredCc).toBe(BURST);

    const refreshed = await Promise.all(
      tokens.map(async ({ grantId, refreshToken }) => {
        const response = await callAs(server, client, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken });
        expect(response.status).toBe(200);
        if ((await events('refreshed', { grantId })) !== 1) missing.push(`refreshed ${grantId}`);
        return { grantId, refreshToken: response.body.refresh_token as string, scope: response.body.scope };
      }),
    );
    const [row] = await db.query(`SELECT client_id, user_id, ip, detail FROM audit_events WHERE event = 'refreshed' AND grant_id = $1`, [
      refreshed[0].grantId,
    ]);
    expect(row).toEqual({ client_id: client.clientId, user_id: users[0].id, ip: '127.0.0.1', detail: { scope: refreshed[0].scope } });
    await Promise.all(
      refreshed.map(async ({ grantId, refreshToken }) => {
        const response = await callAs(server, client, '/revoke', { token: refreshToken });
        expect(response.status).toBe(200);
        if ((await events('revoked', { grantId })) !== 1) missing.push(`revoked ${grantId}`);
      }),
    );
    expect(missing).toEqual([]);
  });

  it('records who made an administrative change, in the transaction that made it', async () => {
    const client = await confidential();
    const disabled = await fetch(`${server.baseUrl}/admin/clients/${client.clientId}/disable`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(disabled.status).toBe(200);
    const rows: Array<{ ip: string; detail: Record<string, unknown> }> = await db.query(
      `SELECT ip, detail FROM audit_events WHERE client_id = $1 AND event = 'client_updated'`,
      [client.clientId],
    );
    expect(rows).toEqual([{ ip: '127.0.0.1', detail: { by: 'admin_api', changed: ['enabled'], secret_issued: false } }]);
  });

  describe('when the audit trail cannot be written', () => {
    let client: TestClient;

    beforeAll(async () => {
      client = await confidential(`${DOOMED}${randomBytes(6).toString('hex')}`);
    });

    afterEach(async () => {
      await restoreAuditWrites(db);
    });

    it('refuses client_credentials with 503 temporarily_unavailable, and issues again once it can', async () => {
      await failAuditWrites(db);
      expectUnavailable(await callAs(server, client, '/token', { grant_type: 'client_credentials', scope: 'system/Patient.rs' }));
      await restoreAuditWrites(db);
      expect((await callAs(server, client, '/token', { grant_type: 'client_credentials', scope: 'system/Patient.rs' })).status).toBe(200);
    });

    it('refuses a code redemption and leaves the code unredeemed', async () => {
      const issued = await issueCode(server, client, await createUser(server));
      await failAuditWrites(db);
      expectUnavailable(await redeem(server, client, issued));
      const [code] = await db.query(`SELECT consumed_at FROM authorization_codes WHERE grant_id = $1`, [issued.grantId]);
      expect(code.consumed_at).toBeNull();
      expect(await db.query(`SELECT 1 FROM refresh_tokens WHERE grant_id = $1`, [issued.grantId])).toHaveLength(0);
      await restoreAuditWrites(db);
      const tokens = await redeem(server, client, issued);
      expect(tokens.status).toBe(200);
      expect(tokens.body.refresh_token).toEqual(expect.any(String));
    });

    it('refuses a refresh and leaves the refresh token unrotated, whichever path rotates it', async () => {
      const issued = await issueCode(server, client, await createUser(server));
      const first = await redeem(server, client, issued);
      const refreshToken = first.body.refresh_token as string;
      await failAuditWrites(db);
      // The one-statement rotation, then the read-check-rotate path (taken when `resource` is sent).
      expectUnavailable(await callAs(server, client, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken }));
      expectUnavailable(
        await callAs(server, client, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken, resource: server.fhirBaseUrl }),
      );
      const rows: Array<{ rotated_at: Date | null }> = await db.query(`SELECT rotated_at FROM refresh_tokens WHERE grant_id = $1`, [
        issued.grantId,
      ]);
      expect(rows).toEqual([{ rotated_at: null }]);
      await restoreAuditWrites(db);
      const refreshed = await callAs(server, client, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(refreshed.status).toBe(200);
    });

    it('refuses a revocation and leaves the tokens usable', async () => {
      const issued = await issueCode(server, client, await createUser(server));
      const tokens = await redeem(server, client, issued);
      await failAuditWrites(db);
      expectUnavailable(await callAs(server, client, '/revoke', { token: tokens.body.refresh_token as string }));
      expectUnavailable(await callAs(server, client, '/revoke', { token: tokens.body.access_token as string }));
      await restoreAuditWrites(db);
      expect((await callAs(server, client, '/introspect', { token: tokens.body.access_token as string })).body.active).toBe(true);
      expect((await callAs(server, client, '/introspect', { token: tokens.body.refresh_token as string })).body.active).toBe(true);
    });

    it('refuses introspection and a failed client authentication rather than answer them unrecorded', async () => {
      const issued = await issueCode(server, client, await createUser(server));
      const tokens = await redeem(server, client, issued);
      await failAuditWrites(db);
      expectUnavailable(await callAs(server, client, '/introspect', { token: tokens.body.access_token as string }));
      const wrongSecret = { ...client, clientSecret: 'wrong' };
      expectUnavailable(await callAs(server, wrongSecret, '/token', { grant_type: 'client_credentials', scope: 'system/Patient.rs' }));
    });
    it('refuses a registration, an admin change and a deletion of a client, and changes nothing', async () => {
      await failAuditWrites(db);
      const name = `${DOOMED}registered-${randomBytes(4).toString('hex')}`;
      const registration = await fetch(`${server.baseUrl}/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          client_name: name,
          redirect_uris: ['https://app.example.org/callback'],
          token_endpoint_auth_method: 'none',
          scope: 'launch/patient patient/*.rs',
        }),
      });
      expectUnavailable({
        status: registration.status,
        headers: registration.headers,
        body: (await registration.json()) as Record<string, unknown>,
      });
      expect(await db.query(`SELECT 1 FROM clients WHERE name = $1`, [name])).toHaveLength(0);

      const admin = (method: string, path = '') =>
        fetch(`${server.baseUrl}/admin/clients/${client.clientId}${path}`, { method, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
      for (const [method, path] of [
        ['POST', '/disable'],
        ['POST', '/rotate-secret'],
        ['DELETE', ''],
      ]) {
        const refused = await admin(method, path);
        expect({ [path]: refused.status }).toEqual({ [path]: 503 });
        expect(refused.headers.get('retry-after')).toBeTruthy();
      }
      await restoreAuditWrites(db);
      expect(((await (await admin('GET')).json()) as Record<string, unknown>).enabled).toBe(true);
      // The secret was not rotated and the client was not deleted.
      expect(await db.query(`SELECT 1 FROM client_secrets WHERE client_id = $1`, [client.clientId])).toHaveLength(1);
      expect((await callAs(server, client, '/token', { grant_type: 'client_credentials', scope: 'system/Patient.rs' })).status).toBe(200);
    });

    it('answers the consent with a 503 page, not a redirect with a code, and stores neither consent nor code', async () => {
      const user = await createUser(server);
      const jar = await signedInJar(server.baseUrl, { username: user.username, password: 'correct horse battery staple' });
      const params = () => ({
        response_type: 'code',
        client_id: client.clientId,
        redirect_uri: client.redirectUri,
        scope: 'openid fhirUser user/*.rs',
        state: randomBytes(8).toString('hex'),
        aud: server.fhirBaseUrl,
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      });
      const options = { username: user.username, password: 'correct horse battery staple', jar };
      await failAuditWrites(db);
      await expect(driveAuthorization(server.baseUrl, params(), options)).rejects.toThrow(/HTTP 503\): Temporarily unavailable/);
      expect(await db.query(`SELECT 1 FROM grants WHERE user_id = $1`, [user.id])).toHaveLength(0);
      expect(await db.query(`SELECT 1 FROM authorization_codes WHERE user_id = $1`, [user.id])).toHaveLength(0);
      await restoreAuditWrites(db);
      const approved = await driveAuthorization(server.baseUrl, params(), options);
      expect(approved.code).toEqual(expect.any(String));
      expect(await events('code_issued', { clientId: client.clientId })).toBeGreaterThan(0);
    });
  });
});
