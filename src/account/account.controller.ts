import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { BrowserSessionService, SignedInUser } from '../authorize/browser-session.service';
import { seeOther, sendPage } from '../common/html/html-reply';
import { field } from '../common/html/form-fields';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../clients/password-policy';
import { PageError } from '../common/html/page.error';
import { AccountService, ChangeOutcome } from './account.service';

const SIGN_IN = '/login?return_to=/account';
const NOTICES: Record<string, string> = {
  password: 'Your password has been changed. Every other session has been signed out.',
  sessions: 'Your other sessions have been signed out.',
  session: 'That session has been signed out.',
};
const CHANGE_ERRORS: Record<Exclude<ChangeOutcome['kind'], 'changed' | 'weak'>, { message: string; status: number }> = {
  wrong: { message: 'Your current password is not correct.', status: 400 },
  throttled: { message: 'There were too many attempts. Please try again later.', status: 429 },
  busy: { message: 'The server is busy checking other passwords. Please try again in a few seconds.', status: 503 },
  no_local_password: { message: 'You sign in through your organisation, so there is no password here to change.', status: 400 },
};

/** The signed-in person's account page: password, sign-in sessions, second factors and passkeys, connected apps. */
@ApiExcludeController()
@Controller('account')
export class AccountController {
  constructor(
    private readonly browser: BrowserSessionService,
    private readonly account: AccountService,
  ) {}

  @Get()
  async page(@Query('done') done: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.browser.current(request);
    if (!signedIn) return seeOther(reply, SIGN_IN);
    await this.render(reply, signedIn, { notice: typeof done === 'string' ? NOTICES[done] : undefined });
  }

  @Post('password')
  async changePassword(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.signedIn(request, reply, body);
    if (!signedIn) return;
    const password = field(body.password) ?? '';
    if (password !== (field(body.password_confirmation) ?? password))
      return this.render(reply, signedIn, { passwordError: 'The two new passwords do not match.' }, 400);
    const outcome = await this.account.changePassword(signedIn, field(body.current_password) ?? '', password, request.ip);
    if (outcome.kind === 'changed') return seeOther(reply, '/account?done=password');
    if (outcome.kind === 'weak') return this.render(reply, signedIn, { passwordError: outcome.message }, 400);
    const { message, status } = CHANGE_ERRORS[outcome.kind];
    if (status !== 400) reply.header('Retry-After', status === 503 ? '5' : '900');
    return this.render(reply, signedIn, { passwordError: message }, status);
  }

  @Post('sessions/end-others')
  async endOthers(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.signedIn(request, reply, body);
    if (!signedIn) return;
    await this.account.endOtherSessions(signedIn, request.ip);
    seeOther(reply, '/account?done=sessions#sessions');
  }

  @Post('sessions/end')
  async endOne(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.signedIn(request, reply, body);
    if (!signedIn) return;
    if (!(await this.account.endSession(signedIn, field(body.session_id) ?? '', request.ip))) {
      throw new PageError(
        404,
        'Not found',
        'That session does not exist, has already ended, or is the one you are using (sign out instead).',
      );
    }
    seeOther(reply, '/account?done=session#sessions');
  }

  /** The signed-in browser of a form post with its CSRF token; otherwise answered here (null). */
  private async signedIn(request: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>): Promise<SignedInUser | null> {
    const signedIn = await this.browser.current(request);
    if (!signedIn) {
      seeOther(reply, SIGN_IN);
      return null;
    }
    if (!this.browser.sessionCsrfValid(signedIn, body?.csrf_token))
      throw new PageError(403, 'Form expired', 'This form is no longer valid. Reload the page and try again.');
    return signedIn;
  }

  private async render(
    reply: FastifyReply,
    signedIn: SignedInUser,
    extra: { notice?: string; passwordError?: string },
    status = 200,
  ): Promise<void> {
    const [sessions, security] = await Promise.all([this.account.sessionsOf(signedIn), this.account.securityOf(signedIn)]);
    sendPage(
      reply,
      'account',
      'Your account',
      {
        userName: signedIn.user.displayName,
        username: signedIn.user.username,
        email: signedIn.user.email,
        csrfToken: signedIn.csrfToken,
        sessions,
        otherSessions: sessions.some((session) => !session.current),
        minLength: PASSWORD_MIN_LENGTH,
        maxLength: PASSWORD_MAX_LENGTH,
        security,
        ...extra,
      },
      status,
    );
  }
}
