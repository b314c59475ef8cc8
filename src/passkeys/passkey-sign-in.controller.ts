import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service';
import { isSerializedRequest } from '../authorize/authorize-pages';
import { BrowserSessionService } from '../authorize/browser-session.service';
import { locationAfterSignIn, safeReturnTo } from '../authorize/sign-in-continuation';
import { LoginThrottleService } from '../authorize/login-throttle.service';
import { PasskeyAuthenticationService } from './passkey-authentication.service';
import { RelyingPartyService } from './relying-party.service';
import { bodyOf, sendJson, sendJsonError } from './json-reply';

// One message for every refusal, like the password form: it never says whether a credential or account exists.
const GENERIC_FAILURE = 'That passkey could not sign you in. Try again, or sign in with your password.';
const EXPIRED = 'The sign-in page expired. Reload it and try again.';

/**
 * Passwordless sign-in with a discoverable credential (WebAuthn §7.2), from the sign-in page's
 * `data-passkey-sign-in` button. Both posts carry the sign-in form's CSRF token; the challenge is bound to this
 * browser's cookie. On success the browser continues exactly where the password form would have sent it.
 */
@ApiExcludeController()
@Controller('login/passkey')
export class PasskeySignInController {
  constructor(
    private readonly sessions: BrowserSessionService,
    private readonly authentication: PasskeyAuthenticationService,
    private readonly relyingParty: RelyingPartyService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
  ) {}

  @Post('options')
  async options(@Body() raw: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.relyingParty.current) return sendJsonError(reply, 404, 'unavailable', 'Passkeys are not available on this server.');
    if (!this.sessions.anonymousCsrfValid(request, bodyOf(raw).csrf_token)) return sendJsonError(reply, 403, 'csrf', EXPIRED);
    sendJson(reply, 200, await this.authentication.signInOptions(this.sessions.browserBinding(request, reply)));
  }

  @Post()
  async signIn(@Body() raw: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = bodyOf(raw);
    if (!this.relyingParty.current) return sendJsonError(reply, 404, 'unavailable', 'Passkeys are not available on this server.');
    if (!this.sessions.anonymousCsrfValid(request, body.csrf_token)) return sendJsonError(reply, 403, 'csrf', EXPIRED);
    const authorizationRequest = typeof body.authorization_request === 'string' ? body.authorization_request : undefined;
    if (authorizationRequest !== undefined && !isSerializedRequest(authorizationRequest)) {
      return sendJsonError(reply, 400, 'invalid_request', 'The sign-in request was malformed. Please start again from the app.');
    }
    const credentialId = typeof bodyOf(body.credential).id === 'string' ? String(bodyOf(body.credential).id).slice(0, 1400) : '';
    if (!credentialId) return sendJsonError(reply, 400, 'invalid_request', GENERIC_FAILURE);

    // Throttled like the password form, keyed by the credential instead of a username (src/authorize/login-throttle).
    const throttleKey = `passkey:${credentialId}`;
    const decision = await this.throttle.decide(throttleKey, request.ip);
    if (decision.kind === 'refuse') return sendJsonError(reply, 401, 'failed', GENERIC_FAILURE);
    if (!(await this.throttle.wait(decision.delayMs))) {
      reply.header('Retry-After', '5');
      return sendJsonError(reply, 503, 'busy', 'The server is busy. Please try again in a few seconds.');
    }

    const outcome = await this.authentication.signIn(this.sessions.browserBinding(request, reply), body.credential);
    if (!outcome.ok) {
      await this.throttle.recordFailure(throttleKey, request.ip);
      await this.audit.record({
        event: 'passkey_sign_in',
        outcome: 'failure',
        userId: outcome.userId ?? null,
        ip: request.ip,
        detail: { reason: outcome.reason },
      });
      return sendJsonError(reply, 401, 'failed', GENERIC_FAILURE);
    }
    await this.throttle.clearAccount(throttleKey, request.ip);
    await this.audit.record({
      event: 'passkey_sign_in',
      outcome: 'success',
      userId: outcome.user.id,
      ip: request.ip,
      detail: { passkey_id: outcome.passkeyId, amr: outcome.amr },
    });
    await this.sessions.signIn(reply, outcome.user, 'passkey', outcome.amr);
    sendJson(reply, 200, { location: locationAfterSignIn(authorizationRequest, safeReturnTo(body.return_to)) });
  }
}
