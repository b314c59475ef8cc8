import { OAuthError } from './oauth.error';

export class InvalidGrantError extends OAuthError {
  constructor(description?: string, detail?: string) {
    super('invalid_grant', description, 400, {}, detail);
  }
}
