import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { JTI_STATEMENTS } from '../../src/clients/authentication/client-assertion-jti.repository';
import { startTestApp, TestApp } from '../utils/test-app';
import { createClient, JWT_BEARER, postForm, TestClient } from './token-fixtures';

// Assertion jtis are written in batches shared by concurrent requests; these pin what the batching must keep.
describe.each(['async', 'sync'])('POST /token: client assertion jti under concurrency (JTI_COMMIT=%s)', (jtiCommit) => {
  let server: TestApp;
  let tokenUrl: string;
  let backend: TestClient;

  beforeAll(async () => {
    server = await startTestApp({ JTI_COMMIT: jtiCommit });
    tokenUrl = `${server.baseUrl}/token`;
    backend = await createClient(server, 'backend');
  });

  afterAll(async () => {
    await server.close();
  });

  const send = (assertion: string) =>
    postForm(tokenUrl, {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion,
    });

  it('accepts the same assertion exactly once when it arrives many times at once', async () => {
    const assertion = await backend.assertion!(tokenUrl);
    const responses = await Promise.all(Array.from({ length: 12 }, () => send(assertion)));
    expect(responses.filter((response) => response.status === 200)).toHaveLength(1);
    for (const refused of responses.filter((response) => response.status !== 200)) {
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_client');
    }
    expect((await send(assertion)).status).toBe(401);
  });

  it('accepts many distinct assertions sent at once, each once', async () => {
    const assertions = await Promise.all(Array.from({ length: 40 }, () => backend.assertion!(tokenUrl)));
    const responses = await Promise.all(assertions.map(send));
    expect(responses.map((response) => response.status)).toEqual(assertions.map(() => 200));
    const replays = await Promise.all(assertions.slice(0, 5).map(send));
    expect(replays.map((response) => response.status)).toEqual([401, 401, 401, 401, 401]);
  });

  it('refuses a jti PostgreSQL could not store without failing the requests sent alongside it', async () => {
    const hostile = ['nul\u0000jti', 'line\njti', 'lone\uD800surrogate'];
    const [bad, good] = await Promise.all([
      Promise.all(hostile.map(async (jti) => send(await backend.assertion!(tokenUrl, { jti })))),
      Promise.all(Array.from({ length: 6 }, async () => send(await backend.assertion!(tokenUrl)))),
    ]);
    for (const response of bad) {
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('invalid_client');
    }
    expect(good.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('keeps jtis per client: another client may use the same jti', async () => {
    const other = await createClient(server, 'backend');
    const jti = randomBytes(16).toString('hex');
    const [mine, theirs] = await Promise.all([
      send(await backend.assertion!(tokenUrl, { jti })),
      send(await other.assertion!(tokenUrl, { jti })),
    ]);
    expect([mine.status, theirs.status]).toEqual([200, 200]);
  });
});

describe('the asynchronous jti statement', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  it('switches synchronous_commit off for its own transaction only', async () => {
    const runner = server.app.get(DataSource).createQueryRunner();
    try {
      await runner.startTransaction();
      const rows = await runner.query(JTI_STATEMENTS.async.text, [
        ['client-x'],
        [randomBytes(8).toString('hex')],
        [new Date(Date.now() + 60_000)],
      ]);
      expect(rows).toHaveLength(1);
      expect(await runner.query('SHOW synchronous_commit')).toEqual([{ synchronous_commit: 'off' }]);
      await runner.rollbackTransaction();
      expect(await runner.query('SHOW synchronous_commit')).toEqual([{ synchronous_commit: 'on' }]);
    } finally {
      await runner.release();
    }
  });
});
