import { Inject, Injectable } from '@nestjs/common';
import { importJWK } from 'jose';
import { LRUCache } from 'lru-cache';
import * as oidc from 'openid-client';
import { OUTBOUND_FETCH_LIMITS, OUTBOUND_HOST_RESOLVER } from '../../common/outbound/outbound.module';
import { HostResolver, OutboundFetcher, OutboundFetchLimits } from '../../common/outbound/outbound-fetcher';
import { outboundPolicyOf } from '../../common/outbound/outbound-policy';
import { AppConfig } from '../../config/app-config';
import { IdentityProviderEntity } from '../identity-provider.entity';
import { OidcProviderSettings } from '../identity-provider-settings';
import { IdentityProvidersService } from '../identity-providers.service';

// Discovery documents and JWKS are re-read at least hourly, and at once after the provider is edited.
const CONFIGURATION_TTL_MS = 3600_000;

/**
 * openid-client Configurations of the OIDC providers: discovery (OIDC Discovery §4, issuer checked by
 * openid-client), client authentication, and every request (discovery, JWKS, token, userinfo) through the
 * SSRF-safe outbound fetcher. The operator chose these URLs, so a provider may be allowed private networks
 * (`allow_private_network`); link-local and metadata addresses stay refused, plain http only to loopback
 * with OUTBOUND_ALLOW_HTTP_LOOPBACK.
 */
@Injectable()
export class OidcClients {
  private readonly configurations = new LRUCache<string, Promise<oidc.Configuration>>({ max: 100, ttl: CONFIGURATION_TTL_MS });
  private readonly fetchers: { strict: OutboundFetcher; privateAllowed: OutboundFetcher };

  constructor(
    private readonly config: AppConfig,
    private readonly providers: IdentityProvidersService,
    @Inject(OUTBOUND_FETCH_LIMITS) limits: OutboundFetchLimits,
    @Inject(OUTBOUND_HOST_RESOLVER) resolver: HostResolver,
  ) {
    const policy = outboundPolicyOf(config);
    this.fetchers = {
      strict: new OutboundFetcher(policy, limits, resolver),
      privateAllowed: new OutboundFetcher({ ...policy, allowPrivateNetworks: true }, limits, resolver),
    };
  }

  /** The provider's Configuration, from cache unless `fresh` (the admin test). A failed discovery is not kept. */
  configuration(provider: IdentityProviderEntity, { fresh = false } = {}): Promise<oidc.Configuration> {
    const key = `${provider.id}:${provider.updatedAt.getTime()}`;
    const cached = fresh ? undefined : this.configurations.get(key);
    if (cached) return cached;
    const loading = this.discover(provider);
    this.configurations.set(key, loading);
    loading.catch(() => this.configurations.delete(key));
    return loading;
  }

  /** The fetcher (and so the address policy) this provider's requests go through. */
  fetcherFor(settings: OidcProviderSettings): OutboundFetcher {
    return settings.allowPrivateNetwork ? this.fetchers.privateAllowed : this.fetchers.strict;
  }

  private async discover(provider: IdentityProviderEntity): Promise<oidc.Configuration> {
    const settings = provider.settings as OidcProviderSettings;
    const secrets = await this.providers.secretsOf(provider);
    let authentication: oidc.ClientAuth;
    if (settings.tokenEndpointAuthMethod === 'private_key_jwt') {
      if (!secrets.privateJwk) throw new Error('the private_key_jwt key is missing');
      const key = (await importJWK(secrets.privateJwk, 'ES256')) as CryptoKey;
      authentication = oidc.PrivateKeyJwt({ key, kid: secrets.privateJwk.kid });
    } else {
      authentication =
        settings.tokenEndpointAuthMethod === 'client_secret_post'
          ? oidc.ClientSecretPost(secrets.secret ?? '')
          : oidc.ClientSecretBasic(secrets.secret ?? '');
    }
    const insecure = new URL(settings.issuer).protocol === 'http:';
    return oidc.discovery(
      new URL(settings.issuer),
      settings.clientId,
      { token_endpoint_auth_method: settings.tokenEndpointAuthMethod },
      authentication,
      {
        [oidc.customFetch]: customFetchThrough(this.fetcherFor(settings)),
        // Plain http reaches here only for loopback issuers with OUTBOUND_ALLOW_HTTP_LOOPBACK (never in production).
        execute: insecure && this.config.outboundAllowHttpLoopback ? [oidc.allowInsecureRequests] : [],
        timeout: 10,
      },
    );
  }
}

/** openid-client's fetch, carried out by the outbound fetcher (checked addresses, no redirects, bounded body). */
export function customFetchThrough(fetcher: OutboundFetcher): oidc.CustomFetch {
  return async (url, options) => {
    const method = options.method.toUpperCase();
    if (method !== 'GET' && method !== 'POST') throw new TypeError(`${method} is not used with identity providers`);
    // Typed as a record, but oauth4webapi hands over a Headers instance.
    const requestHeaders: Record<string, string> = {};
    new Headers(options.headers as HeadersInit).forEach((value, name) => {
      requestHeaders[name] = value;
    });
    const response = await fetcher.request(url, { method, headers: requestHeaders, body: bodyOf(options.body) });
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const empty = response.status === 204 || response.status === 304;
    return new Response(empty ? null : new Uint8Array(response.body), { status: response.status, headers });
  };
}

function bodyOf(body: oidc.CustomFetchOptions['body']): Buffer | string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw new TypeError('streamed request bodies are not sent to identity providers');
}
