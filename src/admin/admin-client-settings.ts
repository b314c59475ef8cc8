import { ClientEntity } from '../clients/client.entity';
import { ClientSettings } from '../clients/clients.service';
import { clientInformation } from '../clients/registration/client-information.presenter';
import { validateClientMetadata } from '../clients/registration/client-metadata.validator';
import { OutboundPolicy } from '../common/outbound/outbound-policy';
import { ClientMetadataDto } from './dto/client-metadata.dto';

const RFC_FIELDS = [
  'client_name',
  'redirect_uris',
  'token_endpoint_auth_method',
  'grant_types',
  'response_types',
  'scope',
  'jwks',
  'jwks_uri',
  'launch_url',
] as const;

/**
 * Operator-created clients are verified unless the operator says otherwise; an update changes `verified` only
 * when it is sent. RFC metadata goes through the same validation as dynamic registration, as an operator-created client (so a
 * client_credentials client may use a secret); on update the patch is applied to the current metadata first, so
 * the result is validated as a whole.
 */
export function clientSettingsFrom(dto: ClientMetadataDto, existing: ClientEntity | undefined, outbound: OutboundPolicy): ClientSettings {
  const current = existing ? clientInformation(existing) : {};
  const metadata: Record<string, unknown> = Object.fromEntries(RFC_FIELDS.map((field) => [field, current[field]]));
  if (existing?.metadata) Object.assign(metadata, existing.metadata);
  for (const field of RFC_FIELDS) if (dto[field] !== undefined) metadata[field] = dto[field];
  // A change of auth method away from private_key_jwt drops the keys, and the other way round needs new ones.
  if (dto.jwks !== undefined) delete metadata.jwks_uri;
  if (dto.jwks_uri !== undefined) delete metadata.jwks;
  if (dto.token_endpoint_auth_method !== undefined && dto.token_endpoint_auth_method !== 'private_key_jwt') {
    delete metadata.jwks;
    delete metadata.jwks_uri;
  }
  if (existing && (dto.grant_types !== undefined || dto.token_endpoint_auth_method !== undefined) && dto.response_types === undefined) {
    delete metadata.response_types;
  }
  const settings = validateClientMetadata(metadata, { trustedRegistration: true, outbound });
  return {
    ...settings,
    ...(dto.access_token_ttl !== undefined ? { accessTokenTtl: dto.access_token_ttl } : {}),
    ...(dto.refresh_token_ttl !== undefined ? { refreshTokenTtl: dto.refresh_token_ttl } : {}),
    allowRefreshTokens:
      dto.allow_refresh_tokens ?? (existing && dto.grant_types === undefined ? existing.allowRefreshTokens : settings.allowRefreshTokens),
    ...(dto.may_create_launch_contexts !== undefined ? { mayCreateLaunchContexts: dto.may_create_launch_contexts } : {}),
    ...(dto.may_introspect_any_token !== undefined ? { mayIntrospectAnyToken: dto.may_introspect_any_token } : {}),
    ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}),
    ...(dto.verified !== undefined ? { verified: dto.verified } : {}),
    // The operator's scope and grant types are the ceiling a client's own RFC 7592 PUT stays within.
    ...(!existing || dto.scope !== undefined ? { approvedScope: settings.scope } : {}),
    ...(!existing || dto.grant_types !== undefined ? { approvedGrantTypes: settings.grantTypes } : {}),
  };
}
