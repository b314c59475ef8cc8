import type { UserRole } from '../clients/user.entity';
import { IdentityProviderEntity, IdentityProviderType, Provisioning } from './identity-provider.entity';
import {
  checkClaimName,
  checkFhirUserLookup,
  checkIssuer,
  checkLdapUrl,
  checkRoleMap,
  checkUserFilter,
  ClaimMap,
  DEFAULT_CLAIMS,
  InvalidIdentityProviderError,
  LdapProviderSettings,
  OidcProviderSettings,
  optionalText,
  PROVIDER_ID,
  ROLES,
  TOKEN_ENDPOINT_AUTH_METHODS,
  TokenEndpointAuthMethod,
} from './identity-provider-settings';

/** The admin API's and CLI's shape of a provider (snake_case); every field optional on update. */
export interface IdentityProviderInput {
  id?: string;
  type?: IdentityProviderType;
  display_name?: string;
  enabled?: boolean;
  provisioning?: Provisioning;
  role_map?: Record<string, unknown> | null;
  default_role?: UserRole | null;
  fhir_user_lookup?: Record<string, unknown> | null;
  // OIDC
  issuer?: string;
  client_id?: string;
  client_secret?: string;
  token_endpoint_auth_method?: TokenEndpointAuthMethod;
  scopes?: string;
  claims?: Record<string, unknown>;
  allow_private_network?: boolean;
  // LDAP
  url?: string;
  start_tls?: boolean;
  bind_dn?: string | null;
  bind_password?: string | null;
  user_base?: string;
  user_filter?: string;
  attributes?: Record<string, unknown>;
  group_base?: string | null;
  group_filter?: string | null;
  group_name_attribute?: string | null;
  tls_ca_pem?: string | null;
  timeout_ms?: number;
}

const OIDC_ONLY = [
  'issuer',
  'client_id',
  'client_secret',
  'token_endpoint_auth_method',
  'scopes',
  'claims',
  'allow_private_network',
] as const;
const LDAP_ONLY = [
  'url',
  'start_tls',
  'bind_dn',
  'bind_password',
  'user_base',
  'user_filter',
  'attributes',
  'group_base',
  'group_filter',
  'group_name_attribute',
  'tls_ca_pem',
  'timeout_ms',
] as const;
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const CLAIM_KEYS: Record<string, keyof ClaimMap> = {
  username: 'username',
  display_name: 'displayName',
  fhir_user: 'fhirUser',
  roles: 'roles',
  email: 'email',
};
const ATTRIBUTE_KEYS: Record<string, keyof LdapProviderSettings['attributes']> = {
  username: 'username',
  display_name: 'displayName',
  fhir_user: 'fhirUser',
  email: 'email',
};

/** What a create or update changes: entity columns, and the secret when one was sent (null clears it). */
export interface ProviderChanges {
  columns: Partial<IdentityProviderEntity>;
  secret?: string | null;
}

function fail(message: string): never {
  throw new InvalidIdentityProviderError(message);
}

