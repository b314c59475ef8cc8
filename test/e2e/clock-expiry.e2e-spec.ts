import { Clock } from '../../src/common/time/clock';
import { authorizeParams, createApp, createUser, insertPatient, pkce } from '../utils/authorize-fixtures';
import { CookieJar, driveAuthorization } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';
import { postForm } from './token-fixtures';

/** A clock the test moves forward instead of sleeping. */
class TestClock extends Clock {
  private offset = 0;
  override now(): number {
    return Date.now() + this.offset;
  }
  advance(seconds: number): void {
    this.offset += seconds * 1000;
  }
}

// Expiry is decided by the injected Clock, so lifetimes are tested by moving time, not by waiting for it.
describe('expiry follows the injected Clock', () => {
  const clock = new TestClock();
  let server: TestApp;

  beforeAll(async () => {
    // The default AUTHORIZATION_CODE_TTL: 60 s.
    server = await startTestApp({}, [{ provide: Clock, useValue: clock }]);
  });

  afterAll(async () => {
    await server.close();
  });

  it('an authorization code works within its lifetime and is invalid_grant once the clock passes it (RFC 6749 §4.1.2)', async () => {
    const app = await createApp(server);
    const user = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Clock')}`);
    const jar = new CookieJar();
    const codeFor = async (challenge: string): Promise<string> => {
      const result = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge), { ...user, jar });
      expect(result.code).toEqual(expect.any(String));
      return result.code as string;
    };
    const redeem = (code: string, verifier: string) =>
      postForm(`${server.baseUrl}/token`, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: app.redirectUri,
        client_id: app.clientId,
        code_verifier: verifier,
      });

    const young = pkce();
    const youngCode = await codeFor(young.challenge);
    clock.advance(59);
    expect((await redeem(youngCode, young.verifier)).status).toBe(200);

    const old = pkce();
    const oldCode = await codeFor(old.challenge);
    clock.advance(61);
    const refused = await redeem(oldCode, old.verifier);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_grant' });
  });
});
