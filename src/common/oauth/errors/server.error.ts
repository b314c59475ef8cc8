import { OAuthError } from './oauth.error';

export class ServerError extends OAuthError {
  constructor(description?: string, detail?: string) {
    super('server_error', description, 500, {}, detail);
  }
}
