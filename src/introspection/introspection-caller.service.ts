import { Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { AccessTokenVerifier } from '../access-tokens';
import { AuditService } from '../audit/audit.service';
import type { ClientEntity } from '../clients/client.entity';
import { ClientAuthenticationService } from '../clients/authentication/client-authentication.service';
import { ClientsService } from '../clients/clients.service';
import { InsufficientScopeError, InvalidClientError, InvalidTokenError } from '../common/oauth/errors';
import { AppConfig } from '../config/app-config';
import { parseScopes, SmartScope } from '../scopes';
import { claimedClientId, FormParams } from '../token';

/**
 * Who asks: an authenticated client, or a bearer token with an introspection scope. Either sees its own client's
 * tokens; only a client an operator flagged `may_introspect_any_token` sees every client's (docs/tokens.md).
 */
export interface IntrospectionCaller {
  clientId: string;
  mayIntrospectAnyToken: boolean;
}

// The dedicated introspection scope (SMART App Launch 2.2 §Extensibility: a `__` name is an extension scope).
export const INTROSPECTION_SCOPE = '__introspect';

// SMART token-introspection (2.2): SHALL accept an appropriately-scoped bearer token. Appropriate here means
// the dedicated __introspect scope, or system-level read access to every resource type (system/*.r, .rs, .read).
// The scope lets the bearer call the endpoint; what it sees is still decided by its client's operator flag.
function grantsIntrospection(scope: SmartScope): boolean {
  if (scope.kind === 'other') return scope.raw === INTROSPECTION_SCOPE;
  return (
    scope.kind === 'resource' &&
    scope.context === 'system' &&
    scope.resourceType === '*' &&
    scope.constraints.length === 0 &&
    scope.interactions.has('r')
  );
}

@Injectable()
export class IntrospectionCallerService {
  constructor(
    private readonly clientAuthentication: ClientAuthenticationService,
    private readonly accessTokens: AccessTokenVerifier,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly clients: ClientsService,
  ) {}

  async identify(request: FastifyRequest, body: FormParams, endpoint: 'introspection' | 'revocation'): Promise<IntrospectionCaller> {
    const authorization = request.headers.authorization;
    if (endpoint === 'introspection' && authorization && /^bearer /i.test(authorization)) {
      return this.bearerCaller(authorization.slice(7).trim());
    }
    const { clientId, mayIntrospectAnyToken } = await this.authenticate(request, body, endpoint);
    return { clientId, mayIntrospectAnyToken };
  }

  async authenticateClient(request: FastifyRequest, body: FormParams, endpoint: 'introspection' | 'revocation'): Promise<ClientEntity> {
    return (await this.authenticate(request, body, endpoint)).client;
  }

  private async authenticate(request: FastifyRequest, body: FormParams, endpoint: 'introspection' | 'revocation') {
    try {
      const { client, method } = await this.clientAuthentication.authenticate({ headers: request.headers, body }, endpoint);
      // RFC 7662 §2.1: the introspection endpoint requires authorization; a bare client_id proves nothing.
      if (endpoint === 'introspection' && method === 'none') {
        throw new InvalidClientError('The introspection endpoint requires client authentication (a public client cannot introspect)');
      }
      return { client, clientId: client.clientId, mayIntrospectAnyToken: client.mayIntrospectAnyToken === true };
    } catch (error) {
      if (error instanceof InvalidClientError) {
        await this.audit.record({
          event: 'client_auth_failed',
          outcome: 'failure',
          clientId: claimedClientId(request, body),
          ip: request.ip ?? null,
          detail: { endpoint, reason: error.description ?? null },
        });
      }
      throw error;
    }
  }

  private async bearerCaller(token: string): Promise<IntrospectionCaller> {
    // RFC 8707: a token minted for another resource server must not become a credential here (that server
    // could replay it), so only a token for this server's FHIR base.
    const verdict = await this.accessTokens.verify(token, { audience: this.config.fhirBaseUrl });
    if (!verdict.active) throw new InvalidTokenError('The bearer token is invalid, expired or revoked');
    const { claims } = verdict;
    if (!parseScopes(claims.scope).scopes.some(grantsIntrospection)) {
      throw new InsufficientScopeError(INTROSPECTION_SCOPE, `Introspection needs the ${INTROSPECTION_SCOPE} or system/*.rs scope`);
    }
    const client = await this.clients.findEnabled(claims.client_id);
    if (!client) throw new InvalidTokenError('The bearer token is invalid, expired or revoked');
    return { clientId: client.clientId, mayIntrospectAnyToken: client.mayIntrospectAnyToken === true };
  }
}
