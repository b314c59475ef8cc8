import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RevocationService } from '../revocation/revocation.service';
import { AccessTokenService } from '../token/access-token.service';
import { pickLaunchContext } from '../token/launch-context';
import { RefreshTokenRepository } from '../token/refresh-token.repository';
import { IntrospectionCaller } from './introspection-caller.service';

export type IntrospectionResponse = { active: false } | ({ active: true } & Record<string, unknown>);

const INACTIVE: IntrospectionResponse = Object.freeze({ active: false });

// RFC 7662 §2.2 and SMART N: anything unknown, expired, revoked, malformed or not the caller's is exactly
// {"active": false}, so the response never reveals why.
@Injectable()
export class IntrospectionService {
  constructor(
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly revocation: RevocationService,
    private readonly config: AppConfig,
  ) {}

  async introspect(token: string, caller: IntrospectionCaller): Promise<IntrospectionResponse> {
    return token.split('.').length === 3 ? this.accessToken(token, caller) : this.refreshToken(token, caller);
  }

  private async accessToken(token: string, caller: IntrospectionCaller): Promise<IntrospectionResponse> {
    const claims = await this.accessTokens.verify(token);
    if (!claims || !visibleTo(caller, claims.client_id)) return INACTIVE;
    if (await this.revocation.isRevoked(claims.jti, claims.grant_id, claims.client_id)) return INACTIVE;
    const response: Record<string, unknown> = {
      active: true,
      scope: claims.scope,
      client_id: claims.client_id,
      sub: claims.sub,
      exp: claims.exp,
      iat: claims.iat,
      iss: claims.iss,
      aud: claims.aud,
      token_type: 'Bearer',
      ...pickLaunchContext(claims as unknown as Record<string, unknown>),
    };
    if (claims.fhirUser) response.fhirUser = claims.fhirUser;
    return response as IntrospectionResponse;
  }

  private async refreshToken(token: string, caller: IntrospectionCaller): Promise<IntrospectionResponse> {
    const stored = await this.refreshTokens.findByValue(token);
    if (!stored || !visibleTo(caller, stored.clientId)) return INACTIVE;
    if (stored.revokedAt || stored.grantRevoked || stored.rotatedAt || stored.expiresAt.getTime() <= Date.now()) return INACTIVE;
    return {
      active: true,
      scope: stored.scope,
      client_id: stored.clientId,
      sub: stored.userId ?? stored.clientId,
      exp: Math.floor(stored.expiresAt.getTime() / 1000),
      iat: Math.floor(stored.createdAt.getTime() / 1000),
      iss: this.config.issuer,
      token_type: 'refresh_token',
      ...pickLaunchContext(stored.launchContext as Record<string, unknown>),
    };
  }
}

function visibleTo(caller: IntrospectionCaller, clientId: string): boolean {
  return caller.mayIntrospectAnyToken || caller.clientId === clientId;
}
