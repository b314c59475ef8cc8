import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service';
import { Clock } from '../../src/common/time/clock';
import { createUser } from '../utils/authorize-fixtures';
import { CookieJar, signedInJar } from '../utils/authorize-flow';
import { ensureBuilt } from '../utils/ensure-built';
import { browse, enrolTotp, passwordStep, TestClock } from '../utils/mfa';
import { startTestApp, TestApp } from '../utils/test-app';
import { runCli } from '../utils/cli';

const ADMIN_TOKEN = 'mfa-admin-token-0123456789abcdef0123456789';

jest.setTimeout(120_000);

// An operator resets a person's second factors (lost phone, no recovery code left): by the admin API and the
// CLI, audited; afterwards the password alone signs in (until a policy asks for enrolment again).
describe('second factor: operator reset', () => {
  let server: TestApp;
  const clock = new TestClock();

  beforeAll(async () => {
    await ensureBuilt();
    server = await startTestApp({ ADMIN_TOKEN }, [{ provide: Clock, useValue: clock }]);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
  });

  // A passkey row as an enrolment would have stored it (the ceremony itself is tested in passkeys.e2e-spec.ts):
  // a reset of every factor must take passkeys too, or a lost security key would still stand in for the person.
  async function addPasskey(userId: string): Promise<void> {
    await server.app.get(DataSource).query(
      `INSERT INTO passkey_credentials (user_id, credential_id, public_key, counter, transports, device_type, backed_up, name)
         VALUES ($1, $2, $3, 0, '{}', 'singleDevice', false, 'Lost key')`,
      [userId, randomBytes(16).toString('base64url'), randomBytes(77)],
    );
  }

  const passkeysOf = async (userId: string): Promise<number> =>
    Number((await server.app.get(DataSource).query('SELECT count(*) AS n FROM passkey_credentials WHERE user_id = $1', [userId]))[0].n);

  async function enrolledUser() {
    const user = await createUser(server, 'practitioner', 'Practitioner/example-practitioner-1');
    await addPasskey(user.user.id);
    await enrolTotp(server.baseUrl, await signedInJar(server.baseUrl, user), clock);
    expect((await passwordStep(server.baseUrl, new CookieJar(), user)).location).toBe('/login/two-factor');
    return user;
  }

  const resets = async (userId: string) =>
    (await server.app.get(AuditService).find({ event: 'mfa_reset', limit: 1000 })).filter((event) => event.userId === userId);

  it('DELETE /admin/users/{id}/factors removes them, ends pending sign-ins, and is audited', async () => {
    const user = await enrolledUser();
    const pending = new CookieJar();
    await passwordStep(server.baseUrl, pending, user);
    const url = `${server.baseUrl}/admin/users/${user.user.id}/factors`;
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(401);
    const response = await fetch(url, { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      user_id: user.user.id,
      username: user.username,
      totp_removed: true,
      recovery_codes_removed: 10,
      passkeys_removed: 1,
    });
    expect(await passkeysOf(user.user.id)).toBe(0);
    expect(await resets(user.user.id)).toEqual([
      expect.objectContaining({
        outcome: 'success',
        ip: '127.0.0.1',
        detail: { by: 'admin-api', totp: true, recovery_codes: 10, passkeys: 1 },
      }),
    ]);
    // The pending sign-in started before the reset is gone; the password alone signs in now.
    expect((await browse(pending, `${server.baseUrl}/login/two-factor`)).title).toBe('Sign in');
    expect(await passwordStep(server.baseUrl, new CookieJar(), user)).toMatchObject({ status: 303, location: '/apps' });

    const unknown = await fetch(`${server.baseUrl}/admin/users/00000000-0000-4000-8000-000000000000/factors`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(unknown.status).toBe(404);
  });

  it('users:reset-factors does the same from the CLI, by username', async () => {
    const user = await enrolledUser();
    const result = await runCli(['users:reset-factors', user.username]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      user_id: user.user.id,
      username: user.username,
      totp_removed: true,
      recovery_codes_removed: 10,
      passkeys_removed: 1,
    });
    expect(await resets(user.user.id)).toEqual([
      expect.objectContaining({ detail: { by: 'cli', totp: true, recovery_codes: 10, passkeys: 1 } }),
    ]);
    expect(await passwordStep(server.baseUrl, new CookieJar(), user)).toMatchObject({ status: 303, location: '/apps' });
    const missing = await runCli(['users:reset-factors', 'nobody-here']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no user nobody-here');
  });
});
