import { OAuthError } from './oauth.error';

/** RFC 6749 §4.1.2.1 `temporarily_unavailable`, answered as 503 with Retry-After (RFC 9110 §10.2.3). */
export class TemporarilyUnavailableError extends OAuthError {
  constructor(description?: string, detail?: string, retryAfterSeconds = 5) {
    super('temporarily_unavailable', description, 503, { 'Retry-After': String(retryAfterSeconds) }, detail);
  }
}
