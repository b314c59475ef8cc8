import { DataSource } from 'typeorm';
import { hashToken } from '../../src/common/crypto/random-token';
import { authorizeParams, createApp, createEhr, createUser, insertPatient, pkce } from '../utils/authorize-fixtures';
import { CookieJar, driveAuthorization, parseForms } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

// SMART App Launch 2.2 §Launch App: EHR Launch: an EHR's word is good for its one launch, in the browser that opened it, and nothing more.
describe('EHR launch: bound to one browser, one request, never a sign-in session', () => {
  let server: TestApp;
  let ehr: { clientId: string; basic: string };
  let app: { clientId: string; redirectUri: string };
  let patientId: string;
  let clinician: Awaited<ReturnType<typeof createUser>>;
  const { challenge } = pkce();

  beforeAll(async () => {
    server = await startTestApp();
    ehr = await createEhr(server);
    app = await createApp(server, { launchUrl: 'https://bound-app.example.org/launch' });
    patientId = await insertPatient(server, 'Boundlaunch');
    clinician = await createUser(server, 'practitioner', 'Practitioner/bound-doc');
  });

  afterAll(async () => {
    await server.close();
  });

  async function launchFor(user: string): Promise<string> {
    const response = await fetch(`${server.baseUrl}/launch`, {
      method: 'POST',
      headers: { Authorization: ehr.basic, 'Content-Type': 'application/json' },
      body: JSON.stringify({ target_client_id: app.clientId, patient: patientId, user }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { launch: string }).launch;
  }

  async function get(jar: CookieJar, path: string): Promise<Response> {
    const response = await fetch(`${server.baseUrl}${path}`, {
      headers: { Cookie: jar.header(), Accept: 'text/html' },
      redirect: 'manual',
    });
    jar.store(response);
    return response;
  }

  async function post(jar: CookieJar, path: string, body: URLSearchParams): Promise<Response> {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: jar.header(), 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
      body: body.toString(),
    });
    jar.store(response);
    return response;
  }

  const title = (html: string) => html.match(/<h1>([\s\S]*?)<\/h1>/)?.[1].trim() ?? '';
  const errorOf = (response: Response) => new URL(response.headers.get('location') ?? 'x:/').searchParams.get('error');

  /** Opens the launch URL's /authorize in a browser (jar); prompt=consent so a remembered grant still shows the page. */
  async function openLaunch(jar: CookieJar, launch: string, state = 'launch-state'): Promise<{ response: Response; html: string }> {
    const query = new URLSearchParams(
      authorizeParams(server, app, challenge, { scope: 'launch openid fhirUser patient/*.rs', launch, state, prompt: 'consent' }),
    );
    const response = await get(jar, `/authorize?${query}`);
    return { response, html: response.status === 200 ? await response.text() : '' };
  }

  function approval(html: string): URLSearchParams {
    const form = parseForms(html).find((candidate) => candidate.action === '/authorize/continue');
    if (!form) throw new Error(`no consent form on "${title(html)}"`);
    const body = new URLSearchParams();
    for (const input of form.inputs)
      if (input.type === 'hidden' || (input.type === 'checkbox' && input.checked)) body.append(input.name, input.value);
    body.set('decision', 'approve');
    return body;
  }

  it('a second browser presenting the same launch URL is not signed in as the launch user', async () => {
    const launch = await launchFor(clinician.username);
    const first = new CookieJar();
    const opened = await openLaunch(first, launch);
    expect(opened.response.status).toBe(200);
    expect(title(opened.html)).toMatch(/^Allow /);

    // Another browser (its own cookie jar) with the very same URL: no consent page, no identity, no code.
    const second = new CookieJar();
    const stolen = await openLaunch(second, launch, 'stolen');
    expect(stolen.response.status).toBe(302);
    expect(errorOf(stolen.response)).toBe('invalid_request');
    expect(stolen.html).not.toContain(clinician.user.displayName);
    // Nor by posting the first browser's consent form (its CSRF token is bound to the first browser's cookie).
    const replayed = await post(second, '/authorize/continue', approval(opened.html));
    expect(replayed.headers.get('location') ?? '').not.toContain('code=');
    expect([302, 403]).toContain(replayed.status);

    // The first browser still completes the launch.
    const done = await post(first, '/authorize/continue', approval(opened.html));
    expect(done.status).toBe(302);
    expect(new URL(done.headers.get('location') as string).searchParams.get('code')).toEqual(expect.any(String));
  });

  it('a second browser that presents the launch first takes it; the EHR user browser then gets invalid_request', async () => {
    const launch = await launchFor(clinician.username);
    const attacker = new CookieJar();
    expect(title((await openLaunch(attacker, launch)).html)).toMatch(/^Allow /);
    const late = await openLaunch(new CookieJar(), launch, 'late');
    expect(errorOf(late.response)).toBe('invalid_request');
  });

  it('after an EHR launch, /apps and another client ask for a real sign-in', async () => {
    const launch = await launchFor(clinician.username);
    const jar = new CookieJar();
    const opened = await openLaunch(jar, launch);
    expect(title(opened.html)).toMatch(/^Allow /);
    // While the launch is being authorized the browser is not signed in anywhere else.
    const during = await get(jar, '/apps');
    expect(during.status).toBe(303);
    expect(during.headers.get('location')).toMatch(/^\/login/);

    const done = await post(jar, '/authorize/continue', approval(opened.html));
    expect(new URL(done.headers.get('location') as string).searchParams.get('code')).toEqual(expect.any(String));
    expect(jar.header()).not.toContain('smart_auth_session=');

    const apps = await get(jar, '/apps');
    expect(apps.status).toBe(303);
    expect(apps.headers.get('location')).toMatch(/^\/login/);

    const other = await createApp(server);
    const otherQuery = new URLSearchParams(authorizeParams(server, other, challenge, { scope: 'openid fhirUser user/*.rs' }));
    const otherAuthorize = await get(jar, `/authorize?${otherQuery}`);
    expect(otherAuthorize.status).toBe(200);
    expect(title(await otherAuthorize.text())).toBe('Sign in');
    const silent = await get(jar, `/authorize?${otherQuery}&prompt=none`);
    expect(errorOf(silent)).toBe('login_required');
    // The same app without a launch is no different.
    const again = await get(
      jar,
      `/authorize?${new URLSearchParams(authorizeParams(server, app, challenge, { scope: 'openid fhirUser user/*.rs' }))}`,
    );
    expect(title(await again.text())).toBe('Sign in');
  });

  it('the launch identity ends when the code is issued', async () => {
    const launch = await launchFor(clinician.username);
    const jar = new CookieJar();
    const opened = await openLaunch(jar, launch);
    const body = approval(opened.html);
    const done = await post(jar, '/authorize/continue', body);
    expect(new URL(done.headers.get('location') as string).searchParams.get('code')).toEqual(expect.any(String));
    // The same browser posting the same consent again gets no second code.
    const again = await post(jar, '/authorize/continue', body);
    expect(again.status).toBe(302);
    expect(errorOf(again)).toBe('invalid_request');
    // Nothing of the launch user is left in this browser: the same app without the launch needs a sign-in.
    const silent = await get(
      jar,
      `/authorize?${new URLSearchParams(authorizeParams(server, app, challenge, { scope: 'openid fhirUser patient/*.rs', prompt: 'none', state: 'after' }))}`,
    );
    expect(errorOf(silent)).toBe('login_required');
  });

  it('the launch identity expires with the launch (five minutes)', async () => {
    const launch = await launchFor(clinician.username);
    const jar = new CookieJar();
    const opened = await openLaunch(jar, launch);
    expect(title(opened.html)).toMatch(/^Allow /);
    // Five minutes pass (moved in the database rather than waited for).
    await server.app
      .get(DataSource)
      .query(
        `UPDATE launch_contexts SET expires_at = now() - interval '1 second', created_at = now() - interval '301 seconds' WHERE launch_hash = $1`,
        [hashToken(launch)],
      );
    const late = await post(jar, '/authorize/continue', approval(opened.html));
    expect(late.status).toBe(302);
    expect(errorOf(late)).toBe('invalid_request');
    expect(late.headers.get('location')).not.toContain('code=');
    const reopened = await openLaunch(jar, launch, 'reopened');
    expect(errorOf(reopened.response)).toBe('invalid_request');
    // And the identity did not outlive the launch as a session.
    expect((await get(jar, '/apps')).status).toBe(303);
    const silent = await get(
      jar,
      `/authorize?${new URLSearchParams(authorizeParams(server, app, challenge, { scope: 'openid fhirUser patient/*.rs', prompt: 'none', state: 'expired' }))}`,
    );
    expect(errorOf(silent)).toBe('login_required');
  });

  it('a signed-in browser keeps its own session; the launch user is not swapped in for it', async () => {
    const other = await createUser(server, 'practitioner', 'Practitioner/bound-other');
    const jar = new CookieJar();
    // Sign in as `other` through an ordinary authorization first.
    const signedIn = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { scope: 'openid user/*.rs' }), {
      ...other,
      jar,
    });
    expect(signedIn.code).toEqual(expect.any(String));
    const opened = await openLaunch(jar, await launchFor(clinician.username));
    expect(opened.html).toContain(clinician.user.displayName);
    const apps = await get(jar, '/apps');
    expect(apps.status).toBe(200);
    const html = await apps.text();
    expect(html).toContain(other.user.displayName);
    expect(html).not.toContain(clinician.user.displayName);
  });
});
