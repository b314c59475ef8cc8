import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service';
import { BrowserSessionService, SignedInUser } from '../authorize/browser-session.service';
import { seeOther } from '../common/html/html-reply';
import { field } from '../common/html/form-fields';
import { LoginThrottleService } from '../authorize/login-throttle.service';
import { PageError } from '../common/html/page.error';
import { MfaPages } from './mfa-pages';
import { otpCode } from './otp-code';
import { RecoveryCodesService } from './recovery-codes.service';
import { SecondFactorService } from './second-factor.service';
import { WRONG_CODE } from './second-factor.controller';
import { TotpService } from './totp.service';

const SETTINGS = '/account/two-factor';
const ENROL = '/account/two-factor/totp';
/** Adding an authenticator needs a recent sign-in (OWASP ASVS 4 V3.7.1): a stale or stolen session cannot. */
const RECENT_SIGN_IN_MS = 15 * 60 * 1000;

/**
 * The signed-in person's authenticator app: enrol (QR code and key, confirmed by a first code), new recovery
 * codes and removal (each needing a fresh code, throttled like the second step of a sign-in).
 */
@ApiExcludeController()
@Controller('account/two-factor')
export class TwoFactorAccountController {
  constructor(
    private readonly sessions: BrowserSessionService,
    private readonly secondFactor: SecondFactorService,
    private readonly totp: TotpService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
    private readonly pages: MfaPages,
  ) {}

  @Get()
  async settings(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.signedIn(request, reply, SETTINGS);
    if (signedIn) await this.showSettings(reply, signedIn);
  }

  @Get('totp')
  async enrolment(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.signedIn(request, reply, ENROL, true);
    if (signedIn) await this.showEnrolment(reply, signedIn);
  }

  @Post('totp')
  async confirm(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.signedIn(request, reply, ENROL, true);
    if (!signedIn) return;
    const form = this.checkedForm(signedIn, body);
    const { user } = signedIn;
    if (!(await this.totp.confirmEnrolment(user.id, otpCode(field(form.otp) ?? '')))) {
      await this.secondFactor.recordFailure(request, user.id, 'enrolment', 'account');
      return this.showEnrolment(reply, signedIn, WRONG_CODE, 400);
    }
    const codes = await this.recoveryCodes.regenerate(user.id);
    await this.audit.record({
      event: 'mfa_enrolled',
      outcome: 'success',
      userId: user.id,
      ip: request.ip,
      detail: { factor: 'totp', context: 'account' },
    });
    this.pages.recoveryCodes(reply, codes, { doneHref: SETTINGS }, 'Two-step verification is now on.');
  }

  @Post('recovery-codes')
  async regenerate(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.signedIn(request, reply, SETTINGS);
    if (!signedIn) return;
    const form = this.checkedForm(signedIn, body);
    if (!(await this.freshCode(request, signedIn, field(form.otp) ?? '', false)))
      return this.showSettings(reply, signedIn, { error: WRONG_CODE, status: 401 });
    const codes = await this.recoveryCodes.regenerate(signedIn.user.id);
    await this.audit.record({
      event: 'mfa_recovery_codes_regenerated',
      outcome: 'success',
      userId: signedIn.user.id,
      ip: request.ip,
      detail: {},
    });
    this.pages.recoveryCodes(reply, codes, { doneHref: SETTINGS }, 'The old recovery codes no longer work.');
  }

  @Post('totp/remove')
  async remove(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.signedIn(request, reply, SETTINGS);
    if (!signedIn) return;
    const form = this.checkedForm(signedIn, body);
    if (!(await this.freshCode(request, signedIn, field(form.otp) ?? '', true)))
      return this.showSettings(reply, signedIn, { error: WRONG_CODE, status: 401 });
    const { user } = signedIn;
    await this.totp.remove(user.id);
    await this.recoveryCodes.removeAll(user.id);
    await this.audit.record({
      event: 'mfa_removed',
      outcome: 'success',
      userId: user.id,
      ip: request.ip,
      detail: { factor: 'totp', context: 'account' },
    });
    await this.showSettings(reply, signedIn, { notice: 'The authenticator app and its recovery codes were removed.' });
  }

  /** A code of the enrolled authenticator (or, when allowed, a recovery code), consumed and throttled. */
  private async freshCode(request: FastifyRequest, signedIn: SignedInUser, typed: string, recoveryAllowed: boolean): Promise<boolean> {
    const userId = signedIn.user.id;
    const throttleKey = `mfa:${userId}`;
    const decision = await this.throttle.decide(throttleKey, request.ip);
    if (decision.kind === 'refuse' || !(await this.throttle.wait(decision.delayMs))) return false;
    const code = otpCode(typed);
    const isTotp = /^\d{6}$/.test(code);
    const verified = isTotp ? await this.totp.verify(userId, code) : recoveryAllowed && (await this.recoveryCodes.redeem(userId, typed));
    if (verified) {
      await this.throttle.clearAccount(throttleKey, request.ip);
      return true;
    }
    await this.throttle.recordFailure(throttleKey, request.ip);
    await this.secondFactor.recordFailure(request, userId, isTotp ? 'totp' : 'recovery_code', 'account');
    return false;
  }

  private async showSettings(
    reply: FastifyReply,
    signedIn: SignedInUser,
    extra: { notice?: string; error?: string; status?: number } = {},
  ): Promise<void> {
    const enrolled = await this.totp.isEnrolled(signedIn.user.id);
    const remaining = enrolled ? await this.recoveryCodes.remaining(signedIn.user.id) : 0;
    // Other kinds (passkeys) are managed on their own pages; this one says that they count.
    const otherFactors = (await this.secondFactor.enrolledKinds(signedIn.user.id)).some((kind) => kind !== 'totp');
    this.pages.settings(reply, { csrfToken: signedIn.csrfToken, enrolled, remaining, otherFactors, ...extra });
  }

  private async showEnrolment(reply: FastifyReply, signedIn: SignedInUser, error?: string, status?: number): Promise<void> {
    const enrolment = await this.totp.startEnrolment(signedIn.user.id, signedIn.user.username);
    if (!enrolment) return seeOther(reply, SETTINGS);
    this.pages.enrol(reply, { action: ENROL, csrfToken: signedIn.csrfToken, enrolment, error, status });
  }

  /** The signed-in person, or null after sending the browser to the sign-in page (which comes back here). */
  private async signedIn(request: FastifyRequest, reply: FastifyReply, returnTo: string, recent = false): Promise<SignedInUser | null> {
    const signedIn = await this.sessions.current(request);
    if (signedIn && (!recent || Date.now() - signedIn.session.createdAt.getTime() <= RECENT_SIGN_IN_MS)) return signedIn;
    seeOther(reply, `/login?return_to=${encodeURIComponent(returnTo)}`);
    return null;
  }

  private checkedForm(signedIn: SignedInUser, body: unknown): Record<string, unknown> {
    const form = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    if (!this.sessions.sessionCsrfValid(signedIn, form.csrf_token)) {
      throw new PageError(403, 'Form expired', 'This form is no longer valid. Open two-step verification again from your account.');
    }
    return form;
  }
}
