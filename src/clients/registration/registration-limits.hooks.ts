import { Injectable } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Transform } from 'node:stream';
import { BoundedCache } from '../../common/cache/bounded-cache';
import { OAuthError } from '../../common/oauth/errors';
import { Clock } from '../../common/time/clock';
import { AppConfig } from '../../config/app-config';
import { addressKey } from './address-key';
import { ROUTES, pathOf } from '../../common/http/routes';

/** Largest RFC 7591 request accepted at /register (metadata with a few keys fits easily). */
export const REGISTRATION_BODY_LIMIT = 64 * 1024;
// Addresses tracked at once; the least recently seen is forgotten first, so memory stays bounded under a spray.
const MAX_TRACKED_ADDRESSES = 10_000;

interface Window {
  count: number;
  resetAt: number;
}

function isRegistration(request: FastifyRequest): boolean {
  return request.method === 'POST' && pathOf(request.url) === ROUTES.register;
}

// RFC 7592 PUT carries the same metadata, so it gets the same body limit (it is authenticated, so no rate limit).
function isRegistrationBody(request: FastifyRequest): boolean {
  return isRegistration(request) || (request.method === 'PUT' && request.url.startsWith(`${ROUTES.register}/`));
}

// Reaches the exception filter as RFC 6749 JSON whichever way the body was cut off.
function tooLarge(): OAuthError {
  return new OAuthError('invalid_request', `The registration request is larger than ${REGISTRATION_BODY_LIMIT} bytes`, 413);
}

// Anonymous registration is bounded before the body is read: a per-address rate limit (429 with Retry-After)
// and a small body limit, so nobody can register thousands of clients or upload megabytes of keys.
@Injectable()
export class RegistrationLimitsHooks {
  // An address's window is forgotten when it ends (a new one starts at the next attempt anyway).
  private readonly windows: BoundedCache<string, Window>;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.windows = new BoundedCache<string, Window>({
      max: MAX_TRACKED_ADDRESSES,
      ttlMs: Math.max(1, config.registrationRateWindow * 1000),
    });
  }

  /** Counts one attempt; returns 0 when allowed, else the seconds until the address may try again. */
  take(address: string, now = this.clock.now()): number {
    const window = this.windows.get(address);
    if (!window || window.resetAt <= now) {
      this.windows.set(address, { count: 1, resetAt: now + this.config.registrationRateWindow * 1000 });
      return 0;
    }
    if (window.count >= this.config.registrationRateLimit) return Math.max(1, Math.ceil((window.resetAt - now) / 1000));
    window.count += 1;
    return 0;
  }

  register(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!isRegistrationBody(request)) return;
      const retryAfter = isRegistration(request) ? this.take(addressKey(request.ip)) : 0;
      if (retryAfter > 0) {
        return this.refuse(reply, 429, 'too_many_requests', `Too many registrations from this address; retry in ${retryAfter} seconds`, {
          'Retry-After': String(retryAfter),
        });
      }
      if (Number(request.headers['content-length'] ?? 0) > REGISTRATION_BODY_LIMIT) {
        const error = tooLarge();
        return this.refuse(reply, error.status, error.error, error.description as string);
      }
    });
    // A body without Content-Length (chunked) is cut off as soon as it passes the limit.
    fastify.addHook('preParsing', async (request, _reply, payload) => {
      if (!isRegistrationBody(request)) return payload;
      let received = 0;
      const limited = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          callback(received > REGISTRATION_BODY_LIMIT ? tooLarge() : null, chunk);
        },
      });
      payload.on('error', (error) => limited.destroy(error));
      return payload.pipe(limited);
    });
  }

  private refuse(
    reply: FastifyReply,
    status: number,
    error: string,
    description: string,
    headers: Record<string, string> = {},
  ): FastifyReply {
    return reply
      .status(status)
      .headers({ ...headers, 'Cache-Control': 'no-store' })
      .type('application/json; charset=utf-8')
      .send({ error, error_description: description });
  }
}
