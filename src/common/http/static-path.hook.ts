import { NotFoundException } from '@nestjs/common';
import { FastifyInstance } from 'fastify';

/**
 * A raw `/static/../x` (or `//`, `.`, a backslash, an undecodable escape) names no static file.
 * @fastify/static refuses such a path with a plain 403 error that the exception filter can only answer as a
 * 500, so it is answered 404 here, before the plugin sees it.
 */
export function registerCanonicalStaticPaths(fastify: FastifyInstance, prefix: string): void {
  fastify.addHook('onRequest', async (request) => {
    // The router decodes the path, so `/%73tatic/..` reaches the static route too.
    if (!request.url.startsWith(prefix) && !request.routeOptions?.url?.startsWith(prefix)) return;
    const path = request.url.split('?', 1)[0];
    if (!isCanonicalPath(path.slice(path.indexOf('/', 1) + 1))) throw new NotFoundException();
  });
}

function isCanonicalPath(rest: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return false;
  }
  return !decoded.includes('\\') && decoded.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
