import { ClientEntity } from '../client.entity';
import { SECRET_AUTH_METHODS } from '../clients.service';

export interface IssuedCredentials {
  clientSecret?: string | null;
  registrationAccessToken?: string | null;
  registrationClientUri?: string | null;
}

/** RFC 7591 §3.2.1 / RFC 7592 §3 client information response, with SMART's launch_url. */
export function clientInformation(client: ClientEntity, issued: IssuedCredentials = {}): Record<string, unknown> {
  const usesSecret = SECRET_AUTH_METHODS.includes(client.tokenEndpointAuthMethod);
  const usesCode = client.grantTypes.includes('authorization_code');
  const response: Record<string, unknown> = {
    client_id: client.clientId,
    ...(issued.clientSecret ? { client_secret: issued.clientSecret } : {}),
    client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
    ...(usesSecret ? { client_secret_expires_at: 0 } : {}),
    ...(issued.registrationAccessToken ? { registration_access_token: issued.registrationAccessToken } : {}),
    ...(issued.registrationClientUri ? { registration_client_uri: issued.registrationClientUri } : {}),
    client_name: client.name,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    grant_types: client.grantTypes,
    response_types: usesCode ? ['code'] : [],
    redirect_uris: client.redirectUris,
    scope: client.scope,
    ...(client.launchUrl ? { launch_url: client.launchUrl } : {}),
    ...(client.jwks ? { jwks: client.jwks } : {}),
    ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
    ...client.metadata,
  };
  return response;
}

/** The administrator's view: the RFC metadata plus the server-side policy fields. */
export function adminClientView(client: ClientEntity, issued: IssuedCredentials = {}): Record<string, unknown> {
  return {
    ...clientInformation(client, issued),
    type: client.type,
    enabled: client.enabled,
    access_token_ttl: client.accessTokenTtl,
    refresh_token_ttl: client.refreshTokenTtl,
    allow_refresh_tokens: client.allowRefreshTokens,
    may_create_launch_contexts: client.mayCreateLaunchContexts,
    verified: client.verified,
    approved_scope: client.approvedScope,
    approved_grant_types: client.approvedGrantTypes,
    may_introspect_any_token: client.mayIntrospectAnyToken,
    created_at: client.createdAt.toISOString(),
    updated_at: client.updatedAt.toISOString(),
  };
}
