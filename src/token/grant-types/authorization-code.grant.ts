import { Injectable } from '@nestjs/common';
import { AuthorizationCodeService } from '../../authorize/authorization-code.service';
import { InvalidGrantError, InvalidRequestError } from '../../common/oauth/errors';
import { AuditService } from '../../audit/audit.service';
import { RevocationService } from '../../revocation/revocation.service';
import { ResourceServersService } from '../../resource-servers/resource-servers.service';
import { parseScopes } from '../../scopes';
import { LaunchContext } from '../launch-context';
import { verifyPkce } from '../pkce';
import { RefreshTokenRepository } from '../refresh-token.repository';
import { TokenIssuerService } from '../token-issuer.service';
import { TokenResponseBody } from '../token-response';
import { GrantHandler, TokenRequest } from './grant-handler';

// RFC 6749 §4.1.3 and SMART App Launch 2.2 §Obtain access token: redeem a code once, for the client, redirect_uri and
// PKCE verifier it is bound to.
@Injectable()
export class AuthorizationCodeGrant implements GrantHandler {
  readonly grantType = 'authorization_code';
  readonly parameters = new Set(['code', 'redirect_uri', 'code_verifier', 'resource']);

  constructor(
    private readonly codes: AuthorizationCodeService,
    private readonly issuer: TokenIssuerService,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly revocation: RevocationService,
    private readonly audit: AuditService,
    private readonly resourceServers: ResourceServersService,
  ) {}

  async handle({ params, client, ip, dpopJkt }: TokenRequest): Promise<TokenResponseBody> {
    if (!params.code) throw new InvalidRequestError('code is required');
    if (!params.redirect_uri) throw new InvalidRequestError('redirect_uri is required');
    // Check the presenter before touching the code: another client, a wrong redirect_uri or a wrong verifier is
    // refused without redeeming it, so the rightful redemption still works (RFC 6749 §4.1.3, RFC 7636 §4.6).
    const found = await this.codes.find(params.code);
    if (!found) throw new InvalidGrantError('The authorization code is invalid or expired');
    if (found.clientId !== client.clientId) throw new InvalidGrantError('The authorization code is invalid or expired');
    if (found.redirectUri !== params.redirect_uri) throw new InvalidGrantError('redirect_uri does not match the authorization request');
    // RFC 7636 §4.6, SMART App Launch 2.2 §Considerations for PKCE Support: a missing, blank or wrong verifier is invalid_grant.
    if (!verifyPkce(params.code_verifier, found.codeChallenge))
      throw new InvalidGrantError('code_verifier does not match the code challenge');
    // The token is for the audience chosen at /authorize; `resource` may only repeat it (RFC 8707 §2.2).
    // Checked before redemption too, so a wrong `resource` does not spend the code.
    const target = await this.resourceServers.forGrant(params.resource, found.aud);
    const kinds = new Set(parseScopes(found.scope).scopes.map((scope) => scope.kind));
    const offline = kinds.has('offline_access');
    const online = !offline && kinds.has('online_access');
    const launchContext = (found.launchContext ?? {}) as LaunchContext;
    // Redemption, the refresh token and the audit event commit together, or not at all (the code stays
    // redeemable when the event cannot be written); signing runs after the commit, holding no connection.
    const redemption = await this.audit.transaction(async (manager) => {
      const result = await this.codes.redeem(found, manager);
      if (result.status !== 'ok') return { ...result, refreshToken: null };
      const code = result.code;
      const refreshToken =
        (offline || online) && client.allowRefreshTokens
          ? await this.refreshTokens.create(
              {
                clientId: client.clientId,
                grantId: code.grantId ?? null,
                userId: code.userId ?? null,
                scope: code.scope,
                launchContext,
                loginSessionId: online ? (code.loginSessionId ?? null) : null,
                online,
                lifetimeSeconds: this.issuer.refreshTokenLifetime(client),
                aud: target.audience,
                // RFC 9449 §5: only a public client's refresh token is bound (a confidential one authenticates).
                dpopJkt: client.tokenEndpointAuthMethod === 'none' ? dpopJkt : null,
              },
              manager,
            )
          : null;
      const detail = {
        grant_type: this.grantType,
        scope: code.scope,
        refresh_token: refreshToken !== null,
        id_token: code.userId !== null && kinds.has('openid'),
      };
      await this.audit.record(
        { event: 'issued', outcome: 'success', clientId: client.clientId, grantId: code.grantId, userId: code.userId, ip, detail },
        manager,
      );
      return { ...result, refreshToken };
    });
    if (redemption.status === 'invalid') throw new InvalidGrantError('The authorization code is invalid or expired');
    const code = redemption.code;
    if (redemption.status === 'reused') {
      // RFC 6749 §4.1.2: a code used twice by its rightful presenter is refused and the tokens already issued
      // from it are revoked; the revocation and its event commit before the refusal.
      await this.audit.transaction(async (manager) => {
        if (code.grantId) {
          await this.revocation.revokeGrant(code.grantId, manager);
          await this.refreshTokens.revokeByGrant(code.grantId, manager);
        }
        await this.audit.record(
          { event: 'code_reuse', outcome: 'failure', clientId: client.clientId, grantId: code.grantId, userId: code.userId, ip },
          manager,
        );
      });
      throw new InvalidGrantError('The authorization code has already been used');
    }

    // A grant the user revoked before redemption leaves the code unredeemable (checked inside redeem()).
    const body = await this.issuer.issue({
      client,
      userId: code.userId ?? null,
      scope: code.scope,
      grantId: code.grantId ?? null,
      launchContext,
      nonce: code.nonce ?? null,
      authTime: code.authTime ? Math.floor(new Date(code.authTime).getTime() / 1000) : null,
      amr: code.amr ?? null,
      refreshToken: redemption.refreshToken,
      audience: target.audience,
      dpopJkt,
    });
    return body;
  }
}
