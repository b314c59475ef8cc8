import { Injectable, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import { deserialize } from '../../authorize/authorize-pages';
import { BrowserSessionService } from '../../authorize/browser-session.service';
import { seeOther } from '../../common/html/html-reply';
import { OutboundFetchError } from '../../common/outbound/outbound-fetch.error';
import { AppConfig } from '../../config/app-config';
import { FederatedPerson } from '../federated-sign-in.service';
import { FederationFailure } from '../federation-failure';
import { IdentityProviderEntity } from '../identity-provider.entity';
import { OidcProviderSettings } from '../identity-provider-settings';
import { callbackPath } from '../identity-provider.view';
import { groupsOf, textClaim } from '../person-mapping';
import { FederationFlowsRepository } from './federation-flows.repository';
import { OidcClients } from './oidc-clients';

const AMR_VALUE = /^[A-Za-z0-9_.:-]{1,40}$/;

export interface PendingSignIn {
  authorizationRequest: string | null;
  returnTo: string | null;
}

/** The relying-party side of a sign-in at an OIDC provider: authorization code with PKCE, state and nonce. */
@Injectable()
export class OidcSignInService {
  private readonly logger = new Logger(OidcSignInService.name);

  constructor(
    private readonly clients: OidcClients,
    private readonly flows: FederationFlowsRepository,
    private readonly sessions: BrowserSessionService,
    private readonly config: AppConfig,
  ) {}

  /** Sends the browser to the provider; the flow's state is kept here, bound to this browser. */
  async start(provider: IdentityProviderEntity, pending: PendingSignIn, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const settings = provider.settings as OidcProviderSettings;
    const configuration = await this.configuration(provider);
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const asked = deserialize(pending.authorizationRequest ?? '');
    // OIDC Core §3.1.2.1: a fresh sign-in or a maximum age the app asked for applies upstream as well.
    const prompt = typeof asked.prompt === 'string' && asked.prompt.split(' ').includes('login') ? 'login' : undefined;
    const maxAge = typeof asked.max_age === 'string' && /^\d{1,9}$/.test(asked.max_age) ? Number(asked.max_age) : null;
    await this.flows.create(state, {
      providerId: provider.id,
      browserBinding: this.sessions.browserBinding(request, reply),
      codeVerifier,
      nonce,
      maxAge,
      authorizationRequest: pending.authorizationRequest,
      returnTo: pending.returnTo,
    });
    void this.flows.purgeExpired().catch(() => undefined);
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.config.url(callbackPath(provider.id)),
      scope: settings.scopes,
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      ...(prompt ? { prompt } : {}),
      ...(maxAge !== null ? { max_age: String(maxAge) } : {}),
    });
    seeOther(reply, url.href);
  }

  /**
   * Checks the provider's answer and returns the person it vouches for. Throws FederationFailure for anything
   * else; `pending` is filled as soon as the flow is known (for the way back).
   */
  async finish(
    provider: IdentityProviderEntity,
    request: FastifyRequest,
    reply: FastifyReply,
    pending: PendingSignIn,
  ): Promise<FederatedPerson> {
    const name = provider.displayName;
    const query = (request.query ?? {}) as Record<string, unknown>;
    const state = typeof query.state === 'string' ? query.state : '';
    const binding = this.sessions.browserBinding(request, reply);
    const flow = state && state.length <= 200 ? await this.flows.redeem(state, provider.id, binding) : null;
    if (!flow) {
      pending.authorizationRequest = state && state.length <= 200 ? await this.flows.pendingRequest(state, provider.id, binding) : null;
      throw new FederationFailure(
        400,
        'invalid-state',
        'Sign-in expired',
        'This sign-in is no longer valid: it expired, was already used, or was started in another browser. Please start again.',
      );
    }
    Object.assign(pending, { authorizationRequest: flow.authorizationRequest, returnTo: flow.returnTo });
    const configuration = await this.configuration(provider);
    const metadata = configuration.serverMetadata();
    // RFC 9207 §2.4: the answer must come from this provider, not another one the browser was sent to (mix-up).
    if (typeof query.iss === 'string' ? query.iss !== metadata.issuer : metadata.authorization_response_iss_parameter_supported === true) {
      throw new FederationFailure(400, 'wrong-issuer', 'Sign-in failed', `The answer did not come from ${name}. Please start again.`);
    }
    if (typeof query.error === 'string') {
      const denied = query.error === 'access_denied';
      throw new FederationFailure(
        denied ? 403 : 502,
        denied ? 'access-denied' : 'upstream-error',
        denied ? 'Sign-in cancelled' : 'Sign-in failed',
        denied ? `The sign-in at ${name} was cancelled or refused.` : `${name} could not sign you in. Please try again later.`,
      );
    }
    const rawQuery = (request.raw.url ?? '').split('?')[1] ?? '';
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, new URL(`${this.config.url(callbackPath(provider.id))}?${rawQuery}`), {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
        ...(flow.maxAge !== null ? { maxAge: flow.maxAge } : {}),
      });
    } catch (error) {
      throw this.exchangeFailure(provider, error);
    }
    const claims = tokens.claims();
    if (!claims)
      throw new FederationFailure(502, 'invalid-response', 'Sign-in failed', `${name} did not say who you are. Please try again later.`);
    return this.person(provider, configuration, claims, tokens.access_token);
  }

  private async configuration(provider: IdentityProviderEntity): Promise<oidc.Configuration> {
    try {
      return await this.clients.configuration(provider);
    } catch (error) {
      this.logger.warn(`Discovery of identity provider ${provider.id} failed: ${describe(error)}`);
      throw new FederationFailure(
        502,
        'unreachable',
        'Sign-in unavailable',
        `${provider.displayName} cannot be reached right now. Please try again later.`,
      );
    }
  }

  private async person(
    provider: IdentityProviderEntity,
    configuration: oidc.Configuration,
    idToken: oidc.IDToken,
    accessToken: string,
  ): Promise<FederatedPerson> {
    const map = (provider.settings as OidcProviderSettings).claims;
    let claims: Record<string, unknown> = idToken;
    const wanted = [map.username, map.displayName, map.fhirUser, map.roles, map.email];
    // OIDC Core §5.4: many providers return profile claims (and groups) only from userinfo.
    if (wanted.some((claim) => claims[claim] === undefined) && configuration.serverMetadata().userinfo_endpoint) {
      try {
        claims = { ...(await oidc.fetchUserInfo(configuration, accessToken, idToken.sub)), ...idToken };
      } catch (error) {
        this.logger.warn(`Userinfo of identity provider ${provider.id} failed: ${describe(error)}`);
      }
    }
    const amr = Array.isArray(idToken.amr)
      ? idToken.amr.filter((value): value is string => typeof value === 'string' && AMR_VALUE.test(value)).slice(0, 10)
      : [];
    return {
      subject: idToken.sub,
      username: textClaim(claims[map.username]),
      displayName: textClaim(claims[map.displayName]),
      fhirUser: textClaim(claims[map.fhirUser], 500),
      email: textClaim(claims[map.email], 320),
      groups: groupsOf(claims[map.roles]),
      amr,
    };
  }

  private exchangeFailure(provider: IdentityProviderEntity, error: unknown): FederationFailure {
    const name = provider.displayName;
    this.logger.warn(`Sign-in at identity provider ${provider.id} failed: ${describe(error)}`);
    if (causes(error).some((cause) => cause instanceof OutboundFetchError)) {
      return new FederationFailure(
        502,
        'unreachable',
        'Sign-in unavailable',
        `${name} cannot be reached right now. Please try again later.`,
      );
    }
    if (error instanceof oidc.ResponseBodyError)
      return new FederationFailure(502, 'token-refused', 'Sign-in failed', `${name} refused to complete the sign-in. Please start again.`);
    return new FederationFailure(
      502,
      'invalid-response',
      'Sign-in failed',
      `The answer from ${name} could not be verified. Please start again.`,
    );
  }
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current && chain.length < 5; current = (current as { cause?: unknown }).cause) chain.push(current);
  return chain;
}

function describe(error: unknown): string {
  return causes(error)
    .map((cause) => (cause instanceof OutboundFetchError ? cause.detail : cause instanceof Error ? cause.message : String(cause)))
    .join(' <- ');
}
