import { Inject, Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service';
import { ClientAuthenticationService } from '../clients/authentication/client-authentication.service';
import {
  InvalidClientError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidScopeError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from '../common/oauth/errors';
import { DpopProofError, DpopProofVerifier } from '../dpop/dpop-proof.verifier';
import { AppConfig } from '../config/app-config';
import { parseScopes, scopeTooLarge } from '../scopes';
import { claimedClientId } from './claimed-client-id';
import { FormParams, isFormEncoded, singleValuedParams } from './form-params';
import { GRANT_HANDLERS, GrantHandler } from './grant-types/grant-handler';
import { TokenResponseBody } from './token-response';

// The token endpoint as an ordered pipeline; the order decides which error a bad request gets (RFC 6749 §5.2):
// a valid client with an unknown grant_type gets 400 unsupported_grant_type, a bad client 401 invalid_client.
@Injectable()
export class TokenRequestPipeline {
  private readonly handlers: Map<string, GrantHandler>;

  constructor(
    @Inject(GRANT_HANDLERS) handlers: GrantHandler[],
    private readonly clientAuthentication: ClientAuthenticationService,
    private readonly audit: AuditService,
    private readonly dpop: DpopProofVerifier,
    private readonly config: AppConfig,
  ) {
    this.handlers = new Map(handlers.map((handler) => [handler.grantType, handler]));
  }

  grantTypes(): string[] {
    return [...this.handlers.keys()];
  }

  async run(request: FastifyRequest): Promise<TokenResponseBody> {
    // 1. RFC 6749 §4.1.3: application/x-www-form-urlencoded only.
    if (!isFormEncoded(request.headers['content-type'])) {
      throw new InvalidRequestError('The request body must be application/x-www-form-urlencoded');
    }
    // 2. RFC 6749 §3.2: no repeated parameters.
    const body = singleValuedParams(request.body);
    // 3. Authenticate the client with its registered method.
    const { client, method } = await this.authenticate(request, body);
    // 4. A grant type this server implements.
    const handler = body.grant_type ? this.handlers.get(body.grant_type) : undefined;
    if (!handler)
      throw new UnsupportedGrantTypeError(body.grant_type ? `Unsupported grant_type ${body.grant_type}` : 'grant_type is required');
    // 5. A grant type this client is registered for.
    if (!client.grantTypes.includes(handler.grantType)) {
      throw new UnauthorizedClientError(`This client may not use the ${handler.grantType} grant`);
    }
    // 6. Only the parameters the grant declares.
    const params: FormParams = {};
    for (const name of handler.parameters) if (body[name] !== undefined) params[name] = body[name];
    // 7. Scope size (bounded before anything parses or compares it, so a huge scope cannot hold the event loop), then
    // syntax (RFC 6749 §3.3).
    if (params.scope !== undefined && scopeTooLarge(params.scope)) throw new InvalidScopeError('The scope parameter is too large');
    if (params.scope !== undefined && parseScopes(params.scope).invalid.length)
      throw new InvalidScopeError('The scope parameter is malformed');
    // 8. A DPoP proof, when sent, binds the tokens to its key (RFC 9449 §5); none keeps Bearer tokens.
    const dpopJkt = await this.dpopProof(request);
    // 9. The grant.
    return handler.handle({ params, client, authenticationMethod: method, ip: request.ip ?? null, dpopJkt });
  }

  private async dpopProof(request: FastifyRequest): Promise<string | null> {
    try {
      const proof = DpopProofVerifier.headerValue(request.headers.dpop);
      if (proof === undefined) return null;
      // §4.3 check 9: htu is this endpoint's public URL, never one derived from request headers.
      const { jkt } = await this.dpop.verify(proof, { htm: 'POST', htu: `${this.config.issuer}/token` });
      return jkt;
    } catch (error) {
      if (error instanceof DpopProofError) throw new InvalidDpopProofError(error.description);
      throw error;
    }
  }

  private async authenticate(request: FastifyRequest, body: FormParams) {
    try {
      return await this.clientAuthentication.authenticate({ headers: request.headers, body }, 'token');
    } catch (error) {
      if (error instanceof InvalidClientError) {
        await this.audit.record({
          event: 'client_auth_failed',
          outcome: 'failure',
          clientId: claimedClientId(request, body),
          ip: request.ip ?? null,
          detail: { endpoint: 'token', reason: error.description ?? null },
        });
      }
      throw error;
    }
  }
}
