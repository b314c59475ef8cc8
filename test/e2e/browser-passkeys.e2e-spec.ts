import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { Browser } from 'playwright-core';
import { authorizeParams, createApp, createUser, insertPatient, pkce } from '../utils/authorize-fixtures';
import { launchChromium } from '../utils/browser';
import { startTestApp, TestApp } from '../utils/test-app';

const SCREENSHOTS = join(__dirname, '..', 'screenshots');
const CALLBACK = 'https://passkey-app.example.org/callback';

// Chromium's virtual authenticator (DevTools protocol, WebAuthn domain) stands in for a platform authenticator
// with a PIN or biometric: the real pages, public/passkeys.js and the server's verification run end to end.
describe('browser: passkeys with a virtual authenticator', () => {
  let server: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // WebAuthn needs a domain as RP ID and a secure context: http://localhost is both.
    server = await startTestApp({}, [], { hostname: 'localhost' });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('enrols a passkey after a password sign-in, then signs in with it through a SMART authorization', async () => {
    const { username, password, user } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Browserpasskey')}`);
    const app = await createApp(server, { redirectUris: [CALLBACK] });
    const { verifier, challenge } = pkce();
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.route(`${new URL(CALLBACK).origin}/**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/plain', body: 'app callback' }),
    );
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    try {
      // 1. Password sign-in, straight to the passkeys page.
      await page.goto(`${server.baseUrl}/login?return_to=/account/passkeys`);
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.click('form[action="/login"] button[type="submit"]');
      await page.waitForSelector('h1:text("Passkeys")');

      // 2. Enrol: the page's script asks the (virtual) authenticator for a new discoverable credential.
      await page.getByLabel('Name (optional)').fill('Virtual authenticator');
      await page.click('[data-passkey-add]');
      await page.waitForURL(/\/account\/passkeys\?done=added$/);
      expect(await page.textContent('ul.passkeys h2')).toBe('Virtual authenticator');
      await page.screenshot({ path: join(SCREENSHOTS, 'phone-12-passkeys.png'), fullPage: true });
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      expect(credentials).toHaveLength(1);
      expect(credentials[0].isResidentCredential).toBe(true);

      // 3. Sign out.
      await page.goto(`${server.baseUrl}/apps`);
      await page.click('form[action="/logout"] button');
      await page.waitForURL(`${server.baseUrl}/`);

      // 4. A SMART authorization: the sign-in page's passkey button, then consent, then the app's callback.
      const params = authorizeParams(server, app, challenge, {
        scope: 'openid fhirUser launch/patient patient/*.rs',
        redirect_uri: CALLBACK,
      });
      await page.goto(`${server.baseUrl}/authorize?${new URLSearchParams(params)}`);
      const button = page.locator('[data-passkey-sign-in]');
      await button.waitFor({ state: 'visible' });
      await page.screenshot({ path: join(SCREENSHOTS, 'phone-13-sign-in-with-passkey.png'), fullPage: true });
      await button.click();
      await page.waitForSelector('button[value="approve"]');
      await page.click('button[value="approve"]');
      await page.waitForURL((url) => url.href.startsWith(CALLBACK));
      const code = new URL(page.url()).searchParams.get('code') as string;

      const token = await fetch(`${server.baseUrl}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: app.clientId,
          code,
          redirect_uri: CALLBACK,
          code_verifier: verifier,
        }).toString(),
      });
      expect(token.status).toBe(200);
      const claims = decodeJwt(((await token.json()) as { id_token: string }).id_token);
      // Device-bound credential (no backup flags), user present and verified.
      expect(claims.amr).toEqual(['hwk', 'user', 'mfa']);
      expect(claims.sub).toBe(user.id);
      expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0].signCount).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('uses the passkey as the second factor after a password, through a SMART authorization', async () => {
    const { username, password, user } = await createUser(
      server,
      'patient',
      `Patient/${await insertPatient(server, 'Browsersecondfactor')}`,
    );
    const app = await createApp(server, { redirectUris: [CALLBACK] });
    const { verifier, challenge } = pkce();
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.route(`${new URL(CALLBACK).origin}/**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/plain', body: 'app callback' }),
    );
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    const signInWithPassword = async () => {
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.click('form[action="/login"] button[type="submit"]');
    };
    try {
      // Enrol a passkey (the first password sign-in has no second step yet), then sign out.
      await page.goto(`${server.baseUrl}/login?return_to=/account/passkeys`);
      await signInWithPassword();
      await page.waitForSelector('h1:text("Passkeys")');
      await page.click('[data-passkey-add]');
      await page.waitForURL(/\/account\/passkeys\?done=added$/);
      await page.goto(`${server.baseUrl}/apps`);
      await page.click('form[action="/logout"] button');
      await page.waitForURL(`${server.baseUrl}/`);

      // An authorization: password, then the second-factor page's passkey button, then consent.
      const params = authorizeParams(server, app, challenge, {
        scope: 'openid fhirUser launch/patient patient/*.rs',
        redirect_uri: CALLBACK,
      });
      await page.goto(`${server.baseUrl}/authorize?${new URLSearchParams(params)}`);
      await signInWithPassword();
      await page.waitForURL(`${server.baseUrl}/login/two-factor`);
      const button = page.locator('[data-passkey-second-factor]');
      await button.waitFor({ state: 'visible' });
      expect(await page.locator('[data-passkey-unsupported]').isHidden()).toBe(true);
      await page.screenshot({ path: join(SCREENSHOTS, 'phone-14-second-factor-passkey.png'), fullPage: true });
      await button.click();
      await page.waitForSelector('button[value="approve"]');
      await page.click('button[value="approve"]');
      await page.waitForURL((url) => url.href.startsWith(CALLBACK));
      const code = new URL(page.url()).searchParams.get('code') as string;

      const token = await fetch(`${server.baseUrl}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: app.clientId,
          code,
          redirect_uri: CALLBACK,
          code_verifier: verifier,
        }).toString(),
      });
      expect(token.status).toBe(200);
      const claims = decodeJwt(((await token.json()) as { id_token: string }).id_token);
      expect(claims.amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);
      expect(claims.acr).toBe('urn:smart-auth:acr:mfa');
      expect(claims.sub).toBe(user.id);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});
