import { AuthorizationCodeService } from '../../src/authorize/authorization-code.service';
import { authorizeParams, createApp, createEhr, createUser, pkce } from '../utils/authorize-fixtures';
import { CookieJar, driveAuthorization, parseForms } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

// With FHIR_UPSTREAM_URL the patients live elsewhere: pickers take typed ids, launches are trusted.
describe('authorization in front of an upstream FHIR server', () => {
  let server: TestApp;
  const { challenge } = pkce();

  beforeAll(async () => {
    server = await startTestApp({ FHIR_UPSTREAM_URL: 'https://upstream.example.org/fhir' });
  });

  afterAll(async () => {
    await server.close();
  });

  it('a practitioner picks a patient by typing its id', async () => {
    const app = await createApp(server);
    const { username, password } = await createUser(server, 'practitioner', 'Practitioner/upstream');
    const jar = new CookieJar();
    const send = async (url: string, body?: URLSearchParams) => {
      const response = await fetch(url, {
        method: body ? 'POST' : 'GET',
        redirect: 'manual',
        headers: { Cookie: jar.header(), ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
        body: body?.toString(),
      });
      jar.store(response);
      return response;
    };
    const hidden = (form: ReturnType<typeof parseForms>[number]) =>
      new URLSearchParams(form.inputs.filter((input) => input.type === 'hidden').map((input) => [input.name, input.value]));
    const loginPage = await (
      await send(`${server.baseUrl}/authorize?${new URLSearchParams(authorizeParams(server, app, challenge))}`)
    ).text();
    const login = hidden(parseForms(loginPage)[0]);
    login.set('username', username);
    login.set('password', password);
    const signedIn = await send(`${server.baseUrl}/login`, login);
    const picker = await (await send(new URL(signedIn.headers.get('location') as string, server.baseUrl).toString())).text();
    expect(picker).toMatch(/No patients match/);
    const search = hidden(parseForms(picker)[0]);
    search.set('patient_search', 'remote-42');
    search.set('action', 'search');
    const results = await (await send(`${server.baseUrl}/authorize/continue`, search)).text();
    expect(
      parseForms(results)[0]
        .inputs.filter((input) => input.name === 'patient')
        .map((input) => input.value),
    ).toEqual(['remote-42']);
    const choose = hidden(parseForms(results)[0]);
    choose.set('patient', 'remote-42');
    choose.set('action', 'choose');
    const consent = await (await send(`${server.baseUrl}/authorize/continue`, choose)).text();
    const approve = hidden(parseForms(consent)[0]);
    approve.append('scope', 'patient/*.rs');
    approve.set('decision', 'approve');
    const redirect = await send(`${server.baseUrl}/authorize/continue`, approve);
    const code = new URL(redirect.headers.get('location') as string).searchParams.get('code') as string;
    const consumed = await server.app.get(AuthorizationCodeService).consume(code);
    expect(consumed.status === 'ok' && consumed.code.launchContext.patient).toBe('remote-42');
  });

  it('an EHR launch may name patients and encounters the server cannot look up', async () => {
    const app = await createApp(server);
    const ehr = await createEhr(server);
    const clinician = await createUser(server, 'practitioner', 'Practitioner/upstream-ehr');
    const response = await fetch(`${server.baseUrl}/launch`, {
      method: 'POST',
      headers: { Authorization: ehr.basic, 'Content-Type': 'application/json' },
      body: JSON.stringify({ target_client_id: app.clientId, patient: 'remote-7', encounter: 'remote-enc-1', user: clinician.username }),
    });
    expect(response.status).toBe(200);
    const { launch } = (await response.json()) as { launch: string };
    const result = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'launch openid patient/*.rs', launch }),
      clinician,
    );
    const consumed = await server.app.get(AuthorizationCodeService).consume(result.code as string);
    expect(consumed.status === 'ok' && consumed.code.launchContext).toMatchObject({ patient: 'remote-7', encounter: 'remote-enc-1' });
  });
});
