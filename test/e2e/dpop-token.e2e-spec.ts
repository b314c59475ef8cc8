import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { dpopKey, dpopProof } from '../utils/dpop-proof';
import { startTestApp, TestApp } from '../utils/test-app';
import { clientAuth, createClient, createUser, issueCode, postForm, TestClient } from './token-fixtures';

const SCOPE = 'openid fhirUser launch/patient offline_access patient/Patient.rs';

// RFC 9449 §5: DPoP proofs at the token endpoint.
describe('POST /token with DPoP', () => {
  let server: TestApp;
  let tokenUrl: string;

  beforeAll(async () => {
    server = await startTestApp();
    tokenUrl = `${server.baseUrl}/token`;
  });

  afterAll(() => server.close());

  async function call(client: TestClient, params: Record<string, string>, proof?: string | string[]) {
    const auth = await clientAuth(client, tokenUrl);
    const headers: Record<string, string> = { ...auth.headers };
    if (typeof proof === 'string') headers.DPoP = proof;
    if (Array.isArray(proof)) headers.DPoP = proof.join(', ');
    return postForm(tokenUrl, { ...auth.params, ...params }, headers);
  }

  async function codeParams(client: TestClient) {
    const issued = await issueCode(server, client, await createUser(server), { scope: SCOPE });
    return { grant_type: 'authorization_code', code: issued.code, redirect_uri: client.redirectUri, code_verifier: issued.verifier };
  }

  it('binds the access token to the proof key: cnf.jkt and token_type DPoP', async () => {
    const client = await createClient(server, 'public');
    const key = await dpopKey();
    const response = await call(client, await codeParams(client), await dpopProof(key, 'POST', tokenUrl));
    expect(response.status).toBe(200);
    expect(response.body.token_type).toBe('DPoP');
    expect(decodeJwt(response.body.access_token as string).cnf).toEqual({ jkt: await calculateJwkThumbprint(key.publicJwk) });
  });

  it('keeps issuing Bearer tokens without a proof', async () => {
    const client = await createClient(server, 'public');
    const response = await call(client, await codeParams(client));
    expect(response.status).toBe(200);
    expect(response.body.token_type).toBe('Bearer');
    expect(decodeJwt(response.body.access_token as string).cnf).toBeUndefined();
  });

  it('refuses a replayed proof with invalid_dpop_proof', async () => {
    const client = await createClient(server, 'public');
    const key = await dpopKey();
    const proof = await dpopProof(key, 'POST', tokenUrl);
    expect((await call(client, await codeParams(client), proof)).status).toBe(200);
    const replay = await call(client, await codeParams(client), proof);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_dpop_proof');
  });

  it('refuses bad proofs with 400 invalid_dpop_proof and spends no code', async () => {
    const client = await createClient(server, 'public');
    const key = await dpopKey();
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const now = Math.floor(Date.now() / 1000);
    const bad: Record<string, string | string[]> = {
      'another htm': await dpopProof(key, 'GET', tokenUrl),
      'another htu': await dpopProof(key, 'POST', `${server.baseUrl}/introspect`),
      'another host': await dpopProof(key, 'POST', 'https://attacker.example/token'),
      'an old iat': await dpopProof(key, 'POST', tokenUrl, { claims: { iat: now - 3600 } }),
      'a future iat': await dpopProof(key, 'POST', tokenUrl, { claims: { iat: now + 3600 } }),
      'no jti': await dpopProof(key, 'POST', tokenUrl, { claims: { jti: undefined } }),
      'an ath at /token': await dpopProof(key, 'POST', tokenUrl, { accessToken: 'x' }),
      'the wrong typ': await dpopProof(key, 'POST', tokenUrl, { header: { typ: 'JWT' } }),
      'a private jwk': await dpopProof(key, 'POST', tokenUrl, { header: { jwk: await exportJWK(privateKey) } }),
      'a key other than the signer': await dpopProof(key, 'POST', tokenUrl, { header: { jwk: (await dpopKey()).publicJwk } }),
      'a symmetric alg': 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImRwb3Arand0In0.eyJodG0iOiJQT1NUIn0.c2ln',
      'two proofs': [await dpopProof(key, 'POST', tokenUrl), await dpopProof(key, 'POST', tokenUrl)],
      garbage: 'not-a-jwt',
    };
    const params = await codeParams(client);
    for (const [name, proof] of Object.entries(bad)) {
      const response = await call(client, params, proof);
      expect({ name, status: response.status, error: response.body.error }).toEqual({ name, status: 400, error: 'invalid_dpop_proof' });
    }
    // None of the refusals redeemed the code.
    expect((await call(client, params, await dpopProof(key, 'POST', tokenUrl))).status).toBe(200);
  });

  it('binds the refresh token of a public client: a refresh needs a proof with the same key', async () => {
    const client = await createClient(server, 'public');
    const key = await dpopKey();
    const first = await call(client, await codeParams(client), await dpopProof(key, 'POST', tokenUrl));
    expect(first.status).toBe(200);
    const refresh = (token: string) => ({ grant_type: 'refresh_token', refresh_token: token });

    const otherKey = await call(client, refresh(first.body.refresh_token as string), await dpopProof(await dpopKey(), 'POST', tokenUrl));
    expect(otherKey.status).toBe(400);
    expect(otherKey.body.error).toBe('invalid_dpop_proof');
    const noProof = await call(client, refresh(first.body.refresh_token as string));
    expect(noProof.status).toBe(400);
    expect(noProof.body.error).toBe('invalid_dpop_proof');

    // The refused attempts did not spend it.
    const same = await call(client, refresh(first.body.refresh_token as string), await dpopProof(key, 'POST', tokenUrl));
    expect(same.status).toBe(200);
    expect(same.body.token_type).toBe('DPoP');
    expect(decodeJwt(same.body.access_token as string).cnf).toEqual({ jkt: await calculateJwkThumbprint(key.publicJwk) });
  });
});

// RFC 9449 §5.1: every metadata document names the proof algorithms.
describe('DPoP discovery', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ CORS_ALLOWED_ORIGINS: 'https://dpop-app.example.org' });
  });

  it.each(['/token', '/fhir/Patient'])('lets browser apps send the DPoP header to %s (CORS preflight)', async (path) => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://dpop-app.example.org',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'dpop, authorization',
      },
    });
    expect(response.headers.get('access-control-allow-headers')).toMatch(/\bDPoP\b/);
  });

  afterAll(() => server.close());

  it.each(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/.well-known/smart-configuration'])(
    '%s lists dpop_signing_alg_values_supported',
    async (path) => {
      const document = (await (await fetch(`${server.baseUrl}${path}`)).json()) as Record<string, unknown>;
      expect(document.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'RS256', 'PS256', 'ES384']));
      expect(document.dpop_signing_alg_values_supported).not.toContain('HS256');
    },
  );
});
