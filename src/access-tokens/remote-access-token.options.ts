import type { AccessTokenCacheSettings } from './access-token.cache';

export interface IntrospectionOptions {
  /** RFC 7662 endpoint of the authorization server. */
  url: string;
  /** Authenticate as a confidential client (HTTP Basic)… */
  clientId?: string;
  clientSecret?: string;
  /**
   * …or with a bearer token carrying the `__introspect` scope (SMART 2.2 token introspection); its client needs the
   * operator flag `may_introspect_any_token` to see other clients' tokens (docs/tokens.md).
   */
  bearerToken?: string;
}

/** How a resource server outside this process verifies this server's access tokens. */
export interface RemoteAccessTokenOptions {
  /** Expected `iss` of access tokens. */
  issuer: string;
  /** Expected `aud`, compared exactly (docs/fhir.md "Its own audience"). */
  audience: string;
  /** Verify tokens offline against this JWKS (revocations are not seen until the token expires)… */
  jwksUri?: string;
  /** …or ask the authorization server about every token (answers reused for `cache.stateTtlMs`, 2 s by default). */
  introspection?: IntrospectionOptions;
  /** Bounds of the verifier's cache (defaults: 10 000 tokens, signatures 60 s, introspection answers 2 s). */
  cache?: Partial<AccessTokenCacheSettings>;
}
