import { randomUUID } from 'node:crypto';
import { fhirFetch, mintAccessToken, MintOptions } from '../utils/mint-token';
import { startModuleResourceServer } from '../utils/module-resource-server';
import { startTestApp, TestApp } from '../utils/test-app';

// SMART App Launch 2.2 §Scopes for requesting FHIR Resources (letters, contexts, wildcards, granular constraints):
// every interaction letter against every context, v1 and v2 syntax, wildcards and category scopes, allowed and refused;
// the same table runs against the built-in store, the gateway, and FhirAuthModule.forRoot in another resource server
// (JWKS and introspection modes).

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const VITALS = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';
const run = randomUUID().slice(0, 8);
const ids = {
  practitioner: `pr-${run}`,
  patientA: `pa-${run}`,
  patientB: `pb-${run}`,
  labA: `lab-a-${run}`,
  vitalA: `vital-a-${run}`,
  labB: `lab-b-${run}`,
};
type Fixture = 'labA' | 'vitalA' | 'labB';

function observation(id: string | undefined, patient: string, category: 'laboratory' | 'vital-signs'): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    ...(id ? { id } : {}),
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
    subject: { reference: `Patient/${patient}` },
  };
}

type Who = 'patientA' | 'patientUserA' | 'practitioner' | 'restrictedToA' | 'restrictedToNone' | 'noRole' | 'backend';
const CONTEXTS: Record<Who, Partial<MintOptions>> = {
  patientA: { patient: ids.patientA },
  patientUserA: { userRole: 'patient', fhirUser: `Patient/${ids.patientA}` },
  practitioner: { userRole: 'practitioner', fhirUser: 'Practitioner/example-practitioner-1' },
  // A practitioner restricted to some patients (users.restricted_to_patients, carried in the token).
  restrictedToA: { userRole: 'practitioner', fhirUser: 'Practitioner/example-practitioner-1', restrictedToPatients: [ids.patientA] },
  restrictedToNone: { userRole: 'practitioner', fhirUser: 'Practitioner/example-practitioner-1', restrictedToPatients: [] },
  // user/ scopes without a known role fail closed.
  noRole: { fhirUser: 'Practitioner/example-practitioner-1' },
  backend: {},
};

interface Target {
  /** Where the FHIR API under test answers (fhirFetch only reads fhirBaseUrl). */
  server: Pick<TestApp, 'fhirBaseUrl'>;
  admin: string;
}

type Operation = (target: Target, token: string) => Promise<{ status: number; body: any }>;

async function fresh(target: Target, patient: string): Promise<string> {
  const id = `tmp-${randomUUID()}`;
  const response = await fhirFetch(target.server, `/Observation/${id}`, target.admin, {
    method: 'PUT',
    body: observation(id, patient, 'laboratory'),
  });
  expect(response.status).toBe(201);
  return id;
}

