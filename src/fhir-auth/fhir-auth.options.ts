import type { IntrospectionOptions, RemoteAccessTokenOptions } from '../access-tokens';

export type { IntrospectionOptions };

/**
 * `issuer`, `audience` (compared exactly: this server's FHIR base for the built-in API, or the `audience` of the
 * resource server as registered at /admin/resource-servers, docs/fhir.md; tokens for any other audience get 401),
 * and for another resource server `jwksUri` or `introspection` and the verifier's `cache` bounds.
 */
export interface FhirAuthOptions extends RemoteAccessTokenOptions {
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
