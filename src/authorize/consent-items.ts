import { categoryAlternatives, CATEGORY_ALTERNATIVES, describeScope, isResourceScope, SmartScope } from '../scopes';

export interface ConsentOption {
  scope: string;
  description: string;
  checked: boolean;
}

export interface ConsentItem extends ConsentOption {
  /** Resource and refresh scopes can be unticked; identity and launch scopes come with the sign-in itself. */
  optional: boolean;
  /**
   * Category-level alternatives for Observation and Condition (SMART App Launch 2.2 §Finer-grained resource
   * constraints; ONC (g)(10) granular scope selection).
   */
  alternatives: ConsentOption[];
}

// The consent page lists what each scope lets the app do, in plain language (SMART best practices).
export function consentItems(scopes: readonly SmartScope[]): ConsentItem[] {
  return scopes.map((scope) => {
    const optional = isResourceScope(scope) || scope.kind === 'offline_access' || scope.kind === 'online_access';
    const alternatives = isResourceScope(scope)
      ? categoryAlternatives(scope).map((alternative, index) => ({
          scope: alternative.raw,
          description: categoryLabel(scope.resourceType, index, describeScope(alternative)),
          checked: false,
        }))
      : [];
    return { scope: scope.raw, description: describeScope(scope), checked: true, optional, alternatives };
  });
}

function categoryLabel(resourceType: string, index: number, fallback: string): string {
  const known = CATEGORY_ALTERNATIVES[resourceType as keyof typeof CATEGORY_ALTERNATIVES]?.[index];
  return known ? `Only ${known.label.toLowerCase()}` : fallback;
}
