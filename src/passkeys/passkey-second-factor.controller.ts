import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { LoginThrottleService } from '../authorize/login-throttle.service';
import { locationAfterSignIn, safeReturnTo } from '../authorize/sign-in-continuation';
import { hashToken } from '../common/crypto/random-token';
import { FoundPendingSignIn, PENDING_MAX_FAILURES, PendingSignInService, SecondFactorService } from '../mfa';
import { bodyOf, sendJson, sendJsonError } from './json-reply';
import { PasskeysService } from './passkeys.service';

// The same sentence for every refusal (wrong credential, someone else's, replayed, throttled), as for codes.
const FAILED = 'That passkey could not confirm your sign-in, or there were too many attempts. Try again.';
const EXPIRED = 'Your sign-in expired or was ended. Please sign in again.';
const TOO_MANY = 'Too many failed attempts. Please sign in again.';
const UNAVAILABLE = 'Passkeys are not available on this server.';

/**
 * A passkey as the second step of a password sign-in (WebAuthn §7.2 with allowCredentials: the person is already
 * known from the password). The `data-passkey-second-factor` button of /login/two-factor posts here with the
 * pending sign-in's CSRF token. Challenges are bound to the pending sign-in and its browser; failures are
 * throttled and counted exactly like wrong codes on that page (src/mfa/second-factor.controller.ts).
 */
@ApiExcludeController()
@Controller('login/two-factor/passkey')
export class PasskeySecondFactorController {
  constructor(
    private readonly pendings: PendingSignInService,
    private readonly secondFactor: SecondFactorService,
    private readonly passkeys: PasskeysService,
    private readonly throttle: LoginThrottleService,
  ) {}

  @Post('options')
  async options(@Body() raw: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const found = await this.pending(request, reply, bodyOf(raw));
    if (!found) return;
    const options = await this.passkeys.authenticationOptionsFor(found.pending.userId, binding(found));
    if (!options)
      return sendJsonError(reply, 400, 'no_passkey', 'There is no passkey for this account. Use another way to confirm it is you.');
    sendJson(reply, 200, options);
  }

  @Post()
  async verify(@Body() raw: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = bodyOf(raw);
    const found = await this.pending(request, reply, body);
    if (!found) return;
    const { pending } = found;
    const throttleKey = `mfa:${pending.userId}`;
    const decision = await this.throttle.decide(throttleKey, request.ip);
    let result: { ok: boolean; amr: string[]; passkeyId?: string } = { ok: false, amr: [] };
    if (decision.kind === 'allow') {
      if (!(await this.throttle.wait(decision.delayMs))) {
        reply.header('Retry-After', '5');
        return sendJsonError(reply, 503, 'busy', 'The server is busy. Please try again in a few seconds.');
      }
      result = await this.passkeys.verifyAuthenticationFor(pending.userId, body.credential, binding(found));
      if (!result.ok) await this.throttle.recordFailure(throttleKey, request.ip);
    }
    if (!result.ok) {
      this.secondFactor.recordFailure(request, pending.userId, 'passkey', 'sign-in');
      if ((await this.pendings.recordFailure(pending.id)) >= PENDING_MAX_FAILURES) {
        await this.pendings.end(reply, pending.id);
        return sendJsonError(reply, 401, 'expired', TOO_MANY);
      }
      return sendJsonError(reply, 401, 'failed', FAILED);
    }
    await this.throttle.clearAccount(throttleKey, request.ip);
    // RFC 8176: the password's `pwd`, the assertion's own methods (hwk/swk, user, and mfa with UV), then `mfa`.
    const signedIn = await this.secondFactor.complete(request, reply, found, result.amr, {
      factor: 'passkey',
      passkey_id: result.passkeyId,
    });
    if (!signedIn) return sendJsonError(reply, 401, 'expired', EXPIRED);
    sendJson(reply, 200, { location: locationAfterSignIn(pending.authorizationRequest, safeReturnTo(pending.returnTo)) });
  }

  /** The live pending sign-in of this browser with a valid CSRF token; otherwise answered here (null). */
  private async pending(request: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>): Promise<FoundPendingSignIn | null> {
    if (!this.passkeys.available) {
      sendJsonError(reply, 404, 'unavailable', UNAVAILABLE);
      return null;
    }
    const found = await this.pendings.find(request, reply);
    if (!found) {
      sendJsonError(reply, 401, 'expired', EXPIRED);
      return null;
    }
    if (!this.pendings.csrfValid(found, body.csrf_token)) {
      sendJsonError(reply, 403, 'csrf', 'This page is no longer valid. Reload it and try again.');
      return null;
    }
    return found;
  }
}

/**
 * The challenge belongs to this pending sign-in in this browser: a challenge issued to another pending sign-in
 * (another tab, an earlier password) or another browser is not redeemable here.
 */
function binding(found: FoundPendingSignIn): string {
  return hashToken(`second-factor:${found.pending.id}:${found.pending.browserHash}`);
}
