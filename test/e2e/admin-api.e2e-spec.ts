import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ClientAuthenticationService } from '../../src/clients/authentication/client-authentication.service';
import { UsersService } from '../../src/clients/users.service';
import { KeysService } from '../../src/keys/keys.service';
import { startTestApp, TestApp } from '../utils/test-app';

type Json = Record<string, unknown>;
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

describe('admin API', () => {
  let server: TestApp;

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token = ADMIN_TOKEN,
  ): Promise<{ status: number; body: Json & Json[] }> => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };

  beforeAll(async () => {
    server = await startTestApp({ ADMIN_TOKEN });
  });

  afterAll(async () => {
    await server.close();
  });

  it('requires the admin bearer token (401 invalid_token without it or with a wrong one)', async () => {
    const missing = await fetch(`${server.baseUrl}/admin/clients`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as Json).error).toBe('invalid_token');
    expect((await call('GET', '/admin/clients', undefined, 'wrong-token')).status).toBe(401);
    expect((await call('GET', '/admin/clients')).status).toBe(200);
  });

  it('answers 404 on every admin route when ADMIN_TOKEN is unset', async () => {
    const off = await startTestApp();
    try {
      for (const [method, path] of [
        ['GET', '/admin/clients'],
        ['POST', '/admin/users'],
        ['POST', '/admin/keys/rotate'],
      ]) {
        const response = await fetch(`${off.baseUrl}${path}`, { method, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
        expect(response.status).toBe(404);
      }
    } finally {
      await off.close();
    }
  });

  it('creates, reads, lists, updates, disables and deletes a client', async () => {
    const created = await call('POST', '/admin/clients', {
      client_name: 'EHR integration',
      redirect_uris: ['https://ehr-app.example.org/callback'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid fhirUser launch patient/*.rs',
      may_create_launch_contexts: true,
      access_token_ttl: 999_999,
    });
    expect(created.status).toBe(400);
    const ok = await call('POST', '/admin/clients', {
      client_name: 'EHR integration',
      redirect_uris: ['https://ehr-app.example.org/callback'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid fhirUser launch patient/*.rs',
      may_create_launch_contexts: true,
      access_token_ttl: 900,
    });
    expect(ok.status).toBe(201);
    const id = ok.body.client_id as string;
    expect(ok.body).toMatchObject({
      type: 'confidential-symmetric',
      may_create_launch_contexts: true,
      access_token_ttl: 900,
      enabled: true,
    });
    expect(ok.body.client_secret).toEqual(expect.any(String));

    const read = await call('GET', `/admin/clients/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.client_secret).toBeUndefined();
    expect((await call('GET', '/admin/clients')).body.map((client: Json) => client.client_id)).toContain(id);

    const updated = await call('PATCH', `/admin/clients/${id}`, {
      may_introspect_any_token: true,
      redirect_uris: ['https://ehr-app.example.org/cb2'],
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      may_introspect_any_token: true,
      may_create_launch_contexts: true,
      redirect_uris: ['https://ehr-app.example.org/cb2'],
    });
    expect((await call('PATCH', `/admin/clients/${id}`, { redirect_uris: ['http://ehr.example.org/cb'] })).body.error).toBe(
      'invalid_redirect_uri',
    );

    const auth = server.app.get(ClientAuthenticationService);
    await expect(
      auth.authenticate({ headers: { authorization: basic(id, ok.body.client_secret as string) }, body: {} }, 'token'),
    ).resolves.toMatchObject({ method: 'client_secret_basic', client: { clientId: id } });
    expect((await call('POST', `/admin/clients/${id}/disable`)).body.enabled).toBe(false);
    await expect(
      auth.authenticate({ headers: { authorization: basic(id, ok.body.client_secret as string) }, body: {} }, 'token'),
    ).rejects.toMatchObject({
      error: 'invalid_client',
    });
    expect((await call('DELETE', `/admin/clients/${id}`)).status).toBe(204);
    expect((await call('GET', `/admin/clients/${id}`)).status).toBe(404);
  });

  it('creates a client with a fixed id and refuses a duplicate', async () => {
    const clientId = `fixed-${randomBytes(4).toString('hex')}`;
    const body = {
      client_id: clientId,
      client_name: 'Fixed',
      redirect_uris: ['https://fixed.example.org/cb'],
      token_endpoint_auth_method: 'none',
    };
    expect((await call('POST', '/admin/clients', body)).status).toBe(201);
    expect((await call('POST', '/admin/clients', body)).status).toBe(409);
  });

  it('issues a secret when a client switches to a secret method, and never returns hashes', async () => {
    const created = await call('POST', '/admin/clients', {
      client_name: 'Switching',
      redirect_uris: ['https://sw.example.org/cb'],
      token_endpoint_auth_method: 'none',
    });
    expect(created.body.client_secret).toBeUndefined();
    const switched = await call('PATCH', `/admin/clients/${created.body.client_id as string}`, {
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(switched.body).toMatchObject({ type: 'confidential-symmetric', token_endpoint_auth_method: 'client_secret_post' });
    const auth = server.app.get(ClientAuthenticationService);
    await expect(
      auth.authenticate({ headers: {}, body: { client_id: created.body.client_id, client_secret: switched.body.client_secret } }, 'token'),
    ).resolves.toMatchObject({ method: 'client_secret_post' });
    const listing = JSON.stringify((await call('GET', '/admin/clients')).body);
    expect(listing).not.toMatch(/hash/i);
  });

  it('rotates a client secret with an overlap during which both secrets work', async () => {
    const created = await call('POST', '/admin/clients', { client_name: 'Rotating', redirect_uris: ['https://rot.example.org/cb'] });
    const id = created.body.client_id as string;
    const rotated = await call('POST', `/admin/clients/${id}/rotate-secret`, { overlap_seconds: 600 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.client_secret).not.toBe(created.body.client_secret);
    expect(Date.parse(rotated.body.previous_secrets_expire_at as string)).toBeGreaterThan(Date.now() + 590_000);
    const auth = server.app.get(ClientAuthenticationService);
    for (const secret of [created.body.client_secret, rotated.body.client_secret] as string[]) {
      await expect(auth.authenticate({ headers: { authorization: basic(id, secret) }, body: {} }, 'token')).resolves.toMatchObject({
        method: 'client_secret_basic',
        client: { clientId: id },
      });
    }
    const publicClient = await call('POST', '/admin/clients', {
      client_name: 'Public',
      redirect_uris: ['https://p.example.org/cb'],
      token_endpoint_auth_method: 'none',
    });
    expect((await call('POST', `/admin/clients/${publicClient.body.client_id as string}/rotate-secret`, {})).status).toBe(409);
  });

  it('manages users: create, list, update, reset password, disable', async () => {
    const username = `nurse-${randomBytes(4).toString('hex')}`;
    const created = await call('POST', '/admin/users', {
      username,
      password: 'a-long-enough-password',
      display_name: 'Nurse Test',
      fhir_user: 'Practitioner/nurse-1',
      role: 'practitioner',
      restricted_to_patients: ['example-patient-1'],
    });
    expect(created.status).toBe(201);
    expect(created.body.password_hash).toBeUndefined();
    const id = created.body.id as string;
    const invalid = await call('POST', '/admin/users', {
      username: `x-${username}`,
      password: 'short',
      display_name: 'X',
      fhir_user: 'Nobody/1',
      role: 'admin',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toBe('invalid_request');
    expect(
      (
        await call('POST', '/admin/users', {
          username,
          password: 'a-long-enough-password',
          display_name: 'Dup',
          fhir_user: 'Practitioner/x',
          role: 'practitioner',
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await call('POST', '/admin/users', {
          username: `p-${username}`,
          password: 'a-long-enough-password',
          display_name: 'P',
          fhir_user: 'Practitioner/x',
          role: 'patient',
        })
      ).status,
    ).toBe(400);
    expect((await call('GET', '/admin/users')).body.map((user: Json) => user.username)).toContain(username);

    const updated = await call('PATCH', `/admin/users/${id}`, { display_name: 'Nurse Renamed', restricted_to_patients: null });
    expect(updated.body).toMatchObject({ display_name: 'Nurse Renamed', restricted_to_patients: null });

    const users = server.app.get(UsersService);
    expect(await users.verifyPassword(username.toUpperCase(), 'a-long-enough-password')).toMatchObject({ id });
    const reset = await call('POST', `/admin/users/${id}/reset-password`, {});
    expect(reset.body.password).toEqual(expect.any(String));
    expect(await users.verifyPassword(username, 'a-long-enough-password')).toBeNull();
    expect(await users.verifyPassword(username, reset.body.password as string)).toMatchObject({ id });
    expect((await call('POST', `/admin/users/${id}/disable`)).body.enabled).toBe(false);
    expect(await users.verifyPassword(username, reset.body.password as string)).toBeNull();
    expect((await call('GET', '/admin/users/not-a-uuid')).status).toBe(404);
  });

  it('rotates the signing keys', async () => {
    // On a private database: other suites compare the shared database's JWKS.
    const database = `clients_keys_test_${randomBytes(4).toString('hex')}`;
    const url = new URL(process.env.DATABASE_URL as string);
    const admin = async (sql: string): Promise<void> => {
      const client = new Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      await client.query(sql).finally(() => client.end());
    };
    await admin(`CREATE DATABASE ${database}`);
    url.pathname = `/${database}`;
    const isolated = await startTestApp({ ADMIN_TOKEN, DATABASE_URL: url.toString() });
    try {
      const keys = isolated.app.get(KeysService);
      const before = keys.activeKid('ES256');
      const response = await fetch(`${isolated.baseUrl}/admin/keys/rotate`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as Json).kids).toHaveLength(2);
      expect(keys.activeKid('ES256')).not.toBe(before);
    } finally {
      await isolated.close();
      await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  });

  it('documents the admin API in OpenAPI', async () => {
    const document = (await (await fetch(`${server.baseUrl}/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/admin/clients', '/admin/users', '/admin/initial-access-tokens', '/admin/keys/rotate']),
    );
  });
});
