export type ScopeContext = 'patient' | 'user' | 'system';

export type Interaction = 'c' | 'r' | 'u' | 'd' | 's';

// SMART App Launch 2.2 §Scopes for requesting FHIR Resources: v2 permission letters are always written in this order (`cruds`).
export const INTERACTION_ORDER: readonly Interaction[] = ['c', 'r', 'u', 'd', 's'];

export const SCOPE_CONTEXTS: readonly ScopeContext[] = ['patient', 'user', 'system'];

/**
 * One `name=value` pair of a granular v2 scope (SMART App Launch 2.2 §Finer-grained resource constraints using search
 * parameters), value already URL-decoded.
 */
export interface ScopeConstraint {
  name: string;
  value: string;
}

export interface ResourceScope {
  kind: 'resource';
  raw: string;
  context: ScopeContext;
  /** A FHIR resource type such as `Observation`, or `*` for every type now and in the future (SMART App Launch 2.2 §Wildcard scopes). */
  resourceType: string;
  interactions: ReadonlySet<Interaction>;
  version: 'v1' | 'v2';
  /** Empty for resource-level scopes; v1 scopes never have constraints. */
  constraints: readonly ScopeConstraint[];
}

export interface LaunchScope {
  kind: 'launch';
  raw: string;
  /**
   * Absent for the bare EHR-launch `launch` scope; otherwise `patient`, `encounter` or another lower-case type (SMART
   * App Launch 2.2 §Scopes for requesting context data).
   */
  launchType?: string;
  role?: string;
}

export type SimpleScopeKind = 'openid' | 'fhirUser' | 'profile' | 'offline_access' | 'online_access';

export interface SimpleScope {
  kind: SimpleScopeKind;
  raw: string;
}

/** Extension scopes (full URIs or `__` names, SMART App Launch 2.2 §Extensibility) and unknown words. */
export interface OtherScope {
  kind: 'other';
  raw: string;
}

export type SmartScope = ResourceScope | LaunchScope | SimpleScope | OtherScope;

export interface ScopeParseResult {
  scopes: SmartScope[];
  /** Malformed tokens, in request order, without duplicates. */
  invalid: string[];
}

/** The parts of a resource scope from which `raw` can be rebuilt. */
export interface ResourceScopeParts {
  context: ScopeContext;
  resourceType: string;
  interactions: Iterable<Interaction>;
  constraints?: readonly ScopeConstraint[];
  /** Preferred syntax; v1 is used only when it expresses the scope exactly. Defaults to v2. */
  version?: 'v1' | 'v2';
}
