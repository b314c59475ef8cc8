import { FastifyInstance, FastifyRequest } from 'fastify';
import { Transform } from 'node:stream';
import { OAuthError } from '../common/oauth/errors';

/** A WebAuthn response with attestation 'none' is a few KiB; nothing these routes take comes near this. */
export const PASSKEY_BODY_LIMIT = 64 * 1024;
const PATHS = new Set([
  '/login/passkey/options',
  '/login/passkey',
  '/account/passkeys/options',
  '/account/passkeys',
  '/account/passkeys/rename',
  '/account/passkeys/remove',
  '/login/two-factor/passkey/options',
  '/login/two-factor/passkey',
]);

function isPasskeyPost(request: FastifyRequest): boolean {
  return request.method === 'POST' && (PATHS.has(request.url.split('?')[0]) || PATHS.has(request.routeOptions?.url ?? ''));
}

function tooLarge(): OAuthError {
  return new OAuthError('invalid_request', `The request body is larger than ${PASSKEY_BODY_LIMIT} bytes`, 413);
}

/** Bounds the passkey routes' bodies before they are read: by Content-Length, and while streaming when chunked. */
export function registerPasskeyBodyLimit(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request) => {
    if (isPasskeyPost(request) && Number(request.headers['content-length'] ?? 0) > PASSKEY_BODY_LIMIT) throw tooLarge();
  });
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    if (!isPasskeyPost(request)) return payload;
    let received = 0;
    const limited = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        callback(received > PASSKEY_BODY_LIMIT ? tooLarge() : null, chunk);
      },
    });
    payload.on('error', (error) => limited.destroy(error));
    return payload.pipe(limited);
  });
}