const SEARCH = `_id=${ids.labA},${ids.vitalA},${ids.labB}`;
const ops: Record<string, Operation> = {
  'read labA': (t, token) => fhirFetch(t.server, `/Observation/${ids.labA}`, token),
  'read labB': (t, token) => fhirFetch(t.server, `/Observation/${ids.labB}`, token),
  'read vitalA': (t, token) => fhirFetch(t.server, `/Observation/${ids.vitalA}`, token),
  'vread labA': (t, token) => fhirFetch(t.server, `/Observation/${ids.labA}/_history/1`, token),
  'vread labB': (t, token) => fhirFetch(t.server, `/Observation/${ids.labB}/_history/1`, token),
  'history labA': (t, token) => fhirFetch(t.server, `/Observation/${ids.labA}/_history`, token),
  'read Patient A': (t, token) => fhirFetch(t.server, `/Patient/${ids.patientA}`, token),
  'read Patient B': (t, token) => fhirFetch(t.server, `/Patient/${ids.patientB}`, token),
  'read Practitioner': (t, token) => fhirFetch(t.server, `/Practitioner/${ids.practitioner}`, token),
  search: (t, token) => fhirFetch(t.server, `/Observation?${SEARCH}`, token),
  'search lab of A': (t, token) =>
    fhirFetch(t.server, `/Observation?patient=${ids.patientA}&category=${encodeURIComponent(LAB)}&${SEARCH}`, token),
  'search vitals of A': (t, token) => fhirFetch(t.server, `/Observation?patient=${ids.patientA}&category=vital-signs&${SEARCH}`, token),
  'POST _search': (t, token) =>
    fhirFetch(t.server, '/Observation/_search', token, { method: 'POST', body: SEARCH, contentType: 'application/x-www-form-urlencoded' }),
  'type history': (t, token) => fhirFetch(t.server, '/Observation/_history?_count=5', token),
  'create for A': (t, token) =>
    fhirFetch(t.server, '/Observation', token, { method: 'POST', body: observation(undefined, ids.patientA, 'laboratory') }),
  'create for B': (t, token) =>
    fhirFetch(t.server, '/Observation', token, { method: 'POST', body: observation(undefined, ids.patientB, 'laboratory') }),
  'create vitals for A': (t, token) =>
    fhirFetch(t.server, '/Observation', token, { method: 'POST', body: observation(undefined, ids.patientA, 'vital-signs') }),
  'update A': async (t, token) => {
    const id = await fresh(t, ids.patientA);
    return fhirFetch(t.server, `/Observation/${id}`, token, {
      method: 'PUT',
      body: { ...observation(id, ids.patientA, 'laboratory'), status: 'amended' },
    });
  },
  'update B': async (t, token) => {
    const id = await fresh(t, ids.patientB);
    return fhirFetch(t.server, `/Observation/${id}`, token, {
      method: 'PUT',
      body: { ...observation(id, ids.patientB, 'laboratory'), status: 'amended' },
    });
  },
  'upsert A': (t, token) => {
    const id = `new-${randomUUID()}`;
    return fhirFetch(t.server, `/Observation/${id}`, token, { method: 'PUT', body: observation(id, ids.patientA, 'laboratory') });
  },
  'patch A': async (t, token) => {
    const id = await fresh(t, ids.patientA);
    return fhirFetch(t.server, `/Observation/${id}`, token, {
      method: 'PATCH',
      body: [{ op: 'replace', path: '/status', value: 'amended' }],
      contentType: 'application/json-patch+json',
    });
  },
  'patch A to B': async (t, token) => {
    const id = await fresh(t, ids.patientA);
    return fhirFetch(t.server, `/Observation/${id}`, token, {
      method: 'PATCH',
      body: [{ op: 'replace', path: '/subject/reference', value: `Patient/${ids.patientB}` }],
      contentType: 'application/json-patch+json',
    });
  },
  'delete A': async (t, token) => fhirFetch(t.server, `/Observation/${await fresh(t, ids.patientA)}`, token, { method: 'DELETE' }),
  'delete B': async (t, token) => fhirFetch(t.server, `/Observation/${await fresh(t, ids.patientB)}`, token, { method: 'DELETE' }),
  $export: (t, token) => fhirFetch(t.server, '/$export', token),
};

