import { FastifyInstance } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { assertAdminToken } from './admin-token.guard';

const ADMIN_PATH = /^\/admin(\/|\?|$)/;

/**
 * An unauthenticated /admin request is refused before its body is read or parsed (a guard runs
 * only after parsing, so anyone could make the server read and parse 5 MB). The guard stays as the
 * per-route declaration and checks again.
 */
export function registerAdminTokenHook(fastify: FastifyInstance, config: AppConfig): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (reply.sent || request.method === 'OPTIONS') return;
    // The router decodes the path (`/%61dmin/clients` reaches `/admin/clients`), so the matched route counts too.
    if (!ADMIN_PATH.test(request.url) && !ADMIN_PATH.test(request.routeOptions?.url ?? '')) return;
    assertAdminToken(config, request.headers.authorization);
  });
}
