import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser } from 'playwright-core';
import { ClientsService } from '../../src/clients/clients.service';
import { APP_SCOPE, insertEncounter, insertPatient } from '../utils/authorize-fixtures';
import { launchChromium } from '../utils/browser';
import { startTestApp, TestApp } from '../utils/test-app';

const SCREENSHOTS = join(__dirname, '..', 'screenshots');

// The demo EHR launcher opens the demo app's launch URL; the app completes an EHR launch with PKCE.
describe('browser: EHR launch from the demo launcher', () => {
  let server: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    server = await startTestApp({ SEED_DEMO_DATA: 'true' });
    const clients = server.app.get(ClientsService);
    const existing = await clients.findById('demo-public-app');
    const redirectUris = [...new Set([...(existing?.redirectUris ?? []), `${server.baseUrl}/demo-app/callback`])];
    if (existing) await clients.update('demo-public-app', { redirectUris, scope: APP_SCOPE, launchUrl: existing.launchUrl });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('launches the demo app with the chosen user, patient and encounter', async () => {
    const patientId = await insertPatient(server, 'Ehrlaunch');
    const encounterId = await insertEncounter(server, patientId);
    // The launcher offers only the users the demo seed created.
    const username = 'clinician';
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    // On the shared test database the demo app's launch URL belongs to whichever server seeded it first
    // (possibly stopped by now): send that navigation to this server's copy of the demo app.
    await context.route(
      (url) => url.pathname === '/demo-app/launch' && url.origin !== server.baseUrl,
      (route) => {
        const target = new URL(route.request().url());
        return route.fulfill({ status: 302, headers: { location: `${server.baseUrl}/demo-app/launch${target.search}` } });
      },
    );
    const page = await context.newPage();
    try {
      await page.goto(`${server.baseUrl}/ehr`);
      await page.screenshot({ path: join(SCREENSHOTS, 'phone-09-ehr-launcher.png'), fullPage: true });
      const unlabelled = await page.evaluate(
        () =>
          Array.from(document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input:not([type=hidden]), select')).filter(
            (element) => !element.labels?.length,
          ).length,
      );
      expect(unlabelled).toBe(0);
      await page.getByLabel('App').selectOption('demo-public-app');
      await page.getByLabel('Signed-in EHR user').selectOption(username);
      await page.getByLabel('Patient').selectOption(patientId);
      await page.getByLabel('Encounter id (optional)').fill(encounterId);
      await page.click('button[type="submit"]');
      await page.waitForSelector('button[value="approve"]');
      await page.screenshot({ path: join(SCREENSHOTS, 'phone-10-ehr-consent.png'), fullPage: true });
      await page.click('button[value="approve"]');
      await page.waitForSelector('#results:not([hidden])', { timeout: 15_000 }).catch(async () => {
        throw new Error(`Demo app did not show results: ${await page.textContent('#status')}`);
      });
      const tokens = JSON.parse((await page.textContent('#token-response')) as string) as Record<string, unknown>;
      expect(tokens).toMatchObject({
        patient: patientId,
        encounter: encounterId,
        need_patient_banner: true,
        scope: expect.stringMatching(/^launch /),
      });
      await page.screenshot({ path: join(SCREENSHOTS, 'phone-11-ehr-result.png'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 60_000);
});
