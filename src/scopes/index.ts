export {
  INTERACTION_ORDER,
  SCOPE_CONTEXTS,
  type Interaction,
  type LaunchScope,
  type OtherScope,
  type ResourceScope,
  type ResourceScopeParts,
  type ScopeConstraint,
  type ScopeContext,
  type ScopeParseResult,
  type SimpleScope,
  type SimpleScopeKind,
  type SmartScope,
} from './smart-scope';
export { buildResourceScope, formatScopes, parseScope, parseScopes, sortInteractions, v1SuffixFor } from './smart-scope.parser';
export {
  constraintsEqual,
  constraintsSubset,
  isPermitted,
  isResourceScope,
  permittingScopes,
  requiredScopeFor,
  resourceMatchesConstraints,
  resourcePermitted,
  resourceScopeCovers,
  typeCovers,
} from './scope-matcher';
export { isSubsetOf, narrowScopes, narrowToCeiling, restrictToApproved } from './scope-narrowing';
export { CATEGORY_ALTERNATIVES, categoryAlternatives, describeScope, type CategoryAlternative } from './scope-description';
export { MAX_SCOPE_LENGTH, MAX_SCOPE_TOKENS, scopeTooLarge } from './scope-limits';
