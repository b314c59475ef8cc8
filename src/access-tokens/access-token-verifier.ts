import type { AccessTokenClaims } from './access-token.claims';

/**
 * Why a token is not honoured. `invalid`: malformed, forged, not an access token of this issuer, for another
 * audience, or not vouched for by the authorization server; `expired`: past `exp`; `revoked`: authentic but
 * withdrawn (the token or its grant revoked, its client deleted or disabled, its user disabled or changed).
 */
export type InactiveReason = 'invalid' | 'expired' | 'revoked';

export type AccessTokenVerdict =
  | { active: true; claims: AccessTokenClaims }
  /** `claims` are set when the token is authentic and unexpired but withdrawn (a revocation needs them). */
  | { active: false; reason: InactiveReason; claims?: AccessTokenClaims };

export interface AccessTokenCheck {
  /**
   * The `aud` the token must carry: a resource server's own audience. Unset only at this server's endpoints
   * that answer for any audience it issued (introspection, revocation, userinfo).
   */
  audience?: string;
}

/**
 * The one definition of "an access token this server honours" (docs/tokens.md "Verifying access tokens"):
 * signature by the issuer's keys, `typ` at+jwt, `iss`, `exp`, the required claims, the audience, and then the
 * token's state. Implementations: this server's keys and revocation list (`LocalAccessTokenVerifier`), a remote
 * JWKS, or remote introspection (`FhirAuthModule.forRoot` in other resource servers). Used by the FHIR guard,
 * /introspect, /revoke and /userinfo. A failure to reach the state (the database) throws; a bad token never does.
 */
export abstract class AccessTokenVerifier {
  abstract verify(token: string, check?: AccessTokenCheck): Promise<AccessTokenVerdict>;

  /** Tokens its one cache holds now, and at most (monitoring; the flood tests read it). */
  abstract get cacheSize(): { size: number; max: number };
}

export const INVALID: AccessTokenVerdict = Object.freeze({ active: false, reason: 'invalid' });
export const EXPIRED: AccessTokenVerdict = Object.freeze({ active: false, reason: 'expired' });
