import { errors, JWTPayload, JWTVerifyOptions } from 'jose';
import { AccessTokenCache, AccessTokenCacheSettings } from './access-token.cache';
import {
  ACCESS_TOKEN_TYP,
  AccessTokenClaims,
  hasAudience,
  MAX_ACCESS_TOKEN_LENGTH,
  readAccessTokenClaims,
  REQUIRED_ACCESS_TOKEN_CLAIMS,
} from './access-token.claims';
import { AccessTokenCheck, AccessTokenVerdict, AccessTokenVerifier, EXPIRED, INVALID } from './access-token-verifier';

export interface VerifiedEntry {
  claims: AccessTokenClaims;
  active: AccessTokenVerdict & { active: true };
  /** The token's state as last read (this server: the revocation answer, when, at which local revision). */
  state?: { revoked: boolean; readAt: number; revision: number };
  /** Who the token was issued to, as the holder check reads it (this server). */
  holder?: { clientId: string; subject: string; userRole?: string; restrictedToPatients?: readonly string[] };
}

/**
 * JWT access tokens (RFC 9068) checked with jose: signature by a key of the issuer, `typ` at+jwt, `iss`, `exp`
 * and the required claims; then, per call, the audience and the token's state. A verified token is kept in the
 * one bounded cache for `verifiedTtlMs` (never past `exp`), so a busy token costs one signature check a minute.
 */
export abstract class SignedAccessTokenVerifier extends AccessTokenVerifier {
  protected readonly cache: AccessTokenCache<VerifiedEntry>;

  protected constructor(
    protected readonly settings: AccessTokenCacheSettings,
    protected readonly issuer: string,
    /** The audience checked when the caller names none; undefined: any audience. */
    private readonly defaultAudience: string | undefined,
    protected readonly clock: { now(): number },
  ) {
    super();
    this.cache = new AccessTokenCache<VerifiedEntry>(settings.max, settings.verifiedTtlMs, clock);
  }

  /** Tokens held by the cache now, and at most (monitoring, tests). */
  get cacheSize(): { size: number; max: number } {
    return { size: this.cache.size, max: this.cache.max };
  }

  async verify(token: string, check: AccessTokenCheck = {}): Promise<AccessTokenVerdict> {
    if (typeof token !== 'string' || token.length > MAX_ACCESS_TOKEN_LENGTH || token.split('.').length !== 3) return INVALID;
    const now = this.clock.now();
    let entry = this.cache.get(token);
    if (!entry) {
      const claims = await this.verifiedClaims(token, now);
      if ('active' in claims) return claims;
      entry = { claims, active: { active: true, claims } };
      this.cache.set(token, entry, Math.min(this.settings.verifiedTtlMs, claims.exp * 1000 - now));
    } else if (entry.claims.exp * 1000 <= now) {
      return EXPIRED;
    }
    const audience = check.audience ?? this.defaultAudience;
    if (audience !== undefined && !hasAudience(entry.claims, audience)) return INVALID;
    return (await this.withdrawn(entry, now)) ? { active: false, reason: 'revoked', claims: entry.claims } : entry.active;
  }

  /** jose's jwtVerify with the issuer's keys and these options. */
  protected abstract verifyJwt(token: string, options: JWTVerifyOptions): Promise<JWTPayload>;

  /** Whether an authentic token has been withdrawn since it was issued; a verifier without state says no. */
  protected withdrawn(_entry: VerifiedEntry, _now: number): Promise<boolean> | boolean {
    return false;
  }

  private async verifiedClaims(token: string, now: number): Promise<AccessTokenClaims | AccessTokenVerdict> {
    try {
      const payload = await this.verifyJwt(token, {
        issuer: this.issuer,
        typ: ACCESS_TOKEN_TYP,
        requiredClaims: [...REQUIRED_ACCESS_TOKEN_CLAIMS],
        currentDate: new Date(now),
      });
      return readAccessTokenClaims(payload as Record<string, unknown>) ?? INVALID;
    } catch (error) {
      // jose checks `exp` only after the signature: an expired token is an authentic one.
      return error instanceof errors.JWTExpired ? EXPIRED : INVALID;
    }
  }
}
