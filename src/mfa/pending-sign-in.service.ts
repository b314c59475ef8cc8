import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource, Repository } from 'typeorm';
import { BrowserSessionService } from '../authorize/browser-session.service';
import { constantTimeEquals, hashToken, randomToken } from '../common/crypto/random-token';
import { Clock } from '../common/time/clock';
import { PendingSignInEntity } from './pending-sign-in.entity';

export const PENDING_COOKIE = 'smart_auth_pending';
/** Every page of the second step lives under this path, the only one the pending cookie is sent to. */
export const SECOND_FACTOR_PATH = '/login/two-factor';
/** Long enough to find the phone and type a code; short enough that a forgotten tab is not a standing offer. */
export const PENDING_TTL_SECONDS = 5 * 60;
/** Wrong codes one pending sign-in takes before it ends and the password is asked again. */
export const PENDING_MAX_FAILURES = 5;

export interface FirstFactor {
  /** The sign-in session's method once complete (`password`, …). */
  method: string;
  /** RFC 8176 methods proved so far, e.g. ['pwd']. */
  amr: string[];
}

export interface Continuation {
  authorizationRequest?: string | null;
  returnTo?: string | null;
}

export interface FoundPendingSignIn {
  pending: PendingSignInEntity;
  /** CSRF token of the second-step forms, derived from the cookie value (never stored). */
  csrfToken: string;
}

/**
 * The short-lived state between a proved first factor and the second (or a required enrolment). No sign-in
 * session exists meanwhile: /authorize and every other page still see nobody signed in. The cookie's random
 * value is stored only as a hash, and the row is bound to the browser's `smart_auth_browser` cookie, so the
 * pending cookie alone, replayed from another browser, is worthless.
 */
@Injectable()
export class PendingSignInService {
  private readonly pendings: Repository<PendingSignInEntity>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sessions: BrowserSessionService,
    private readonly clock: Clock,
  ) {
    this.pendings = dataSource.getRepository(PendingSignInEntity);
  }

  async begin(request: FastifyRequest, reply: FastifyReply, userId: string, first: FirstFactor, continuation: Continuation): Promise<void> {
    const token = randomToken();
    await this.dataSource.query(`DELETE FROM mfa_pending_sign_ins WHERE expires_at < $1`, [new Date(this.clock.now() - 3600_000)]);
    await this.pendings.insert({
      tokenHash: hashToken(token),
      browserHash: this.sessions.browserBinding(request, reply),
      userId,
      method: first.method,
      amr: first.amr,
      authorizationRequest: continuation.authorizationRequest ?? null,
      returnTo: continuation.returnTo ?? null,
      expiresAt: new Date(this.clock.now() + PENDING_TTL_SECONDS * 1000),
    });
    reply.setCookie(PENDING_COOKIE, token, { ...this.sessions.cookieOptions(PENDING_TTL_SECONDS), path: SECOND_FACTOR_PATH });
  }

  /** The live pending sign-in of this browser, or null (none, expired, ended, or presented by another browser). */
  async find(request: FastifyRequest, reply: FastifyReply): Promise<FoundPendingSignIn | null> {
    const token = this.sessions.readCookie(request, PENDING_COOKIE);
    if (!token) return null;
    const pending = await this.pendings.findOneBy({ tokenHash: hashToken(token) });
    if (!pending || pending.expiresAt.getTime() <= this.clock.now()) return null;
    if (!constantTimeEquals(pending.browserHash, this.sessions.browserBinding(request, reply))) return null;
    return { pending, csrfToken: hashToken(`pending-csrf:${token}`) };
  }

  csrfValid(found: FoundPendingSignIn, provided: unknown): boolean {
    return typeof provided === 'string' && constantTimeEquals(found.csrfToken, provided);
  }

  /** Counts a wrong code; returns the failures so far (the caller ends the sign-in at the limit). */
  async recordFailure(id: string): Promise<number> {
    const [rows]: [Array<{ failures: number }>, number] = await this.dataSource.query(
      `UPDATE mfa_pending_sign_ins SET failures = failures + 1 WHERE id = $1 RETURNING failures`,
      [id],
    );
    return rows[0]?.failures ?? PENDING_MAX_FAILURES;
  }

  /**
   * Ends the pending sign-in, exactly once (one atomic DELETE): of two submissions racing, only one gets true
   * and completes the sign-in.
   */
  async take(id: string): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM mfa_pending_sign_ins WHERE id = $1 AND expires_at > $2 RETURNING id`,
      [id, new Date(this.clock.now())],
    );
    return rows.length === 1;
  }

  async end(reply: FastifyReply, id: string): Promise<void> {
    await this.pendings.delete({ id });
    this.clearCookie(reply);
  }

  clearCookie(reply: FastifyReply): void {
    reply.clearCookie(PENDING_COOKIE, { path: SECOND_FACTOR_PATH });
  }

  /** Ends every pending sign-in of a person (an operator reset their factors). */
  async endAllFor(userId: string): Promise<void> {
    await this.pendings.delete({ userId });
  }
}
