import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { AuthorizationCodeService } from '../../src/authorize/authorization-code.service';
import type { LaunchContext } from '../../src/authorize/launch-context.model';
import { ClientSettings, ClientsService, CreateClientOptions } from '../../src/clients/clients.service';
import { ClientEntity } from '../../src/clients/client.entity';
import { UserEntity } from '../../src/clients/user.entity';
import { UsersService } from '../../src/clients/users.service';
import { GrantsService } from '../../src/grants/grants.service';
import { dpopProof, DpopKey } from '../utils/dpop-proof';
import { TestApp } from '../utils/test-app';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface TestClient {
  client: ClientEntity;
  clientId: string;
  clientSecret: string | null;
  redirectUri: string;
  /** Signs private_key_jwt assertions (asymmetric clients only). */
  assertion?: (audience: string, overrides?: Record<string, unknown>) => Promise<string>;
}

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

export async function createUser(server: TestApp, role: 'patient' | 'practitioner' = 'practitioner'): Promise<UserEntity> {
  const username = unique('user');
  return server.app.get(UsersService).create({
    username,
    password: 'correct horse battery staple',
    displayName: `Dr ${username}`,
    fhirUser: role === 'patient' ? 'Patient/example-patient-1' : `Practitioner/${username}`,
    role,
  });
}

const DEFAULT_SCOPE = 'openid fhirUser profile launch/patient offline_access online_access patient/*.rs user/*.rs';

export async function createClient(
  server: TestApp,
  kind: 'public' | 'symmetric' | 'asymmetric' | 'backend',
  overrides: Partial<ClientSettings> = {},
  options: CreateClientOptions = {},
): Promise<TestClient> {
  const redirectUri = `https://${unique('app')}.example.org/callback`;
  const keys = kind === 'asymmetric' || kind === 'backend' ? await generateKeyPair('ES384', { extractable: true }) : null;
  const kid = randomUUID();
  const jwks = keys ? { keys: [{ ...(await exportJWK(keys.publicKey)), kid, alg: 'ES384', use: 'sig' }] } : null;
  const settings: ClientSettings = {
    name: unique(`${kind} client`),
    type:
      kind === 'public'
        ? 'public'
        : kind === 'symmetric'
          ? 'confidential-symmetric'
          : kind === 'asymmetric'
            ? 'confidential-asymmetric'
            : 'backend-service',
    tokenEndpointAuthMethod: kind === 'public' ? 'none' : kind === 'symmetric' ? 'client_secret_basic' : 'private_key_jwt',
    redirectUris: kind === 'backend' ? [] : [redirectUri],
    launchUrl: null,
    grantTypes: kind === 'backend' ? ['client_credentials'] : ['authorization_code', 'refresh_token'],
    scope: kind === 'backend' ? 'system/Patient.rs system/Observation.rs' : DEFAULT_SCOPE,
    jwks,
    jwksUri: null,
    allowRefreshTokens: kind !== 'backend',
    ...overrides,
  };
  const created = await server.app.get(ClientsService).create(settings, options);
  const clientId = created.client.clientId;
  return {
    client: created.client,
    clientId,
    clientSecret: created.clientSecret,
    redirectUri,
    assertion: keys
      ? (audience, overrides = {}) =>
          // Exactly the claims Inferno sends: iss, sub, aud, exp, jti (no iat).
          new SignJWT({
            iss: clientId,
            sub: clientId,
            aud: audience,
            exp: Math.floor(Date.now() / 1000) + 300,
            jti: randomBytes(32).toString('hex'),
            ...overrides,
          })
            .setProtectedHeader({ alg: 'ES384', kid, typ: 'JWT' })
            .sign(keys.privateKey)
      : undefined,
  };
}

