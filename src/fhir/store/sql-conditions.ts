import { AccessRule, COMPARTMENT_ELEMENTS } from '../../fhir-auth';
import { ScopeConstraint } from '../../scopes';

/** Collects positional parameters while SQL conditions are built; nothing user-supplied is spliced into SQL text. */
export class SqlParameters {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const ELEMENT_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** `clinical-status` → `$."clinicalStatus"`; `_tag` → `$."meta"."tag"`; undefined for names that are not elements. */
export function elementPath(name: string): string | undefined {
  if (name === '_tag' || name === '_security') return `$."meta"."${name.slice(1)}"`;
  if (!ELEMENT_NAME.test(name)) return undefined;
  return `$."${name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())}"`;
}

/**
 * FHIR token match (`system|code`, `code`, `|code`, `system|`) on a code, Coding or CodeableConcept element,
 * the same semantics as scopes' resourceMatchesConstraints; `valueField` is `value` for Identifier.
 */
export function tokenCondition(path: string, token: string, parameters: SqlParameters, valueField = 'code'): string {
  const bar = token.indexOf('|');
  const system = bar < 0 ? undefined : token.slice(0, bar);
  const code = bar < 0 ? token : token.slice(bar + 1);
  const vars = parameters.add(JSON.stringify({ s: system ?? '', c: code }));
  const codeTest = `@."${valueField}" == $c`;
  const predicate =
    system === undefined ? codeTest
    : system === '' ? `!(exists(@."system")) && ${codeTest}`
    : code === '' ? `@."system" == $s && exists(@."${valueField}")`
    : `@."system" == $s && ${codeTest}`;
  const paths = [`lax ${path}."coding" ? (${predicate})`, `lax ${path} ? (${predicate})`];
  if (system === undefined) paths.push(`lax ${path} ? (@ == $c)`);
  return `(${paths.map((jsonPath) => `jsonb_path_exists(resource, '${jsonPath}', ${vars}::jsonb)`).join(' OR ')})`;
}

/** Any reference element of the resource equals one of `references` (`Type/id`). */
export function referenceCondition(elements: readonly string[], references: readonly string[], parameters: SqlParameters): string {
  const list = parameters.add(references);
  return `(${elements
    .map((element) => `EXISTS (SELECT 1 FROM jsonb_path_query(resource, 'lax $."${element}"."reference"') AS ref WHERE ref #>> '{}' = ANY(${list}::text[]))`)
    .join(' OR ')})`;
}

export function compartmentCondition(resourceType: string, patientId: string, parameters: SqlParameters): string {
  if (resourceType === 'Patient') return `id = ${parameters.add(patientId)}`;
  return referenceCondition(COMPARTMENT_ELEMENTS, [`Patient/${patientId}`], parameters);
}

export function constraintsCondition(constraints: readonly ScopeConstraint[], parameters: SqlParameters): string {
  const parts = constraints.map((constraint) => {
    const path = elementPath(constraint.name);
    return path ? tokenCondition(path, constraint.value, parameters) : 'FALSE';
  });
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

/** SMART Q5/Q6 in SQL: the OR of the access rules, each a compartment AND its scope constraints. */
export function rulesCondition(resourceType: string, rules: readonly AccessRule[], parameters: SqlParameters): string {
  if (rules.length === 0) return 'FALSE';
  if (rules.some((rule) => rule.patient === undefined && rule.constraints.length === 0)) return 'TRUE';
  return `(${rules
    .map((rule) => {
      const parts = [constraintsCondition(rule.constraints, parameters)];
      if (rule.patient !== undefined) parts.push(compartmentCondition(resourceType, rule.patient, parameters));
      return `(${parts.join(' AND ')})`;
    })
    .join(' OR ')})`;
}
