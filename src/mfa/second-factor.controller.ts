import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuthorizePages, isSerializedRequest } from '../authorize/authorize-pages';
import { BrowserSessionService } from '../authorize/browser-session.service';
import { seeOther } from '../common/html/html-reply';
import { field } from '../common/html/form-fields';
import { LoginThrottleService } from '../authorize/login-throttle.service';
import { safeReturnTo } from '../authorize/sign-in-continuation';
import { UsersService } from '../clients/users.service';
import { PageError } from '../common/html/page.error';
import { AuditService } from '../audit/audit.service';
import { MfaPages } from './mfa-pages';
import { FoundPendingSignIn, PENDING_MAX_FAILURES, PendingSignInService } from './pending-sign-in.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { FactorName, SecondFactorService } from './second-factor.service';
import { otpCode } from './otp-code';
import { TotpService } from './totp.service';

// One message for every wrong, replayed or throttled code, as on the sign-in page (nothing tells them apart).
export const WRONG_CODE = 'The code is not correct, was already used, or there were too many attempts. Try again.';
const EXPIRED = 'Your sign-in expired or was ended. Please sign in again.';
const TOO_MANY = 'Too many wrong codes. Please sign in again.';
const BUSY = 'The server is busy checking other sign-ins. Please try again in a few seconds.';

/**
 * The second step of a sign-in (after a correct password): a code from the authenticator app (`otp`) or a
 * recovery code (`recovery_code`), or, for a person who must have a factor and has none, the enrolment.
 * Codes are throttled like passwords (per account and address, slowed per account) and a pending sign-in
 * ends after PENDING_MAX_FAILURES wrong codes.
 */
@ApiExcludeController()
@Controller('login/two-factor')
export class SecondFactorController {
  constructor(
    private readonly pendings: PendingSignInService,
    private readonly secondFactor: SecondFactorService,
    private readonly totp: TotpService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly throttle: LoginThrottleService,
    private readonly sessions: BrowserSessionService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly authorizePages: AuthorizePages,
    private readonly pages: MfaPages,
  ) {}

  @Get()
  async page(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const found = await this.pendings.find(request, reply);
    if (!found) return this.restart(request, reply, EXPIRED, {});
    await this.show(request, reply, found);
  }

  @Post()
  async verify(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = formOf(body);
    const found = await this.pendings.find(request, reply);
    if (!found) return this.restart(request, reply, EXPIRED, { authorizationRequest: field(form.authorization_request) });
    if (!this.pendings.csrfValid(found, form.csrf_token)) throw formExpired();
    const { pending } = found;
    const otp = field(form.otp) ?? '';
    const factor: FactorName = otp.trim() ? 'totp' : 'recovery_code';
    const throttleKey = `mfa:${pending.userId}`;
    const decision = await this.throttle.decide(throttleKey, request.ip);
    let verified = false;
    if (decision.kind === 'allow') {
      if (!(await this.throttle.wait(decision.delayMs))) {
        reply.header('Retry-After', '5');
        return this.show(request, reply, found, BUSY, 503);
      }
      verified =
        factor === 'totp'
          ? await this.totp.verify(pending.userId, otpCode(otp))
          : await this.recoveryCodes.redeem(pending.userId, field(form.recovery_code) ?? '');
      if (!verified) await this.throttle.recordFailure(throttleKey, request.ip);
    }
    if (!verified) return this.failed(request, reply, found, factor);
    await this.throttle.clearAccount(throttleKey, request.ip);
    // RFC 8176 has no method for a look-up secret; `otp` stays reserved for authenticator-app codes (RFC 6238),
    // so a recovery-code sign-in is `pwd` + `mfa` (two factors) and the audit trail says which was used.
    const signedIn = await this.secondFactor.complete(request, reply, found, factor === 'totp' ? ['otp'] : [], { factor });
    if (!signedIn) return this.restart(request, reply, EXPIRED, pending);
    this.secondFactor.continueTo(reply, pending);
  }

