// HIPAA §164.312(b): every answered action has its audit event the moment it is answered, and an action whose
// event cannot be written is refused (503 temporarily_unavailable) with its state change rolled back.
//
// Audit writes are made to fail with a trigger that raises for this spec's own clients only (client ids starting
// "audit-off-", or such a name in the event's detail), so specs running beside it keep their audit trail.
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../utils/test-app';
import { callAs, createClient, createUser, issueCode, redeem, TestClient } from './token-fixtures';

jest.setTimeout(60_000);

const DOOMED = 'audit-off-';
const BURST = 12;
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
    server = await startTestApp();
    db = server.app.get(DataSource);
    await restoreAuditWrites(db);
  });

  afterAll(async () => {
    await restoreAuditWrites(db).catch(() => undefined);
    await server.close();
  });

  const confidential = (clientId?: string): Promise<TestClient> =>
    createClient(server, 'symmetric', { grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'], scope: SCOPE }, clientId ? { clientId } : {});

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
        return { grantId, refreshToken: response.body.refresh_token as string };
      }),
    );
    await Promise.all(
      refreshed.map(async ({ grantId, refreshToken }) => {
        const response = await callAs(server, client, '/revoke', { token: refreshToken });
        expect(response.status).toBe(200);
        if ((await events('revoked', { grantId })) !== 1) missing.push(`revoked ${grantId}`);
      }),
    );
    expect(missing).toEqual([]);
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
      expectUnavailable(await callAs(server, client, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken, resource: server.fhirBaseUrl }));
      const rows: Array<{ rotated_at: Date | null }> = await db.query(`SELECT rotated_at FROM refresh_tokens WHERE grant_id = $1`, [issued.grantId]);
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
  });
});
