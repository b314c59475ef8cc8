import { createHash } from 'node:crypto';
import { Strategy } from 'passport-strategy';
import { FhirAuthOptions, IntrospectionOptions } from './fhir-auth.options';
import { SmartContext } from './smart-context';
import { smartContextFromClaims } from './smart-context.claims';
import { SMART_BEARER_STRATEGY } from './smart-jwt.strategy';

// Answers are reused this long: a revocation takes effect within it (the same bound as RevocationService).
const CACHE_MS = 2000;

/** For resource servers that ask the authorization server about every token (RFC 7662) instead of verifying JWTs. */
export class IntrospectionStrategy extends Strategy {
  readonly name = SMART_BEARER_STRATEGY;
  private readonly cache = new Map<string, { context: SmartContext | undefined; at: number }>();

  constructor(
    private readonly options: FhirAuthOptions,
    private readonly introspection: IntrospectionOptions,
  ) {
    super();
  }

  override authenticate(request: { headers: Record<string, string | string[] | undefined> }): void {
    const match = /^Bearer\s+(\S+)$/i.exec(String(request.headers.authorization ?? ''));
    if (!match) return this.fail(new Error('No auth token'), 401);
    this.contextFor(match[1]).then(
      (context) => (context ? this.success(context) : this.fail(new Error('inactive token'), 401)),
      (error: unknown) => this.error(error as Error),
    );
  }

  private async contextFor(token: string): Promise<SmartContext | undefined> {
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.context;
    const context = await this.introspect(token);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { context, at: Date.now() });
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
    const claims = (await response.json()) as Record<string, unknown>;
    if (claims.active !== true) return undefined;
    if (claims.iss !== undefined && claims.iss !== this.options.issuer) return undefined;
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (claims.aud !== undefined && !audiences.includes(this.options.audience)) return undefined;
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) return undefined;
    return smartContextFromClaims({ ...claims, jti: claims.jti ?? createHash('sha256').update(token).digest('base64url') });
  }
}