type Row = [scope: string, who: Who, operation: keyof typeof ops, status: number, matches?: Fixture[]];
const ALL: Fixture[] = ['labA', 'vitalA', 'labB'];
const ROWS: Row[] = [
  // patient/ v2: confined to the token's patient
  ['patient/Observation.rs', 'patientA', 'read labA', 200],
  ['patient/Observation.rs', 'patientA', 'read labB', 404],
  ['patient/Observation.rs', 'patientA', 'vread labA', 200],
  ['patient/Observation.rs', 'patientA', 'vread labB', 404],
  ['patient/Observation.rs', 'patientA', 'history labA', 200],
  ['patient/Observation.rs', 'patientA', 'search', 200, ['labA', 'vitalA']],
  ['patient/Observation.rs', 'patientA', 'POST _search', 200, ['labA', 'vitalA']],
  ['patient/Observation.rs', 'patientA', 'type history', 200],
  ['patient/Observation.rs', 'patientA', 'create for A', 403],
  ['patient/Observation.rs', 'patientA', 'update A', 403],
  ['patient/Observation.rs', 'patientA', 'patch A', 403],
  ['patient/Observation.rs', 'patientA', 'delete A', 403],
  ['patient/Observation.r', 'patientA', 'search', 403],
  ['patient/Observation.s', 'patientA', 'read labA', 403],
  ['patient/Observation.s', 'patientA', 'search', 200, ['labA', 'vitalA']],
  ['patient/Observation.c', 'patientA', 'create for A', 201],
  ['patient/Observation.c', 'patientA', 'create for B', 403],
  ['patient/Observation.c', 'patientA', 'read labA', 403],
  ['patient/Observation.u', 'patientA', 'update A', 200],
  ['patient/Observation.u', 'patientA', 'upsert A', 201],
  ['patient/Observation.u', 'patientA', 'patch A', 200],
  ['patient/Observation.u', 'patientA', 'patch A to B', 403],
  // Another patient's instance answers like a missing one, even to PUT (docs/fhir.md).
  ['patient/Observation.u', 'patientA', 'update B', 404],
  ['patient/Observation.u', 'patientA', 'delete A', 403],
  ['patient/Observation.d', 'patientA', 'delete A', 204],
  ['patient/Observation.d', 'patientA', 'delete B', 404],
  ['patient/Observation.d', 'patientA', 'create for A', 403],
  ['patient/Condition.rs', 'patientA', 'read labA', 403],
  // v1 syntax: read = rs, write = cud, * = cruds (SMART App Launch 2.2 §Scopes for requesting FHIR Resources)
  ['patient/Observation.read', 'patientA', 'read labA', 200],
  ['patient/Observation.read', 'patientA', 'search', 200, ['labA', 'vitalA']],
  ['patient/Observation.read', 'patientA', 'create for A', 403],
  ['patient/Observation.write', 'patientA', 'create for A', 201],
  ['patient/Observation.write', 'patientA', 'update A', 200],
  ['patient/Observation.write', 'patientA', 'delete A', 204],
  ['patient/Observation.write', 'patientA', 'read labA', 403],
  ['patient/Observation.*', 'patientA', 'read labA', 200],
  ['patient/Observation.*', 'patientA', 'delete A', 204],
  // wildcards (SMART App Launch 2.2 §Wildcard scopes)
  ['patient/*.cruds', 'patientA', 'read Patient A', 200],
  ['patient/*.cruds', 'patientA', 'read Patient B', 404],
  // Shared resources outside every compartment (the practitioner, the medication) stay readable
  ['patient/*.rs', 'patientA', 'read Practitioner', 200],
  ['patient/Observation.rs', 'patientA', 'read Practitioner', 403],
  ['patient/*.cruds', 'patientA', 'search', 200, ['labA', 'vitalA']],
  ['patient/*.cruds', 'patientA', 'create for B', 403],
  ['patient/*.rs', 'patientA', 'delete A', 403],
  ['patient/*.read', 'patientA', 'read labB', 404],
  ['patient/*.*', 'patientA', 'update A', 200],
  // user/: a practitioner sees all patients, a patient user only their compartment
  ['user/Observation.rs', 'practitioner', 'read labB', 200],
  ['user/Observation.rs', 'practitioner', 'search', 200, ALL],
  ['user/Observation.rs', 'practitioner', 'create for B', 403],
  ['user/Observation.cruds', 'practitioner', 'create for B', 201],
  ['user/Observation.cruds', 'practitioner', 'delete B', 204],
  ['user/*.read', 'practitioner', 'read Patient B', 200],
  ['user/Observation.rs', 'patientUserA', 'read labA', 200],
  ['user/Observation.rs', 'patientUserA', 'read labB', 404],
  ['user/Observation.rs', 'patientUserA', 'search', 200, ['labA', 'vitalA']],
  ['user/Observation.write', 'patientUserA', 'create for B', 403],
  ['user/Observation.write', 'patientUserA', 'update A', 200],
  ['user/Observation.read', 'patientUserA', 'update A', 403],
  // user/: a restricted practitioner sees only the allowed patients, everywhere
  ['user/Observation.rs', 'restrictedToA', 'search', 200, ['labA', 'vitalA']],
  ['user/Observation.rs', 'restrictedToA', 'POST _search', 200, ['labA', 'vitalA']],
  ['user/Observation.rs', 'restrictedToA', 'read labA', 200],
  ['user/Observation.rs', 'restrictedToA', 'read labB', 404],
  ['user/Observation.rs', 'restrictedToA', 'vread labB', 404],
  ['user/*.rs', 'restrictedToA', 'read Patient B', 404],
  ['user/*.rs', 'restrictedToA', 'read Practitioner', 200],
  ['user/Observation.cruds', 'restrictedToA', 'create for A', 201],
  ['user/Observation.cruds', 'restrictedToA', 'create for B', 403],
  ['user/Observation.cruds', 'restrictedToA', 'update B', 404], // out of the compartment: 404, as docs/fhir.md promises
  ['user/Observation.cruds', 'restrictedToA', 'delete B', 404],
  ['user/Observation.cruds', 'restrictedToA', 'patch A to B', 403],
  ['user/Observation.rs', 'restrictedToNone', 'search', 200, []],
  ['user/Observation.rs', 'restrictedToNone', 'read labA', 404],
  ['user/Observation.rs', 'noRole', 'search', 200, []],
  ['user/Observation.rs', 'noRole', 'read labA', 404],
  // system/: what the client was pre-authorized for
  ['system/Observation.rs', 'backend', 'read labB', 200],
  ['system/Observation.rs', 'backend', 'search', 200, ALL],
  ['system/Observation.rs', 'backend', 'update B', 403],
  ['system/Observation.cud', 'backend', 'update B', 200],
  ['system/Observation.cud', 'backend', 'search', 403],
  ['system/Observation.c', 'backend', 'create for B', 201],
  ['system/*.cruds', 'backend', 'delete B', 204],
  ['system/*.*', 'backend', 'read Patient B', 200],
  ['system/Patient.read', 'backend', 'read labA', 403],
  // granular category scopes (SMART App Launch 2.2 §Finer-grained resource constraints using search parameters)
  [`patient/Observation.rs?category=${LAB}`, 'patientA', 'search lab of A', 200, ['labA']],
  [`patient/Observation.rs?category=${LAB}`, 'patientA', 'search vitals of A', 200, []],
  [`patient/Observation.rs?category=${LAB}`, 'patientA', 'search', 200, ['labA']],
  [`patient/Observation.rs?category=${LAB}`, 'patientA', 'read labA', 200],
  [`patient/Observation.rs?category=${LAB}`, 'patientA', 'read vitalA', 404],
  [`patient/Observation.rs?category=${LAB} patient/Observation.rs?category=${VITALS}`, 'patientA', 'search', 200, ['labA', 'vitalA']],
  [`patient/Observation.c?category=${LAB}`, 'patientA', 'create for A', 201],
  [`patient/Observation.c?category=${LAB}`, 'patientA', 'create vitals for A', 403],
  [`system/Observation.rs?category=${VITALS}`, 'backend', 'search', 200, ['vitalA']],
  [`user/Observation.rs?category=${LAB}`, 'practitioner', 'search', 200, ['labA', 'labB']],
  // Bulk export only for system/ scopes
  ['system/*.rs', 'backend', '$export', 501],
  ['patient/*.rs', 'patientA', '$export', 403],
  ['user/*.rs', 'practitioner', '$export', 403],
];

