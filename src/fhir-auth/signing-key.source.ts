import { KeyObject } from 'node:crypto';
import type { SmartContext } from './smart-context';

/** Public keys of the authorization server by `kid`: this process's KeysService, or a remote JWKS. */
export interface SigningKeySource {
  publicKey(kid: string | undefined): Promise<KeyObject | undefined>;
}

export const SIGNING_KEY_SOURCE = Symbol('SIGNING_KEY_SOURCE');

/** Who a token was issued to, as far as the revocation check needs it (disabled clients and users lose their tokens). */
export type TokenHolder = Pick<SmartContext, 'clientId' | 'subject' | 'userRole' | 'restrictedToPatients'>;

/**
 * Whether a verified token was revoked since it was issued. In this server that includes the token's client or
 * user being disabled (or the user's restriction narrowed) since; other resource servers learn it by introspection.
 */
export interface TokenRevocationCheck {
  isRevoked(jti: string, grantId?: string, holder?: TokenHolder): Promise<boolean>;
}

export const TOKEN_REVOCATION_CHECK = Symbol('TOKEN_REVOCATION_CHECK');
