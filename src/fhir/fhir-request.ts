import { FastifyReply, FastifyRequest } from 'fastify';
import { FhirResponse } from './fhir-response';

/** The query string as URLSearchParams, repeated parameters kept (FHIR AND semantics). */
export function queryOf(request: FastifyRequest): URLSearchParams {
  const index = request.url.indexOf('?');
  return new URLSearchParams(index < 0 ? '' : request.url.slice(index + 1));
}

/** POST [type]/_search: parameters from the query string and the form body together (FHIR R4 search.html#Introduction). */
export function searchParametersOf(request: FastifyRequest): URLSearchParams {
  const query = queryOf(request);
  const body = request.body;
  if (typeof body === 'string') for (const [name, value] of new URLSearchParams(body)) query.append(name, value);
  else if (typeof body === 'object' && body !== null) {
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
      for (const item of Array.isArray(value) ? value : [value]) if (typeof item === 'string') query.append(name, item);
    }
  }
  return query;
}

// FHIR R4 search.html#errors: `Prefer: handling=strict` turns unknown parameters into errors.
export function isStrict(request: FastifyRequest): boolean {
  return /handling\s*=\s*strict/i.test(String(request.headers.prefer ?? ''));
}

export function sendFhir(reply: FastifyReply, response: FhirResponse): void {
  reply.status(response.status).headers(response.headers ?? {});
  if (response.body === undefined) {
    reply.send();
    return;
  }
  reply.header('Content-Type', 'application/fhir+json; charset=utf-8').send(response.body);
}
