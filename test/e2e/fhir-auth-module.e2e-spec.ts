import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { FhirAuthModule, FhirAuthOptions, PublicFhirRoute, RequiresFhirAccess, SmartContext, SmartContextValue } from '../../src/fhir-auth';
import { RevocationService } from '../../src/revocation/revocation.service';
import { freePort } from '../../src/database/embedded-postgres';
import { fhirFetch, mintAccessToken } from '../utils/mint-token';
import { ModuleResourceServer, startModuleResourceServer } from '../utils/module-resource-server';
import { startTestApp, TestApp } from '../utils/test-app';
import { within } from '../utils/test-clock';
import { UsersService } from '../../src/clients/users.service';
import { createClient, issueCode, redeem } from './token-fixtures';

// A separate NestJS resource server protecting its own routes with FhirAuthModule.forRoot (README section
// "FHIR API and the scope guard"), validating this server's tokens offline (JWKS) or through introspection.
@Controller('fhir')
class ResourceServerController {
  @Get('Patient/:id')
  @RequiresFhirAccess('Patient', 'r')
  read(@SmartContext() context: SmartContextValue): Record<string, unknown> {
    return { clientId: context.clientId, patient: context.patient ?? null, scopes: context.scopes.map((scope) => scope.raw) };
  }

  @Get('undeclared')
  undeclared(): string {
    return 'must never be served';
  }

  @Get('open')
  @PublicFhirRoute()
  open(): string {
    return 'public';
  }
}

async function startResourceServer(options: FhirAuthOptions): Promise<{ url: string; close(): Promise<void> }> {
  @Module({ imports: [FhirAuthModule.forRoot(options)], controllers: [ResourceServerController] })
  class ResourceServerModule {}
  const app = await NestFactory.create<NestFastifyApplication>(ResourceServerModule, new FastifyAdapter(), { logger: false });
  const port = await freePort();
  await app.listen(port, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}/fhir`, close: () => app.close() };
}

describe.each(['jwks', 'introspection'] as const)('FhirAuthModule in another resource server (%s)', (mode) => {
  let server: TestApp;
  let resourceServer: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    server = await startTestApp();
    // Introspection answers are reused for 150 ms here (2 s by default), so the revocation test need not wait.
    const options: FhirAuthOptions = { issuer: server.baseUrl, audience: server.fhirBaseUrl, cache: { stateTtlMs: 150 } };
    if (mode === 'jwks') options.jwksUri = `${server.baseUrl}/.well-known/jwks.json`;
    else {
      // Introspecting other clients' tokens is an operator flag on the resource server's client.
      const introspector = await createClient(server, 'backend', { scope: '__introspect', mayIntrospectAnyToken: true });
      options.introspection = {
        url: `${server.baseUrl}/introspect`,
        bearerToken: await mintAccessToken(server, { scope: '__introspect', clientId: introspector.clientId }),
      };
    }
    resourceServer = await startResourceServer(options);
  });

  afterAll(async () => {
    await resourceServer.close();
    await server.close();
  });

  const get = (path: string, token?: string) =>
    fetch(`${resourceServer.url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

  it('serves a covered request and hands the SMART context to the handler', async () => {
    const token = await mintAccessToken(server, { scope: 'patient/Patient.rs launch/patient', patient: 'p-1', clientId: 'rs-client' });
    const response = await get('/Patient/p-1', token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ clientId: 'rs-client', patient: 'p-1', scopes: ['patient/Patient.rs', 'launch/patient'] });
  });

  it('answers 401 with an OperationOutcome without a token and 403 without the scope', async () => {
    const missing = await get('/Patient/p-1');
    expect(missing.status).toBe(401);
    // RFC 6750 §3.1: no credentials, no error code; a bad token still gets invalid_token.
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+"$/);
    const bad = await get('/Patient/p-1', 'not-a-jwt');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await missing.json()).resourceType).toBe('OperationOutcome');
    const token = await mintAccessToken(server, { scope: 'patient/Observation.rs', patient: 'p-1' });
    const refused = await get('/Patient/p-1', token);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain('scope="patient/Patient.r"');
  });

  it('refuses a route under the FHIR base that declares no requirement (default deny), even with a token', async () => {
    const token = await mintAccessToken(server, { scope: 'system/*.cruds' });
    expect((await get('/undeclared')).status).toBe(401);
    const response = await get('/undeclared', token);
    expect(response.status).toBe(403);
    expect((await response.json()).resourceType).toBe('OperationOutcome');
    expect((await get('/open')).status).toBe(200);
  });

  it('refuses tokens for another audience', async () => {
    const token = await mintAccessToken(server, { scope: 'system/Patient.r', audience: 'https://elsewhere.example.org/fhir' });
    expect((await get('/Patient/p-1', token)).status).toBe(401);
  });

  if (mode === 'introspection') {
    it('stops honouring a revoked token within the configured answer lifetime', async () => {
      const jti = randomUUID();
      const token = await mintAccessToken(server, { scope: 'system/Patient.r', jti });
      expect((await get('/Patient/p-1', token)).status).toBe(200);
      await server.app.get(RevocationService).revokeAccessToken(jti, new Date(Date.now() + 3600_000));
      await within(3000, async () => (await get('/Patient/p-1', token)).status === 401);
    });
  }
});

