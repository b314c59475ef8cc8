import { DataSource } from 'typeorm';
import { LoginSessionService } from '../../src/authorize/login-session.service';
import { hashToken } from '../../src/common/crypto/random-token';
import { GrantsService } from '../../src/grants/grants.service';
import { parseScopes } from '../../src/scopes';
import { startTestApp, TestApp } from '../utils/test-app';
import { callAs, createClient, createIntrospector, createUser, issueCode, IssuedCode, redeem, TestClient } from './token-fixtures';

const SCOPE = 'openid fhirUser launch/patient offline_access patient/Patient.rs patient/Observation.rs';
const NARROWER = 'patient/Patient.r launch/patient';

// The one-statement rotation and the read-then-check path it falls back to (RefreshTokenGrant).
describe('POST /token: refresh_token rotation paths', () => {
  let server: TestApp;
  let strict: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ REFRESH_TOKEN_REUSE_GRACE: '60s' });
    strict = await startTestApp({ REFRESH_TOKEN_REUSE_GRACE: '0s' });
  });

  afterAll(async () => {
    await Promise.all([server.close(), strict.close()]);
  });

  async function tokensFor(
    app: TestApp,
    client: TestClient,
    options: { scope?: string; loginSessionId?: string } = {},
  ): Promise<{ body: Record<string, unknown>; issued: IssuedCode; userId: string }> {
    const user = await createUser(app);
    const issued = await issueCode(app, client, user, {
      scope: options.scope ?? SCOPE,
      loginSessionId: options.loginSessionId,
      launchContext: { patient: 'example-patient-1', encounter: 'enc-7' },
    });
    const response = await redeem(app, client, issued);
    expect(response.status).toBe(200);
    return { body: response.body, issued, userId: user.id };
  }

  function refresh(app: TestApp, client: TestClient, refreshToken: string, scope?: string) {
    return callAs(app, client, '/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      ...(scope === undefined ? {} : { scope }),
    });
  }

  /** Runs `action` and counts the refresh_tokens statements it sent through the repository. */
  async function refreshTokenStatements<T>(app: TestApp, action: () => Promise<T>): Promise<{ result: T; statements: number }> {
    const dataSource = app.app.get(DataSource);
    const spy = jest.spyOn(dataSource, 'query');
    try {
      const result = await action();
      const statements = spy.mock.calls.filter(([sql]) => /refresh_tokens/.test(String(sql)) && !/^\s*DELETE/i.test(String(sql))).length;
      return { result, statements };
    } finally {
      spy.mockRestore();
    }
  }

  function rows(app: TestApp, sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
    return app.app.get(DataSource).query(sql, params);
  }

  it('rotates in one statement: successor linked, only hashes stored, context kept, a fresh per-client lifetime', async () => {
    const client = await createClient(server, 'public', { refreshTokenTtl: 120 });
    const { body: first, userId } = await tokensFor(server, client);
    const { result: second, statements } = await refreshTokenStatements(server, () =>
      refresh(server, client, first.refresh_token as string),
    );
    expect(second.status).toBe(200);
    expect(statements).toBe(1);
    expect(second.body).toMatchObject({ scope: SCOPE, patient: 'example-patient-1', encounter: 'enc-7' });

    const columns =
      'id, client_id, grant_id, user_id, scope, launch_context, online, rotated_at, replaced_by, revoked_at, extract(epoch from expires_at - created_at) AS lifetime';
    const [old] = await rows(server, `SELECT ${columns} FROM refresh_tokens WHERE token_hash = $1`, [
      hashToken(first.refresh_token as string),
    ]);
    const [next] = await rows(server, `SELECT ${columns} FROM refresh_tokens WHERE token_hash = $1`, [
      hashToken(second.body.refresh_token as string),
    ]);
    expect(old.rotated_at).not.toBeNull();
    expect(old.replaced_by).toBe(next.id);
    expect(next).toMatchObject({
      client_id: client.clientId,
      grant_id: old.grant_id,
      user_id: userId,
      scope: SCOPE,
      launch_context: old.launch_context,
      online: false,
      rotated_at: null,
      revoked_at: null,
    });
    expect(Math.abs(Number(next.lifetime) - 120)).toBeLessThan(5);
    const plain = await rows(server, 'SELECT 1 FROM refresh_tokens WHERE token_hash = $1 OR token_hash = $2', [
      first.refresh_token,
      second.body.refresh_token,
    ]);
    expect(plain).toHaveLength(0);
  });

  it('takes one statement with the original scope string, and reads first for a narrower scope', async () => {
    const client = await createClient(server, 'symmetric');
    const { body: first } = await tokensFor(server, client);
    const same = await refreshTokenStatements(server, () => refresh(server, client, first.refresh_token as string, SCOPE));
    expect(same.result.status).toBe(200);
    expect(same.result.body.scope).toBe(SCOPE);
    expect(same.statements).toBe(1);

    const narrower = await refreshTokenStatements(server, () =>
      refresh(server, client, same.result.body.refresh_token as string, NARROWER),
    );
    expect(narrower.result.status).toBe(200);
    expect(narrower.result.body.scope).toBe(NARROWER);
    expect(narrower.statements).toBe(2);
    // The successor keeps the original scope: asking for it again is the one-statement path.
    const original = await refreshTokenStatements(server, () =>
      refresh(server, client, narrower.result.body.refresh_token as string, SCOPE),
    );
    expect(original.result.status).toBe(200);
    expect(original.result.body.scope).toBe(SCOPE);
    expect(original.statements).toBe(1);
  });

  it.each([
    ['no scope parameter', undefined, undefined],
    ['the original scope on both', SCOPE, SCOPE],
    ['a narrower scope on both', NARROWER, NARROWER],
    ['the original scope against a narrower one', SCOPE, NARROWER],
    ['no scope against a narrower one', undefined, NARROWER],
  ])('lets exactly one of two concurrent refreshes win (%s)', async (_label, scopeA, scopeB) => {
    const client = await createClient(server, 'public');
    const { body } = await tokensFor(server, client);
    const results = await Promise.all([
      refresh(server, client, body.refresh_token as string, scopeA),
      refresh(server, client, body.refresh_token as string, scopeB),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual([200, 400]);
    expect(results.find((result) => result.status === 400)?.body.error).toBe('invalid_grant');
    const winner = results.find((result) => result.status === 200);
    expect((await refresh(server, client, winner?.body.refresh_token as string)).status).toBe(200);
  });

  it.each([
    ['a malformed scope (refused before the token is read)', 'patient/Patient.zz launch/patient', 'invalid_scope'],
    ['a scope of spaces only (refused after the token checks)', '   ', 'invalid_grant'],
  ])('answers %s with invalid_scope without spending the token', async (_label, scope, onceSpent) => {
    expect(parseScopes(scope).scopes.length === 0 || parseScopes(scope).invalid.length > 0).toBe(true);
    const client = await createClient(server, 'public');
    const { body } = await tokensFor(server, client);
    const refused = await refresh(server, client, body.refresh_token as string, scope);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_scope');
    const rotated = await refresh(server, client, body.refresh_token as string);
    expect(rotated.status).toBe(200);
    const spent = await refresh(server, client, body.refresh_token as string, scope);
    expect(spent.status).toBe(400);
    expect(spent.body.error).toBe(onceSpent);
    expect((await refresh(server, client, rotated.body.refresh_token as string)).status).toBe(200);
  });

  it('refuses a broader scope on the one-statement path without spending the token', async () => {
    const client = await createClient(server, 'public');
    const { body } = await tokensFor(server, client, { scope: 'launch/patient offline_access patient/Patient.rs' });
    const broader = await refresh(
      server,
      client,
      body.refresh_token as string,
      'launch/patient offline_access patient/Patient.rs patient/Observation.rs',
    );
    expect(broader.status).toBe(400);
    expect(broader.body.error).toBe('invalid_scope');
    expect((await refresh(server, client, body.refresh_token as string)).status).toBe(200);
  });

  it.each([
    ['no scope parameter', undefined],
    ['the original scope', SCOPE],
  ])("refuses another client's token with invalid_grant and leaves it usable (%s)", async (_label, scope) => {
    const owner = await createClient(server, 'public');
    const other = await createClient(server, 'symmetric');
    const { body } = await tokensFor(server, owner);
    const response = await refresh(server, other, body.refresh_token as string, scope);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
    expect((await refresh(server, owner, body.refresh_token as string, scope)).status).toBe(200);
  });

  it.each([
    ['no scope parameter', undefined],
    ['the original scope', SCOPE],
  ])('refuses an expired token with invalid_grant (%s)', async (_label, scope) => {
    const client = await createClient(server, 'public', { refreshTokenTtl: 1 });
    const { body } = await tokensFor(server, client);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const response = await refresh(server, client, body.refresh_token as string, scope);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
  });

  it.each([
    ['no scope parameter', undefined],
    ['the original scope', SCOPE],
    ['a narrower scope', NARROWER],
  ])('refuses every token of a grant the user revoked (%s)', async (_label, scope) => {
    const client = await createClient(server, 'public');
    const { body, issued, userId } = await tokensFor(server, client);
    const rotated = await refresh(server, client, body.refresh_token as string);
    expect(rotated.status).toBe(200);
    expect(await server.app.get(GrantsService).revoke(issued.grantId, userId)).toBe(true);
    const response = await refresh(server, client, rotated.body.refresh_token as string, scope);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
  });

  it('refuses reuse with the original scope within the grace window, keeping the successor usable', async () => {
    const client = await createClient(server, 'public');
    const { body } = await tokensFor(server, client);
    const rotated = await refresh(server, client, body.refresh_token as string, SCOPE);
    expect(rotated.status).toBe(200);
    const reuse = await refresh(server, client, body.refresh_token as string, SCOPE);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await refresh(server, client, rotated.body.refresh_token as string, SCOPE)).status).toBe(200);
  });

  it('revokes the chain when a token rotated with the original scope is reused after the grace window', async () => {
    const client = await createClient(strict, 'public');
    const { body } = await tokensFor(strict, client);
    const rotated = await refresh(strict, client, body.refresh_token as string, SCOPE);
    expect(rotated.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const reuse = await refresh(strict, client, body.refresh_token as string, SCOPE);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    const newest = await refresh(strict, client, rotated.body.refresh_token as string, SCOPE);
    expect(newest.status).toBe(400);
    expect(newest.body.error).toBe('invalid_grant');
    expect(
      (await callAs(strict, await createIntrospector(strict), '/introspect', { token: rotated.body.access_token as string })).body,
    ).toEqual({ active: false });
  });

  it('checks the login session of online_access tokens before rotating, including one that expired', async () => {
    const client = await createClient(server, 'public');
    const user = await createUser(server);
    const { session } = await server.app.get(LoginSessionService).start(user.id, 'password');
    const scope = 'openid fhirUser online_access patient/Patient.rs launch/patient';
    const response = await redeem(server, client, await issueCode(server, client, user, { scope, loginSessionId: session.id }));
    expect(response.status).toBe(200);
    const online = await refreshTokenStatements(server, () => refresh(server, client, response.body.refresh_token as string, scope));
    expect(online.result.status).toBe(200);
    expect(online.result.body.scope).toBe(scope);
    expect(online.statements).toBe(2);
    await rows(server, "UPDATE login_sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [session.id]);
    const expired = await refresh(server, client, online.result.body.refresh_token as string);
    expect(expired.status).toBe(400);
    expect(expired.body.error).toBe('invalid_grant');
  });
});