describe.each(['store', 'gateway', 'module-jwks', 'module-introspection'] as const)('SMART scope matrix (%s mode)', (mode) => {
  let upstream: TestApp;
  let gateway: TestApp | undefined;
  let resourceServer: { fhirBaseUrl: string; close(): Promise<void> } | undefined;
  /** The server whose tokens the target accepts. */
  let issuer: TestApp;
  const target = {} as Target;

  beforeAll(async () => {
    upstream = await startTestApp();
    const upstreamAdmin = await mintAccessToken(upstream, { scope: 'system/*.cruds' });
    if (mode === 'gateway') {
      gateway = await startTestApp({ FHIR_UPSTREAM_URL: upstream.fhirBaseUrl, FHIR_UPSTREAM_AUTHORIZATION: `Bearer ${upstreamAdmin}` });
    }
    if (mode === 'module-jwks' || mode === 'module-introspection') {
      resourceServer = await startModuleResourceServer(
        upstream,
        mode === 'module-jwks' ? 'jwks' : 'introspection',
        `Bearer ${upstreamAdmin}`,
      );
    }
    issuer = gateway ?? upstream;
    target.server = resourceServer ?? issuer;
    target.admin = await mintAccessToken(issuer, { scope: 'system/*.cruds' });
    const put = async (resource: Record<string, unknown>) => {
      const response = await fhirFetch(upstream, `/${String(resource.resourceType)}/${String(resource.id)}`, upstreamAdmin, {
        method: 'PUT',
        body: resource,
      });
      expect([200, 201]).toContain(response.status);
    };
    await put({ resourceType: 'Practitioner', id: ids.practitioner, name: [{ family: 'Clinician' }] });
    await put({ resourceType: 'Patient', id: ids.patientA, name: [{ family: 'Alpha' }] });
    await put({ resourceType: 'Patient', id: ids.patientB, name: [{ family: 'Beta' }] });
    await put(observation(ids.labA, ids.patientA, 'laboratory'));
    await put(observation(ids.vitalA, ids.patientA, 'vital-signs'));
    await put(observation(ids.labB, ids.patientB, 'laboratory'));
  });

  afterAll(async () => {
    await resourceServer?.close();
    await gateway?.close();
    await upstream.close();
  });

  // Rest parameters: jest would read a fifth declared parameter of a four-element row as a `done` callback.
  it.each(ROWS)('%s as %s: %s → %i', async (...row: Row) => {
    const [scope, who, operation, status, matches] = row;
    const token = await mintAccessToken(issuer, { scope, ...CONTEXTS[who] });
    const response = await ops[operation](target, token);
    expect({ status: response.status, body: response.status === status ? undefined : response.body }).toEqual({ status, body: undefined });
    if (status >= 400) expect(response.body?.resourceType).toBe('OperationOutcome');
    if (status === 403) expect(response.body.issue[0].code).toBe('forbidden');
    if (matches) {
      expect(response.body.resourceType).toBe('Bundle');
      const found = (response.body.entry ?? [])
        .filter((entry: any) => entry.search?.mode === 'match')
        .map((entry: any) => entry.resource.id)
        .sort();
      expect(found).toEqual(matches.map((fixture) => ids[fixture]).sort());
      for (const entry of response.body.entry ?? [])
        expect(entry.fullUrl).toBe(`${target.server.fhirBaseUrl}/Observation/${entry.resource.id}`);
    }
  });
});
