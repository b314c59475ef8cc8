import { countKeys, subMultiset } from './scope-index';
import { Interaction, ResourceScope, ScopeConstraint, ScopeContext, SmartScope } from './smart-scope';

export function isResourceScope(scope: SmartScope): scope is ResourceScope {
  return scope.kind === 'resource';
}

/**
 * Every granted resource scope that grants `interaction` on `resourceType` (SMART App Launch 2.2 §Scopes for requesting
 * FHIR Resources).
 */
export function permittingScopes(
  granted: readonly SmartScope[],
  resourceType: string,
  interaction: Interaction,
  contexts?: readonly ScopeContext[],
): ResourceScope[] {
  return granted.filter(
    (scope): scope is ResourceScope =>
      isResourceScope(scope) &&
      typeCovers(scope.resourceType, resourceType) &&
      scope.interactions.has(interaction) &&
      (!contexts || contexts.includes(scope.context)),
  );
}

export function isPermitted(
  granted: readonly SmartScope[],
  resourceType: string,
  interaction: Interaction,
  contexts?: readonly ScopeContext[],
): boolean {
  return permittingScopes(granted, resourceType, interaction, contexts).length > 0;
}

/**
 * SMART App Launch 2.2 §Finer-grained resource constraints using search parameters: the constraints of one granular
 * scope are ANDed; an empty list matches everything.
 */
export function resourceMatchesConstraints(resource: Record<string, unknown>, constraints: readonly ScopeConstraint[]): boolean {
  if (!isObject(resource)) return false;
  return constraints.every((constraint) => constraintMatches(resource, constraint));
}

/**
 * True if ANY of the scopes (normally the result of permittingScopes) lets the caller see this
 * resource: under granular scopes, every returned resource must match at least one granted scope.
 */
export function resourcePermitted(resource: Record<string, unknown>, scopes: readonly ResourceScope[]): boolean {
  if (!isObject(resource)) return false;
  const actualType = typeof resource.resourceType === 'string' ? resource.resourceType : undefined;
  return scopes.some(
    (scope) =>
      (actualType === undefined || typeCovers(scope.resourceType, actualType)) && resourceMatchesConstraints(resource, scope.constraints),
  );
}

/** The narrowest scope that would permit the interaction, for `WWW-Authenticate` hints (RFC 6750 §3). */
export function requiredScopeFor(resourceType: string, interaction: Interaction, context: ScopeContext): string {
  return `${context}/${resourceType}.${interaction}`;
}

/** `*` covers every type, now and in the future (SMART App Launch 2.2 §Wildcard scopes). */
export function typeCovers(grantedType: string, resourceType: string): boolean {
  return grantedType === '*' || grantedType === resourceType;
}

/** Multiset inclusion: a scope with fewer constraints is broader, because constraints are ANDed. Linear in both lists. */
export function constraintsSubset(subset: readonly ScopeConstraint[], superset: readonly ScopeConstraint[]): boolean {
  return subset.length <= superset.length && subMultiset(countKeys(subset), countKeys(superset));
}

export function constraintsEqual(a: readonly ScopeConstraint[], b: readonly ScopeConstraint[]): boolean {
  return a.length === b.length && constraintsSubset(a, b);
}

/**
 * True when `granting` alone allows everything `candidate` allows: same context, type covered,
 * all interactions present and no constraint that `candidate` lacks.
 */
export function resourceScopeCovers(granting: ResourceScope, candidate: ResourceScope): boolean {
  return (
    granting.context === candidate.context &&
    typeCovers(granting.resourceType, candidate.resourceType) &&
    [...candidate.interactions].every((letter) => granting.interactions.has(letter)) &&
    constraintsSubset(granting.constraints, candidate.constraints)
  );
}

// FHIR search parameters are matched against the element of the same name (`category`, `code`,
// `status`); kebab-case names map to camelCase elements (`clinical-status` → `clinicalStatus`).
// Modifiers (`code:in`), chains and anything that is not a coded element are denied by default,
// since a filter the server cannot evaluate must not widen access (SMART App Launch 2.2 §Experimental features).
function constraintMatches(resource: Record<string, unknown>, { name, value }: ScopeConstraint): boolean {
  const element = elementFor(resource, name);
  if (element === undefined) return false;
  const items = Array.isArray(element) ? element : [element];
  return items.some((item) => tokenMatches(item, value));
}

function elementFor(resource: Record<string, unknown>, name: string): unknown {
  if (name === '_tag' || name === '_security') {
    const meta = resource.meta;
    return isObject(meta) ? ownProperty(meta, name.slice(1)) : undefined;
  }
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) return undefined;
  return ownProperty(
    resource,
    name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase()),
  );
}

// FHIR token search: `system|code` needs both, `code` matches any system, `|code` needs a coding
// without a system, and `system|` matches any code in that system.
function tokenMatches(item: unknown, value: string): boolean {
  const bar = value.indexOf('|');
  const system = bar < 0 ? undefined : value.slice(0, bar);
  const code = bar < 0 ? value : value.slice(bar + 1);
  if (typeof item === 'string') return system === undefined && item === code;
  if (!isObject(item)) return false;
  if (Array.isArray(item.coding)) return item.coding.some((coding) => codingMatches(coding, system, code));
  return codingMatches(item, system, code);
}

function codingMatches(coding: unknown, system: string | undefined, code: string): boolean {
  if (!isObject(coding)) return false;
  const codingSystem = typeof coding.system === 'string' && coding.system !== '' ? coding.system : undefined;
  const codingCode = typeof coding.code === 'string' ? coding.code : undefined;
  if (codingCode === undefined) return false;
  if (system === '') {
    if (codingSystem !== undefined) return false;
  } else if (system !== undefined && codingSystem !== system) {
    return false;
  }
  return code === '' ? system !== undefined && system !== '' : codingCode === code;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Only own properties: a constraint named `constructor` or `__proto__` must never reach the prototype.
function ownProperty(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}
