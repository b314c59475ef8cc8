import { Injectable } from '@nestjs/common';
import { FastifyInstance } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { isUnderFhirBase, pathOf, ROUTES } from './routes';

export type OriginSource = (origin: string) => boolean | Promise<boolean>;

// SMART App Launch 2.2 (§Discovery, §Brands: CORS SHALL): discovery, JWKS, /metadata and the brands Bundle are open
// to any origin. The token, introspection, revocation, userinfo, registration and FHIR endpoints answer configured
// origins and (through registered sources) the origins of approved clients. Nothing else (sign-in, consent and
// account pages, the admin API, API docs) is ever readable cross-origin, whatever is added later.
function isOpenPath(path: string): boolean {
  return (
    path.startsWith('/.well-known/') ||
    path.startsWith(`${ROUTES.fhir}/.well-known/`) ||
    path === `${ROUTES.fhir}/metadata` ||
    path === ROUTES.brands
  );
}

const API_PATHS: readonly string[] = [ROUTES.token, ROUTES.introspect, ROUTES.revoke, ROUTES.userinfo, ROUTES.register];

function isApiPath(path: string): boolean {
  return API_PATHS.some((api) => path === api || path.startsWith(`${api}/`)) || isUnderFhirBase(path);
}

@Injectable()
export class CorsPolicy {
  private readonly sources: OriginSource[] = [];

  constructor(private readonly config: AppConfig) {}

  addOriginSource(source: OriginSource): void {
    this.sources.push(source);
  }

  async allowedOrigin(origin: string, url: string): Promise<string | null> {
    const requested = pathOf(url);
    if (isOpenPath(requested)) return '*';
    if (!isApiPath(requested)) return null;
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
