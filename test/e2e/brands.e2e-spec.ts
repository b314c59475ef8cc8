import { randomBytes } from 'node:crypto';
import { BrandsService } from '../../src/brands/brands.service';
import { ensureBuilt } from '../utils/ensure-built';
import { startTestApp, TestApp } from '../utils/test-app';
import { runCli } from '../utils/cli';

// SMART App Launch 2.2 "User-access Brands". The operator configures the brand (admin API, CLI);
// the server publishes a User Access Brands Bundle and names it in the SMART configuration.

type Json = Record<string, any>;
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;

const BRAND = {
  name: 'Example Health',
  logo_url: 'https://example.org/logo.svg',
  portal_url: 'https://portal.example.org',
  portal_name: 'Example MyChart',
  portal_description: 'Sign in with your **Example Health** account.\n\nNew patients: register first.',
  identifiers: [{ system: 'urn:ietf:rfc:3986', value: 'https://example.org' }, { value: 'EX-123' }],
  aliases: ['Example Hospital'],
};

/** The IG's required elements of a User Access Brands Bundle holding one brand and its FHIR endpoint. */
function expectValidBrandBundle(bundle: Json, fhirBaseUrl: string): { organization: Json; endpoint: Json } {
  expect(bundle.resourceType).toBe('Bundle');
  expect(bundle.type).toBe('collection');
  expect(typeof bundle.timestamp).toBe('string');
  expect(Number.isNaN(Date.parse(bundle.timestamp))).toBe(false);
  expect(Array.isArray(bundle.entry) && bundle.entry.length > 0).toBe(true);
  for (const entry of bundle.entry) {
    expect(entry.fullUrl).toMatch(/^https?:\/\//);
    expect(entry.fullUrl.endsWith(`/${entry.resource.resourceType}/${entry.resource.id}`)).toBe(true);
  }
  const organizations = bundle.entry
    .filter((entry: Json) => entry.resource.resourceType === 'Organization')
    .map((entry: Json) => entry.resource);
  const endpoints = bundle.entry.filter((entry: Json) => entry.resource.resourceType === 'Endpoint').map((entry: Json) => entry.resource);
  expect(organizations).toHaveLength(1);
  expect(endpoints).toHaveLength(1);
  const [organization, endpoint] = [organizations[0], endpoints[0]];
  // User Access Brand: name, identifier, a url telecom (the brand's website), endpoint references that resolve.
  expect(typeof organization.name).toBe('string');
  expect(organization.name.length).toBeGreaterThan(0);
  expect(organization.telecom).toEqual(expect.arrayContaining([{ system: 'url', value: expect.stringMatching(/^https:\/\//) }]));
  for (const reference of organization.endpoint) expect(reference.reference).toBe(`Endpoint/${endpoint.id}`);
  const portal = organization.extension.find(
    (extension: Json) => extension.url === 'http://hl7.org/fhir/StructureDefinition/organization-portal',
  );
  expect(portal.extension.find((part: Json) => part.url === 'portalUrl').valueUrl).toMatch(/^https:\/\//);
  expect(portal.extension.find((part: Json) => part.url === 'portalEndpoint').valueReference.reference).toBe(`Endpoint/${endpoint.id}`);
  // User Access Endpoint: active FHIR REST endpoint at this server's FHIR base, managed by the brand.
  expect(endpoint.status).toBe('active');
  expect(endpoint.connectionType).toEqual({
    system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type',
    code: 'hl7-fhir-rest',
  });
  expect(endpoint.address).toBe(fhirBaseUrl);
  expect(endpoint.payloadType.length).toBeGreaterThan(0);
  expect(endpoint.payloadType[0].coding[0].code).toBeTruthy();
  expect(endpoint.managingOrganization).toEqual({ reference: `Organization/${organization.id}` });
  expect(endpoint.extension).toEqual(
    expect.arrayContaining([{ url: 'http://hl7.org/fhir/StructureDefinition/endpoint-fhir-version', valueCode: '4.0.1' }]),
  );
  return { organization, endpoint };
}

describe('SMART 2.2 user-access brands', () => {
  let server: TestApp;

  const admin = async (method: string, body?: unknown, token: string | null = ADMIN_TOKEN) => {
    const headers: Record<string, string> = body === undefined ? {} : { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(`${server.baseUrl}/admin/brand`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const smartConfiguration = async (): Promise<Json> => (await fetch(`${server.baseUrl}/.well-known/smart-configuration`)).json();

  beforeAll(async () => {
    await ensureBuilt();
    server = await startTestApp({ ADMIN_TOKEN });
    await admin('DELETE');
  }, 180_000);

  afterAll(async () => {
    if (server) await admin('DELETE');
    await server?.close();
  });

  it('with no brand configured, the configuration omits the bundle and /brands.json is 404', async () => {
    expect((await fetch(`${server.baseUrl}/brands.json`)).status).toBe(404);
    const config = await smartConfiguration();
    expect(config).not.toHaveProperty('user_access_brand_bundle');
    expect(config).not.toHaveProperty('user_access_brand_identifier');
    expect((await admin('GET')).status).toBe(404);
  });

  it('an operator configures the brand; the Bundle is public, cacheable, CORS-open and valid', async () => {
    const put = await admin('PUT', BRAND);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: BRAND.name, logo_url: BRAND.logo_url, identifiers: BRAND.identifiers });
    expect((await admin('GET')).body).toEqual(put.body);

    const response = await fetch(`${server.baseUrl}/brands.json`, { headers: { Origin: 'https://some-patient-app.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    const etag = response.headers.get('etag') as string;
    expect(etag).toMatch(/^W\/"/);
    const bundle = await response.json();
    const { organization } = expectValidBrandBundle(bundle, server.fhirBaseUrl);
    expect(organization.name).toBe(BRAND.name);
    expect(organization.alias).toEqual(BRAND.aliases);
    expect(organization.identifier).toEqual(BRAND.identifiers);
    const brandExtension = organization.extension.find(
      (extension: Json) => extension.url === 'http://hl7.org/fhir/StructureDefinition/organization-brand',
    );
    expect(brandExtension.extension).toEqual([{ url: 'brandLogo', valueUrl: BRAND.logo_url }]);

    // A preflight from any origin is answered too, and a revalidation with the ETag gets 304.
    const preflight = await fetch(`${server.baseUrl}/brands.json`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect((await fetch(`${server.baseUrl}/brands.json`, { headers: { 'If-None-Match': etag } })).status).toBe(304);

    // Discovery names the Bundle and the first identifier, which matches exactly one Organization.identifier.
    const config = await smartConfiguration();
    expect(config.user_access_brand_bundle).toBe(`${server.baseUrl}/brands.json`);
    expect(config.user_access_brand_identifier).toEqual(BRAND.identifiers[0]);
    const matches = bundle.entry.filter((entry: Json) =>
      (entry.resource.identifier ?? []).some(
        (id: Json) => id.system === config.user_access_brand_identifier.system && id.value === config.user_access_brand_identifier.value,
      ),
    );
    expect(matches).toHaveLength(1);
  });

  it('removing the brand withdraws the Bundle and the discovery fields', async () => {
    expect((await admin('PUT', BRAND)).status).toBe(200);
    expect((await admin('DELETE')).status).toBe(204);
    expect((await fetch(`${server.baseUrl}/brands.json`)).status).toBe(404);
    expect(await smartConfiguration()).not.toHaveProperty('user_access_brand_bundle');
  });

  it('attack: without the admin token the brand cannot be read, set or removed', async () => {
    expect((await admin('PUT', BRAND)).status).toBe(200);
    const hijack = { ...BRAND, name: 'Evil Corp', portal_url: 'https://phish.example' };
    for (const token of [null, 'wrong-token', `${ADMIN_TOKEN}x`]) {
      expect((await admin('PUT', hijack, token)).status).toBe(401);
      expect((await admin('GET', undefined, token)).status).toBe(401);
      expect((await admin('DELETE', undefined, token)).status).toBe(401);
    }
    const bundle = await (await fetch(`${server.baseUrl}/brands.json`)).json();
    expect(bundle.entry[0].resource.name).toBe(BRAND.name);
  });

  it('attack: script, data and plain-http URLs and oversized fields are refused; the stored brand is unchanged', async () => {
    expect((await admin('PUT', BRAND)).status).toBe(200);
    const bad: Array<Record<string, unknown>> = [
      { logo_url: 'javascript:alert(document.cookie)' },
      { logo_url: 'http://example.org/logo.svg' },
      { logo_url: 'data:image/svg+xml,<svg onload=alert(1)>' },
      { portal_url: 'javascript:alert(1)' },
      { portal_url: 'http://portal.example.org' },
      { name: '' },
      { name: 'x'.repeat(201) },
      { portal_description: 'x'.repeat(2001) },
      { identifiers: Array.from({ length: 11 }, (_, i) => ({ value: `id-${i}` })) },
      { identifiers: [{ system: 'urn:x' }] },
      { identifiers: [{ value: 'v'.repeat(501) }] },
      { aliases: Array.from({ length: 21 }, (_, i) => `alias ${i}`) },
      { aliases: ['a'.repeat(201)] },
      { name: 'Example\u0000Health' },
      { aliases: ['line\nbreak'] },
      { identifiers: [{ value: 'id\u001b[31m' }] },
      { portal_description: 'fine\u0007bell' },
    ];
    for (const change of bad) {
      const response = await admin('PUT', { ...BRAND, ...change });
      expect({ change, status: response.status }).toEqual({ change, status: 400 });
    }
    expect((await admin('GET')).body.logo_url).toBe(BRAND.logo_url);
    const bundle = await (await fetch(`${server.baseUrl}/brands.json`)).json();
    expect(JSON.stringify(bundle)).not.toMatch(/javascript:|data:image|http:\/\/(example|portal)/);
  });

  it('the CLI sets, shows and removes the brand; the running server picks it up', async () => {
    const set = await runCli([
      'brand:set',
      '--name',
      'CLI Health',
      '--portal-url',
      'https://cli.example.org',
      '--logo-url',
      'https://cli.example.org/logo.png',
      '--identifier',
      'urn:ietf:rfc:3986|https://cli.example.org',
      '--alias',
      'CLI Hospital',
    ]);
    expect(set).toMatchObject({ code: 0 });
    expect(JSON.parse(set.stdout)).toMatchObject({
      name: 'CLI Health',
      identifiers: [{ system: 'urn:ietf:rfc:3986', value: 'https://cli.example.org' }],
    });
    expect(JSON.parse((await runCli(['brand:show'])).stdout).name).toBe('CLI Health');
    // The CLI is another process: the server reloads the row (every 30 s, here at once).
    await server.app.get(BrandsService).reload();
    const bundle = await (await fetch(`${server.baseUrl}/brands.json`)).json();
    expect(expectValidBrandBundle(bundle, server.fhirBaseUrl).organization.name).toBe('CLI Health');
    expect((await smartConfiguration()).user_access_brand_identifier).toEqual({
      system: 'urn:ietf:rfc:3986',
      value: 'https://cli.example.org',
    });

    const refused = await runCli(['brand:set', '--name', 'X', '--portal-url', 'https://x.example', '--logo-url', 'javascript:alert(1)']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('logo_url must be an https URL');
    expect(JSON.parse((await runCli(['brand:show'])).stdout).name).toBe('CLI Health');

    expect((await runCli(['brand:delete'])).code).toBe(0);
    expect((await runCli(['brand:show'])).code).not.toBe(0);
    // Four CLI processes, each booting the application: as long as the CLI suite allows on a loaded machine.
  }, 120_000);
});
