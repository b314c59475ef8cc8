import { Injectable } from '@nestjs/common';
import { AccessTokenVerifier } from '../access-tokens';
import { TokenHolderService } from '../clients/token-holder.service';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { pickLaunchContext, RefreshTokenRepository } from '../token';
import { IntrospectionCaller } from './introspection-caller.service';

export type IntrospectionResponse = { active: false } | ({ active: true } & Record<string, unknown>);

const INACTIVE: IntrospectionResponse = Object.freeze({ active: false });

// RFC 7662 §2.2 and SMART App Launch 2.2 Token Introspection: anything unknown, expired, revoked, malformed or not the caller's is exactly
// {"active": false}, so the response never reveals why.
@Injectable()
export class IntrospectionService {
  constructor(
    private readonly accessTokens: AccessTokenVerifier,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly holders: TokenHolderService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async introspect(token: string, caller: IntrospectionCaller): Promise<IntrospectionResponse> {
    return token.split('.').length === 3 ? this.accessToken(token, caller) : this.refreshToken(token, caller);
  }

  private async accessToken(token: string, caller: IntrospectionCaller): Promise<IntrospectionResponse> {
    // The FHIR guard's definition (AccessTokenVerifier), for any audience this server issued: signature, exp,
    // revoked token or grant, deleted or disabled client, disabled user, narrowed restriction.
    const verdict = await this.accessTokens.verify(token);
    if (!verdict.active || !visibleTo(caller, verdict.claims.client_id)) return INACTIVE;
    const { claims } = verdict;
    // What a resource server needs to confine access as the built-in guard does (docs/tokens.md): the token
    // kind, the user's role, fhirUser, the patient restriction and the launch context.
    const response: Record<string, unknown> = {
      active: true,
      scope: claims.scope,
      client_id: claims.client_id,
      sub: claims.sub,
      exp: claims.exp,
      iat: claims.iat,
      iss: claims.iss,
      aud: claims.aud,
      jti: claims.jti,
      // RFC 9449 §6.2: a bound token is introspected as DPoP, with its confirmation.
      token_type: claims.cnf ? 'DPoP' : 'Bearer',
      token_use: 'access_token',
      ...pickLaunchContext(claims as unknown as Record<string, unknown>),
    };
    if (claims.fhirUser) response.fhirUser = claims.fhirUser;
    if (claims.user_role) response.user_role = claims.user_role;
    if (claims.restricted_to_patients) response.restricted_to_patients = claims.restricted_to_patients;
    if (claims.cnf) response.cnf = { jkt: claims.cnf.jkt };
    return response as IntrospectionResponse;
  }

  private async refreshToken(token: string, caller: IntrospectionCaller): Promise<IntrospectionResponse> {
    const stored = await this.refreshTokens.findByValue(token);
    if (!stored || !visibleTo(caller, stored.clientId)) return INACTIVE;
    if (stored.revokedAt || stored.grantRevoked || stored.rotatedAt || stored.expiresAt.getTime() <= this.clock.now()) return INACTIVE;
    if (!(await this.holders.isActive({ clientId: stored.clientId, subject: stored.userId ?? stored.clientId }))) return INACTIVE;
    return {
      active: true,
      scope: stored.scope,
      client_id: stored.clientId,
      sub: stored.userId ?? stored.clientId,
      exp: Math.floor(stored.expiresAt.getTime() / 1000),
      iat: Math.floor(stored.createdAt.getTime() / 1000),
      iss: this.config.issuer,
      // Not an RFC 6749 §7.1 access token type: a resource server must never accept this token as a bearer.
      token_type: 'refresh_token',
      token_use: 'refresh_token',
      ...pickLaunchContext(stored.launchContext as Record<string, unknown>),
    };
  }
}

function visibleTo(caller: IntrospectionCaller, clientId: string): boolean {
  return caller.mayIntrospectAnyToken || caller.clientId === clientId;
}
