import { authorizeParams, createApp, createUser, insertPatient, pkce } from '../utils/authorize-fixtures';
import { driveAuthorization, signedInJar } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

// OIDC Core §3.1.2.1 prompt parameter.
describe('/authorize prompt', () => {
  let server: TestApp;
  let app: { clientId: string; redirectUri: string };
  const { challenge } = pkce();

  beforeAll(async () => {
    server = await startTestApp();
    app = await createApp(server);
  });

  afterAll(async () => {
    await server.close();
  });

  const patientUser = async () => createUser(server, 'patient', `Patient/${await insertPatient(server, 'Prompted')}`);

  it('prompt=none without a session redirects login_required with the state', async () => {
    const params = authorizeParams(server, app, challenge, { prompt: 'none' });
    const result = await driveAuthorization(server.baseUrl, params, { username: 'x', password: 'y' });
    expect(result).toMatchObject({ error: 'login_required', state: params.state, code: undefined });
  });

  it('prompt=none with a session: consent_required without a grant, a code with one', async () => {
    const user = await patientUser();
    const first = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { prompt: 'none' }), {
      ...user,
      jar: await signedInJar(server.baseUrl, user),
    });
    expect(first.error).toBe('consent_required');
    const approved = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge), { ...user, jar: first.jar });
    expect(approved.code).toEqual(expect.any(String));
    const silent = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { prompt: 'none' }), {
      ...user,
      jar: first.jar,
    });
    expect(silent.pages).toEqual([]);
    expect(silent.code).toEqual(expect.any(String));
  });

  it('prompt=none refuses when a patient must be picked', async () => {
    const practitioner = await createUser(server, 'practitioner', 'Practitioner/prompt');
    const result = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { prompt: 'none' }), {
      ...practitioner,
      jar: await signedInJar(server.baseUrl, practitioner),
    });
    expect(result.error).toBe('interaction_required');
  });

  it('prompt=login asks for the password again, once; prompt=consent shows consent despite a grant', async () => {
    const user = await patientUser();
    const first = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge), user);
    const again = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { prompt: 'login' }), {
      ...user,
      jar: first.jar,
    });
    expect(again.pages).toEqual(['Sign in']);
    expect(again.code).toEqual(expect.any(String));
    const consent = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { prompt: 'consent' }), {
      ...user,
      jar: first.jar,
    });
    expect(consent.pages).toEqual([expect.stringMatching(/^Allow /)]);
  });

  it.each(['bogus', 'none login'])('prompt=%s is invalid_request', async (prompt) => {
    const result = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, { prompt, state: 's' }), {
      username: 'x',
      password: 'y',
    });
    expect(result).toMatchObject({ error: 'invalid_request', state: 's' });
  });
});
