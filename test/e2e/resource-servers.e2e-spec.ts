import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { decodeJwt } from 'jose';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from '../../src/database/embedded-postgres';
import { FhirAuthModule, FhirAuthOptions, RequiresFhirAccess, SmartContext, SmartContextValue } from '../../src/fhir-auth';
import { authorizeParams, createApp, createUser, insertPatient, pkce } from '../utils/authorize-fixtures';
import { driveAuthorization } from '../utils/authorize-flow';
import { ensureBuilt } from '../utils/ensure-built';
import { fhirFetch } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';
import { callAs, createClient, createIntrospector, postForm, TestClient } from './token-fixtures';

// RFC 8707: every token used to carry aud = $PUBLIC_URL/fhir, so a second resource server had to share it and
// every token replayed there. Operators now register resource servers; tokens for one carry its audience.

@Controller('fhir')
class ObservationController {
  @Get('Observation')
  @RequiresFhirAccess('Observation', 's')
  search(@SmartContext() context: SmartContextValue): Record<string, unknown> {
    return { resourceType: 'Bundle', type: 'searchset', clientId: context.clientId, scopes: context.scopes.map((scope) => scope.raw) };
  }
}

/** Another resource server protected by FhirAuthModule.forRoot with its own audience, on `port`. */
async function startModuleServer(port: number, options: FhirAuthOptions): Promise<{ fhirBaseUrl: string; close(): Promise<void> }> {
  @Module({ imports: [FhirAuthModule.forRoot(options)], controllers: [ObservationController] })
  class ModuleServer {}
  const app = await NestFactory.create<NestFastifyApplication>(ModuleServer, new FastifyAdapter(), { logger: false });
  await app.listen(port, '127.0.0.1');
  return { fhirBaseUrl: `http://127.0.0.1:${port}/fhir`, close: () => app.close() };
}

const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;
const CEILING = 'patient/Observation.rs user/Observation.rs system/Observation.rs';

