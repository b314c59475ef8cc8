// Passkeys (WebAuthn) in the browser: converts between the server's JSON (base64url) and the ArrayBuffers the
// WebAuthn API takes and returns. Every check happens on the server; this file only carries data both ways.
(function () {
  'use strict';
  var supported = !!(window.PublicKeyCredential && navigator.credentials && navigator.credentials.create && window.fetch);

  function toBuffer(value) {
    var base64 = value.replace(/-/g, '+').replace(/_/g, '/');
    var binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var binary = '';
    new Uint8Array(buffer).forEach(function (byte) { binary += String.fromCharCode(byte); });
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function descriptors(list) {
    return (list || []).map(function (item) { return Object.assign({}, item, { id: toBuffer(item.id) }); });
  }

  async function postJson(url, body) {
    var response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
    var data = await response.json().catch(function () { return {}; });
    if (!response.ok) throw new Error(data.message || 'The server refused the request (HTTP ' + response.status + ').');
    return data;
  }

  // The assertion as JSON (WebAuthn §5.1 toJSON shape): what both sign-in routes verify.
  function assertionJson(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: {},
      response: {
        clientDataJSON: toBase64url(response.clientDataJSON),
        authenticatorData: toBase64url(response.authenticatorData),
        signature: toBase64url(response.signature),
        userHandle: response.userHandle ? toBase64url(response.userHandle) : undefined,
      },
    };
  }

  function explain(error) {
    if (error && error.name === 'NotAllowedError') return 'The passkey request was cancelled or timed out.';
    if (error && error.name === 'InvalidStateError') return 'This authenticator already holds a passkey for your account.';
    return (error && error.message) || 'Something went wrong. Please try again.';
  }

  function run(button, status, work) {
    button.addEventListener('click', async function () {
      button.disabled = true;
      status.className = 'muted';
      status.textContent = 'Waiting for your passkey…';
      try {
        window.location.assign(await work());
      } catch (error) {
        status.className = 'alert';
        status.textContent = explain(error);
        button.disabled = false;
      }
    });
  }

  // Sign-in page: a discoverable credential, then the server continues the sign-in like the password form.
  document.querySelectorAll('[data-passkey-sign-in]').forEach(function (button) {
    var area = button.closest('[data-passkey-area]');
    if (!supported || !area) return;
    area.hidden = false;
    run(button, area.querySelector('[data-passkey-status]'), async function () {
      var csrf = button.dataset.csrfToken;
      var options = await postJson('/login/passkey/options', { csrf_token: csrf });
      var credential = await navigator.credentials.get({
        publicKey: Object.assign({}, options, { challenge: toBuffer(options.challenge), allowCredentials: descriptors(options.allowCredentials) }),
      });
      var result = await postJson('/login/passkey', {
        csrf_token: csrf,
        authorization_request: button.dataset.authorizationRequest,
        return_to: button.dataset.returnTo,
        credential: assertionJson(credential),
      });
      return result.location;
    });
  });

  // Second-factor page: after the password, one of this person's own credentials (the server lists them).
  document.querySelectorAll('[data-passkey-second-factor]').forEach(function (button) {
    var area = button.closest('[data-passkey-area]');
    if (!supported || !area) return;
    area.hidden = false;
    document.querySelectorAll('[data-passkey-unsupported]').forEach(function (note) { note.hidden = true; });
    run(button, area.querySelector('[data-passkey-status]'), async function () {
      var csrf = button.dataset.csrfToken;
      var options = await postJson('/login/two-factor/passkey/options', { csrf_token: csrf });
      var credential = await navigator.credentials.get({
        publicKey: Object.assign({}, options, { challenge: toBuffer(options.challenge), allowCredentials: descriptors(options.allowCredentials) }),
      });
      var result = await postJson('/login/two-factor/passkey', { csrf_token: csrf, credential: assertionJson(credential) });
      return result.location;
    });
  });

  // Passkeys page: register a new credential for the signed-in person.
  document.querySelectorAll('[data-passkey-add]').forEach(function (button) {
    var area = button.closest('[data-passkey-add-area]');
    if (!supported || !area) return;
    area.hidden = false;
    document.querySelectorAll('[data-passkey-unsupported]').forEach(function (note) { note.hidden = true; });
    run(button, area.querySelector('[data-passkey-status]'), async function () {
      var csrf = button.dataset.csrfToken;
      var options = await postJson('/account/passkeys/options', { csrf_token: csrf });
      var credential = await navigator.credentials.create({
        publicKey: Object.assign({}, options, {
          challenge: toBuffer(options.challenge),
          user: Object.assign({}, options.user, { id: toBuffer(options.user.id) }),
          excludeCredentials: descriptors(options.excludeCredentials),
        }),
      });
      var response = credential.response;
      var name = area.querySelector('#passkey-name');
      var result = await postJson('/account/passkeys', {
        csrf_token: csrf,
        name: name ? name.value : '',
        credential: {
          id: credential.id,
          rawId: toBase64url(credential.rawId),
          type: credential.type,
          authenticatorAttachment: credential.authenticatorAttachment || undefined,
          clientExtensionResults: {},
          response: {
            clientDataJSON: toBase64url(response.clientDataJSON),
            attestationObject: toBase64url(response.attestationObject),
            transports: typeof response.getTransports === 'function' ? response.getTransports() : [],
          },
        },
      });
      return result.location;
    });
  });
})();
