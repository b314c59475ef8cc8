import { ClientsService } from '../../src/clients/clients.service';
import { authorizeParams, createApp, createUser, insertPatient, pkce } from '../utils/authorize-fixtures';
import { CookieJar, driveAuthorization } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

// Every page escapes once. Quotes in an app's name, a patient's name and a scope
// description reach the screen as quotes: one entity in the HTML (decoded once by the browser), never
// `&amp;quot;` (which a browser would show as `&quot;`), and never raw markup.
describe('consent and /apps pages escape text exactly once', () => {
  let server: TestApp;
  const { challenge } = pkce();
  const APP_NAME = `Bob's "Best" App & <b>Co</b>`;
  const PATIENT_FAMILY = `O'Brien "Quote"`;
  const SCOPE = 'openid fhirUser custom:permission launch/patient patient/Observation.rs?category=laboratory';

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  /** What a browser shows: tags dropped, each character reference decoded once. */
  function screenText(html: string): string {
    return html
      .replace(/<[^>]+>/g, ' ')
      .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
      .replace(/&#([0-9]+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
      .replace(/&(quot|lt|gt|amp);/g, (_, name: string) => ({ quot: '"', lt: '<', gt: '>', amp: '&' })[name] as string)
      .replace(/\s+/g, ' ');
  }

  function expectEscapedOnce(html: string): void {
    expect(html).not.toMatch(/&amp;(quot|#x27|#39|lt|gt|amp|#x3D);/);
    expect(screenText(html)).not.toMatch(/&(quot|#x27|#39|lt|gt|amp|#x3D);/);
    expect(html).not.toContain('<b>Co</b>');
  }

  it('the consent page shows the app name, patient name and scope descriptions with their literal quotes', async () => {
    const app = await createApp(server, { scope: SCOPE });
    await server.app.get(ClientsService).update(app.clientId, { name: APP_NAME });
    const user = await createUser(server, 'patient', `Patient/${await insertPatient(server, PATIENT_FAMILY)}`);
    const jar = new CookieJar();
    // Sign in (denying leaves no grant), then open the consent page again to read it.
    const denied = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { scope: SCOPE }), {
      ...user,
      jar,
      decision: 'deny',
    });
    expect(denied.error).toBe('access_denied');
    const page = await fetch(
      `${server.baseUrl}/authorize?${new URLSearchParams(authorizeParams(server, app, challenge, { scope: SCOPE }))}`,
      {
        headers: { Cookie: jar.header() },
      },
    );
    const consentHtml = await page.text();
    expect(page.status).toBe(200);
    expectEscapedOnce(consentHtml);
    const text = screenText(consentHtml);
    expect(text).toContain(`Allow ${APP_NAME}?`);
    expect(text).toContain(PATIENT_FAMILY);
    expect(text).toContain('Use the additional permission "custom:permission".');
    expect(text).toContain('in the category "Laboratory results"');
    // The page title (in <head>) is escaped once as well.
    expect(consentHtml).toContain('<title>Allow Bob&#x27;s &quot;Best&quot; App &amp; &lt;b&gt;Co&lt;/b&gt;? · smart-auth</title>');

    const approved = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { scope: SCOPE }), { ...user, jar });
    expect(approved.code).toEqual(expect.any(String));
    const apps = await fetch(`${server.baseUrl}/apps`, { headers: { Cookie: jar.header() } });
    expect(apps.status).toBe(200);
    const appsHtml = await apps.text();
    expectEscapedOnce(appsHtml);
    const appsText = screenText(appsHtml);
    expect(appsText).toContain(APP_NAME);
    expect(appsText).toContain('Use the additional permission "custom:permission".');
    expect(appsText).toContain('in the category "Laboratory results"');
    expect(appsHtml).toContain('aria-label="Revoke access for Bob&#x27;s &quot;Best&quot; App &amp; &lt;b&gt;Co&lt;/b&gt;"');
  });
});
