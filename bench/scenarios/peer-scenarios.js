'use strict';

const { randomBytes, randomUUID } = require('node:crypto');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { assertionPool, clientKey } = require('../lib/assertions');
const { freePort, startNode } = require('../lib/child-process');
const { basicAuthorization, expectStatus, fixedPlan, form, introspection, json, pooledFormPlan, tokenResponse } = require('../lib/plans');

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const OPAQUE_RESOURCE = 'urn:bench:opaque';
const SCOPE = 'system/Patient.rs';

/** Starts node-oidc-provider (bench/peer) with the equivalent clients; returns its scenarios by row id. */
async function startPeer({ workDir }) {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const clients = {
    basic: { clientId: `peer-basic-${randomUUID()}`, clientSecret: randomBytes(32).toString('base64url') },
    rs384: { clientId: `peer-rs384-${randomUUID()}`, key: clientKey('RS384') },
    es384: { clientId: `peer-es384-${randomUUID()}`, key: clientKey('ES384') },
  };
  const file = join(workDir, 'peer-clients.json');
  writeFileSync(
    file,
    JSON.stringify({
      basic: clients.basic,
      rs384: { clientId: clients.rs384.clientId, publicJwk: clients.rs384.key.publicJwk },
      es384: { clientId: clients.es384.clientId, publicJwk: clients.es384.key.publicJwk },
    }),
  );
  const handle = await startNode({
    name: 'oidc-provider',
    args: [join(__dirname, '..', 'peer', 'oidc-provider-server.mjs'), String(port), file],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' },
    logFile: join(workDir, 'oidc-provider.log'),
    readyUrl: `${baseUrl}/.well-known/openid-configuration`,
  });

  const basic = basicAuthorization(clients.basic.clientId, clients.basic.clientSecret);
  const tokenUrl = `${baseUrl}/token`;
  const opaqueToken = async () => {
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'client_credentials', scope: SCOPE, resource: OPAQUE_RESOURCE }),
    });
    const body = json(await response.text());
    if (response.status !== 200 || !body?.access_token) throw new Error(`peer token request failed: ${response.status}`);
    return body.access_token;
  };
  const revokedToken = async () => {
    const token = await opaqueToken();
    const revoked = await fetch(`${baseUrl}/token/revocation`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ token }),
    });
    if (revoked.status !== 200) throw new Error(`peer revocation failed: ${revoked.status}`);
    return token;
  };

  const ccBasic = fixedPlan({
    method: 'POST',
    path: '/token',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ grant_type: 'client_credentials', scope: SCOPE }),
    check: tokenResponse,
  });
  const ccAssertion = (client) =>
    pooledFormPlan({
      path: '/token',
      makeBodies: async (count) =>
        (await assertionPool({ key: client.key, clientId: client.clientId, audience: tokenUrl, count })).map((assertion) =>
          form({ grant_type: 'client_credentials', scope: SCOPE, client_assertion_type: JWT_BEARER, client_assertion: assertion }),
        ),
      check: tokenResponse,
    });
  // A fresh token per run: the peer's tokens live 300 s, less than a full benchmark.
  const introspect = (makeToken, active) => async (count) =>
    fixedPlan({
      method: 'POST',
      path: '/token/introspection',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ token: await makeToken() }),
      check: introspection(active),
    })(count);

  const scenario = (prepare, extra = {}) => ({ url: baseUrl, pid: handle.pid, prepare, ...extra });
  return {
    baseUrl,
    stop: () => handle.stop(),
    scenarios: {
      'cc-basic': scenario(ccBasic),
      'cc-basic-c50': scenario(ccBasic, { connections: 'high' }),
      'cc-private-key-jwt-rs384': scenario(ccAssertion(clients.rs384)),
      'cc-private-key-jwt-es384': scenario(ccAssertion(clients.es384), { initialEstimate: 1500 }),
      'introspect-active': scenario(introspect(opaqueToken, true), {
        note: 'peer: opaque token (oidc-provider does not introspect JWT access tokens)',
      }),
      'introspect-revoked': scenario(introspect(revokedToken, false), { note: 'peer: opaque token, revoked' }),
      discovery: scenario(fixedPlan({ path: '/.well-known/openid-configuration', check: expectStatus(200) }), {
        note: 'peer: openid-configuration',
      }),
      jwks: scenario(fixedPlan({ path: '/jwks', check: expectStatus(200) })),
    },
  };
}

module.exports = { startPeer };
