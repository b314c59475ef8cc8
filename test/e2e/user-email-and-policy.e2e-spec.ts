import { randomBytes } from 'node:crypto';
import { UsersService } from '../../src/clients/users.service';
import { ensureBuilt } from '../utils/ensure-built';
import { startTestApp, TestApp } from '../utils/test-app';
import { runCli } from '../utils/cli';

type Json = Record<string, unknown>;
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;
const GOOD = 'three quiet rivers at dawn';

// Each CLI call boots the application in a child process.
jest.setTimeout(120_000);

describe('user e-mail addresses and the password policy (admin API and CLI)', () => {
  let server: TestApp;
  const tag = () => randomBytes(4).toString('hex');

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };

  const newUser = (overrides: Json = {}) => ({
    username: `u-${tag()}`,
    password: GOOD,
    display_name: 'Someone',
    fhir_user: 'Practitioner/someone',
    role: 'practitioner',
    ...overrides,
  });

  beforeAll(async () => {
    await ensureBuilt();
    server = await startTestApp({ ADMIN_TOKEN });
  }, 180_000);

  afterAll(async () => {
    await server?.close();
  });

  it('sets, changes and removes an e-mail address through the admin API, unique regardless of case', async () => {
    const address = `Casey.${tag()}@Example.org`;
    const created = await call('POST', '/admin/users', newUser({ email: address }));
    expect(created.status).toBe(201);
    expect(created.body.email).toBe(address);
    const other = await call('POST', '/admin/users', newUser());
    expect(other.body.email).toBeNull();

    const duplicate = await call('POST', '/admin/users', newUser({ email: address.toUpperCase() }));
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error_description).toMatch(/e-mail address is already used/);
    expect((await call('PATCH', `/admin/users/${other.body.id}`, { email: address.toLowerCase() })).status).toBe(409);
    expect((await call('PATCH', `/admin/users/${other.body.id}`, { email: 'not-an-address' })).status).toBe(400);
    expect((await call('POST', '/admin/users', newUser({ email: 'x@y' }))).status).toBe(400);

    expect((await call('PATCH', `/admin/users/${created.body.id}`, { email: null })).body.email).toBeNull();
    const moved = await call('PATCH', `/admin/users/${other.body.id}`, { email: address.toLowerCase() });
    expect(moved.status).toBe(200);
    expect(moved.body.email).toBe(address.toLowerCase());
    expect(await server.app.get(UsersService).findByEmail(address.toUpperCase())).toMatchObject({ id: other.body.id });
    expect((await call('GET', `/admin/users/${other.body.id}`)).body.email).toBe(address.toLowerCase());
  });

  it('refuses short, common and context-derived passwords with a readable message, on create and on reset', async () => {
    const username = `policy-${tag()}`;
    const cases: Array<[string, RegExp]> = [
      ['eleven char', /password must be longer than or equal to 12 characters/],
      ['Password12345', /commonly used or breached/],
      ['1234567890123', /repeats or runs/],
      [`i am ${username}!`, /does not contain your username/],
      ['x'.repeat(11) + 'y'.repeat(250), /password must be shorter than or equal to 256 characters/],
    ];
    for (const [password, message] of cases) {
      const refused = await call('POST', '/admin/users', newUser({ username, password }));
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body.error_description)).toMatch(message);
    }
    const created = await call('POST', '/admin/users', newUser({ username }));
    expect(created.status).toBe(201);
    const reset = await call('POST', `/admin/users/${created.body.id}/reset-password`, { password: 'qwertyuiop1234' });
    expect(reset.status).toBe(400);
    expect(JSON.stringify(reset.body.error_description)).toMatch(/commonly used or breached/);
    expect((await call('POST', `/admin/users/${created.body.id}/reset-password`, { password: 'four calm words spoken' })).status).toBe(200);
    const generated = await call('POST', `/admin/users/${created.body.id}/reset-password`, {});
    expect(generated.body.password).toEqual(expect.any(String));
  });

  it('documents email and the password limits in OpenAPI', async () => {
    const document = (await (await fetch(`${server.baseUrl}/docs-json`)).json()) as {
      components: { schemas: Record<string, { properties: Record<string, Json> }> };
    };
    expect(document.components.schemas.CreateUserDto.properties.email).toMatchObject({ format: 'email' });
    expect(document.components.schemas.UpdateUserDto.properties.email).toMatchObject({ nullable: true });
    expect(document.components.schemas.CreateUserDto.properties.password).toMatchObject({ minLength: 12, maxLength: 256 });
  });

  it('sets an e-mail address with the CLI (users:create --email, users:update --email), refusing duplicates and weak passwords', async () => {
    const address = `Cli.${tag()}@Example.org`;
    const username = `cli-${tag()}`;
    const created = await runCli([
      'users:create',
      '--username',
      username,
      '--display-name',
      'CLI',
      '--fhir-user',
      'Practitioner/cli',
      '--email',
      address,
    ]);
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout)).toMatchObject({ username, email: address });

    const second = `cli-${tag()}`;
    const weak = await runCli([
      'users:create',
      '--username',
      second,
      '--display-name',
      'CLI',
      '--fhir-user',
      'Practitioner/cli',
      '--password',
      'iloveyou12345',
    ]);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/commonly used or breached/);
    await server.app
      .get(UsersService)
      .create({ username: second, password: GOOD, displayName: 'CLI 2', fhirUser: 'Practitioner/cli2', role: 'practitioner' });

    const duplicate = await runCli(['users:update', second, '--email', address.toLowerCase()]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/e-mail address is already used/);
    const cleared = await runCli(['users:update', username, '--email', '']);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ username, email: null });
    const moved = await runCli(['users:update', second, '--email', address.toUpperCase()]);
    expect(JSON.parse(moved.stdout)).toMatchObject({ username: second, email: address.toUpperCase() });
  });
});
