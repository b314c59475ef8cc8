'use strict';

const { clientKey } = require('./lib/assertions');
const { measure, median, runOnce } = require('./lib/load');
const { startOurServers } = require('./lib/our-server');
const { basicAuthorization, expectStatus, FORM, form, introspection, tokenResponse, pooledFormPlan } = require('./lib/plans');
const { SmartApi, call } = require('./fixtures/smart-api');
const { Browser, mintCodes, pkce } = require('./fixtures/browser-flow');

const BACKEND_SCOPE = 'system/Patient.crs system/Observation.rs';
const APP_SCOPE = 'openid fhirUser launch/patient offline_access patient/Patient.rs';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
// A revocation must reach every process within this bound (the access-token verifier reuses revocation answers for 2 s).
const MAX_REVOCATION_LAG_MS = 5000;

/** Runs one plan against every process at once; combined req/s is the sum. Median of `runs`. */
async function measureCombined(servers, makePlan, settings, log) {
  const runAll = (duration) =>
    Promise.all(
      servers.map(async (server) =>
        runOnce({ url: server.baseUrl, connections: settings.connections, duration, plan: await makePlan(server) }),
      ),
    );
  await runAll(settings.warmup);
  const runs = [];
  for (let index = 0; index < settings.runs; index += 1) {
    const results = await runAll(settings.duration);
    runs.push(results);
    log(
      `    run ${index + 1}: ${results.map((r) => r.rps.toFixed(0)).join(' + ')} = ${results.reduce((sum, r) => sum + r.rps, 0).toFixed(0)} req/s`,
    );
  }
  return {
    combined: Math.round(median(runs.map((results) => results.reduce((sum, r) => sum + r.rps, 0)))),
    perProcess: servers.map((_, index) => ({
      rps: Math.round(median(runs.map((r) => r[index].rps))),
      p99: median(runs.map((r) => r[index].p99)),
    })),
    errors: runs.flat().reduce((sum, r) => sum + r.errors, 0),
  };
}

