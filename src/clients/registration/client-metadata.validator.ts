import { InvalidClientMetadataError, InvalidRedirectUriError } from '../../common/oauth/errors';
import { OutboundPolicy, STRICT_OUTBOUND_POLICY } from '../../common/outbound/outbound-policy';
import { outboundUrlRefusal } from '../../common/outbound/outbound-url';
import { MAX_SCOPE_LENGTH, MAX_SCOPE_TOKENS, parseScopes, scopeTooLarge } from '../../scopes';
import { ClientDescriptiveMetadata, ClientJwks, ClientType, TokenEndpointAuthMethod } from '../client.entity';
import { ClientSettings, SECRET_AUTH_METHODS } from '../clients.service';

export const SUPPORTED_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'none',
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
];
export const SUPPORTED_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const URL_METADATA = ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri'] as const;
const TEXT_METADATA = ['software_id', 'software_version'] as const;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_TEXT = 2000;
const MAX_LIST = 20;
// RFC 7591 §2 jwks: a few keys for rotation; each key a bounded JSON object (an RSA-8192 public JWK is ~1.5 KiB).
const MAX_KEYS = 5;
const MAX_KEY_JSON = 8192;

/** RFC 7591 §2 metadata as sent by a client (or the admin API); unknown members are ignored (§2). */
export type RawClientMetadata = Record<string, unknown>;

export interface ClientMetadataOptions {
  /**
   * The operator creates the client (admin API, CLI) rather than the client registering itself (RFC 7591). Only
   * then may a client_credentials client authenticate with a secret (RFC 6749 §4.4, e.g. internal services);
   * self-registered ones stay SMART Backend Services clients with private_key_jwt.
   */
  trustedRegistration?: boolean;
  /** Which jwks_uri targets the server may fetch (OUTBOUND_* settings); strict when absent. */
  outbound?: OutboundPolicy;
  /**
   * RFC 7592 PUT: internal scopes may be named because the result is intersected with what the operator approved,
   * so a client keeps an internal scope an operator granted it, and gains none.
   */
  internalScopesWithinApproval?: boolean;
}

const CLIENT_CREDENTIALS_METHODS: readonly TokenEndpointAuthMethod[] = ['private_key_jwt'];
const TRUSTED_CLIENT_CREDENTIALS_METHODS: readonly TokenEndpointAuthMethod[] = ['private_key_jwt', ...SECRET_AUTH_METHODS];

/**
 * Validates RFC 7591 metadata and derives the client type. Bad redirect URIs are invalid_redirect_uri, anything
 * else invalid_client_metadata (RFC 7591 §3.2.2).
 */
export function validateClientMetadata(raw: unknown, options: ClientMetadataOptions = {}): ClientSettings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new InvalidClientMetadataError('The request body must be a JSON object');
  const metadata = raw as RawClientMetadata;

  const method = (optionalText(metadata, 'token_endpoint_auth_method') ?? 'client_secret_basic') as TokenEndpointAuthMethod;
  if (!SUPPORTED_AUTH_METHODS.includes(method)) {
    throw new InvalidClientMetadataError(`token_endpoint_auth_method must be one of ${SUPPORTED_AUTH_METHODS.join(', ')}`);
  }
  const grantTypes = grantTypesOf(metadata, method, options);
  const backendService = grantTypes.includes('client_credentials');
  const responseTypes = optionalList(metadata, 'response_types') ?? (backendService ? [] : ['code']);
  if (responseTypes.some((type) => type !== 'code')) throw new InvalidClientMetadataError('Only the code response type is supported');
  if (grantTypes.includes('authorization_code') !== responseTypes.includes('code')) {
    throw new InvalidClientMetadataError('response_types code and grant_types authorization_code go together (RFC 7591 §2.1)');
  }

  const redirectUris = (optionalList(metadata, 'redirect_uris') ?? []).map((uri) =>
    checkUrl(uri, 'redirect_uris', InvalidRedirectUriError),
  );
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    throw new InvalidRedirectUriError('redirect_uris is required for the authorization_code grant');
  }
  if (backendService && redirectUris.length > 0) throw new InvalidRedirectUriError('A client_credentials client has no redirect_uris');

  const { jwks, jwksUri } = keysOf(metadata, method, options.outbound ?? STRICT_OUTBOUND_POLICY);
  const scope = scopeOf(metadata, backendService, options);
  const launchUrl = optionalText(metadata, 'launch_url');
  return {
    name: optionalText(metadata, 'client_name') ?? 'Unnamed app',
    type: clientType(method, backendService),
    tokenEndpointAuthMethod: method,
    redirectUris: [...new Set(redirectUris)],
    launchUrl: launchUrl === undefined ? null : checkUrl(launchUrl, 'launch_url', InvalidClientMetadataError),
    grantTypes,
    scope,
    jwks,
    jwksUri,
    metadata: descriptiveMetadata(metadata),
    allowRefreshTokens: grantTypes.includes('refresh_token'),
  };
}

