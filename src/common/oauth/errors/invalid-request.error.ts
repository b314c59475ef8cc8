import { OAuthError } from './oauth.error';

export class InvalidRequestError extends OAuthError {
  constructor(description?: string, detail?: string) {
    super('invalid_request', description, 400, {}, detail);
  }
}
