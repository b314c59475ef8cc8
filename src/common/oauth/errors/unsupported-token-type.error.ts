import { OAuthError } from './oauth.error';

export class UnsupportedTokenTypeError extends OAuthError {
  constructor(description?: string, detail?: string) {
    super('unsupported_token_type', description, 400, {}, detail);
  }
}
