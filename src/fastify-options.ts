import { FastifyServerOptions } from 'fastify';

export function fastifyOptions(): FastifyServerOptions {
  return {
    trustProxy: true,
    bodyLimit: 5 * 1024 * 1024,
    routerOptions: { maxParamLength: 500 },
    return503OnClosing: true,
  };
}
