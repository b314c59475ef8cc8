import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { LoginSessionService } from '../../authorize/login-session.service';
import { AuditService } from '../../audit/audit.service';
import { Clock } from '../../common/time/clock';
import { InvalidDpopProofError, InvalidGrantError, InvalidRequestError, InvalidScopeError } from '../../common/oauth/errors';
import type { ClientEntity } from '../../clients/client.entity';
import { AppConfig } from '../../config/app-config';
import { RevocationService } from '../../revocation/revocation.service';
import { formatScopes, isSubsetOf, parseScopes } from '../../scopes';
import { withinResourceServer } from '../../resource-servers/resource-server-settings';
import { ResourceServersService } from '../../resource-servers/resource-servers.service';
import { RefreshTokenRepository, StoredRefreshToken } from '../refresh-token.repository';
import { TokenIssuerService } from '../token-issuer.service';
import { FormParams } from '../form-params';
import { TokenResponseBody } from '../token-response';
import { GrantHandler, TokenRequest } from './grant-handler';

interface Rotated {
  value: string;
  scope: string;
  audience: string;
}

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
    const value = params.refresh_token;
    const lifetimeSeconds = this.issuer.refreshTokenLifetime(client);
    // The rotation and its audit event commit together (one statement, or one transaction), or neither does (the
    // presented token then stays usable); signing runs after the commit, holding no connection.
    let stored: StoredRefreshToken;
    if (params.resource === undefined && this.scopeCheckableInSql(params.scope)) {
      // One statement rotates and records the event when it can prove the checks below pass (see
      // rotateIfRotatable); it returns the row it read, so any other case runs exactly the checks and rotation it
      // always did. It rotates only tokens for this server's FHIR API, whose scope needs no ceiling.
      const event = this.audit.eventPerRow(
        'old',
        { event: 'refreshed', outcome: 'success', clientId: client.clientId, ip },
        { scope: 'scope' },
        10,
      );
      const attempt = await this.refreshTokens
        .rotateIfRotatable(value, {
          clientId: client.clientId,
          scope: params.scope ?? null,
          lifetimeSeconds,
          dpopJkt,
          ownAudience: this.resourceServers.ownTarget.audience,
          event,
        })
        .catch((error: unknown) => Promise.reject(this.audit.writeError('refreshed', error)));
      if (!attempt) throw new InvalidGrantError('The refresh token is invalid');
      if (attempt.value)
        return this.respond(
          client,
          attempt.stored,
          {
            value: attempt.value,
            scope: this.grantedScope(params.scope, attempt.stored.scope),
            audience: this.resourceServers.ownTarget.audience,
          },
          dpopJkt,
        );
      stored = attempt.stored;
    } else {
      const found = await this.refreshTokens.findByValue(value);
      if (!found) throw new InvalidGrantError('The refresh token is invalid');
      stored = found;
    }
    await this.assertRotatable(stored, client.clientId, ip, dpopJkt);
    // A `resource` or scope refused in recordRotation rolls the rotation back: a refused request keeps the token.
    const rotated = await this.audit.transaction(async (manager) => {
      const successor = await this.refreshTokens.rotate(stored.id, lifetimeSeconds, manager);
      return successor ? this.recordRotation(stored, successor, params, client.clientId, ip, manager) : null;
    });
    if (!rotated) throw new InvalidGrantError('The refresh token has already been used');
    return this.respond(client, stored, rotated, dpopJkt);
  }

  /** The scope and audience of the rotated token, recorded (in the rotation's transaction) as `refreshed`. */
  private async recordRotation(
    stored: StoredRefreshToken,
    successor: string,
    params: FormParams,
    clientId: string,
    ip: string | null,
    manager: EntityManager,
  ): Promise<Rotated> {
    // RFC 8707 §2.2: refreshed tokens keep the granted audience, within its current scope ceiling.
    const target = await this.resourceServers.forGrant(params.resource, stored.aud, manager);
    const requested = this.grantedScope(params.scope, stored.scope);
    const scope = target.ceiling ? formatScopes(withinResourceServer(parseScopes(requested).scopes, target.ceiling)) : requested;
    await this.audit.record(
      { event: 'refreshed', outcome: 'success', clientId, grantId: stored.grantId, userId: stored.userId, ip, detail: { scope } },
      manager,
    );
    return { value: successor, scope, audience: target.audience };
  }

  private respond(client: ClientEntity, stored: StoredRefreshToken, rotated: Rotated, dpopJkt: string | null): Promise<TokenResponseBody> {
    return this.issuer.issue({
      client,
      userId: stored.userId,
      scope: rotated.scope,
      grantId: stored.grantId,
      launchContext: stored.launchContext,
      refreshToken: rotated.value,
      audience: rotated.audience,
      dpopJkt,
    });
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
    if (!isSubsetOf(parsed.scopes, parseScopes(original).scopes))
      throw new InvalidScopeError('The requested scope exceeds the original grant');
    return formatScopes(parsed.scopes);
  }

  // RFC 9700 §4.14.2, SMART best practices: reuse of a rotated token ends the whole grant. Within the grace window
  // (REFRESH_TOKEN_REUSE_GRACE) a client that lost the previous response is refused without that penalty.
  private async reused(stored: StoredRefreshToken, ip: string | null): Promise<never> {
    const withinGrace = this.clock.now() - (stored.rotatedAt as Date).getTime() <= this.config.refreshTokenReuseGrace * 1000;
    // The revocation and its event commit before the refusal.
    await this.audit.transaction(async (manager) => {
      if (!withinGrace && stored.grantId) {
        await this.revocation.revokeGrant(stored.grantId, manager);
        await this.refreshTokens.revokeByGrant(stored.grantId, manager);
      }
      await this.audit.record(
        {
          event: 'refresh_reuse',
          outcome: 'failure',
          clientId: stored.clientId,
          grantId: stored.grantId,
          userId: stored.userId,
          ip,
          detail: { grant_revoked: !withinGrace },
        },
        manager,
      );
    });
    throw new InvalidGrantError('The refresh token has already been used');
  }
}
