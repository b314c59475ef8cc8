import { FastifyInstance, FastifyRequest } from 'fastify';
import { OAuthError } from '../oauth/errors';

/** JSON bodies nested deeper than this are refused before they are parsed (no caller needs more than a few). */
export const MAX_JSON_DEPTH = 64;

/**
 * Route config (`@RouteConfig({ jsonBodyError: 'invalid_client_metadata' })`) naming the OAuth error code a route
 * answers a refused JSON body with; other routes answer `invalid_request` (an OperationOutcome under /fhir).
 */
export interface JsonBodyRouteConfig {
  jsonBodyError?: string;
}

type Done = (error: Error | null, body?: unknown) => void;
type Parser = (request: FastifyRequest, body: string, done: Done) => void;

// RFC 9110 §9.3.1/§9.3.5: GET and DELETE bodies have no defined meaning; a client library that always sends
// `Content-Type: application/json` with no body is not sending malformed JSON.
const BODILESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);
const NUL_OR_LONE_SURROGATE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Registers the depth-checked JSON parser for `contentType`, replacing any parser already there (Nest's own
 * `application/json` one included). Without it, deeply nested JSON overflowed the stack downstream
 * (500, and a stalled event loop), and NUL or unpaired surrogates broke PostgreSQL writes (500) or were stored
 * altered; both are 400 now, with the endpoint's error format.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, contentType: string, maxDepth = MAX_JSON_DEPTH): void {
  if (fastify.hasContentTypeParser(contentType)) fastify.removeContentTypeParser(contentType);
  fastify.addContentTypeParser(contentType, { parseAs: 'string' }, jsonBodyParser(fastify, maxDepth));
}

export function jsonBodyParser(fastify: FastifyInstance, maxDepth = MAX_JSON_DEPTH): Parser {
  // secure-json-parse, refusing __proto__ and constructor.prototype keys: Fastify's (and Nest's) default.
  const parse = fastify.getDefaultJsonParser('error', 'error') as unknown as Parser;
  return (request, body, done) => {
    if (BODILESS_METHODS.has(request.method) && body.trim() === '') return done(null, undefined);
    if (nestedDeeperThan(body, maxDepth)) return done(bodyError(request, `The JSON body is nested deeper than ${maxDepth} levels`));
    parse(request, body, (error, value) => {
      if (error) return done(routeErrorCode(request) ? bodyError(request, 'The request body is not valid JSON') : error);
      if (holdsUnsafeText(value)) return done(bodyError(request, 'JSON strings must not contain NUL characters or unpaired surrogates'));
      done(null, value);
    });
  };
}

/** One linear pass over the text, counting `{`/`[` outside strings: no recursion, so no stack to overflow. */
export function nestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c)
        i++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x7b || char === 0x5b) {
      if (++depth > limit) return true;
    } else if (char === 0x7d || char === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** True when any string or key in the parsed value holds NUL or an unpaired surrogate (depth already bounded). */
export function holdsUnsafeText(value: unknown): boolean {
  if (typeof value === 'string') return NUL_OR_LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(holdsUnsafeText);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([key, item]) => NUL_OR_LONE_SURROGATE.test(key) || holdsUnsafeText(item));
  }
  return false;
}

function routeErrorCode(request: FastifyRequest): string | undefined {
  return (request.routeOptions?.config as JsonBodyRouteConfig | undefined)?.jsonBodyError;
}

function bodyError(request: FastifyRequest, description: string): OAuthError {
  return new OAuthError(routeErrorCode(request) ?? 'invalid_request', description, 400);
}