/** Cross-process correctness: what one process did is honoured by the other. */
async function correctnessChecks({ a, b, backend, app }) {
  const checks = [];
  const check = async (name, fn) => {
    try {
      const detail = await fn();
      checks.push({ name, ok: true, detail });
    } catch (error) {
      checks.push({ name, ok: false, detail: error.message });
    }
  };
  await check('a client-assertion jti accepted by process A is refused as a replay by process B', async () => {
    const [body] = await a.assertionBodies(backend, 1, { grant_type: 'client_credentials', scope: 'system/Patient.rs' });
    await call(`${a.baseUrl}/token`, { method: 'POST', headers: { 'content-type': FORM }, body }, [200]);
    const replay = await call(`${b.baseUrl}/token`, { method: 'POST', headers: { 'content-type': FORM }, body }, [400, 401]);
    if (replay.body?.error !== 'invalid_client') throw new Error(`B answered ${replay.status} ${replay.text}`);
    return `B: ${replay.status} ${replay.body.error}`;
  });
  if (!app) {
    checks.push({
      name: 'revocation and code redemption across processes',
      ok: false,
      detail: 'the user-facing flow could not be prepared',
    });
    return checks;
  }
  await check('a code redeemed at process A is refused at process B', async () => {
    const [code] = await app.codes(1);
    await a.exchangeCode(app.client, code, app.verifier);
    const again = await call(
      `${b.baseUrl}/token`,
      {
        method: 'POST',
        headers: { 'content-type': FORM, authorization: app.basic },
        body: form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: app.verifier }),
      },
      [400],
    );
    if (again.body?.error !== 'invalid_grant') throw new Error(`B answered ${again.status} ${again.text}`);
    return `B: 400 invalid_grant`;
  });
  await check('an access token revoked at process A is inactive at process B (introspection) and refused by its FHIR guard', async () => {
    const [code] = await app.codes(1);
    const tokens = await a.exchangeCode(app.client, code, app.verifier);
    const before = await call(
      `${b.baseUrl}/introspect`,
      { method: 'POST', headers: { 'content-type': FORM, authorization: app.basic }, body: form({ token: tokens.access_token }) },
      [200],
    );
    if (before.body?.active !== true) throw new Error('token not active at B before revocation');
    await a.revoke(app.client, tokens.access_token);
    const revokedAt = Date.now();
    // Each process caches revocation answers briefly (AccessTokenVerifier, TOKEN_STATE_CACHE_MS), so B may honour
    // the token for that long; the check polls and reports how long B took.
    const within = async (probe) => {
      for (;;) {
        if (await probe()) return Date.now() - revokedAt;
        if (Date.now() - revokedAt > MAX_REVOCATION_LAG_MS)
          throw new Error(`B still honoured the token ${MAX_REVOCATION_LAG_MS} ms after the revocation`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const introspected = await within(async () => {
      const after = await call(
        `${b.baseUrl}/introspect`,
        { method: 'POST', headers: { 'content-type': FORM, authorization: app.basic }, body: form({ token: tokens.access_token }) },
        [200],
      );
      return after.body?.active === false;
    });
    let status = 0;
    const guarded = await within(async () => {
      status = (await fetch(`${b.baseUrl}/fhir/Patient/${app.patientId}`, { headers: { authorization: `Bearer ${tokens.access_token}` } }))
        .status;
      return [401, 403, 404].includes(status);
    });
    return `B: introspection active=false after ${introspected} ms, FHIR read ${status} after ${guarded} ms`;
  });
  return checks;
}

async function prepareApp(a, patientId) {
  const client = await a.registerApp({ redirectUri: REDIRECT_URI, scope: APP_SCOPE });
  const user = await a.createPatientUser(patientId);
  const browser = new Browser(a.baseUrl);
  const { verifier, challenge } = pkce();
  const authorizeUrl = () =>
    `/authorize?${new URLSearchParams({ response_type: 'code', client_id: client.clientId, redirect_uri: REDIRECT_URI, scope: APP_SCOPE, state: 'bench', aud: a.fhirBaseUrl, code_challenge: challenge, code_challenge_method: 'S256' })}`;
  return {
    client,
    verifier,
    patientId,
    basic: basicAuthorization(client.clientId, client.clientSecret),
    codes: (count) => mintCodes({ browser, authorizeUrl, redirectUri: REDIRECT_URI, credentials: user, count }),
  };
}

/**
 * BENCH_PROCESSES=N: N smart-auth processes on one database behind one issuer. Reports one process alone
 * and all of them under load at once, and checks that state made through one is honoured by the others.
 */
async function runTwoProcesses({ settings, databaseUrl, workDir, log, stops }) {
  const group = await startOurServers({ settings, databaseUrl, workDir, count: settings.processes });
  stops.unshift(() => group.stop());
  const apis = group.servers.map(
    (server) => new SmartApi({ baseUrl: server.baseUrl, publicUrl: group.publicUrl, adminToken: group.adminToken }),
  );
  const [a, b] = apis;
  log(`${settings.processes} smart-auth processes: ${group.servers.map((s) => s.baseUrl).join(', ')} (issuer ${group.publicUrl})`);
  const backend = await a.registerBackendService(clientKey('RS384'), BACKEND_SCOPE);
  let app = null;
  let checkedApp = null;
  let patientId = null;
  try {
    patientId = await a.createPatient(await a.backendToken(backend, BACKEND_SCOPE));
    app = await prepareApp(a, patientId);
    // A second app for the checks: a replayed code revokes its whole grant (RFC 6749 §10.5), which must not
    // touch the token the introspection load uses.
    checkedApp = await prepareApp(a, patientId);
  } catch (error) {
    log(`  user-facing flow unavailable: ${error.message}`);
  }

  const ccPlan = (_server) =>
    pooledFormPlan({
      path: '/token',
      makeBodies: (count) => apis[0].assertionBodies(backend, count, { grant_type: 'client_credentials', scope: 'system/Patient.rs' }),
      check: tokenResponse,
    });
  /** @type {{ id: string, title: string, plan: (server: object) => (count: number) => Promise<import('./lib/load').Plan> }[]} */
  const scenarios = [
    { id: 'cc-private-key-jwt-rs384', title: 'client_credentials, private_key_jwt RS384', plan: (server) => ccPlan(server) },
  ];
  if (patientId) {
    const token = await a.backendToken(backend, BACKEND_SCOPE);
    scenarios.push({
      id: 'fhir-read',
      title: 'FHIR read through the guard',
      plan: () => async () => ({
        requests: [{ method: 'GET', path: `/fhir/Patient/${patientId}`, headers: { authorization: `Bearer ${token}` } }],
        check: expectStatus(200),
      }),
    });
  }
  if (app) {
    const [code] = await app.codes(1);
    const tokens = await a.exchangeCode(app.client, code, app.verifier);
    scenarios.push({
      id: 'introspect-active',
      title: 'Introspection, active token',
      plan: () => async () => ({
        requests: [
          {
            method: 'POST',
            path: '/introspect',
            headers: { authorization: app.basic, 'content-type': FORM },
            body: form({ token: tokens.access_token }),
          },
        ],
        check: introspection(true),
      }),
    });
  }

  const rows = [];
  let checks = null;
  for (const item of scenarios) {
    log(`${item.title} — one process`);
    const single = await measure({ url: group.servers[0].baseUrl, prepare: (count) => item.plan(group.servers[0])(count) }, settings, log);
    log(`${item.title} — ${group.servers.length} processes at once`);
    const makePlan = async (server) => item.plan(server)(Math.ceil(Math.max(single.rps, 500) * settings.duration * 2));
    const combinedPromise = measureCombined(group.servers, makePlan, settings, log);
    // The correctness checks run while the first scenario loads both processes.
    if (!checks) checks = await correctnessChecks({ a, b, backend, app: checkedApp });
    const combined = await combinedPromise;
    rows.push({ id: item.id, title: item.title, connections: settings.connections, single, ...combined });
  }
  for (const result of checks ?? []) log(`${result.ok ? 'PASS' : 'FAIL'} — ${result.name}${result.detail ? ` (${result.detail})` : ''}`);
  return { processes: settings.processes, rows, checks: checks ?? [] };
}

module.exports = { runTwoProcesses };
