import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { isSerializedRequest } from '../authorize/authorize-pages';
import { BrowserSessionService } from '../authorize/browser-session.service';
import { field } from '../common/html/form-fields';
import { safeReturnTo } from '../authorize/sign-in-continuation';
import { PageError } from '../common/html/page.error';
import { FederatedSignInService } from './federated-sign-in.service';
import { FederationFailure, sendFailurePage } from './federation-failure';
import { IdentityProviderEntity } from './identity-provider.entity';
import { isOidc } from './identity-provider-settings';
import { IdentityProvidersService } from './identity-providers.service';
import { LdapSignInPages } from './ldap/ldap-sign-in.pages';
import { OidcSignInService, PendingSignIn } from './oidc/oidc-sign-in.service';

const UNKNOWN = 'This sign-in option does not exist or is turned off.';

// The browser side of sign-in through an identity provider: the sign-in page's "Sign in with …" buttons post
// here, OIDC providers answer at /callback (the redirect URI registered upstream).
@ApiTags('federation')
@Controller('federation')
export class FederationController {
  constructor(
    private readonly providers: IdentityProvidersService,
    private readonly oidc: OidcSignInService,
    private readonly signIn: FederatedSignInService,
    private readonly sessions: BrowserSessionService,
    private readonly ldapPages: LdapSignInPages,
  ) {}

  @Post(':id/start')
  @ApiExcludeEndpoint()
  async start(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = body && typeof body === 'object' ? body : {};
    const authorizationRequest = field(form.authorization_request) ?? null;
    const pending: PendingSignIn = { authorizationRequest, returnTo: safeReturnTo(form.return_to) ?? null };
    if (!this.sessions.anonymousCsrfValid(request, form.csrf_token))
      throw new PageError(403, 'Form expired', 'The sign-in form expired. Go back and try again.');
    if (authorizationRequest !== null && !isSerializedRequest(authorizationRequest))
      throw new PageError(400, 'Invalid request', 'The sign-in request was malformed. Please start again from the app.');
    const provider = await this.enabledProvider(id);
    if (!isOidc(provider.settings)) return this.ldapPages.form(provider, request, reply, pending);
    try {
      await this.oidc.start(provider, pending, request, reply);
    } catch (error) {
      if (!(error instanceof FederationFailure)) throw error;
      await this.signIn.recordFailure(provider, { request, authorizationRequest }, error.reason);
      sendFailurePage(reply, error, authorizationRequest);
    }
  }

  @Get(':id/callback')
  @ApiExcludeEndpoint()
  async callback(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const pending: PendingSignIn = { authorizationRequest: null, returnTo: null };
    const provider = await this.providers.findById(id);
    try {
      if (!provider || !isOidc(provider.settings)) throw new FederationFailure(404, 'unknown-provider', 'Sign-in unavailable', UNKNOWN);
      if (!provider.enabled) throw new FederationFailure(403, 'provider-disabled', 'Sign-in unavailable', UNKNOWN);
      const person = await this.oidc.finish(provider, request, reply, pending);
      await this.signIn.complete(provider, person, { request, reply, ...pending });
    } catch (error) {
      if (!(error instanceof FederationFailure)) throw error;
      await this.signIn.recordFailure(provider ?? id, { request, authorizationRequest: pending.authorizationRequest }, error.reason);
      sendFailurePage(reply, error, pending.authorizationRequest);
    }
  }

  /** This server's public key for private_key_jwt client authentication at the provider (RFC 7523 §2.2). */
  @Get(':id/jwks.json')
  @ApiOperation({ summary: 'Public key smart-auth signs its client assertions with at this OIDC provider (private_key_jwt)' })
  async jwks(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    const provider = await this.providers.findById(id);
    const publicJwk =
      provider && isOidc(provider.settings) && provider.settings.tokenEndpointAuthMethod === 'private_key_jwt'
        ? provider.settings.publicJwk
        : null;
    if (!publicJwk) {
      reply.status(404).header('Content-Type', 'application/json').send({ error: 'not_found', error_description: 'No such key set' });
      return;
    }
    reply
      .header('Content-Type', 'application/json')
      .header('Cache-Control', 'public, max-age=300')
      .send({ keys: [publicJwk] });
  }

  private async enabledProvider(id: string): Promise<IdentityProviderEntity> {
    const provider = await this.providers.findById(id);
    if (!provider?.enabled) throw new PageError(404, 'Sign-in unavailable', UNKNOWN);
    return provider;
  }
}
