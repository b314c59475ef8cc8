import { AccessRule, SHARED_RESOURCE_TYPES } from '../../fhir-auth';

export interface ConfinedQuery {
  /** The query to forward. */
  query: URLSearchParams;
  /**
   * True when the forwarded query asks for exactly what the rules allow, so an upstream `total` counts only
   * resources the caller may see. Otherwise the total would disclose other patients' data.
   */
  exact: boolean;
}

/**
 * The query to forward for a search, narrowed so the upstream does the confining work (SMART App Launch 2.2
 * §Patient-specific scopes, §Finer-grained resource constraints): the patients of the rules when every rule is confined
 * to one (`patient=a,b`, FHIR OR semantics; `_id` for Patient), and the granted categories when every rule is a single
 * `category` constraint. Undefined when no rule grants anything (nothing to ask upstream). Every returned resource is
 * still checked against the rules.
 */
export function confineQuery(resourceType: string, query: URLSearchParams, rules: readonly AccessRule[]): ConfinedQuery | undefined {
  if (rules.length === 0) return undefined;
  const confined = new URLSearchParams(query);
  const shared = SHARED_RESOURCE_TYPES.has(resourceType);
  const patients = new Set(rules.map((rule) => (shared ? undefined : rule.patient)));
  const byPatient = ![...patients].includes(undefined);
  const unconfinedPatients = patients.size === 1 && patients.has(undefined);
  if (byPatient) confined.append(resourceType === 'Patient' ? '_id' : 'patient', [...patients].join(','));
  const unconstrained = rules.every((rule) => rule.constraints.length === 0);
  const categoryOnly = rules.every((rule) => rule.constraints.length === 1 && rule.constraints[0].name === 'category');
  const categories = new Set(categoryOnly ? rules.map((rule) => rule.constraints[0].value) : []);
  if (categoryOnly) confined.append('category', [...categories].join(','));
  // The forwarded query is the product patients × categories: exact only when every pair is granted.
  const pairs = new Set(rules.map((rule) => `${shared ? '' : (rule.patient ?? '')}|${categoryOnly ? rule.constraints[0].value : ''}`));
  const exact =
    (byPatient || unconfinedPatients) && (unconstrained || categoryOnly) && pairs.size === patients.size * Math.max(categories.size, 1);
  return { query: confined, exact };
}

/** History cannot be confined by parameters: its total is exact only for rules that see everything of the type. */
export function historyIsExact(rules: readonly AccessRule[]): boolean {
  return rules.length > 0 && rules.every((rule) => rule.patient === undefined && rule.constraints.length === 0);
}
