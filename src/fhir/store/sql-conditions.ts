import { AccessRule, COMPARTMENT_ELEMENTS, OperationOutcomeError } from '../../fhir-auth';
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

const LONE_SURROGATE_OR_NUL = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/;

/** A jsonpath string literal. It travels inside a bound jsonpath parameter, never spliced into SQL text. */
export function jsonPathLiteral(value: string): string {
  if (LONE_SURROGATE_OR_NUL.test(value))
    throw OperationOutcomeError.invalid('Search values must be well-formed text without NUL characters');
  return JSON.stringify(value);
}

// `resource @? jsonpath` is answered by the GIN (resource jsonb_path_ops) index fhir_resources_content: the
// equality tests inside the filters become index lookups, and PostgreSQL then evaluates the jsonpath exactly
// on the candidate rows (migrations/1795460000000-IndexFhirSearch.ts; bench/README.md, "Search at scale").
function jsonPathCondition(filter: string, parameters: SqlParameters): string {
  return `resource @? ${parameters.add(`lax $ ? (${filter})`)}::jsonpath`;
}

/**
 * FHIR token match (`system|code`, `code`, `|code`, `system|`) on a code, Coding or CodeableConcept element,
 * the same semantics as scopes' resourceMatchesConstraints; `valueField` is `value` for Identifier. The tokens
 * are OR-ed, all in one bound jsonpath.
 */
export function tokenCondition(path: string, tokens: string | readonly string[], parameters: SqlParameters, valueField = 'code'): string {
  const element = `@${path.slice(1)}`;
  const predicates: string[] = [];
  const plainCodes: string[] = [];
  for (const token of typeof tokens === 'string' ? [tokens] : tokens) {
    const bar = token.indexOf('|');
    const system = bar < 0 ? undefined : token.slice(0, bar);
    const code = bar < 0 ? token : token.slice(bar + 1);
    const codeTest = `@."${valueField}" == ${jsonPathLiteral(code)}`;
    if (system === undefined) plainCodes.push(code);
    predicates.push(
      system === undefined
        ? codeTest
        : system === ''
          ? `!(exists(@."system")) && ${codeTest}`
          : code === ''
            ? `@."system" == ${jsonPathLiteral(system)} && exists(@."${valueField}")`
            : `@."system" == ${jsonPathLiteral(system)} && ${codeTest}`,
    );
  }
  const inner = predicates.map((predicate) => `(${predicate})`).join(' || ');
  const tests = [
    `exists(${element}."coding" ? (${inner}))`,
    `exists(${element} ? (${inner}))`,
    ...plainCodes.map((code) => `${element} == ${jsonPathLiteral(code)}`),
  ];
  return jsonPathCondition(tests.join(' || '), parameters);
}

/** Any reference element of the resource equals one of `references` (`Type/id`). */
export function referenceCondition(elements: readonly string[], references: readonly string[], parameters: SqlParameters): string {
  if (references.length === 0) return 'FALSE';
  const tests = elements.flatMap((element) => references.map((reference) => `@."${element}"."reference" == ${jsonPathLiteral(reference)}`));
  return jsonPathCondition(tests.join(' || '), parameters);
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

/** Patient compartments and granular scopes in SQL: the OR of the access rules, each a compartment AND its scope constraints. */
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
