import { randomBytes } from 'node:crypto';
import { createApp, insertPatient, unique } from '../utils/authorize-fixtures';
import { CookieJar, parseForms } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;

describe('first-run pages: home, demo EHR launcher, demo app', () => {
  let server: TestApp;
  let demo: TestApp;
  let demoOff: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
    demo = await startTestApp({ SEED_DEMO_DATA: 'true', ADMIN_TOKEN });
    demoOff = await startTestApp({ SEED_DEMO_DATA: 'true', DEMO_PAGES: 'false' });
  });

  afterAll(async () => {
    await demoOff?.close();
    await demo?.close();
    await server?.close();
  });

  async function launcherForm(): Promise<{ html: string; jar: CookieJar; csrf: string }> {
    const jar = new CookieJar();
    const page = await fetch(`${demo.baseUrl}/ehr`);
    jar.store(page);
    const html = await page.text();
    const csrf = parseForms(html)[0].inputs.find((input) => input.name === 'csrf_token')!.value;
    return { html, jar, csrf };
  }

  async function postLauncher(jar: CookieJar, form: Record<string, string>): Promise<Response> {
    return fetch(`${demo.baseUrl}/ehr`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: jar.header(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  it('the home page links connected apps and API docs, and the demo pages only when they are on', async () => {
    const plain = await (await fetch(`${server.baseUrl}/`)).text();
    for (const link of ['/apps', '/docs']) expect(plain).toContain(`href="${link}"`);
    for (const link of ['/ehr', '/demo-app']) expect(plain).not.toContain(`href="${link}"`);
    const withDemo = await (await fetch(`${demo.baseUrl}/`)).text();
    for (const link of ['/ehr', '/demo-app']) expect(withDemo).toContain(`href="${link}"`);
  });

  it('the EHR launcher and the demo app are 404 without demo data', async () => {
    expect((await fetch(`${server.baseUrl}/ehr`)).status).toBe(404);
    expect((await fetch(`${server.baseUrl}/demo-app`)).status).toBe(404);
  });

  it('DEMO_PAGES=false turns every demo page off (404) and the home page does not link them, even with demo data', async () => {
    for (const path of ['/ehr', '/demo-app', '/demo-app/launch', '/demo-app/callback?code=x&state=y']) {
      expect((await fetch(`${demoOff.baseUrl}${path}`)).status).toBe(404);
    }
    const post = await fetch(`${demoOff.baseUrl}/ehr`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'demo-public-app', user: 'clinician' }).toString(),
    });
    expect(post.status).toBe(404);
    const home = await (await fetch(`${demoOff.baseUrl}/`)).text();
    expect(home).not.toContain('href="/ehr"');
    expect(home).not.toContain('href="/demo-app"');
    expect(home).not.toContain('clinician-demo-password');
  });

  it('the launcher lists only the seeded demo users; a user an operator created is neither listed nor launchable', async () => {
    const username = unique('operator-made');
    const created = await fetch(`${demo.baseUrl}/admin/users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        username,
        password: `pw-${randomBytes(12).toString('hex')}`,
        display_name: 'Operator Made',
        fhir_user: 'Practitioner/operator-made',
        role: 'practitioner',
      }),
    });
    expect(created.status).toBe(201);
    const app = await createApp(demo, { launchUrl: `https://${unique('launcher')}.example.org/launch` });
    const { html, jar, csrf } = await launcherForm();
    expect(html).toContain('value="clinician"');
    expect(html).toContain('value="patient"');
    expect(html).not.toContain(username);

    const refused = await postLauncher(jar, { csrf_token: csrf, client_id: app.clientId, user: username });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/text\/html/);
    expect(refused.headers.get('location')).toBeNull();
    expect(await refused.text()).toContain('only the demo users');
    // Naming the user by fhirUser reference instead of username is refused as well.
    const byReference = await postLauncher(jar, { csrf_token: csrf, client_id: app.clientId, user: 'Practitioner/operator-made' });
    expect(byReference.status).toBe(400);
  });

  it('the demo app page loads its script from /static and has no inline script', async () => {
    const response = await fetch(`${demo.baseUrl}/demo-app`);
    const html = await response.text();
    expect(html).toMatch(/<script src="\/static\/demo-app.js" defer><\/script>/);
    expect(html).not.toMatch(/<script>/);
    expect((await fetch(`${demo.baseUrl}/static/demo-app.js`)).status).toBe(200);
    expect((await fetch(`${demo.baseUrl}/demo-app/callback?code=x&state=y`)).status).toBe(200);
  });

  it('the EHR launcher creates a launch context for a demo user and opens the app launch URL with iss and launch', async () => {
    const app = await createApp(demo, { launchUrl: `https://${unique('launcher')}.example.org/launch?v=1` });
    const patientId = await insertPatient(demo, 'Launcherton');
    const { html, jar, csrf } = await launcherForm();
    expect(html).toContain(`value="${app.clientId}"`);
    for (const id of ['client_id', 'user', 'patient', 'encounter', 'intent']) expect(html).toContain(`<label for="${id}">`);
    const response = await postLauncher(jar, { csrf_token: csrf, client_id: app.clientId, user: 'clinician', patient: patientId });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location') as string);
    expect(`${location.origin}${location.pathname}`).toMatch(/\/launch$/);
    expect(location.searchParams.get('v')).toBe('1');
    expect(location.searchParams.get('iss')).toBe(demo.fhirBaseUrl);
    expect(location.searchParams.get('launch')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('the EHR launcher refuses a post without its CSRF token', async () => {
    const app = await createApp(demo, { launchUrl: 'https://csrf.example.org/launch' });
    const response = await fetch(`${demo.baseUrl}/ehr`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: app.clientId }).toString(),
    });
    expect(response.status).toBe(403);
  });
});
