import { randomUUID } from 'node:crypto';
import { fhirFetch, mintAccessToken } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';

const LAB_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category';

describe('built-in FHIR store', () => {
  let server: TestApp;
  let admin: string;
  const run = randomUUID().slice(0, 8);
  const patientA = `store-a-${run}`;
  const patientB = `store-b-${run}`;

  const observation = (patient: string, code: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: LAB_SYSTEM, code }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: `Patient/${patient}` },
    ...extra,
  });

  beforeAll(async () => {
    server = await startTestApp({ SEED_DEMO_DATA: 'true' });
    admin = await mintAccessToken(server, { scope: 'system/*.cruds' });
    for (const [id, family] of [
      [patientA, `Storeman${run}`],
      [patientB, `Other${run}`],
    ]) {
      expect(
        (
          await fhirFetch(server, `/Patient/${id}`, admin, {
            method: 'PUT',
            body: { resourceType: 'Patient', id, name: [{ family, given: ['Ann'] }], identifier: [{ system: 'urn:test', value: id }] },
          })
        ).status,
      ).toBe(201);
    }
  });

  afterAll(async () => {
    await server.close();
  });

  it('creates with a server-assigned id, Location, ETag and meta, and reads it back as application/fhir+json', async () => {
    const created = await fhirFetch(server, '/Observation', admin, {
      method: 'POST',
      body: { ...observation(patientA, 'laboratory'), id: 'ignored' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(id).not.toBe('ignored');
    expect(created.headers.get('location')).toBe(`${server.fhirBaseUrl}/Observation/${id}/_history/1`);
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect(created.body.meta.versionId).toBe('1');
    const read = await fhirFetch(server, `/Observation/${id}`, admin);
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(read.body).toEqual(created.body);
  });

  it('updates, patches (RFC 6902), keeps every version for vread and history, and deletes', async () => {
    const { body: first } = await fhirFetch(server, '/Observation', admin, { method: 'POST', body: observation(patientA, 'laboratory') });
    const id = first.id as string;
    const updated = await fhirFetch(server, `/Observation/${id}`, admin, { method: 'PUT', body: { ...first, status: 'amended' } });
    expect(updated.status).toBe(200);
    expect(updated.body.meta.versionId).toBe('2');
    const patched = await fhirFetch(server, `/Observation/${id}`, admin, {
      method: 'PATCH',
      contentType: 'application/json-patch+json',
      body: [
        { op: 'test', path: '/status', value: 'amended' },
        { op: 'add', path: '/valueString', value: 'patched' },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ status: 'amended', valueString: 'patched', meta: { versionId: '3' } });
    const failing = await fhirFetch(server, `/Observation/${id}`, admin, {
      method: 'PATCH',
      contentType: 'application/json-patch+json',
      body: [{ op: 'test', path: '/status', value: 'final' }],
    });
    expect(failing.status).toBe(422);
    expect(failing.body.resourceType).toBe('OperationOutcome');
    expect((await fhirFetch(server, `/Observation/${id}`, admin, { method: 'PATCH', body: [] })).status).toBe(415);
    expect((await fhirFetch(server, `/Observation/${id}/_history/1`, admin)).body.status).toBe('final');
    expect((await fhirFetch(server, `/Observation/${id}`, admin, { method: 'DELETE' })).status).toBe(204);
    expect((await fhirFetch(server, `/Observation/${id}`, admin)).status).toBe(410);
    const history = await fhirFetch(server, `/Observation/${id}/_history`, admin);
    expect(history.status).toBe(200);
    expect(history.body.type).toBe('history');
    expect(history.body.total).toBe(4);
    expect(history.body.entry.map((entry: any) => entry.response.etag)).toEqual(['W/"4"', 'W/"3"', 'W/"2"', 'W/"1"']);
    expect(history.body.entry[0].resource).toBeUndefined();
  });

  it('pages search results with total and next links that work', async () => {
    for (let index = 0; index < 5; index++)
      await fhirFetch(server, '/Observation', admin, { method: 'POST', body: observation(patientB, 'vital-signs') });
    const seen: string[] = [];
    let url: string | undefined = `/Observation?patient=${patientB}&_count=2`;
    let pages = 0;
    while (url) {
      const page = await fhirFetch(server, url, admin);
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 5 });
      expect(page.body.link[0].relation).toBe('self');
      seen.push(...page.body.entry.map((entry: any) => entry.resource.id));
      const next = page.body.link.find((link: any) => link.relation === 'next')?.url as string | undefined;
      url = next?.slice(server.fhirBaseUrl.length);
      pages++;
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
  });

  it.each([
    ['_id', (a: string) => `/Patient?_id=${a}`, 1],
    ['name (prefix, case-insensitive)', () => `/Patient?name=storeman${run}`, 1],
    ['identifier', (a: string) => `/Patient?identifier=urn:test|${a}`, 1],
    ['category and patient', () => `/Observation?patient=${patientB}&category=${LAB_SYSTEM}|vital-signs`, 5],
    ['subject', () => `/Observation?subject=Patient/${patientB}&status=final`, 5],
    ['_lastUpdated', () => `/Observation?patient=${patientB}&_lastUpdated=ge2020-01-01`, 5],
    ['date', () => '/Observation?_id=example-lab-1&date=2024-03', 1],
    ['date (no match)', () => '/Observation?_id=example-lab-1&date=lt2020', 0],
    ['code', () => '/Observation?_id=example-lab-1,example-lab-2&code=http://loinc.org|4548-4', 1],
  ])('searches by %s', async (_label, path, total) => {
    const response = await fhirFetch(server, path(patientA), admin);
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(total);
  });

  it('confines _include and _revinclude results to the patient compartment', async () => {
    const token = await mintAccessToken(server, { scope: 'patient/*.rs', patient: 'example-patient-1' });
    const included = await fhirFetch(server, '/Observation?_id=example-lab-1,example-lab-3&_include=Observation:subject', token);
    expect(included.status).toBe(200);
    const summary = included.body.entry
      .map((entry: any) => `${entry.search.mode}:${entry.resource.resourceType}/${entry.resource.id}`)
      .sort();
    expect(summary).toEqual(['include:Patient/example-patient-1', 'match:Observation/example-lab-1']);
    const revincluded = await fhirFetch(server, '/Patient?_id=example-patient-1,example-patient-2&_revinclude=Encounter:subject', token);
    const encounters = revincluded.body.entry
      .filter((entry: any) => entry.search.mode === 'include')
      .map((entry: any) => entry.resource.id)
      .sort();
    expect(encounters).toEqual(['example-encounter-1', 'example-encounter-2']);
    expect(revincluded.body.entry.filter((entry: any) => entry.search.mode === 'match').map((entry: any) => entry.resource.id)).toEqual([
      'example-patient-1',
    ]);
  });

  it('checks batch entries one by one and refuses a transaction with a refused entry as a whole', async () => {
    const token = await mintAccessToken(server, { scope: 'patient/Observation.rs patient/Patient.r', patient: patientA });
    const batch = await fhirFetch(server, '', token, {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { request: { method: 'GET', url: `Patient/${patientA}` } },
          { request: { method: 'GET', url: `Patient/${patientB}` } },
          { request: { method: 'GET', url: `Observation?patient=${patientA}` } },
          { request: { method: 'POST', url: 'Observation' }, resource: observation(patientA, 'laboratory') },
          { request: { method: 'GET', url: 'Condition/anything' } },
          { request: { method: 'GET', url: 'NotAType/1' } },
        ],
      },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.type).toBe('batch-response');
    expect(batch.body.entry.map((entry: any) => entry.response.status)).toEqual([
      '200 OK',
      '404 Not Found',
      '200 OK',
      '403 Forbidden',
      '403 Forbidden',
      '404 Not Found',
    ]);
    expect(batch.body.entry[0].resource.id).toBe(patientA);
    const transaction = await fhirFetch(server, '', token, {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'POST', url: 'Observation' }, resource: observation(patientA, 'laboratory') }],
      },
    });
    expect(transaction.status).toBe(403);
    expect(transaction.headers.get('www-authenticate')).toContain('scope="patient/Observation.c"');
  });

  it.each([
    ['an unknown resource type', 'GET', '/Foo/1', 404],
    ['a malformed id', 'GET', '/Patient/bad$id', 400],
    ['an overlong id', 'GET', `/Patient/${'x'.repeat(65)}`, 400],
    ['a non-numeric version', 'GET', `/Patient/example-patient-1/_history/abc`, 400],
    ['a bad _count', 'GET', '/Patient?_count=-1', 400],
    ['a bad date', 'GET', '/Observation?date=yesterday', 400],
    ['a bad _lastUpdated', 'GET', '/Observation?_lastUpdated=ge2024-13-45', 400],
    ['a bad _include', 'GET', '/Observation?_include=nonsense', 400],
    ['a bad _id list', 'GET', '/Patient?_id=a$b', 400],
    ['an unknown parameter with handling=strict', 'GET', '/Patient?foo=bar', 400],
    ['a body that is not JSON', 'POST', '/Patient', 400],
    ['a body of the wrong type', 'PUT', '/Patient/abc', 400],
    ['a non-Bundle to the base', 'POST', '', 400],
    ['a percent-encoded path', 'GET', '/Patient/%00%ff', 400],
    ['an unknown sub-path', 'GET', '/Patient/example-patient-1/foo/bar', 404],
    ['a very long id', 'GET', `/Patient/${'x'.repeat(600)}`, 414],
    ['a broken percent-encoding', 'GET', '/Patient/%E0%A4%A', 400],
    ['a DELETE on a type', 'DELETE', '/Patient', 404],
    ['a patch that is not an array', 'PATCH', '/Patient/example-patient-1', 400],
  ])('answers %s with an OperationOutcome, never 500', async (_label, method, path, status) => {
    const body =
      method === 'GET' || method === 'DELETE' ? undefined : path === '/Patient' ? '{not json' : { resourceType: 'Observation', id: 'abc' };
    const contentType = method === 'PATCH' ? 'application/json-patch+json' : undefined;
    const response = await fhirFetch(server, path, admin, { method, body, contentType, headers: { Prefer: 'handling=strict' } });
    expect(response.status).toBeLessThan(500);
    expect(response.status).toBe(status);
    if (response.headers.get('content-type')?.includes('fhir')) expect(response.body.resourceType).toBe('OperationOutcome');
  });

  it('seeds the demo data idempotently, across all US Core categories', async () => {
    const observations = await fhirFetch(server, '/Observation?patient=example-patient-1&_count=100', admin);
    const categories = new Set(observations.body.entry.map((entry: any) => entry.resource.category[0].coding[0].code));
    expect([...categories].sort()).toEqual(['laboratory', 'sdoh', 'social-history', 'survey', 'vital-signs']);
    const conditions = await fhirFetch(server, '/Condition?patient=example-patient-1', admin);
    expect(conditions.body.entry.map((entry: any) => entry.resource.category[0].coding[0].code).sort()).toEqual([
      'encounter-diagnosis',
      'health-concern',
      'problem-list-item',
    ]);
    const amy = await fhirFetch(server, '/Patient/example-patient-1', admin);
    expect(amy.body.name[0]).toMatchObject({ family: 'Shaw', given: ['Amy', 'V.'] });
    const again = await startTestApp({ SEED_DEMO_DATA: 'true' });
    await again.close();
    expect((await fhirFetch(server, '/Patient/example-patient-1', admin)).body.meta.versionId).toBe(amy.body.meta.versionId);
  });
});
