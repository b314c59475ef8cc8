import { OAuthError } from './oauth.error';

export class UnauthorizedClientError extends OAuthError {
  constructor(description?: string, detail?: string) {
    super('unauthorized_client', description, 400, {}, detail);
  }
}