/** Checks an input against the provider's type and merges it over `existing` (absent on create). */
export function providerChanges(
  input: IdentityProviderInput,
  existing: IdentityProviderEntity | null,
  allowHttpLoopback: boolean,
): ProviderChanges {
  const type = existing?.type ?? input.type;
  if (!existing && (typeof input.id !== 'string' || !PROVIDER_ID.test(input.id))) {
    fail('id must be a slug of lower-case letters, digits and - (at most 64, e.g. hospital-sso)');
  }
  if (type !== 'oidc' && type !== 'ldap') fail('type must be oidc or ldap');
  const foreign = (type === 'oidc' ? LDAP_ONLY : OIDC_ONLY).filter((name) => input[name] !== undefined);
  if (foreign.length) fail(`${foreign.join(', ')} ${foreign.length === 1 ? 'does' : 'do'} not apply to ${type} providers`);

  const columns: Partial<IdentityProviderEntity> = {};
  if (!existing) Object.assign(columns, { id: input.id, type });
  if (input.display_name !== undefined || !existing) {
    const name = input.display_name;
    if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100) fail('display_name must be 1-100 characters');
    columns.displayName = name.trim();
  }
  if (input.enabled !== undefined) columns.enabled = input.enabled;
  if (input.provisioning !== undefined || !existing) {
    const provisioning = input.provisioning ?? 'link-only';
    if (provisioning !== 'create' && provisioning !== 'link-only') fail('provisioning must be create or link-only');
    columns.provisioning = provisioning;
  }
  if (input.role_map !== undefined) columns.roleMap = checkRoleMap(input.role_map);
  if (input.default_role !== undefined) {
    if (input.default_role !== null && !ROLES.includes(input.default_role))
      fail(`default_role must be one of ${ROLES.join(', ')}, or null to refuse people in no mapped group`);
    columns.defaultRole = input.default_role;
  }
  const lookup = input.fhir_user_lookup === undefined ? undefined : checkFhirUserLookup(input.fhir_user_lookup);
  if (type === 'oidc') return oidcChanges(input, existing, columns, lookup, allowHttpLoopback);
  return ldapChanges(input, existing, columns, lookup);
}

function oidcChanges(
  input: IdentityProviderInput,
  existing: IdentityProviderEntity | null,
  columns: Partial<IdentityProviderEntity>,
  lookup: OidcProviderSettings['fhirUserLookup'] | undefined,
  allowHttpLoopback: boolean,
): ProviderChanges {
  const before = existing?.settings as OidcProviderSettings | undefined;
  const method = input.token_endpoint_auth_method ?? before?.tokenEndpointAuthMethod ?? 'client_secret_basic';
  if (!TOKEN_ENDPOINT_AUTH_METHODS.includes(method))
    fail(`token_endpoint_auth_method must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}`);
  const issuer = input.issuer !== undefined || !before ? checkIssuer(input.issuer, allowHttpLoopback) : before.issuer;
  const clientId = input.client_id ?? before?.clientId;
  if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > 500 || !/^[\x20-\x7e]+$/.test(clientId))
    fail('client_id must be 1-500 printable characters');
  const scopes = input.scopes ?? before?.scopes ?? 'openid profile email';
  const scopeList = typeof scopes === 'string' ? scopes.split(' ').filter(Boolean) : [];
  if (
    typeof scopes !== 'string' ||
    scopes.length > 1000 ||
    !scopeList.includes('openid') ||
    !scopeList.every((scope) => SCOPE_TOKEN.test(scope))
  ) {
    fail('scopes must be space-separated scope names including openid');
  }
  const claims = { ...(before?.claims ?? DEFAULT_CLAIMS) };
  if (input.claims !== undefined) {
    if (typeof input.claims !== 'object' || input.claims === null || Array.isArray(input.claims))
      fail('claims must be an object such as {"username": "preferred_username"}');
    for (const [key, value] of Object.entries(input.claims)) {
      if (!CLAIM_KEYS[key]) fail(`claims may map ${Object.keys(CLAIM_KEYS).join(', ')}`);
      claims[CLAIM_KEYS[key]] = checkClaimName(`claims.${key}`, value);
    }
  }
  let secret: string | null | undefined;
  if (input.client_secret !== undefined) {
    if (typeof input.client_secret !== 'string' || input.client_secret.length === 0 || input.client_secret.length > 1000)
      fail('client_secret must be 1-1000 characters');
    secret = input.client_secret;
  }
  const hasSecret = secret !== undefined ? secret !== null : !!existing?.secret;
  if (method !== 'private_key_jwt' && !hasSecret) fail(`client_secret is required with ${method}`);
  columns.settings = {
    issuer,
    clientId,
    tokenEndpointAuthMethod: method,
    scopes: scopeList.join(' '),
    claims,
    fhirUserLookup: lookup !== undefined ? lookup : (before?.fhirUserLookup ?? null),
    allowPrivateNetwork: input.allow_private_network ?? before?.allowPrivateNetwork ?? false,
    publicJwk: before?.publicJwk ?? null,
  } satisfies OidcProviderSettings;
  return { columns, secret };
}

