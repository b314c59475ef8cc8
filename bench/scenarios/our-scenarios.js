'use strict';

const { randomUUID } = require('node:crypto');
const { join } = require('node:path');
const { clientKey } = require('../lib/assertions');
const { startOurServers } = require('../lib/our-server');
const {
  basicAuthorization,
  expectStatus,
  fixedPlan,
  form,
  introspection,
  json,
  pooledFormPlan,
  tokenResponse,
  FORM,
} = require('../lib/plans');
const { SmartApi } = require('../fixtures/smart-api');
const { Browser, mintCodes, parseForm, pkce } = require('../fixtures/browser-flow');
const { duringFlood } = require('../lib/flood');
const { scaleScenarios } = require('./large-data');

const BACKEND_SCOPE = 'system/Patient.crs system/Observation.rs';
const CC_SCOPE = 'system/Patient.rs';
const APP_SCOPE = 'openid fhirUser launch/patient offline_access patient/Patient.rs patient/Observation.rs';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

const needs = (rows, ...ids) => rows.some((row) => ids.includes(row.id));

/** The user-facing app: one real sign-in and consent, then codes through GET /authorize with the session. */
async function prepareApp(api, patientId, log) {
  const app = await api.registerApp({ redirectUri: REDIRECT_URI, scope: APP_SCOPE });
  const user = await api.createPatientUser(patientId);
  const browser = new Browser(api.baseUrl);
  const { verifier, challenge } = pkce();
  const authorizeUrl = () =>
    `/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: app.clientId,
      redirect_uri: REDIRECT_URI,
      scope: APP_SCOPE,
      state: 'bench',
      aud: api.fhirBaseUrl,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })}`;
  const codes = (count) => mintCodes({ browser, authorizeUrl, redirectUri: REDIRECT_URI, credentials: user, count });
  const first = await codes(1);
  const started = Date.now();
  const sample = await codes(200);
  const mintRate = Math.round(200 / ((Date.now() - started) / 1000));
  log(`  codes through the real flow: ${mintRate}/s`);
  return { app, verifier, codes, spare: [...first, ...sample], mintRate };
}

/**
 * Wrong-password sign-ins for the flood row: one browser's CSRF cookie and token from GET /login, then POST /login
 * with a new X-Forwarded-For address per attempt (the bench server trusts loopback, TRUST_PROXY=127.0.0.1), so
 * every attempt reaches the argon2 check. The user exists, so its hash is the real one.
 */
