import { InvalidClientMetadataError } from '../../common/oauth/errors';
import { formatScopes, narrowScopes, parseScopes } from '../../scopes';
import { ClientEntity } from '../client.entity';
import { ClientSettings } from '../clients.service';

// RFC 7591 §5 and SMART Backend Services: system scopes (and every other right) are pre-authorized by an operator,
// never self-asserted. RFC 7591 §3.2.1 / RFC 7592 §2.2 let the server register less than was asked for and say so
// in the response, so scope is intersected with the operator's ceiling; an empty intersection is refused.

const OPERATOR_ONLY =
  'system/ scopes are pre-authorized by an operator: register with an initial access token that carries a scope ' +
  '(POST /admin/initial-access-tokens), or ask an operator to grant them (PATCH /admin/clients/{client_id})';

function intersect(requested: string, ceiling: string): string {
  return formatScopes(narrowScopes(parseScopes(requested).scopes, parseScopes(ceiling).scopes));
}

/**
 * The scope a client registering itself gets: what it asked for, bounded by the initial access token's scope
 * when it presented one. A client_credentials client needs such a ceiling.
 */
export function scopeForRegistration(settings: ClientSettings, tokenCeiling: string | null): string {
  const backendService = settings.grantTypes.includes('client_credentials');
  if (tokenCeiling === null) {
    if (backendService) throw new InvalidClientMetadataError(OPERATOR_ONLY);
    return settings.scope;
  }
  const scope = intersect(settings.scope, tokenCeiling);
  if (!scope) {
    throw new InvalidClientMetadataError(
      backendService
        ? `None of the requested scopes is within the initial access token's scope; ${OPERATOR_ONLY}`
        : "None of the requested scopes is within the initial access token's scope",
    );
  }
  return scope;
}

/**
 * RFC 7592 §2.2 PUT by the client: it may narrow, never widen, what the operator approved. Scope is intersected
 * with the approved scope; grant types outside the approved ones and a different auth method are refused; the
 * operator's flags (launch, introspection, refresh) are never taken from metadata; a changed name, redirect URI
 * or launch URL is a different app from the one an operator verified, so the client is unverified again.
 */
export function settingsWithinApproval(settings: ClientSettings, existing: ClientEntity): ClientSettings {
  if (settings.tokenEndpointAuthMethod !== existing.tokenEndpointAuthMethod) {
    throw new InvalidClientMetadataError(
      'token_endpoint_auth_method cannot be changed by the client; register a new client or ask an operator',
    );
  }
  const unapproved = settings.grantTypes.filter((grantType) => !existing.approvedGrantTypes.includes(grantType));
  if (unapproved.length > 0) throw new InvalidClientMetadataError(`grant_types not approved for this client: ${unapproved.join(', ')}`);
  const scope = intersect(settings.scope, existing.approvedScope);
  if (!scope) throw new InvalidClientMetadataError('None of the requested scopes is within the scope approved for this client');
  const sameApp =
    settings.name === existing.name &&
    settings.launchUrl === existing.launchUrl &&
    settings.redirectUris.length === existing.redirectUris.length &&
    settings.redirectUris.every((uri) => existing.redirectUris.includes(uri));
  const hasRefreshGrant = settings.grantTypes.includes('refresh_token');
  return {
    ...settings,
    scope,
    // An operator who switched refresh tokens off keeps them off; a client that dropped the grant may take it back.
    allowRefreshTokens: hasRefreshGrant && (existing.allowRefreshTokens || !existing.grantTypes.includes('refresh_token')),
    verified: existing.verified && sameApp,
  };
}
