import { KeyObject } from 'node:crypto';

/** Public keys of the authorization server by `kid`: this process's KeysService, or a remote JWKS. */
export interface SigningKeySource {
  publicKey(kid: string | undefined): Promise<KeyObject | undefined>;
}

export const SIGNING_KEY_SOURCE = Symbol('SIGNING_KEY_SOURCE');

/** Whether a verified token was revoked since it was issued, or its client deleted or disabled (when known). */
export interface TokenRevocationCheck {
  isRevoked(jti: string, grantId?: string, clientId?: string): Promise<boolean>;
}

export const TOKEN_REVOCATION_CHECK = Symbol('TOKEN_REVOCATION_CHECK');
