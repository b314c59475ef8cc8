import { OAuthError } from './oauth.error';

export class UnsupportedGrantTypeError extends OAuthError {
  constructor(description?: string, detail?: string) {
    super('unsupported_grant_type', description, 400, {}, detail);
  }
}
