import { OAuthError } from './oauth.error';

export class AccessDeniedError extends OAuthError {
  constructor(description?: string, detail?: string) {
    super('access_denied', description, 403, {}, detail);
  }
}
