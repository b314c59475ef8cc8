// smart-auth's public HTTP surface as the fault tests use it: the admin API (ADMIN_TOKEN) for clients and
// users, the real sign-in and consent pages for codes, and the OAuth endpoints. Every call is bounded in time.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { driveAuthorization, signedInJar, CookieJar } from '../../utils/authorize-flow';
import { Deployment } from './processes';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const REDIRECT_URI = 'https://app.example.org/callback';
/** Every request of the suite must be answered within this bound (no hang). */
export const REQUEST_BOUND_MS = 10_000;

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
  ms: number;
}

/** An answer, or `undefined` when no HTTP response came (connection refused or reset, timeout); `ms` either way. */
export async function send(
  url: string,
  init: RequestInit = {},
  boundMs = REQUEST_BOUND_MS,
): Promise<{ answer?: Answer; ms: number; error?: string }> {
  const started = Date.now();
  try {
    const response = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(boundMs) });
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const ms = Date.now() - started;
    return { answer: { status: response.status, headers: response.headers, text, body, ms }, ms };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ms: Date.now() - started, error: `${(error as Error).name}${cause ? ` ${cause}` : ''}` };
  }
}

export function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

export function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export interface SecretClient {
  clientId: string;
  secret: string;
}

export interface KeyClient {
  clientId: string;
  /** A fresh client assertion (RFC 7523) for `audience`, with a new jti each time. */
  assertion(audience: string): Promise<string>;
}

export interface User {
  username: string;
  password: string;
}

export class SmartApi {
  constructor(
    readonly shared: Deployment,
    readonly baseUrl: string,
  ) {}

  /** The same API through another process of the deployment. */
  via(baseUrl: string): SmartApi {
    return new SmartApi(this.shared, baseUrl);
  }

  get(path: string, headers: Record<string, string> = {}, boundMs?: number) {
    return send(`${this.baseUrl}${path}`, { headers }, boundMs);
  }

  async admin(path: string, payload: unknown): Promise<any> {
    const { answer, error } = await send(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.shared.adminToken}` },
      body: JSON.stringify(payload),
    });
    if (!answer || answer.status >= 300)
      throw new Error(`POST ${path}: ${answer ? `${answer.status} ${answer.text.slice(0, 300)}` : error}`);
    return answer.body;
  }

  async createUser(): Promise<User> {
    const user = { username: `faults-${randomUUID()}`, password: `${randomUUID()}-${randomUUID()}` };
    await this.admin('/admin/users', {
      ...user,
      display_name: 'Fault Test',
      role: 'practitioner',
      fhir_user: `Practitioner/${randomUUID()}`,
    });
    return user;
  }

  /** A confidential app (client_secret_basic) using the authorization code and refresh token grants. */
  async createApp(scope: string): Promise<SecretClient> {
    const body = await this.admin('/admin/clients', {
      client_name: `faults app ${randomUUID()}`,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope,
    });
    return { clientId: body.client_id, secret: body.client_secret };
  }

  /** An internal service using client_credentials with a secret (operator-created). */
  async createSecretService(scope: string): Promise<SecretClient> {
    const body = await this.admin('/admin/clients', {
      client_name: `faults service ${randomUUID()}`,
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope,
    });
    return { clientId: body.client_id, secret: body.client_secret };
  }

  /** A SMART Backend Services client authenticating with private_key_jwt (RFC 7523). */
  async createKeyService(scope: string): Promise<KeyClient> {
    const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
    const kid = randomUUID();
    const body = await this.admin('/admin/clients', {
      client_name: `faults backend ${randomUUID()}`,
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES384', use: 'sig' }] },
      scope,
    });
    const clientId = body.client_id as string;
    return {
      clientId,
      assertion: (audience) =>
        new SignJWT({
          iss: clientId,
          sub: clientId,
          aud: audience,
          exp: Math.floor(Date.now() / 1000) + 300,
          jti: randomBytes(24).toString('hex'),
        })
          .setProtectedHeader({ alg: 'ES384', kid, typ: 'JWT' })
          .sign(privateKey),
    };
  }

  async signIn(user: User): Promise<CookieJar> {
    return signedInJar(this.baseUrl, user);
  }

  /** `count` authorization codes through the real /authorize, consent pages (one signed-in browser). */
  async codes(
    app: SecretClient,
    jar: CookieJar,
    user: User,
    scope: string,
    count: number,
  ): Promise<Array<{ code: string; verifier: string }>> {
    const codes: Array<{ code: string; verifier: string }> = [];
    for (let index = 0; index < count; index++) {
      const verifier = randomBytes(32).toString('base64url');
      const result = await driveAuthorization(
        this.baseUrl,
        {
          response_type: 'code',
          client_id: app.clientId,
          redirect_uri: REDIRECT_URI,
          scope,
          state: randomUUID(),
          aud: `${this.shared.publicUrl}/fhir`,
          code_challenge: createHash('sha256').update(verifier).digest('base64url'),
          code_challenge_method: 'S256',
        },
        { ...user, jar },
      );
      if (!result.code) throw new Error(`no code: ${result.error} ${result.errorDescription ?? ''} (${result.pages.join(' → ')})`);
      codes.push({ code: result.code, verifier });
    }
    return codes;
  }

  token(params: Record<string, string>, authorization?: string, boundMs?: number) {
    return send(
      `${this.baseUrl}/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
        body: form(params),
      },
      boundMs,
    );
  }

  redeem(app: SecretClient, code: { code: string; verifier: string }, boundMs?: number) {
    return this.token(
      { grant_type: 'authorization_code', code: code.code, redirect_uri: REDIRECT_URI, code_verifier: code.verifier },
      basic(app.clientId, app.secret),
      boundMs,
    );
  }

  refresh(app: SecretClient, refreshToken: string, boundMs?: number) {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken }, basic(app.clientId, app.secret), boundMs);
  }

  clientCredentials(service: SecretClient, scope: string, boundMs?: number) {
    return this.token({ grant_type: 'client_credentials', scope }, basic(service.clientId, service.secret), boundMs);
  }

  async assertionBody(service: KeyClient, scope: string): Promise<string> {
    return form({
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: JWT_BEARER,
      client_assertion: await service.assertion(`${this.shared.publicUrl}/token`),
    });
  }

  postToken(body: string, boundMs?: number) {
    return send(
      `${this.baseUrl}/token`,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
      boundMs,
    );
  }

  revoke(client: SecretClient, token: string, boundMs?: number) {
    return send(
      `${this.baseUrl}/revoke`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.clientId, client.secret) },
        body: form({ token }),
      },
      boundMs,
    );
  }

  introspect(client: SecretClient, token: string, boundMs?: number) {
    return send(
      `${this.baseUrl}/introspect`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.clientId, client.secret) },
        body: form({ token }),
      },
      boundMs,
    );
  }

  fhir(path: string, accessToken: string, init: { method?: string; body?: unknown } = {}, boundMs?: number) {
    return send(
      `${this.baseUrl}/fhir${path}`,
      {
        method: init.method ?? 'GET',
        headers: {
          accept: 'application/fhir+json',
          authorization: `Bearer ${accessToken}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/fhir+json' }),
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      },
      boundMs,
    );
  }
}
