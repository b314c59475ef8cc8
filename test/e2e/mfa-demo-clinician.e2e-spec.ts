import { generate } from 'otplib';
import { CookieJar } from '../utils/authorize-flow';
import { browse, formTo, hiddenFields, isSignedIn, passwordStep } from '../utils/mfa';
import { startTestApp, TestApp } from '../utils/test-app';

// README, "Demo data": the demo clinician with two-step verification, whose TOTP secret is published so a
// person can add it to an authenticator app. The other demo users stay password-only.
describe('demo data: the clinician with an authenticator app', () => {
  let demo: TestApp;

  beforeAll(async () => {
    demo = await startTestApp({ SEED_DEMO_DATA: 'true' });
  });

  afterAll(async () => {
    await demo?.close();
  });

  it('signs in mfa-clinician with the documented password and a code from the documented secret', async () => {
    const jar = new CookieJar();
    const after = await passwordStep(demo.baseUrl, jar, { username: 'mfa-clinician', password: 'mfa-clinician-demo-password' });
    expect(after).toMatchObject({ status: 303, location: '/login/two-factor' });
    const page = await browse(jar, `${demo.baseUrl}/login/two-factor`);
    const body = hiddenFields(formTo(page.html, '/login/two-factor'));
    body.set('otp', await generate({ secret: 'SMARTAUTHDEMOCLINICIANTOTPSECRET' }));
    expect(await browse(jar, `${demo.baseUrl}/login/two-factor`, body)).toMatchObject({ status: 303, location: '/apps' });
    expect(await isSignedIn(demo.baseUrl, jar)).toBe(true);
  });

  it('keeps the other demo users password-only', async () => {
    for (const user of [
      { username: 'clinician', password: 'clinician-demo-password' },
      { username: 'patient', password: 'patient-demo-password' },
    ]) {
      expect(await passwordStep(demo.baseUrl, new CookieJar(), user)).toMatchObject({ status: 303, location: '/apps' });
    }
  });
});