async function signInFlood(api) {
  const user = await api.createPatientUser(`bench-flood-${randomUUID().slice(0, 8)}`);
  const browser = new Browser(api.baseUrl);
  const page = await browser.request('/login');
  const csrf = new Map(parseForm(page.text)?.fields ?? []).get('csrf_token');
  if (!csrf) throw new Error('no CSRF token on the sign-in page');
  const cookie = browser.cookieHeader();
  return {
    concurrency: 16,
    attempt: async (index) => {
      const response = await fetch(`${api.baseUrl}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': FORM, 'x-forwarded-for': `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}` },
        body: form({ csrf_token: csrf, username: user.username, password: `wrong-${index}` }),
      });
      await response.arrayBuffer();
      return response.status;
    },
  };
}

async function prepareOurs({ settings, server, databaseUrl, workDir, rows, log, stops }) {
  const baseUrl = server.servers[0].baseUrl;
  const api = new SmartApi({ baseUrl, publicUrl: server.publicUrl, adminToken: server.adminToken });
  const scenario = (prepare, extra = {}) => ({ url: baseUrl, pid: server.servers[0].handle.pid, prepare, ...extra });
  const scenarios = {
    discovery: scenario(
      fixedPlan({ path: '/fhir/.well-known/smart-configuration', check: expectStatus(200, (body) => !!json(body)?.token_endpoint) }),
    ),
    jwks: scenario(fixedPlan({ path: '/.well-known/jwks.json', check: expectStatus(200, (body) => Array.isArray(json(body)?.keys)) })),
  };

  log('Preparing smart-auth clients, users, data and tokens through its public API …');
  if (needs(rows, 'cc-basic', 'cc-basic-c50', 'cc-basic-login-flood')) {
    // Created through the admin API: dynamic registration refuses client_credentials with a secret.
    const internal = await api.createSecretBackendService(BACKEND_SCOPE);
    const ccBasic = fixedPlan({
      method: 'POST',
      path: '/token',
      headers: { authorization: basicAuthorization(internal.clientId, internal.clientSecret), 'content-type': FORM },
      body: form({ grant_type: 'client_credentials', scope: CC_SCOPE }),
      check: tokenResponse,
    });
    const note = 'ours: a client_credentials client with client_secret_basic created through POST /admin/clients';
    scenarios['cc-basic'] = scenario(ccBasic, { note });
    scenarios['cc-basic-c50'] = scenario(ccBasic, { note });
    if (needs(rows, 'cc-basic-login-flood')) {
      const flood = await signInFlood(api);
      scenarios['cc-basic-login-flood'] = scenario(ccBasic, {
        around: (work) =>
          duringFlood(
            {
              ...flood,
              onSummary: ({ attempts, counts }) =>
                (scenarios['cc-basic-login-flood'].note =
                  `ours: ${attempts} sign-ins by ${flood.concurrency} sprayers during the row (${Object.entries(counts)
                    .map(([status, n]) => `${n}× ${status}`)
                    .join(', ')}); 503 = refused by the bounded argon2 queue`),
            },
            work,
          ),
      });
    }
  }
  const rs384 = await api.registerBackendService(clientKey('RS384'), BACKEND_SCOPE);
  const es384 = await api.registerBackendService(clientKey('ES384'), BACKEND_SCOPE);
  const ccPlan = (client, apiFor = api) =>
    pooledFormPlan({
      path: '/token',
      makeBodies: (count) => apiFor.assertionBodies(client, count, { grant_type: 'client_credentials', scope: CC_SCOPE }),
      check: tokenResponse,
    });
  scenarios['cc-private-key-jwt-rs384'] = scenario(ccPlan(rs384));
  scenarios['cc-private-key-jwt-rs384-c50'] = scenario(ccPlan(rs384));
  scenarios['cc-private-key-jwt-es384'] = scenario(ccPlan(es384), { initialEstimate: 1000 });

  if (needs(rows, 'cc-rs256-access-tokens')) {
    // A second process on the same database and issuer, signing access tokens RS256 as the peer does.
    const rs256 = await startOurServers({
      settings,
      databaseUrl,
      workDir,
      count: 1,
      label: 'smart-auth-rs256',
      extraEnv: { ACCESS_TOKEN_SIGNING_ALG: 'RS256' },
      shared: { publicUrl: server.publicUrl, adminToken: server.adminToken, cookieSecret: server.cookieSecret },
    });
    stops.unshift(() => rs256.stop());
    scenarios['cc-rs256-access-tokens'] = {
      url: rs256.servers[0].baseUrl,
      pid: rs256.servers[0].handle.pid,
      prepare: ccPlan(rs384),
      note: 'ours: ACCESS_TOKEN_SIGNING_ALG=RS256 (a second process on the same database)',
    };
  }

  let logInfo = null;
  if (needs(rows, 'jwks-log-info', 'introspect-active-log-info')) {
    logInfo = await startOurServers({
      settings,
      databaseUrl,
      workDir,
      count: 1,
      label: 'smart-auth-log-info',
      extraEnv: { LOG_LEVEL: 'info' },
      shared: { publicUrl: server.publicUrl, adminToken: server.adminToken, cookieSecret: server.cookieSecret },
    });
    stops.unshift(() => logInfo.stop());
    scenarios['jwks-log-info'] = {
      ...scenarios.jwks,
      url: logInfo.servers[0].baseUrl,
      pid: logInfo.servers[0].handle.pid,
      note: 'ours: a second process at LOG_LEVEL=info',
    };
  }

  const backendToken = () => api.backendToken(rs384, BACKEND_SCOPE);
  let patientId = null;
  if (
    needs(
      rows,
      'fhir-read',
      'fhir-read-unguarded',
      'fhir-search',
      'authorization-code',
      'refresh-token',
      'introspect-active',
      'introspect-revoked',
      'introspect-active-log-info',
    )
  ) {
    try {
      patientId = await api.createPatient(await backendToken());
    } catch (error) {
      log(`  could not create a Patient: ${error.message}`);
    }
  }
  const fhirPlan = (path) => async () => ({
    requests: [{ method: 'GET', path, headers: { authorization: `Bearer ${await backendToken()}`, accept: 'application/fhir+json' } }],
    check: expectStatus(200, (body) => typeof json(body)?.resourceType === 'string'),
  });
  const noPatient = { unavailable: 'no Patient could be created through the FHIR API' };
  scenarios['fhir-read'] = patientId
    ? scenario(fhirPlan(`/fhir/Patient/${patientId}`), { note: 'ours: system/Patient.rs backend token' })
    : noPatient;
  scenarios['fhir-search'] = patientId ? scenario(fhirPlan(`/fhir/Patient?_id=${patientId}`)) : noPatient;
  scenarios['fhir-read-unguarded'] = noPatient;
  if (patientId && needs(rows, 'fhir-read-unguarded')) {
    const unguarded = await startOurServers({
      settings,
      databaseUrl,
      workDir,
      count: 1,
      label: 'unguarded-fhir',
      script: join(__dirname, '..', 'ceiling', 'unguarded-fhir-server.js'),
      readyPath: `/fhir/Patient/${patientId}`,
      shared: { publicUrl: server.publicUrl, adminToken: server.adminToken, cookieSecret: server.cookieSecret },
    });
    stops.unshift(() => unguarded.stop());
    scenarios['fhir-read-unguarded'] = {
      url: unguarded.servers[0].baseUrl,
      pid: unguarded.servers[0].handle.pid,
      prepare: fhirPlan(`/fhir/Patient/${patientId}`),
      note: 'ours: bench/ceiling/unguarded-fhir-server.js, FhirStoreService.read with a fixed system/*.rs context; the Authorization header is sent and ignored',
    };
  }

  const scaleRows = rows.filter((row) => row.scale).map((row) => row.id);
  if (scaleRows.length) {
    const scale = await scaleScenarios({ databaseUrl, backendToken, scenario, log });
    Object.assign(scenarios, scale.scenarios);
    scenarios['cc-private-key-jwt-rs384-large'] = scenario(async (estimate) => {
      await scale.ensureLarge();
      return ccPlan(rs384)(estimate);
    });
  }

  if (needs(rows, 'authorization-code', 'refresh-token', 'introspect-active', 'introspect-revoked', 'introspect-active-log-info')) {
    try {
      // Without a FHIR store the user still needs a patient id; the flow then shows the id as the name.
      const appPatientId = patientId ?? `bench-${randomUUID().slice(0, 8)}`;
      Object.assign(scenarios, await appScenarios({ api, patientId: appPatientId, settings, log, scenario, logInfo }));
    } catch (error) {
      log(`  user-facing flow unavailable: ${error.message}`);
      for (const id of ['authorization-code', 'refresh-token', 'introspect-active', 'introspect-revoked'])
        scenarios[id] = { unavailable: `preparation failed: ${error.message}` };
    }
  }
  return scenarios;
}

async function appScenarios({ api, patientId, settings, log, scenario, logInfo }) {
  const flow = await prepareApp(api, patientId, log);
  const basic = basicAuthorization(flow.app.clientId, flow.app.clientSecret);
  const takeCodes = async (count) => {
    const spare = flow.spare.splice(0, count);
    return spare.length >= count ? spare : [...spare, ...(await flow.codes(count - spare.length))];
  };
  const exchange = async () => api.exchangeCode(flow.app, (await takeCodes(1))[0], flow.verifier);

  const active = await exchange();
  const revoked = await exchange();
  await api.revoke(flow.app, revoked.access_token);
  const introspect = (token, isActive) =>
    fixedPlan({
      method: 'POST',
      path: '/introspect',
      headers: { authorization: basic, 'content-type': FORM },
      body: form({ token }),
      check: introspection(isActive),
    });

  // Rotation: every response's refresh_token goes back into the queue, so each connection walks its own chain.
  const refreshQueue = [];
  const topUpRefresh = async (size) => {
    while (refreshQueue.length < size) refreshQueue.push((await exchange()).refresh_token);
  };
  const refreshPlan = async () => {
    await topUpRefresh(settings.highConnections * 2);
    return {
      requests: [
        {
          method: 'POST',
          path: '/token',
          headers: { authorization: basic, 'content-type': FORM },
          setupRequest: (request) => ({
            ...request,
            body: form({ grant_type: 'refresh_token', refresh_token: refreshQueue.shift() ?? 'queue-empty' }),
          }),
          onResponse: (status, body) => {
            const next = json(body)?.refresh_token;
            if (status === 200 && next) refreshQueue.push(next);
          },
        },
      ],
      check: tokenResponse,
    };
  };

  const introspectActive = introspect(active.access_token, true);
  const extra = {};
  if (logInfo) {
    extra['introspect-active-log-info'] = {
      url: logInfo.servers[0].baseUrl,
      pid: logInfo.servers[0].handle.pid,
      prepare: introspectActive,
      note: 'ours: a second process at LOG_LEVEL=info (one JSON line per request to a file)',
    };
  }
  return {
    ...extra,
    'authorization-code': scenario(
      pooledFormPlan({
        path: '/token',
        headers: { authorization: basic },
        makeBodies: async (count) => {
          const started = Date.now();
          const codes = await takeCodes(count);
          log(`    minted ${count} codes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
          return codes.map((code) =>
            form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: flow.verifier }),
          );
        },
        check: tokenResponse,
      }),
      {
        initialEstimate: 800,
        note: `ours: codes minted beforehand through GET /authorize with a signed-in session and a remembered grant (${flow.mintRate}/s); scope "${APP_SCOPE}" (id_token RS256 + refresh token)`,
      },
    ),
    'refresh-token': scenario(refreshPlan, { note: 'ours: each connection rotates its own refresh-token chain' }),
    'introspect-active': scenario(introspectActive, { note: 'ours: JWT access token, signature + revocation check' }),
    'introspect-revoked': scenario(introspect(revoked.access_token, false)),
  };
}

module.exports = { prepareOurs };
