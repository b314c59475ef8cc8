import { FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { FormParams } from './form-params';

/** The client id the caller claimed (unverified), for the audit trail only. */
export function claimedClientId(request: FastifyRequest, body: FormParams): string | null {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const id = decoded.split(':')[0];
    try {
      return decodeURIComponent(id).slice(0, 200);
    } catch {
      return id.slice(0, 200);
    }
  }
  if (body.client_assertion) {
    try {
      const iss = decodeJwt(body.client_assertion).iss;
      if (typeof iss === 'string') return iss.slice(0, 200);
    } catch {
      // Not a JWT: fall through to client_id.
    }
  }
  return body.client_id?.slice(0, 200) ?? null;
}
