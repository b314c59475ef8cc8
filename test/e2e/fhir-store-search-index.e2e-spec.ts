import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { filterCondition } from '../../src/fhir/store/search-filter.conditions';
import { SqlParameters, tokenCondition } from '../../src/fhir/store/sql-conditions';
import { fhirFetch, mintAccessToken } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';

// Search conditions are jsonpath tests answered by the GIN index fhir_resources_content. These
// tests pin their semantics on every element shape the store searches, and that PostgreSQL can use the index.
describe('FHIR store: indexed search conditions', () => {
  let server: TestApp;
  let admin: string;
  const run = randomUUID().slice(0, 8);
  const [patientA, patientB] = [`idx-a-${run}`, `idx-b-${run}`];
  const LOINC = 'http://loinc.org';
  const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
  const ids: Record<string, string> = {};

  const create = async (name: string, resource: Record<string, unknown>): Promise<void> => {
    const response = await fhirFetch(server, `/${resource.resourceType as string}`, admin, { method: 'POST', body: resource });
    expect(response.status).toBe(201);
    ids[name] = response.body.id;
  };
  const found = async (path: string): Promise<string[]> => {
    const response = await fhirFetch(server, path, admin);
    expect(response.status).toBe(200);
    return (response.body.entry ?? [])
      .map((entry: { resource: { id: string } }) => Object.keys(ids).find((name) => ids[name] === entry.resource.id) ?? entry.resource.id)
      .sort();
  };

  beforeAll(async () => {
    server = await startTestApp();
    admin = await mintAccessToken(server, { scope: 'system/*.cruds' });
    await create('patientA', {
      resourceType: 'Patient',
      gender: 'female',
      identifier: [{ system: `urn:idx:${run}`, value: 'mrn-1' }],
      name: [{ family: `Index${run}` }],
    });
    await create('loinc', {
      resourceType: 'Observation',
      status: 'final',
      subject: { reference: `Patient/${patientA}` },
      category: [{ coding: [{ system: CATEGORY, code: `lab-${run}` }] }],
      code: { coding: [{ system: LOINC, code: `c-${run}` }] },
    });
    await create('nosystem', {
      resourceType: 'Observation',
      status: 'amended',
      subject: { reference: `Patient/${patientB}` },
      code: { coding: [{ code: `c-${run}` }] },
    });
    await create('allergy', { resourceType: 'AllergyIntolerance', patient: { reference: `Patient/${patientB}` }, code: { text: 'x' } });
  });

  afterAll(async () => {
    await server.close();
  });

  it('matches tokens in each of their forms', async () => {
    expect(await found(`/Observation?code=c-${run}`)).toEqual(['loinc', 'nosystem']);
    expect(await found(`/Observation?code=${LOINC}|c-${run}`)).toEqual(['loinc']);
    expect(await found(`/Observation?code=|c-${run}`)).toEqual(['nosystem']);
    expect(await found(`/Observation?code=${LOINC}|&patient=${patientA}`)).toEqual(['loinc']);
    expect(await found(`/Observation?category=lab-${run}`)).toEqual(['loinc']);
    expect(await found(`/Observation?code=other,c-${run}&status=amended`)).toEqual(['nosystem']);
    expect(await found(`/Patient?identifier=urn:idx:${run}|mrn-1`)).toEqual(['patientA']);
    expect(await found(`/Patient?identifier=urn:idx:${run}|mrn-2`)).toEqual([]);
  });

  it('matches references in every compartment element, several values at once', async () => {
    expect(await found(`/Observation?patient=${patientA}`)).toEqual(['loinc']);
    expect(await found(`/Observation?patient=${patientA},${patientB}`)).toEqual(['loinc', 'nosystem']);
    expect(await found(`/Observation?subject=Patient/${patientB}`)).toEqual(['nosystem']);
    expect(await found(`/AllergyIntolerance?patient=${patientB}`)).toEqual(['allergy']);
    const patientToken = await mintAccessToken(server, { scope: 'patient/*.rs', patient: patientB });
    const confined = await fhirFetch(server, `/Observation?code=c-${run}`, patientToken);
    expect(confined.body.entry.map((entry: { resource: { id: string } }) => entry.resource.id)).toEqual([ids.nosystem]);
  });

  it('keeps _lastUpdated on the column, with the same boundaries', async () => {
    const read = await fhirFetch(server, `/Observation/${ids.loinc}`, admin);
    const second = (read.body.meta.lastUpdated as string).slice(0, 19);
    expect(await found(`/Observation?_lastUpdated=${second}&patient=${patientA}`)).toEqual(['loinc']);
    expect(await found(`/Observation?_lastUpdated=lt${second}&patient=${patientA}`)).toEqual([]);
    expect(await found(`/Observation?_lastUpdated=ge${second}&patient=${patientA}`)).toEqual(['loinc']);
    expect(await found(`/Observation?_lastUpdated=ge0000&patient=${patientA}`)).toEqual(['loinc']);
    expect(await found(`/Observation?_lastUpdated=lt0000&patient=${patientA}`)).toEqual([]);
    expect(await found(`/Observation?_lastUpdated=le9999&patient=${patientA}`)).toEqual(['loinc']);
    expect(await found(`/Observation?_lastUpdated=gt9999-12-31&patient=${patientA}`)).toEqual([]);
  });

  it('builds conditions that PostgreSQL answers with fhir_resources_content', async () => {
    const database = new Client({ connectionString: process.env.DATABASE_URL });
    await database.connect();
    try {
      const conditions = [
        (p: SqlParameters) => filterCondition('Observation', { name: 'patient', values: [patientA, patientB] }, p),
        (p: SqlParameters) => filterCondition('Observation', { name: 'subject', values: [`Patient/${patientA}`] }, p),
        (p: SqlParameters) => filterCondition('Observation', { name: 'code', values: [`${LOINC}|c-${run}`, `|x`, 'y'] }, p),
        (p: SqlParameters) => filterCondition('Patient', { name: 'identifier', values: [`urn:idx:${run}|mrn-1`] }, p),
        (p: SqlParameters) => tokenCondition('$."category"', `${CATEGORY}|lab-${run}`, p),
      ];
      await database.query('BEGIN');
      // The test tables are tiny, so a sequential scan would be cheaper; forbid it to see whether the index can serve.
      await database.query('SET LOCAL enable_seqscan = off');
      for (const build of conditions) {
        const parameters = new SqlParameters();
        const where = build(parameters);
        const { rows } = await database.query(`EXPLAIN SELECT id FROM fhir_resources WHERE ${where}`, parameters.values);
        expect(rows.map((row: { 'QUERY PLAN': string }) => row['QUERY PLAN']).join('\n')).toContain('fhir_resources_content');
      }
      await database.query('ROLLBACK');
    } finally {
      await database.end();
    }
  });
});
