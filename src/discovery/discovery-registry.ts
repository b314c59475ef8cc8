import { Injectable } from '@nestjs/common';

export type EndpointName =
  | 'authorization_endpoint'
  | 'token_endpoint'
  | 'registration_endpoint'
  | 'introspection_endpoint'
  | 'revocation_endpoint'
  | 'management_endpoint'
  | 'userinfo_endpoint';

export interface FhirResourceCapability {
  type: string;
  interaction: string[];
  searchParam?: Array<{ name: string; type: string }>;
}

/** What one feature module implements; discovery documents are the union of all contributions. */
export interface DiscoveryContribution {
  endpoints?: Partial<Record<EndpointName, string>>;
  capabilities?: string[];
  grantTypes?: string[];
  responseTypes?: string[];
  tokenEndpointAuthMethods?: string[];
  tokenEndpointAuthSigningAlgs?: string[];
  scopesSupported?: string[];
  claimsSupported?: string[];
  codeChallengeMethods?: string[];
  /** e.g. authorization_response_iss_parameter_supported (RFC 9207). */
  flags?: Record<string, boolean>;
  fhirResources?: FhirResourceCapability[];
  fhirSystemInteractions?: string[];
  /** Further SMART configuration fields (e.g. user_access_brand_bundle). */
  smartConfiguration?: Record<string, unknown>;
  /** RFC 9449 §5.1 dpop_signing_alg_values_supported. */
  dpopSigningAlgs?: string[];
  /** OIDC Discovery §3 acr_values_supported. */
  acrValuesSupported?: string[];
}

export interface MergedDiscovery {
  endpoints: Partial<Record<EndpointName, string>>;
  capabilities: string[];
  grantTypes: string[];
  responseTypes: string[];
  tokenEndpointAuthMethods: string[];
  tokenEndpointAuthSigningAlgs: string[];
  scopesSupported: string[];
  claimsSupported: string[];
  codeChallengeMethods: string[];
  flags: Record<string, boolean>;
  fhirResources: FhirResourceCapability[];
  fhirSystemInteractions: string[];
  smartConfiguration: Record<string, unknown>;
  dpopSigningAlgs: string[];
  acrValuesSupported: string[];
}

// Feature modules register what they implement in onModuleInit (grant handlers, authenticators, endpoints).
@Injectable()
export class DiscoveryRegistry {
  private readonly contributions = new Map<string, () => DiscoveryContribution>();
  // Contributions are made at boot and describe fixed registries; merging on every discovery request was
  // most of its cost. A new contribution starts a new merge.
  private cached: MergedDiscovery | null = null;

  contribute(source: string, contribution: DiscoveryContribution | (() => DiscoveryContribution)): void {
    this.contributions.set(source, typeof contribution === 'function' ? contribution : () => contribution);
    this.cached = null;
  }

  /** The union of all contributions; the same object until the next contribution (do not modify it). */
  merged(): MergedDiscovery {
    this.cached ??= this.merge();
    return this.cached;
  }

  private merge(): MergedDiscovery {
    const all = [...this.contributions.values()].map((get) => get());
    const union = (pick: (c: DiscoveryContribution) => string[] | undefined): string[] =>
      [...new Set(all.flatMap((c) => pick(c) ?? []))].sort();
    return {
      endpoints: Object.assign({}, ...all.map((c) => c.endpoints ?? {})),
      capabilities: union((c) => c.capabilities),
      grantTypes: union((c) => c.grantTypes),
      responseTypes: union((c) => c.responseTypes),
      tokenEndpointAuthMethods: union((c) => c.tokenEndpointAuthMethods),
      tokenEndpointAuthSigningAlgs: union((c) => c.tokenEndpointAuthSigningAlgs),
      scopesSupported: [...new Set(all.flatMap((c) => c.scopesSupported ?? []))],
      claimsSupported: union((c) => c.claimsSupported),
      codeChallengeMethods: union((c) => c.codeChallengeMethods),
      flags: Object.assign({}, ...all.map((c) => c.flags ?? {})),
      fhirResources: all.flatMap((c) => c.fhirResources ?? []),
      fhirSystemInteractions: union((c) => c.fhirSystemInteractions),
      smartConfiguration: Object.assign({}, ...all.map((c) => c.smartConfiguration ?? {})),
      dpopSigningAlgs: union((c) => c.dpopSigningAlgs),
      acrValuesSupported: union((c) => c.acrValuesSupported),
    };
  }
}
