import { CanActivate, ExecutionContext, Injectable, NotFoundException } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { constantTimeEquals, hashToken } from '../crypto/random-token';
import { InvalidTokenError } from '../oauth/errors';
import { AppConfig } from '../../config/app-config';
import { bearerToken } from '../oauth/bearer-token';

/** Guards /admin: `Authorization: Bearer ${ADMIN_TOKEN}`; every admin route is 404 while ADMIN_TOKEN is unset. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    assertAdminToken(this.config, context.switchToHttp().getRequest<FastifyRequest>().headers.authorization);
    return true;
  }
}

/** The one admin-token check, shared by the guard and the onRequest hook that runs it before the body is read. */
export function assertAdminToken(config: AppConfig, authorization: string | undefined): void {
  if (!config.adminToken) throw new NotFoundException();
  const token = bearerToken(authorization);
  // Hashing first gives both sides the same length, so the comparison time reveals nothing.
  if (!token || !constantTimeEquals(hashToken(token), hashToken(config.adminToken))) {
    throw new InvalidTokenError('A valid admin token is required', 'smart-auth-admin');
  }
}
