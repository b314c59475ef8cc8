import { Injectable } from '@nestjs/common';
import type { ClientEntity } from '../clients/client.entity';
import { UsersService } from '../clients/users.service';
import { InvalidGrantError } from '../common/oauth/errors';
import { AppConfig } from '../config/app-config';
import { MAX_SIGNED_TOKEN_LIFETIME_SECONDS } from '../keys/keys.service';
import { MAX_RESTRICTED_PATIENTS } from '../fhir-auth/smart-context.claims';
import { parseScopes } from '../scopes';
import { AccessTokenService } from './access-token.service';
import { IdTokenService } from './id-token.service';
import { LaunchContext, pickLaunchContext } from './launch-context';
import { TokenResponseBody } from './token-response';

export interface IssueInput {
  client: ClientEntity;
  /** Null for backend services (the subject is then the client). */
  userId: string | null;
  scope: string;
  grantId: string | null;
  launchContext: LaunchContext;
  nonce?: string | null;
  /** OIDC Core §2 auth_time, in seconds, when known (authorization code grant). */
  authTime?: number | null;
  /** RFC 8176 authentication method references for the id_token. */
  amr?: string[] | null;
  /** A rotated refresh token, or a function creating one (run alongside the signing). */
  refreshToken?: (() => Promise<string>) | string | null;
  lifetimeSeconds?: number;
  /** The access token's `aud` (RFC 8707); this server's FHIR base when absent. */
  audience?: string;
  /** RFC 9449: bind the access token to this DPoP key thumbprint (token_type DPoP). */
  dpopJkt?: string | null;
}

// Builds the token response (SMART App Launch 2.2 §Obtain access token, §Refresh access token): access token, optional
// id_token and refresh token, launch context.
@Injectable()
export class TokenIssuerService {
  constructor(
    private readonly accessTokens: AccessTokenService,
    private readonly idTokens: IdTokenService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  accessTokenLifetime(client: ClientEntity): number {
    return Math.min(client.accessTokenTtl ?? this.config.accessTokenTtl, MAX_SIGNED_TOKEN_LIFETIME_SECONDS);
  }

  refreshTokenLifetime(client: ClientEntity): number {
    return client.refreshTokenTtl ?? this.config.refreshTokenTtl;
  }

  async issue(input: IssueInput): Promise<TokenResponseBody> {
    // Read afresh (cached ≤ CLIENT_CACHE_MS) on every issuance: a refresh picks up a disabled user or a changed restriction.
    const user = input.userId ? await this.users.findEnabled(input.userId) : null;
    if (input.userId && !user) throw new InvalidGrantError('The user of this grant is unknown or disabled');
    const restrictedToPatients = user?.role === 'practitioner' ? user.restrictedToPatients : null;
    // Fail closed on a legacy row the token could not carry (the users service refuses such lists now).
    if (restrictedToPatients && restrictedToPatients.length > MAX_RESTRICTED_PATIENTS)
      throw new InvalidGrantError('The user is restricted to more patients than a token can carry');
    const kinds = new Set(parseScopes(input.scope).scopes.map((scope) => scope.kind));
    const fhirUser = this.idTokens.absoluteFhirUser(user?.fhirUser);
    const lifetime = input.lifetimeSeconds ?? this.accessTokenLifetime(input.client);
    const launchContext = pickLaunchContext(input.launchContext as Record<string, unknown>);
    // OIDC Core §3.1.3.3: an id_token whenever openid was granted (fhirUser and profile only add claims, SMART App
    // Launch 2.2 §Scopes for requesting identity data).
    const wantsIdToken = user !== null && kinds.has('openid');
    const [access, idToken, refreshToken] = await Promise.all([
      this.accessTokens.mint({
        clientId: input.client.clientId,
        subject: user?.id ?? input.client.clientId,
        scope: input.scope,
        lifetimeSeconds: lifetime,
        grantId: input.grantId,
        launchContext,
        fhirUser,
        userRole: user?.role ?? null,
        restrictedToPatients,
        audience: input.audience,
        dpopJkt: input.dpopJkt,
      }),
      wantsIdToken
        ? this.idTokens.mint({
            clientId: input.client.clientId,
            userId: user.id,
            fhirUser: kinds.has('fhirUser') ? fhirUser : null,
            name: kinds.has('profile') ? user.displayName : null,
            nonce: input.nonce,
            authTime: input.authTime,
            amr: input.amr,
            lifetimeSeconds: lifetime,
          })
        : Promise.resolve(null),
      typeof input.refreshToken === 'function' ? input.refreshToken() : (input.refreshToken ?? null),
    ]);
    const body: TokenResponseBody = {
      access_token: access.token,
      token_type: input.dpopJkt ? 'DPoP' : 'Bearer',
      expires_in: access.expiresIn,
      scope: input.scope,
      ...launchContext,
    };
    if (idToken) body.id_token = idToken;
    if (refreshToken) body.refresh_token = refreshToken;
    return body;
  }
}
