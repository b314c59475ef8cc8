import { OAuthError } from './oauth.error';

export class InvalidClientMetadataError extends OAuthError {
  constructor(description?: string, detail?: string) {
    super('invalid_client_metadata', description, 400, {}, detail);
  }
}
