import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { UsersService } from '../clients/users.service';
import { PageError } from '../common/html/page.error';
import { AuthorizationFlowService, FlowChoices } from './authorization-flow.service';
import { AuthorizationRequest } from './authorization-request';
import { AuthorizationRequestValidator, RawParameters } from './authorization-request.validator';
import { AuthorizePages, deserialize } from './authorize-pages';
import { BrowserSessionService, SignedInUser } from './browser-session.service';
import { field, fieldList } from './html-reply';

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
  ) {}

  @Get('authorize')
  async authorizeGet(@Query() query: RawParameters, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.start(query ?? {}, request, reply);
  }

  @Post('authorize')
  async authorizePost(@Body() body: RawParameters, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.start(isObject(body) ? body : {}, request, reply);
  }

  /** Every page of the flow (pickers, consent) posts here with the original request in `authorization_request`. */
  @Post('authorize/continue')
  async continue(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = isObject(body) ? body : {};
    const authorization = await this.validator.validate(deserialize(form.authorization_request));
    const signedIn = await this.signedInUser(authorization, request, reply);
    if (!signedIn) return this.pages.login(reply, authorization, this.sessions.anonymousCsrfToken(request, reply));
    if (!this.sessions.sessionCsrfValid(signedIn, form.csrf_token)) {
      throw new PageError(403, 'Form expired', 'This form is no longer valid. Go back to the app and start again.');
    }
    const searching = field(form.action) === 'search';
    const choices: FlowChoices = {
      patient: searching ? undefined : field(form.patient),
      patientSearch: field(form.patient_search),
      encounter: field(form.encounter),
      decision: searching ? undefined : field(form.decision),
      approvedScopes: fieldList(form.scope),
    };
    await this.proceed(authorization, signedIn, choices, reply);
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
    let signedIn = await this.signedInUser(authorization, request, reply);
    // OIDC Core §3.1.2.1: prompt=login asks for a fresh sign-in, unless the EHR launch itself named the user.
    if (authorization.prompt.has('login') && !authorization.launchContext?.userId) signedIn = null;
    if (!signedIn && authorization.prompt.has('none')) throw this.flow.fail(authorization, 'login_required', 'The user is not signed in.');
    if (!signedIn) return this.pages.login(reply, authorization, this.sessions.anonymousCsrfToken(request, reply));
    await this.proceed(authorization, signedIn, {}, reply);
  }

  private async proceed(authorization: AuthorizationRequest, signedIn: SignedInUser, choices: FlowChoices, reply: FastifyReply): Promise<void> {
    const step = await this.flow.advance(authorization, signedIn.user, signedIn.session.id, choices);
    if (step.kind === 'redirect') {
      reply.status(302).header('Cache-Control', 'no-store').header('Location', step.location).send();
      return;
    }
    this.pages.step(reply, authorization, signedIn, step);
  }

  // EHR launch policy (docs/authorize.md): a launch naming its user signs that user in, because the EHR that
  // created it authenticated as a client allowed to create launch contexts and vouches for the user.
  private async signedInUser(authorization: AuthorizationRequest, request: FastifyRequest, reply: FastifyReply): Promise<SignedInUser | null> {
    const current = await this.sessions.current(request);
    const launchUserId = authorization.launchContext?.userId;
    if (!launchUserId || current?.user.id === launchUserId) return current;
    const user = await this.users.findById(launchUserId);
    return user?.enabled ? this.sessions.signIn(reply, user, 'ehr-launch') : current;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
