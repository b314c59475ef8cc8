import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_SCOPE, authorizeParams, createApp, createUser, insertResource, pkce } from '../utils/authorize-fixtures';
import { driveAuthorization } from '../utils/authorize-flow';
import { fhirFetch, mintAccessToken } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';

// Datatypes on write and poisoned stored data, NUL, surrogates, nesting, _since and search escapes, all-dot ids,
// and Cache-Control on patient data (RFC 9111 §5.2.2.5): input that once broke the FHIR API.
describe('FHIR input that used to break the server', () => {
  let server: TestApp;
  let admin: string;
  let mine: string;
  const run = randomUUID().slice(0, 8);
  const own = `hi-own-${run}`;

  beforeAll(async () => {
    server = await startTestApp();
    admin = await mintAccessToken(server, { scope: 'system/*.cruds' });
    mine = await mintAccessToken(server, { scope: 'patient/*.cruds', patient: own });
    expect(
      (
        await fhirFetch(server, `/Patient/${own}`, admin, {
          method: 'PUT',
          body: { resourceType: 'Patient', id: own, name: [{ family: 'Shaw', given: ['Amy'] }] },
        })
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await server.close();
  });

  const expectOutcome = (response: { status: number; body: any }, status = 400) => {
    expect(response.status).toBe(status);
    expect(response.body?.resourceType).toBe('OperationOutcome');
  };

  describe('datatypes on write', () => {
    it('refuses a poisoning PUT (malformed HumanName) and keeps the stored name', async () => {
      const response = await fhirFetch(server, `/Patient/${own}`, mine, {
        method: 'PUT',
        body: { resourceType: 'Patient', id: own, name: [{ given: 5, family: 'Shaw' }] },
      });
      expectOutcome(response);
      expect(response.body.issue[0].diagnostics).toMatch(/given/);
      expect((await fhirFetch(server, `/Patient/${own}`, admin)).body.name).toEqual([{ family: 'Shaw', given: ['Amy'] }]);
    });

    it.each([
      ['family as a number', { name: [{ family: 7 }] }],
      ['name as a string', { name: 'Amy Shaw' }],
      ['an identifier value as an object', { identifier: [{ system: 'urn:x', value: { v: 1 } }] }],
      ['a reference that is not a string', { generalPractitioner: [{ reference: ['Practitioner/1'] }] }],
      ['an impossible birthDate', { birthDate: '1987-02-30' }],
      ['a birthDate outside the FHIR format', { birthDate: '+275760-09-13' }],
    ])('refuses %s (400 OperationOutcome)', async (_label, extra) => {
      expectOutcome(
        await fhirFetch(server, `/Patient/${own}`, mine, { method: 'PUT', body: { resourceType: 'Patient', id: own, ...extra } }),
      );
    });

    it('refuses a patch whose result has a bad datatype (422)', async () => {
      expect(
        (
          await fhirFetch(server, `/Patient/${own}`, admin, {
            method: 'PUT',
            body: { resourceType: 'Patient', id: own, name: [{ family: 'Shaw', given: ['Amy'] }] },
          })
        ).status,
      ).toBe(200);
      const response = await fhirFetch(server, `/Patient/${own}`, mine, {
        method: 'PATCH',
        contentType: 'application/json-patch+json',
        body: [{ op: 'add', path: '/name/0/given', value: 5 }],
      });
      expectOutcome(response, 422);
    });
  });

  describe('a poisoned stored resource breaks nothing for other people', () => {
    const poisoned = `hi-poison-${run}`;
    const strange = `hi-strange-${run}`;
    const good = `hi-good-${run}`;
    let app: { clientId: string; redirectUri: string };

    beforeAll(async () => {
      // Written straight into the table, as data stored before these checks (or by another tool) could be.
      await insertResource(server, { resourceType: 'Patient', id: poisoned, name: [{ given: 5, family: 'Shaw' }] });
      await insertResource(server, {
        resourceType: 'Patient',
        id: strange,
        name: [null, { given: [{}, 'Ok'], family: ['x'], text: 3 }],
        birthDate: { y: 1 },
        gender: 5,
      });
      await insertResource(server, {
        resourceType: 'Patient',
        id: good,
        name: [{ given: ['Grace'], family: `Good${run}` }],
        birthDate: '1990-01-01',
      });
      await insertResource(server, {
        resourceType: 'Encounter',
        id: `hi-enc-${run}`,
        subject: { reference: `Patient/${good}` },
        type: 'nonsense',
        status: 4,
        period: { start: 12 },
      });
      app = await createApp(server, { scope: APP_SCOPE });
    });

    it('the patient picker of a practitioner whose list includes them still works', async () => {
      const { username, password } = await createUser(server, 'practitioner', 'Practitioner/hi-1', {
        restrictedToPatients: [poisoned, strange, good],
      });
      const result = await driveAuthorization(
        server.baseUrl,
        authorizeParams(server, app, pkce().challenge, { scope: 'openid fhirUser launch/patient launch/encounter patient/*.rs' }),
        {
          username,
          password,
          patient: good,
        },
      );
      expect(result.pages).toContain('Choose a patient');
      expect(result.code).toEqual(expect.any(String));
    });

    it('the poisoned patient may still sign in and see the consent page', async () => {
      const { username, password } = await createUser(server, 'patient', `Patient/${poisoned}`);
      const result = await driveAuthorization(server.baseUrl, authorizeParams(server, app, pkce().challenge), { username, password });
      expect(result.pages[result.pages.length - 1]).toMatch(/^Allow /);
      expect(result.code).toEqual(expect.any(String));
    });

    it('FHIR reads and searches that include them answer 200', async () => {
      expect((await fhirFetch(server, `/Patient/${poisoned}`, admin)).status).toBe(200);
      const search = await fhirFetch(server, `/Patient?_id=${poisoned},${strange},${good}&name=g`, admin);
      expect(search.status).toBe(200);
      expect((await fhirFetch(server, `/Patient?_id=${poisoned},${strange},${good}&_sort=_id`, admin)).body.total).toBe(3);
    });
  });

  describe('unstorable JSON in writes is 400, not 500', () => {
    const text = (value: string) => `{"resourceType":"Patient","id":"${own}","name":[{"family":"Shaw","given":["${value}"]}]}`;

    it.each([
      ['a NUL', text('a\\u0000b')],
      ['a lone high surrogate', text('a\\ud800b')],
      ['a lone low surrogate', text('\\udc00')],
      ['a NUL in a key', `{"resourceType":"Patient","id":"${own}","a\\u0000":1}`],
    ])('PUT with %s', async (_label, body) => {
      expectOutcome(await fhirFetch(server, `/Patient/${own}`, mine, { method: 'PUT', body }));
    });

    it('POST, PATCH and batch entries with a NUL', async () => {
      expectOutcome(
        await fhirFetch(server, '/Observation', mine, {
          method: 'POST',
          body: `{"resourceType":"Observation","status":"fi\\u0000nal","subject":{"reference":"Patient/${own}"}}`,
        }),
      );
      expectOutcome(
        await fhirFetch(server, `/Patient/${own}`, mine, {
          method: 'PATCH',
          contentType: 'application/json-patch+json',
          body: '[{"op":"add","path":"/gender","value":"\\u0000"}]',
        }),
      );
      const batch = `{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"PUT","url":"Patient/${own}"},"resource":${text('\\ud800')}}]}`;
      expectOutcome(await fhirFetch(server, '', mine, { method: 'POST', body: batch }));
    });

    it.each([65, 100, 100_000])('a resource nested %i levels deep', async (depth) => {
      const body = `{"resourceType":"Patient","id":"${own}","extension":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const response = await fhirFetch(server, `/Patient/${own}`, mine, { method: 'PUT', body });
      expectOutcome(response);
      expect(response.body.issue[0].diagnostics).toMatch(/deeper than/);
    });

    it('a deep body sent as application/json or as a JSON Patch is 400 too', async () => {
      const deep = `${'['.repeat(1000)}${']'.repeat(1000)}`;
      expectOutcome(
        await fhirFetch(server, `/Patient/${own}`, mine, {
          method: 'PUT',
          contentType: 'application/json',
          body: `{"resourceType":"Patient","id":"${own}","extension":${deep}}`,
        }),
      );
      expectOutcome(
        await fhirFetch(server, `/Patient/${own}`, mine, {
          method: 'PATCH',
          contentType: 'application/json-patch+json',
          body: `[{"op":"add","path":"/extension","value":${deep}}]`,
        }),
      );
    });

    it('accepts a legitimately nested resource', async () => {
      let extension: unknown = { url: 'https://x.example/leaf', valueString: 'x' };
      for (let level = 0; level < 20; level++) extension = { url: 'https://x.example/e', extension: [extension] };
      expect(
        (
          await fhirFetch(server, `/Patient/${own}`, mine, {
            method: 'PUT',
            body: { resourceType: 'Patient', id: own, extension: [extension] },
          })
        ).status,
      ).toBe(200);
    });

    it('keeps /health prompt while deeply nested bodies arrive', async () => {
      const body = `{"resourceType":"Patient","id":"${own}","extension":${'['.repeat(500_000)}${']'.repeat(500_000)}}`;
      const attacks = Array.from({ length: 4 }, () => fhirFetch(server, `/Patient/${own}`, mine, { method: 'PUT', body }));
      const started = Date.now();
      const health = await fetch(`${server.baseUrl}/health`);
      expect(health.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
      for (const response of await Promise.all(attacks)) expect(response.status).toBe(400);
    });
  });

  describe('search and history parameters', () => {
    it.each([
      ["_since before PostgreSQL's range", '/_history?_since=-271821-04-20T00:00:00Z'],
      ["_since after PostgreSQL's range", '/Patient/_history?_since=%2B275760-09-13T00:00:00Z'],
      ['_since that only JavaScript reads as a date', '/Patient/_history?_since=1'],
      ['_since on an instance', `/Patient/${own}/_history?_since=99999-01-01`],
      ['a NUL in a value', '/Patient?name=a%00b'],
      ['a NUL in a name', '/Patient?na%00me=x'],
      ['a broken percent-escape', '/Patient?name=%E0%A4%A'],
      ['a percent-escape that is not hex', '/Patient?name=%zz'],
      ['a percent-encoded surrogate', '/Patient?name=%ED%A0%80'],
    ])('%s is 400', async (_label, path) => {
      expectOutcome(await fhirFetch(server, path, admin));
    });

    it('POST _search with a NUL is 400', async () => {
      const response = await fetch(`${server.fhirBaseUrl}/Patient/_search`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'name=a%00b',
      });
      expect(response.status).toBe(400);
    });

    it('well-formed values still work', async () => {
      expect((await fhirFetch(server, '/Patient/_history?_since=2020-01-01T00:00:00Z', admin)).status).toBe(200);
      expect((await fhirFetch(server, '/Patient/_history?_since=2020', admin)).status).toBe(200);
      expect((await fhirFetch(server, `/Patient?name=${encodeURIComponent('Shaw é+x')}&_id=${own}`, admin)).status).toBe(200);
      const plus = await fhirFetch(server, `/Patient?_id=${own}&name=Sh+aw`, admin);
      expect(plus.body.total).toBe(0);
    });
  });

  describe('ids made only of dots', () => {
    const raw = (method: string, path: string, body?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(server.baseUrl);
        const request = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            method,
            path,
            headers: { Authorization: `Bearer ${admin}`, ...(body ? { 'Content-Type': 'application/fhir+json' } : {}) },
          },
          (response) => {
            let text = '';
            response.on('data', (chunk) => (text += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
          },
        );
        request.on('error', reject);
        request.end(body);
      });

    it.each(['.', '..', '...', '%2E%2E', '%2e'])('PUT /fhir/Patient/%s is refused and stores nothing', async (segment) => {
      const id = decodeURIComponent(segment);
      const response = await raw('PUT', `/fhir/Patient/${segment}`, JSON.stringify({ resourceType: 'Patient', id }));
      expect([400, 404]).toContain(response.status);
      const stored = await server.app
        .get(DataSource)
        .query(`SELECT count(*)::int AS n FROM fhir_resources WHERE resource_type = 'Patient' AND id = $1`, [id]);
      expect(stored[0].n).toBe(0);
    });

    it.each(['..', '.', '%2E%2E'])('GET /fhir/Patient/%s is 400', async (segment) => {
      expect((await raw('GET', `/fhir/Patient/${segment}`)).status).toBe(400);
    });

    it('batch entries and _id searches refuse them too', async () => {
      const batch = await fhirFetch(server, '', admin, {
        method: 'POST',
        body: {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [{ request: { method: 'PUT', url: 'Patient/..' }, resource: { resourceType: 'Patient', id: '..' } }],
        },
      });
      expect(batch.body.entry[0].response.status).toBe('400 Bad Request');
      expectOutcome(await fhirFetch(server, '/Patient?_id=..', admin));
    });
  });

  describe('Cache-Control on patient data (RFC 9111 §5.2.2.5)', () => {
    it('sends no-store on reads, searches, history and writes', async () => {
      const responses = [
        await fhirFetch(server, `/Patient/${own}`, mine),
        await fhirFetch(server, `/Patient?_id=${own}`, mine),
        await fhirFetch(server, `/Patient/${own}/_history`, mine),
        await fhirFetch(server, `/Patient/${own}/_history/1`, mine),
        await fhirFetch(server, '/Observation', mine, {
          method: 'POST',
          body: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${own}` } },
        }),
        await fhirFetch(server, '', mine, {
          method: 'POST',
          body: { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Patient/${own}` } }] },
        }),
      ];
      for (const response of responses) {
        expect(response.status).toBeLessThan(300);
        expect(response.headers.get('cache-control')).toBe('no-store');
      }
    });
  });
});
