import { OAuthError } from './oauth.error';

/** RFC 8707 §2: the requested resource is invalid, unknown or not one the client may get a token for. */
export class InvalidTargetError extends OAuthError {
  constructor(description?: string, detail?: string) {
    super('invalid_target', description, 400, {}, detail);
  }
}
