import { FastifyServerOptions } from 'fastify';
import { fastifyTrustProxy } from './config/trust-proxy';

export function fastifyOptions(): FastifyServerOptions {
  return {
    // Forwarding headers only from the proxies in TRUST_PROXY (none by default).
    trustProxy: fastifyTrustProxy(),
    bodyLimit: 5 * 1024 * 1024,
    routerOptions: { maxParamLength: 500 },
    return503OnClosing: true,
  };
}
