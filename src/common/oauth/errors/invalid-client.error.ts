import { OAuthError } from './oauth.error';

// RFC 6749 §5.2: 401, and WWW-Authenticate when the client used the Authorization header.
export class InvalidClientError extends OAuthError {
  constructor(description?: string, options: { usedAuthorizationHeader?: boolean; detail?: string } = {}) {
    super(
      'invalid_client',
      description,
      401,
      options.usedAuthorizationHeader ? { 'WWW-Authenticate': 'Basic realm="smart-auth"' } : {},
      options.detail,
    );
  }
}
