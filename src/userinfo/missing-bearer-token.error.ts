import { OAuthError } from '../common/oauth/errors/oauth.error';

// RFC 6750 §3.1: a request without any authentication information gets a challenge with no error code (the
// JSON body still names one, as every OAuth error body here does).
export class MissingBearerTokenError extends OAuthError {
  constructor(realm: string) {
    super('invalid_token', 'A bearer access token is required', 401, { 'WWW-Authenticate': `Bearer realm="${realm}"` });
  }
}
