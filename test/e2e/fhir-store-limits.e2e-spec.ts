import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { fhirFetch, mintAccessToken } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';

// No single FHIR request may hold the event loop or the database for long.

/** Runs `attack` while polling GET /health; every health answer must come within `boundMs`. */
async function healthStaysPrompt<T>(
  server: TestApp,
  attack: () => Promise<T>,
  boundMs = 1000,
): Promise<{ result: T; slowestHealthMs: number }> {
  let done = false;
  let slowest = 0;
  const poll = (async () => {
    let polls = 0;
    // At least three polls, then until the attack has answered.
    while (!done || polls < 3) {
      const started = Date.now();
      const response = await fetch(`${server.baseUrl}/health`);
      await response.text();
      slowest = Math.max(slowest, Date.now() - started);
      polls++;
    }
  })();
  try {
    const result = await attack();
    return { result, slowestHealthMs: slowest };
  } finally {
    done = true;
    await poll;
    expect(slowest).toBeLessThan(boundMs);
  }
}

describe('FHIR store: bounded work per request', () => {
  let server: TestApp;
  let admin: string;
  let patientToken: string;
  let observationId: string;
  const run = randomUUID().slice(0, 8);
  const patient = `limits-${run}`;

  beforeAll(async () => {
    server = await startTestApp();
    admin = await mintAccessToken(server, { scope: 'system/*.cruds' });
    patientToken = await mintAccessToken(server, { scope: 'patient/*.cruds', patient });
    expect(
      (
        await fhirFetch(server, `/Patient/${patient}`, admin, {
          method: 'PUT',
          body: { resourceType: 'Patient', id: patient, name: [{ family: `Limit${run}` }] },
        })
      ).status,
    ).toBe(201);
    const created = await fhirFetch(server, '/Observation', admin, {
      method: 'POST',
      body: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x'.repeat(2000) },
        subject: { reference: `Patient/${patient}` },
      },
    });
    expect(created.status).toBe(201);
    observationId = created.body.id;
  });

  afterAll(async () => {
    await server.close();
  });

  const patch = (body: unknown, token = patientToken) =>
    fhirFetch(server, `/Observation/${observationId}`, token, { method: 'PATCH', contentType: 'application/json-patch+json', body });

  describe('JSON Patch', () => {
    it('refuses an 806-byte patch that doubles the resource at once, while /health keeps answering', async () => {
      const attack = [
        ...Array.from({ length: 20 }, (_, index) => ({ op: 'copy', from: '', path: `/x${index}` })),
        { op: 'test', path: '/resourceType', value: 'NotThis' },
      ];
      expect(JSON.stringify(attack)).toHaveLength(806);
      const started = Date.now();
      const { result } = await healthStaysPrompt(server, () => patch(attack));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(result.status).toBe(400);
      expect(result.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'too-costly' }] });
      expect((await fhirFetch(server, `/Observation/${observationId}`, patientToken)).body.meta.versionId).toBe('1');
    });

    it('stops copies that double the resource through an ancestor-free chain at the size limit', async () => {
      // Each copy of /a into a sibling then into /a itself doubles /a; 40 steps would be 2^20 times the start.
      const attack = [{ op: 'add', path: '/a', value: { text: 'y'.repeat(1000) } }];
      for (let index = 0; index < 20; index++)
        attack.push(
          { op: 'copy', from: '/a', path: `/b${index}` } as never,
          { op: 'add', path: `/a/c${index}`, value: null } as never,
          { op: 'move', from: `/b${index}`, path: `/a/c${index}` } as never,
        );
      const { result } = await healthStaysPrompt(server, () => patch(attack));
      expect(result.status).toBe(422);
      expect(result.body.issue[0].code).toBe('too-costly');
    });

    it('refuses a copy from an ancestor of the target and a long list of operations', async () => {
      const intoChild = await patch([{ op: 'copy', from: '/code', path: '/code/again' }]);
      expect(intoChild.status).toBe(400);
      expect(intoChild.body.resourceType).toBe('OperationOutcome');
      const long = await patch(Array.from({ length: 101 }, () => ({ op: 'test', path: '/status', value: 'final' })));
      expect(long.status).toBe(400);
      expect(long.body.issue[0].code).toBe('too-costly');
    });

    it('still applies an ordinary patch, and keeps 422 for one that does not apply', async () => {
      const applied = await patch([
        { op: 'test', path: '/status', value: 'final' },
        { op: 'add', path: '/valueString', value: 'ok' },
      ]);
      expect(applied.status).toBe(200);
      expect(applied.body.valueString).toBe('ok');
      const failed = await patch([{ op: 'test', path: '/status', value: 'amended' }]);
      expect(failed.status).toBe(422);
      expect(failed.body.issue[0].code).toBe('processing');
    });

    it('refuses to store a resource over 1 MiB on create, update and patch', async () => {
      const big = {
        resourceType: 'Observation',
        status: 'final',
        subject: { reference: `Patient/${patient}` },
        note: [{ text: 'z'.repeat(1024 * 1024) }],
      };
      const created = await fhirFetch(server, '/Observation', admin, { method: 'POST', body: big });
      expect(created.status).toBe(422);
      expect(created.body.issue[0].code).toBe('too-costly');
      const updated = await fhirFetch(server, `/Observation/${observationId}`, admin, {
        method: 'PUT',
        body: { ...big, id: observationId },
      });
      expect(updated.status).toBe(422);
      const patched = await patch([{ op: 'add', path: '/note', value: [{ text: 'z'.repeat(1024 * 1024) }] }]);
      expect(patched.status).toBe(422);
      expect(patched.body.issue[0].code).toBe('too-costly');
    });
  });

  describe('search bounds', () => {
    it('refuses name= with 5,000 values at once, while /health keeps answering', async () => {
      const started = Date.now();
      const { result } = await healthStaysPrompt(server, () =>
        fhirFetch(server, `/Observation?name=${Array(5000).fill('ab').join(',')}`, admin),
      );
      expect(Date.now() - started).toBeLessThan(2000);
      expect(result.status).toBe(400);
      expect(result.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-costly' }] });
    });

    it('refuses _id with 70,000 values in a POST _search form body with 400, not 500', async () => {
      const ids = Array.from({ length: 70_000 }, (_, index) => `id-${index}`);
      for (const body of [`_id=${ids.join(',')}`, ids.map((id) => `_id=${id}`).join('&')]) {
        const response = await fetch(`${server.fhirBaseUrl}/Observation/_search`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${admin}`,
            'Content-Type': 'application/x-www-form-urlencoded',
            Accept: 'application/fhir+json',
          },
          body,
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-costly' }] });
      }
    });

    it('still answers 100 values of one parameter, bound as one array', async () => {
      const ids = [observationId, ...Array.from({ length: 99 }, (_, index) => `missing-${index}`)];
      const found = await fhirFetch(server, `/Observation?_id=${ids.join(',')}`, admin);
      expect(found.status).toBe(200);
      expect(found.body.total).toBe(1);
    });

    it('refuses too many parameters and too many _include/_revinclude', async () => {
      const many = await fhirFetch(server, `/Observation?${Array.from({ length: 31 }, (_, index) => `status=s${index}`).join('&')}`, admin);
      expect(many.status).toBe(400);
      expect(many.body.issue[0].code).toBe('too-costly');
      const includes = await fhirFetch(server, `/Observation?${Array(11).fill('_include=Observation:subject').join('&')}`, admin);
      expect(includes.status).toBe(400);
      expect(includes.body.issue[0].code).toBe('too-costly');
    });

    it('refuses a batch of many searches, and one of too many entries, while /health keeps answering', async () => {
      const search = { request: { method: 'GET', url: `Observation?name=${Array(100).fill('ab').join(',')}` } };
      const { result } = await healthStaysPrompt(server, () =>
        fhirFetch(server, '', admin, { method: 'POST', body: { resourceType: 'Bundle', type: 'batch', entry: Array(21).fill(search) } }),
      );
      expect(result.status).toBe(400);
      expect(result.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-costly' }] });
      const read = { request: { method: 'GET', url: `Patient/${patient}` } };
      const tooMany = await fhirFetch(server, '', admin, {
        method: 'POST',
        body: { resourceType: 'Bundle', type: 'batch', entry: Array(101).fill(read) },
      });
      expect(tooMany.status).toBe(400);
      const allowed = await fhirFetch(server, '', admin, {
        method: 'POST',
        body: { resourceType: 'Bundle', type: 'batch', entry: [...Array(20).fill(search), ...Array(80).fill(read)] },
      });
      expect(allowed.status).toBe(200);
      expect(allowed.body.entry).toHaveLength(100);
    });
  });

  describe('response size', () => {
    it('cuts a page of large resources at 16 MiB of JSON and continues it through the next link', async () => {
      const owner = `big-${run}`;
      const token = await mintAccessToken(server, { scope: 'patient/Observation.cruds', patient: owner });
      for (let index = 0; index < 20; index++) {
        const body = {
          resourceType: 'Observation',
          status: 'final',
          code: { text: `big ${index}` },
          subject: { reference: `Patient/${owner}` },
          note: [{ text: 'n'.repeat(1_000_000) }],
        };
        expect((await fhirFetch(server, '/Observation', token, { method: 'POST', body })).status).toBe(201);
      }
      const { result: first } = await healthStaysPrompt(server, () => fhirFetch(server, `/Observation?patient=${owner}&_count=50`, token));
      expect(first.status).toBe(200);
      expect(first.body.total).toBe(20);
      expect(first.body.entry).toHaveLength(17);
      const next = first.body.link.find((link: { relation: string }) => link.relation === 'next').url as string;
      expect(new URL(next).searchParams.get('_offset')).toBe('17');
      const rest = await fhirFetch(server, next.slice(server.fhirBaseUrl.length), token);
      expect(rest.body.entry).toHaveLength(3);
      const history = await fhirFetch(server, `/Observation/_history?_count=50`, token);
      expect(history.status).toBe(200);
      expect(history.body.entry.length).toBeLessThanOrEqual(17);
    });
  });

  describe('statement timeout', () => {
    const marker = `timeout-${run}`;
    let slow: TestApp;
    let database: Client;

    beforeAll(async () => {
      // 60,000 rows the unindexed name search must scan, so one search outlasts a 200 ms statement timeout.
      database = new Client({ connectionString: process.env.DATABASE_URL });
      await database.connect();
      await database.query(
        `INSERT INTO fhir_resources (resource_type, id, version_id, last_updated, resource, deleted)
         SELECT 'Basic', $1 || '-' || g, 1, now(), jsonb_build_object('resourceType', 'Basic', 'id', $1 || '-' || g, 'name', jsonb_build_array(jsonb_build_object('family', 'Family' || g, 'given', jsonb_build_array('Given' || g)))), false
           FROM generate_series(1, 60000) AS g`,
        [marker],
      );
      slow = await startTestApp({ DATABASE_STATEMENT_TIMEOUT: '200' });
    });

    afterAll(async () => {
      await slow?.close();
      await database.query(`DELETE FROM fhir_resources WHERE resource_type = 'Basic' AND id LIKE $1`, [`${marker}-%`]);
      await database.end();
    });

    it('answers a search the database gives up on with a 503 too-costly OperationOutcome, not a 500', async () => {
      const token = await mintAccessToken(slow, { scope: 'system/*.rs' });
      const names = Array.from({ length: 100 }, (_, index) => `zz${index}`).join(',');
      const query = Array.from({ length: 25 }, () => `name=${names}`).join('&');
      const started = Date.now();
      const response = await fhirFetch(slow, `/Basic?${query}`, token);
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'too-costly' }] });
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });
});
