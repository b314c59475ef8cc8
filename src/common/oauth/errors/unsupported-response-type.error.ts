import { OAuthError } from './oauth.error';

export class UnsupportedResponseTypeError extends OAuthError {
  constructor(description?: string, detail?: string) {
    super('unsupported_response_type', description, 400, {}, detail);
  }
}
