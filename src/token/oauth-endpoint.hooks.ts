import { Injectable } from '@nestjs/common';
import { FastifyInstance } from 'fastify';
import { isFormEncoded } from './form-params';
import { ROUTES } from '../common/http/routes';

const PATHS = new Set<string>([ROUTES.token, ROUTES.introspect, ROUTES.revoke]);
// A token, introspection or revocation request is a few parameters (a client assertion and a 4096-character scope at
// most); a larger declared body is refused before it is read or parsed, so no request can make the server buffer and
// parse megabytes.
const MAX_FORM_BODY_BYTES = 64 * 1024;

// Runs before body parsing, so every response of these endpoints, errors from the parser included, carries the RFC 6749
// §5.1 / SMART App Launch 2.2 §Obtain access token (Cache-Control, Pragma) headers, and a non-form body is
// invalid_request rather than a parser 415.
@Injectable()
export class OAuthEndpointHooks {
  register(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request, reply) => {
      if (request.method !== 'POST') return;
      // The router decodes the path (`/%74oken` reaches `/token`), so the matched route counts too.
      const path = request.url.split('?')[0];
      if (!PATHS.has(path) && !PATHS.has(request.routeOptions?.url ?? '')) return;
      reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
      if (Number(request.headers['content-length'] ?? 0) > MAX_FORM_BODY_BYTES) {
        reply
          .status(413)
          .type('application/json; charset=utf-8')
          .send({ error: 'invalid_request', error_description: 'The request body is too large' });
        return reply;
      }
      if (!isFormEncoded(request.headers['content-type'])) {
        reply.status(400).type('application/json; charset=utf-8').send({
          error: 'invalid_request',
          error_description: 'The request body must be application/x-www-form-urlencoded',
        });
        return reply;
      }
    });
  }
}
