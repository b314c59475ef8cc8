import { ResourceScopeIndex, constraintsKey } from './scope-index';
import { MAX_SCOPE_LENGTH, MAX_SCOPE_TOKENS } from './scope-limits';
import { constraintsSubset, isResourceScope, resourceScopeCovers, typeCovers } from './scope-matcher';
import { Interaction, LaunchScope, ResourceScope, ScopeConstraint, SmartScope } from './smart-scope';
import { buildResourceScope, parseScopes, sortInteractions } from './smart-scope.parser';

const MAX_APPROVED_ITEMS = 4 * MAX_SCOPE_TOKENS;

interface Piece {
  context: ResourceScope['context'];
  resourceType: string;
  constraints: readonly ScopeConstraint[];
  interactions: Set<Interaction>;
}

/**
 * SMART App Launch 2.2 §SMART's scopes are used to delegate access: granted = requested ∩ ceiling. Scopes the ceiling fully
 * covers are returned unchanged (same raw string, so the app gets back the syntax it asked for, v1 or v2);
 * partly covered resource scopes are narrowed to what the ceiling allows instead of being dropped.
 */
export function narrowScopes(requested: readonly SmartScope[], ceiling: readonly SmartScope[]): SmartScope[] {
  const result: SmartScope[] = [];
  const limits = ceiling.filter(isResourceScope);
  const index = new ResourceScopeIndex(limits);
  const order = new Map(limits.map((limit, position) => [limit, position]));
  const otherLimits = new Set(ceiling.filter((limit) => !isResourceScope(limit)).map((limit) => nonResourceKey(limit, false)));
  for (const scope of requested) {
    if (!isResourceScope(scope)) {
      if (otherLimits.has(nonResourceKey(scope, false))) result.push(scope);
      continue;
    }
    result.push(...narrowResourceScope(scope, relevantLimits(scope, index, order)));
  }
  return uniqueByRaw(result);
}

/** Backend services (SMART Backend Services §Obtain access token): the granted scope is mediated by the client's pre-authorized scopes. */
export function narrowToCeiling(requested: readonly SmartScope[], ceiling: readonly SmartScope[]): SmartScope[] {
  return narrowScopes(requested, ceiling);
}

/**
 * Applies the user's consent-page choices. An approved item is accepted when one requested scope
 * covers it, so granular alternatives (category sub-scopes) narrower than the request are honoured;
 * approved items nothing requested covers, and malformed ones, are ignored.
 */
export function restrictToApproved(requested: readonly SmartScope[], approvedRaw: readonly string[]): SmartScope[] {
  // A consent form offers a few items per requested scope; more than that (or an item longer than any scope
  // string an endpoint accepts) is not from the form, and is ignored rather than parsed (bounded work per request).
  const offered = [...new Set(approvedRaw.slice(0, MAX_APPROVED_ITEMS))].filter((item) => item.length <= MAX_SCOPE_LENGTH);
  const approved = uniqueByRaw(offered.flatMap((item) => parseScopes(item).scopes));
  const requestedResources = requested.filter(isResourceScope);
  const index = new ResourceScopeIndex(requestedResources);
  const order = new Map<SmartScope, number>(requested.map((scope, position) => [scope, position]));
  const firstOther = new Map<string, SmartScope>();
  for (const scope of requested)
    if (!isResourceScope(scope) && !firstOther.has(nonResourceKey(scope, false))) firstOther.set(nonResourceKey(scope, false), scope);
  const equivalents = firstByMeaning(requestedResources);
  // Each approved item goes to the first requested scope (in request order) that covers it; the result lists
  // requested scopes in request order and, under each, its items in approval order.
  const claimed = new Map<SmartScope, SmartScope[]>();
  for (const item of approved) {
    const covering = isResourceScope(item)
      ? earliest(
          index
            .withConstraintsWithin(item.context, item.constraints, item.resourceType === '*' ? ['*'] : [item.resourceType, '*'])
            .filter((scope) => resourceScopeCovers(scope, item)),
          order,
        )
      : firstOther.get(nonResourceKey(item, false));
    if (!covering) continue;
    const items = claimed.get(covering);
    if (items) items.push(item);
    else claimed.set(covering, [item]);
  }
  const result: SmartScope[] = [];
  for (const scope of requested) for (const item of claimed.get(scope) ?? []) result.push(inRequestedSyntax(scope, item, equivalents));
  return uniqueByRaw(result);
}

/**
 * Refresh (SMART App Launch 2.2 §Refresh access token): every requested permission must come from the original grant. Resource
 * scopes are compared by meaning, letter by letter, so `.read` and `.rs` are interchangeable and a
 * union of original scopes (`Observation.r Observation.s`) covers `Observation.rs`.
 */
