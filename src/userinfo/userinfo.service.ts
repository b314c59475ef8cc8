import { Injectable } from '@nestjs/common';
import { InsufficientScopeError, InvalidTokenError } from '../common/oauth/errors';
import { UsersService } from '../clients/users.service';
import { IntrospectionService } from '../introspection/introspection.service';
import { MissingBearerTokenError } from './missing-bearer-token.error';

const REALM = 'smart-auth';

/** OIDC Core §5.3 userinfo: the claims about the user the access token was issued for, as far as it was granted. */
@Injectable()
export class UserinfoService {
  constructor(
    private readonly introspection: IntrospectionService,
    private readonly users: UsersService,
  ) {}

  async claims(token: string | undefined): Promise<Record<string, unknown>> {
    if (token === undefined) throw new MissingBearerTokenError(REALM);
    // The same check as introspection and the FHIR guard: signature, expiry, revocation, disabled client or user.
    const claims = await this.introspection.activeAccessToken(token);
    if (!claims) throw new InvalidTokenError('The access token is invalid, expired or revoked', REALM);
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
}