function clientType(method: TokenEndpointAuthMethod, backendService: boolean): ClientType {
  if (method === 'none') return 'public';
  if (backendService) return 'backend-service';
  return method === 'private_key_jwt' ? 'confidential-asymmetric' : 'confidential-symmetric';
}

function grantTypesOf(metadata: RawClientMetadata, method: TokenEndpointAuthMethod, options: ClientMetadataOptions): string[] {
  const grantTypes = [...new Set(optionalList(metadata, 'grant_types') ?? ['authorization_code', 'refresh_token'])];
  const unsupported = grantTypes.filter((type) => !(SUPPORTED_GRANT_TYPES as readonly string[]).includes(type));
  if (unsupported.length > 0) throw new InvalidClientMetadataError(`Unsupported grant_types: ${unsupported.join(', ')}`);
  if (grantTypes.length === 0) throw new InvalidClientMetadataError('grant_types must not be empty');
  if (grantTypes.includes('client_credentials')) {
    // SMART Backend Services: asymmetric client authentication and no user-facing grants. RFC 6749 §4.4 also
    // allows a secret, which only the operator may choose; a public client never gets the grant.
    const allowed = options.trustedRegistration ? TRUSTED_CLIENT_CREDENTIALS_METHODS : CLIENT_CREDENTIALS_METHODS;
    if (!allowed.includes(method)) {
      throw new InvalidClientMetadataError(
        `client_credentials requires token_endpoint_auth_method ${allowed.length > 1 ? 'one of ' : ''}${allowed.join(', ')}`,
      );
    }
    if (grantTypes.length > 1) throw new InvalidClientMetadataError('client_credentials cannot be combined with other grant types');
  }
  if (grantTypes.includes('refresh_token') && !grantTypes.includes('authorization_code')) {
    throw new InvalidClientMetadataError('refresh_token requires the authorization_code grant');
  }
  return grantTypes;
}

function keysOf(
  metadata: RawClientMetadata,
  method: TokenEndpointAuthMethod,
  outbound: OutboundPolicy,
): { jwks: ClientJwks | null; jwksUri: string | null } {
  const hasJwks = metadata.jwks !== undefined && metadata.jwks !== null;
  const rawUri = optionalText(metadata, 'jwks_uri');
  if (hasJwks && rawUri !== undefined) throw new InvalidClientMetadataError('jwks and jwks_uri must not both be present (RFC 7591 §2)');
  if (method !== 'private_key_jwt') {
    if (hasJwks || rawUri !== undefined) throw new InvalidClientMetadataError('jwks and jwks_uri are only used with private_key_jwt');
    return { jwks: null, jwksUri: null };
  }
  if (!hasJwks && rawUri === undefined) throw new InvalidClientMetadataError('private_key_jwt requires jwks or jwks_uri');
  if (rawUri !== undefined) {
    const jwksUri = checkUrl(rawUri, 'jwks_uri', InvalidClientMetadataError, true);
    // The server fetches it: no internal targets (checked again after DNS resolution at fetch time).
    const refusal = outboundUrlRefusal(jwksUri, outbound);
    if (refusal) throw new InvalidClientMetadataError(`jwks_uri ${refusal}`);
    return { jwks: null, jwksUri };
  }
  return { jwks: checkJwks(metadata.jwks), jwksUri: null };
}

function checkJwks(value: unknown): ClientJwks {
  const keys = (value as { keys?: unknown })?.keys;
  if (typeof value !== 'object' || !Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS) {
    throw new InvalidClientMetadataError(`jwks must be a JWK Set with 1 to ${MAX_KEYS} keys`);
  }
  const seen = new Set<string>();
  for (const key of keys as Array<Record<string, unknown>>) {
    if (typeof key !== 'object' || key === null || typeof key.kid !== 'string' || !key.kid || !['RSA', 'EC'].includes(key.kty as string)) {
      throw new InvalidClientMetadataError('Every key in jwks needs kty (RSA or EC) and kid');
    }
    if (PRIVATE_JWK_MEMBERS.some((member) => member in key)) throw new InvalidClientMetadataError('jwks must contain public keys only');
    if (JSON.stringify(key).length > MAX_KEY_JSON)
      throw new InvalidClientMetadataError(`Every key in jwks must be at most ${MAX_KEY_JSON} characters of JSON`);
    const identity = `${key.kty}|${key.kid}`;
    if (seen.has(identity)) throw new InvalidClientMetadataError(`jwks has more than one ${key.kty} key with kid ${key.kid}`);
    seen.add(identity);
  }
  return { keys: keys as object[] };
}

