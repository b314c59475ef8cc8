import type { AccessTokenClaims } from '../access-tokens';
import { BoundedCache } from '../common/cache/bounded-cache';
import { parseScopes, SmartScope } from '../scopes';
import { isFhirId } from './r4-resource-types';
import { SmartContext, UserRole } from './smart-context';

/** Most patient ids a token's `restricted_to_patients` claim may carry (the users table enforces the same bound). */
export const MAX_RESTRICTED_PATIENTS = 100;

// Tokens of one grant share a scope string: parse each distinct string once (the hot path), bounded.
const parsedScopes = new BoundedCache<string, SmartScope[]>({ max: 1000, ttlMs: 3600_000 });

/**
 * The SMART context of a verified access token (docs/architecture.md, RFC 9068); undefined when a claim the
 * context needs cannot be read (a restriction that is not a list of FHIR ids must not become "no restriction").
 */
export function smartContextFromClaims(claims: AccessTokenClaims): SmartContext | undefined {
  const restriction: unknown = claims.restricted_to_patients;
  if (restriction !== undefined && !isPatientList(restriction)) return undefined;
  const role: unknown = claims.user_role;
  return {
    clientId: claims.client_id,
    subject: claims.sub,
    userRole: role === 'patient' || role === 'practitioner' ? (role as UserRole) : undefined,
    fhirUser: optionalText(claims.fhirUser),
    patient: optionalText(claims.patient),
    encounter: optionalText(claims.encounter),
    ...(restriction === undefined ? {} : { restrictedToPatients: restriction }),
    scopes: scopesOf(claims.scope),
    grantId: optionalText(claims.grant_id),
    jti: claims.jti,
    expiresAt: claims.exp,
    // RFC 9449 §6: the reader already refused a `cnf` without a readable `jkt`.
    ...(claims.cnf === undefined ? {} : { dpopJkt: claims.cnf.jkt }),
  };
}

function scopesOf(scope: string): SmartScope[] {
  let scopes = parsedScopes.get(scope);
  if (!scopes) {
    scopes = parseScopes(scope).scopes;
    parsedScopes.set(scope, scopes);
  }
  return scopes;
}

function isPatientList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length <= MAX_RESTRICTED_PATIENTS && value.every(isFhirId);
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