// With introspection, the module used to confine nothing (the answer did not say the user's role)
// and to accept a refresh token as a bearer token. Real tokens from /token, a module-protected FHIR API.
describe.each(['jwks', 'introspection'] as const)('FhirAuthModule confinement with real tokens (%s)', (mode) => {
  let server: TestApp;
  let resourceServer: ModuleResourceServer;
  const run = randomUUID().slice(0, 8);
  const own = `own-obs-${run}`;
  const other = `other-obs-${run}`;
  // Patients of this test only: the shared database's demo patients are other tests' fixtures.
  const ownPatient = `module-own-${run}`;
  const otherPatient = `module-other-${run}`;

  beforeAll(async () => {
    server = await startTestApp();
    const admin = await mintAccessToken(server, { scope: 'system/*.cruds' });
    for (const [id, patient] of [
      [own, ownPatient],
      [other, otherPatient],
    ]) {
      const body = {
        resourceType: 'Observation',
        id,
        status: 'final',
        code: { text: 'module test' },
        subject: { reference: `Patient/${patient}` },
      };
      expect([200, 201]).toContain((await fhirFetch(server, `/Observation/${id}`, admin, { method: 'PUT', body })).status);
    }
    resourceServer = await startModuleResourceServer(server, mode, `Bearer ${admin}`);
  });

  afterAll(async () => {
    await resourceServer?.close();
    await server?.close();
  });

  async function patientUserTokens(): Promise<Record<string, unknown>> {
    const client = await createClient(server, 'symmetric');
    const user = await server.app.get(UsersService).create({
      username: `module-patient-${randomUUID()}`,
      password: 'correct horse battery staple',
      displayName: 'Module Patient',
      fhirUser: `Patient/${ownPatient}`,
      role: 'patient',
    });
    const tokens = await redeem(
      server,
      client,
      await issueCode(server, client, user, { scope: 'openid fhirUser offline_access user/Observation.rs', launchContext: {} }),
    );
    expect(tokens.status).toBe(200);
    return tokens.body;
  }

  it('confines a patient user holding user/Observation.rs to their own data', async () => {
    const tokens = await patientUserTokens();
    const access = tokens.access_token as string;
    const search = await fhirFetch(resourceServer, `/Observation?_id=${own},${other}`, access);
    expect(search.status).toBe(200);
    expect(search.body.entry.map((entry: any) => entry.resource.id)).toEqual([own]);
    expect((await fhirFetch(resourceServer, `/Observation/${other}`, access)).status).toBe(404);
    expect((await fhirFetch(resourceServer, `/Observation/${own}`, access)).status).toBe(200);
  });

  it('refuses a refresh token presented as a bearer token (401)', async () => {
    const tokens = await patientUserTokens();
    const response = await fhirFetch(resourceServer, `/Observation/${own}`, tokens.refresh_token as string);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});
