import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { ClientsService } from '../../src/clients/clients.service';
import { APP_SCOPE, insertPatient, unique } from '../utils/authorize-fixtures';
import { OidcUpstream, startOidcUpstream } from '../utils/oidc-upstream';
import { startTestApp, TestApp } from '../utils/test-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(__dirname, '..', 'screenshots');
const ADMIN_TOKEN = 'federation-admin-token-0123456789abcdef';
const CLIENT_SECRET = 'browser-upstream-secret-0123456789';

// Debian's Chromium: the demo SMART app → sign-in page → "Sign in with …" → the OpenID provider → back,
// patient picker, consent → the demo app's token response.
describe("browser: sign in with the organisation's identity provider from the demo SMART app", () => {
  let server: TestApp;
  let upstream: OidcUpstream;
  let browser: Browser;
  const providerId = unique('hospital');

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    server = await startTestApp({ SEED_DEMO_DATA: 'true', ADMIN_TOKEN, OUTBOUND_ALLOW_HTTP_LOOPBACK: 'true' });
    const clients = server.app.get(ClientsService);
    const redirectUris = [`${server.baseUrl}/demo-app/callback`];
    const existing = await clients.findById('demo-public-app');
    if (existing)
      await clients.update('demo-public-app', {
        redirectUris: [...new Set([...existing.redirectUris, ...redirectUris])],
        scope: APP_SCOPE,
      });
    else {
      await clients.create(
        {
          name: 'Demo SMART app',
          type: 'public',
          tokenEndpointAuthMethod: 'none',
          redirectUris,
          launchUrl: `${server.baseUrl}/demo-app/launch`,
          grantTypes: ['authorization_code', 'refresh_token'],
          scope: APP_SCOPE,
          jwks: null,
          jwksUri: null,
          allowRefreshTokens: true,
        },
        { clientId: 'demo-public-app' },
      );
    }
    upstream = await startOidcUpstream([
      { client_id: 'smart-auth', client_secret: CLIENT_SECRET, redirect_uris: [`${server.baseUrl}/federation/${providerId}/callback`] },
    ]);
    const created = await fetch(`${server.baseUrl}/admin/identity-providers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id: providerId,
        type: 'oidc',
        display_name: 'Hospital sign-in',
        issuer: upstream.issuer,
        client_id: 'smart-auth',
        client_secret: CLIENT_SECRET,
        allow_private_network: true,
        role_map: { clinicians: 'practitioner' },
        provisioning: 'create',
      }),
    });
    expect(created.status).toBe(201);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server)
      await fetch(`${server.baseUrl}/admin/identity-providers/${providerId}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      });
    await upstream?.close();
    await server?.close();
  });

  it('signs in through the provider and reaches the token', async () => {
    const patientId = await insertPatient(server, 'Federated');
    upstream.accounts.set('dr-who', {
      claims: { name: 'Dr Federated', preferred_username: 'dr.who', groups: ['clinicians'], fhirUser: 'Practitioner/fed-browser' },
      amr: ['pwd', 'mfa'],
    });
    upstream.next = { accountId: 'dr-who' };
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const shot = (step: string) => page.screenshot({ path: join(SCREENSHOTS, `federation-${step}.png`), fullPage: true });
    try {
      await page.goto(`${server.baseUrl}/demo-app`);
      await page.click('#launch-standalone');
      const button = page.locator(`[data-identity-provider="${providerId}"]`);
      await button.waitFor();
      expect(await button.textContent()).toBe('Sign in with Hospital sign-in');
      await shot('01-sign-in');
      await button.click();

      await page.waitForSelector('input[name="patient_search"]');
      expect(page.url().startsWith(`${server.baseUrl}/authorize?`)).toBe(true);
      await page.getByLabel('Search by name or id').fill('Federated');
      await page.click('button[value="search"]');
      await page.check(`input[name="patient"][value="${patientId}"]`);
      await page.click('button[value="choose"]');
      await page.waitForSelector('button[value="approve"]');
      expect(await page.textContent('main')).toContain('Dr Federated');
      await shot('02-consent');
      await page.click('button[value="approve"]');

      await page.waitForURL(/\/demo-app\/callback/);
      await page.waitForSelector('#results:not([hidden])', { timeout: 15_000 }).catch(async () => {
        throw new Error(`Demo app did not show results: ${await page.textContent('#status')}`);
      });
      const tokenResponse = JSON.parse((await page.textContent('#token-response')) as string) as Record<string, unknown>;
      expect(tokenResponse).toMatchObject({ patient: patientId, access_token: expect.any(String) });
      const idTokenClaims = JSON.parse((await page.textContent('#id-token-claims')) as string) as Record<string, unknown>;
      expect(idTokenClaims).toMatchObject({ fhirUser: `${server.fhirBaseUrl}/Practitioner/fed-browser`, amr: ['pwd', 'mfa'] });
      await shot('03-demo-app-result');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
