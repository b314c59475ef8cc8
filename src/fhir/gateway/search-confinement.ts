import { AccessRule, SHARED_RESOURCE_TYPES } from '../../fhir-auth';

/**
 * The query to forward for a search, narrowed so the upstream does the confining work (SMART Q5, Q6): the
 * token's patient when every rule is confined to the same one, and the granted categories when every rule is
 * a single `category` constraint. Undefined when no rule grants anything (nothing to ask upstream).
 */
export function confineQuery(resourceType: string, query: URLSearchParams, rules: readonly AccessRule[]): URLSearchParams | undefined {
  if (rules.length === 0) return undefined;
  const confined = new URLSearchParams(query);
  const patients = new Set(rules.map((rule) => rule.patient));
  const [patient] = [...patients];
  if (patients.size === 1 && patient !== undefined && !SHARED_RESOURCE_TYPES.has(resourceType)) {
    confined.append(resourceType === 'Patient' ? '_id' : 'patient', patient);
  }
  const categoryOnly = rules.every((rule) => rule.constraints.length === 1 && rule.constraints[0].name === 'category');
  if (categoryOnly) confined.append('category', [...new Set(rules.map((rule) => rule.constraints[0].value))].join(','));
  return confined;
}
