import { FastifyInstance } from 'fastify';
import { PUBLIC_FHIR_ROUTE_KEY } from './fhir-access.decorator';
import { FhirScopeGuard } from './fhir-scope.guard';

/**
 * So that anonymous callers cannot make the server read and parse large bodies, a request under the FHIR base without a
 * valid bearer token is refused (401 OperationOutcome with WWW-Authenticate) before its body is read or parsed; the
 * guard runs only after parsing. The token is verified by the guard's own verification, so there is one way to verify a
 * token; the guard then checks the scope.
 */
export function registerBearerBeforeBody(fastify: FastifyInstance, guard: FhirScopeGuard): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (reply.sent || request.method === 'OPTIONS') return;
    if ((request.routeOptions?.config as unknown as Record<string, unknown> | undefined)?.[PUBLIC_FHIR_ROUTE_KEY] === true) return;
    // The path the router matched (it decodes `/%66hir/...` to `/fhir/...`), or the raw one when none matched.
    await guard.verifyBeforeBody(request, reply, request.routeOptions?.url ?? request.url);
  });
}
