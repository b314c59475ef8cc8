'use strict';

// Rows of the result table, in the order they run. `peerFrom` reuses another row's peer figure; `optional`
// rows run only when BENCH_ONLY names them.
const ROWS = [
  { id: 'discovery', title: 'Discovery (smart-configuration; peer: openid-configuration)' },
  { id: 'jwks', title: 'JWKS' },
  { id: 'cc-basic', title: 'client_credentials, client_secret_basic' },
  { id: 'cc-private-key-jwt-rs384', title: 'client_credentials, private_key_jwt RS384' },
  { id: 'cc-private-key-jwt-es384', title: 'client_credentials, private_key_jwt ES384' },
  { id: 'cc-private-key-jwt-rs384-c50', title: 'client_credentials, private_key_jwt RS384, high concurrency', connections: 'high' },
  { id: 'cc-basic-c50', title: 'client_credentials, client_secret_basic, high concurrency', connections: 'high' },
  // The same token request while 16 sprayers send wrong passwords to /login (argon2), each attempt from its own
  // X-Forwarded-For address so that no throttle stops it before the password check (issue 11 item 6).
  { id: 'cc-basic-login-flood', title: 'client_credentials, client_secret_basic, during a sign-in flood (16 sprayers)' },
  {
    id: 'cc-rs256-access-tokens',
    title: 'client_credentials, private_key_jwt RS384, RS256 access tokens (like the peer)',
    peerFrom: 'cc-private-key-jwt-rs384',
  },
  { id: 'authorization-code', title: 'authorization_code exchange (client_secret_basic, PKCE)' },
  { id: 'refresh-token', title: 'refresh_token rotation (client_secret_basic)' },
  { id: 'introspect-active', title: 'Introspection, active token (client_secret_basic caller)' },
  { id: 'introspect-revoked', title: 'Introspection, revoked token' },
  // Measured in alternation with the unguarded read, so that the guard's cost is not the machine's drift.
  { id: 'fhir-read', title: 'FHIR read through the guard, GET /fhir/Patient/{id}', alternateWith: 'fhir-read-unguarded' },
  { id: 'fhir-read-unguarded', title: 'Same FHIR read without the guard (bench-only server, same store call)' },
  { id: 'fhir-search', title: 'FHIR search through the guard, GET /fhir/Patient?_id={id}' },
  // Search at scale (issue 13.8): only with BENCH_LARGE=1 or when named in BENCH_ONLY; the store holds 200
  // Observations for the `-small` rows, then 200,000 (2,000 patients) are loaded for the `-large` rows.
  { id: 'fhir-scale-search-patient-small', title: 'FHIR search Observation?patient={id}&_count=10, 200 Observations stored', scale: true },
  { id: 'fhir-scale-search-code-small', title: 'FHIR search Observation?code={loinc}&_count=10, 200 Observations stored', scale: true },
  {
    id: 'fhir-scale-search-patient-code-small',
    title: 'FHIR search Observation?patient={id}&code={loinc}, 200 Observations stored',
    scale: true,
  },
  { id: 'fhir-scale-read-small', title: 'FHIR read Observation/{id}, 200 Observations stored', scale: true },
  {
    id: 'fhir-scale-search-patient-large',
    title: 'FHIR search Observation?patient={id}&_count=10, 200,000 Observations stored',
    scale: true,
  },
  {
    id: 'fhir-scale-search-code-large',
    title: 'FHIR search Observation?code={loinc}&_count=10 (1,000 matches), 200,000 Observations stored',
    scale: true,
  },
  {
    id: 'fhir-scale-search-patient-code-large',
    title: 'FHIR search Observation?patient={id}&code={loinc}, 200,000 Observations stored',
    scale: true,
  },
  { id: 'fhir-scale-read-large', title: 'FHIR read Observation/{id}, 200,000 Observations stored', scale: true },
  { id: 'cc-private-key-jwt-rs384-large', title: 'client_credentials, private_key_jwt RS384, 200,000 Observations stored', scale: true },
  { id: 'bare-nest', title: 'Framework ceiling: bare NestJS on Fastify, one JSON route', ceiling: true },
  // Only when named in BENCH_ONLY: the price of request logging (a second process at LOG_LEVEL=info).
  { id: 'jwks-log-info', title: 'JWKS, server at LOG_LEVEL=info', optional: true },
  { id: 'introspect-active-log-info', title: 'Introspection, active token, server at LOG_LEVEL=info', optional: true },
];

module.exports = { ROWS };
