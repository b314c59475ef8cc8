'use strict';

// Search at scale (issue 13.8): the same FHIR requests on a small store (200 Observations, 20 patients) and
// on a large one (200,000 Observations, 2,000 patients), loaded by INSERT … SELECT generate_series straight
// into fhir_resources (current versions only; history is not searched). The rows run only with BENCH_LARGE=1
// or when BENCH_ONLY names them; loading the large store takes a minute or two on the 2-core machine.
const { Client } = require('pg');
const { expectStatus, json } = require('../lib/plans');

const PREFIX = 'bench-scale';
const PATIENT = `${PREFIX}-pt-7`;
const CODES = 200;
const SMALL = { patients: 20, perPatient: 10 };
const LARGE = { patients: 2000, perPatient: 100 };

// Observations g = 1 … patients × perPatient; patient g % patients, code g % CODES, two categories. Ids are
// deterministic, so loading is idempotent and the small set is a subset of the large one.
async function load(databaseUrl, { patients, perPatient }, log) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SET statement_timeout = 0');
    const started = Date.now();
    await client.query(
      `INSERT INTO fhir_resources (resource_type, id, version_id, last_updated, resource, deleted)
       SELECT 'Patient', $1 || '-pt-' || p, 1, now(), jsonb_build_object(
                'resourceType', 'Patient', 'id', $1 || '-pt-' || p, 'meta', jsonb_build_object('versionId', '1'),
                'name', jsonb_build_array(jsonb_build_object('family', 'Scale' || p, 'given', jsonb_build_array('Bench'))),
                'identifier', jsonb_build_array(jsonb_build_object('system', 'urn:bench', 'value', 'mrn-' || p)), 'gender', 'unknown'), false
         FROM generate_series(0, $2::int - 1) AS p
       ON CONFLICT DO NOTHING`,
      [PREFIX, patients],
    );
    await client.query(
      `INSERT INTO fhir_resources (resource_type, id, version_id, last_updated, resource, deleted)
       SELECT 'Observation', $1 || '-obs-' || g, 1, now() - make_interval(secs => g), jsonb_build_object(
                'resourceType', 'Observation', 'id', $1 || '-obs-' || g, 'meta', jsonb_build_object('versionId', '1'),
                'status', 'final',
                'category', jsonb_build_array(jsonb_build_object('coding', jsonb_build_array(jsonb_build_object(
                  'system', 'http://terminology.hl7.org/CodeSystem/observation-category', 'code', CASE WHEN g % 2 = 0 THEN 'laboratory' ELSE 'vital-signs' END)))),
                'code', jsonb_build_object('coding', jsonb_build_array(jsonb_build_object('system', 'http://loinc.org', 'code', 'bench-' || (g % $3::int))), 'text', 'Bench code ' || (g % $3::int)),
                'subject', jsonb_build_object('reference', 'Patient/' || $1 || '-pt-' || (g % $2::int)),
                'effectiveDateTime', to_char(timestamp '2020-01-01' + make_interval(mins => g), 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                'valueQuantity', jsonb_build_object('value', g % 180, 'unit', 'mg/dL', 'system', 'http://unitsofmeasure.org', 'code', 'mg/dL')), false
         FROM generate_series(1, $2::int * $4::int) AS g
       ON CONFLICT DO NOTHING`,
      [PREFIX, patients, CODES, perPatient],
    );
    await client.query('ANALYZE fhir_resources');
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM fhir_resources WHERE resource_type = 'Observation'`);
    log(
      `  store: ${rows[0].n} Observations (${patients} bench patients × ${perPatient} loaded in ${Math.round((Date.now() - started) / 1000)} s)`,
    );
  } finally {
    await client.end();
  }
}

/** Scenarios of the `*-small` and `*-large` rows; the large store is loaded when the first large row prepares. */
async function scaleScenarios({ databaseUrl, backendToken, scenario, log }) {
  await load(databaseUrl, SMALL, log);
  let large = null;
  const ensureLarge = () => {
    large ??= (async () => {
      log(`Loading the large store (${LARGE.patients} patients × ${LARGE.perPatient} Observations) …`);
      await load(databaseUrl, LARGE, log);
    })();
    return large;
  };
  const plan = (path, size) => async () => {
    if (size === 'large') await ensureLarge();
    return {
      requests: [{ method: 'GET', path, headers: { authorization: `Bearer ${await backendToken()}`, accept: 'application/fhir+json' } }],
      check: expectStatus(200, (body) => typeof json(body)?.resourceType === 'string'),
    };
  };
  const paths = {
    'fhir-scale-search-patient': `/fhir/Observation?patient=${PATIENT}&_count=10`,
    'fhir-scale-search-code': '/fhir/Observation?code=http://loinc.org|bench-7&_count=10',
    'fhir-scale-search-patient-code': `/fhir/Observation?patient=${PATIENT}&code=http://loinc.org|bench-7`,
    'fhir-scale-read': `/fhir/Observation/${PREFIX}-obs-7`,
  };
  const scenarios = {};
  for (const [id, path] of Object.entries(paths)) {
    for (const size of ['small', 'large']) scenarios[`${id}-${size}`] = scenario(plan(path, size));
  }
  return { scenarios, ensureLarge };
}

module.exports = { scaleScenarios, LARGE, SMALL };
