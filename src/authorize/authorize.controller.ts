import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { UsersService } from '../clients/users.service';
import { PageError } from '../common/html/page.error';
import { Clock } from '../common/time/clock';
import { AuthorizationFlowService, FlowChoices } from './authorization-flow.service';
import { AuthorizationRequest } from './authorization-request';
import { AuthorizationRequestValidator, RawParameters } from './authorization-request.validator';
import { AuthorizePages, deserialize, serialize } from './authorize-pages';
import { constantTimeEquals } from '../common/crypto/random-token';
import { AuthorizingUser } from './authorizing-user';
import { BrowserSessionService } from './browser-session.service';
import { IdTokenHintVerifier } from './id-token-hint.verifier';
import { LaunchRecordService } from './launch-record.service';
import { field, fieldList } from '../common/html/form-fields';
import { ROUTES } from '../common/http/routes';
// From the files, not the mfa index: the index loads MfaModule, which loads this module (forwardRef both ways).
import { requiresMultiFactor } from '../mfa/acr';
import { SecondFactorService } from '../mfa/second-factor.service';

const LAUNCH_UNUSABLE = 'The launch value is unknown, expired, already used or issued for another application.';

// SMART App Launch: authorization_endpoint, GET and POST (capability authorize-post, OIDC Core §3.1.2.1).
@ApiExcludeController()
@Controller()
export class AuthorizeController {
  constructor(
    private readonly validator: AuthorizationRequestValidator,
    private readonly flow: AuthorizationFlowService,
    private readonly sessions: BrowserSessionService,
    private readonly users: UsersService,
    private readonly pages: AuthorizePages,
    private readonly launches: LaunchRecordService,
    private readonly hints: IdTokenHintVerifier,
    private readonly secondFactor: SecondFactorService,
    private readonly clock: Clock,
  ) {}

  @Get(ROUTES.authorize)
  async authorizeGet(@Query() query: RawParameters, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.start(query ?? {}, request, reply);
  }

  @Post(ROUTES.authorize)
  async authorizePost(@Body() body: RawParameters, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.start(isObject(body) ? body : {}, request, reply);
  }

  /** Every page of the flow (pickers, consent) posts here with the original request in `authorization_request`. */
  @Post('authorize/continue')
  async continue(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = isObject(body) ? body : {};
    const authorization = await this.validator.validate(deserialize(form.authorization_request));
    const who = await this.authorizingUser(authorization, request, reply);
    if (!who) return this.pages.login(reply, authorization, this.sessions.anonymousCsrfToken(request, reply));
    if (!constantTimeEquals(who.csrfToken, typeof form.csrf_token === 'string' ? form.csrf_token : '')) {
      throw new PageError(403, 'Form expired', 'This form is no longer valid. Go back to the app and start again.');
    }
    if (!(await this.authenticationSufficient(authorization, who, request, reply))) return;
    const searching = field(form.action) === 'search';
    const choices: FlowChoices = {
      patient: searching ? undefined : field(form.patient),
      patientSearch: field(form.patient_search),
      encounter: field(form.encounter),
      decision: searching ? undefined : field(form.decision),
      approvedScopes: fieldList(form.scope),
    };
    await this.proceed(authorization, who, choices, reply);
  }

  /** The sign-in page's cancel button: the app hears access_denied (RFC 6749 §4.1.2.1). */
  @Post('authorize/cancel')
  async cancel(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest): Promise<void> {
    const form = isObject(body) ? body : {};
    const authorization = await this.validator.validate(deserialize(form.authorization_request));
    if (!this.sessions.anonymousCsrfValid(request, form.csrf_token)) {
      throw new PageError(403, 'Form expired', 'This form is no longer valid. Go back to the app and start again.');
    }
    throw this.flow.fail(authorization, 'access_denied', 'The user cancelled the sign-in.');
  }

