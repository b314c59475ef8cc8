import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DiscoveryRegistry, MergedDiscovery } from './discovery-registry';

const SSO = 'sso-openid-connect';

// SMART App Launch 2.2 conformance: .well-known/smart-configuration, OIDC Discovery 1.0 and RFC 8414,
// all computed from the registry so they list only what is implemented.
@Injectable()
export class SmartConfigurationBuilder {
  private readonly documents = new WeakMap<MergedDiscovery, Map<string, Record<string, unknown>>>();

  constructor(
    private readonly registry: DiscoveryRegistry,
    private readonly config: AppConfig,
  ) {}

  smartConfiguration(): Record<string, unknown> {
    return this.document('smart', (merged) => this.buildSmartConfiguration(merged));
  }

  openidConfiguration(): Record<string, unknown> {
    return this.document('openid', (merged) => this.buildOpenidConfiguration(merged));
  }

  // Built once per merged registry (that is, once after boot) instead of on every request.
  private document(kind: string, build: (merged: MergedDiscovery) => Record<string, unknown>): Record<string, unknown> {
    const merged = this.registry.merged();
    let built = this.documents.get(merged);
    if (!built) {
      built = new Map();
      this.documents.set(merged, built);
    }
    let document = built.get(kind);
    if (!document) {
      document = Object.freeze(build(merged));
      built.set(kind, document);
    }
    return document;
  }

  private buildSmartConfiguration(merged: MergedDiscovery): Record<string, unknown> {
    const sso = merged.capabilities.includes(SSO);
    return compact({
      // SMART App Launch 2.2 §Conformance (metadata): issuer and jwks_uri are present exactly when sso-openid-connect is offered.
      issuer: sso ? this.config.issuer : undefined,
      jwks_uri: sso ? this.config.url('/.well-known/jwks.json') : undefined,
      ...this.endpoints(merged),
      grant_types_supported: merged.grantTypes,
      token_endpoint_auth_methods_supported: nonEmpty(merged.tokenEndpointAuthMethods),
      token_endpoint_auth_signing_alg_values_supported: nonEmpty(merged.tokenEndpointAuthSigningAlgs),
      scopes_supported: nonEmpty(merged.scopesSupported),
      response_types_supported: nonEmpty(merged.responseTypes),
      capabilities: merged.capabilities,
      code_challenge_methods_supported: merged.codeChallengeMethods,
      ...merged.smartConfiguration,
      dpop_signing_alg_values_supported: nonEmpty(merged.dpopSigningAlgs),
    });
  }

  private buildOpenidConfiguration(merged: MergedDiscovery): Record<string, unknown> {
    return compact({
      issuer: this.config.issuer,
      ...this.endpoints(merged),
      jwks_uri: this.config.url('/.well-known/jwks.json'),
      scopes_supported: nonEmpty(merged.scopesSupported),
      response_types_supported: merged.responseTypes.length ? merged.responseTypes : ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: merged.grantTypes,
      subject_types_supported: ['public'],
      // OIDC Core §15.1 and SMART App Launch 2.2 §Scopes for requesting identity data: RS256 is mandatory for id_tokens.
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: nonEmpty(merged.tokenEndpointAuthMethods),
      token_endpoint_auth_signing_alg_values_supported: nonEmpty(merged.tokenEndpointAuthSigningAlgs),
      introspection_endpoint_auth_methods_supported: merged.endpoints.introspection_endpoint
        ? nonEmpty(merged.tokenEndpointAuthMethods)
        : undefined,
      revocation_endpoint_auth_methods_supported: merged.endpoints.revocation_endpoint
        ? nonEmpty(merged.tokenEndpointAuthMethods)
        : undefined,
      // RFC 8414 §2: an endpoint that lists private_key_jwt MUST list the signing algs it accepts.
      introspection_endpoint_auth_signing_alg_values_supported: merged.endpoints.introspection_endpoint
        ? nonEmpty(merged.tokenEndpointAuthSigningAlgs)
        : undefined,
      revocation_endpoint_auth_signing_alg_values_supported: merged.endpoints.revocation_endpoint
        ? nonEmpty(merged.tokenEndpointAuthSigningAlgs)
        : undefined,
      code_challenge_methods_supported: merged.codeChallengeMethods,
      claims_supported: nonEmpty(merged.claimsSupported),
      acr_values_supported: nonEmpty(merged.acrValuesSupported),
      dpop_signing_alg_values_supported: nonEmpty(merged.dpopSigningAlgs),
      ...merged.flags,
    });
  }

  private endpoints(merged: MergedDiscovery): Record<string, string> {
    return Object.fromEntries(Object.entries(merged.endpoints).map(([name, path]) => [name, this.config.url(path as string)]));
  }
}

function nonEmpty(values: string[]): string[] | undefined {
  return values.length ? values : undefined;
}

function compact(document: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(document).filter(([, value]) => value !== undefined));
}
