import { Injectable } from '@nestjs/common';
import type { ServerMetadata } from 'openid-client';
import { OutboundFetchError } from '../common/outbound/outbound-fetch.error';
import { IdentityProviderEntity } from './identity-provider.entity';
import { isOidc, OidcProviderSettings } from './identity-provider-settings';
import { IdentityProvidersService } from './identity-providers.service';
import { LdapDirectory } from './ldap/ldap-directory';
import { ldapSettingsOf } from './ldap/ldap-settings.mapping';
import { OidcClients } from './oidc/oidc-clients';

export interface ProviderCheck {
  ok: boolean;
  /** Plain sentences for the operator; empty when everything works. */
  problems: string[];
  details?: Record<string, unknown>;
}

/** POST /admin/identity-providers/{id}/test: can sign-ins work with these settings, and if not, why. */
@Injectable()
export class IdentityProviderCheckService {
  constructor(
    private readonly providers: IdentityProvidersService,
    private readonly clients: OidcClients,
    private readonly directory: LdapDirectory,
  ) {}

  async check(provider: IdentityProviderEntity): Promise<ProviderCheck> {
    if (isOidc(provider.settings)) return this.checkOidc(provider, provider.settings);
    const result = await this.directory.check(ldapSettingsOf(provider, await this.providers.secretsOf(provider)));
    // Warnings (e.g. passwords in clear text over the network) do not fail the test but are said.
    return { ok: result.ok && result.problems.length === 0, problems: result.problems, details: { warnings: result.warnings } };
  }

  private async checkOidc(provider: IdentityProviderEntity, settings: OidcProviderSettings): Promise<ProviderCheck> {
    const discoveryUrl = `${settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let metadata: ServerMetadata;
    try {
      metadata = (await this.clients.configuration(provider, { fresh: true })).serverMetadata();
    } catch (error) {
      return { ok: false, problems: [`Discovery at ${discoveryUrl} failed: ${explain(error)}.`] };
    }
    const problems: string[] = [];
    const lists = (name: string) => (Array.isArray(metadata[name]) ? (metadata[name] as unknown[]) : null);
    if (!metadata.authorization_endpoint) problems.push('The provider names no authorization_endpoint.');
    if (!metadata.token_endpoint) problems.push('The provider names no token_endpoint.');
    if (lists('response_types_supported') && !lists('response_types_supported')!.includes('code'))
      problems.push('The provider does not support the authorization code flow (response_types_supported lacks "code").');
    const pkce = lists('code_challenge_methods_supported');
    if (pkce && !pkce.includes('S256')) problems.push('The provider does not support PKCE with S256 (code_challenge_methods_supported).');
    const methods = lists('token_endpoint_auth_methods_supported');
    if (methods && !methods.includes(settings.tokenEndpointAuthMethod)) {
      problems.push(
        `The provider does not accept ${settings.tokenEndpointAuthMethod} at its token endpoint (it accepts ${methods.join(', ')}).`,
      );
    }
    const algorithms = lists('id_token_signing_alg_values_supported');
    if (algorithms && !algorithms.includes('RS256'))
      problems.push(`The provider does not sign ID tokens with RS256 (it offers ${algorithms.join(', ')}).`);
    if (!metadata.jwks_uri) problems.push('The provider names no jwks_uri, so its ID tokens cannot be verified.');
    else {
      try {
        const { json } = await this.clients.fetcherFor(settings).getJson(metadata.jwks_uri);
        const keys = (json as { keys?: unknown }).keys;
        if (!Array.isArray(keys) || keys.length === 0) problems.push(`The key set at ${metadata.jwks_uri} holds no keys.`);
      } catch (error) {
        problems.push(`The key set at ${metadata.jwks_uri} could not be read: ${explain(error)}.`);
      }
    }
    return {
      ok: problems.length === 0,
      problems,
      details: {
        issuer: metadata.issuer,
        authorization_endpoint: metadata.authorization_endpoint,
        token_endpoint: metadata.token_endpoint,
        userinfo_endpoint: metadata.userinfo_endpoint ?? null,
        jwks_uri: metadata.jwks_uri ?? null,
      },
    };
  }
}

// For the operator only: the real cause (address refused, DNS, status, issuer mismatch), in words.
function explain(error: unknown): string {
  const reasons: string[] = [];
  for (let current = error; current && reasons.length < 4; current = (current as { cause?: unknown }).cause) {
    const text = current instanceof OutboundFetchError ? current.detail : current instanceof Error ? current.message : String(current);
    // openid-client's and the fetcher's generic wrappers say nothing the cause does not.
    if (text && !reasons.includes(text) && !['The document could not be retrieved', 'something went wrong'].includes(text))
      reasons.push(text);
  }
  const text = reasons.join(': ') || 'unknown error';
  if (/resolves to .* not allowed|must not point to/.test(text))
    return `${text} (the address is on a private network: set allow_private_network on this provider if that is intended)`;
  return text;
}
