import { DataSource } from 'typeorm';
import { AuthorizationCodeService } from '../../src/authorize/authorization-code.service';
import { AuthorizationHousekeepingService } from '../../src/authorize/authorization-housekeeping.service';
import { LaunchRecordService } from '../../src/authorize/launch-record.service';
import { LoginSessionService } from '../../src/authorize/login-session.service';
import { createUser, unique } from '../utils/authorize-fixtures';
import { startTestApp, TestApp } from '../utils/test-app';

describe('authorization housekeeping', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  it('purges long-expired codes, launches and sessions and keeps live ones', async () => {
    const db = server.app.get(DataSource);
    const { user } = await createUser(server, 'practitioner', 'Practitioner/housekeeping');
    const grantId = (
      await db.query(`INSERT INTO grants (client_id, user_id, scope) VALUES ($1, $2, 'openid') RETURNING id`, [unique('app'), user.id])
    )[0].id;
    const codes = server.app.get(AuthorizationCodeService);
    const input = {
      clientId: unique('app'),
      redirectUri: 'https://a.example.org/cb',
      codeChallenge: 'x'.repeat(43),
      scope: 'openid',
      launchContext: {},
      aud: server.fhirBaseUrl,
      userId: user.id,
      loginSessionId: null,
      grantId,
    };
    const oldCode = await codes.issue(input);
    const liveCode = await codes.issue(input);
    const launches = server.app.get(LaunchRecordService);
    const oldLaunch = await launches.create({ clientId: input.clientId, createdBy: 'ehr', userId: null, context: {} });
    const liveLaunch = await launches.create({ clientId: input.clientId, createdBy: 'ehr', userId: null, context: {} });
    const sessions = server.app.get(LoginSessionService);
    const oldSession = await sessions.start(user.id, 'password');
    const liveSession = await sessions.start(user.id, 'password');
    const { hashToken } = await import('../../src/common/crypto/random-token');
    await db.query(`UPDATE authorization_codes SET expires_at = now() - interval '2 days' WHERE code_hash = $1`, [hashToken(oldCode)]);
    await db.query(`UPDATE launch_contexts SET expires_at = now() - interval '2 days' WHERE launch_hash = $1`, [hashToken(oldLaunch)]);
    await db.query(`UPDATE login_sessions SET expires_at = now() - interval '2 days' WHERE id = $1`, [oldSession.session.id]);

    await server.app.get(AuthorizationHousekeepingService).purge();

    const count = async (table: string, column: string, value: string) =>
      (await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`, [value]))[0].n;
    expect(await count('authorization_codes', 'code_hash', hashToken(oldCode))).toBe(0);
    expect(await count('authorization_codes', 'code_hash', hashToken(liveCode))).toBe(1);
    expect(await count('launch_contexts', 'launch_hash', hashToken(oldLaunch))).toBe(0);
    expect(await count('launch_contexts', 'launch_hash', hashToken(liveLaunch))).toBe(1);
    expect(await count('login_sessions', 'id', oldSession.session.id)).toBe(0);
    expect(await sessions.isActive(liveSession.session.id)).toBe(true);
  });
});
