import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, JWK } from 'jose';
import { Client } from 'pg';
import { ClientAuthenticationService } from '../../src/clients/authentication/client-authentication.service';
import { ClientsService } from '../../src/clients/clients.service';
import { UsersService } from '../../src/clients/users.service';
import { clientAssertionFields, generateClientKey } from '../utils/client-assertion';
import { ensureBuilt } from '../utils/ensure-built';
import { startTestApp, TestApp } from '../utils/test-app';
import { runCli } from '../utils/cli';

type Json = Record<string, unknown>;
const ROOT = join(__dirname, '..', '..');

const cli = runCli;

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

// Each CLI call boots the application in a child process; a test making three of them needs more than the
// default 30 s when the machine is busy.
jest.setTimeout(120_000);

describe('operator CLI', () => {
  let server: TestApp;
  let auth: ClientAuthenticationService;

  beforeAll(async () => {
    // The CLI runs from dist/; build only when it is missing or older than the sources.
    await ensureBuilt();
    server = await startTestApp();
    auth = server.app.get(ClientAuthenticationService);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
  });

  it('clients:create prints a client whose secret then authenticates; rotate-secret keeps both during the overlap', async () => {
    const created = await cli([
      'clients:create',
      '--name',
      'CLI app',
      '--type',
      'confidential-symmetric',
      '--redirect-uri',
      'https://cli.example.org/cb',
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const client = JSON.parse(created.stdout) as Json;
    expect(client).toMatchObject({
      type: 'confidential-symmetric',
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: ['https://cli.example.org/cb'],
    });
    const id = client.client_id as string;
    await expect(
      auth.authenticate({ headers: { authorization: basic(id, client.client_secret as string) }, body: {} }, 'token'),
    ).resolves.toMatchObject({
      client: { clientId: id },
    });

    const rotated = await cli(['clients:rotate-secret', id, '--overlap', '600']);
    expect(rotated.code).toBe(0);
    const secret = (JSON.parse(rotated.stdout) as Json).client_secret as string;
    for (const candidate of [client.client_secret as string, secret]) {
      await expect(auth.authenticate({ headers: { authorization: basic(id, candidate) }, body: {} }, 'token')).resolves.toMatchObject({
        client: { clientId: id },
      });
    }

    const listed = await cli(['clients:list', '--table']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^client_id\s+client_name/);
    expect(listed.stdout).toContain(id);
  });

  it('clients:delete deletes a client, whose secret then fails and whose client_id cannot be created again', async () => {
    const created = await cli([
      'clients:create',
      '--name',
      'CLI doomed',
      '--type',
      'confidential-symmetric',
      '--redirect-uri',
      'https://doomed.example.org/cb',
    ]);
    expect(created.code).toBe(0);
    const client = JSON.parse(created.stdout) as Json;
    const id = client.client_id as string;
    const deleted = await cli(['clients:delete', id]);
    expect({ code: deleted.code, stderr: deleted.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(deleted.stdout)).toEqual({ client_id: id, deleted: true });
    await expect(
      auth.authenticate({ headers: { authorization: basic(id, client.client_secret as string) }, body: {} }, 'token'),
    ).rejects.toBeDefined();
    const service = server.app.get(ClientsService);
    expect(await service.isDeleted(id)).toBe(true);
    await expect(
      service.create(
        {
          name: 'impostor',
          type: 'public',
          tokenEndpointAuthMethod: 'none',
          redirectUris: ['https://impostor.example.org/cb'],
          launchUrl: null,
          grantTypes: ['authorization_code'],
          scope: '',
          jwks: null,
          jwksUri: null,
        },
        { clientId: id },
      ),
    ).rejects.toThrow(/already registered/);
    const unknown = await cli(['clients:delete', id]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`No client ${id}`);
    // Three CLI processes, each booting the application: generous on a loaded machine.
  }, 120_000);

  it('clients:create registers a backend service from a JWKS file', async () => {
    const key = await generateClientKey('ES384');
    const file = join(mkdtempSync(join(tmpdir(), 'cli-jwks-')), 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [key.publicJwk] }));
    const created = await cli([
      'clients:create',
      '--name',
      'CLI backend',
      '--type',
      'backend-service',
      '--jwks-file',
      file,
      '--scope',
      'system/Patient.rs',
    ]);
    expect(created.code).toBe(0);
    const clientId = (JSON.parse(created.stdout) as Json).client_id as string;
    const fields = await clientAssertionFields({ clientId, audience: `${server.baseUrl}/token`, key });
    await expect(auth.authenticate({ headers: {}, body: { grant_type: 'client_credentials', ...fields } }, 'token')).resolves.toMatchObject(
      { method: 'private_key_jwt' },
    );
  });

  it('clients:create registers a backend service with client_secret_basic that gets client_credentials tokens', async () => {
    const created = await cli([
      'clients:create',
      '--name',
      'CLI internal service',
      '--type',
      'backend-service',
      '--auth-method',
      'client_secret_basic',
      '--scope',
      'system/Patient.rs',
    ]);
    expect(created.code).toBe(0);
    const client = JSON.parse(created.stdout) as Json;
    expect(client).toMatchObject({
      type: 'backend-service',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
    });
    const response = await fetch(`${server.baseUrl}/token`, {
      method: 'POST',
      headers: {
        authorization: basic(client.client_id as string, client.client_secret as string),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/Patient.rs' }).toString(),
    });
    expect(response.status).toBe(200);
    expect((await response.json()) as Json).toMatchObject({ scope: 'system/Patient.rs', access_token: expect.any(String) });
  });

  it('refuses invalid metadata with exit code 1 and the OAuth error on stderr', async () => {
    const result = await cli(['clients:create', '--name', 'Bad', '--redirect-uri', 'http://public.example.org/cb']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/invalid_redirect_uri/);
  });

  it('users:create generates a password once; users:list shows the user without any hash', async () => {
    const username = `cli-${randomBytes(4).toString('hex')}`;
    const created = await cli(['users:create', '--username', username, '--display-name', 'CLI User', '--fhir-user', 'Practitioner/cli-1']);
    expect(created.code).toBe(0);
    const user = JSON.parse(created.stdout) as Json;
    expect(await server.app.get(UsersService).verifyPassword(username, user.password as string)).toMatchObject({ id: user.id });
    const listed = await cli(['users:list']);
    expect(listed.stdout).toContain(username);
    expect(listed.stdout).not.toContain('argon2');
  });

  describe('demo data', () => {
    const database = `clients_seed_test_${randomBytes(4).toString('hex')}`;
    let url: string;

    const admin = async (sql: string): Promise<void> => {
      const client = new Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };

    beforeAll(async () => {
      await admin(`CREATE DATABASE ${database}`);
      const parsed = new URL(process.env.DATABASE_URL as string);
      parsed.pathname = `/${database}`;
      url = parsed.toString();
    });

    afterAll(async () => {
      await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    });

    it('is not seeded when SEED_DEMO_DATA is false', async () => {
      const plain = await startTestApp({ DATABASE_URL: url, SEED_DEMO_DATA: 'false' });
      try {
        expect(await plain.app.get(UsersService).findByUsername('clinician')).toBeNull();
        expect(await plain.app.get(ClientsService).findById('demo-ehr')).toBeNull();
      } finally {
        await plain.close();
      }
    });

    it('keys:rotate prints the new key ids (on this private database: other suites compare the shared JWKS)', async () => {
      const result = await cli(['keys:rotate'], { DATABASE_URL: url });
      expect(result.code).toBe(0);
      expect((JSON.parse(result.stdout) as Json).kids).toEqual([expect.stringMatching(/^rs256-/), expect.stringMatching(/^es256-/)]);
    });

    it('is seeded on start when SEED_DEMO_DATA=true, idempotently, and `seed` only reports what exists', async () => {
      const seeded = await startTestApp({ DATABASE_URL: url, SEED_DEMO_DATA: 'true' });
      try {
        const users = seeded.app.get(UsersService);
        expect(await users.verifyPassword('clinician', 'clinician-demo-password')).toMatchObject({
          displayName: 'Dr. Casey Clinician',
          fhirUser: 'Practitioner/example-practitioner-1',
          role: 'practitioner',
        });
        expect(await users.verifyPassword('patient', 'patient-demo-password')).toMatchObject({
          displayName: 'Amy Shaw',
          fhirUser: 'Patient/example-patient-1',
          role: 'patient',
        });

        const demoAuth = seeded.app.get(ClientAuthenticationService);
        await expect(demoAuth.authenticate({ headers: {}, body: { client_id: 'demo-public-app' } }, 'token')).resolves.toMatchObject({
          client: {
            redirectUris: [`${seeded.baseUrl}/demo-app/callback`, 'http://127.0.0.1:8080/callback'],
            launchUrl: `${seeded.baseUrl}/demo-app/launch`,
          },
        });
        await expect(
          demoAuth.authenticate(
            { headers: { authorization: basic('demo-confidential-app', 'demo-confidential-secret-change-me-0123456789abcdef') }, body: {} },
            'token',
          ),
        ).resolves.toMatchObject({ method: 'client_secret_basic', client: { clientId: 'demo-confidential-app' } });
        await expect(
          demoAuth.authenticate(
            { headers: { authorization: basic('demo-ehr', 'demo-ehr-secret-change-me-0123456789abcdef') }, body: {} },
            'launch',
          ),
        ).resolves.toMatchObject({ client: { mayCreateLaunchContexts: true, mayIntrospectAnyToken: true } });

        const privateJwk = JSON.parse(readFileSync(join(ROOT, 'demo', 'keys', 'demo-backend-service.private.jwk.json'), 'utf8')) as JWK;
        const privateKey = (await importJWK(privateJwk, 'RS384')) as CryptoKey;
        const fields = await clientAssertionFields({
          clientId: 'demo-backend-service',
          audience: `${seeded.baseUrl}/token`,
          key: { alg: 'RS384', kid: privateJwk.kid as string, privateKey },
        });
        await expect(demoAuth.authenticate({ headers: {}, body: fields }, 'token')).resolves.toMatchObject({
          client: { type: 'backend-service', scope: 'system/*.rs system/Patient.cruds' },
        });
      } finally {
        await seeded.close();
      }

      const again = await cli(['seed'], { DATABASE_URL: url });
      expect(again.code).toBe(0);
      const result = JSON.parse(again.stdout) as { created: string[]; existing: string[] };
      expect(result.created).toEqual([]);
      // Three users, the authenticator app of mfa-clinician, four clients.
      expect(result.existing).toHaveLength(8);
      expect(result.existing).toContain('authenticator app of user mfa-clinician');
    });

    it('`seed` on an empty database inserts the demo users, clients and FHIR resources', async () => {
      const fresh = `${database}_fresh`;
      await admin(`CREATE DATABASE ${fresh}`);
      try {
        const parsed = new URL(url);
        parsed.pathname = `/${fresh}`;
        const seeded = await cli(['seed'], { DATABASE_URL: parsed.toString() });
        expect(seeded.code).toBe(0);
        const result = JSON.parse(seeded.stdout) as { created: string[] };
        expect(result.created).toEqual(
          expect.arrayContaining(['user clinician', 'client demo-public-app', expect.stringMatching(/^\d+ FHIR resources$/)]),
        );
        const client = new Client({ connectionString: parsed.toString() });
        await client.connect();
        try {
          const rows = await client.query(
            `SELECT resource->'name'->0->>'family' AS family FROM fhir_resources WHERE resource_type = 'Patient' AND id = 'example-patient-1'`,
          );
          expect(rows.rows).toEqual([{ family: 'Shaw' }]);
        } finally {
          await client.end();
        }
      } finally {
        await admin(`DROP DATABASE IF EXISTS ${fresh} WITH (FORCE)`);
      }
    });
  });
});
