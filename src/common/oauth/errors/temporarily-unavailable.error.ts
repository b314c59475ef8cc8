import { OAuthError } from './oauth.error';

export class TemporarilyUnavailableError extends OAuthError {
  constructor(description?: string, detail?: string) {
    super('temporarily_unavailable', description, 503, {}, detail);
  }
}
