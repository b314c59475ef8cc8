import { decodeJwt } from 'jose';
import { UsersService } from '../../src/clients/users.service';
import { authorizeParams, createApp, createUser, pkce, unique } from '../utils/authorize-fixtures';
import { CookieJar, driveAuthorization, parseForms } from '../utils/authorize-flow';
import { pageText, send } from '../utils/federation-flow';
import { freePort, GROUPS, PEOPLE, SERVICE_DN, SERVICE_PASSWORD, Slapd, startSilentServer, startSlapd } from '../utils/slapd';
import { startTestApp, TestApp } from '../utils/test-app';

const ADMIN_TOKEN = 'federation-ldap-admin-token-0123456789abcdef';
const GENERIC = 'The username or password is incorrect, or there were too many attempts. Try again later.';

interface AuditEvent {
  outcome: string;
  user_id: string | null;
  client_id: string | null;
  detail: { provider: string; reason?: string; subject?: string; detail?: string };
}

/**
 * Sign-in with a directory account through the real pages: the sign-in page's "Sign in with …" button, the
 * provider's username/password page, a real OpenLDAP slapd (test/utils/slapd.ts) behind it, and on into the SMART
 * authorization and token. A missing slapd fails this file with a message saying what to install.
 */
describe('federation: LDAP identity provider through the sign-in pages', () => {
  let server: TestApp;
  let ldap: Slapd;
  const ids = { create: unique('ldap'), linkOnly: unique('ldap-link'), narrow: unique('ldap-narrow') };
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const providerBody = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    type: 'ldap',
    display_name: `Directory ${id}`,
    url: ldap.url,
    bind_dn: SERVICE_DN,
    bind_password: SERVICE_PASSWORD,
    user_base: PEOPLE,
    user_filter: '(&(objectClass=inetOrgPerson)(uid={username}))',
    attributes: { username: 'uid', display_name: 'displayName', email: 'mail', fhir_user: 'employeeNumber' },
    group_base: GROUPS,
    role_map: { clinicians: 'practitioner', patients: 'patient' },
    provisioning: 'create',
    timeout_ms: 3000,
    ...extra,
  });

  async function createProvider(id: string, extra: Record<string, unknown> = {}): Promise<void> {
    const response = await admin('POST', '/admin/identity-providers', providerBody(id, extra));
    expect(response.status).toBe(201);
  }

  /** A directory person (uid unique per test) in the given groups; returns uid, password and DN. */
  async function person(
    groups: string[],
    extra: { employeeNumber?: string; description?: string } = {},
  ): Promise<{ uid: string; password: string; dn: string }> {
    const uid = unique('p').replace(/-/g, '');
    const password = `pw-${uid}`;
    const dn = await ldap.addUser({ uid, password, displayName: `Dr ${uid}`, mail: `${uid}@example.org`, ...extra });
    for (const group of groups) await ldap.addToGroup(group, dn);
    return { uid, password, dn };
  }

  /**
   * Opens the sign-in page (of `authorizeQuery`, or /login), presses the provider's button, fills the provider's
   * username/password page and posts it: the answer to that post.
   */
  async function ldapSignIn(
    providerId: string,
    username: string,
    password: string,
    options: { jar?: CookieJar; authorizeQuery?: Record<string, string> } = {},
  ): Promise<{ response: Response; jar: CookieJar }> {
    const jar = options.jar ?? new CookieJar();
    const page = await send(
      jar,
      options.authorizeQuery ? `${server.baseUrl}/authorize?${new URLSearchParams(options.authorizeQuery)}` : `${server.baseUrl}/login`,
    );
    const html = await page.text();
    expect(html).toContain(`data-identity-provider="${providerId}"`);
    const button = parseForms(html).find((form) => form.action === `/federation/${providerId}/start`)!;
    const formPage = await send(
      jar,
      `${server.baseUrl}${button.action}`,
      new URLSearchParams(button.inputs.map((input) => [input.name, input.value])).toString(),
    );
    expect(formPage.status).toBe(200);
    const form = parseForms(await formPage.text()).find((candidate) => candidate.action === `/federation/${providerId}/login`)!;
    expect(form).toBeDefined();
    const body = new URLSearchParams();
    for (const input of form.inputs) if (input.type === 'hidden') body.append(input.name, input.value);
    body.set('username', username);
    body.set('password', password);
    const response = await send(jar, `${server.baseUrl}${form.action}`, body.toString());
    return { response, jar };
  }

  async function auditEvents(providerId: string): Promise<AuditEvent[]> {
    const response = await admin('GET', '/admin/audit?event=federated_sign_in&limit=500');
    const { events } = (await response.json()) as { events: AuditEvent[] };
    return events.filter((event) => event.detail.provider === providerId);
  }

  async function localSignIn(username: string, password: string): Promise<Response> {
    const jar = new CookieJar();
    const page = await send(jar, `${server.baseUrl}/login`);
    const form = parseForms(await page.text()).find((candidate) => candidate.action === '/login')!;
    const body = new URLSearchParams();
    for (const input of form.inputs) if (input.type === 'hidden') body.append(input.name, input.value);
    body.set('username', username);
    body.set('password', password);
    return send(jar, `${server.baseUrl}/login`, body.toString());
  }

  beforeAll(async () => {
    ldap = await startSlapd();
    server = await startTestApp({ ADMIN_TOKEN });
    await createProvider(ids.create);
    await createProvider(ids.linkOnly, { provisioning: 'link-only' });
    // Only entries described as "solo" can sign in here: exactly one person, so an unescaped `*` would be them.
    await createProvider(ids.narrow, { user_filter: '(&(objectClass=inetOrgPerson)(description=solo)(uid={username}))' });
  }, 60_000);

  afterAll(async () => {
    // Other specs share the database: their sign-in pages should not offer these providers.
    if (server) for (const id of Object.values(ids)) await admin('DELETE', `/admin/identity-providers/${id}`);
    await server?.close();
    await ldap?.stop();
  });

  it('runs a SMART authorization (code + PKCE) through the directory page: fhirUser and role from the directory, a new user without a local password', async () => {
    const doctor = await person(['staff', 'clinicians'], { employeeNumber: 'Practitioner/123' });
    const app = await createApp(server);
    const { verifier, challenge } = pkce();
    const query = authorizeParams(server, app, challenge, { scope: 'openid fhirUser profile user/*.rs' });
    const { response, jar } = await ldapSignIn(ids.create, doctor.uid, doctor.password, { authorizeQuery: query });
    expect(response.status).toBe(303);
    const resumed = new URL(response.headers.get('location')!, server.baseUrl);
    expect(resumed.pathname).toBe('/authorize');
    expect(resumed.searchParams.get('client_id')).toBe(app.clientId);

    const result = await driveAuthorization(server.baseUrl, Object.fromEntries(resumed.searchParams), {
      jar,
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
    const tokens = (await token.json()) as { id_token: string; fhirUser?: string };
    const claims = decodeJwt(tokens.id_token);
    expect(claims.fhirUser).toBe(`${server.fhirBaseUrl}/Practitioner/123`);
    // RFC 8176: the person typed their password on this server's page (the directory checked it).
    expect(claims.amr).toEqual(['pwd']);

    const users = server.app.get(UsersService);
    const user = await users.findById(claims.sub as string);
    expect(user).toMatchObject({
      username: `${doctor.uid}@${ids.create}`.toLowerCase(),
      role: 'practitioner',
      fhirUser: 'Practitioner/123',
      displayName: `Dr ${doctor.uid}`,
    });
    // Linked by the entry's entryUUID (RFC 4530), never by name.
    const links = (await (await admin('GET', `/admin/identity-providers/${ids.create}/links`)).json()) as Array<{
      subject: string;
      user_id: string;
    }>;
    expect(links.find((link) => link.user_id === user!.id)?.subject).toBe(await ldap.entryUuid(doctor.dn));

    // No local password: the directory's username and password do not work on the local form.
    for (const name of [doctor.uid, user!.username]) expect((await localSignIn(name, doctor.password)).status).toBe(401);
    expect(await users.verifyPassword(user!.username, doctor.password)).toBeNull();
  });

  it('a second sign-in reuses the same user, and the role follows the directory groups', async () => {
    const nurse = await person(['clinicians'], { employeeNumber: 'Practitioner/456' });
    const first = await ldapSignIn(ids.create, nurse.uid, nurse.password);
    expect(first.response.status).toBe(303);
    expect(first.response.headers.get('location')).toBe('/apps');
    const second = await ldapSignIn(ids.create, nurse.uid, nurse.password);
    expect(second.response.status).toBe(303);
    const links = (await (await admin('GET', `/admin/identity-providers/${ids.create}/links`)).json()) as Array<{
      subject: string;
      user_id: string;
    }>;
    const subject = await ldap.entryUuid(nurse.dn);
    expect(links.filter((link) => link.subject === subject)).toHaveLength(1);
    const successes = (await auditEvents(ids.create)).filter((event) => event.outcome === 'success' && event.detail.subject === subject);
    expect(successes).toHaveLength(2);
    expect(successes[0].user_id).toBe(successes[1].user_id);
    expect(successes[0].user_id).toBe(links.find((link) => link.subject === subject)!.user_id);

    // A person in no mapped group is refused (default_role is null).
    const visitor = await person(['visitors'], { employeeNumber: 'Practitioner/789' });
    const refused = await ldapSignIn(ids.create, visitor.uid, visitor.password);
    expect(refused.response.status).toBe(403);
    expect(await pageText(refused.response)).toContain('not in a group that may use this service');
  });

  it('link-only refuses a person nobody linked, and signs in the user the operator linked', async () => {
    const doctor = await person(['clinicians'], { employeeNumber: 'Practitioner/linked-1' });
    const refused = await ldapSignIn(ids.linkOnly, doctor.uid, doctor.password);
    expect(refused.response.status).toBe(403);
    expect(await pageText(refused.response)).toContain('Ask the administrator to link it');
    expect((await auditEvents(ids.linkOnly)).some((event) => event.outcome === 'failure' && event.detail.reason === 'not-linked')).toBe(
      true,
    );

    const { user } = await createUser(server, 'practitioner', 'Practitioner/linked-1');
    const subject = await ldap.entryUuid(doctor.dn);
    expect((await admin('POST', `/admin/identity-providers/${ids.linkOnly}/links`, { subject, user_id: user.id })).status).toBe(201);
    const linked = await ldapSignIn(ids.linkOnly, doctor.uid, doctor.password);
    expect(linked.response.status).toBe(303);
    const apps = await send(linked.jar, `${server.baseUrl}/apps`);
    expect(apps.status).toBe(200);
    // Signed in as the linked user, whose name now comes from the directory.
    expect(await apps.text()).toContain(`Dr ${doctor.uid}`);
    expect((await server.app.get(UsersService).findById(user.id))?.displayName).toBe(`Dr ${doctor.uid}`);
  });

  it('a wrong password gets the generic message with 401, audited with the provider id; a success is audited', async () => {
    const doctor = await person(['clinicians'], { employeeNumber: 'Practitioner/audit-1' });
    const wrong = await ldapSignIn(ids.create, doctor.uid, 'not-the-password');
    expect(wrong.response.status).toBe(401);
    const html = await wrong.response.text();
    expect(html).toContain(GENERIC);
    // Back on the provider's page, the username kept, the password not.
    expect(html).toContain(`action="/federation/${ids.create}/login"`);
    expect(html).not.toContain('not-the-password');
    // An unknown person gets exactly the same answer.
    const unknown = await ldapSignIn(ids.create, 'nobody-here', 'whatever');
    expect(unknown.response.status).toBe(401);
    expect(await unknown.response.text()).toContain(GENERIC);

    const right = await ldapSignIn(ids.create, doctor.uid, doctor.password);
    expect(right.response.status).toBe(303);
    const events = await auditEvents(ids.create);
    expect(events.some((event) => event.outcome === 'failure' && event.detail.reason === 'invalid-credentials')).toBe(true);
    expect(events.some((event) => event.outcome === 'failure' && event.detail.reason === 'not-found')).toBe(true);
    const subject = await ldap.entryUuid(doctor.dn);
    expect(events.some((event) => event.outcome === 'success' && event.detail.subject === subject && event.user_id !== null)).toBe(true);
  });

  it('usernames with filter syntax (RFC 4515 injection) never sign anyone in', async () => {
    const solo = await person(['clinicians'], { employeeNumber: 'Practitioner/solo', description: 'solo' });
    const adminUid = `admin${unique('x').replace(/-/g, '')}`;
    await ldap.addUser({ uid: adminUid, password: 'admin-user-pw', employeeNumber: 'Practitioner/adm' });
    await ldap.addToGroup('clinicians', `uid=${adminUid},${PEOPLE}`);
    const tally = async () => {
      const events = [...(await auditEvents(ids.create)), ...(await auditEvents(ids.narrow))];
      return {
        successes: events.filter((event) => event.outcome === 'success').length,
        notFound: events.filter((event) => event.detail.reason === 'not-found').length,
        all: events.length,
      };
    };
    const before = await tally();

    const attempts: Array<[string, string, string]> = [
      // Unescaped, `(uid=*)` would match the one "solo" person of this provider, who has this password.
      [ids.narrow, '*', solo.password],
      [ids.narrow, `${solo.uid.slice(0, 3)}*`, solo.password],
      // Unescaped, `(uid=admin…)(uid=*)` would be the admin entry, and its password the right one.
      [ids.create, `${adminUid})(uid=*`, 'admin-user-pw'],
      [ids.create, '*)(|(uid=*', 'admin-user-pw'],
      [ids.create, '*', 'admin-user-pw'],
      [ids.create, `${adminUid})(|(userPassword=*`, 'anything'],
    ];
    for (const [provider, username, password] of attempts) {
      const { response, jar } = await ldapSignIn(provider, username, password);
      expect({ username, status: response.status }).toEqual({ username, status: 401 });
      expect(await response.text()).toContain(GENERIC);
      expect((await send(jar, `${server.baseUrl}/apps`)).status).not.toBe(200);
    }
    // Each was looked up as a literal name (RFC 4515 §3 escaping) and found nobody.
    expect(await tally()).toEqual({
      successes: before.successes,
      notFound: before.notFound + attempts.length,
      all: before.all + attempts.length,
    });

    // A name too long to check is refused, not checked cut short (which, with the spaces the directory ignores,
    // would have been the solo person's name).
    const padded = await ldapSignIn(ids.narrow, `${solo.uid}${' '.repeat(300)}x`, solo.password);
    expect(padded.response.status).toBe(401);

    // The real names still work, so the refusals above are the escaping, not a broken provider.
    expect((await ldapSignIn(ids.narrow, solo.uid, solo.password)).response.status).toBe(303);
    expect((await ldapSignIn(ids.create, adminUid, 'admin-user-pw')).response.status).toBe(303);
  });

  it('a directory that is down or not answering is a readable 503 page, never a 500', async () => {
    const closedId = unique('ldap-closed');
    const silentId = unique('ldap-silent');
    const stoppedId = unique('ldap-stopped');
    const silent = await startSilentServer();
    const stopped = await startSlapd();
    const dn = await stopped.addUser({ uid: 'gone', password: 'gone-pw', employeeNumber: 'Practitioner/gone' });
    await stopped.addToGroup('clinicians', dn);
    try {
      await createProvider(closedId, { url: `ldap://127.0.0.1:${await freePort()}` });
      await createProvider(silentId, { url: silent.url, timeout_ms: 300 });
      await createProvider(stoppedId, { url: stopped.url });
      expect((await ldapSignIn(stoppedId, 'gone', 'gone-pw')).response.status).toBe(303);
      await stopped.stop();

      for (const id of [closedId, silentId, stoppedId]) {
        const started = Date.now();
        const { response } = await ldapSignIn(id, 'gone', 'gone-pw');
        expect({ id, status: response.status }).toEqual({ id, status: 503 });
        expect(response.headers.get('content-type')).toMatch(/text\/html/);
        const text = await pageText(response);
        expect(text).toContain(`Directory ${id} cannot be reached right now`);
        expect(text).not.toMatch(/ECONNREFUSED|Error:|at .*\.ts/);
        expect(Date.now() - started).toBeLessThan(5000);
        // The operator learns why in the audit log (the connector's sentence), the person does not.
        const audited = (await auditEvents(id)).find((event) => event.outcome === 'failure' && event.detail.reason === 'unavailable');
        expect(audited?.detail.detail).toMatch(
          id === silentId
            ? /did not answer within 300 ms|did not accept a connection/
            : /cannot reach .*connection refused|closed the connection/,
        );
      }
    } finally {
      await silent.stop();
      await stopped.stop();
      for (const id of [closedId, silentId, stoppedId]) await admin('DELETE', `/admin/identity-providers/${id}`);
    }
  });

  it('throttles repeated failures for one username like local sign-in, apart from local accounts of that name', async () => {
    const doctor = await person(['clinicians'], { employeeNumber: 'Practitioner/throttled' });
    // A local account with the same username: its failures are counted apart from the directory's.
    await server.app.get(UsersService).create({
      username: doctor.uid,
      password: 'local-password-123',
      displayName: 'Local twin',
      fhirUser: 'Practitioner/twin',
      role: 'practitioner',
    });
    for (let attempt = 0; attempt < 5; attempt++)
      expect((await ldapSignIn(ids.create, doctor.uid, `wrong-${attempt}`)).response.status).toBe(401);
    const failuresBefore = (await auditEvents(ids.create)).filter((event) => event.outcome === 'failure').length;

    // Now even the right password is refused, with the same words, and the directory is not asked.
    const throttled = await ldapSignIn(ids.create, doctor.uid, doctor.password);
    expect(throttled.response.status).toBe(401);
    expect(await throttled.response.text()).toContain(GENERIC);
    expect((await send(throttled.jar, `${server.baseUrl}/apps`)).status).not.toBe(200);
    const after = await auditEvents(ids.create);
    expect(after.filter((event) => event.outcome === 'failure').length).toBe(failuresBefore);
    const subject = await ldap.entryUuid(doctor.dn);
    expect(after.some((event) => event.outcome === 'success' && event.detail.subject === subject)).toBe(false);

    // Spellings the directory treats as the same name (RFC 4518: case, compatibility forms such as fullwidth
    // letters, surrounding spaces) are the same account here: none escapes the count.
    const fullwidth = (text: string) => text.replace(/[!-~]/g, (char) => String.fromCharCode(char.charCodeAt(0) + 0xfee0));
    for (const variant of [doctor.uid.toUpperCase(), fullwidth(doctor.uid), fullwidth(doctor.uid.toUpperCase()), ` ${doctor.uid}  `]) {
      const attempt = await ldapSignIn(ids.create, variant, doctor.password);
      expect({ variant, status: attempt.response.status }).toEqual({ variant, status: 401 });
    }
    expect((await auditEvents(ids.create)).filter((event) => event.outcome === 'failure').length).toBe(failuresBefore);

    // Another directory person and the local account of the same name are not throttled.
    const other = await person(['clinicians'], { employeeNumber: 'Practitioner/other' });
    expect((await ldapSignIn(ids.create, other.uid, other.password)).response.status).toBe(303);
    expect((await localSignIn(doctor.uid, 'local-password-123')).status).toBe(303);
  });

  it('POST /admin/identity-providers/{id}/test says what is wrong in plain words', async () => {
    const id = unique('ldap-test');
    try {
      await createProvider(id);
      const good = await admin('POST', `/admin/identity-providers/${id}/test`);
      expect(good.status).toBe(200);
      // Plain ldap:// on the same machine: nothing to warn about.
      expect(await good.json()).toEqual({ ok: true, problems: [], details: { warnings: [] } });

      expect((await admin('PATCH', `/admin/identity-providers/${id}`, { bind_password: 'not-the-service-password' })).status).toBe(200);
      const wrongPassword = (await (await admin('POST', `/admin/identity-providers/${id}/test`)).json()) as {
        ok: boolean;
        problems: string[];
      };
      expect(wrongPassword.ok).toBe(false);
      expect(wrongPassword.problems).toContain("the service account's password was refused");
      // A sign-in meanwhile is the administrator's problem, not the person's password: 502, not "wrong password".
      const doctor = await person(['clinicians'], { employeeNumber: 'Practitioner/cfg' });
      const misconfigured = await ldapSignIn(id, doctor.uid, doctor.password);
      expect(misconfigured.response.status).toBe(502);
      expect(await pageText(misconfigured.response)).toContain('Please tell the administrator');

      const closed = `ldap://127.0.0.1:${await freePort()}`;
      expect((await admin('PATCH', `/admin/identity-providers/${id}`, { bind_password: SERVICE_PASSWORD, url: closed })).status).toBe(200);
      const unreachable = (await (await admin('POST', `/admin/identity-providers/${id}/test`)).json()) as {
        ok: boolean;
        problems: string[];
      };
      expect(unreachable.ok).toBe(false);
      expect(unreachable.problems).toContain(`cannot reach ${closed}: connection refused`);

      const unknownHost = 'ldap://ldap.invalid:389';
      expect((await admin('PATCH', `/admin/identity-providers/${id}`, { url: unknownHost })).status).toBe(200);
      const noHost = (await (await admin('POST', `/admin/identity-providers/${id}/test`)).json()) as {
        ok: boolean;
        problems: string[];
        details: { warnings: string[] };
      };
      expect(noHost.ok).toBe(false);
      expect(noHost.details.warnings).toContain('passwords cross the network unencrypted: use ldaps:// or StartTLS');
      expect(noHost.problems.join(' ')).toMatch(
        /cannot reach ldap:\/\/ldap\.invalid:389: the host name (does not resolve|could not be resolved now)/,
      );
    } finally {
      await admin('DELETE', `/admin/identity-providers/${id}`);
    }
  });
});
