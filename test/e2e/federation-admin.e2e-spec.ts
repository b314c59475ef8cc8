import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { UsersService } from '../../src/clients/users.service';
import { createUser, unique } from '../utils/authorize-fixtures';
import { CookieJar } from '../utils/authorize-flow';
import { ensureBuilt } from '../utils/ensure-built';
import { federatedSignIn, send } from '../utils/federation-flow';
import { OidcUpstream, startOidcUpstream } from '../utils/oidc-upstream';
import { startTestApp, TestApp } from '../utils/test-app';
import { CliResult, runCli } from '../utils/cli';

type Json = Record<string, unknown>;
const ADMIN_TOKEN = 'federation-admin-token-0123456789abcdef';
const KEY_ENCRYPTION_SECRET = 'federation-key-encryption-secret-0123456789';
const SECRET = 'a-client-secret-never-to-be-shown-again';

jest.setTimeout(120_000);

// The operator's side: the admin API (validation, write-only secrets, /test in plain words), private_key_jwt,
// the CLI, and LOCAL_SIGN_IN=false.
describe('federation: identity providers managed by the operator', () => {
  let server: TestApp;
  let upstream: OidcUpstream;
  const pkjwtId = unique('pkjwt');
  const created: string[] = [];
  const admin = async (
    method: string,
    path: string,
    body?: unknown,
    on: TestApp = server,
  ): Promise<{ status: number; json: Json & Json[] }> => {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    };
    const response = await fetch(`${on.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : {} };
  };
  const oidcProvider = (id: string, extra: Json = {}): Json => ({
    id,
    type: 'oidc',
    display_name: `Provider ${id}`,
    issuer: upstream.issuer,
    client_id: id,
    client_secret: SECRET,
    allow_private_network: true,
    ...extra,
  });
  async function create(body: Json): Promise<{ status: number; json: Json & Json[] }> {
    const result = await admin('POST', '/admin/identity-providers', body);
    if (result.status === 201) created.push(body.id as string);
    return result;
  }

  beforeAll(async () => {
    // Without KEY_ENCRYPTION_SECRET: the signing keys this first start may generate stay readable by the other
    // specs sharing the database (only the encryption test below starts a second server with the secret).
    server = await startTestApp({ ADMIN_TOKEN, OUTBOUND_ALLOW_HTTP_LOOPBACK: 'true' });
    upstream = await startOidcUpstream([
      {
        client_id: pkjwtId,
        redirect_uris: [`${server.baseUrl}/federation/${pkjwtId}/callback`],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: `${server.baseUrl}/federation/${pkjwtId}/jwks.json`,
      },
    ]);
  }, 60_000);

  afterAll(async () => {
    for (const id of created) await admin('DELETE', `/admin/identity-providers/${id}`);
    await upstream?.close();
    await server?.close();
  });

  it('needs the admin token, and is described in the OpenAPI document', async () => {
    const response = await fetch(`${server.baseUrl}/admin/identity-providers`);
    expect(response.status).toBe(401);
    const openapi = (await (await fetch(`${server.baseUrl}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/admin/identity-providers',
        '/admin/identity-providers/{id}',
        '/admin/identity-providers/{id}/test',
        '/admin/identity-providers/{id}/links',
        '/federation/{id}/jwks.json',
      ]),
    );
    expect(Object.keys(openapi.paths['/admin/identity-providers/{id}'])).toEqual(expect.arrayContaining(['get', 'patch', 'delete']));
  });

  it.each([
    [{ id: 'Bad Id' }, /id must be a slug/],
    [{ issuer: 'ftp://idp.example.org' }, /issuer must be an absolute https URL/],
    [{ issuer: 'https://idp.example.org?x=1' }, /must not carry credentials, a query or a fragment/],
    [{ client_secret: undefined }, /client_secret is required with client_secret_basic/],
    [{ scopes: 'profile email' }, /including openid/],
    [{ claims: { username: 'bad name!' } }, /claims.username must be a claim/],
    [{ claims: { password: 'x' } }, /claims may map/],
    [{ role_map: { clinicians: 'admin' } }, /role_map values must be one of patient, practitioner/],
    [{ url: 'ldaps://dc.example.org' }, /url does not apply to oidc providers/],
    [{ fhir_user_lookup: { resource_type: 'Observation', identifier_system: 'urn:x' } }, /fhir_user_lookup.resource_type must be one of/],
    [{ provisioning: 'everyone' }, /provisioning must be one of/],
  ])('refuses invalid settings with 400 and says why: %j', async (change, message) => {
    const body = { ...oidcProvider(unique('bad')), ...change };
    const result = await create(body);
    expect(result.status).toBe(400);
    expect(JSON.stringify(result.json)).toMatch(message);
  });

  it('never returns a secret, stores it encrypted, and shows the redirect URI to register upstream', async () => {
    const id = unique('secret');
    // A second server on the same database, with KEY_ENCRYPTION_SECRET (the signing keys exist by now, unencrypted).
    const sealed = await startTestApp({ ADMIN_TOKEN, KEY_ENCRYPTION_SECRET, OUTBOUND_ALLOW_HTTP_LOOPBACK: 'true' });
    try {
      const result = await admin(
        'POST',
        '/admin/identity-providers',
        oidcProvider(id, { role_map: { clinicians: 'practitioner' } }),
        sealed,
      );
      created.push(id);
      expect(result.status).toBe(201);
      expect(result.json).toMatchObject({
        id,
        type: 'oidc',
        client_secret_set: true,
        redirect_uri: `${sealed.baseUrl}/federation/${id}/callback`,
        provisioning: 'link-only',
        enabled: true,
        default_role: null,
      });
      expect(result.json.claims).toEqual({
        username: 'preferred_username',
        display_name: 'name',
        fhir_user: 'fhirUser',
        roles: 'groups',
        email: 'email',
      });
      for (const answer of [
        result,
        await admin('GET', `/admin/identity-providers/${id}`, undefined, sealed),
        await admin('GET', '/admin/identity-providers', undefined, sealed),
      ]) {
        expect(JSON.stringify(answer.json)).not.toContain(SECRET);
        expect(JSON.stringify(answer.json)).not.toContain('"client_secret"');
      }
      const [row] = await server.app.get(DataSource).query(`SELECT secret, secrets_encrypted FROM identity_providers WHERE id = $1`, [id]);
      expect(row.secrets_encrypted).toBe(true);
      expect(row.secret).not.toContain(SECRET);
      expect(row.secret.split('.')).toHaveLength(5);

      // PATCH changes only what is sent; the secret stays set.
      const patched = await admin('PATCH', `/admin/identity-providers/${id}`, { display_name: 'Renamed' }, sealed);
      expect(patched.json).toMatchObject({ display_name: 'Renamed', client_secret_set: true, client_id: id });
      expect((await admin('PATCH', `/admin/identity-providers/${id}`, { type: 'ldap' }, sealed)).status).toBe(400);
      expect((await admin('POST', '/admin/identity-providers', oidcProvider(id), sealed)).status).toBe(409);
    } finally {
      await sealed.close();
    }
  });

  it('refuses a new issuer while people are linked (their subjects belong to the old one)', async () => {
    const id = unique('moving');
    await create(oidcProvider(id));
    const { user } = await createUser(server, 'practitioner', 'Practitioner/moving');
    const link = await admin('POST', `/admin/identity-providers/${id}/links`, { subject: 'upstream-sub-1', user_id: user.id });
    expect(link.status).toBe(201);
    expect(
      (await admin('POST', `/admin/identity-providers/${id}/links`, { subject: 'x', user_id: '00000000-0000-0000-0000-000000000000' }))
        .status,
    ).toBe(400);
    const moved = await admin('PATCH', `/admin/identity-providers/${id}`, { issuer: 'https://other-idp.example.org' });
    expect(moved.status).toBe(409);
    expect((await admin('DELETE', `/admin/identity-providers/${id}/links/${link.json.id}`)).status).toBe(204);
    expect((await admin('GET', `/admin/identity-providers/${id}/links`)).json).toEqual([]);
    expect((await admin('PATCH', `/admin/identity-providers/${id}`, { issuer: 'https://other-idp.example.org' })).status).toBe(200);
  });

  it('keeps LDAP bind passwords write-only too', async () => {
    const id = unique('ldap');
    const result = await create({
      id,
      type: 'ldap',
      display_name: 'Directory',
      url: 'ldap://127.0.0.1:1',
      bind_dn: 'cn=reader,dc=example,dc=org',
      bind_password: SECRET,
      user_base: 'ou=people,dc=example,dc=org',
      user_filter: '(uid={username})',
      timeout_ms: 500,
      role_map: { staff: 'practitioner' },
    });
    expect(result.status).toBe(201);
    expect(result.json).toMatchObject({
      type: 'ldap',
      bind_password_set: true,
      user_filter: '(uid={username})',
      start_tls: false,
      login_url: `${server.baseUrl}/federation/${id}/login`,
    });
    expect(JSON.stringify(result.json)).not.toContain(SECRET);
    expect((await create({ ...result.json, id: unique('ldap'), user_filter: '(uid=fixed)' })).status).toBe(400);
    const check = await admin('POST', `/admin/identity-providers/${id}/test`);
    expect(check.status).toBe(200);
    expect(check.json.ok).toBe(false);
    expect((check.json.problems as string[]).length).toBeGreaterThan(0);

    // Its button leads to its own username/password page; a directory that cannot answer is a page, not a 500.
    const jar = new CookieJar();
    const signIn = await (await send(jar, `${server.baseUrl}/login`)).text();
    const csrf = signIn.match(/name="csrf_token" value="([^"]+)"/)![1];
    expect(signIn).toContain(`data-identity-provider="${id}"`);
    const form = await send(
      jar,
      `${server.baseUrl}/federation/${id}/start`,
      new URLSearchParams({ csrf_token: csrf, return_to: '/apps' }).toString(),
    );
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain(`action="/federation/${id}/login"`);
    expect(html).toContain('name="password"');
    const forged = await send(
      jar,
      `${server.baseUrl}/federation/${id}/login`,
      new URLSearchParams({ csrf_token: 'forged', username: 'u', password: 'p' }).toString(),
    );
    expect(forged.status).toBe(400);
    const failed = await send(
      jar,
      `${server.baseUrl}/federation/${id}/login`,
      new URLSearchParams({ csrf_token: csrf, username: 'someone', password: 'secret' }).toString(),
    );
    expect([502, 503]).toContain(failed.status);
    expect(failed.headers.get('set-cookie') ?? '').not.toContain('smart_auth_session');
  });

  it('/test reports what works and, in plain words, what does not', async () => {
    const good = unique('good');
    await create(oidcProvider(good));
    const ok = await admin('POST', `/admin/identity-providers/${good}/test`);
    expect(ok.json).toMatchObject({
      ok: true,
      problems: [],
      details: { issuer: upstream.issuer, token_endpoint: `${upstream.issuer}/token` },
    });

    const privateNet = unique('private');
    await create(oidcProvider(privateNet, { allow_private_network: false }));
    const refused = await admin('POST', `/admin/identity-providers/${privateNet}/test`);
    expect(refused.json.ok).toBe(false);
    expect((refused.json.problems as string[])[0]).toMatch(
      /^Discovery at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration failed: .*allow_private_network/,
    );

    const down = unique('down');
    await create(oidcProvider(down, { issuer: 'http://127.0.0.1:9' }));
    const unreachable = await admin('POST', `/admin/identity-providers/${down}/test`);
    expect((unreachable.json.problems as string[])[0]).toMatch(/failed: connect ECONNREFUSED 127\.0\.0\.1:9/);

    const wrongMethod = unique('method');
    await create(oidcProvider(wrongMethod, { token_endpoint_auth_method: 'client_secret_post' }));
    const methods = await admin('POST', `/admin/identity-providers/${wrongMethod}/test`);
    if (
      (await (await fetch(`${upstream.issuer}/.well-known/openid-configuration`)).json()).token_endpoint_auth_methods_supported.includes(
        'client_secret_post',
      )
    ) {
      expect(methods.json.ok).toBe(true);
    }
    expect((await admin('POST', '/admin/identity-providers/no-such-provider/test')).status).toBe(404);
  });

  it('private_key_jwt: publishes a generated key and signs in with it', async () => {
    const result = await create(
      oidcProvider(pkjwtId, {
        client_secret: undefined,
        token_endpoint_auth_method: 'private_key_jwt',
        default_role: 'practitioner',
        provisioning: 'create',
      }),
    );
    expect(result.status).toBe(201);
    expect(result.json).toMatchObject({ client_secret_set: false, jwks_uri: `${server.baseUrl}/federation/${pkjwtId}/jwks.json` });
    const jwks = (await (await fetch(`${server.baseUrl}/federation/${pkjwtId}/jwks.json`)).json()) as { keys: Json[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
    expect((await fetch(`${server.baseUrl}/federation/no-such-provider/jwks.json`)).status).toBe(404);

    upstream.accounts.set('pk-person', { claims: { name: 'Key Person', fhirUser: 'Practitioner/pk' } });
    upstream.next = { accountId: 'pk-person' };
    const signedIn = await federatedSignIn(server.baseUrl, pkjwtId);
    expect(signedIn.response.status).toBe(303);
  });

  it('LOCAL_SIGN_IN=false: no password form, posts refused, providers still offered', async () => {
    const federatedOnly = await startTestApp({ ADMIN_TOKEN, KEY_ENCRYPTION_SECRET, LOCAL_SIGN_IN: 'false' });
    try {
      const id = unique('only');
      created.push(id);
      await admin('POST', '/admin/identity-providers', oidcProvider(id));
      const jar = new CookieJar();
      const page = await send(jar, `${federatedOnly.baseUrl}/login`);
      const html = await page.text();
      expect(html).not.toContain('name="password"');
      expect(html).toContain(`data-identity-provider="${id}"`);
      const { username, password } = await createUser(server, 'practitioner', 'Practitioner/local');
      const csrf = html.match(/name="csrf_token" value="([^"]+)"/)![1];
      const post = await send(
        jar,
        `${federatedOnly.baseUrl}/login`,
        new URLSearchParams({ csrf_token: csrf, username, password }).toString(),
      );
      expect(post.status).toBe(403);
      expect(post.headers.get('set-cookie') ?? '').not.toContain('smart_auth_session');
    } finally {
      await federatedOnly.close();
    }
  });

  it('the CLI creates, tests, links and lists like the admin API', async () => {
    await ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'idp-'));
    const id = unique('cli');
    created.push(id);
    writeFileSync(join(dir, 'provider.json'), JSON.stringify(oidcProvider(id, { role_map: { clinicians: 'practitioner' } })));
    const made = await cli(['identity-providers:create', '--file', join(dir, 'provider.json')]);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ id, client_secret_set: true });
    expect(made.stdout).not.toContain(SECRET);

    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ ...oidcProvider(unique('cli')), client_secrt: 'x' }));
    const typo = await cli(['identity-providers:create', '--file', join(dir, 'typo.json')]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('client_secrt');

    const tested = await cli(['identity-providers:test', id]);
    expect(tested.code).toBe(0);
    expect(JSON.parse(tested.stdout).ok).toBe(true);

    const { user } = await createUser(server, 'practitioner', 'Practitioner/cli');
    const linked = await cli(['identity-providers:link', id, '--subject', 'cli-subject', '--user', user.id]);
    expect(linked.code).toBe(0);
    const links = await cli(['identity-providers:links', id]);
    expect(JSON.parse(links.stdout)).toEqual([expect.objectContaining({ subject: 'cli-subject', user_id: user.id })]);
    expect((await server.app.get(UsersService).findById(user.id))?.enabled).toBe(true);
  });

  function cli(args: string[]): Promise<CliResult> {
    return runCli(args, { PUBLIC_URL: server.baseUrl, OUTBOUND_ALLOW_HTTP_LOOPBACK: 'true' });
  }
});