  private async start(parameters: RawParameters, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const authorization = await this.validator.validate(parameters);
    let who = await this.authorizingUser(authorization, request, reply);
    // OIDC Core §3.1.2.1: prompt=login asks for a fresh sign-in, unless the EHR launch itself named the user.
    if (authorization.prompt.has('login') && !who?.viaLaunch) who = null;
    // OIDC Core §3.1.2.1 max_age: an authentication longer ago than max_age seconds (max_age=0: any) is re-done.
    if (
      who &&
      authorization.maxAge !== undefined &&
      (authorization.maxAge === 0 || this.clock.now() - who.authTime.getTime() > authorization.maxAge * 1000)
    )
      who = null;
    // OIDC Core §3.1.2.1 id_token_hint: the app expects that person; someone else signed in is not used silently.
    if (authorization.idTokenHint !== undefined) {
      const subject = await this.hints.subject(authorization.idTokenHint);
      if (!subject) throw this.flow.fail(authorization, 'invalid_request', 'id_token_hint is not an ID token issued by this server.');
      if (who && who.user.id !== subject) who = null;
    }
    if (!who && authorization.prompt.has('none')) throw this.flow.fail(authorization, 'login_required', 'The user is not signed in.');
    if (!who) return this.pages.login(reply, authorization, this.sessions.anonymousCsrfToken(request, reply));
    if (!(await this.authenticationSufficient(authorization, who, request, reply))) return;
    await this.proceed(authorization, who, {}, reply);
  }

  /**
   * OIDC Core §3.1.2.1 acr_values: a request for multi-factor authentication is met or refused, never ignored.
   * A person signed in with one factor does the second now (step-up; someone without one enrols first); an EHR
   * launch's identity cannot, so that is unmet_authentication_requirements (OpenID Connect Core Unmet
   * Authentication Requirements 1.0); with prompt=none it is interaction_required (§3.1.2.6).
   */
  private async authenticationSufficient(
    authorization: AuthorizationRequest,
    who: AuthorizingUser,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<boolean> {
    if (!requiresMultiFactor(authorization.acrValues) || who.amr.includes('mfa')) return true;
    if (who.viaLaunch)
      throw this.flow.fail(
        authorization,
        'unmet_authentication_requirements',
        'Multi-factor authentication was requested, and the EHR launch cannot provide it.',
      );
    if (authorization.prompt.has('none')) throw this.flow.fail(authorization, 'interaction_required', 'A second factor is required.');
    await this.secondFactor.beginStepUp(request, reply, who, serialize(authorization));
    return false;
  }

  private async proceed(
    authorization: AuthorizationRequest,
    who: AuthorizingUser,
    choices: FlowChoices,
    reply: FastifyReply,
  ): Promise<void> {
    const step = await this.flow.advance(authorization, who, choices, reply.request.ip ?? null);
    if (step.kind === 'redirect') {
      reply.status(302).header('Cache-Control', 'no-store').header('Location', step.location).send();
      return;
    }
    this.pages.step(reply, authorization, who, step);
  }

  // EHR launch policy (docs/authorize.md): the launch is bound to the first browser presenting it; a launch
  // naming its user lets that user authorize this one request without a password, because the EHR that created
  // it authenticated as a client allowed to create launch contexts. It never starts a sign-in session.
  private async authorizingUser(
    authorization: AuthorizationRequest,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<AuthorizingUser | null> {
    const current = await this.sessions.current(request);
    const launch = authorization.launchContext;
    if (launch) {
      const bound = await this.launches.bindToBrowser(
        launch.id,
        authorization.client.clientId,
        this.sessions.browserBinding(request, reply),
      );
      if (!bound) throw this.flow.fail(authorization, 'invalid_request', LAUNCH_UNUSABLE);
      if (launch.userId && current?.user.id !== launch.userId) {
        const user = await this.users.findById(launch.userId);
        if (user?.enabled) return this.sessions.launchIdentity(request, reply, user, launch.createdAt);
      }
    }
    return current ? this.sessions.asAuthorizingUser(current) : null;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