export function isSubsetOf(requested: readonly SmartScope[], original: readonly SmartScope[]): boolean {
  const index = new ResourceScopeIndex(original.filter(isResourceScope));
  const others = new Set(original.filter((item) => !isResourceScope(item)).map((item) => nonResourceKey(item, true)));
  return requested.every((scope) => {
    if (!isResourceScope(scope)) return others.has(nonResourceKey(scope, true));
    // The letters of every original scope of this context that covers the type and has no constraint the
    // request lacks; their union must hold every requested letter.
    const types = scope.resourceType === '*' ? ['*'] : [scope.resourceType, '*'];
    const letters = new Set<Interaction>();
    for (const item of index.withConstraintsWithin(scope.context, scope.constraints, types)) {
      for (const letter of item.interactions) letters.add(letter);
    }
    return [...scope.interactions].every((letter) => letters.has(letter));
  });
}

// The ceiling scopes narrowResourceScope can combine with `scope` (same context, a type intersection and
// constraints that contain or are contained in the request's), in ceiling order, found through the index.
function relevantLimits(
  scope: ResourceScope,
  index: ResourceScopeIndex<ResourceScope>,
  order: ReadonlyMap<ResourceScope, number>,
): ResourceScope[] {
  const types = scope.resourceType === '*' ? undefined : [scope.resourceType, '*'];
  const found = new Set<ResourceScope>([
    ...index.withConstraintsWithin(scope.context, scope.constraints, types),
    ...index.withConstraintsIncluding(scope.context, scope.constraints, types),
  ]);
  return [...found].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
}

function narrowResourceScope(scope: ResourceScope, ceiling: readonly ResourceScope[]): ResourceScope[] {
  const pieces = new Map<string, Piece>();
  for (const limit of ceiling) {
    if (limit.context !== scope.context) continue;
    const resourceType = intersectTypes(scope.resourceType, limit.resourceType);
    const constraints = intersectConstraints(scope.constraints, limit.constraints);
    const interactions = [...scope.interactions].filter((letter) => limit.interactions.has(letter));
    if (resourceType === undefined || constraints === undefined || interactions.length === 0) continue;
    const key = `${resourceType}\u0000${constraintsKey(constraints)}`;
    const same = pieces.get(key);
    if (same) {
      for (const letter of interactions) same.interactions.add(letter);
    } else pieces.set(key, { context: scope.context, resourceType, constraints, interactions: new Set(interactions) });
  }
  const all = [...pieces.values()];
  // Few pieces (the usual case) are compared pairwise; many go through an index.
  const index = all.length > 8 ? new ResourceScopeIndex(all) : undefined;
  const kept = all.filter((piece) => !coveredByAnother(piece, all, index));
  if (kept.length === 1 && equalsRequest(kept[0], scope)) return [scope];
  return kept.map((piece) => buildResourceScope({ version: scope.version, ...piece }));
}

// A broader piece (type covering, every letter, no constraint the piece lacks) makes this one redundant.
function coveredByAnother(piece: Piece, all: readonly Piece[], index: ResourceScopeIndex<Piece> | undefined): boolean {
  const types = piece.resourceType === '*' ? ['*'] : [piece.resourceType, '*'];
  const candidates = index ? index.withConstraintsWithin(piece.context, piece.constraints, types) : all;
  return candidates.some((other) => other !== piece && pieceCovers(other, piece));
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
    piece.constraints.length === scope.constraints.length &&
    constraintsSubset(piece.constraints, scope.constraints)
  );
}

// Keeps the app's own string when the approval means the same thing as a requested scope, and keeps v1 syntax for
// narrower approvals of a v1 request when v1 can express them (SMART App Launch 2.2 §Scopes for requesting FHIR
// Resources: v1 in, v1 out).
function inRequestedSyntax(covering: SmartScope, item: SmartScope, equivalents: ReadonlyMap<string, ResourceScope>): SmartScope {
  if (!isResourceScope(item) || !isResourceScope(covering)) return covering.kind === item.kind ? covering : item;
  const same = equivalents.get(meaningKey(item));
  if (same) return same;
  return buildResourceScope({ ...item, interactions: sortInteractions(item.interactions), version: covering.version });
}

// Two resource scopes cover each other exactly when context, type, letters and constraint multisets agree.
function meaningKey(scope: ResourceScope): string {
  return [scope.context, scope.resourceType, sortInteractions(scope.interactions).join(''), constraintsKey(scope.constraints)].join(
    '\u0000',
  );
}

function firstByMeaning(scopes: readonly ResourceScope[]): Map<string, ResourceScope> {
  const first = new Map<string, ResourceScope>();
  for (const scope of scopes) if (!first.has(meaningKey(scope))) first.set(meaningKey(scope), scope);
  return first;
}

function earliest<T>(candidates: readonly T[], order: ReadonlyMap<T, number>): T | undefined {
  let best: T | undefined;
  for (const candidate of candidates) if (best === undefined || (order.get(candidate) ?? 0) < (order.get(best) ?? 0)) best = candidate;
  return best;
}

// Two non-resource scopes are the same when their keys are: `strict` (refresh) also compares the launch role;
// negotiation only compares the launch type.
function nonResourceKey(scope: SmartScope, strict: boolean): string {
  if (scope.kind === 'other') return `other\u0000${scope.raw}`;
  if (scope.kind !== 'launch') return scope.kind;
  const launch = scope as LaunchScope;
  return ['launch', launch.launchType ?? '', strict ? (launch.role ?? '') : ''].join('\u0000');
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
