import { Injectable } from '@nestjs/common';
import { FastifyInstance } from 'fastify';
import { isFormEncoded } from './form-params';

const PATHS = new Set(['/token', '/introspect', '/revoke']);

// Runs before body parsing, so every response of these endpoints, errors from the parser included, carries
// the RFC 6749 §5.1 / SMART F5 headers, and a non-form body is invalid_request rather than a parser 415.
@Injectable()
export class OAuthEndpointHooks {
  register(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request, reply) => {
      if (request.method !== 'POST') return;
      const path = request.url.split('?')[0];
      if (!PATHS.has(path)) return;
      reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
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
