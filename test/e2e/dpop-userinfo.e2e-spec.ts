import { dpopKey, dpopProof, DpopKey } from '../utils/dpop-proof';
import { startTestApp, TestApp } from '../utils/test-app';
import { createClient, createUser, issueCode, redeemWithDpop } from './token-fixtures';

// RFC 9449 §7: a DPoP-bound access token is sender-constrained at /userinfo as at /fhir: a thief holding only the
// token (not the key) gets nothing by sending it as Bearer.
describe('DPoP at /userinfo', () => {
  let server: TestApp;
  const userinfoUrl = (): string => `${server.baseUrl}/userinfo`;

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  async function boundToken(key: DpopKey): Promise<{ token: string; sub: string }> {
    const client = await createClient(server, 'public');
    const user = await createUser(server, 'patient');
    const issued = await issueCode(server, client, user, { scope: 'openid profile' });
    return { token: await redeemWithDpop(server, client, issued, key), sub: user.id };
  }

  const userinfo = (authorization: string, proof?: string): Promise<Response> =>
    fetch(userinfoUrl(), { headers: { Authorization: authorization, ...(proof ? { DPoP: proof } : {}) } });

  it('answers with the DPoP scheme and a proof for this request, token and key', async () => {
    const key = await dpopKey();
    const { token, sub } = await boundToken(key);
    const response = await userinfo(`DPoP ${token}`, await dpopProof(key, 'GET', userinfoUrl(), { accessToken: token }));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { sub: string }).sub).toBe(sub);
  });

  it('refuses the bound token sent as Bearer, with or without a proof', async () => {
    const key = await dpopKey();
    const { token } = await boundToken(key);
    for (const proof of [undefined, await dpopProof(key, 'GET', userinfoUrl(), { accessToken: token })]) {
      const response = await userinfo(`Bearer ${token}`, proof);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_token');
    }
  });

  it('refuses a missing proof, a proof by another key and a replayed proof', async () => {
    const key = await dpopKey();
    const { token } = await boundToken(key);
    expect((await userinfo(`DPoP ${token}`)).status).toBe(401);
    const other = await dpopKey();
    expect((await userinfo(`DPoP ${token}`, await dpopProof(other, 'GET', userinfoUrl(), { accessToken: token }))).status).toBe(401);
    const proof = await dpopProof(key, 'GET', userinfoUrl(), { accessToken: token });
    expect((await userinfo(`DPoP ${token}`, proof)).status).toBe(200);
    expect((await userinfo(`DPoP ${token}`, proof)).status).toBe(401);
  });
});
