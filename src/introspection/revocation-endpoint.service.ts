import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { ClientEntity } from '../clients/client.entity';
import { AccessTokenVerifier } from '../access-tokens';
import { RevocationService } from '../revocation/revocation.service';
import { RefreshTokenRepository } from '../token';

// RFC 7009: only the client a token was issued to may revoke it; anything else is silently ignored (§2.2).
@Injectable()
export class RevocationEndpointService {
  constructor(
    private readonly accessTokens: AccessTokenVerifier,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly revocation: RevocationService,
    private readonly audit: AuditService,
  ) {}

  // RFC 7009 §2.1: token_type_hint is only a hint; both kinds are recognised by their shape.
  async revoke(token: string, client: ClientEntity, ip: string | null): Promise<void> {
    if (token.split('.').length === 3) return this.revokeAccessToken(token, client, ip);
    return this.revokeRefreshToken(token, client, ip);
  }

  private async revokeAccessToken(token: string, client: ClientEntity, ip: string | null): Promise<void> {
    // An authentic, unexpired token of this client, honoured or not: one withdrawn otherwise (say a disabled user)
    // must be revoked too, or re-enabling would bring it back.
    const { claims } = await this.accessTokens.verify(token);
    if (!claims || claims.client_id !== client.clientId) return;
    // The revocation and its audit event commit together, or neither does (the request then fails).
    await this.audit.transaction(async (manager) => {
      await this.revocation.revokeAccessToken(claims.jti, new Date(claims.exp * 1000), manager);
      await this.audit.record(
        {
          event: 'revoked',
          outcome: 'success',
          clientId: client.clientId,
          grantId: claims.grant_id ?? null,
          ip,
          detail: { token_type: 'access_token', jti: claims.jti },
        },
        manager,
      );
    });
  }

  // RFC 7009 §2.1: revoking a refresh token also invalidates the access tokens of the same grant.
  private async revokeRefreshToken(token: string, client: ClientEntity, ip: string | null): Promise<void> {
    const stored = await this.refreshTokens.findByValue(token);
    if (!stored || stored.clientId !== client.clientId) return;
    await this.audit.transaction(async (manager) => {
      await this.refreshTokens.revoke(stored.id, manager);
      if (stored.grantId) {
        await this.revocation.revokeGrant(stored.grantId, manager);
        await this.refreshTokens.revokeByGrant(stored.grantId, manager);
      }
      await this.audit.record(
        {
          event: 'revoked',
          outcome: 'success',
          clientId: client.clientId,
          grantId: stored.grantId,
          userId: stored.userId,
          ip,
          detail: { token_type: 'refresh_token' },
        },
        manager,
      );
    });
  }
}
