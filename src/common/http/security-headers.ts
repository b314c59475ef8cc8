import helmet, { HelmetOptions } from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { FastifyInstance } from 'fastify';
import { AppConfig } from '../../config/app-config';

export function helmetOptions(config: AppConfig): HelmetOptions {
  const https = config.publicUrl.startsWith('https://');
  return {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'self'", ...config.frameAncestors],
        // A consent form ends in a redirect to the app; form-action 'self' would block it in browsers.
        formAction: null,
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    // frame-ancestors governs framing; X-Frame-Options cannot express an allow-list.
    frameguard: config.frameAncestors.length ? false : { action: 'sameorigin' },
    strictTransportSecurity: https,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  };
}

/** Helmet's headers depend only on configuration: compute them once at boot instead of on every request. */
export function staticSecurityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name];
    },
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}

export function registerSecurityHeaders(fastify: FastifyInstance, config: AppConfig): void {
  const headers = staticSecurityHeaders(helmetOptions(config));
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
