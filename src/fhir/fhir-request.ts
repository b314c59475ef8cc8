import { FastifyReply, FastifyRequest } from 'fastify';
import { OperationOutcomeError } from '../fhir-auth';
import { FhirResponse } from './fhir-response';

/** The query string as URLSearchParams, repeated parameters kept (FHIR AND semantics). */
export function queryOf(request: FastifyRequest): URLSearchParams {
  const index = request.url.indexOf('?');
  return strictQuery(index < 0 ? '' : request.url.slice(index + 1));
}

// URLSearchParams keeps a malformed escape as text and decodes %00 to NUL, which PostgreSQL refuses in a text
// parameter (a 500). Search parameters are decoded strictly instead: a bad escape or a NUL is 400.
function strictQuery(raw: string): URLSearchParams {
  const query = new URLSearchParams();
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    query.append(strictDecode(equals < 0 ? pair : pair.slice(0, equals)), strictDecode(equals < 0 ? '' : pair.slice(equals + 1)));
  }
  return query;
}

function strictDecode(text: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw OperationOutcomeError.invalid('The query has an invalid percent-escape (RFC 3986 §2.1, UTF-8)');
  }
  return withoutNul(decoded);
}

function withoutNul(text: string): string {
  if (text.includes('\u0000')) throw OperationOutcomeError.invalid('Search parameters may not contain NUL');
  return text;
}

/** POST [type]/_search: parameters from the query string and the form body together (FHIR R4 search.html#Introduction). */
export function searchParametersOf(request: FastifyRequest): URLSearchParams {
  const query = queryOf(request);
  const body = request.body;
  if (typeof body === 'string') for (const [name, value] of strictQuery(body)) query.append(name, value);
  else if (typeof body === 'object' && body !== null) {
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
      for (const item of Array.isArray(value) ? value : [value])
        if (typeof item === 'string') query.append(withoutNul(name), withoutNul(item));
    }
  }
  return query;
}

// FHIR R4 search.html#errors: `Prefer: handling=strict` turns unknown parameters into errors.
export function isStrict(request: FastifyRequest): boolean {
  return /handling\s*=\s*strict/i.test(String(request.headers.prefer ?? ''));
}

// Patient data must not stay in shared or browser caches (RFC 9111 §5.2.2.5).
export function sendFhir(reply: FastifyReply, response: FhirResponse): void {
  reply
    .status(response.status)
    .headers(response.headers ?? {})
    .header('Cache-Control', 'no-store');
  if (response.body === undefined) {
    reply.send();
    return;
  }
  reply.header('Content-Type', 'application/fhir+json; charset=utf-8').send(response.body);
}
