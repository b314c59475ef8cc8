import { NotFoundException } from '@nestjs/common';
import { FastifyInstance } from 'fastify';

/**
 * Issue 11.10: a raw `/static/../x` (or `//`, `.`, a backslash, an undecodable escape) names no static file.
 * @fastify/static refuses such a path with a plain 403 error that the exception filter can only answer as a
 * 500, so it is answered 404 here, before the plugin sees it.
 */
export function registerCanonicalStaticPaths(fastify: FastifyInstance, prefix: string): void {
  fastify.addHook('onRequest', async (request) => {
    if (request.url.startsWith(prefix) && !isCanonicalPath(request.url.slice(prefix.length))) throw new NotFoundException();
  });
}

function isCanonicalPath(rest: string): boolean {
  const path = rest.split('?', 1)[0];
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return false;
  }
  return !decoded.includes('\\') && decoded.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