/** A resource server's client: an operator flagged it to introspect every client's tokens (public clients may not). */
export function createIntrospector(server: TestApp): Promise<TestClient> {
  return createClient(server, 'symmetric', { mayIntrospectAnyToken: true });
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = `${randomUUID()}-${randomUUID()}`;
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface IssuedCode {
  code: string;
  verifier: string;
  grantId: string;
}

/** An authorization code as the authorize endpoint would issue it after consent. */
export async function issueCode(
  server: TestApp,
  client: TestClient,
  user: UserEntity,
  options: { scope?: string; launchContext?: LaunchContext; nonce?: string; loginSessionId?: string | null } = {},
): Promise<IssuedCode> {
  const scope = options.scope ?? 'openid fhirUser launch/patient offline_access patient/*.rs';
  const grant = await server.app.get(GrantsService).upsertApproval(user.id, client.clientId, scope);
  const { verifier, challenge } = pkcePair();
  const code = await server.app.get(AuthorizationCodeService).issue({
    clientId: client.clientId,
    redirectUri: client.redirectUri,
    codeChallenge: challenge,
    scope,
    launchContext: options.launchContext ?? { patient: 'example-patient-1', need_patient_banner: true },
    aud: server.fhirBaseUrl,
    userId: user.id,
    loginSessionId: options.loginSessionId ?? null,
    grantId: grant.id,
    nonce: options.nonce ?? null,
  });
  return { code, verifier, grantId: grant.id };
}

export interface FormResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function postForm(
  url: string,
  params: Record<string, string | string[]>,
  headers: Record<string, string> = {},
): Promise<FormResponse> {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) for (const item of [value].flat()) form.append(key, item);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: form.toString(),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Client authentication parameters and headers for `client` at `endpoint` (a full URL). */
export async function clientAuth(
  client: TestClient,
  endpoint: string,
): Promise<{ params: Record<string, string>; headers: Record<string, string> }> {
  if (client.client.tokenEndpointAuthMethod === 'client_secret_basic') {
    const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
    return { params: {}, headers: { Authorization: `Basic ${basic}` } };
  }
  if (client.client.tokenEndpointAuthMethod === 'private_key_jwt' && client.assertion) {
    return { params: { client_assertion_type: JWT_BEARER, client_assertion: await client.assertion(endpoint) }, headers: {} };
  }
  return { params: { client_id: client.clientId }, headers: {} };
}

/** POST to a token-family endpoint (`/token`, `/introspect`, `/revoke`) authenticated as `client`. */
export async function callAs(server: TestApp, client: TestClient, path: string, params: Record<string, string>): Promise<FormResponse> {
  const url = `${server.baseUrl}${path}`;
  const auth = await clientAuth(client, url);
  return postForm(url, { ...auth.params, ...params }, auth.headers);
}

/** Redeems `issued` for tokens. */
export function redeem(server: TestApp, client: TestClient, issued: IssuedCode, extra: Record<string, string> = {}): Promise<FormResponse> {
  return callAs(server, client, '/token', {
    grant_type: 'authorization_code',
    code: issued.code,
    redirect_uri: client.redirectUri,
    code_verifier: issued.verifier,
    ...extra,
  });
}

/** Redeems an issued code with a DPoP proof of `key` (RFC 9449 §5); the response's access token is DPoP-bound. */
export async function redeemWithDpop(server: TestApp, client: TestClient, issued: IssuedCode, key: DpopKey): Promise<string> {
  const tokenUrl = `${server.baseUrl}/token`;
  const auth = await clientAuth(client, tokenUrl);
  const response = await postForm(
    tokenUrl,
    {
      ...auth.params,
      grant_type: 'authorization_code',
      code: issued.code,
      redirect_uri: client.redirectUri,
      code_verifier: issued.verifier,
    },
    { ...auth.headers, DPoP: await dpopProof(key, 'POST', tokenUrl) },
  );
  if (response.body.token_type !== 'DPoP') throw new Error(`Expected a DPoP-bound token: ${JSON.stringify(response.body)}`);
  return response.body.access_token as string;
}
