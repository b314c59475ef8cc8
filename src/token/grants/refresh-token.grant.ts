import { Injectable } from '@nestjs/common';
import { LoginSessionService } from '../../authorize/login-session.service';
import { AuditService } from '../../audit/audit.service';
import { Clock } from '../../common/time/clock';
import { InvalidDpopProofError, InvalidGrantError, InvalidRequestError, InvalidScopeError } from '../../common/oauth/errors';
import { AppConfig } from '../../config/app-config';
import { RevocationService } from '../../revocation/revocation.service';
import { formatScopes, isSubsetOf, parseScopes } from '../../scopes';
import { withinResourceServer } from '../../resource-servers/resource-server-settings';
import { ResourceServersService } from '../../resource-servers/resource-servers.service';
import { RefreshTokenRepository, StoredRefreshToken } from '../refresh-token.repository';
import { TokenIssuerService } from '../token-issuer.service';
import { TokenResponseBody } from '../token-response';
import { GrantHandler, TokenRequest } from './grant-handler';

// RFC 6749 §6, SMART App Launch 2.2 §Refresh access token: rotate on every use; the same client only; scope ⊆ the original grant.
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token';
  readonly parameters = new Set(['refresh_token', 'scope', 'resource']);

  constructor(
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly issuer: TokenIssuerService,
    private readonly sessions: LoginSessionService,
    private readonly revocation: RevocationService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly resourceServers: ResourceServersService,
    private readonly clock: Clock,
  ) {}

  async handle({ params, client, ip, dpopJkt }: TokenRequest): Promise<TokenResponseBody> {
    if (!params.refresh_token) throw new InvalidRequestError('refresh_token is required');
    const lifetimeSeconds = this.issuer.refreshTokenLifetime(client);
    // One round trip when the statement can prove the checks below pass (see rotateIfRotatable); it then
    // returns the row it read, so any other case runs exactly the checks and rotation it always did.
    // With `resource`, the audience is checked before anything rotates (a refused request keeps the token).
    const attempt = params.resource === undefined && this.scopeCheckableInSql(params.scope)
      ? await this.refreshTokens.rotateIfRotatable(params.refresh_token, { clientId: client.clientId, scope: params.scope ?? null, lifetimeSeconds, dpopJkt })
      : await this.refreshTokens.findByValue(params.refresh_token).then((stored) => (stored ? { stored, value: null } : null));
    if (!attempt) throw new InvalidGrantError('The refresh token is invalid');
    const { stored } = attempt;
    if (!attempt.value) await this.assertRotatable(stored, client.clientId, ip, dpopJkt);
    // RFC 8707 §2.2: refreshed tokens keep the granted audience, within its current scope ceiling.
    const target = await this.resourceServers.forGrant(params.resource, stored.aud);
    const requested = this.grantedScope(params.scope, stored.scope);
    const scope = target.ceiling ? formatScopes(withinResourceServer(parseScopes(requested).scopes, target.ceiling)) : requested;
    const rotated = attempt.value ?? (await this.refreshTokens.rotate(stored.id, lifetimeSeconds));
    if (!rotated) throw new InvalidGrantError('The refresh token has already been used');
    const body = await this.issuer.issue({
      client,
      userId: stored.userId,
      scope,
      grantId: stored.grantId,
      launchContext: stored.launchContext,
      refreshToken: rotated,
      audience: target.audience,
      dpopJkt,
    });
    this.audit.record({ event: 'refreshed', outcome: 'success', clientId: client.clientId, grantId: stored.grantId, userId: stored.userId, ip, detail: { scope } });
    return body;
  }

  private async assertRotatable(stored: StoredRefreshToken, clientId: string, ip: string | null, dpopJkt: string | null): Promise<void> {
    if (stored.clientId !== clientId) throw new InvalidGrantError('The refresh token is invalid');
    // RFC 9449 §5: a public client's bound refresh token needs a proof with the same key.
    if (stored.dpopJkt && stored.dpopJkt !== dpopJkt) throw new InvalidDpopProofError('The refresh token is bound to another DPoP key');
    if (stored.revokedAt || stored.grantRevoked) throw new InvalidGrantError('The refresh token has been revoked');
    if (stored.rotatedAt) await this.reused(stored, ip);
    if (stored.expiresAt.getTime() <= this.clock.now()) throw new InvalidGrantError('The refresh token has expired');
    // SMART App Launch 2.2 §Scopes for requesting a refresh token: online_access lasts only as long as the user's login session.
    if (stored.online && !(stored.loginSessionId && (await this.sessions.isActive(stored.loginSessionId)))) {
      throw new InvalidGrantError('The login session behind this online_access token has ended');
    }
  }

  // The statement can only compare strings: a requested scope goes to it when it is well formed (then, being
  // the stored scope itself, it would pass grantedScope); malformed ones take the read-then-check path to keep
  // its errors. Only a (bounded, linear) parse runs before the lookup; the subset check waits for the token.
  private scopeCheckableInSql(requested: string | undefined): boolean {
    if (requested === undefined) return true;
    const parsed = parseScopes(requested);
    return parsed.invalid.length === 0 && parsed.scopes.length > 0;
  }

  // SMART App Launch 2.2 §Refresh access token: absent = the original scope; present = a subset of it (the identical string included).
  private grantedScope(requested: string | undefined, original: string): string {
    if (requested === undefined) return original;
    const parsed = parseScopes(requested);
    if (parsed.invalid.length || parsed.scopes.length === 0) throw new InvalidScopeError('The requested scope is malformed');
    if (!isSubsetOf(parsed.scopes, parseScopes(original).scopes)) throw new InvalidScopeError('The requested scope exceeds the original grant');
    return formatScopes(parsed.scopes);
  }

  // RFC 9700 §4.14.2, SMART best practices: reuse of a rotated token ends the whole grant. Within the grace window
  // (REFRESH_TOKEN_REUSE_GRACE) a client that lost the previous response is refused without that penalty.
  private async reused(stored: StoredRefreshToken, ip: string | null): Promise<never> {
    const withinGrace = this.clock.now() - (stored.rotatedAt as Date).getTime() <= this.config.refreshTokenReuseGrace * 1000;
    if (!withinGrace && stored.grantId) {
      await Promise.all([this.revocation.revokeGrant(stored.grantId), this.refreshTokens.revokeByGrant(stored.grantId)]);
    }
    this.audit.record({ event: 'refresh_reuse', outcome: 'failure', clientId: stored.clientId, grantId: stored.grantId, userId: stored.userId, ip, detail: { grant_revoked: !withinGrace } });
    throw new InvalidGrantError('The refresh token has already been used');
  }
}
