import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { KeysService } from '../../src/keys/keys.service';
import { startTestApp, TestApp } from '../utils/test-app';

describe('discovery and keys', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  it.each(['/fhir/.well-known/smart-configuration', '/.well-known/smart-configuration'])(
    'serves %s as JSON whatever the Accept header, with open CORS',
    async (path) => {
      const response = await fetch(`${server.baseUrl}${path}`, {
        headers: { Accept: 'text/html', Origin: 'https://app.example.org' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      const body = (await response.json()) as Record<string, unknown>;
      expect(body.code_challenge_methods_supported).toEqual(['S256']);
      expect(Array.isArray(body.capabilities)).toBe(true);
      expect(Array.isArray(body.grant_types_supported)).toBe(true);
    },
  );

  it('publishes RS256 and ES256 keys with kid, use and alg', async () => {
    const response = await fetch(`${server.baseUrl}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Array<Record<string, string>> };
    // Other tests rotate keys on the shared database, so retired keys may be published too.
    expect(new Set(keys.map((key) => key.alg))).toEqual(new Set(['ES256', 'RS256']));
    const keysService = server.app.get(KeysService);
    expect(keys.map((key) => key.kid)).toEqual(expect.arrayContaining([keysService.activeKid('RS256'), keysService.activeKid('ES256')]));
    for (const key of keys) {
      expect(key.kid).toEqual(expect.any(String));
      expect(key.use).toBe('sig');
      expect(key.d).toBeUndefined();
    }
  });

  it('signs tokens that verify against the published JWKS', async () => {
    const keysService = server.app.get(KeysService);
    const jwks = createLocalJWKSet(await (await fetch(`${server.baseUrl}/.well-known/jwks.json`)).json());
    for (const alg of ['RS256', 'ES256'] as const) {
      const token = await keysService.sign({ sub: 'someone', iss: server.baseUrl }, alg);
      expect(decodeProtectedHeader(token).alg).toBe(alg);
      const { payload } = await jwtVerify(token, jwks, { issuer: server.baseUrl });
      expect(payload.sub).toBe('someone');
    }
  });

  it('a second server process on the same database publishes the same keys', async () => {
    const second = await startTestApp();
    const kids = async (url: string): Promise<string[]> =>
      ((await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid).sort();
    try {
      // Processes converge within the keys' reload interval even when another test rotates keys meanwhile.
      let first: string[] = [];
      let other: string[] = [];
      for (let attempt = 0; attempt < 80; attempt++) {
        [first, other] = await Promise.all([kids(server.baseUrl), kids(second.baseUrl)]);
        if (first.join() === other.join()) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(other).toEqual(first);
      expect(first.length).toBeGreaterThanOrEqual(2);
    } finally {
      await second.close();
    }
  });

  it('rotation adds a new active key and keeps the retired one published', async () => {
    const keysService = server.app.get(KeysService);
    const oldKid = keysService.activeKid('RS256');
    const oldToken = await keysService.sign({ sub: 'before-rotation' }, 'RS256');
    const [newRsKid] = await keysService.rotate(['RS256']);
    expect(newRsKid).not.toBe(oldKid);
    expect(keysService.activeKid('RS256')).toBe(newRsKid);
    const { keys } = (await (await fetch(`${server.baseUrl}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
    expect(keys.map((key) => key.kid)).toEqual(expect.arrayContaining([oldKid, newRsKid]));
    await expect(keysService.verify(oldToken)).resolves.toMatchObject({ sub: 'before-rotation' });
    const newToken = await keysService.sign({ sub: 'after' }, 'RS256');
    expect(decodeProtectedHeader(newToken).kid).toBe(newRsKid);
  });

  it('serves OpenID Connect discovery with the exact issuer and RS256', async () => {
    const response = await fetch(`${server.baseUrl}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.issuer).toBe(server.baseUrl);
    expect(body.jwks_uri).toBe(`${server.baseUrl}/.well-known/jwks.json`);
    expect(body.id_token_signing_alg_values_supported).toContain('RS256');
    expect(body.subject_types_supported).toEqual(['public']);
    const rfc8414 = await (await fetch(`${server.baseUrl}/.well-known/oauth-authorization-server`)).json();
    expect(rfc8414).toEqual(body);
  });

  it('serves a CapabilityStatement with the SMART security service without a token', async () => {
    const response = await fetch(`${server.baseUrl}/fhir/metadata`, { headers: { Origin: 'https://app.example.org' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const body = (await response.json()) as {
      resourceType: string;
      rest: Array<{ security: { service: Array<{ coding: Array<{ code: string }> }>; extension: Array<{ url: string }> } }>;
    };
    expect(body.resourceType).toBe('CapabilityStatement');
    expect(body.rest[0].security.service[0].coding[0].code).toBe('SMART-on-FHIR');
    expect(body.rest[0].security.extension[0].url).toBe('http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
  });
});