describe('resource servers with their own audience (RFC 8707)', () => {
  let server: TestApp;
  let jwksServer: { fhirBaseUrl: string; close(): Promise<void> };
  let introspectionServer: { fhirBaseUrl: string; close(): Promise<void> };
  let baseA: string;
  let app: { clientId: string; redirectUri: string };
  let username: string;
  let password: string;

  const admin = async (method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) => {
    const headers: Record<string, string> = body === undefined ? {} : { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(`${server.baseUrl}/admin/resource-servers${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    server = await startTestApp({ ADMIN_TOKEN });
    const [jwksPort, introspectionPort] = [await freePort(), await freePort()];
    baseA = `http://127.0.0.1:${jwksPort}/fhir`;
    // Resource server A, registered with the default audience (its base URL) and a narrower scope ceiling.
    expect((await admin('POST', '', { base_url: baseA, scope: CEILING })).status).toBe(201);
    jwksServer = await startModuleServer(jwksPort, {
      issuer: server.baseUrl,
      audience: baseA,
      jwksUri: `${server.baseUrl}/.well-known/jwks.json`,
    });
    // The same audience verified through introspection by a client the operator allowed to introspect any token.
    const { clientId, clientSecret } = await createIntrospector(server);
    introspectionServer = await startModuleServer(introspectionPort, {
      issuer: server.baseUrl,
      audience: baseA,
      introspection: { url: `${server.baseUrl}/introspect`, clientId, clientSecret: clientSecret as string },
    });
    app = await createApp(server);
    const patient = await insertPatient(server, 'Audience');
    ({ username, password } = await createUser(server, 'patient', `Patient/${patient}`));
  });

  afterAll(async () => {
    await introspectionServer?.close();
    await jwksServer?.close();
    await server?.close();
  });

  async function authorize(overrides: Record<string, string | undefined>): Promise<{ code?: string; error?: string; verifier: string }> {
    const { verifier, challenge } = pkce();
    const result = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, overrides), { username, password });
    return { code: result.code, error: result.error, verifier };
  }

  async function tokensFor(
    aud: string,
    scope = 'openid fhirUser launch/patient patient/*.rs offline_access',
  ): Promise<Record<string, unknown>> {
    const { code, verifier } = await authorize({ aud, scope });
    expect(code).toBeDefined();
    const response = await postForm(`${server.baseUrl}/token`, {
      grant_type: 'authorization_code',
      code: code as string,
      redirect_uri: app.redirectUri,
      code_verifier: verifier,
      client_id: app.clientId,
    });
    expect(response.status).toBe(200);
    return response.body;
  }

  const refresh = (refreshToken: string, extra: Record<string, string> = {}) =>
    postForm(`${server.baseUrl}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: app.clientId, ...extra });

  /** /authorize answered directly (no sign-in): the redirect's error, or null when it went on to sign-in. */
  async function authorizeError(params: URLSearchParams): Promise<string | null> {
    const response = await fetch(`${server.baseUrl}/authorize?${params}`, { redirect: 'manual' });
    if (response.status === 200) {
      expect(await response.text()).toContain('Sign in');
      return null;
    }
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') as string, server.baseUrl);
    if (!location.href.startsWith(app.redirectUri)) return null;
    expect(location.searchParams.get('code')).toBeNull();
    return location.searchParams.get('error');
  }

  it('a token requested for A carries its audience and only the scopes A serves; /fhir refuses it, A accepts it', async () => {
    const tokens = await tokensFor(baseA);
    const claims = decodeJwt(tokens.access_token as string);
    expect(claims.aud).toBe(baseA);
    // patient/*.rs was asked for; A's ceiling allows patient/Observation.rs only.
    expect((tokens.scope as string).split(' ').sort()).toEqual([
      'fhirUser',
      'launch/patient',
      'offline_access',
      'openid',
      'patient/Observation.rs',
    ]);
    // The attack: replaying A's token at this server's own FHIR API.
    const replay = await fhirFetch(server, '/Observation', tokens.access_token as string);
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toContain('invalid_token');
    for (const resourceServer of [jwksServer, introspectionServer]) {
      const response = await fhirFetch(resourceServer, '/Observation', tokens.access_token as string);
      expect(response.status).toBe(200);
      expect(response.body.scopes).toContain('patient/Observation.rs');
    }
  });

  it("a token for this server's /fhir is refused by a FhirAuthModule configured with A's audience (JWKS and introspection)", async () => {
    const tokens = await tokensFor(server.fhirBaseUrl);
    expect(decodeJwt(tokens.access_token as string).aud).toBe(server.fhirBaseUrl);
    expect((await fhirFetch(server, '/Observation?patient=x', tokens.access_token as string)).status).not.toBe(401);
    for (const resourceServer of [jwksServer, introspectionServer]) {
      expect((await fhirFetch(resourceServer, '/Observation', tokens.access_token as string)).status).toBe(401);
    }
  });

  it("A's token is no credential at /introspect (A could replay it there)", async () => {
    const backend = await createClient(server, 'backend', { scope: 'system/*.rs __introspect' });
    await admin('PATCH', `/${(await admin('GET', '')).body.find((item: any) => item.base_url === baseA).id}`, {
      scope: `${CEILING} system/*.rs`,
    }).then((response) => expect(response.status).toBe(200));
    try {
      const forA = await callAs(server, backend, '/token', { grant_type: 'client_credentials', scope: 'system/*.rs', resource: baseA });
      expect(forA.status).toBe(200);
      expect(decodeJwt(forA.body.access_token as string).aud).toBe(baseA);
      const response = await postForm(
        `${server.baseUrl}/introspect`,
        { token: forA.body.access_token as string },
        { Authorization: `Bearer ${forA.body.access_token}` },
      );
      expect(response.status).toBe(401);
    } finally {
      await admin('PATCH', `/${(await admin('GET', '')).body.find((item: any) => item.base_url === baseA).id}`, { scope: CEILING });
    }
  });

  it('/authorize answers invalid_target for an unregistered, disabled, conflicting or repeated resource, and issues no code', async () => {
    const { challenge } = pkce();
    const base = (overrides: Record<string, string | undefined>) => new URLSearchParams(authorizeParams(server, app, challenge, overrides));
    expect(await authorizeError(base({ aud: undefined, resource: 'https://counterfeit.example.org/fhir' }))).toBe('invalid_target');
    expect(await authorizeError(base({ aud: 'https://counterfeit.example.org/fhir' }))).toBe('invalid_target');
    expect(await authorizeError(base({ aud: `${baseA}#x` }))).toBe('invalid_target');
    expect(await authorizeError(base({ aud: baseA, resource: server.fhirBaseUrl }))).toBe('invalid_target');
    const repeated = base({ aud: undefined, resource: baseA });
    repeated.append('resource', baseA);
    expect(await authorizeError(repeated)).toBe('invalid_target');
    const disabled = await admin('POST', '', {
      base_url: `https://disabled-${randomUUID()}.example.org/fhir`,
      scope: CEILING,
      enabled: false,
    });
    expect(disabled.status).toBe(201);
    expect(await authorizeError(base({ aud: disabled.body.base_url }))).toBe('invalid_target');
    // Registered and enabled (with a trailing slash), and this server's own base as `resource`: on to sign-in.
    expect(await authorizeError(base({ aud: `${baseA}/` }))).toBeNull();
    expect(await authorizeError(base({ aud: undefined, resource: server.fhirBaseUrl }))).toBeNull();
    // Nothing A serves was asked for: no code for it.
    expect((await authorize({ aud: baseA, scope: 'launch/patient patient/Condition.rs' })).error).toBe('invalid_scope');
  });

  it('a refresh keeps the granted audience; asking for another resource is invalid_target and does not spend the token', async () => {
    const tokens = await tokensFor(baseA);
    for (const resource of [server.fhirBaseUrl, 'https://counterfeit.example.org/fhir']) {
      const refused = await refresh(tokens.refresh_token as string, { resource });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('invalid_target');
    }
    const same = await refresh(tokens.refresh_token as string, { resource: baseA });
    expect(same.status).toBe(200);
    expect(decodeJwt(same.body.access_token as string).aud).toBe(baseA);
    const plain = await refresh(same.body.refresh_token as string);
    expect(plain.status).toBe(200);
    expect(decodeJwt(plain.body.access_token as string).aud).toBe(baseA);
    expect(plain.body.scope).toBe(tokens.scope);
    expect((await fhirFetch(server, '/Observation', plain.body.access_token as string)).status).toBe(401);
  });

  it('a remembered grant does not skip consent for a registered resource server (grants do not record one)', async () => {
    const { challenge } = pkce();
    const scope = 'launch/patient patient/Observation.rs';
    const pagesFor = async (aud: string) =>
      (await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { aud, scope }), { username, password })).pages;
    await pagesFor(server.fhirBaseUrl);
    expect(await pagesFor(server.fhirBaseUrl)).toEqual(['Sign in']);
    expect(await pagesFor(baseA)).toEqual(['Sign in', expect.stringMatching(/^Allow /)]);
    expect(await pagesFor(baseA)).toEqual(['Sign in', expect.stringMatching(/^Allow /)]);
  });

  it('a code issued for A cannot be redeemed for /fhir (RFC 8707 §2.2)', async () => {
    const { code, verifier } = await authorize({ aud: baseA, scope: 'launch/patient patient/Observation.rs' });
    const response = await postForm(`${server.baseUrl}/token`, {
      grant_type: 'authorization_code',
      code: code as string,
      redirect_uri: app.redirectUri,
      code_verifier: verifier,
      client_id: app.clientId,
      resource: server.fhirBaseUrl,
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_target');
  });

  it('client_credentials may name a registered resource server; the token is narrowed to its ceiling and refused at /fhir', async () => {
    const backend: TestClient = await createClient(server, 'backend');
    const forA = await callAs(server, backend, '/token', {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs system/Observation.rs',
      resource: baseA,
    });
    expect(forA.status).toBe(200);
    expect(forA.body.scope).toBe('system/Observation.rs');
    expect(decodeJwt(forA.body.access_token as string).aud).toBe(baseA);
    expect((await fhirFetch(server, '/Patient', forA.body.access_token as string)).status).toBe(401);
    expect((await fhirFetch(jwksServer, '/Observation', forA.body.access_token as string)).status).toBe(200);
    const introspected = await callAs(server, backend, '/introspect', { token: forA.body.access_token as string });
    expect(introspected.body).toMatchObject({ active: true, aud: baseA });

    const unknown = await callAs(server, backend, '/token', {
      grant_type: 'client_credentials',
      scope: 'system/Observation.rs',
      resource: 'https://counterfeit.example.org/fhir',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('invalid_target');
    const two = await callAs(server, backend, '/token', {
      grant_type: 'client_credentials',
      scope: 'system/Observation.rs',
      resource: [baseA, server.fhirBaseUrl] as unknown as string,
    });
    expect([two.status, two.body.error]).toEqual([400, 'invalid_target']);
    const beyond = await callAs(server, backend, '/token', {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      resource: baseA,
    });
    expect(beyond.body.error).toBe('invalid_scope');
    const own = await callAs(server, backend, '/token', { grant_type: 'client_credentials', scope: 'system/Patient.rs' });
    expect(decodeJwt(own.body.access_token as string).aud).toBe(server.fhirBaseUrl);
  });

  it('a refresh follows a narrowed ceiling: scopes the server no longer allows are not granted again', async () => {
    const base = `https://narrowed-${randomUUID()}.example.org/fhir`;
    const created = await admin('POST', '', { base_url: base, scope: 'patient/Observation.rs patient/Condition.rs' });
    const tokens = await tokensFor(base);
    expect((tokens.scope as string).split(' ')).toEqual(expect.arrayContaining(['patient/Observation.rs', 'patient/Condition.rs']));
    expect((await admin('PATCH', `/${created.body.id}`, { scope: 'patient/Observation.rs' })).status).toBe(200);
    const refreshed = await refresh(tokens.refresh_token as string);
    expect(refreshed.status).toBe(200);
    expect((refreshed.body.scope as string).split(' ')).toContain('patient/Observation.rs');
    expect(refreshed.body.scope).not.toContain('Condition');
    expect(decodeJwt(refreshed.body.access_token as string).scope).toBe(refreshed.body.scope);
  });

  it('a refresh token for a server deleted since stops refreshing', async () => {
    const base = `https://short-lived-${randomUUID()}.example.org/fhir`;
    const created = await admin('POST', '', { base_url: base, scope: CEILING });
    const tokens = await tokensFor(base);
    expect(decodeJwt(tokens.access_token as string).aud).toBe(base);
    expect((await admin('DELETE', `/${created.body.id}`)).status).toBe(204);
    const refused = await refresh(tokens.refresh_token as string);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
  });

  it('FhirAuthModule refuses to start without its own audience (an empty one would disable the check)', () => {
    expect(() =>
      FhirAuthModule.forRoot({ issuer: server.baseUrl, audience: '', jwksUri: `${server.baseUrl}/.well-known/jwks.json` }),
    ).toThrow(/audience/);
  });

  it('the admin API validates, updates and deletes registrations behind ADMIN_TOKEN', async () => {
    const base = `https://b-${randomUUID()}.example.org/fhir`;
    expect((await admin('GET', '', undefined, null)).status).toBe(401);
    expect((await admin('POST', '', { base_url: base, scope: CEILING }, 'wrong')).status).toBe(401);
    for (const body of [
      { base_url: 'http://labs.example.org/fhir', scope: CEILING },
      { base_url: `${base}#frag`, scope: CEILING },
      { base_url: `${base}?q=1`, scope: CEILING },
      { base_url: 'https://user:pw@labs.example.org/fhir', scope: CEILING },
      { base_url: server.fhirBaseUrl, scope: CEILING },
      { base_url: base, audience: server.fhirBaseUrl, scope: CEILING },
      { base_url: base, scope: 'openid patient/Observation.rs' },
      { base_url: base, scope: 'patient/Observation.xyz' },
      { base_url: base },
    ]) {
      expect([body, (await admin('POST', '', body)).status]).toEqual([body, 400]);
    }
    const created = await admin('POST', '', { base_url: `${base}/`, audience: `urn:example:${base}`, scope: 'patient/Observation.read' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      base_url: base,
      audience: `urn:example:${base}`,
      enabled: true,
      scope: 'patient/Observation.read',
    });
    expect((await admin('POST', '', { base_url: base, scope: CEILING })).status).toBe(409);
    expect((await admin('GET', '')).body.map((item: any) => item.id)).toContain(created.body.id);
    expect((await admin('GET', `/${created.body.id}`)).body.base_url).toBe(base);
    const updated = await admin('PATCH', `/${created.body.id}`, { enabled: false, scope: 'user/Observation.rs' });
    expect(updated.body).toMatchObject({ enabled: false, scope: 'user/Observation.rs', base_url: base });
    expect((await admin('PATCH', `/${created.body.id}`, { audience: server.fhirBaseUrl })).status).toBe(400);
    expect((await admin('DELETE', `/${created.body.id}`)).status).toBe(204);
    expect((await admin('GET', `/${created.body.id}`)).status).toBe(404);
    expect((await admin('DELETE', `/${created.body.id}`)).status).toBe(404);
    expect((await admin('GET', '/not-a-uuid')).status).toBe(404);
  });
});

describe('resource server CLI commands', () => {
  const ROOT = join(__dirname, '..', '..');
  const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(ROOT, 'dist', 'src', 'cli', 'main.js'), ...args],
        {
          cwd: ROOT,
          env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO_DATA: 'false', NODE_NO_WARNINGS: '1' },
          timeout: 60_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);

  it('create, list, disable and delete; invalid input is refused with a message', async () => {
    const base = `https://cli-${randomUUID()}.example.org/fhir`;
    const created = await cli(['resource-servers:create', '--base-url', base, '--scope', 'system/Observation.rs']);
    expect(created.code).toBe(0);
    const server = JSON.parse(created.stdout);
    expect(server).toMatchObject({ base_url: base, audience: base, scope: 'system/Observation.rs', enabled: true });
    expect(JSON.parse((await cli(['resource-servers:list'])).stdout).map((item: any) => item.id)).toContain(server.id);
    expect(JSON.parse((await cli(['resource-servers:disable', server.id])).stdout).enabled).toBe(false);
    expect((await cli(['resource-servers:delete', server.id])).code).toBe(0);
    expect((await cli(['resource-servers:delete', server.id])).code).not.toBe(0);
    const refused = await cli([
      'resource-servers:create',
      '--base-url',
      'http://labs.example.org/fhir',
      '--scope',
      'system/Observation.rs',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/https/);
  }, 120_000);
});
