import { Injectable } from '@nestjs/common';
import { AccessTokenVerifier } from '../access-tokens';
import { InsufficientScopeError, InvalidTokenError } from '../common/oauth/errors';
import { UsersService } from '../clients/users.service';
import { AppConfig } from '../config/app-config';
import { DpopProofError, DpopProofVerifier } from '../dpop';
import { MissingBearerTokenError } from './missing-bearer-token.error';
import { ROUTES } from '../common/http/routes';

const REALM = 'smart-auth';

export interface PresentedToken {
  scheme: 'bearer' | 'dpop';
  token: string;
  /** The DPoP header (RFC 9449 §4.1), with the DPoP scheme. */
  proof?: string | string[];
  method: string;
}

/** OIDC Core §5.3 userinfo: the claims about the user the access token was issued for, as far as it was granted. */
@Injectable()
export class UserinfoService {
  constructor(
    private readonly accessTokens: AccessTokenVerifier,
    private readonly users: UsersService,
    private readonly dpop: DpopProofVerifier,
    private readonly config: AppConfig,
  ) {}

  async claims(presented: PresentedToken | undefined): Promise<Record<string, unknown>> {
    if (presented === undefined) throw new MissingBearerTokenError(REALM);
    // The same check as introspection and the FHIR guard: signature, expiry, revocation, disabled client or user.
    const verdict = await this.accessTokens.verify(presented.token);
    if (!verdict.active) throw new InvalidTokenError('The access token is invalid, expired or revoked', REALM);
    const { claims } = verdict;
    await this.assertSenderConstraint(presented, claims.cnf?.jkt);
    const scopes = new Set(claims.scope.split(' '));
    if (!scopes.has('openid')) throw new InsufficientScopeError('openid', 'The access token was not issued with the openid scope', REALM);
    // Backend-service tokens name the client, not a user: there is nobody to describe.
    const user = await this.users.findEnabled(claims.sub);
    if (!user) throw new InvalidTokenError('The access token was not issued for a user', REALM);
    const response: Record<string, unknown> = { sub: claims.sub };
    if (scopes.has('fhirUser') && claims.fhirUser) response.fhirUser = claims.fhirUser;
    if (scopes.has('profile')) response.name = user.displayName;
    return response;
  }

  // RFC 9449 §7: a DPoP-bound token is honoured only with the DPoP scheme and a proof for this request, this token
  // and the bound key; as a bare Bearer token it is refused (as at /fhir), and an unbound token is no DPoP token.
  private async assertSenderConstraint(presented: PresentedToken, jkt: string | undefined): Promise<void> {
    if (!jkt) {
      if (presented.scheme === 'dpop') throw new InvalidTokenError('The access token is not DPoP-bound', REALM);
      return;
    }
    if (presented.scheme !== 'dpop')
      throw new InvalidTokenError('The access token is DPoP-bound: send it as Authorization: DPoP with a proof', REALM);
    try {
      const proof = DpopProofVerifier.headerValue(presented.proof);
      if (proof === undefined) throw new DpopProofError('A DPoP proof is required with a DPoP-bound token');
      const verified = await this.dpop.verify(proof, {
        htm: presented.method.toUpperCase(),
        htu: this.config.url(ROUTES.userinfo),
        accessToken: presented.token,
      });
      if (verified.jkt !== jkt) throw new DpopProofError('The DPoP proof is not signed by the key the token is bound to');
    } catch (error) {
      if (error instanceof DpopProofError) throw new InvalidTokenError(error.description, REALM);
      throw error;
    }
  }
}
