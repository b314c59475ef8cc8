import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';
import { Strategy } from 'passport-strategy';
import { FhirAuthOptions, IntrospectionOptions } from './fhir-auth.options';
import { SmartContext } from './smart-context';
import { smartContextFromClaims } from './smart-context.claims';
import { SMART_BEARER_STRATEGY } from './smart-jwt.strategy';
import { accessTokenOf } from './dpop-sender-constraint';

// Answers are reused this long: a revocation takes effect within it (the same bound as RevocationService).
const CACHE_MS = 2000;

/** For resource servers that ask the authorization server about every token (RFC 7662) instead of verifying JWTs. */
export class IntrospectionStrategy extends Strategy {
  readonly name = SMART_BEARER_STRATEGY;
  private readonly cache = new LRUCache<string, { context: SmartContext | undefined }>({ max: 10_000, ttl: CACHE_MS });

  constructor(
    private readonly options: FhirAuthOptions,
    private readonly introspection: IntrospectionOptions,
  ) {
    super();
  }

  override authenticate(request: { headers: Record<string, string | string[] | undefined> }): void {
    const presented = accessTokenOf(request.headers.authorization);
    if (!presented) {
      this.fail(new Error('No auth token'), 401);
      return;
    }
    this.contextFor(presented.token).then(
      (context) => (context ? this.success(context) : this.fail(new Error('inactive token'), 401)),
      (error: unknown) => this.error(error as Error),
    );
  }

  private async contextFor(token: string): Promise<SmartContext | undefined> {
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.cache.get(key);
    if (cached) return cached.context;
    const context = await this.introspect(token);
    this.cache.set(key, { context });
    return context;
  }

  private async introspect(token: string): Promise<SmartContext | undefined> {
    const { url, clientId, clientSecret, bearerToken } = this.introspection;
    const authorization = bearerToken
      ? `Bearer ${bearerToken}`
      : `Basic ${Buffer.from(`${encodeURIComponent(clientId ?? '')}:${encodeURIComponent(clientSecret ?? '')}`).toString('base64')}`;
    const response = await fetch(url, {
      method: 'POST',
      signal: AbortSignal.timeout(5000),
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
        Authorization: authorization,
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
    });
    if (!response.ok) throw new Error(`introspection answered ${response.status}`);
    return this.acceptable((await response.json()) as Record<string, unknown>);
  }

  /**
   * Only an active access token issued by our issuer for our audience (RFC 7662 §2.2, RFC 9068 §4 by analogy):
   * a refresh token (`token_use: refresh_token`), a token for another resource server, or an answer that does
   * not say what it is, is refused. The user's role and restriction come from the answer; without a role,
   * user/ scopes grant nothing (accessRulesFor fails closed).
   */
  private acceptable(claims: Record<string, unknown>): SmartContext | undefined {
    if (claims.active !== true) return undefined;
    // RFC 9449 §6.2: a DPoP-bound token is introspected as token_type DPoP with its `cnf` (checked by the guard).
    if (claims.token_use !== 'access_token' || typeof claims.token_type !== 'string' || !['bearer', 'dpop'].includes(claims.token_type.toLowerCase())) return undefined;
    if (claims.token_type.toLowerCase() === 'dpop' && claims.cnf === undefined) return undefined;
    if (claims.iss !== this.options.issuer) return undefined;
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(this.options.audience)) return undefined;
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) return undefined;
    return smartContextFromClaims(claims);
  }
}
