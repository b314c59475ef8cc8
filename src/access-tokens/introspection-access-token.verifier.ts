import { AccessTokenCache, AccessTokenCacheSettings, DEFAULT_ACCESS_TOKEN_CACHE } from './access-token.cache';
import { AccessTokenClaims, hasAudience, MAX_ACCESS_TOKEN_LENGTH, readAccessTokenClaims } from './access-token.claims';
import { AccessTokenCheck, AccessTokenVerdict, AccessTokenVerifier, EXPIRED, INVALID } from './access-token-verifier';
import { IntrospectionOptions, RemoteAccessTokenOptions } from './remote-access-token.options';
import { fetchJson } from './remote-json';

/**
 * For resource servers that ask the authorization server about every token (RFC 7662) instead of verifying JWTs.
 * Answers, active or not, are reused for `stateTtlMs` (2 s): a revocation takes effect within it.
 */
export class IntrospectionAccessTokenVerifier extends AccessTokenVerifier {
  private readonly settings: AccessTokenCacheSettings;
  private readonly cache: AccessTokenCache<{ claims?: AccessTokenClaims }>;

  constructor(
    private readonly options: RemoteAccessTokenOptions & { introspection: IntrospectionOptions },
    private readonly clock: { now(): number } = Date,
  ) {
    super();
    this.settings = { ...DEFAULT_ACCESS_TOKEN_CACHE, ...options.cache };
    this.cache = new AccessTokenCache(this.settings.max, this.settings.stateTtlMs, clock);
  }

  get cacheSize(): { size: number; max: number } {
    return { size: this.cache.size, max: this.cache.max };
  }

  async verify(token: string, check: AccessTokenCheck = {}): Promise<AccessTokenVerdict> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_ACCESS_TOKEN_LENGTH) return INVALID;
    let answer = this.cache.get(token);
    if (!answer) {
      let claims: AccessTokenClaims | undefined;
      try {
        claims = this.acceptable((await this.introspect(token)) as Record<string, unknown>);
      } catch {
        // The authorization server could not vouch for the token (unreachable, an error, not JSON): not honoured,
        // and not remembered, so the next request asks again.
        return INVALID;
      }
      answer = claims ? { claims } : {};
      this.cache.set(token, answer, this.settings.stateTtlMs);
    }
    const { claims } = answer;
    if (!claims) return INVALID;
    if (claims.exp * 1000 <= this.clock.now()) return EXPIRED;
    return hasAudience(claims, check.audience ?? this.options.audience) ? { active: true, claims } : INVALID;
  }

  private introspect(token: string): Promise<unknown> {
    const { url, clientId, clientSecret, bearerToken } = this.options.introspection;
    const authorization = bearerToken
      ? `Bearer ${bearerToken}`
      : `Basic ${Buffer.from(`${encodeURIComponent(clientId ?? '')}:${encodeURIComponent(clientSecret ?? '')}`).toString('base64')}`;
    return fetchJson(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: authorization },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
    });
  }

  /**
   * Only an active access token issued by our issuer (RFC 7662 §2.2, RFC 9068 §4 by analogy) with the claims a
   * JWT access token must have: a refresh token (`token_use: refresh_token`), or an answer that does not say what
   * it is, is refused. The user's role and restriction come from the answer; without a role, user/ scopes grant
   * nothing (the FHIR access rules fail closed).
   */
  private acceptable(answer: Record<string, unknown>): AccessTokenClaims | undefined {
    if (answer.active !== true) return undefined;
    // RFC 9449 §6.2: a DPoP-bound token is introspected as token_type DPoP with its `cnf` (checked by the guard).
    const type = typeof answer.token_type === 'string' ? answer.token_type.toLowerCase() : undefined;
    if (answer.token_use !== 'access_token' || (type !== 'bearer' && type !== 'dpop')) return undefined;
    if (type === 'dpop' && answer.cnf === undefined) return undefined;
    if (answer.iss !== this.options.issuer) return undefined;
    return readAccessTokenClaims(answer);
  }
}