function ldapChanges(
  input: IdentityProviderInput,
  existing: IdentityProviderEntity | null,
  columns: Partial<IdentityProviderEntity>,
  lookup: LdapProviderSettings['fhirUserLookup'] | undefined,
): ProviderChanges {
  const before = existing?.settings as LdapProviderSettings | undefined;
  const pick = <K extends keyof IdentityProviderInput>(key: K, fallback: IdentityProviderInput[K]) =>
    input[key] !== undefined ? input[key] : fallback;
  const url = checkLdapUrl(pick('url', before?.url));
  const startTls = pick('start_tls', before?.startTls ?? false);
  if (typeof startTls !== 'boolean') fail('start_tls must be true or false');
  if (startTls && url.startsWith('ldaps:')) fail('start_tls applies to ldap:// URLs; ldaps:// is TLS from the start');
  const userBase = pick('user_base', before?.userBase);
  if (typeof userBase !== 'string' || userBase.length === 0 || userBase.length > 1000)
    fail('user_base must be a DN such as ou=people,dc=example,dc=org');
  const attributes = { ...(before?.attributes ?? { username: 'uid', displayName: 'cn', email: 'mail' }) };
  if (input.attributes !== undefined) {
    if (typeof input.attributes !== 'object' || input.attributes === null || Array.isArray(input.attributes))
      fail('attributes must be an object such as {"username": "uid"}');
    for (const [key, value] of Object.entries(input.attributes)) {
      if (!ATTRIBUTE_KEYS[key]) fail(`attributes may map ${Object.keys(ATTRIBUTE_KEYS).join(', ')}`);
      if (value === null) delete attributes[ATTRIBUTE_KEYS[key]];
      else attributes[ATTRIBUTE_KEYS[key]] = checkClaimName(`attributes.${key}`, value);
    }
  }
  const timeoutMs = pick('timeout_ms', before?.timeoutMs ?? 5000);
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000)
    fail('timeout_ms must be an integer from 100 to 60000');
  const tlsCaPem = optionalText('tls_ca_pem', pick('tls_ca_pem', before?.tlsCaPem ?? null), 64 * 1024);
  if (tlsCaPem && !tlsCaPem.includes('-----BEGIN CERTIFICATE-----')) fail('tls_ca_pem must hold PEM certificates');
  const groupNameAttribute = pick('group_name_attribute', before?.groupNameAttribute ?? null);
  const bindDn = optionalText('bind_dn', pick('bind_dn', before?.bindDn ?? null));
  let secret: string | null | undefined;
  if (input.bind_password !== undefined) {
    if (input.bind_password !== null && (typeof input.bind_password !== 'string' || input.bind_password.length > 1000))
      fail('bind_password must be text of at most 1000 characters');
    secret = input.bind_password || null;
  }
  if (!bindDn && (secret ?? (secret === undefined ? existing?.secret : null))) fail('bind_password needs bind_dn');
  columns.settings = {
    url,
    startTls,
    bindDn,
    userBase,
    userFilter: checkUserFilter(pick('user_filter', before?.userFilter)),
    attributes,
    groupBase: optionalText('group_base', pick('group_base', before?.groupBase ?? null)),
    groupFilter: optionalText('group_filter', pick('group_filter', before?.groupFilter ?? null)),
    groupNameAttribute:
      groupNameAttribute === null || groupNameAttribute === undefined ? null : checkClaimName('group_name_attribute', groupNameAttribute),
    tlsCaPem,
    timeoutMs,
    fhirUserLookup: lookup !== undefined ? lookup : (before?.fhirUserLookup ?? null),
  } satisfies LdapProviderSettings;
  return { columns, secret };
}
