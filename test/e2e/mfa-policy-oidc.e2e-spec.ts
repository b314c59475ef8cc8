import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { AuditService } from '../../src/audit/audit.service';
import { ClientsService } from '../../src/clients/clients.service';
import { Clock } from '../../src/common/time/clock';
import { ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR } from '../../src/mfa';
import { authorizeParams, createApp, createEhr, createUser, insertPatient, pkce, unique } from '../utils/authorize-fixtures';
import { CookieJar, driveAuthorization, signedInJar } from '../utils/authorize-flow';
import { browse, enrolTotp, formTo, hiddenFields, isSignedIn, passwordStep, secondFactorFill, TestClock } from '../utils/mfa';
import { startTestApp, TestApp } from '../utils/test-app';

// MFA_REQUIRED_ROLES, and the OIDC signals of a second factor: amr, auth_time and acr in the id_token,
// acr_values_supported, and acr_values asking for multi-factor (step-up, or an error, never ignored).
describe('second factor: policy and OIDC', () => {
  let server: TestApp;
  let app: { clientId: string; redirectUri: string };
  const clock = new TestClock();
  const { verifier, challenge } = pkce();
  const identity = { scope: 'openid fhirUser' };

  beforeAll(async () => {
    server = await startTestApp({ MFA_REQUIRED_ROLES: 'practitioner' }, [{ provide: Clock, useValue: clock }]);
    app = await createApp(server, { launchUrl: 'https://mfa-app.example.org/launch' });
  });

  afterAll(async () => {
    await server.close();
  });

  const patient = async () => createUser(server, 'patient', `Patient/${await insertPatient(server, 'Factor')}`);

  async function idToken(code: string | undefined): Promise<Record<string, unknown>> {
    const response = await fetch(`${server.baseUrl}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: app.clientId,
        code: code as string,
        redirect_uri: app.redirectUri,
        code_verifier: verifier,
      }).toString(),
    });
    expect(response.status).toBe(200);
    return decodeJwt(((await response.json()) as { id_token: string }).id_token);
  }

  it('MFA_REQUIRED_ROLES: a practitioner without a factor enrols at sign-in before continuing; a patient does not', async () => {
    const practitioner = await createUser(server, 'practitioner', 'Practitioner/example-practitioner-1');
    // The password alone leads to the enrolment, not to a session.
    const skipper = new CookieJar();
    expect(await passwordStep(server.baseUrl, skipper, practitioner)).toMatchObject({ status: 303, location: '/login/two-factor' });
    expect((await browse(skipper, `${server.baseUrl}/login/two-factor`)).title).toBe('Set up an authenticator app');
    expect(await isSignedIn(server.baseUrl, skipper)).toBe(false);

    let secret = '';
    const before = Math.floor(Date.now() / 1000);
    const result = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, identity), {
      ...practitioner,
      fill: secondFactorFill(clock, undefined, (enrolled) => (secret = enrolled)),
    });
    expect(result.pages).toEqual(['Sign in', 'Set up an authenticator app', 'Save your recovery codes', expect.stringMatching(/^Allow /)]);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const claims = await idToken(result.code);
    expect(claims).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: ACR_MULTI_FACTOR });
    expect(claims.auth_time).toBeGreaterThanOrEqual(before - 1);
    const enrolled = await server.app.get(AuditService).find({ event: 'mfa_enrolled', limit: 1000 });
    expect(enrolled.filter((event) => event.userId === practitioner.user.id)).toEqual([
      expect.objectContaining({ detail: { factor: 'totp', context: 'sign-in' } }),
    ]);

    // Enrolled now: the next sign-in asks for the code, and a password alone cannot enrol another authenticator.
    clock.advance(30);
    const next = new CookieJar();
    await passwordStep(server.baseUrl, next, practitioner);
    const page = await browse(next, `${server.baseUrl}/login/two-factor`);
    expect(page.title).toBe('Two-step verification');
    const sneaky = hiddenFields(formTo(page.html, '/login/two-factor'));
    sneaky.set('otp', '123456');
    expect((await browse(next, `${server.baseUrl}/login/two-factor/enrol`, sneaky)).title).toBe('Two-step verification');
    expect(await isSignedIn(server.baseUrl, next)).toBe(false);

    const person = await patient();
    const plain = await driveAuthorization(server.baseUrl, authorizeParams(server, app, challenge, identity), person);
    expect(plain.pages).toEqual(['Sign in', expect.stringMatching(/^Allow /)]);
    expect(await idToken(plain.code)).toMatchObject({ amr: ['pwd'], acr: ACR_SINGLE_FACTOR });
  });

  it('openid-client: discovery lists acr_values_supported; the id_token carries amr, auth_time and acr', async () => {
    const redirectUri = `https://${unique('mfa-rp')}.example.org/callback`;
    const { client, clientSecret } = await server.app.get(ClientsService).create({
      name: unique('MFA RP'),
      type: 'confidential-symmetric',
      tokenEndpointAuthMethod: 'client_secret_basic',
      redirectUris: [redirectUri],
      launchUrl: null,
      grantTypes: ['authorization_code'],
      scope: 'openid fhirUser profile',
      jwks: null,
      jwksUri: null,
    });
    const config = await oidc.discovery(
      new URL(server.baseUrl),
      client.clientId,
      undefined,
      oidc.ClientSecretBasic(clientSecret as string),
      { execute: [oidc.allowInsecureRequests] },
    );
    expect(config.serverMetadata().acr_values_supported).toEqual([ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR]);
    expect(config.serverMetadata().claims_supported).toEqual(expect.arrayContaining(['acr', 'amr', 'auth_time']));

    const person = await patient();
    const { secret } = await enrolTotp(server.baseUrl, await signedInJar(server.baseUrl, person), clock);
    clock.advance(30);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid fhirUser',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      aud: server.fhirBaseUrl,
      acr_values: ACR_MULTI_FACTOR,
    });
    const before = Math.floor(Date.now() / 1000);
    const result = await driveAuthorization(server.baseUrl, Object.fromEntries(url.searchParams), {
      ...person,
      fill: secondFactorFill(clock, secret),
    });
    expect(result.pages).toEqual(['Sign in', 'Two-step verification', expect.stringMatching(/^Allow /)]);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(result.location), {
      pkceCodeVerifier: codeVerifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims() as oidc.IDToken;
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe(ACR_MULTI_FACTOR);
    expect(claims.auth_time).toBeGreaterThanOrEqual(before - 1);
  });

  it('acr_values multi-factor steps up a password-only sign-in, and the stronger sign-in then holds', async () => {
    const person = await patient();
    const jar = await signedInJar(server.baseUrl, person);
    const { secret } = await enrolTotp(server.baseUrl, jar, clock);
    clock.advance(30);
    // A single-factor class is met by the password sign-in as it is.
    const single = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { ...identity, acr_values: ACR_SINGLE_FACTOR }),
      { ...person, jar },
    );
    expect(single.pages).toEqual([expect.stringMatching(/^Allow /)]);
    expect(await idToken(single.code)).toMatchObject({ amr: ['pwd'], acr: ACR_SINGLE_FACTOR });

    const stepUp = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { ...identity, acr_values: `urn:example:unknown ${ACR_MULTI_FACTOR}` }),
      { ...person, jar, fill: secondFactorFill(clock, secret) },
    );
    expect(stepUp.pages).toEqual(['Two-step verification']);
    expect(await idToken(stepUp.code)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: ACR_MULTI_FACTOR });
    const after = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { ...identity, acr_values: ACR_MULTI_FACTOR, prompt: 'none' }),
      { ...person, jar },
    );
    expect(after.pages).toEqual([]);
    expect(await idToken(after.code)).toMatchObject({ acr: ACR_MULTI_FACTOR });
  });

  it('acr_values multi-factor for a person with no factor: enrolment, then the code; with prompt=none, interaction_required', async () => {
    const person = await patient();
    const jar = await signedInJar(server.baseUrl, person);
    const silent = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { ...identity, acr_values: ACR_MULTI_FACTOR, prompt: 'none', state: 'quiet' }),
      { ...person, jar },
    );
    expect(silent).toMatchObject({ error: 'interaction_required', state: 'quiet', code: undefined });
    const enrol = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { ...identity, acr_values: ACR_MULTI_FACTOR }),
      { ...person, jar, fill: secondFactorFill(clock) },
    );
    expect(enrol.pages).toEqual(['Set up an authenticator app', 'Save your recovery codes', expect.stringMatching(/^Allow /)]);
    expect(await idToken(enrol.code)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: ACR_MULTI_FACTOR });
  });

  it('the consent form cannot skip the step-up: posting it for a multi-factor request starts the second step', async () => {
    const person = await patient();
    const jar = await signedInJar(server.baseUrl, person);
    const consent = await browse(
      jar,
      `${server.baseUrl}/authorize?${new URLSearchParams(authorizeParams(server, app, challenge, { ...identity, scope: 'openid fhirUser profile' }))}`,
    );
    expect(consent.title).toMatch(/^Allow /);
    const form = hiddenFields(formTo(consent.html, '/authorize/continue'));
    form.set(
      'authorization_request',
      new URLSearchParams(
        authorizeParams(server, app, challenge, { ...identity, scope: 'openid fhirUser profile', acr_values: ACR_MULTI_FACTOR }),
      ).toString(),
    );
    form.set('decision', 'approve');
    const posted = await browse(jar, `${server.baseUrl}/authorize/continue`, form);
    expect(posted).toMatchObject({ status: 303, location: '/login/two-factor' });
  });

  it('an EHR launch cannot provide multi-factor: unmet_authentication_requirements at the redirect_uri', async () => {
    const person = await patient();
    const ehr = await createEhr(server);
    const response = await fetch(`${server.baseUrl}/launch`, {
      method: 'POST',
      headers: { Authorization: ehr.basic, 'Content-Type': 'application/json' },
      body: JSON.stringify({ target_client_id: app.clientId, user: person.username }),
    });
    expect(response.status).toBe(200);
    const { launch } = (await response.json()) as { launch: string };
    const result = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'launch openid fhirUser', launch, acr_values: ACR_MULTI_FACTOR, state: 'ehr' }),
      { username: 'unused', password: 'unused' },
    );
    expect(result).toMatchObject({ error: 'unmet_authentication_requirements', state: 'ehr', code: undefined });
    expect(result.location.startsWith(app.redirectUri)).toBe(true);
  });
});
