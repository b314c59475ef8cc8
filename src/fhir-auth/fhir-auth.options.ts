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

export interface FhirAuthOptions {
  /** Expected `iss` of access tokens. */
  issuer: string;
  /**
   * Expected `aud`, compared exactly: this server's FHIR base for the built-in API, or the `audience` of the
   * resource server as registered at /admin/resource-servers (docs/fhir.md). Tokens for any other audience get 401.
   */
  audience: string;
  /** Verify tokens offline against this JWKS (resource servers outside this process). */
  jwksUri?: string;
  /** Or ask the authorization server about every token (answers cached for at most two seconds). */
  introspection?: IntrospectionOptions;
  /** Path prefix the default-deny rule applies to; `/fhir` unless set. */
  basePath?: string;
  /** Realm of the WWW-Authenticate challenge; the audience unless set. */
  realm?: string;
  /**
   * Public URL of the FHIR base (at `basePath`) as clients call it: DPoP proofs must name it in `htu`
   * (RFC 9449 §4.3). The audience unless set.
   */
  publicBaseUrl?: string;
}

export const FHIR_AUTH_OPTIONS = Symbol('FHIR_AUTH_OPTIONS');
