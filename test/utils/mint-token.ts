import { randomUUID } from 'node:crypto';
import { ClientIdTakenError, ClientsService } from '../../src/clients/clients.service';
import { AppConfig } from '../../src/config/app-config';
import { KeysService } from '../../src/keys/keys.service';
import { TestApp } from './test-app';

export interface MintOptions {
  scope: string;
  patient?: string;
  encounter?: string;
  fhirUser?: string;
  userRole?: 'patient' | 'practitioner';
  restrictedToPatients?: string[];
  sub?: string;
  clientId?: string;
  grantId?: string;
  jti?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  issuer?: string;
  audience?: string;
  typ?: string;
  /** Mint for `server` while signing with the keys of `signer` (another server's keys). */
  signer?: TestApp;
}

const registered = new Set<string>();

/**
 * The FHIR guard and introspection honour a token only while its client exists and is enabled, so
 * the client a minted token names is registered (once) in the shared test database.
 */
async function ensureClient(server: TestApp, clientId: string): Promise<void> {
  if (registered.has(clientId)) return;
  const settings = {
    name: `Minted ${clientId}`,
    type: 'backend-service' as const,
    tokenEndpointAuthMethod: 'private_key_jwt' as const,
    redirectUris: [],
    launchUrl: null,
    grantTypes: ['client_credentials'],
    scope: '',
    jwks: null,
    jwksUri: null,
  };
  await server.app
    .get(ClientsService)
    .create(settings, { clientId })
    .catch((error: unknown) => {
      if (!(error instanceof ClientIdTakenError)) throw error;
    });
  registered.add(clientId);
}

/** An access token exactly as the token endpoint mints it (docs/architecture.md, access-token contract). */
export async function mintAccessToken(server: TestApp, options: MintOptions): Promise<string> {
  const config = server.app.get(AppConfig);
  const now = Math.floor(Date.now() / 1000);
  const clientId = options.clientId ?? `client-${randomUUID()}`;
  await ensureClient(server, clientId);
  const claims: Record<string, unknown> = {
    iss: options.issuer ?? config.issuer,
    sub: options.sub ?? clientId,
    aud: options.audience ?? config.fhirBaseUrl,
    client_id: clientId,
    scope: options.scope,
    jti: options.jti ?? randomUUID(),
    iat: now,
    exp: now + (options.expiresIn ?? 3600),
  };
  if (options.grantId) claims.grant_id = options.grantId;
  if (options.patient) claims.patient = options.patient;
  if (options.encounter) claims.encounter = options.encounter;
  if (options.fhirUser) claims.fhirUser = options.fhirUser;
  if (options.userRole) claims.user_role = options.userRole;
  if (options.restrictedToPatients) claims.restricted_to_patients = options.restrictedToPatients;
  const signer = (options.signer ?? server).app.get(KeysService);
  return signer.sign(claims, config.accessTokenSigningAlg, options.typ ?? 'at+jwt');
}

export async function fhirFetch(
  server: Pick<TestApp, 'fhirBaseUrl'>,
  path: string,
  token: string | undefined,
  init: { method?: string; body?: unknown; contentType?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { Accept: 'application/fhir+json', ...init.headers };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['Content-Type'] = init.contentType ?? 'application/fhir+json';
  const response = await fetch(`${server.fhirBaseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, body };
}
