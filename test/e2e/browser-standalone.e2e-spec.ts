import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { ClientsService } from '../../src/clients/clients.service';
import { AuthorizationCodeService } from '../../src/authorize/authorization-code.service';
import { APP_SCOPE, authorizeParams, createApp, createUser, insertEncounter, insertPatient, pkce } from '../utils/authorize-fixtures';
import { driveAuthorization } from '../utils/authorize-flow';
import { launchChromium } from '../utils/browser';
import { startTestApp, TestApp } from '../utils/test-app';

const SCREENSHOTS = join(__dirname, '..', 'screenshots');
const VIEWPORTS = [
  { name: 'desktop', viewport: { width: 1280, height: 900 } },
  { name: 'phone', viewport: { width: 375, height: 740 } },
];

// Drives the real pages in Chromium: home → demo app → sign-in → patient picker → consent → callback.
describe('browser: standalone launch of the demo SMART app', () => {
  let server: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // The demo app is a demo page: on only with demo data (and DEMO_PAGES not false).
    server = await startTestApp({ SEED_DEMO_DATA: 'true' });
    const clients = server.app.get(ClientsService);
    const settings = {
      name: 'Demo SMART app',
      type: 'public' as const,
      tokenEndpointAuthMethod: 'none' as const,
      redirectUris: [`${server.baseUrl}/demo-app/callback`],
      launchUrl: `${server.baseUrl}/demo-app/launch`,
      grantTypes: ['authorization_code', 'refresh_token'],
      scope: APP_SCOPE,
      jwks: null,
      jwksUri: null,
      allowRefreshTokens: true,
    };
    // Each test server has its own port: add this server's callback to the demo client, keeping any others.
    const existing = await clients.findById('demo-public-app');
    if (existing)
      await clients.update('demo-public-app', {
        redirectUris: [...new Set([...existing.redirectUris, ...settings.redirectUris])],
        scope: APP_SCOPE,
      });
    else await clients.create(settings, { clientId: 'demo-public-app' });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it.each(VIEWPORTS)(
    'completes a launch through the real pages ($name)',
    async ({ name, viewport }) => {
      const patientId = await insertPatient(server, `Browser${name}`);
      const encounterId = await insertEncounter(server, patientId);
      const { username, password } = await createUser(server, 'practitioner', 'Practitioner/browser-doc');
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/.test(message.text())) errors.push(message.text());
      });
      const shot = (step: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}-${step}.png`), fullPage: true });
      try {
        await page.goto(`${server.baseUrl}/`);
        expect(await page.textContent('h1')).toBe('smart-auth');
        await shot('01-home');
        await page.click('text=Demo SMART app');
        await page.waitForURL(`${server.baseUrl}/demo-app`);
        await shot('02-demo-app');

        await page.click('#launch-standalone');
        await page.waitForSelector('input[name="password"]');
        await expectReadableAndLabelled(page);
        await shot('03-sign-in');
        await page.getByLabel('Username').fill(username);
        await page.getByLabel('Password').fill(password);
        await page.click('button[type="submit"]');

        await page.waitForSelector('input[name="patient_search"]');
        await page.getByLabel('Search by name or id').fill(`Browser${name}`);
        await page.click('button[value="search"]');
        await page.waitForSelector(`input[name="patient"][value="${patientId}"]`);
        await expectReadableAndLabelled(page);
        await shot('04-patient-picker');
        await page.check(`input[name="patient"][value="${patientId}"]`);
        await page.click('button[value="choose"]');

        await page.waitForSelector('input[name="encounter"]');
        await expectReadableAndLabelled(page);
        await shot('04b-encounter-picker');
        await page.check(`input[name="encounter"][value="${encounterId}"]`);
        await page.click('button[type="submit"]');

        await page.waitForSelector('button[value="approve"]');
        await expectReadableAndLabelled(page);
        await shot('05-consent');
        await page.click('button[value="approve"]');

        await page.waitForURL(/\/demo-app\/callback/);
        await page.waitForSelector('#results:not([hidden])', { timeout: 15_000 }).catch(async () => {
          throw new Error(`Demo app did not show results: ${await page.textContent('#status')}`);
        });
        const tokenResponse = JSON.parse((await page.textContent('#token-response')) as string) as Record<string, unknown>;
        expect(tokenResponse).toMatchObject({
          token_type: expect.stringMatching(/^bearer$/i),
          patient: patientId,
          encounter: encounterId,
          access_token: expect.any(String),
        });
        expect(await page.textContent('#id-token-claims')).toMatch(/"fhirUser"/);
        expect(await page.textContent('#patient-name')).toBe(`Patient: Test Browser${name}`);
        await shot('06-demo-app-result');

        await page.click('#refresh');
        await page.waitForFunction(() => /Refreshed at/.test(document.getElementById('status')?.textContent ?? ''));
        await page.click('#revoke');
        await page.waitForFunction(() => /Token revoked/.test(document.getElementById('status')?.textContent ?? ''));
        await page.click('#refresh');
        await page.waitForFunction(() => /invalid_grant|Token endpoint/.test(document.getElementById('status')?.textContent ?? ''));
        await shot('07-demo-app-revoked');
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    },
    60_000,
  );

  it('a patient shares only chosen categories on the consent page (ONC (g)(10) granular scopes)', async () => {
    const { username, password } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Browsercategories')}`);
    const app = await createApp(server, { redirectUris: ['https://categories.example.org/cb'] });
    const { challenge } = pkce();
    const params = authorizeParams(server, app, challenge, {
      scope: 'openid fhirUser launch/patient patient/Observation.rs patient/Condition.rs patient/Patient.rs offline_access',
    });
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    const page = await context.newPage();
    await page.route('https://categories.example.org/**', (route) =>
      route.fulfill({ status: 200, contentType: 'text/plain', body: 'app callback' }),
    );
    try {
      await page.goto(`${server.baseUrl}/authorize?${new URLSearchParams(params)}`);
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.click('button[type="submit"]');
      await page.waitForSelector('button[value="approve"]');
      await page.uncheck('input[value="patient/Observation.rs"]');
      await page.uncheck('input[value="patient/Condition.rs"]');
      await page.getByLabel('Only vital signs').check();
      await page.getByLabel('Only problem list').check();
      await page.screenshot({ path: join(SCREENSHOTS, 'phone-05b-consent-categories.png'), fullPage: true });
      await page.click('button[value="approve"]');
      await page.waitForURL((url) => url.hostname === 'categories.example.org');
      const code = new URL(page.url()).searchParams.get('code') as string;
      const consumed = await server.app.get(AuthorizationCodeService).consume(code);
      expect(consumed.status).toBe('ok');
      const scope = consumed.status === 'ok' ? consumed.code.scope.split(' ') : [];
      expect(scope).toEqual(
        expect.arrayContaining([
          'patient/Patient.rs',
          expect.stringMatching(/Observation\.rs\?category=.*vital-signs$/),
          expect.stringMatching(/Condition\.rs\?category=.*problem-list-item$/),
        ]),
      );
      expect(scope).not.toContain('patient/Observation.rs');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('shows a readable error page, without redirecting, for an unknown app', async () => {
    for (const { name, viewport } of VIEWPORTS) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const response = await page.goto(`${server.baseUrl}/authorize?client_id=unknown-app&redirect_uri=https://evil.example.org/cb`);
      expect(response?.status()).toBe(400);
      expect(page.url()).toMatch(/^http:\/\/127\.0\.0\.1/);
      expect(await page.textContent('h1')).toBe('Unknown application');
      await expectReadableAndLabelled(page);
      await page.screenshot({ path: join(SCREENSHOTS, `${name}-00-error-page.png`), fullPage: true });
      await context.close();
    }
  }, 60_000);

  it('renders the connected-apps page with a revoke button for the approved app', async () => {
    const { username, password } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Browserapps')}`);
    const app = { clientId: 'demo-public-app', redirectUri: `${server.baseUrl}/demo-app/callback` };
    const approved = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, pkce().challenge, { scope: 'openid launch/patient patient/*.rs offline_access' }),
      { username, password },
    );
    expect(approved.code).toEqual(expect.any(String));
    for (const { name, viewport } of VIEWPORTS) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/apps`);
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.click('button[type="submit"]');
      await page.waitForSelector('h1:text("Connected apps")');
      expect(await page.getByRole('button', { name: 'Revoke access for Demo SMART app' }).count()).toBe(1);
      await expectReadableAndLabelled(page);
      await page.screenshot({ path: join(SCREENSHOTS, `${name}-08-connected-apps.png`), fullPage: true });
      await context.close();
    }
  }, 60_000);
});

/** No sideways scrolling at the viewport width, and every visible form control has a label. */
async function expectReadableAndLabelled(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const unlabelled = await page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input:not([type=hidden]), select, textarea'))
      .filter((element) => !element.labels?.length && !element.getAttribute('aria-label'))
      .map((element) => element.name),
  );
  expect(unlabelled).toEqual([]);
}
