import { createLocalJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { ClientsService } from '../../src/clients/clients.service';
import { createUser, insertPatient, unique } from '../utils/authorize-fixtures';
import { driveAuthorization } from '../utils/authorize-flow';
import { generateClientKey } from '../utils/client-assertion';
import { startTestApp, TestApp } from '../utils/test-app';

// openid-client (v6) as a real relying party: discovery, authorization code + PKCE through the sign-in and
// consent pages, refresh, introspection, revocation, and private_key_jwt client credentials.
describe('real client: openid-client', () => {
  let server: TestApp;
  const insecure = { execute: [oidc.allowInsecureRequests] };

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  it('runs discovery, authorization code with PKCE, refresh, introspection and revocation', async () => {
    const redirectUri = `https://${unique('oidc-rp')}.example.org/callback`;
    const { client, clientSecret } = await server.app.get(ClientsService).create({
      name: unique('openid-client RP'),
      type: 'confidential-symmetric',
      tokenEndpointAuthMethod: 'client_secret_basic',
      redirectUris: [redirectUri],
      launchUrl: null,
      grantTypes: ['authorization_code', 'refresh_token'],
      scope: 'openid fhirUser profile launch/patient offline_access patient/*.rs',
      jwks: null,
      jwksUri: null,
      allowRefreshTokens: true,
    });
    const patientId = await insertPatient(server, 'Relyingparty');
    const { user, username, password } = await createUser(server, 'patient', `Patient/${patientId}`);

    const config = await oidc.discovery(
      new URL(server.baseUrl),
      client.clientId,
      undefined,
      oidc.ClientSecretBasic(clientSecret as string),
      insecure,
    );
    expect(config.serverMetadata().issuer).toBe(server.baseUrl);
    expect(config.serverMetadata().introspection_endpoint).toBe(`${server.baseUrl}/introspect`);
    expect(config.serverMetadata().revocation_endpoint).toBe(`${server.baseUrl}/revoke`);

    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const scope = 'openid fhirUser profile launch/patient offline_access patient/*.rs';
    const authorizationUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      aud: server.fhirBaseUrl,
    });
    expect(authorizationUrl.toString().startsWith(`${server.baseUrl}/authorize?`)).toBe(true);
    const result = await driveAuthorization(server.baseUrl, Object.fromEntries(authorizationUrl.searchParams), { username, password });
    expect(result.code).toEqual(expect.any(String));

    const tokens = await oidc.authorizationCodeGrant(config, new URL(result.location), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(typeof tokens.expires_in).toBe('number');
    expect(tokens.patient).toBe(patientId);
    expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'fhirUser', 'launch/patient', 'offline_access']));
    const claims = tokens.claims() as oidc.IDToken;
    expect(claims).toMatchObject({
      iss: server.baseUrl,
      sub: user.id,
      aud: client.clientId,
      nonce,
      fhirUser: `${server.fhirBaseUrl}/Patient/${patientId}`,
    });
    // OIDC Core §2 / RFC 8176: a password sign-in says so, with when it happened.
    expect(claims?.amr).toEqual(['pwd']);
    expect(claims?.auth_time).toEqual(expect.any(Number));
    // OIDC Core §2 acr: one factor.
    expect(claims?.acr).toBe('urn:smart-auth:acr:pwd');
    const jwks = createLocalJWKSet(await (await fetch(`${server.baseUrl}/.well-known/jwks.json`)).json());
    await expect(jwtVerify(tokens.id_token as string, jwks, { issuer: server.baseUrl, audience: client.clientId })).resolves.toMatchObject({
      payload: { sub: user.id, aud: client.clientId },
      protectedHeader: { alg: 'RS256' },
    });

    // OIDC Core §5.3: userinfo, found through discovery, answering for the id_token's subject.
    expect(config.serverMetadata().userinfo_endpoint).toBe(`${server.baseUrl}/userinfo`);
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    expect(userinfo).toMatchObject({ sub: user.id, fhirUser: `${server.fhirBaseUrl}/Patient/${patientId}`, name: user.displayName });

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.patient).toBe(patientId);

    const introspection = await oidc.tokenIntrospection(config, refreshed.access_token);
    expect(introspection).toMatchObject({
      active: true,
      client_id: client.clientId,
      sub: user.id,
      patient: patientId,
      iss: server.baseUrl,
    });
    expect(introspection.scope).toBe(refreshed.scope);

    await oidc.tokenRevocation(config, refreshed.refresh_token as string);
    expect(await oidc.tokenIntrospection(config, refreshed.access_token)).toEqual({ active: false });
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('gets a backend-services token with private_key_jwt client credentials', async () => {
    const key = await generateClientKey('ES384');
    const { client } = await server.app.get(ClientsService).create({
      name: unique('openid-client backend'),
      type: 'backend-service',
      tokenEndpointAuthMethod: 'private_key_jwt',
      redirectUris: [],
      launchUrl: null,
      grantTypes: ['client_credentials'],
      scope: 'system/Patient.rs system/Observation.rs',
      jwks: { keys: [key.publicJwk] },
      jwksUri: null,
    });
    const config = await oidc.discovery(
      new URL(server.baseUrl),
      client.clientId,
      undefined,
      oidc.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }),
      insecure,
    );
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'system/Patient.rs system/Observation.rs' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBeLessThanOrEqual(300);
    expect(tokens.scope).toBe('system/Patient.rs system/Observation.rs');
    expect(tokens.refresh_token).toBeUndefined();

    const introspection = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(introspection).toMatchObject({ active: true, client_id: client.clientId, sub: client.clientId });
    await oidc.tokenRevocation(config, tokens.access_token);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
  });
});