function scopeOf(metadata: RawClientMetadata, backendService: boolean, options: ClientMetadataOptions): string {
  const scope = optionalText(metadata, 'scope');
  if (scope === undefined) {
    if (backendService)
      throw new InvalidClientMetadataError('scope (the pre-authorized system/ scopes) is required for client_credentials');
    return DEFAULT_APP_SCOPE;
  }
  if (scopeTooLarge(scope))
    throw new InvalidClientMetadataError(`scope may hold at most ${MAX_SCOPE_TOKENS} scopes and ${MAX_SCOPE_LENGTH} characters`);
  const { scopes, invalid } = parseScopes(scope);
  if (invalid.length > 0) throw new InvalidClientMetadataError(`Malformed scopes: ${invalid.join(' ')}`);
  // Internal `__` scopes (SMART App Launch 2.2 §Extensibility: `__introspect`, …) stand for rights an operator grants;
  // a client never asks for them.
  const internal = scopes.filter((candidate) => candidate.raw.startsWith('__'));
  if (!options.trustedRegistration && !options.internalScopesWithinApproval && internal.length > 0) {
    throw new InvalidClientMetadataError(
      `Internal scopes cannot be registered; an operator grants them: ${internal.map((candidate) => candidate.raw).join(' ')}`,
    );
  }
  const resourceScopes = scopes.filter((candidate) => candidate.kind === 'resource');
  if (backendService && resourceScopes.some((candidate) => candidate.context !== 'system')) {
    throw new InvalidClientMetadataError('A client_credentials client may only be pre-authorized for system/ scopes');
  }
  if (!backendService && resourceScopes.some((candidate) => candidate.context === 'system')) {
    throw new InvalidClientMetadataError('system/ scopes are only for client_credentials clients');
  }
  return scopes.map((candidate) => candidate.raw).join(' ');
}

/** The scope ceiling of an app that registers without `scope`. */
export const DEFAULT_APP_SCOPE =
  'openid fhirUser profile launch launch/patient launch/encounter offline_access online_access patient/*.cruds user/*.cruds';

function descriptiveMetadata(metadata: RawClientMetadata): ClientDescriptiveMetadata {
  const result: ClientDescriptiveMetadata = {};
  for (const name of URL_METADATA) {
    const value = optionalText(metadata, name);
    if (value !== undefined) result[name] = checkUrl(value, name, InvalidClientMetadataError, true);
  }
  for (const name of TEXT_METADATA) {
    const value = optionalText(metadata, name);
    if (value !== undefined) result[name] = value;
  }
  const contacts = optionalList(metadata, 'contacts');
  if (contacts) result.contacts = contacts;
  return result;
}

function optionalText(metadata: RawClientMetadata, name: string): string | undefined {
  const value = metadata[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) {
    throw new InvalidClientMetadataError(`${name} must be a non-empty string of at most ${MAX_TEXT} characters`);
  }
  return value;
}

function optionalList(metadata: RawClientMetadata, name: string): string[] | undefined {
  const value = metadata[name];
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.length > MAX_LIST ||
    value.some((item) => typeof item !== 'string' || !item || item.length > MAX_TEXT)
  ) {
    throw new InvalidClientMetadataError(`${name} must be an array of at most ${MAX_LIST} non-empty strings`);
  }
  return value as string[];
}

// RFC 6749 §3.1.2 / RFC 8252 §7.3: absolute, no fragment, https or loopback http. The stored text is exactly
// the parsed URL, so what is compared is what is redirected to (no whitespace or control characters either).
function checkUrl(
  value: string,
  name: string,
  ErrorType: typeof InvalidRedirectUriError | typeof InvalidClientMetadataError,
  anyHttpHost = false,
): string {
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(value)) throw new ErrorType(`${name} must not contain whitespace or control characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ErrorType(`${name}: ${value} is not an absolute URL`);
  }
  if (value.includes('#')) throw new ErrorType(`${name}: ${value} must not contain a fragment`);
  if (url.href !== value) throw new ErrorType(`${name}: ${value} must be written in its normalized form, ${url.href}`);
  if (url.protocol === 'https:') return value;
  if (url.protocol === 'http:' && (anyHttpHost || LOOPBACK_HOSTS.has(url.hostname))) return value;
  throw new ErrorType(`${name}: ${value} must use https (http is allowed only for 127.0.0.1, [::1] and localhost)`);
}
