import { DataSource } from 'typeorm';
import { AuthorizationCodeService } from '../../src/authorize/authorization-code.service';
import { authorizeParams, createApp, createEhr, createUser, insertEncounter, insertPatient, pkce } from '../utils/authorize-fixtures';
import { driveAuthorization } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

describe('EHR launch (POST /launch, /authorize with launch)', () => {
  let server: TestApp;
  let ehr: { clientId: string; basic: string };
  let app: { clientId: string; redirectUri: string };
  let patientId: string;
  let encounterId: string;
  let clinician: Awaited<ReturnType<typeof createUser>>;
  const { challenge } = pkce();

  beforeAll(async () => {
    server = await startTestApp();
    ehr = await createEhr(server);
    app = await createApp(server, { launchUrl: 'https://ehr-app.example.org/launch' });
    patientId = await insertPatient(server, 'Launchable');
    encounterId = await insertEncounter(server, patientId);
    clinician = await createUser(server, 'practitioner', `Practitioner/${patientId}-doc`);
  });

  afterAll(async () => {
    await server.close();
  });

  async function createLaunch(body: Record<string, unknown>, options: { json?: boolean; authorization?: string } = {}): Promise<Response> {
    const json = options.json ?? true;
    return fetch(`${server.baseUrl}/launch`, {
      method: 'POST',
      headers: {
        Authorization: options.authorization ?? ehr.basic,
        'Content-Type': json ? 'application/json' : 'application/x-www-form-urlencoded',
      },
      body: json ? JSON.stringify(body) : new URLSearchParams(body as Record<string, string>).toString(),
    });
  }

  async function launchValue(body: Record<string, unknown>, json = true): Promise<string> {
    const response = await createLaunch({ target_client_id: app.clientId, ...body }, { json });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toMatch(/no-store/);
    const result = (await response.json()) as { launch: string; expires_in: number };
    expect(result.expires_in).toBe(300);
    expect(result.launch).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return result.launch;
  }

  const consume = async (code: string | undefined) => {
    const result = await server.app.get(AuthorizationCodeService).consume(code as string);
    if (result.status !== 'ok') throw new Error(`code ${result.status}`);
    return result.code;
  };

  it('carries every context field into the code; a launch naming its user needs no sign-in', async () => {
    const fhirContext = [
      { reference: `Encounter/${encounterId}`, role: 'https://example.org/role/source' },
      { canonical: 'http://example.org/Questionnaire/q|1', type: 'Questionnaire' },
      { identifier: { system: 'urn:x', value: '1' }, type: 'ServiceRequest' },
    ];
    const launch = await launchValue({
      patient: patientId,
      encounter: encounterId,
      user: clinician.username,
      fhirContext,
      intent: 'reconcile-medications',
      need_patient_banner: false,
      smart_style_url: 'https://ehr.example.org/style-v2.json',
      tenant: 'hospital-7',
    });
    const params = authorizeParams(server, app, challenge, { scope: 'launch openid fhirUser patient/*.rs', launch });
    const result = await driveAuthorization(server.baseUrl, params, { username: 'unused', password: 'unused' });
    expect(result.pages).toEqual([expect.stringMatching(/^Allow /)]);
    const code = await consume(result.code);
    expect(code.userId).toBe(clinician.user.id);
    expect(code.scope).toBe('launch openid fhirUser patient/*.rs');
    expect(code.launchContext).toEqual({
      patient: patientId,
      encounter: encounterId,
      fhirContext,
      intent: 'reconcile-medications',
      need_patient_banner: false,
      smart_style_url: 'https://ehr.example.org/style-v2.json',
      tenant: 'hospital-7',
    });
  });

  it('accepts a form-encoded launch request, a fhirUser as user, and defaults banner and style', async () => {
    const launch = await launchValue({ patient: patientId, user: clinician.user.fhirUser }, false);
    const result = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'launch openid patient/Patient.rs', launch }),
      { username: 'unused', password: 'unused' },
    );
    const code = await consume(result.code);
    expect(code.userId).toBe(clinician.user.id);
    expect(code.launchContext).toMatchObject({ patient: patientId, need_patient_banner: true });
    expect(code.launchContext.smart_style_url).toMatch(/\/smart-style\.json\?v=[0-9a-f]{12}$/);
  });

  it('shows the sign-in page when the launch does not name a user', async () => {
    const launch = await launchValue({ patient: patientId });
    const result = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'launch openid patient/*.rs', launch }),
      clinician,
    );
    expect(result.pages[0]).toBe('Sign in');
    expect((await consume(result.code)).launchContext.patient).toBe(patientId);
  });

  it('refuses a launch patient the signed-in user may not access', async () => {
    const other = await insertPatient(server, 'Elsewhere');
    const restricted = await createUser(server, 'practitioner', 'Practitioner/restricted', { restrictedToPatients: [other] });
    const launch = await launchValue({ patient: patientId, user: restricted.username });
    const result = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'launch openid', launch, state: 'fenced' }),
      restricted,
    );
    expect(result).toMatchObject({ error: 'access_denied', state: 'fenced', code: undefined });
    const patientUser = await createUser(server, 'patient', `Patient/${other}`);
    const portal = await launchValue({ patient: patientId, user: patientUser.username });
    const denied = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'launch openid', launch: portal }),
      patientUser,
    );
    expect(denied.error).toBe('access_denied');
  });

  it('refuses a launch used twice', async () => {
    const launch = await launchValue({ patient: patientId, user: clinician.username });
    const params = authorizeParams(server, app, challenge, { scope: 'launch openid', launch });
    const first = await driveAuthorization(server.baseUrl, params, clinician);
    expect(first.code).toEqual(expect.any(String));
    const replay = await driveAuthorization(server.baseUrl, { ...params, state: 'replayed' }, clinician);
    expect(replay).toMatchObject({ error: 'invalid_request', state: 'replayed', code: undefined });
  });

  it('refuses a launch presented by another client', async () => {
    const launch = await launchValue({ patient: patientId, user: clinician.username });
    const other = await createApp(server);
    const result = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, other, challenge, { scope: 'launch openid', launch, state: 'stolen' }),
      clinician,
    );
    expect(result).toMatchObject({ error: 'invalid_request', state: 'stolen', code: undefined });
    // The launch still works for the app it was issued for.
    const own = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'launch openid', launch }),
      clinician,
    );
    expect(own.code).toEqual(expect.any(String));
  });

  it('refuses an expired launch', async () => {
    const launch = await launchValue({ patient: patientId });
    await server.app
      .get(DataSource)
      .query(`UPDATE launch_contexts SET expires_at = now() - interval '1 second' WHERE created_by = $1`, [ehr.clientId]);
    const result = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'launch openid', launch, state: 'late' }),
      clinician,
    );
    expect(result).toMatchObject({ error: 'invalid_request', state: 'late' });
  });

  it('requires client authentication and the launch permission', async () => {
    const anonymous = await fetch(`${server.baseUrl}/launch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ target_client_id: app.clientId }),
    });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: string }).error).toBe('invalid_client');
    const wrongSecret = await createLaunch(
      { target_client_id: app.clientId },
      { authorization: `Basic ${Buffer.from(`${ehr.clientId}:wrong`).toString('base64')}` },
    );
    expect(wrongSecret.status).toBe(401);
    const unprivileged = await createEhr(server, false);
    const refused = await createLaunch({ target_client_id: app.clientId }, { authorization: unprivileged.basic });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('unauthorized_client');
  });

  it.each([
    ['an unknown target app', { target_client_id: 'nobody' }],
    ['an unknown patient', { patient: 'no-such-patient' }],
    ['an encounter of another patient', { patient: 'OTHER', encounter: 'ENC' }],
    ['an unknown user', { user: 'no-such-user' }],
    ['a fhirContext item without reference, canonical or identifier', { fhirContext: [{ type: 'Observation' }] }],
    ['a fhirContext with an empty role', { fhirContext: [{ reference: 'Observation/1', role: '' }] }],
    ['an absolute fhirContext reference', { fhirContext: [{ reference: 'http://x.org/fhir/Observation/1' }] }],
    ['a non-boolean need_patient_banner', { need_patient_banner: 'sometimes' }],
    ['a relative smart_style_url', { smart_style_url: '/style.json' }],
  ])('rejects %s with invalid_request', async (_, body) => {
    const otherPatient = await insertPatient(server, 'Someone');
    const resolved = JSON.parse(JSON.stringify(body).replace('OTHER', otherPatient).replace('ENC', encounterId));
    const response = await createLaunch({ target_client_id: app.clientId, ...resolved });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('serves valid SMART style JSON at the versioned smart_style_url', async () => {
    const launch = await launchValue({ patient: patientId, user: clinician.username });
    const result = await driveAuthorization(
      server.baseUrl,
      authorizeParams(server, app, challenge, { scope: 'launch openid', launch }),
      clinician,
    );
    const url = (await consume(result.code)).launchContext.smart_style_url as string;
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const style = (await response.json()) as Record<string, string>;
    for (const key of [
      'color_background',
      'color_error',
      'color_highlight',
      'color_modal_backdrop',
      'color_success',
      'color_text',
      'dim_border_radius',
      'dim_font_size',
      'dim_spacing_size',
      'font_family_body',
      'font_family_heading',
    ]) {
      expect(typeof style[key]).toBe('string');
    }
  });
});
