import { AuthorizationCodeService } from '../../src/authorize/authorization-code.service';
import { parseScopes } from '../../src/scopes';
import { authorizeParams, createApp, createUser, insertEncounter, insertPatient, pkce } from '../utils/authorize-fixtures';
import { CookieJar, driveAuthorization, parseForms } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

describe('standalone launch through sign-in, pickers and consent', () => {
  let server: TestApp;
  let app: { clientId: string; redirectUri: string };
  const { challenge } = pkce();

  beforeAll(async () => {
    server = await startTestApp();
    app = await createApp(server, { redirectUris: ['https://standalone.example.org/cb?keep=1'] });
    app.redirectUri = 'https://standalone.example.org/cb?keep=1';
  });

  afterAll(async () => {
    await server.close();
  });

  const consume = async (code: string | undefined) => {
    const result = await server.app.get(AuthorizationCodeService).consume(code as string);
    if (result.status !== 'ok') throw new Error(`code ${result.status}`);
    return result.code;
  };

  it('a practitioner picks a patient and an encounter; the code carries user, scope, context and PKCE binding', async () => {
    // First in the picker's order (by family name), so it is on the first page however many patients other
    // suites sharing the database have stored.
    const patientId = await insertPatient(server, 'Aaaa Pickerson');
    const encounterId = await insertEncounter(server, patientId);
    const { user, username, password } = await createUser(server, 'practitioner', 'Practitioner/p1');
    const params = authorizeParams(server, app, challenge, {
      scope: 'openid fhirUser launch/patient launch/encounter patient/Observation.rs offline_access',
      nonce: 'n-1',
    });
    const result = await driveAuthorization(server.baseUrl, params, { username, password, patient: patientId, encounter: encounterId });
    expect(result.pages.slice(0, 3)).toEqual(['Sign in', 'Choose a patient', 'Choose an encounter']);
    expect(result.pages[3]).toMatch(/^Allow /);
    expect(result.pages).toHaveLength(4);
    expect(result.location.startsWith('https://standalone.example.org/cb?keep=1&code=')).toBe(true);
    expect(result.state).toBe(params.state);
    expect(result.iss).toBe(server.baseUrl);
    const code = await consume(result.code);
    expect(code).toMatchObject({
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      codeChallenge: challenge,
      userId: user.id,
      aud: server.fhirBaseUrl,
      nonce: 'n-1',
    });
    expect(code.scope).toBe('openid fhirUser launch/patient launch/encounter patient/Observation.rs offline_access');
    expect(code.launchContext).toMatchObject({ patient: patientId, encounter: encounterId, need_patient_banner: true });
    expect(code.launchContext.smart_style_url).toMatch(new RegExp(`^${server.baseUrl}/smart-style.json\\?v=`));
    expect(code.loginSessionId).toEqual(expect.any(String));
    expect(code.grantId).toEqual(expect.any(String));
  });

  it('a patient user gets their own patient in context without a picker', async () => {
    const patientId = await insertPatient(server, 'Selfie');
    const { username, password } = await createUser(server, 'patient', `Patient/${patientId}`);
    const result = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge), { username, password });
    expect(result.pages.map((page) => page.replace(/\?.*/, ''))).toEqual(['Sign in', expect.stringMatching(/^Allow /)]);
    const code = await consume(result.code);
    expect(code.launchContext.patient).toBe(patientId);
  });

  it('the patient picker offers only permitted patients to restricted practitioners', async () => {
    const allowed = await insertPatient(server, 'Allowedsworth');
    const other = await insertPatient(server, 'Otherington');
    const { username, password } = await createUser(server, 'practitioner', 'Practitioner/p2', { restrictedToPatients: [allowed] });
    await expect(
      driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge), { username, password, patient: other }),
    ).rejects.toThrow(/not offered/);
    const result = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge), {
      username,
      password,
      patient: allowed,
    });
    expect((await consume(result.code)).launchContext.patient).toBe(allowed);
  });

  it('the patient picker searches by name', async () => {
    const family = `Searchable${Date.now()}`;
    const wanted = await insertPatient(server, family);
    const { username, password } = await createUser(server, 'practitioner', 'Practitioner/search');
    const jar = new CookieJar();
    const first = await driveStep(jar, `${server.baseUrl}/authorize?${new URLSearchParams(authorizeParams(server, app, challenge))}`);
    const afterLogin = await submit(jar, parseForms(first.html)[0], { username, password });
    const picker = await driveStep(jar, new URL(afterLogin.headers.get('location') as string, server.baseUrl).toString());
    const results = await submit(jar, parseForms(picker.html)[0], { patient_search: family.toLowerCase(), action: 'search' });
    const radios = parseForms(await results.text())[0].inputs.filter((input) => input.name === 'patient');
    expect(radios.map((radio) => radio.value)).toEqual([wanted]);
  });

  it('rejects a tampered patient choice outside the restriction', async () => {
    const allowed = await insertPatient(server, 'Tamperproof');
    const other = await insertPatient(server, 'Forbidden');
    const { username, password } = await createUser(server, 'practitioner', 'Practitioner/p3', { restrictedToPatients: [allowed] });
    const jar = new CookieJar();
    const first = await driveStep(jar, `${server.baseUrl}/authorize?${new URLSearchParams(authorizeParams(server, app, challenge))}`);
    const login = parseForms(first.html)[0];
    const afterLogin = await submit(jar, login, { username, password });
    const picker = await driveStep(jar, new URL(afterLogin.headers.get('location') as string, server.baseUrl).toString());
    const form = parseForms(picker.html)[0];
    const response = await submit(jar, form, { patient: other, action: 'choose' });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/Choose one of the listed patients/);
    expect(html).not.toMatch(new RegExp(other));
  });

  it('deny redirects access_denied with the exact state and no code', async () => {
    const { username, password } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Denier')}`);
    const params = authorizeParams(server, app, challenge);
    const result = await driveAuthorization(server.baseUrl, params, { username, password, decision: 'deny' });
    expect(result.error).toBe('access_denied');
    expect(result.state).toBe(params.state);
    expect(result.code).toBeUndefined();
  });

  it('partial approval grants only the ticked resource scopes, keeping identity and launch scopes', async () => {
    const { username, password } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Partial')}`);
    const params = authorizeParams(server, app, challenge, {
      scope: 'openid fhirUser launch/patient patient/Observation.rs patient/Condition.rs patient/MedicationRequest.rs offline_access',
    });
    const result = await driveAuthorization(server.baseUrl, params, { username, password, approveScopes: ['patient/Condition.rs'] });
    const code = await consume(result.code);
    expect(code.scope).toBe('openid fhirUser launch/patient patient/Condition.rs');
  });

  it('category alternatives replace resource-level Observation and Condition scopes (ONC (g)(10) granular scope selection)', async () => {
    const { username, password } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Granular')}`);
    const laboratory = 'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
    const problems = 'patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item';
    const params = authorizeParams(server, app, challenge, {
      scope: 'openid fhirUser launch/patient patient/Observation.rs patient/Condition.rs patient/Patient.rs',
    });
    const result = await driveAuthorization(server.baseUrl, params, {
      username,
      password,
      approveScopes: [laboratory, problems, 'patient/Patient.rs'],
    });
    const granted = parseScopes((await consume(result.code)).scope).scopes.map((scope) => scope.raw);
    expect(granted).toEqual(
      expect.arrayContaining([
        'patient/Patient.rs',
        expect.stringMatching(/^patient\/Observation\.rs\?category=.*laboratory$/),
        expect.stringMatching(/^patient\/Condition\.rs\?category=.*problem-list-item$/),
      ]),
    );
    expect(granted).not.toContain('patient/Observation.rs');
    expect(granted).not.toContain('patient/Condition.rs');
  });

  it('the consent page describes scopes in plain language, offers categories and discloses offline access', async () => {
    const { username, password } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Reader')}`);
    const jar = new CookieJar();
    const first = await driveStep(
      jar,
      `${server.baseUrl}/authorize?${new URLSearchParams(authorizeParams(server, app, challenge, { scope: 'openid launch/patient patient/*.rs patient/Observation.rs offline_access' }))}`,
    );
    const afterLogin = await submit(jar, parseForms(first.html)[0], { username, password });
    const consent = await driveStep(jar, new URL(afterLogin.headers.get('location') as string, server.baseUrl).toString());
    expect(consent.html).toMatch(/all types of data, now and in the future/);
    expect(consent.html).toMatch(/Only vital signs/);
    expect(consent.html).toMatch(/keep access after you close it/);
    const boxes = parseForms(consent.html)[0].inputs.filter((input) => input.type === 'checkbox');
    expect(boxes.every((box) => box.name === 'scope')).toBe(true);
    expect(consent.html.match(/<input type="checkbox" id="([^"]+)"/g)?.length).toBe(
      (consent.html.match(/<label for="scope-/g) ?? []).length,
    );
  });

  it('a remembered grant skips consent for the same or fewer scopes, and asks again for more', async () => {
    const { username, password } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Remembered')}`);
    const scope = 'openid fhirUser launch/patient patient/Observation.rs patient/Condition.rs';
    const first = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { scope }), { username, password });
    expect(first.pages.some((page) => page.startsWith('Allow'))).toBe(true);
    const again = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'openid launch/patient patient/Observation.rs' }),
      { username, password, jar: first.jar },
    );
    expect(again.pages).toEqual([]);
    expect((await consume(again.code)).grantId).toBe((await consume(first.code)).grantId);
    const more = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: `${scope} patient/MedicationRequest.rs` }),
      { username, password, jar: first.jar },
    );
    expect(more.pages).toEqual([expect.stringMatching(/^Allow /)]);
    // Approving the additional scope keeps the earlier approvals remembered.
    const fewer = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'openid launch/patient patient/Condition.rs patient/MedicationRequest.rs' }),
      { username, password, jar: first.jar },
    );
    expect(fewer.pages).toEqual([]);
  });

  it('throttles an account after repeated failures with the same generic message', async () => {
    const { username, password } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Throttled')}`);
    for (let attempt = 0; attempt < 5; attempt++) {
      await expect(
        driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge), { username, password: 'wrong' }),
      ).rejects.toThrow(/Sign-in failed/);
    }
    const jar = new CookieJar();
    const page = await driveStep(jar, `${server.baseUrl}/authorize?${new URLSearchParams(authorizeParams(server, app, challenge))}`);
    const response = await submit(jar, parseForms(page.html)[0], { username, password });
    expect(response.status).toBe(401);
    expect(await response.text()).toMatch(/incorrect, or there were too many attempts/);
  });

  it('cancelling on the sign-in page returns access_denied to the app', async () => {
    const params = authorizeParams(server, app, challenge);
    const jar = new CookieJar();
    const page = await driveStep(jar, `${server.baseUrl}/authorize?${new URLSearchParams(params)}`);
    const cancel = parseForms(page.html).find((form) => form.action === '/authorize/cancel')!;
    const response = await submit(jar, cancel, {});
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') as string);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe(params.state);
    const forged = await fetch(`${server.baseUrl}/authorize/cancel`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ authorization_request: new URLSearchParams(params).toString() }).toString(),
    });
    expect(forged.status).toBe(403);
  });

  it('refuses a sign-in form posted without its CSRF token', async () => {
    const { username, password } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Csrf')}`);
    const response = await fetch(`${server.baseUrl}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password }).toString(),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('set-cookie') ?? '').not.toMatch(/smart_auth_session=/);
  });

  it('sets an HttpOnly, SameSite=Lax, signed session cookie', async () => {
    const { username, password } = await createUser(server, 'patient', `Patient/${await insertPatient(server, 'Cookie')}`);
    const jar = new CookieJar();
    const page = await driveStep(jar, `${server.baseUrl}/login`);
    const response = await submit(jar, parseForms(page.html)[0], { username, password });
    expect(response.status).toBe(303);
    const cookie = response.headers.getSetCookie().find((header) => header.startsWith('smart_auth_session=')) as string;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const value = cookie.split(';')[0];
    const apps = (sessionCookie: string) => fetch(`${server.baseUrl}/apps`, { headers: { Cookie: sessionCookie }, redirect: 'manual' });
    expect((await apps(value)).status).toBe(200);
    // Without a valid signature the same session token is not accepted.
    expect((await apps(value.slice(0, value.indexOf('.')))).status).toBe(303);
    expect((await apps(`${value}x`)).status).toBe(303);
  });

  it('uses Secure cookies for an https PUBLIC_URL, and SameSite=None when an EHR may frame the pages', async () => {
    for (const [env, sameSite] of [
      [{}, 'Lax'],
      [{ FRAME_ANCESTORS: 'https://ehr.example.org' }, 'None'],
    ] as const) {
      const https = await startTestApp({ PUBLIC_URL: 'https://auth.example.org', ...env });
      try {
        const response = await fetch(`${https.baseUrl}/login`);
        const cookie = response.headers.getSetCookie().find((header) => header.startsWith('smart_auth_browser=')) as string;
        expect(cookie).toMatch(/; Secure/);
        expect(cookie).toMatch(new RegExp(`SameSite=${sameSite}`));
      } finally {
        await https.close();
      }
    }
  });

  async function driveStep(jar: CookieJar, url: string): Promise<{ html: string; status: number }> {
    const response = await fetch(url, { headers: { Cookie: jar.header() }, redirect: 'manual' });
    jar.store(response);
    return { html: await response.text(), status: response.status };
  }

  async function submit(jar: CookieJar, form: ReturnType<typeof parseForms>[number], values: Record<string, string>): Promise<Response> {
    const body = new URLSearchParams();
    for (const input of form.inputs) if (input.type === 'hidden') body.append(input.name, input.value);
    for (const [name, value] of Object.entries(values)) body.set(name, value);
    const response = await fetch(new URL(form.action, server.baseUrl), {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: jar.header(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    jar.store(response);
    return response;
  }
});
