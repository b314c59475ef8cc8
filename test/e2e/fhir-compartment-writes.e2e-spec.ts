import { randomUUID } from 'node:crypto';
import { fhirFetch, mintAccessToken } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';

// Writes into another patient's record are refused, and a PUT out of scope answers 404 (not 403/201), so it discloses nothing.
describe('FHIR writes stay in the token patient compartment', () => {
  let server: TestApp;
  let admin: string;
  let mine: string;
  const run = randomUUID().slice(0, 8);
  const own = `cw-own-${run}`;
  const other = `cw-other-${run}`;

  const observation = (extra: Record<string, unknown> = {}) => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: `Patient/${own}` },
    ...extra,
  });
  const condition = (subject: unknown) => ({ resourceType: 'Condition', code: { text: 'Asthma' }, subject });

  beforeAll(async () => {
    server = await startTestApp();
    admin = await mintAccessToken(server, { scope: 'system/*.cruds' });
    mine = await mintAccessToken(server, { scope: 'patient/*.cruds', patient: own });
    for (const id of [own, other]) {
      expect(
        (await fhirFetch(server, `/Patient/${id}`, admin, { method: 'PUT', body: { resourceType: 'Patient', id, name: [{ family: id }] } }))
          .status,
      ).toBe(201);
    }
  });

  afterAll(async () => {
    await server.close();
  });

  it('refuses writes into another patient record on create, and stores none of them', async () => {
    const attacks: Array<[string, string, Record<string, unknown>, number]> = [
      // Observation defines no `patient` element: refused as undefined before any compartment question.
      ['own subject, patient → other', '/Observation', observation({ patient: { reference: `Patient/${other}` } }), 400],
      [
        'Condition subject [own, other]',
        '/Condition',
        condition([{ reference: `Patient/${own}` }, { reference: `Patient/${other}` }]),
        403,
      ],
      [
        'absolute reference to another server',
        '/Observation',
        observation({ subject: { reference: `https://elsewhere.example/fhir/Patient/${own}` } }),
        403,
      ],
      ['own subject, performer → other', '/Observation', observation({ performer: [{ reference: `Patient/${other}` }] }), 403],
      [
        'own subject, other in an extension',
        '/Observation',
        observation({ extension: [{ url: 'https://x.example/e', valueReference: { reference: `Patient/${other}` } }] }),
        403,
      ],
      [
        'own subject, a contained Patient',
        '/Observation',
        observation({ contained: [{ resourceType: 'Patient', id: 'p1', name: [{ family: 'X' }] }] }),
        403,
      ],
      ['unknown top-level element', '/Observation', observation({ notAnElement: true }), 400],
    ];
    for (const [label, path, body, status] of attacks) {
      const response = await fhirFetch(server, path, mine, { method: 'POST', body });
      expect({ label, status: response.status, type: response.body?.resourceType }).toEqual({ label, status, type: 'OperationOutcome' });
    }
    expect((await fhirFetch(server, `/Observation?patient=${own}`, admin)).body.total).toBe(0);
    expect((await fhirFetch(server, `/Observation?patient=${other}`, admin)).body.total).toBe(0);
    expect((await fhirFetch(server, `/Condition?patient=${own}`, admin)).body.total).toBe(0);
  });

  it('applies the same rule to patient users with user/ scopes and to batch entries', async () => {
    const patientUser = await mintAccessToken(server, { scope: 'user/*.cruds', userRole: 'patient', fhirUser: `Patient/${own}` });
    const direct = await fhirFetch(server, '/Observation', patientUser, {
      method: 'POST',
      body: observation({ focus: [{ reference: `Patient/${other}` }] }),
    });
    expect(direct.status).toBe(403);
    const batch = await fhirFetch(server, '', mine, {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          {
            request: { method: 'POST', url: 'Condition' },
            resource: condition([{ reference: `Patient/${own}` }, { reference: `Patient/${other}` }]),
          },
          {
            request: { method: 'POST', url: 'Observation' },
            resource: observation({ subject: { reference: `https://elsewhere.example/fhir/Patient/${own}` } }),
          },
        ],
      },
    });
    expect(batch.body.entry.map((entry: any) => entry.response.status)).toEqual(['403 Forbidden', '403 Forbidden']);
    const clinician = await mintAccessToken(server, { scope: 'user/*.cruds', userRole: 'practitioner' });
    expect(
      (
        await fhirFetch(server, '/Observation', clinician, {
          method: 'POST',
          body: observation({ focus: [{ reference: `Patient/${other}` }] }),
        })
      ).status,
    ).toBe(201);
  });

  it('answers an element the type does not define with 400 and an OperationOutcome naming it', async () => {
    const response = await fhirFetch(server, '/Observation', mine, {
      method: 'POST',
      body: observation({ patient: { reference: `Patient/${own}` } }),
    });
    expect(response.status).toBe(400);
    expect(response.body.issue[0]).toMatchObject({ severity: 'error', code: 'invalid', diagnostics: expect.stringContaining('"patient"') });
    const system = await fhirFetch(server, '/Observation', admin, { method: 'POST', body: observation({ notAnElement: 1 }) });
    expect(system.status).toBe(400);
  });

  it('refuses the same attacks on update (PUT of an own resource) and keeps the stored version', async () => {
    const created = await fhirFetch(server, '/Observation', mine, { method: 'POST', body: observation() });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const moved = await fhirFetch(server, `/Observation/${id}`, mine, {
      method: 'PUT',
      body: { ...created.body, focus: [{ reference: `Patient/${other}` }] },
    });
    expect(moved.status).toBe(403);
    const absolute = await fhirFetch(server, `/Observation/${id}`, mine, {
      method: 'PUT',
      body: { ...created.body, subject: { reference: `https://elsewhere.example/fhir/Patient/${own}` } },
    });
    expect(absolute.status).toBe(403);
    const patched = await fhirFetch(server, `/Observation/${id}`, mine, {
      method: 'PATCH',
      contentType: 'application/json-patch+json',
      body: [{ op: 'add', path: '/performer', value: [{ reference: `Patient/${other}` }] }],
    });
    expect(patched.status).toBe(403);
    expect((await fhirFetch(server, `/Observation/${id}`, admin)).body.meta.versionId).toBe('1');
  });

  it('still creates and updates legitimate own resources (201/200), relative or under this server base', async () => {
    const created = await fhirFetch(server, '/Observation', mine, {
      method: 'POST',
      body: observation({ performer: [{ reference: `Patient/${own}` }, { reference: 'Practitioner/example-practitioner-1' }] }),
    });
    expect(created.status).toBe(201);
    const absolute = await fhirFetch(server, '/Condition', mine, {
      method: 'POST',
      body: condition({ reference: `${server.fhirBaseUrl}/Patient/${own}` }),
    });
    expect(absolute.status).toBe(201);
    const updated = await fhirFetch(server, `/Observation/${created.body.id}`, mine, {
      method: 'PUT',
      body: { ...created.body, status: 'amended' },
    });
    expect(updated.status).toBe(200);
    const self = await fhirFetch(server, `/Patient/${own}`, mine);
    expect((await fhirFetch(server, `/Patient/${own}`, mine, { method: 'PUT', body: { ...self.body, gender: 'female' } })).status).toBe(
      200,
    );
    const upsert = await fhirFetch(server, `/Observation/cw-new-${run}`, mine, {
      method: 'PUT',
      body: { ...observation(), id: `cw-new-${run}` },
    });
    expect(upsert.status).toBe(201);
  });

  it('does not let a patient token create a Patient record (a new patient is outside its compartment)', async () => {
    const response = await fhirFetch(server, '/Patient', mine, {
      method: 'POST',
      body: { resourceType: 'Patient', id: own, name: [{ family: 'Twin' }] },
    });
    expect(response.status).toBe(403);
  });

  describe('PUT out of scope answers 404 whether or not the id exists', () => {
    it("PUT over another patient's existing resource is 404 and changes nothing", async () => {
      const theirs = await fhirFetch(server, '/Observation', admin, {
        method: 'POST',
        body: observation({ subject: { reference: `Patient/${other}` } }),
      });
      const id = theirs.body.id as string;
      const response = await fhirFetch(server, `/Observation/${id}`, mine, { method: 'PUT', body: { ...observation(), id } });
      expect(response.status).toBe(404);
      expect(response.body.resourceType).toBe('OperationOutcome');
      const unchanged = await fhirFetch(server, `/Observation/${id}`, admin);
      expect(unchanged.body).toMatchObject({ subject: { reference: `Patient/${other}` }, meta: { versionId: '1' } });
    });

    it('PUT of a missing id with out-of-scope content is 404 and creates nothing', async () => {
      const id = `cw-missing-${run}`;
      const response = await fhirFetch(server, `/Observation/${id}`, mine, {
        method: 'PUT',
        body: { ...observation({ subject: { reference: `Patient/${other}` } }), id },
      });
      expect(response.status).toBe(404);
      expect(response.body.resourceType).toBe('OperationOutcome');
      expect((await fhirFetch(server, `/Observation/${id}`, admin)).status).toBe(404);
    });

    it('the two answers cannot be told apart', async () => {
      const theirs = await fhirFetch(server, '/Observation', admin, {
        method: 'POST',
        body: observation({ subject: { reference: `Patient/${other}` } }),
      });
      const body = (id: string) => ({ ...observation({ subject: { reference: `Patient/${other}` } }), id });
      const existing = await fhirFetch(server, `/Observation/${theirs.body.id}`, mine, { method: 'PUT', body: body(theirs.body.id) });
      const missing = await fhirFetch(server, `/Observation/cw-none-${run}`, mine, { method: 'PUT', body: body(`cw-none-${run}`) });
      expect([existing.status, missing.status]).toEqual([404, 404]);
      expect(existing.body.issue[0].code).toBe(missing.body.issue[0].code);
    });
  });
});
