import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { isSerializedRequest } from '../../authorize/authorize-pages';
import { BrowserSessionService } from '../../authorize/browser-session.service';
import { field } from '../../common/html/form-fields';
import { LoginThrottleService } from '../../authorize/login-throttle.service';
import { safeReturnTo } from '../../authorize/sign-in-continuation';
import { BoundedQueue, QueueBusyError } from '../../common/concurrency/bounded-queue';
import { PageError } from '../../common/html/page.error';
import { hasControlCharacters } from '../../common/text/control-characters';
import { FederatedSignInService } from '../federated-sign-in.service';
import { FederationFailure, sendFailurePage } from '../federation-failure';
import { IdentityProviderEntity } from '../identity-provider.entity';
import { isOidc } from '../identity-provider-settings';
import { IdentityProvidersService } from '../identity-providers.service';
import { LdapDirectory, MAX_USERNAME_LENGTH } from './ldap-directory';
import type { LdapOutcome } from './ldap-settings';
import { ldapSettingsOf } from './ldap-settings.mapping';
import { LdapSignInPages } from './ldap-sign-in.pages';

// The same words as the local form: the page never tells whether an account exists or is throttled.
const GENERIC_FAILURE = 'The username or password is incorrect, or there were too many attempts. Try again later.';
const BUSY = 'The server is busy checking other sign-ins. Please try again in a few seconds.';

// Directory binds in flight at once; a flood is refused quickly instead of queueing without bound.
const binds = new BoundedQueue({ concurrency: 16, maxWaiting: 64, maxWaitMs: 5000 });

/**
 * The name failures are counted under. The directory compares names as RFC 4518 prepares them: compatibility
 * forms (NFKC: fullwidth "ａｌｉｃｅ" is "alice"), case and repeated spaces do not matter to it, so they must not
 * matter here either, or each spelling of one account would have its own count and the limit none.
 */
export function throttleName(username: string): string {
  return username.normalize('NFKC').toLowerCase().normalize('NFKC').replace(/\s+/g, ' ').trim();
}

/** Sign-in with a username and password checked by an LDAP directory (one page per LDAP provider). */
@ApiExcludeController()
@Controller('federation')
export class LdapLoginController {
  constructor(
    private readonly providers: IdentityProvidersService,
    private readonly directory: LdapDirectory,
    private readonly pages: LdapSignInPages,
    private readonly throttle: LoginThrottleService,
    private readonly signIn: FederatedSignInService,
    private readonly sessions: BrowserSessionService,
  ) {}

  @Get(':id/login')
  async page(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const authorizationRequest = field(query?.authorization_request) ?? null;
    if (authorizationRequest !== null && !isSerializedRequest(authorizationRequest))
      throw new PageError(400, 'Invalid request', 'The sign-in request was malformed. Please start again from the app.');
    this.pages.form(await this.ldapProvider(id), request, reply, {
      authorizationRequest,
      returnTo: safeReturnTo(query?.return_to) ?? null,
    });
  }

  @Post(':id/login')
  async login(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const provider = await this.ldapProvider(id);
    const form = body && typeof body === 'object' ? body : {};
    const typed = (field(form.username) ?? '').trim();
    // Shown back on the form only; a longer name is refused below rather than checked cut short.
    const username = typed.slice(0, MAX_USERNAME_LENGTH);
    const password = field(form.password) ?? '';
    const authorizationRequest = field(form.authorization_request) ?? null;
    const returnTo = safeReturnTo(form.return_to) ?? null;
    if (authorizationRequest !== null && !isSerializedRequest(authorizationRequest))
      throw new PageError(400, 'Invalid request', 'The sign-in request was malformed. Please start again from the app.');
    const retry = (error: string, status: number) =>
      this.pages.form(provider, request, reply, { authorizationRequest, returnTo, error, username, status });

    if (!this.sessions.anonymousCsrfValid(request, form.csrf_token)) return retry('The sign-in form expired. Please try again.', 400);
    if (!username || typed.length > MAX_USERNAME_LENGTH || !password || password.length > 1024 || hasControlCharacters(username))
      return retry(GENERIC_FAILURE, 401);
    // Throttled like local sign-in, with the directory's accounts kept apart from local ones of the same name.
    const account = `ldap:${provider.id}:${throttleName(username)}`;
    const decision = await this.throttle.decide(account, request.ip);
    if (decision.kind === 'refuse') return retry(GENERIC_FAILURE, 401);
    const busy = () => {
      reply.header('Retry-After', '5');
      return retry(BUSY, 503);
    };
    if (!(await this.throttle.wait(decision.delayMs))) return busy();

    let outcome: LdapOutcome;
    try {
      const settings = ldapSettingsOf(provider, await this.providers.secretsOf(provider));
      outcome = await binds.run(() => this.directory.authenticate(settings, username, password));
    } catch (error) {
      if (error instanceof QueueBusyError) return busy();
      throw error;
    }
    const context = { request, authorizationRequest };
    if (!outcome.ok) {
      // The connector's sentence (never the password or username) is for the operator, in the audit log.
      await this.signIn.recordFailure(provider, context, outcome.reason, outcome.detail);
      if (outcome.reason === 'invalid-credentials' || outcome.reason === 'not-found') {
        await this.throttle.recordFailure(account, request.ip);
        return retry(GENERIC_FAILURE, 401);
      }
      if (outcome.reason === 'unavailable')
        return retry(`${provider.displayName} cannot be reached right now. Please try again later.`, 503);
      return retry(`Sign-in with ${provider.displayName} is not working right now. Please tell the administrator.`, 502);
    }
    await this.throttle.clearAccount(account, request.ip);
    const person = outcome.person;
    try {
      await this.signIn.complete(
        provider,
        // RFC 8176: the person typed their password here (checked by the directory).
        {
          subject: person.id,
          username: person.username,
          displayName: person.displayName,
          fhirUser: person.fhirUser,
          email: person.email,
          groups: person.groups,
          amr: ['pwd'],
        },
        { request, reply, authorizationRequest, returnTo },
      );
    } catch (error) {
      if (!(error instanceof FederationFailure)) throw error;
      await this.signIn.recordFailure(provider, context, error.reason);
      sendFailurePage(reply, error, authorizationRequest);
    }
  }

  private async ldapProvider(id: string): Promise<IdentityProviderEntity> {
    const provider = await this.providers.findById(id);
    if (!provider?.enabled || isOidc(provider.settings))
      throw new PageError(404, 'Sign-in unavailable', 'This sign-in option does not exist or is turned off.');
    return provider;
  }
}