  /** Enrolment required before continuing (MFA_REQUIRED_ROLES, or multi-factor asked for by acr_values). */
  @Post('enrol')
  async enrol(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = formOf(body);
    const found = await this.pendings.find(request, reply);
    if (!found) return this.restart(request, reply, EXPIRED, { authorizationRequest: field(form.authorization_request) });
    if (!this.pendings.csrfValid(found, form.csrf_token)) throw formExpired();
    const { pending } = found;
    // Someone with a factor proves it; a password alone never adds another one.
    if ((await this.secondFactor.enrolledKinds(pending.userId)).length > 0) return this.show(request, reply, found);
    if (!(await this.totp.confirmEnrolment(pending.userId, otpCode(field(form.otp) ?? '')))) {
      await this.secondFactor.recordFailure(request, pending.userId, 'enrolment', 'sign-in');
      if ((await this.pendings.recordFailure(pending.id)) >= PENDING_MAX_FAILURES) return this.tooMany(request, reply, found);
      return this.showEnrolment(request, reply, found, WRONG_CODE, 400);
    }
    const codes = await this.recoveryCodes.regenerate(pending.userId);
    await this.audit.record({
      event: 'mfa_enrolled',
      outcome: 'success',
      userId: pending.userId,
      ip: request.ip,
      detail: { factor: 'totp', context: 'sign-in' },
    });
    const signedIn = await this.secondFactor.complete(request, reply, found, ['otp'], { factor: 'totp', enrolment: true });
    if (!signedIn) return this.restart(request, reply, EXPIRED, pending);
    this.pages.recoveryCodes(reply, codes, {
      continueForm: { csrfToken: signedIn.csrfToken, authorizationRequest: pending.authorizationRequest, returnTo: pending.returnTo },
    });
  }

  /** After the recovery codes were shown: on to where the sign-in was going. */
  @Post('continue')
  async continue(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = formOf(body);
    const signedIn = await this.sessions.current(request);
    if (!signedIn || !this.sessions.sessionCsrfValid(signedIn, form.csrf_token)) return seeOther(reply, '/');
    const authorizationRequest = field(form.authorization_request);
    if (authorizationRequest !== undefined && !isSerializedRequest(authorizationRequest))
      throw new PageError(400, 'Invalid request', 'The sign-in request was malformed. Please start again from the app.');
    this.secondFactor.continueTo(reply, { authorizationRequest, returnTo: safeReturnTo(form.return_to) });
  }

  private async show(
    request: FastifyRequest,
    reply: FastifyReply,
    found: FoundPendingSignIn,
    error?: string,
    status?: number,
  ): Promise<void> {
    const { pending } = found;
    const kinds = await this.secondFactor.enrolledKinds(pending.userId);
    if (kinds.length === 0) return this.showEnrolment(request, reply, found, error, status);
    this.pages.secondFactor(reply, {
      csrfToken: found.csrfToken,
      factors: Object.fromEntries(kinds.map((kind) => [kind, true])),
      recoveryCodes: (await this.recoveryCodes.remaining(pending.userId)) > 0,
      authorizationRequest: pending.authorizationRequest,
      cancelCsrfToken: this.sessions.anonymousCsrfToken(request, reply),
      error,
      status,
    });
  }

  private async showEnrolment(
    request: FastifyRequest,
    reply: FastifyReply,
    found: FoundPendingSignIn,
    error?: string,
    status?: number,
  ): Promise<void> {
    const user = await this.users.findById(found.pending.userId);
    const enrolment = user?.enabled ? await this.totp.startEnrolment(user.id, user.username) : null;
    if (!enrolment) return this.restart(request, reply, EXPIRED, found.pending);
    this.pages.enrol(reply, { action: '/login/two-factor/enrol', csrfToken: found.csrfToken, enrolment, required: true, error, status });
  }

  private async failed(request: FastifyRequest, reply: FastifyReply, found: FoundPendingSignIn, factor: FactorName): Promise<void> {
    await this.secondFactor.recordFailure(request, found.pending.userId, factor, 'sign-in');
    if ((await this.pendings.recordFailure(found.pending.id)) >= PENDING_MAX_FAILURES) return this.tooMany(request, reply, found);
    await this.show(request, reply, found, WRONG_CODE, 401);
  }

  private async tooMany(request: FastifyRequest, reply: FastifyReply, found: FoundPendingSignIn): Promise<void> {
    await this.pendings.end(reply, found.pending.id);
    await this.restart(request, reply, TOO_MANY, found.pending, 401);
  }

  /** Back to the sign-in page (password again), keeping the authorization request when there is one. */
  private restart(
    request: FastifyRequest,
    reply: FastifyReply,
    error: string,
    continuation: { authorizationRequest?: string | null; returnTo?: string | null },
    status = 400,
  ): Promise<void> {
    this.pendings.clearCookie(reply);
    const authorizationRequest = continuation.authorizationRequest ?? undefined;
    return this.authorizePages.login(reply, null, this.sessions.anonymousCsrfToken(request, reply), {
      error,
      status,
      authorizationRequest:
        authorizationRequest !== undefined && isSerializedRequest(authorizationRequest) ? authorizationRequest : undefined,
      returnTo: safeReturnTo(continuation.returnTo),
    });
  }
}

function formOf(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function formExpired(): PageError {
  return new PageError(403, 'Form expired', 'This form is no longer valid. Please sign in again.');
}
