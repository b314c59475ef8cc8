import { OAuthError } from './oauth.error';

export class InvalidScopeError extends OAuthError {
  constructor(description?: string, detail?: string) {
    super('invalid_scope', description, 400, {}, detail);
  }
}
