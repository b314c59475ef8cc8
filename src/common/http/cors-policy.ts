import { Injectable } from '@nestjs/common';
import { FastifyInstance } from 'fastify';
import { AppConfig } from '../../config/app-config';

export type OriginSource = (origin: string) => boolean | Promise<boolean>;

// SMART App Launch 2.2 §Considerations for Cross-Origin Resource Sharing (CORS) Support: discovery, JWKS, /metadata and
// the brands Bundle (User-access Brands: CORS SHALL) are open to any origin; the token, introspection, revocation and
// FHIR endpoints to configured origins and (through registered sources) the origins of approved clients.
const OPEN_PATHS = [/^\/\.well-known\//, /^\/fhir\/\.well-known\//, /^\/fhir\/metadata(\?|$)/, /^\/brands\.json(\?|$)/];
const NO_CORS_PATHS = [/^\/(authorize|login|consent|logout|launch|ehr|apps|admin|docs)(\/|\?|$)/];

@Injectable()
export class CorsPolicy {
  private readonly sources: OriginSource[] = [];

  constructor(private readonly config: AppConfig) {}

  addOriginSource(source: OriginSource): void {
    this.sources.push(source);
  }

  async allowedOrigin(origin: string, path: string): Promise<string | null> {
    if (OPEN_PATHS.some((pattern) => pattern.test(path))) return '*';
    if (NO_CORS_PATHS.some((pattern) => pattern.test(path))) return null;
    const configured = this.config.corsAllowedOrigins;
    if (configured.includes('*')) return '*';
    if (configured.includes(origin)) return origin;
    for (const source of this.sources) {
      if (await source(origin)) return origin;
    }
    return null;
  }

  register(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request, reply) => {
      const origin = request.headers.origin;
      if (!origin) return;
      const allowed = await this.allowedOrigin(origin, request.url);
      if (!allowed) return;
      reply.header('Access-Control-Allow-Origin', allowed);
      if (allowed !== '*') reply.header('Vary', 'Origin');
      reply.header('Access-Control-Expose-Headers', 'WWW-Authenticate, Location, ETag, Content-Location');
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
        reply
          .header('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS')
          .header('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept, Prefer, If-Match, If-None-Match, DPoP')
          .header('Access-Control-Max-Age', '600')
          .status(204)
          .send();
      }
    });
  }
}
