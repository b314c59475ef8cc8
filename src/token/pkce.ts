import { createHash } from 'node:crypto';
import { constantTimeEquals } from '../common/crypto/random-token';

// RFC 7636 §4.1: 43–128 characters of the unreserved alphabet.
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge (S256 only, SMART App Launch 2.2
 * §Considerations for PKCE Support).
 */
export function verifyPkce(verifier: string | undefined, challenge: string | null | undefined): boolean {
  if (!challenge || typeof verifier !== 'string' || !VERIFIER.test(verifier)) return false;
  const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  return constantTimeEquals(computed, challenge);
}
