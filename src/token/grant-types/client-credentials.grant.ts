import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { registeredMethodAccepts } from '../../clients/authentication/client-authentication.service';
import { SECRET_AUTH_METHODS } from '../../clients/clients.service';
import { InvalidScopeError, UnauthorizedClientError } from '../../common/oauth/errors';
import { AppConfig } from '../../config/app-config';
import { formatScopes, narrowToCeiling, parseScopes } from '../../scopes';
import { withinResourceServer } from '../../resource-servers/resource-server-settings';
import { ResourceServersService } from '../../resource-servers/resource-servers.service';
import { TokenIssuerService } from '../token-issuer.service';
import { TokenResponseBody } from '../token-response';
import { GrantHandler, TokenRequest } from './grant-handler';

// RFC 6749 §4.4: confidential clients only. SMART Backend Services (backend-services.html) use private_key_jwt; clients
// the operator created may also use a secret (registration decides who may, see client-metadata.validator.ts).
const CONFIDENTIAL_METHODS: ReadonlySet<string> = new Set(['private_key_jwt', ...SECRET_AUTH_METHODS]);

// Scope is mediated by the pre-authorized ceiling whichever way the client authenticated.
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials';
  readonly parameters = new Set(['scope', 'resource']);

  constructor(
    private readonly issuer: TokenIssuerService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly resourceServers: ResourceServersService,
  ) {}

  async handle({ params, client, authenticationMethod, ip, dpopJkt }: TokenRequest): Promise<TokenResponseBody> {
    // The authentication service already requires the registered method (or the other secret method, RFC 6749
    // §2.3.1); the grant does not rely on it.
    if (!CONFIDENTIAL_METHODS.has(authenticationMethod) || !registeredMethodAccepts(client.tokenEndpointAuthMethod, authenticationMethod)) {
      throw new UnauthorizedClientError(
        'client_credentials requires a confidential client (private_key_jwt, client_secret_basic or client_secret_post)',
      );
    }
    // SMART App Launch 2.2 Backend Services §Obtain access token: scope is required.
    if (!params.scope) throw new InvalidScopeError('scope is required');
    const requested = parseScopes(params.scope);
    if (requested.invalid.length) throw new InvalidScopeError(`Malformed scope: ${requested.invalid.join(' ')}`);
    // No user, no launch and no refresh for backend services (SMART Backend Services: refresh tokens SHOULD NOT be issued).
    const eligible = requested.scopes.filter((scope) => scope.kind === 'resource' || scope.kind === 'other');
    // RFC 8707 `resource` picks the audience; a registered server's ceiling narrows further.
    const target = await this.resourceServers.forClientCredentials(params.resource);
    const granted = withinResourceServer(narrowToCeiling(eligible, parseScopes(client.scope).scopes), target.ceiling);
    if (granted.length === 0) throw new InvalidScopeError('None of the requested scopes is pre-authorized for this client');
    const scope = formatScopes(granted);
    const body = await this.issuer.issue({
      client,
      userId: null,
      scope,
      grantId: null,
      launchContext: {},
      // SMART Backend Services §Obtain access token (response): expires_in SHOULD NOT exceed 300 s; a shorter per-client lifetime wins.
      lifetimeSeconds: Math.min(this.config.backendTokenTtl, client.accessTokenTtl ?? Infinity),
      audience: target.audience,
      dpopJkt,
    });
    // No row changes: the event is group-committed, and the token is answered only once it is stored.
    await this.audit.record({
      event: 'issued',
      outcome: 'success',
      clientId: client.clientId,
      ip,
      detail: { grant_type: this.grantType, scope },
    });
    return body;
  }
}
