import type { LaunchContext } from '../token';

/** docs/architecture.md "Access tokens": the claims every resource server reads (RFC 9068 §2.2, SMART). */
export interface AccessTokenClaims extends LaunchContext {
  iss: string;
  sub: string;
  aud: string | string[];
  client_id: string;
  scope: string;
  jti: string;
  iat: number;
  exp: number;
  grant_id?: string;
  fhirUser?: string;
  user_role?: 'patient' | 'practitioner';
  restricted_to_patients?: string[];
  /** RFC 9449 §6.1 / RFC 7800: a DPoP-bound token's key thumbprint. */
  cnf?: { jkt: string };
}

/**
 * The claims without which no access token is honoured, whether it is verified here, against a JWKS or by
 * introspection: RFC 9068 §2.2 requires iss, exp, aud, sub, client_id, iat and jti; SMART adds scope.
 */
export const REQUIRED_ACCESS_TOKEN_CLAIMS = ['iss', 'sub', 'aud', 'client_id', 'scope', 'jti', 'iat', 'exp'] as const;

/** The JWS algorithms this server signs access tokens with (RFC 9068 §4: the resource server pins them). */
export const ACCESS_TOKEN_ALGORITHMS = ['ES256', 'RS256'];

/** RFC 9068 §4: `typ` must be `at+jwt` (or `application/at+jwt`), so an id_token is never an access token. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** 16 KiB: a token restricted to the maximum 100 patient ids of 64 characters is about 10 KiB. */
export const MAX_ACCESS_TOKEN_LENGTH = 16_384;

/** The claims of a verified JWT payload (or an introspection answer), or undefined when one is missing or mistyped. */
export function readAccessTokenClaims(payload: Record<string, unknown>): AccessTokenClaims | undefined {
  const { iss, sub, aud, client_id: clientId, scope, jti, iat, exp, grant_id: grantId, cnf } = payload;
  if (!isText(iss) || !isText(sub) || !isText(clientId) || !isText(jti) || typeof scope !== 'string') return undefined;
  if (!isText(aud) && !(Array.isArray(aud) && aud.length > 0 && aud.every(isText))) return undefined;
  if (!isNumericDate(iat) || !isNumericDate(exp)) return undefined;
  if (grantId !== undefined && !isText(grantId)) return undefined;
  // RFC 9449 §6: a confirmation that cannot be read must not turn a bound token into a bearer token.
  if (cnf !== undefined && (typeof cnf !== 'object' || cnf === null || !isText((cnf as Record<string, unknown>).jkt))) return undefined;
  return payload as unknown as AccessTokenClaims;
}

export function hasAudience(claims: Pick<AccessTokenClaims, 'aud'>, audience: string): boolean {
  return Array.isArray(claims.aud) ? claims.aud.includes(audience) : claims.aud === audience;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
