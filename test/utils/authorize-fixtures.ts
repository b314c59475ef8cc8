import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ClientsService } from '../../src/clients/clients.service';
import { UserEntity } from '../../src/clients/user.entity';
import { UsersService } from '../../src/clients/users.service';
import { TestApp } from './test-app';

export const APP_SCOPE =
  'openid fhirUser profile launch launch/patient launch/encounter offline_access online_access patient/*.cruds user/*.cruds patient/*.read user/*.read';

export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function createUser(
  server: TestApp,
  role: 'patient' | 'practitioner',
  fhirUser: string,
  extra: { restrictedToPatients?: string[] } = {},
): Promise<{ user: UserEntity; username: string; password: string }> {
  const username = unique(role);
  const password = `pw-${randomUUID()}`;
  const user = await server.app.get(UsersService).create({ username, password, displayName: `Test ${username}`, fhirUser, role, ...extra });
  return { user, username, password };
}

export async function createApp(
  server: TestApp,
  settings: { scope?: string; redirectUris?: string[]; launchUrl?: string } = {},
): Promise<{ clientId: string; redirectUri: string }> {
  const redirectUri = settings.redirectUris?.[0] ?? `https://${unique('app')}.example.org/callback`;
  const { client } = await server.app.get(ClientsService).create({
    name: unique('Test app'),
    type: 'public',
    tokenEndpointAuthMethod: 'none',
    redirectUris: settings.redirectUris ?? [redirectUri],
    launchUrl: settings.launchUrl ?? null,
    grantTypes: ['authorization_code', 'refresh_token'],
    scope: settings.scope ?? APP_SCOPE,
    jwks: null,
    jwksUri: null,
    allowRefreshTokens: true,
  });
  return { clientId: client.clientId, redirectUri };
}

export async function createEhr(server: TestApp, mayCreateLaunchContexts = true): Promise<{ clientId: string; basic: string }> {
  const { client, clientSecret } = await server.app.get(ClientsService).create({
    name: unique('Test EHR'),
    type: 'confidential-symmetric',
    tokenEndpointAuthMethod: 'client_secret_basic',
    redirectUris: [],
    launchUrl: null,
    grantTypes: ['client_credentials'],
    scope: '',
    jwks: null,
    jwksUri: null,
    mayCreateLaunchContexts,
  });
  return { clientId: client.clientId, basic: `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}` };
}

/** Writes straight into the FHIR store's table, as the pickers read it. */
export async function insertResource(
  server: TestApp,
  resource: { resourceType: string; id: string } & Record<string, unknown>,
): Promise<void> {
  await server.app.get(DataSource).query(
    `INSERT INTO fhir_resources (resource_type, id, version_id, last_updated, resource, deleted) VALUES ($1, $2, 1, now(), $3, false)
       ON CONFLICT (resource_type, id) DO UPDATE SET resource = EXCLUDED.resource`,
    [resource.resourceType, resource.id, JSON.stringify(resource)],
  );
}

export async function insertPatient(server: TestApp, family: string): Promise<string> {
  const id = unique('pat');
  await insertResource(server, {
    resourceType: 'Patient',
    id,
    name: [{ given: ['Test'], family }],
    birthDate: '1980-01-02',
    gender: 'female',
  });
  return id;
}

export async function insertEncounter(server: TestApp, patientId: string): Promise<string> {
  const id = unique('enc');
  await insertResource(server, {
    resourceType: 'Encounter',
    id,
    status: 'finished',
    class: { code: 'AMB', display: 'ambulatory' },
    subject: { reference: `Patient/${patientId}` },
    period: { start: '2024-03-04T10:00:00Z' },
  });
  return id;
}

export function authorizeParams(
  server: TestApp,
  app: { clientId: string; redirectUri: string },
  challenge: string,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: app.clientId,
    redirect_uri: app.redirectUri,
    scope: 'openid fhirUser launch/patient patient/*.rs',
    state: `state-${randomUUID()}&x=1`,
    aud: server.fhirBaseUrl,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
