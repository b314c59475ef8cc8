import { IncomingMessage, ServerResponse } from 'node:http';
import smart from 'fhirclient';
import { ClientsService } from '../../src/clients/clients.service';
import { createUser, insertPatient, unique } from '../utils/authorize-fixtures';
import { driveAuthorization } from '../utils/authorize-flow';
import { startTestApp, TestApp } from '../utils/test-app';

/** The few request/response members fhirclient's Node adapter touches, for an app at `appUrl`. */
function exchange(appUrl: string): { request: IncomingMessage; response: ServerResponse; location: () => string | undefined } {
  const url = new URL(appUrl);
  let location: string | undefined;
  const request = {
    url: `${url.pathname}${url.search}`,
    method: 'GET',
    headers: { host: url.host, 'x-forwarded-proto': url.protocol.slice(0, -1) },
    socket: {},
  } as unknown as IncomingMessage;
  const response = {
    writeHead: (_status: number, headers: Record<string, string>) => {
      location = headers.location ?? headers.Location;
      return response;
    },
    setHeader: () => undefined,
    end: () => undefined,
  } as unknown as ServerResponse;
  return { request, response, location: () => location };
}

function memoryStorage() {
  const values = new Map<string, unknown>();
  return {
    get: async (key: string) => values.get(key),
    set: async (key: string, value: unknown) => {
      values.set(key, value);
      return value;
    },
    unset: async (key: string) => values.delete(key),
  };
}

// fhirclient (the SMART JavaScript client) doing a standalone launch as a public app.
describe('real client: fhirclient standalone launch', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  it('authorizes, exchanges the code with PKCE and reads Patient/{patient} from /fhir', async () => {
    const appOrigin = `https://${unique('fhirclient-app')}.example.org`;
    const redirectUri = `${appOrigin}/callback`;
    const { client } = await server.app.get(ClientsService).create({
      name: unique('fhirclient app'),
      type: 'public',
      tokenEndpointAuthMethod: 'none',
      redirectUris: [redirectUri],
      launchUrl: `${appOrigin}/launch`,
      grantTypes: ['authorization_code', 'refresh_token'],
      scope: 'openid fhirUser launch/patient offline_access patient/*.rs',
      jwks: null,
      jwksUri: null,
      allowRefreshTokens: true,
    });
    const patientId = await insertPatient(server, 'Fhirclientson');
    const { username, password } = await createUser(server, 'patient', `Patient/${patientId}`);
    const storage = memoryStorage();

    const launch = exchange(`${appOrigin}/launch`);
    await smart(launch.request, launch.response, storage).authorize({
      iss: server.fhirBaseUrl,
      clientId: client.clientId,
      redirectUri: '/callback',
      scope: 'openid fhirUser launch/patient offline_access patient/*.rs',
      pkceMode: 'required',
    });
    const authorizeUrl = new URL(launch.location() as string);
    expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(`${server.baseUrl}/authorize`);
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('aud')).toBe(server.fhirBaseUrl);

    const result = await driveAuthorization(server.baseUrl, Object.fromEntries(authorizeUrl.searchParams), { username, password });
    expect(result.location.startsWith(redirectUri)).toBe(true);
    expect(result.code).toEqual(expect.any(String));

    const callback = exchange(result.location);
    const fhir = await smart(callback.request, callback.response, storage).ready();
    expect(fhir.patient.id).toBe(patientId);
    expect(fhir.state.tokenResponse?.token_type).toBe('Bearer');
    expect(typeof fhir.state.tokenResponse?.expires_in).toBe('number');
    expect(fhir.state.tokenResponse?.refresh_token).toEqual(expect.any(String));
    expect(fhir.getFhirUser()).toBe(`Patient/${patientId}`);

    const patient = (await fhir.request(`Patient/${patientId}`)) as { resourceType: string; id: string };
    expect(patient).toMatchObject({ resourceType: 'Patient', id: patientId });
    const viaContext = (await fhir.patient.read()) as { id: string };
    expect(viaContext.id).toBe(patientId);
  });
});
