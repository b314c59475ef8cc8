import { Injectable } from '@nestjs/common';
import type { ClientEntity } from '../clients/client.entity';
import type { UserEntity } from '../clients/user.entity';
import { UsersService } from '../clients/users.service';
import { InvalidGrantError } from '../common/oauth/errors';
import { AppConfig } from '../config/app-config';
import { MAX_SIGNED_TOKEN_LIFETIME_SECONDS } from '../keys/keys.service';
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
  /** A rotated refresh token, or a function creating one (run alongside the signing). */
  refreshToken?: (() => Promise<string>) | string | null;
  lifetimeSeconds?: number;
}

// Users change rarely; a short cache keeps a database round trip off every refresh.
const USER_CACHE_MS = 5000;

// Builds the token response (SMART G / J4): access token, optional id_token and refresh token, launch context.
@Injectable()
export class TokenIssuerService {
  private readonly userCache = new Map<string, { user: UserEntity | null; at: number }>();

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
    const user = input.userId ? await this.findUser(input.userId) : null;
    if (input.userId && !user) throw new InvalidGrantError('The user of this grant is unknown or disabled');
    const kinds = new Set(parseScopes(input.scope).scopes.map((scope) => scope.kind));
    const fhirUser = this.idTokens.absoluteFhirUser(user?.fhirUser);
    const lifetime = input.lifetimeSeconds ?? this.accessTokenLifetime(input.client);
    const launchContext = pickLaunchContext(input.launchContext as Record<string, unknown>);
    // OIDC Core §3.1.3.3: an id_token whenever openid was granted (fhirUser and profile only add claims, SMART M3).
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
      }),
      wantsIdToken
        ? this.idTokens.mint({
            clientId: input.client.clientId,
            userId: user.id,
            fhirUser: kinds.has('fhirUser') ? fhirUser : null,
            name: kinds.has('profile') ? user.displayName : null,
            nonce: input.nonce,
            authTime: input.authTime,
            lifetimeSeconds: lifetime,
          })
        : Promise.resolve(null),
      typeof input.refreshToken === 'function' ? input.refreshToken() : (input.refreshToken ?? null),
    ]);
    const body: TokenResponseBody = {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      scope: input.scope,
      ...launchContext,
    };
    if (idToken) body.id_token = idToken;
    if (refreshToken) body.refresh_token = refreshToken;
    return body;
  }

  private async findUser(userId: string): Promise<UserEntity | null> {
    const cached = this.userCache.get(userId);
    if (cached && Date.now() - cached.at < USER_CACHE_MS) return cached.user;
    const found = await this.users.findById(userId);
    const user = found && found.enabled !== false ? found : null;
    if (this.userCache.size > 10_000) this.userCache.clear();
    this.userCache.set(userId, { user, at: Date.now() });
    return user;
  }
}
