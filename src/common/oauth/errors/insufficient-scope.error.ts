import { OAuthError } from './oauth.error';

// RFC 6750 §3.1: 403 with the scope that would have been needed.
export class InsufficientScopeError extends OAuthError {
  constructor(
    readonly requiredScope: string,
    description?: string,
    realm = 'smart-auth',
  ) {
    super('insufficient_scope', description ?? `The access token does not grant ${requiredScope}`, 403, {
      'WWW-Authenticate': `Bearer realm="${realm}", error="insufficient_scope", scope="${requiredScope}"`,
    });
  }
}
