import { ResourceServersService } from '../../src/resource-servers/resource-servers.service';
import { startTestApp, TestApp } from '../utils/test-app';

type SmartConfiguration = { associated_endpoints?: Array<{ url: string; capabilities: string[] }> };

// SMART App Launch 2.2 associated_endpoints: [{url, capabilities}] for the other FHIR bases this server authorizes.
describe('associated_endpoints in the SMART configuration', () => {
  const apps: TestApp[] = [];

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  const start = async (env: Record<string, string> = {}): Promise<TestApp> => {
    const app = await startTestApp(env);
    apps.push(app);
    return app;
  };
  const configuration = async (app: TestApp): Promise<SmartConfiguration> =>
    (await (await fetch(`${app.baseUrl}/fhir/.well-known/smart-configuration`)).json()) as SmartConfiguration;

  it('lists enabled registered resource servers and the configured bases, never a disabled server', async () => {
    const app = await start({ SMART_ASSOCIATED_ENDPOINTS: 'https://fhir.example.org/r4, https://other.example.org/fhir/' });
    const servers = app.app.get(ResourceServersService);
    const suffix = Math.random().toString(36).slice(2, 8);
    await servers.create({ baseUrl: `https://rs-${suffix}.example.org/fhir`, scope: 'patient/*.rs' });
    await servers.create({ baseUrl: `https://off-${suffix}.example.org/fhir`, scope: 'patient/*.rs', enabled: false });
    const body = await configuration(app);
    const urls = (body.associated_endpoints ?? []).map((endpoint) => endpoint.url);
    expect(urls).toEqual(
      expect.arrayContaining([`https://rs-${suffix}.example.org/fhir`, 'https://fhir.example.org/r4', 'https://other.example.org/fhir']),
    );
    expect(urls).not.toContain(`https://off-${suffix}.example.org/fhir`);
    for (const endpoint of body.associated_endpoints ?? []) expect(Array.isArray(endpoint.capabilities)).toBe(true);
  });

  it("in gateway mode lists this server's own FHIR base, never the upstream address", async () => {
    const upstream = 'http://10.1.2.3:8080/internal-fhir';
    const app = await start({ FHIR_UPSTREAM_URL: upstream });
    const body = await configuration(app);
    const urls = (body.associated_endpoints ?? []).map((endpoint) => endpoint.url);
    expect(urls).toContain(app.fhirBaseUrl);
    expect(JSON.stringify(body)).not.toContain('10.1.2.3');
  });
});
