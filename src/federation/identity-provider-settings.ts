import type { JWK } from 'jose';
import type { UserRole } from '../clients/user.entity';

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
export const TOKEN_ENDPOINT_AUTH_METHODS: TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];
export const ROLES: UserRole[] = ['patient', 'practitioner'];

/** Which upstream claim (OIDC) carries each piece of the person. */
export interface ClaimMap {
  username: string;
  displayName: string;
  fhirUser: string;
  roles: string;
  email: string;
}

export const DEFAULT_CLAIMS: ClaimMap = {
  username: 'preferred_username',
  displayName: 'name',
  fhirUser: 'fhirUser',
  roles: 'groups',
  email: 'email',
};

/** fhirUser found by an identifier the upstream gives (e.g. an employee number) in the FHIR store. */
export interface FhirUserLookup {
  resourceType: string;
  identifierSystem: string;
}

export interface OidcProviderSettings {
  issuer: string;
  clientId: string;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  scopes: string;
  claims: ClaimMap;
  fhirUserLookup: FhirUserLookup | null;
  /** Let discovery, token and JWKS requests reach private addresses for this provider only (on-premises IdP). */
  allowPrivateNetwork: boolean;
  /** For private_key_jwt: the public half of this server's key for this provider (published at jwks.json). */
  publicJwk: JWK | null;
}

export interface LdapProviderSettings {
  url: string;
  startTls: boolean;
  bindDn: string | null;
  userBase: string;
  userFilter: string;
  attributes: { username?: string; displayName?: string; fhirUser?: string; email?: string };
  groupBase: string | null;
  groupFilter: string | null;
  groupNameAttribute: string | null;
  tlsCaPem: string | null;
  timeoutMs: number;
  fhirUserLookup: FhirUserLookup | null;
}

export type ProviderSettings = OidcProviderSettings | LdapProviderSettings;

export class InvalidIdentityProviderError extends Error {}

export const PROVIDER_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
// Claim and attribute names: JSON member names upstream, LDAP attribute descriptions (RFC 4512 §2.5).
const CLAIM_NAME = /^[A-Za-z0-9_.:;-]{1,100}$/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const FHIR_USER_TYPES = ['Patient', 'Practitioner', 'PractitionerRole', 'RelatedPerson', 'Person'];

function fail(message: string): never {
  throw new InvalidIdentityProviderError(message);
}

/** The role map as given, checked: group names (any text up to 200 characters) to a role here; at most 100. */
export function checkRoleMap(value: unknown): Record<string, UserRole> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) fail('role_map must be an object of upstream group → role');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 100) fail('role_map holds at most 100 groups');
  for (const [group, role] of entries) {
    if (group.length === 0 || group.length > 200) fail('role_map group names are 1-200 characters');
    if (!ROLES.includes(role as UserRole)) fail(`role_map values must be one of ${ROLES.join(', ')}`);
  }
  return Object.fromEntries(entries) as Record<string, UserRole>;
}

export function checkClaimName(name: string, value: unknown): string {
  if (typeof value !== 'string' || !CLAIM_NAME.test(value))
    fail(`${name} must be a claim or attribute name (letters, digits and _ . : ; -)`);
  return value;
}

export function checkFhirUserLookup(value: unknown): FhirUserLookup | null {
  if (value === undefined || value === null) return null;
  const lookup = value as { resource_type?: unknown; identifier_system?: unknown };
  if (typeof lookup !== 'object' || typeof lookup.resource_type !== 'string' || typeof lookup.identifier_system !== 'string') {
    fail('fhir_user_lookup must be {"resource_type": "Practitioner", "identifier_system": "urn:oid:…"}');
  }
  if (!RESOURCE_TYPE.test(lookup.resource_type) || !FHIR_USER_TYPES.includes(lookup.resource_type)) {
    fail(`fhir_user_lookup.resource_type must be one of ${FHIR_USER_TYPES.join(', ')}`);
  }
  if (lookup.identifier_system.length === 0 || lookup.identifier_system.length > 500 || /[\s|,]/.test(lookup.identifier_system)) {
    fail('fhir_user_lookup.identifier_system must be a URI without spaces, commas or |');
  }
  return { resourceType: lookup.resource_type, identifierSystem: lookup.identifier_system };
}

/** An OIDC issuer: https (http only for loopback outside production, as outbound fetches allow), no query or fragment. */
export function checkIssuer(value: unknown, allowHttpLoopback: boolean): string {
  if (typeof value !== 'string' || value.length > 500 || !URL.canParse(value)) fail('issuer must be an absolute https URL');
  const url = new URL(value);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowHttpLoopback && loopback))
    fail('issuer must be an absolute https URL');
  if (url.username || url.password || url.search || url.hash) fail('issuer must not carry credentials, a query or a fragment');
  return value;
}

export function checkLdapUrl(value: unknown): string {
  if (typeof value !== 'string' || value.length > 500 || !URL.canParse(value)) fail('url must be an ldap:// or ldaps:// URL');
  const url = new URL(value);
  if (!['ldap:', 'ldaps:'].includes(url.protocol) || url.username || url.password)
    fail('url must be an ldap:// or ldaps:// URL without credentials');
  return value;
}

export function checkUserFilter(value: unknown): string {
  if (typeof value !== 'string' || value.length > 1000 || !value.includes('{username}'))
    fail('user_filter must contain {username}, e.g. (uid={username})');
  if (!/^\(.*\)$/.test(value)) fail('user_filter must be an LDAP filter in parentheses (RFC 4515)');
  return value;
}

export function optionalText(name: string, value: unknown, max = 1000): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > max) fail(`${name} must be text of at most ${max} characters`);
  return value;
}

export function isOidc(settings: ProviderSettings): settings is OidcProviderSettings {
  return 'issuer' in settings;
}
