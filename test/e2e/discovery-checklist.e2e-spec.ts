import { startTestApp, TestApp } from '../utils/test-app';

// SMART App Launch 2.2 §Conformance (metadata, capabilities), OIDC Discovery §3: every field, with every module loaded.
describe('discovery documents against SMART App Launch 2.2 and OIDC Discovery', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  const url = (path: string): string => `${server.baseUrl}${path}`;

  it('smart-configuration carries every required and recommended field as absolute URLs', async () => {
    const response = await fetch(url('/fhir/.well-known/smart-configuration'), { headers: { Accept: 'application/json' } });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      issuer: server.baseUrl,
      jwks_uri: url('/.well-known/jwks.json'),
      authorization_endpoint: url('/authorize'),
      token_endpoint: url('/token'),
      registration_endpoint: url('/register'),
      management_endpoint: url('/apps'),
      introspection_endpoint: url('/introspect'),
      revocation_endpoint: url('/revoke'),
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(body.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    expect(body.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'private_key_jwt']),
    );
    expect(body.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS384', 'ES384']));
    expect(body.scopes_supported).toEqual(
      expect.arrayContaining([
        'openid',
        'fhirUser',
        'launch',
        'launch/patient',
        'offline_access',
        'patient/*.rs',
        'user/*.rs',
        'system/*.rs',
      ]),
    );
    for (const value of Object.values(body)) {
      if (typeof value === 'string' && value.includes('://')) expect(value.startsWith(server.baseUrl)).toBe(true);
    }
  });

  it('advertises every capability the ONC (g)(10) scenarios demand, and nothing unimplemented', async () => {
    const body = (await (await fetch(url('/.well-known/smart-configuration'))).json()) as { capabilities: string[] };
    const standalone =
      'launch-standalone client-public client-confidential-symmetric client-confidential-asymmetric sso-openid-connect context-standalone-patient permission-offline permission-patient authorize-post permission-v2 permission-v1';
    const ehr =
      'launch-ehr client-confidential-symmetric client-confidential-asymmetric sso-openid-connect context-banner context-style context-ehr-patient context-ehr-encounter permission-offline permission-user authorize-post permission-v2 permission-v1';
    expect(body.capabilities).toEqual(expect.arrayContaining([...standalone.split(' '), ...ehr.split(' ')]));
    expect(body.capabilities).not.toContain('smart-app-state');
    // Both spellings of the banner/style capabilities (IG conformance page and FHIR R4 smart-capabilities).
    expect(body.capabilities).toEqual(
      expect.arrayContaining(['context-banner', 'context-style', 'context-passthrough-banner', 'context-passthrough-style']),
    );
    expect(body.capabilities.every((capability) => typeof capability === 'string')).toBe(true);
  });

  it('openid-configuration has the fields Inferno requires, with issuer exactly PUBLIC_URL', async () => {
    const response = await fetch(url('/.well-known/openid-configuration'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    for (const field of [
      'issuer',
      'authorization_endpoint',
      'token_endpoint',
      'jwks_uri',
      'response_types_supported',
      'subject_types_supported',
      'id_token_signing_alg_values_supported',
    ]) {
      expect(body[field]).toBeDefined();
    }
    expect(body.issuer).toBe(server.baseUrl);
    expect(body.id_token_signing_alg_values_supported).toContain('RS256');
    expect(body.authorization_response_iss_parameter_supported).toBe(true);
  });

  it('the CapabilityStatement lists the oauth-uris and the FHIR resources served', async () => {
    const body = (await (await fetch(url('/fhir/metadata'))).json()) as {
      rest: Array<{
        security: { extension: Array<{ extension: Array<{ url: string; valueUri: string }> }> };
        resource: Array<{ type: string }>;
      }>;
    };
    const uris = Object.fromEntries(body.rest[0].security.extension[0].extension.map((item) => [item.url, item.valueUri]));
    expect(uris).toMatchObject({
      authorize: url('/authorize'),
      token: url('/token'),
      introspect: url('/introspect'),
      revoke: url('/revoke'),
      manage: url('/apps'),
      register: url('/register'),
    });
    expect(body.rest[0].resource.map((resource) => resource.type)).toEqual(
      expect.arrayContaining(['Patient', 'Observation', 'Condition', 'Encounter']),
    );
  });

  it('the CapabilityStatement lists the SMART capabilities, both banner/style spellings included', async () => {
    const body = (await (await fetch(url('/fhir/metadata'))).json()) as {
      rest: Array<{ security: { extension: Array<{ url: string; valueCode?: string }> } }>;
    };
    const codes = body.rest[0].security.extension
      .filter((item) => item.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/capabilities')
      .map((item) => item.valueCode);
    expect(codes).toEqual(
      expect.arrayContaining(['launch-ehr', 'context-banner', 'context-style', 'context-passthrough-banner', 'context-passthrough-style']),
    );
  });

  it('RFC 8414 §2: introspection and revocation list the signing algs for private_key_jwt, in both metadata documents', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const body = (await (await fetch(url(path))).json()) as Record<string, string[]>;
      for (const endpoint of ['introspection', 'revocation']) {
        expect(body[`${endpoint}_endpoint_auth_methods_supported`]).toContain('private_key_jwt');
        expect(body[`${endpoint}_endpoint_auth_signing_alg_values_supported`]).toEqual(
          body.token_endpoint_auth_signing_alg_values_supported,
        );
        expect(body[`${endpoint}_endpoint_auth_signing_alg_values_supported`]).toEqual(expect.arrayContaining(['RS384', 'ES384']));
      }
    }
  });
});
