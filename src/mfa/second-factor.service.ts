import { Injectable } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service';
import { AuthorizingUser } from '../authorize/authorizing-user';
import { BrowserSessionService, SignedInUser } from '../authorize/browser-session.service';
import { seeOther } from '../common/html/html-reply';
import { LoginMethod } from '../authorize/login-session.entity';
import { continueAfterSignIn } from '../authorize/sign-in-continuation';
import { UserEntity } from '../clients/user.entity';
import { UsersService } from '../clients/users.service';
import { AppConfig } from '../config/app-config';
import { withSecondFactor } from './acr';
import { Continuation, FirstFactor, FoundPendingSignIn, PendingSignInService, SECOND_FACTOR_PATH } from './pending-sign-in.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { SecondFactorRegistry } from './second-factor.registry';
import { TotpService } from './totp.service';

export type FactorName = 'totp' | 'recovery_code' | 'passkey';

/**
 * The second step of a sign-in: who needs it (an enrolled factor, or MFA_REQUIRED_ROLES), starting it after the
 * first factor or as a step-up for a signed-in person, and finishing it into a sign-in session.
 */
@Injectable()
export class SecondFactorService {
  constructor(
    private readonly registry: SecondFactorRegistry,
    private readonly pendings: PendingSignInService,
    private readonly sessions: BrowserSessionService,
    private readonly users: UsersService,
    private readonly totp: TotpService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  enrolledKinds(userId: string): Promise<string[]> {
    return this.registry.enrolledKinds(userId);
  }

  /** MFA_REQUIRED_ROLES: people in these roles enrol at their next sign-in before they may continue. */
  mustEnrol(user: UserEntity): boolean {
    return this.config.mfaRequiredRoles.includes(user.role);
  }

  /**
   * After a proved first factor: true when a second step is needed, in which case the pending sign-in has been
   * started and the browser sent to it (no session yet); false when the caller signs the person in as before.
   */
  async interceptSignIn(
    request: FastifyRequest,
    reply: FastifyReply,
    user: UserEntity,
    first: FirstFactor,
    continuation: Continuation,
  ): Promise<boolean> {
    const kinds = await this.enrolledKinds(user.id);
    if (kinds.length === 0 && !this.mustEnrol(user)) return false;
    await this.pendings.begin(request, reply, user.id, first, continuation);
    seeOther(reply, SECOND_FACTOR_PATH);
    return true;
  }

  /** OIDC Core §3.1.2.1 acr_values: a signed-in person without a second factor in this sign-in does it now. */
  async beginStepUp(request: FastifyRequest, reply: FastifyReply, who: AuthorizingUser, authorizationRequest: string): Promise<void> {
    await this.pendings.begin(request, reply, who.user.id, { method: who.method, amr: who.amr }, { authorizationRequest });
    seeOther(reply, SECOND_FACTOR_PATH);
  }

  /**
   * Turns the pending sign-in into a sign-in session whose amr adds the second factor's methods and `mfa`.
   * Null when it was already taken (a racing submission) or the account was disabled meanwhile.
   */
  async complete(
    request: FastifyRequest,
    reply: FastifyReply,
    found: FoundPendingSignIn,
    secondFactorAmr: string[],
    detail: Record<string, unknown>,
  ): Promise<SignedInUser | null> {
    const { pending } = found;
    if (!(await this.pendings.take(pending.id))) return null;
    this.pendings.clearCookie(reply);
    const user = await this.users.findById(pending.userId);
    if (!user?.enabled) return null;
    const amr = withSecondFactor(pending.amr, secondFactorAmr);
    const signedIn = await this.sessions.signIn(reply, user, pending.method as LoginMethod, amr);
    await this.audit.record({ event: 'mfa_verified', outcome: 'success', userId: user.id, ip: request.ip, detail: { ...detail, amr } });
    return signedIn;
  }

  /** Continues exactly as the password sign-in does: the authorization request, else the local return path. */
  continueTo(reply: FastifyReply, continuation: Continuation): void {
    continueAfterSignIn(reply, continuation.authorizationRequest, continuation.returnTo);
  }

  async recordFailure(request: FastifyRequest, userId: string, factor: FactorName | 'enrolment', context: string): Promise<void> {
    await this.audit.record({ event: 'mfa_failed', outcome: 'failure', userId, ip: request.ip, detail: { factor, context } });
  }

  /** An operator's reset: every factor, recovery code and pending sign-in of the person goes; audited. */
  async reset(
    userId: string,
    by: 'admin-api' | 'cli',
    ip: string | null = null,
  ): Promise<{ totp: boolean; recoveryCodes: number; passkeys: number }> {
    const totp = await this.totp.remove(userId);
    const recoveryCodes = await this.recoveryCodes.removeAll(userId);
    const passkeys = (await this.registry.removeAll(userId)).passkey ?? 0;
    await this.pendings.endAllFor(userId);
    await this.audit.record({
      event: 'mfa_reset',
      outcome: 'success',
      userId,
      ip,
      detail: { by, totp, recovery_codes: recoveryCodes, passkeys },
    });
    return { totp, recoveryCodes, passkeys };
  }
}
