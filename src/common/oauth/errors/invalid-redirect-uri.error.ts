import { OAuthError } from './oauth.error';

export class InvalidRedirectUriError extends OAuthError {
  constructor(description?: string, detail?: string) {
    super('invalid_redirect_uri', description, 400, {}, detail);
  }
}
