import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service';
import type { UserEntity } from '../clients/user.entity';
import { UsersService } from '../clients/users.service';
import { AuthorizePages, deserialize, isSerializedRequest } from './authorize-pages';
import { BrowserSessionService } from './browser-session.service';
import { seeOther } from '../common/html/html-reply';
import { field } from '../common/html/form-fields';
import { LoginThrottleService } from './login-throttle.service';
import { QueueBusyError } from '../common/concurrency/bounded-queue';
import { hasControlCharacters } from '../common/text/control-characters';
// From the file, not the mfa index: the index loads MfaModule, which loads this module (forwardRef both ways).
import { SecondFactorService } from '../mfa/second-factor.service';
import { continueAfterSignIn, safeReturnTo } from './sign-in-continuation';

// One message for every failure, so the page never reveals whether an account exists or is locked.
const GENERIC_FAILURE = 'The username or password is incorrect, or there were too many attempts. Try again later.';
// Sign-ins flooding the password check are refused quickly rather than queued without bound (nothing was checked).
const BUSY = 'The server is busy checking other sign-ins. Please try again in a few seconds.';

@ApiExcludeController()
@Controller()
export class LoginController {
  constructor(
    private readonly sessions: BrowserSessionService,
    private readonly users: UsersService,
    private readonly throttle: LoginThrottleService,
    private readonly pages: AuthorizePages,
    private readonly secondFactor: SecondFactorService,
    private readonly audit: AuditService,
  ) {}

  @Get('login')
  async loginPage(@Query('return_to') returnTo: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.pages.login(reply, null, this.sessions.anonymousCsrfToken(request, reply), { returnTo: safeReturnTo(returnTo) });
  }

  @Post('login')
  async login(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = body && typeof body === 'object' ? body : {};
    const username = (field(form.username) ?? '').trim().slice(0, 200);
    const password = field(form.password) ?? '';
    const authorizationRequest = field(form.authorization_request);
    const returnTo = safeReturnTo(form.return_to);
    const retry = (error: string, status: number) =>
      this.pages.login(reply, null, this.sessions.anonymousCsrfToken(request, reply), {
        error,
        username,
        returnTo,
        status,
        authorizationRequest,
      });

    if (!this.sessions.anonymousCsrfValid(request, form.csrf_token)) return retry('The sign-in form expired. Please try again.', 400);
    // LOCAL_SIGN_IN=false: only identity providers sign people in; the form is neither shown nor accepted.
    if (!this.pages.localSignIn) return retry('Sign-in with a username and password is turned off here.', 403);
    // CR/LF or non-Latin-1 text here would reach the Location header (a raw 500, or header injection); refused before signing in.
    if (authorizationRequest !== undefined && !isSerializedRequest(authorizationRequest)) {
      return this.pages.login(reply, null, this.sessions.anonymousCsrfToken(request, reply), {
        error: 'The sign-in request was malformed. Please start again from the app.',
        returnTo,
        status: 400,
      });
    }
    if (!username || !password || hasControlCharacters(username)) return retry(GENERIC_FAILURE, 401);
    const decision = await this.throttle.decide(username, request.ip);
    if (decision.kind === 'refuse') {
      await this.signInFailed(username, request.ip, 'throttled');
      return retry(GENERIC_FAILURE, 401);
    }
    const busy = () => {
      reply.header('Retry-After', '5');
      return retry(BUSY, 503);
    };
    if (!(await this.throttle.wait(decision.delayMs))) return busy();
    let user: UserEntity | null;
    try {
      user = await this.users.verifyPassword(username, password);
    } catch (error) {
      if (error instanceof QueueBusyError) return busy();
      throw error;
    }
    if (!user) {
      await this.throttle.recordFailure(username, request.ip);
      await this.signInFailed(username, request.ip, 'invalid_credentials');
      return retry(GENERIC_FAILURE, 401);
    }
    await this.throttle.clearAccount(username, request.ip);
    // A person with a second factor (or whose role requires one) is not signed in yet: the second step follows.
    if (
      await this.secondFactor.interceptSignIn(
        request,
        reply,
        user,
        { method: 'password', amr: ['pwd'] },
        { authorizationRequest, returnTo },
      )
    )
      return;
    await this.sessions.signIn(reply, user, 'password');
    continueAfterSignIn(reply, authorizationRequest, returnTo);
  }

  /**
   * Recorded before the answer (a group commit). The username typed is not stored (it may be a mistyped password);
   * the account it names, when one exists, is recorded by id.
   */
  private async signInFailed(username: string, ip: string, reason: 'throttled' | 'invalid_credentials'): Promise<void> {
    const account = await this.users.findByUsername(username);
    await this.audit.record({ event: 'sign_in_failed', outcome: 'failure', userId: account?.id ?? null, ip, detail: { reason } });
  }

  @Post('logout')
  async logout(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.sessions.current(request);
    if (!signedIn || !this.sessions.sessionCsrfValid(signedIn, body?.csrf_token)) return seeOther(reply, '/');
    await this.sessions.signOut(request, reply);
    // From the consent page: start the same authorization again, now at the sign-in page.
    const authorizationRequest = field(body?.authorization_request);
    seeOther(
      reply,
      authorizationRequest && Object.keys(deserialize(authorizationRequest)).length ? `/authorize?${authorizationRequest}` : '/',
    );
  }
}
