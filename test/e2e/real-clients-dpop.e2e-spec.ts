import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { ClientsService } from '../../src/clients/clients.service';
import { createUser, insertPatient, unique } from '../utils/authorize-fixtures';
import { driveAuthorization } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

// openid-client v6 (oauth4webapi's DPoP support underneath) as a real public client holding a DPoP key:
// RFC 9449 code flow, a FHIR read, refresh; and the attacks a stolen token or proof would be used for.
describe('real client: openid-client with DPoP', () => {
  let server: TestApp;
  const insecure = { execute: [oidc.allowInsecureRequests] };

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(() => server.close());

  it('binds tokens with DPoP, reads FHIR with proofs, refreshes with the same key and refuses the attacks', async () => {
    const redirectUri = `https://${unique('dpop-rp')}.example.org/callback`;
    const scope = 'openid fhirUser launch/patient offline_access patient/*.rs';
    const { client } = await server.app.get(ClientsService).create({
      name: unique('openid-client DPoP'),
      type: 'public',
      tokenEndpointAuthMethod: 'none',
      redirectUris: [redirectUri],
      launchUrl: null,
      grantTypes: ['authorization_code', 'refresh_token'],
      scope,
      jwks: null,
      jwksUri: null,
      allowRefreshTokens: true,
    });
    const patientId = await insertPatient(server, 'Dpop');
    const { username, password } = await createUser(server, 'patient', `Patient/${patientId}`);

    const config = await oidc.discovery(new URL(server.baseUrl), client.clientId, undefined, oidc.None(), insecure);
    expect(config.serverMetadata().dpop_signing_alg_values_supported).toContain('ES256');
    const keyPair = await oidc.randomDPoPKeyPair('ES256');
    const DPoP = oidc.getDPoPHandle(config, keyPair);

    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const authorizationUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      aud: server.fhirBaseUrl,
    });
    const result = await driveAuthorization(server.baseUrl, Object.fromEntries(authorizationUrl.searchParams), { username, password });
    const tokens = await oidc.authorizationCodeGrant(
      config,
      new URL(result.location),
      { pkceCodeVerifier: verifier, expectedState: state },
      undefined,
      { DPoP },
    );
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: expect.any(String) });

    // A FHIR read with a proof for this request.
    const patientUrl = new URL(`${server.fhirBaseUrl}/Patient/${patientId}`);
    const read = await oidc.fetchProtectedResource(config, tokens.access_token, patientUrl, 'GET', undefined, undefined, { DPoP });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { id: string }).id).toBe(patientId);

    // The stolen token as a bearer token is refused.
    const asBearer = await fetch(patientUrl, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_token"/);

    // Proofs the client library makes for a request, captured instead of sent (the server never sees them).
    let capturing: string[] | null = null;
    config[oidc.customFetch] = async (url: string, init: oidc.CustomFetchOptions) => {
      if (!capturing) return fetch(url, init as RequestInit);
      capturing.push(new Headers(init.headers as HeadersInit).get('dpop') as string);
      return new Response(null, { status: 204 });
    };
    const proofFor = async (url: URL, method: string): Promise<string> => {
      const seen: string[] = [];
      capturing = seen;
      try {
        await oidc.fetchProtectedResource(config, tokens.access_token, url, method, undefined, undefined, { DPoP });
      } finally {
        capturing = null;
      }
      expect(seen[0]).toEqual(expect.any(String));
      return seen[0];
    };
    const send = (url: URL, method: string, proof: string) =>
      fetch(url, { method, headers: { Authorization: `DPoP ${tokens.access_token}`, DPoP: proof } });

    // A proof used once (sent by the library itself) cannot be replayed.
    const used = await proofFor(patientUrl, 'GET');
    expect((await send(patientUrl, 'GET', used)).status).toBe(200);
    const replay = await send(patientUrl, 'GET', used);
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"');

    // A fresh, unused proof for one request does not authorize another URL or method.
    const forObservations = await proofFor(new URL(`${server.fhirBaseUrl}/Observation?patient=${patientId}`), 'GET');
    const wrongHtu = await send(patientUrl, 'GET', forObservations);
    expect(wrongHtu.status).toBe(401);
    expect(wrongHtu.headers.get('www-authenticate')).toContain('htu');
    const forPost = await proofFor(patientUrl, 'POST');
    const wrongHtm = await send(patientUrl, 'GET', forPost);
    expect(wrongHtm.status).toBe(401);
    expect(wrongHtm.headers.get('www-authenticate')).toContain('htm');
    // The same kind of fresh proof, for the right request, is accepted: the refusals above were about htu/htm.
    expect((await send(patientUrl, 'GET', await proofFor(patientUrl, 'GET'))).status).toBe(200);

    // A public client's refresh token is bound to the key: another key is refused, the same key works.
    const thief = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token as string, undefined, { DPoP: thief })).rejects.toMatchObject({
      error: 'invalid_dpop_proof',
    });
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_dpop_proof' });
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string, undefined, { DPoP });
    expect(refreshed.token_type.toLowerCase()).toBe('dpop');
    expect(decodeJwt(refreshed.access_token).cnf).toEqual(decodeJwt(tokens.access_token).cnf);
  });
});
