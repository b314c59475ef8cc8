import type { ResourceScope, ScopeConstraint, ScopeContext } from './smart-scope';

/** The resource-scope fields the index looks at; narrowing indexes its intermediate pieces too. */
export type IndexableScope = Pick<ResourceScope, 'context' | 'resourceType' | 'constraints'>;

/**
 * Resource scopes grouped by context, type and constraint, so that comparing one list of scopes with another
 * costs about their combined length rather than their product (a quadratic comparison let one
 * unauthenticated request hold the event loop for minutes). Lookups answer the two questions the narrowing
 * rules ask: which scopes have constraints that are a sub-multiset (or a super-multiset) of given ones.
 */
export class ResourceScopeIndex<T extends IndexableScope> {
  private readonly byType = new Map<string, T[]>();
  private readonly byContext = new Map<string, T[]>();
  // Keyed by context and type; `unconstrainedIn` gathers a whole context for `*` requests.
  private readonly unconstrained = new Map<string, T[]>();
  private readonly byConstraint = new Map<string, T[]>();

  constructor(scopes: Iterable<T>) {
    for (const scope of scopes) this.add(scope);
  }

  add(scope: T): void {
    push(this.byType, typeKey(scope.context, scope.resourceType), scope);
    push(this.byContext, scope.context, scope);
    if (scope.constraints.length === 0) push(this.unconstrained, typeKey(scope.context, scope.resourceType), scope);
    for (const key of new Set(scope.constraints.map(constraintKey))) push(this.byConstraint, `${scope.context}\u0000${key}`, scope);
  }

  /**
   * Scopes of `context` whose constraints are a sub-multiset of `constraints` (unconstrained scopes included),
   * limited to the given resource types when `types` is set.
   */
  withConstraintsWithin(context: ScopeContext, constraints: readonly ScopeConstraint[], types?: readonly string[]): T[] {
    const found = new Set<T>();
    if (types) {
      for (const type of types) for (const scope of this.unconstrained.get(typeKey(context, type)) ?? []) found.add(scope);
    } else {
      for (const scope of this.unconstrainedIn(context)) found.add(scope);
    }
    const wanted = countKeys(constraints);
    const checked = new Set<T>();
    for (const key of wanted.keys()) {
      for (const scope of this.byConstraint.get(`${context}\u0000${key}`) ?? []) {
        if (checked.has(scope)) continue;
        checked.add(scope);
        if (ofTypes(scope, types) && subMultiset(countKeys(scope.constraints), wanted)) found.add(scope);
      }
    }
    return [...found];
  }

  /**
   * Scopes of `context` whose constraints include all of `constraints` (every scope when empty), limited to
   * the given resource types when `types` is set.
   */
  withConstraintsIncluding(context: ScopeContext, constraints: readonly ScopeConstraint[], types?: readonly string[]): T[] {
    if (constraints.length === 0) {
      return types ? types.flatMap((type) => this.ofType(context, type)) : [...(this.byContext.get(context) ?? [])];
    }
    const wanted = countKeys(constraints);
    // Every match carries the first constraint, so its posting list bounds the candidates.
    const candidates = this.byConstraint.get(`${context}\u0000${constraintKey(constraints[0])}`) ?? [];
    return candidates.filter((scope) => ofTypes(scope, types) && subMultiset(wanted, countKeys(scope.constraints)));
  }

  private unconstrainedIn(context: ScopeContext): T[] {
    return (this.byContext.get(context) ?? []).filter((scope) => scope.constraints.length === 0);
  }

  /** Scopes of `context` with exactly this resource type (`*` only matches `*`). */
  ofType(context: ScopeContext, resourceType: string): readonly T[] {
    return this.byType.get(typeKey(context, resourceType)) ?? [];
  }
}

/** One string per constraint list that is equal for equal multisets, whatever the order. */
export function constraintsKey(constraints: readonly ScopeConstraint[]): string {
  return constraints.map(constraintKey).sort().join('\u0001');
}

export function constraintKey(constraint: ScopeConstraint): string {
  return `${constraint.name}\u0000${constraint.value}`;
}

export function countKeys(constraints: readonly ScopeConstraint[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const constraint of constraints) {
    const key = constraintKey(constraint);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

export function subMultiset(subset: ReadonlyMap<string, number>, superset: ReadonlyMap<string, number>): boolean {
  for (const [key, count] of subset) if ((superset.get(key) ?? 0) < count) return false;
  return true;
}

function ofTypes(scope: IndexableScope, types: readonly string[] | undefined): boolean {
  return !types || types.includes(scope.resourceType);
}

function typeKey(context: string, resourceType: string): string {
  return `${context}\u0000${resourceType}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
