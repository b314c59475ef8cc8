import { Injectable } from '@nestjs/common';
import { JWTPayload, JWTVerifyOptions } from 'jose';
import { TokenHolderService } from '../clients/token-holder.service';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { KeysService } from '../keys/keys.service';
import { RevocationService } from '../revocation/revocation.service';
import { DEFAULT_ACCESS_TOKEN_CACHE } from './access-token.cache';
import { SignedAccessTokenVerifier, VerifiedEntry } from './signed-access-token.verifier';

/**
 * Tokens this server issued, verified with its own keys (KeysService, ES256/RS256) for any audience unless the
 * caller names one, and honoured while neither the token, its grant nor its client is revoked or deleted
 * (RevocationService) and its client and user are still enabled as the token describes them
 * (TokenHolderService). The revocation answer is reused for TOKEN_STATE_CACHE_MS, and read again at once after
 * any revocation made in this process.
 */
@Injectable()
export class LocalAccessTokenVerifier extends SignedAccessTokenVerifier {
  constructor(
    private readonly keys: KeysService,
    private readonly revocation: RevocationService,
    private readonly holders: TokenHolderService,
    config: AppConfig,
    clock: Clock,
  ) {
    super(
      { ...DEFAULT_ACCESS_TOKEN_CACHE, max: config.caches.tokenMax, stateTtlMs: config.caches.tokenStateMs },
      config.issuer,
      undefined,
      clock,
    );
  }

  protected verifyJwt(token: string, options: JWTVerifyOptions): Promise<JWTPayload> {
    return this.keys.verify(token, options);
  }

  protected override async withdrawn(entry: VerifiedEntry, now: number): Promise<boolean> {
    const { claims } = entry;
    const revision = this.revocation.revision;
    let state = entry.state;
    if (!state || state.revision !== revision || now - state.readAt >= this.settings.stateTtlMs) {
      state = { revoked: await this.revocation.isRevoked(claims.jti, claims.grant_id, claims.client_id), readAt: now, revision };
      entry.state = state;
    }
    if (state.revoked) return true;
    // Access ends when the decision behind it ends: asked on every use, through the clients module's own caches, so that disabling a client or a
    // user in this process ends its tokens at once (CLIENT_CACHE_MS in other processes).
    entry.holder ??= {
      clientId: claims.client_id,
      subject: claims.sub,
      userRole: claims.user_role,
      restrictedToPatients: claims.restricted_to_patients,
    };
    return !(await this.holders.isActive(entry.holder));
  }
}
