import { parseScopes, SmartScope } from '../scopes';
import { isFhirId } from './r4-resource-types';
import { SmartContext, UserRole } from './smart-context';

/** Most patient ids a token's `restricted_to_patients` claim may carry (the users table enforces the same bound). */
export const MAX_RESTRICTED_PATIENTS = 100;

const parsedScopes = new Map<string, SmartScope[]>();

/**
 * Builds the SMART context from access-token claims (docs/architecture.md, RFC 9068); undefined when a
 * required claim is missing or has the wrong type.
 */
export function smartContextFromClaims(claims: Record<string, unknown>): SmartContext | undefined {
  const { jti, sub, client_id: clientId, scope, exp } = claims;
  if (!isText(jti) || !isText(sub) || !isText(clientId) || typeof scope !== 'string' || typeof exp !== 'number') return undefined;
  const role = claims.user_role;
  const restriction = claims.restricted_to_patients;
  // A restriction that cannot be read must not turn into "no restriction": refuse the token instead.
  if (restriction !== undefined && !isPatientList(restriction)) return undefined;
  // RFC 9449 §6: a confirmation the server cannot read must not make a bound token a bearer one.
  const cnf = claims.cnf;
  if (cnf !== undefined && (typeof cnf !== 'object' || cnf === null || !isText((cnf as Record<string, unknown>).jkt))) return undefined;
  const dpopJkt = cnf === undefined ? undefined : ((cnf as Record<string, unknown>).jkt as string);
  return {
    clientId,
    subject: sub,
    userRole: role === 'patient' || role === 'practitioner' ? (role as UserRole) : undefined,
    fhirUser: optionalText(claims.fhirUser),
    patient: optionalText(claims.patient),
    encounter: optionalText(claims.encounter),
    ...(restriction === undefined ? {} : { restrictedToPatients: restriction }),
    scopes: scopesOf(scope),
    grantId: optionalText(claims.grant_id),
    jti,
    expiresAt: exp,
    ...(dpopJkt === undefined ? {} : { dpopJkt }),
  };
}

// Tokens of one grant share a scope string; parse each distinct string once (bounded, for the hot path).
function scopesOf(scope: string): SmartScope[] {
  let scopes = parsedScopes.get(scope);
  if (!scopes) {
    scopes = parseScopes(scope).scopes;
    if (parsedScopes.size >= 1000) parsedScopes.clear();
    parsedScopes.set(scope, scopes);
  }
  return scopes;
}

function isPatientList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length <= MAX_RESTRICTED_PATIENTS && value.every(isFhirId);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function optionalText(value: unknown): string | undefined {
  return isText(value) ? value : undefined;
}
