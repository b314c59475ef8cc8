import { createApp, createUser, insertPatient, unique } from '../utils/authorize-fixtures';
import { CookieJar, parseForms } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

describe('first-run pages: home, demo EHR launcher, demo app', () => {
  let server: TestApp;
  let demo: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
    demo = await startTestApp({ SEED_DEMO_DATA: 'true' });
  });

  afterAll(async () => {
    await demo?.close();
    await server?.close();
  });

  it('the home page links the demo app, connected apps, API docs and (with demo data) the EHR launcher', async () => {
    const plain = await (await fetch(`${server.baseUrl}/`)).text();
    for (const link of ['/demo-app', '/apps', '/docs']) expect(plain).toContain(`href="${link}"`);
    expect(plain).not.toContain('href="/ehr"');
    expect(await (await fetch(`${demo.baseUrl}/`)).text()).toContain('href="/ehr"');
  });

  it('the EHR launcher is off without demo data', async () => {
    expect((await fetch(`${server.baseUrl}/ehr`)).status).toBe(404);
  });

  it('the demo app page loads its script from /static and has no inline script', async () => {
    const response = await fetch(`${server.baseUrl}/demo-app`);
    const html = await response.text();
    expect(html).toMatch(/<script src="\/static\/demo-app.js" defer><\/script>/);
    expect(html).not.toMatch(/<script>/);
    expect((await fetch(`${server.baseUrl}/static/demo-app.js`)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/demo-app/callback?code=x&state=y`)).status).toBe(200);
  });

  it('the EHR launcher creates a launch context and opens the app launch URL with iss and launch', async () => {
    const app = await createApp(demo, { launchUrl: `https://${unique('launcher')}.example.org/launch?v=1` });
    const patientId = await insertPatient(demo, 'Launcherton');
    const { username } = await createUser(demo, 'practitioner', 'Practitioner/launcher');
    const jar = new CookieJar();
    const page = await fetch(`${demo.baseUrl}/ehr`);
    jar.store(page);
    const html = await page.text();
    expect(html).toContain(`value="${app.clientId}"`);
    expect(html).toContain(`value="${username}"`);
    for (const id of ['client_id', 'user', 'patient', 'encounter', 'intent']) expect(html).toContain(`<label for="${id}">`);
    const form = parseForms(html)[0];
    const csrf = form.inputs.find((input) => input.name === 'csrf_token')!.value;
    const response = await fetch(`${demo.baseUrl}/ehr`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: jar.header(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf_token: csrf, client_id: app.clientId, user: username, patient: patientId }).toString(),
    });
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
