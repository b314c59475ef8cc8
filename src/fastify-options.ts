import { FastifyServerOptions } from 'fastify';

export function fastifyOptions(): FastifyServerOptions {
  return {
    trustProxy: true,
    bodyLimit: 5 * 1024 * 1024,
    // Query strings with very many parameters are refused by the parser rather than processed.
    maxParamLength: 500,
    return503OnClosing: true,
  };
}
