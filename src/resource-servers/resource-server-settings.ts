import { normalizeResourceUrl } from '../common/oauth/redirect-url';
import { hasControlCharacters } from '../common/text/control-characters';
import { formatScopes, isResourceScope, narrowScopes, parseScopes, SmartScope } from '../scopes';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const MAX_URL = 2000;
const MAX_SCOPE = 4096;

export class InvalidResourceServerError extends Error {}

export interface ResourceServerChecks {
  /** This server's own FHIR base: no registered server may take its URL or audience. */
  fhirBaseUrl: string;
  /** Plain http (loopback only) is refused in production. */
  production: boolean;
}

/**
 * The URL apps name as `resource` / `aud` (RFC 8707 §2: absolute, no fragment; SHOULD NOT have a query, refused
 * here so the comparison stays exact). https, or http to a loopback host outside production. Returned in the
 * normalized form used for lookups (normalizeResourceUrl: no trailing slash, host lower-cased).
 */
export function checkBaseUrl(value: unknown, checks: ResourceServerChecks): string {
  const url = parseUrl(value, 'base_url');
  if (url.search) throw new InvalidResourceServerError('base_url must not contain a query');
  const insecure = url.protocol === 'http:' && !checks.production && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !insecure) {
    throw new InvalidResourceServerError('base_url must use https (http only for 127.0.0.1, [::1] and localhost, and never in production)');
  }
  const normalized = normalizeResourceUrl(url.href) as string;
  if (normalized === normalizeResourceUrl(checks.fhirBaseUrl))
    throw new InvalidResourceServerError("base_url is this server's own FHIR base");
  return normalized;
}

/** The `aud` claim of the server's tokens, kept exactly as given: an absolute URI without a fragment. */
export function checkAudience(value: unknown, checks: ResourceServerChecks): string {
  const url = parseUrl(value, 'audience');
  // A token with this server's audience would be accepted at its own /fhir: never hand that out under another name.
  if (normalizeResourceUrl(url.href) === normalizeResourceUrl(checks.fhirBaseUrl))
    throw new InvalidResourceServerError("audience is this server's own FHIR base");
  return value as string;
}

/** The scope ceiling: one or more well-formed resource scopes (patient/, user/ or system/). */
export function checkScopeCeiling(value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_SCOPE)
    throw new InvalidResourceServerError(`scope must be a string of at most ${MAX_SCOPE} characters`);
  const { scopes, invalid } = parseScopes(value);
  if (invalid.length) throw new InvalidResourceServerError(`scope: malformed ${invalid.join(' ')}`);
  if (scopes.length === 0) throw new InvalidResourceServerError('scope must name at least one resource scope');
  const other = scopes.filter((scope) => !isResourceScope(scope));
  if (other.length)
    throw new InvalidResourceServerError(
      `scope may hold only resource scopes (patient/, user/, system/), not ${other.map((scope) => scope.raw).join(' ')}`,
    );
  return formatScopes(scopes);
}

/**
 * Granted = requested ∩ the resource server's ceiling, for resource scopes only: identity, launch and refresh
 * scopes (openid, launch/patient, offline_access…) are about the app and the user, not about the server.
 * A null ceiling (this server's own FHIR API) changes nothing.
 */
export function withinResourceServer(scopes: readonly SmartScope[], ceiling: readonly SmartScope[] | null): SmartScope[] {
  if (!ceiling) return [...scopes];
  const result = scopes.flatMap((scope) => (isResourceScope(scope) ? narrowScopes([scope], ceiling) : [scope]));
  return result.filter((scope, index) => result.findIndex((other) => other.raw === scope.raw) === index);
}

function parseUrl(value: unknown, name: string): URL {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_URL || hasControlCharacters(value) || /\s/.test(value)) {
    throw new InvalidResourceServerError(`${name} must be an absolute URL of at most ${MAX_URL} characters`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidResourceServerError(`${name} must be an absolute URL`);
  }
  if (value.includes('#')) throw new InvalidResourceServerError(`${name} must not contain a fragment`);
  if (url.username || url.password) throw new InvalidResourceServerError(`${name} must not contain credentials`);
  return url;
}
