import { OAuthError } from './oauth.error';

// RFC 6750 §3.1
export class InvalidTokenError extends OAuthError {
  constructor(description = 'The access token is missing, malformed, expired or revoked', realm = 'smart-auth') {
    super('invalid_token', description, 401, {
      'WWW-Authenticate': `Bearer realm="${realm}", error="invalid_token", error_description="${description.replace(/"/g, "'")}"`,
    });
  }
}
