import { OAuthError } from './oauth.error';

/** RFC 9449 §5: a DPoP proof at the token endpoint that is missing where required or invalid. */
export class InvalidDpopProofError extends OAuthError {
  constructor(description?: string) {
    super('invalid_dpop_proof', description, 400);
  }
}
