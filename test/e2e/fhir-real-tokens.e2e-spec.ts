import { callAs, createClient, createUser, issueCode, redeem } from './token-fixtures';
import { fhirFetch } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';

// Tokens from the real /token endpoint (authorization code + PKCE) at the FHIR API: the app reads its patient
// and the fhirUser resource, cannot read another patient, and loses access once the grant is revoked.
describe('FHIR API with tokens from the token endpoint', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ SEED_DEMO_DATA: 'true' });
  });

  afterAll(async () => {
    await server.close();
  });

  it('a patient app reads its patient and fhirUser, never another patient, and stops after revocation', async () => {
    const client = await createClient(server, 'public');
    const user = await createUser(server, 'patient');
    const issued = await issueCode(server, client, user, { scope: 'openid fhirUser launch/patient offline_access patient/*.rs' });
    const tokens = await redeem(server, client, issued);
    expect(tokens.status).toBe(200);
    const accessToken = tokens.body.access_token as string;
    expect(tokens.body.patient).toBe('example-patient-1');

    // The patient user's fhirUser is Patient/example-patient-1, the launch patient.
    const fhirUser = await fhirFetch(server, '/Patient/example-patient-1', accessToken);
    expect(fhirUser.status).toBe(200);
    expect(fhirUser.body.name[0].family).toBe('Shaw');
    expect((await fhirFetch(server, '/Patient/example-patient-2', accessToken)).status).toBe(404);
    expect((await fhirFetch(server, '/Observation/example-lab-3', accessToken)).status).toBe(404);
    const observations = await fhirFetch(server, '/Observation?_count=100', accessToken);
    expect(observations.status).toBe(200);
    const subjects = new Set(observations.body.entry.map((entry: any) => entry.resource.subject.reference));
    expect([...subjects]).toEqual(['Patient/example-patient-1']);
    expect((await fhirFetch(server, '/Practitioner/example-practitioner-1', accessToken)).status).toBe(200);
    expect(
      (
        await fhirFetch(server, '/Observation', accessToken, {
          method: 'POST',
          body: { resourceType: 'Observation', status: 'final', code: {}, subject: { reference: 'Patient/example-patient-1' } },
        })
      ).status,
    ).toBe(403);

    const revoked = await callAs(server, client, '/revoke', { token: tokens.body.refresh_token as string });
    expect(revoked.status).toBe(200);
    // Revoked in this process: the verifier reads the revocation list again at once.
    const after = await fhirFetch(server, '/Patient/example-patient-1', accessToken);
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('a practitioner with user/ scopes reads every patient', async () => {
    const client = await createClient(server, 'symmetric');
    const user = await createUser(server, 'practitioner');
    const issued = await issueCode(server, client, user, {
      scope: 'openid fhirUser user/Patient.rs user/Observation.rs',
      launchContext: {},
    });
    const tokens = await redeem(server, client, issued);
    expect(tokens.status).toBe(200);
    const accessToken = tokens.body.access_token as string;
    expect((await fhirFetch(server, '/Patient/example-patient-2', accessToken)).status).toBe(200);
    expect((await fhirFetch(server, '/Observation/example-lab-3', accessToken)).status).toBe(200);
    expect((await fhirFetch(server, '/Condition/example-condition-1', accessToken)).status).toBe(403);
  });
});
