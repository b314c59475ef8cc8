// Demo SMART app: a public client doing a real SMART App Launch with PKCE (S256) against this server.
(function () {
  'use strict';
  var root = document.getElementById('demo-app');
  if (!root) return;
  var clientId = root.dataset.clientId;
  var storageKey = 'smart-auth-demo-app';
  var redirectUri = window.location.origin + '/demo-app/callback';
  var status = document.getElementById('status');

  function show(message, isError) {
    status.textContent = message;
    status.className = isError ? 'alert' : 'muted';
  }

  function base64url(bytes) {
    var text = '';
    new Uint8Array(bytes).forEach(function (byte) { text += String.fromCharCode(byte); });
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function randomString() {
    return base64url(crypto.getRandomValues(new Uint8Array(32)));
  }

  async function discover(iss) {
    var response = await fetch(iss.replace(/\/+$/, '') + '/.well-known/smart-configuration', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error('Discovery failed: HTTP ' + response.status);
    return response.json();
  }

  async function authorize(iss, launch) {
    show('Discovering ' + iss + ' …');
    var config = await discover(iss);
    var verifier = randomString();
    var challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    var state = randomString();
    sessionStorage.setItem(storageKey, JSON.stringify({ iss: iss, state: state, verifier: verifier, config: config }));
    var params = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: launch ? 'launch openid fhirUser patient/*.rs offline_access' : 'openid fhirUser launch/patient launch/encounter patient/*.rs offline_access',
      state: state,
      aud: iss,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    if (launch) params.set('launch', launch);
    window.location.assign(config.authorization_endpoint + '?' + params.toString());
  }

  async function tokenRequest(saved, body) {
    body.set('client_id', clientId);
    var response = await fetch(saved.config.token_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: body.toString(),
    });
    var json = await response.json();
    if (!response.ok) throw new Error('Token endpoint: ' + (json.error_description || json.error || response.status));
    return json;
  }

  function decodeJwtPayload(jwt) {
    var part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(decodeURIComponent(escape(atob(part))));
  }

  async function showTokens(saved, tokens) {
    saved.tokens = tokens;
    sessionStorage.setItem(storageKey, JSON.stringify(saved));
    document.getElementById('start').hidden = true;
    document.getElementById('results').hidden = false;
    document.getElementById('token-response').textContent = JSON.stringify(tokens, null, 2);
    document.getElementById('id-token-claims').textContent = tokens.id_token ? JSON.stringify(decodeJwtPayload(tokens.id_token), null, 2) : '(no id_token)';
    if (!tokens.patient) {
      document.getElementById('patient-name').textContent = 'No patient in context.';
      return;
    }
    var response = await fetch(saved.iss.replace(/\/+$/, '') + '/Patient/' + encodeURIComponent(tokens.patient), {
      headers: { Authorization: 'Bearer ' + tokens.access_token, Accept: 'application/fhir+json' },
    });
    var patient = await response.json();
    var name = (patient.name || [])[0] || {};
    document.getElementById('patient-name').textContent = response.ok
      ? 'Patient: ' + (name.text || [].concat(name.given || [], name.family || []).join(' ') || patient.id)
      : 'Reading the patient failed: HTTP ' + response.status;
    document.getElementById('patient-resource').textContent = JSON.stringify(patient, null, 2);
  }

  async function callback() {
    var query = new URLSearchParams(window.location.search);
    var saved = JSON.parse(sessionStorage.getItem(storageKey) || 'null');
    if (query.get('error')) throw new Error('Authorization failed: ' + query.get('error') + ' — ' + (query.get('error_description') || ''));
    if (!saved || query.get('state') !== saved.state) throw new Error('Unexpected state; start again.');
    if (query.get('iss') && query.get('iss') !== saved.config.issuer && saved.config.issuer) throw new Error('Unexpected iss (RFC 9207).');
    show('Exchanging the code …');
    var body = new URLSearchParams({ grant_type: 'authorization_code', code: query.get('code'), redirect_uri: redirectUri, code_verifier: saved.verifier });
    var tokens = await tokenRequest(saved, body);
    window.history.replaceState(null, '', '/demo-app/callback');
    await showTokens(saved, tokens);
    show('Signed in. The app holds an access token for ' + saved.iss + '.');
  }

  async function refresh() {
    var saved = JSON.parse(sessionStorage.getItem(storageKey));
    if (!saved.tokens.refresh_token) throw new Error('No refresh token was issued.');
    var tokens = await tokenRequest(saved, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: saved.tokens.refresh_token }));
    await showTokens(saved, tokens);
    show('Refreshed at ' + new Date().toLocaleTimeString() + '.');
  }

  async function revoke() {
    var saved = JSON.parse(sessionStorage.getItem(storageKey));
    if (!saved.config.revocation_endpoint) throw new Error('The server advertises no revocation endpoint.');
    var token = saved.tokens.refresh_token || saved.tokens.access_token;
    var response = await fetch(saved.config.revocation_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: token, client_id: clientId }).toString(),
    });
    show(response.ok ? 'Token revoked. Refreshing will now fail.' : 'Revocation failed: HTTP ' + response.status, !response.ok);
  }

  function guard(action) {
    return function () {
      action().catch(function (error) { show(error.message, true); });
    };
  }

  document.getElementById('launch-standalone').addEventListener('click', guard(function () { return authorize(root.dataset.fhirBaseUrl); }));
  document.getElementById('refresh').addEventListener('click', guard(refresh));
  document.getElementById('revoke').addEventListener('click', guard(revoke));

  var path = window.location.pathname;
  var query = new URLSearchParams(window.location.search);
  if (path === '/demo-app/launch') {
    // EHR launch: the EHR opened us with iss and launch (SMART App Launch: EHR launch).
    if (!query.get('iss') || !query.get('launch')) show('An EHR launch needs iss and launch parameters.', true);
    else guard(function () { return authorize(query.get('iss'), query.get('launch')); })();
  } else if (path === '/demo-app/callback' && (query.get('code') || query.get('error'))) {
    guard(callback)();
  }
})();
