import { constraintsEqual, constraintsSubset, isResourceScope, resourceScopeCovers, typeCovers } from './scope-matcher';
import { Interaction, LaunchScope, ResourceScope, ScopeConstraint, SmartScope } from './smart-scope';
import { buildResourceScope, parseScopes, sortInteractions } from './smart-scope.parser';

interface Piece {
  resourceType: string;
  constraints: readonly ScopeConstraint[];
  interactions: Set<Interaction>;
}

/**
 * SMART I11 / L3: granted = requested ∩ ceiling. Scopes the ceiling fully covers are returned
 * unchanged (same raw string, so the app gets back the syntax it asked for, Part 3 item 4);
 * partly covered resource scopes are narrowed to what the ceiling allows instead of being dropped.
 */
export function narrowScopes(requested: readonly SmartScope[], ceiling: readonly SmartScope[]): SmartScope[] {
  const result: SmartScope[] = [];
  for (const scope of requested) {
    if (!isResourceScope(scope)) {
      if (ceiling.some((limit) => sameNonResourceScope(scope, limit, false))) result.push(scope);
      continue;
    }
    result.push(...narrowResourceScope(scope, ceiling.filter(isResourceScope)));
  }
  return uniqueByRaw(result);
}

/** Backend services (SMART L3): the granted scope is mediated by the client's pre-authorized scopes. */
export function narrowToCeiling(requested: readonly SmartScope[], ceiling: readonly SmartScope[]): SmartScope[] {
  return narrowScopes(requested, ceiling);
}

/**
 * Applies the user's consent-page choices. An approved item is accepted when one requested scope
 * covers it, so granular alternatives (Part 3 item 23) narrower than the request are honoured;
 * approved items nothing requested covers, and malformed ones, are ignored.
 */
export function restrictToApproved(requested: readonly SmartScope[], approvedRaw: readonly string[]): SmartScope[] {
  const approved = uniqueByRaw(approvedRaw.flatMap((item) => parseScopes(item).scopes));
  const used = new Set<SmartScope>();
  const result: SmartScope[] = [];
  for (const scope of requested) {
    for (const item of approved) {
      if (used.has(item) || !singleScopeCovers(scope, item)) continue;
      used.add(item);
      result.push(inRequestedSyntax(scope, item, requested));
    }
  }
  return uniqueByRaw(result);
}

/**
 * Refresh (SMART J2, J3): every requested permission must come from the original grant. Resource
 * scopes are compared by meaning, letter by letter, so `.read` and `.rs` are interchangeable and a
 * union of original scopes (`Observation.r Observation.s`) covers `Observation.rs`.
 */
export function isSubsetOf(requested: readonly SmartScope[], original: readonly SmartScope[]): boolean {
  const originalResources = original.filter(isResourceScope);
  return requested.every((scope) => {
    if (!isResourceScope(scope)) return original.some((item) => sameNonResourceScope(scope, item, true));
    return [...scope.interactions].every((letter) =>
      originalResources.some(
        (item) =>
          item.context === scope.context &&
          item.interactions.has(letter) &&
          typeCovers(item.resourceType, scope.resourceType) &&
          constraintsSubset(item.constraints, scope.constraints),
      ),
    );
  });
}

function narrowResourceScope(scope: ResourceScope, ceiling: readonly ResourceScope[]): ResourceScope[] {
  const pieces: Piece[] = [];
  for (const limit of ceiling) {
    if (limit.context !== scope.context) continue;
    const resourceType = intersectTypes(scope.resourceType, limit.resourceType);
    const constraints = intersectConstraints(scope.constraints, limit.constraints);
    const interactions = [...scope.interactions].filter((letter) => limit.interactions.has(letter));
    if (resourceType === undefined || constraints === undefined || interactions.length === 0) continue;
    const same = pieces.find((p) => p.resourceType === resourceType && constraintsEqual(p.constraints, constraints));
    if (same) interactions.forEach((letter) => same.interactions.add(letter));
    else pieces.push({ resourceType, constraints, interactions: new Set(interactions) });
  }
  const kept = pieces.filter((piece) => !pieces.some((other) => other !== piece && pieceCovers(other, piece)));
  if (kept.length === 1 && equalsRequest(kept[0], scope)) return [scope];
  return kept.map((piece) => buildResourceScope({ context: scope.context, version: scope.version, ...piece }));
}

function intersectTypes(requested: string, limit: string): string | undefined {
  if (typeCovers(limit, requested)) return requested;
  return requested === '*' ? limit : undefined;
}

// Constraints are ANDed, so when one list contains the other the longer list is the intersection.
// Unrelated filters (category=laboratory vs category=vital-signs) do not combine into a grant the
// app never asked for; that pair is dropped.
function intersectConstraints(
  requested: readonly ScopeConstraint[],
  limit: readonly ScopeConstraint[],
): readonly ScopeConstraint[] | undefined {
  if (constraintsSubset(limit, requested)) return requested;
  return constraintsSubset(requested, limit) ? limit : undefined;
}

function pieceCovers(broad: Piece, narrow: Piece): boolean {
  return (
    typeCovers(broad.resourceType, narrow.resourceType) &&
    [...narrow.interactions].every((letter) => broad.interactions.has(letter)) &&
    constraintsSubset(broad.constraints, narrow.constraints)
  );
}

function equalsRequest(piece: Piece, scope: ResourceScope): boolean {
  return (
    piece.resourceType === scope.resourceType &&
    piece.interactions.size === scope.interactions.size &&
    constraintsEqual(piece.constraints, scope.constraints)
  );
}

function singleScopeCovers(granting: SmartScope, candidate: SmartScope): boolean {
  if (isResourceScope(granting) && isResourceScope(candidate)) return resourceScopeCovers(granting, candidate);
  return sameNonResourceScope(candidate, granting, false);
}

// Keeps the app's own string when the approval means the same thing as a requested scope, and
// keeps v1 syntax for narrower approvals of a v1 request when v1 can express them (SMART I2).
function inRequestedSyntax(covering: SmartScope, item: SmartScope, requested: readonly SmartScope[]): SmartScope {
  if (!isResourceScope(item) || !isResourceScope(covering)) return covering.kind === item.kind ? covering : item;
  const same = requested.find(
    (scope) => isResourceScope(scope) && resourceScopeCovers(scope, item) && resourceScopeCovers(item, scope),
  );
  if (same) return same;
  return buildResourceScope({ ...item, interactions: sortInteractions(item.interactions), version: covering.version });
}

// `strict` (refresh) also compares the launch role; negotiation only compares the launch type.
function sameNonResourceScope(scope: SmartScope, other: SmartScope, strict: boolean): boolean {
  if (scope.kind !== other.kind) return false;
  if (scope.kind === 'other') return scope.raw === other.raw;
  if (scope.kind !== 'launch') return true;
  const launch = other as LaunchScope;
  return scope.launchType === launch.launchType && (!strict || scope.role === launch.role);
}

function uniqueByRaw<T extends SmartScope>(scopes: readonly T[]): T[] {
  const seen = new Set<string>();
  const unique: T[] = [];
  for (const scope of scopes) {
    if (seen.has(scope.raw)) continue;
    seen.add(scope.raw);
    unique.push(scope);
  }
  return unique;
}
