import { randomBytes } from 'node:crypto';
import { startTestApp, TestApp } from '../utils/test-app';
import { createClient, JWT_BEARER, postForm, TestClient } from './token-fixtures';

// Assertion jtis are written in batches shared by concurrent requests; these pin what the batching must keep.
describe('POST /token: client assertion jti under concurrency', () => {
  let server: TestApp;
  let tokenUrl: string;
  let backend: TestClient;

  beforeAll(async () => {
    server = await startTestApp();
    tokenUrl = `${server.baseUrl}/token`;
    backend = await createClient(server, 'backend');
  });

  afterAll(async () => {
    await server.close();
  });

  const send = (assertion: string) =>
    postForm(tokenUrl, { grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: JWT_BEARER, client_assertion: assertion });

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
