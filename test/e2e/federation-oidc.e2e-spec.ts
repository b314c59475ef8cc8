import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
import { UsersService } from '../../src/clients/users.service';
import { authorizeParams, createApp, createUser, insertResource, pkce, unique } from '../utils/authorize-fixtures';
import { CookieJar, driveAuthorization } from '../utils/authorize-flow';
import { federatedSignIn, pageText, pressProviderButton, send, throughUpstream } from '../utils/federation-flow';
import { OidcUpstream, startOidcUpstream } from '../utils/oidc-upstream';
import { startTestApp, TestApp } from '../utils/test-app';
import { MAX_LIVE_FLOWS } from '../../src/federation/oidc/federation-flows.repository';

const ADMIN_TOKEN = 'federation-admin-token-0123456789abcdef';
const CLIENT_SECRET = 'upstream-client-secret-0123456789';
const IDENTIFIER_SYSTEM = 'urn:oid:2.16.840.1.113883.4.6';

// Sign-in through a real OpenID provider (node-oidc-provider, in this process) via the real pages: the
// "Sign in with …" button, the upstream, the callback, and on into the SMART authorization and token.
describe('federation: OpenID Connect identity provider', () => {
  let server: TestApp;
  let upstream: OidcUpstream;
  const ids = { create: unique('sso'), linkOnly: unique('sso-link'), lookup: unique('sso-lookup') };
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  function account(groups: string[], extra: Record<string, unknown> = {}, amr?: string[]): string {
    const sub = unique('sub');
    upstream.accounts.set(sub, {
      claims: { name: `Dr ${sub}`, preferred_username: sub, email: `${sub}@example.org`, groups, ...extra },
      amr,
    });
    upstream.next = { accountId: sub };
    return sub;
  }

  async function createProvider(id: string, extra: Record<string, unknown> = {}): Promise<void> {
    const response = await admin('POST', '/admin/identity-providers', {
      id,
      type: 'oidc',
      display_name: `Hospital ${id}`,
      issuer: upstream.issuer,
      client_id: id,
      client_secret: CLIENT_SECRET,
      allow_private_network: true,
      role_map: { clinicians: 'practitioner', patients: 'patient' },
      provisioning: 'create',
      ...extra,
    });
    expect(response.status).toBe(201);
  }

  beforeAll(async () => {
    server = await startTestApp({ ADMIN_TOKEN, OUTBOUND_ALLOW_HTTP_LOOPBACK: 'true' });
    upstream = await startOidcUpstream(
      Object.values(ids).map((id) => ({
        client_id: id,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${server.baseUrl}/federation/${id}/callback`],
      })),
    );
    await createProvider(ids.create);
    await createProvider(ids.linkOnly, { provisioning: 'link-only' });
    await createProvider(ids.lookup, {
      claims: { fhir_user: 'employee_number' },
      fhir_user_lookup: { resource_type: 'Practitioner', identifier_system: IDENTIFIER_SYSTEM },
    });
  }, 60_000);

  afterAll(async () => {
    // Other specs share the database: their sign-in pages should not offer these providers.
    for (const id of Object.values(ids)) await admin('DELETE', `/admin/identity-providers/${id}`);
    await upstream?.close();
    await server?.close();
  });

  it('runs a SMART authorization through the provider: a new practitioner, groups → role, upstream amr, prompt/max_age passed up', async () => {
    const sub = account(['staff', 'clinicians'], { fhirUser: `${server.fhirBaseUrl}/Practitioner/fed-doc-1` }, ['pwd', 'otp']);
    const app = await createApp(server);
    const { verifier, challenge } = pkce();
    const query = authorizeParams(server, app, challenge, { scope: 'openid fhirUser profile user/*.rs', prompt: 'login', max_age: '600' });
    const started = await pressProviderButton(server.baseUrl, ids.create, { authorizeQuery: query });
    expect(started.startResponse.status).toBe(303);
    // OIDC Core §3.1.2.1: what the app asked of the sign-in applies upstream; PKCE, state and nonce always.
    const upstreamQuery = started.upstreamUrl!.searchParams;
    expect(started.upstreamUrl!.origin).toBe(upstream.issuer);
    expect(Object.fromEntries(upstreamQuery)).toMatchObject({
      prompt: 'login',
      max_age: '600',
      code_challenge_method: 'S256',
      redirect_uri: `${server.baseUrl}/federation/${ids.create}/callback`,
      client_id: ids.create,
    });
    expect(upstreamQuery.get('state')).toEqual(expect.any(String));
    expect(upstreamQuery.get('nonce')).toEqual(expect.any(String));

    const callbackUrl = await throughUpstream(started.upstreamUrl!, started.jar, server.baseUrl);
    expect(new URL(callbackUrl).searchParams.get('iss')).toBe(upstream.issuer);
    const callback = await send(started.jar, callbackUrl);
    expect(callback.status).toBe(303);
    const resumed = new URL(callback.headers.get('location')!, server.baseUrl);
    expect(resumed.pathname).toBe('/authorize');
    // Honoured (upstream): asking again here would loop.
    expect(resumed.searchParams.has('prompt')).toBe(false);
    expect(resumed.searchParams.has('max_age')).toBe(false);

    const result = await driveAuthorization(server.baseUrl, Object.fromEntries(resumed.searchParams), {
      jar: started.jar,
      username: 'unused',
      password: 'unused',
    });
    expect(result.pages).not.toContain('Sign in');
    expect(result.code).toEqual(expect.any(String));
    const token = await fetch(`${server.baseUrl}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: result.code!,
        redirect_uri: app.redirectUri,
        client_id: app.clientId,
        code_verifier: verifier,
      }),
    });
    expect(token.status).toBe(200);
    const tokens = (await token.json()) as { id_token: string };
    const claims = decodeJwt(tokens.id_token);
    expect(claims.fhirUser).toBe(`${server.fhirBaseUrl}/Practitioner/fed-doc-1`);
    // RFC 8176: the upstream said how the person authenticated there.
    expect(claims.amr).toEqual(['pwd', 'otp']);

    const user = await server.app.get(UsersService).findById(claims.sub as string);
    expect(user).toMatchObject({
      username: `${sub}@${ids.create}`.toLowerCase(),
      role: 'practitioner',
      fhirUser: 'Practitioner/fed-doc-1',
      displayName: `Dr ${sub}`,
    });
    // Created users have no local password: the password form never signs them in.
    expect(await server.app.get(UsersService).verifyPassword(user!.username, '')).toBeNull();
    await expect(server.app.get(UsersService).resetPassword(user!.id, 'a-new-password-123')).rejects.toThrow(/identity provider/);
  });

  it('omits amr when the upstream gives none, and updates role, fhirUser and name from upstream at each sign-in', async () => {
    const sub = account(['clinicians'], { fhirUser: 'Practitioner/fed-doc-2' });
    const first = await federatedSignIn(server.baseUrl, ids.create);
    expect(first.response.status).toBe(303);
    expect(first.response.headers.get('location')).toBe('/apps');
    const link = (await (await admin('GET', `/admin/identity-providers/${ids.create}/links`)).json()) as Array<{
      subject: string;
      user_id: string;
    }>;
    const userId = link.find((item) => item.subject === sub)!.user_id;

    upstream.accounts.get(sub)!.claims = { name: 'Renamed', preferred_username: sub, groups: ['patients'], fhirUser: 'Patient/fed-pat-2' };
    upstream.next = { accountId: sub };
    const again = await federatedSignIn(server.baseUrl, ids.create);
    expect(again.response.status).toBe(303);
    const user = await server.app.get(UsersService).findById(userId);
    expect(user).toMatchObject({ role: 'patient', fhirUser: 'Patient/fed-pat-2', displayName: 'Renamed' });
    const sessions: Array<{ amr: string[]; method: string }> = await server.app
      .get(DataSource)
      .query(`SELECT amr, method FROM login_sessions WHERE user_id = $1`, [userId]);
    expect(sessions.map((session) => session.method)).toEqual(['federated', 'federated']);
    expect(sessions.every((session) => session.amr.length === 0)).toBe(true);
  });

  it('refuses people in no mapped group, and a fhirUser that does not fit the role', async () => {
    account(['visitors'], { fhirUser: 'Practitioner/x' });
    const noRole = await federatedSignIn(server.baseUrl, ids.create);
    expect(noRole.response.status).toBe(403);
    expect(await pageText(noRole.response)).toContain('not in a group that may use this service');

    account(['patients'], { fhirUser: 'Practitioner/not-a-patient' });
    const mismatch = await federatedSignIn(server.baseUrl, ids.create);
    expect(mismatch.response.status).toBe(403);
    expect(await pageText(mismatch.response)).toContain('does not name your health record');
  });

  it('link-only: refuses people nobody linked, then signs in the user an operator linked', async () => {
    const sub = account(['clinicians'], { fhirUser: 'Practitioner/linked-doc' });
    const refused = await federatedSignIn(server.baseUrl, ids.linkOnly);
    expect(refused.response.status).toBe(403);
    expect(await pageText(refused.response)).toContain('Ask the administrator to link it');

    const { user } = await createUser(server, 'practitioner', 'Practitioner/linked-doc');
    expect((await admin('POST', `/admin/identity-providers/${ids.linkOnly}/links`, { subject: sub, user_id: user.id })).status).toBe(201);
    expect((await admin('POST', `/admin/identity-providers/${ids.linkOnly}/links`, { subject: sub, user_id: user.id })).status).toBe(409);
    upstream.next = { accountId: sub };
    const linked = await federatedSignIn(server.baseUrl, ids.linkOnly);
    expect(linked.response.status).toBe(303);
    const apps = await send(linked.jar, `${server.baseUrl}/apps`);
    expect(apps.status).toBe(200);
    // Signed in as the linked user, whose name now comes from upstream.
    expect(await apps.text()).toContain(`Dr ${sub}`);
    expect((await server.app.get(UsersService).findById(user.id))?.displayName).toBe(`Dr ${sub}`);

    // A disabled user cannot sign in through the provider either.
    await server.app.get(UsersService).disable(user.id);
    upstream.next = { accountId: sub };
    const disabled = await federatedSignIn(server.baseUrl, ids.linkOnly);
    expect(disabled.response.status).toBe(403);
  });

  it('finds fhirUser by an identifier in the FHIR store; no match or an ambiguous one is refused', async () => {
    const practitioner = unique('prac');
    await insertResource(server, {
      resourceType: 'Practitioner',
      id: practitioner,
      identifier: [{ system: IDENTIFIER_SYSTEM, value: `E-${practitioner}` }],
    });
    account(['clinicians'], { employee_number: `E-${practitioner}` });
    const found = await federatedSignIn(server.baseUrl, ids.lookup);
    expect(found.response.status).toBe(303);
    const links = (await (await admin('GET', `/admin/identity-providers/${ids.lookup}/links`)).json()) as Array<{ user_id: string }>;
    const user = await server.app.get(UsersService).findById(links[links.length - 1].user_id);
    expect(user?.fhirUser).toBe(`Practitioner/${practitioner}`);

    account(['clinicians'], { employee_number: 'E-nobody' });
    expect((await federatedSignIn(server.baseUrl, ids.lookup)).response.status).toBe(403);
    for (const copy of ['a', 'b'])
      await insertResource(server, {
        resourceType: 'Practitioner',
        id: `${practitioner}-${copy}`,
        identifier: [{ system: IDENTIFIER_SYSTEM, value: 'E-twice' }],
      });
    account(['clinicians'], { employee_number: 'E-twice' });
    expect((await federatedSignIn(server.baseUrl, ids.lookup)).response.status).toBe(403);
  });

  it('refuses a tampered state without using up the real one, and a replayed callback', async () => {
    account(['clinicians'], { fhirUser: 'Practitioner/replay' });
    const started = await pressProviderButton(server.baseUrl, ids.create);
    const callbackUrl = new URL(await throughUpstream(started.upstreamUrl!, started.jar, server.baseUrl));
    const tampered = new URL(callbackUrl);
    tampered.searchParams.set('state', `${callbackUrl.searchParams.get('state')}x`);
    const refused = await send(started.jar, tampered.toString());
    expect(refused.status).toBe(400);
    expect(await pageText(refused)).toContain('no longer valid');

    // The state is bound to the browser that started the flow.
    const otherBrowser = await send(new CookieJar(), callbackUrl.toString());
    expect(otherBrowser.status).toBe(400);

    const real = await send(started.jar, callbackUrl.toString());
    expect(real.status).toBe(303);
    const replay = await send(started.jar, callbackUrl.toString());
    expect(replay.status).toBe(400);
    expect(await pageText(replay)).toContain('already used');
  });

  it('refuses an answer whose iss is not the provider (RFC 9207 mix-up defence)', async () => {
    account(['clinicians'], { fhirUser: 'Practitioner/mixup' });
    const started = await pressProviderButton(server.baseUrl, ids.create);
    const callbackUrl = new URL(await throughUpstream(started.upstreamUrl!, started.jar, server.baseUrl));
    callbackUrl.searchParams.set('iss', 'https://attacker.example.org');
    const response = await send(started.jar, callbackUrl.toString());
    expect(response.status).toBe(400);
    expect(await pageText(response)).toContain(`did not come from Hospital ${ids.create}`);
  });

  it('shows the upstream refusal (access_denied) as a page with the way back', async () => {
    upstream.next = { deny: true };
    const app = await createApp(server);
    const query = authorizeParams(server, app, pkce().challenge);
    const { response } = await federatedSignIn(server.baseUrl, ids.create, { authorizeQuery: query });
    expect(response.status).toBe(403);
    const html = await response.text();
    expect(html).toContain('was cancelled or refused');
    expect(html).toContain('href="/authorize?');
  });

  it('shows an ID token that does not verify (wrong nonce) as a 502 page, never a 500', async () => {
    account(['clinicians'], { fhirUser: 'Practitioner/nonce' });
    const started = await pressProviderButton(server.baseUrl, ids.create);
    const callbackUrl = await throughUpstream(started.upstreamUrl!, started.jar, server.baseUrl);
    await server.app
      .get(DataSource)
      .query(`UPDATE federation_flows SET nonce = 'not-the-nonce' WHERE used_at IS NULL AND provider_id = $1`, [ids.create]);
    const response = await send(started.jar, callbackUrl);
    expect(response.status).toBe(502);
    expect(await pageText(response)).toContain('could not be verified');
  });

  it('shows an upstream that is down as a 502 page, at the start and at the code exchange', async () => {
    const downId = unique('sso-down');
    expect(
      (
        await admin('POST', '/admin/identity-providers', {
          id: downId,
          type: 'oidc',
          display_name: 'Down',
          issuer: 'http://127.0.0.1:9',
          client_id: 'x',
          client_secret: 'y',
          allow_private_network: true,
          role_map: {},
        })
      ).status,
    ).toBe(201);
    const started = await pressProviderButton(server.baseUrl, downId);
    expect(started.startResponse.status).toBe(502);
    expect(await pageText(started.startResponse)).toContain('Down cannot be reached right now');
    await admin('DELETE', `/admin/identity-providers/${downId}`);

    const second = await startOidcUpstream([
      { client_id: 'vanishing', client_secret: CLIENT_SECRET, redirect_uris: [`${server.baseUrl}/federation/${downId}/callback`] },
    ]);
    try {
      expect(
        (
          await admin('POST', '/admin/identity-providers', {
            id: downId,
            type: 'oidc',
            display_name: 'Vanishing',
            issuer: second.issuer,
            client_id: 'vanishing',
            client_secret: CLIENT_SECRET,
            allow_private_network: true,
            default_role: 'practitioner',
            provisioning: 'create',
          })
        ).status,
      ).toBe(201);
      second.accounts.set('v', { claims: { fhirUser: 'Practitioner/v' } });
      second.next = { accountId: 'v' };
      const flow = await pressProviderButton(server.baseUrl, downId);
      const callbackUrl = await throughUpstream(flow.upstreamUrl!, flow.jar, server.baseUrl);
      await second.close();
      const response = await send(flow.jar, callbackUrl);
      expect(response.status).toBe(502);
      expect(await pageText(response)).toContain('cannot be reached');
    } finally {
      await second.close().catch(() => undefined);
      await admin('DELETE', `/admin/identity-providers/${downId}`);
    }
  });

  it('audits federated sign-ins, successful and refused, with the provider id', async () => {
    account(['clinicians'], { fhirUser: 'Practitioner/audited' });
    await federatedSignIn(server.baseUrl, ids.create);
    const events = (await (await admin('GET', '/admin/audit?event=federated_sign_in&limit=200')).json()) as {
      events: Array<{ outcome: string; detail: { provider: string; reason?: string } }>;
    };
    const mine = events.events.filter((event) => event.detail.provider === ids.create);
    expect(mine.some((event) => event.outcome === 'success')).toBe(true);
    expect(mine.some((event) => event.outcome === 'failure' && event.detail.reason === 'invalid-state')).toBe(true);
    expect(mine.some((event) => event.outcome === 'failure' && event.detail.reason === 'access-denied')).toBe(true);
  });

  it('a disabled provider is not offered, cannot be used, and its sign-in sessions end', async () => {
    const id = unique('sso-off');
    const second = await startOidcUpstream([
      { client_id: id, client_secret: CLIENT_SECRET, redirect_uris: [`${server.baseUrl}/federation/${id}/callback`] },
    ]);
    try {
      expect(
        (
          await admin('POST', '/admin/identity-providers', {
            id,
            type: 'oidc',
            display_name: 'Soon off',
            issuer: second.issuer,
            client_id: id,
            client_secret: CLIENT_SECRET,
            allow_private_network: true,
            default_role: 'practitioner',
            provisioning: 'create',
          })
        ).status,
      ).toBe(201);
      second.accounts.set('p', { claims: { fhirUser: 'Practitioner/off' } });
      second.next = { accountId: 'p' };
      const signedIn = await federatedSignIn(server.baseUrl, id);
      expect((await send(signedIn.jar, `${server.baseUrl}/apps`)).status).toBe(200);
      const pending = await pressProviderButton(server.baseUrl, id);
      const pendingCallback = await throughUpstream(pending.upstreamUrl!, pending.jar, server.baseUrl);

      expect((await admin('PATCH', `/admin/identity-providers/${id}`, { enabled: false })).status).toBe(200);
      expect(await (await send(new CookieJar(), `${server.baseUrl}/login`)).text()).not.toContain(`data-identity-provider="${id}"`);
      expect((await send(signedIn.jar, `${server.baseUrl}/apps`)).status).not.toBe(200);
      const late = await send(pending.jar, pendingCallback);
      expect(late.status).toBe(403);
      const login = await send(new CookieJar(), `${server.baseUrl}/login`);
      const csrf = (await login.text()).match(/name="csrf_token" value="([^"]+)"/)![1];
      const start = await fetch(`${server.baseUrl}/federation/${id}/start`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Cookie: login.headers
            .getSetCookie()
            .map((cookie) => cookie.split(';')[0])
            .join('; '),
        },
        body: new URLSearchParams({ csrf_token: csrf }).toString(),
      });
      expect(start.status).toBe(404);
    } finally {
      await second.close();
      await admin('DELETE', `/admin/identity-providers/${id}`);
    }
  });

  it('bounds the flows in progress: a flood of /start is refused with 503, not stored without end', async () => {
    const data = server.app.get(DataSource);
    // The flood anyone with the sign-in page could send, arranged in one statement.
    await data.query(
      `INSERT INTO federation_flows (state_hash, provider_id, browser_binding, code_verifier, nonce, expires_at)
       SELECT md5(random()::text || n), $2, 'flood', 'v', 'n', now() + interval '10 minutes' FROM generate_series(1, $1) AS n`,
      [MAX_LIVE_FLOWS, ids.create],
    );
    try {
      const refused = await pressProviderButton(server.baseUrl, ids.create);
      expect(refused.startResponse.status).toBe(503);
      expect(refused.upstreamUrl).toBeNull();
    } finally {
      await data.query(`DELETE FROM federation_flows WHERE browser_binding = 'flood'`);
    }
    expect((await pressProviderButton(server.baseUrl, ids.create)).upstreamUrl).not.toBeNull();
  });

  it('refuses /start without the sign-in form (CSRF)', async () => {
    const response = await fetch(`${server.baseUrl}/federation/${ids.create}/start`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'csrf_token=forged',
    });
    expect(response.status).toBe(403);
  });
});
