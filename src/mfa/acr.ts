/**
 * Authentication context classes (OIDC Core §2 `acr`, §3.1.2.1 `acr_values`), named by this server because no
 * registry defines password-only versus multi-factor. Both are advertised in `acr_values_supported`.
 */
export const ACR_SINGLE_FACTOR = 'urn:smart-auth:acr:pwd';
/** Two or more factors: the sign-in's amr contains `mfa` (RFC 8176 §2). */
export const ACR_MULTI_FACTOR = 'urn:smart-auth:acr:mfa';
export const ACR_VALUES_SUPPORTED = [ACR_SINGLE_FACTOR, ACR_MULTI_FACTOR];

const LEVEL: Record<string, number> = { [ACR_SINGLE_FACTOR]: 1, [ACR_MULTI_FACTOR]: 2 };

/** The class an id_token states for a sign-in with these RFC 8176 methods; none when they are unknown (EHR launch). */
export function acrForAmr(amr: readonly string[] | null | undefined): string | undefined {
  if (!amr?.length) return undefined;
  return amr.includes('mfa') ? ACR_MULTI_FACTOR : ACR_SINGLE_FACTOR;
}

/**
 * Whether `acr_values` asks for multi-factor. The values are in order of preference and any one of them is
 * acceptable, so multi-factor is required only when every value this server knows is the multi-factor class.
 * Values it does not know are voluntary requests it cannot honour, and are ignored (OIDC Core §5.5.1.1).
 */
export function requiresMultiFactor(acrValues: readonly string[] | undefined): boolean {
  const known = (acrValues ?? []).map((value) => LEVEL[value]).filter((level): level is number => level !== undefined);
  return known.length > 0 && Math.min(...known) >= LEVEL[ACR_MULTI_FACTOR];
}

/** RFC 8176 methods after a second factor: the first factor's, the second's, and `mfa`. */
export function withSecondFactor(firstFactor: readonly string[], secondFactor: readonly string[]): string[] {
  return [...new Set([...firstFactor, ...secondFactor, 'mfa'])];
}
