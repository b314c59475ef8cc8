'use strict';

const { pool } = require('./load');

/** @typedef {import('./load').Plan} Plan */

const FORM = 'application/x-www-form-urlencoded';

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded. */
function basicAuthorization(clientId, clientSecret) {
  const encode = (value) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

const form = (params) => new URLSearchParams(params).toString();

function json(body) {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * The same request every time (discovery, JWKS, introspection, FHIR reads).
 * @param {{ method?: string, path: string, headers?: Record<string, string>, body?: string, check: Plan['check'] }} options
 * @returns {(count?: number) => Promise<Plan>}
 */
function fixedPlan({ method = 'GET', path, headers = {}, body, check }) {
  return async () => ({ requests: [{ method, path, headers, ...(body === undefined ? {} : { body }) }], check });
}

/**
 * One pre-built form body per request, taken from `makeBodies(count)` (assertions, codes).
 * @param {{ path: string, headers?: Record<string, string>, makeBodies: (count: number) => Promise<string[]>, check: Plan['check'] }} options
 * @returns {(count: number) => Promise<Plan>}
 */
function pooledFormPlan({ path, headers = {}, makeBodies, check }) {
  return async (count) => {
    const bodies = pool(await makeBodies(count));
    const fallback = 'grant_type=pool_exhausted';
    return {
      requests: [
        {
          method: 'POST',
          path,
          headers: { 'content-type': FORM, ...headers },
          setupRequest: (request) => ({ ...request, body: bodies.take() ?? fallback }),
        },
      ],
      check,
      exhausted: bodies.exhausted,
    };
  };
}

const expectStatus =
  (status, /** @type {(body: string) => boolean} */ predicate = () => true) =>
  (actual, body) =>
    actual === status && predicate(body);
const tokenResponse = expectStatus(200, (body) => typeof json(body)?.access_token === 'string');
const introspection = (active) => expectStatus(200, (body) => json(body)?.active === active);

module.exports = { FORM, basicAuthorization, expectStatus, fixedPlan, form, introspection, json, pooledFormPlan, tokenResponse };
