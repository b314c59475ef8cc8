import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service';
import { BrowserSessionService, SignedInUser } from '../authorize/browser-session.service';
import { seeOther, sendPage } from '../common/html/html-reply';
import { field } from '../common/html/form-fields';
import { hashToken } from '../common/crypto/random-token';
import { PageError } from '../common/html/page.error';
import { bodyOf, sendJson, sendJsonError } from './json-reply';
import { PasskeyRegistrationService } from './passkey-registration.service';
import { passkeyName } from './passkey-response';
import { PasskeysService } from './passkeys.service';
import { passkeysPage } from './passkeys.view';

const PAGE = '/account/passkeys';
/**
 * Adding an authenticator is a sensitive change (OWASP ASVS 4 V3.7.1): only within this long of signing in, so a
 * stolen or forgotten-open session cannot quietly add a way back in.
 */
export const RECENT_SIGN_IN_MS = 10 * 60 * 1000;
const REFUSALS: Record<string, string> = {
  malformed: 'The browser sent an unreadable answer. Please try again.',
  invalid: 'The passkey could not be verified, or the request expired. Please try again.',
  duplicate: 'That passkey is already registered.',
  'too-many': 'You have as many passkeys as allowed. Remove one first.',
};

/** The signed-in person's passkeys (WebAuthn §7.1 registration); the list and removal work without JavaScript. */
@ApiExcludeController()
@Controller(PAGE.slice(1))
export class PasskeyEnrolmentController {
  constructor(
    private readonly sessions: BrowserSessionService,
    private readonly passkeys: PasskeysService,
    private readonly registration: PasskeyRegistrationService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  async page(@Query('done') done: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.sessions.current(request);
    if (!signedIn) return seeOther(reply, `/login?return_to=${PAGE}`);
    const context = passkeysPage(signedIn, await this.passkeys.list(signedIn.user.id), {
      available: this.passkeys.available,
      recent: isRecent(signedIn),
      done,
    });
    sendPage(reply, 'passkeys', 'Passkeys', context);
  }

  @Post('options')
  async options(@Body() raw: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.allowed(request, reply, bodyOf(raw));
    if (signedIn) sendJson(reply, 200, await this.registration.options(signedIn.user, registrationBinding(signedIn)));
  }

  @Post()
  async add(@Body() raw: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = bodyOf(raw);
    const signedIn = await this.allowed(request, reply, body);
    if (!signedIn) return;
    const name = body.name === undefined || body.name === '' ? defaultName() : passkeyName(body.name);
    if (!name) return sendJsonError(reply, 400, 'invalid_name', 'A name is printable text of at most 64 characters.');
    const outcome = await this.registration.register(signedIn.user, registrationBinding(signedIn), body.credential, name);
    if (!outcome.ok) return sendJsonError(reply, 400, outcome.reason, REFUSALS[outcome.reason]);
    await this.audit.record({
      event: 'passkey_added',
      outcome: 'success',
      userId: signedIn.user.id,
      ip: request.ip,
      detail: { passkey_id: outcome.passkey.id, name, device_type: outcome.passkey.deviceType, backed_up: outcome.passkey.backedUp },
    });
    sendJson(reply, 201, { location: `${PAGE}?done=added` });
  }

  @Post('rename')
  async rename(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.formSession(request, body);
    if (!signedIn) return seeOther(reply, `/login?return_to=${PAGE}`);
    const name = passkeyName(body?.name);
    if (!name) throw new PageError(400, 'Invalid name', 'A passkey name is printable text of at most 64 characters.');
    if (!(await this.passkeys.rename(signedIn.user.id, field(body?.passkey_id) ?? '', name))) throw notFound();
    seeOther(reply, `${PAGE}?done=renamed`);
  }

  @Post('remove')
  async remove(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.formSession(request, body);
    if (!signedIn) return seeOther(reply, `/login?return_to=${PAGE}`);
    if (!(await this.passkeys.remove(signedIn.user.id, field(body?.passkey_id) ?? '', 'user', request.ip))) throw notFound();
    seeOther(reply, `${PAGE}?done=removed`);
  }

  /** The fetch() calls of the enrolment page: signed in recently, with the session's CSRF token. */
  private async allowed(request: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>): Promise<SignedInUser | null> {
    const signedIn = await this.sessions.current(request);
    if (!signedIn) return refuse(reply, 401, 'signed_out', 'You are signed out. Sign in and try again.');
    if (!this.sessions.sessionCsrfValid(signedIn, body.csrf_token))
      return refuse(reply, 403, 'csrf', 'This page expired. Reload it and try again.');
    if (!this.passkeys.available) return refuse(reply, 404, 'unavailable', 'Passkeys are not available on this server.');
    if (!isRecent(signedIn)) return refuse(reply, 403, 'sign_in_again', 'For your security, sign in again before adding a passkey.');
    return signedIn;
  }

  private async formSession(request: FastifyRequest, body: Record<string, unknown>): Promise<SignedInUser | null> {
    const signedIn = await this.sessions.current(request);
    if (signedIn && !this.sessions.sessionCsrfValid(signedIn, body?.csrf_token))
      throw new PageError(403, 'Form expired', 'This form is no longer valid. Reload the page and try again.');
    return signedIn;
  }
}

function refuse(reply: FastifyReply, status: number, error: string, message: string): null {
  sendJsonError(reply, status, error, message);
  return null;
}

function isRecent(signedIn: SignedInUser): boolean {
  return Date.now() - signedIn.session.createdAt.getTime() < RECENT_SIGN_IN_MS;
}

/** Registration challenges belong to the sign-in session that asked for them. */
function registrationBinding(signedIn: SignedInUser): string {
  return hashToken(`passkey-registration:${signedIn.session.id}`);
}

function defaultName(): string {
  return `Passkey added ${new Date().toISOString().slice(0, 10)}`;
}

function notFound(): PageError {
  return new PageError(404, 'Not found', 'That passkey does not exist or was already removed.');
}
