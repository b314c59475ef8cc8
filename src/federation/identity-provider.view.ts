import { FederatedIdentityEntity } from './federated-identity.entity';
import { IdentityProviderEntity } from './identity-provider.entity';
import { FhirUserLookup, isOidc } from './identity-provider-settings';

/** Where the upstream sends people back (registered there as the redirect URI). */
export function callbackPath(id: string): string {
  return `/federation/${id}/callback`;
}

/** Where this server's public key for private_key_jwt at this provider is published. */
export function jwksPath(id: string): string {
  return `/federation/${id}/jwks.json`;
}

/** The admin API and CLI representation: secrets are write-only (only whether one is set shows). */
export function identityProviderView(provider: IdentityProviderEntity, publicUrl: string): Record<string, unknown> {
  const common = {
    id: provider.id,
    type: provider.type,
    display_name: provider.displayName,
    enabled: provider.enabled,
    provisioning: provider.provisioning,
    role_map: provider.roleMap,
    default_role: provider.defaultRole,
    fhir_user_lookup: lookupView(provider.settings.fhirUserLookup),
  };
  const times = { created_at: provider.createdAt.toISOString(), updated_at: provider.updatedAt.toISOString() };
  const settings = provider.settings;
  if (isOidc(settings)) {
    return {
      ...common,
      issuer: settings.issuer,
      client_id: settings.clientId,
      client_secret_set: provider.secret !== null,
      token_endpoint_auth_method: settings.tokenEndpointAuthMethod,
      scopes: settings.scopes,
      claims: {
        username: settings.claims.username,
        display_name: settings.claims.displayName,
        fhir_user: settings.claims.fhirUser,
        roles: settings.claims.roles,
        email: settings.claims.email,
      },
      allow_private_network: settings.allowPrivateNetwork,
      redirect_uri: `${publicUrl}${callbackPath(provider.id)}`,
      jwks_uri: settings.tokenEndpointAuthMethod === 'private_key_jwt' ? `${publicUrl}${jwksPath(provider.id)}` : null,
      ...times,
    };
  }
  return {
    ...common,
    url: settings.url,
    start_tls: settings.startTls,
    bind_dn: settings.bindDn,
    bind_password_set: provider.secret !== null,
    user_base: settings.userBase,
    user_filter: settings.userFilter,
    attributes: {
      username: settings.attributes.username ?? null,
      display_name: settings.attributes.displayName ?? null,
      fhir_user: settings.attributes.fhirUser ?? null,
      email: settings.attributes.email ?? null,
    },
    group_base: settings.groupBase,
    group_filter: settings.groupFilter,
    group_name_attribute: settings.groupNameAttribute,
    tls_ca_pem: settings.tlsCaPem,
    timeout_ms: settings.timeoutMs,
    login_url: `${publicUrl}/federation/${provider.id}/login`,
    ...times,
  };
}

export function federatedIdentityView(link: FederatedIdentityEntity): Record<string, unknown> {
  return {
    id: link.id,
    provider_id: link.providerId,
    subject: link.subject,
    user_id: link.userId,
    upstream_username: link.upstreamUsername,
    email: link.email,
    created_at: link.createdAt.toISOString(),
    last_sign_in_at: link.lastSignInAt?.toISOString() ?? null,
  };
}

function lookupView(lookup: FhirUserLookup | null): Record<string, string> | null {
  return lookup ? { resource_type: lookup.resourceType, identifier_system: lookup.identifierSystem } : null;
}
