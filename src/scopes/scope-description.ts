import { INTERACTION_ORDER, Interaction, ResourceScope, ScopeConstraint, ScopeContext, SmartScope } from './smart-scope';
import { buildResourceScope } from './smart-scope.parser';

export interface CategoryAlternative {
  code: string;
  system: string;
  label: string;
}

const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const US_CORE_CATEGORY = 'http://hl7.org/fhir/us/core/CodeSystem/us-core-category';
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const US_CORE_CONDITION_CATEGORY = 'http://hl7.org/fhir/us/core/CodeSystem/condition-category';

// SMART App Launch 2.2 §Finer-grained resource constraints using search parameters; ONC (g)(10) (HTI-1): the category
// sub-scopes a (g)(10) consent page must offer for Observation and Condition (the granular scope selection tests).
export const CATEGORY_ALTERNATIVES: Readonly<Record<'Observation' | 'Condition', ReadonlyArray<CategoryAlternative>>> = {
  Observation: [
    { code: 'laboratory', system: OBSERVATION_CATEGORY, label: 'Laboratory results' },
    { code: 'vital-signs', system: OBSERVATION_CATEGORY, label: 'Vital signs' },
    { code: 'social-history', system: OBSERVATION_CATEGORY, label: 'Social history' },
    { code: 'survey', system: OBSERVATION_CATEGORY, label: 'Surveys and questionnaires' },
    { code: 'sdoh', system: US_CORE_CATEGORY, label: 'Social determinants of health (SDOH)' },
  ],
  Condition: [
    { code: 'problem-list-item', system: CONDITION_CATEGORY, label: 'Problem list' },
    { code: 'encounter-diagnosis', system: CONDITION_CATEGORY, label: 'Encounter diagnoses' },
    { code: 'health-concern', system: US_CORE_CONDITION_CATEGORY, label: 'Health concerns' },
  ],
};

const VERBS: Readonly<Record<Interaction, string>> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

const CONTEXT_PHRASES: Readonly<Record<ScopeContext, string>> = {
  patient: 'for the selected patient',
  user: 'that you are allowed to access',
  system: 'that this app is pre-authorized to access, without a user',
};

const SIMPLE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  openid: 'Confirm your identity when you sign in.',
  fhirUser: 'Know who you are (your user record, such as your Patient or Practitioner record).',
  profile: 'See your basic profile information, such as your name.',
  // SMART App Launch 2.2 §Scopes for requesting a refresh token; ONC (g)(10) requires the consent page to disclose long-lived access.
  offline_access: 'Keep access to the data you allow even after you leave or close the app, until you revoke it.',
  online_access: 'Keep access to the data you allow while you stay signed in; the access ends when you sign out.',
};

/** One plain-language sentence describing what the scope lets the app do, for the consent page. */
export function describeScope(scope: SmartScope): string {
  switch (scope.kind) {
    case 'resource':
      return describeResourceScope(scope);
    case 'launch': {
      const role = scope.role ? ` (in the role ${scope.role})` : '';
      if (!scope.launchType) return `Use the patient, encounter or other context the EHR opened the app with${role}.`;
      if (scope.launchType === 'encounter') return `Know which encounter (visit) is selected${role}.`;
      return `Know which ${scope.launchType} is selected${role}.`;
    }
    case 'other':
      return `Use the additional permission "${scope.raw}".`;
    default:
      return SIMPLE_DESCRIPTIONS[scope.kind];
  }
}

/**
 * For a resource-level Observation or Condition scope: one granular v2 scope per category, with
 * the same context and interactions, so the user can share only some categories (ONC (g)(10) granular scope selection).
 */
export function categoryAlternatives(scope: ResourceScope): ResourceScope[] {
  if (scope.kind !== 'resource' || scope.constraints.length > 0) return [];
  if (scope.resourceType !== 'Observation' && scope.resourceType !== 'Condition') return [];
  return CATEGORY_ALTERNATIVES[scope.resourceType].map((category) =>
    buildResourceScope({
      context: scope.context,
      resourceType: scope.resourceType,
      interactions: scope.interactions,
      constraints: [{ name: 'category', value: `${category.system}|${category.code}` }],
      version: 'v2',
    }),
  );
}

function describeResourceScope(scope: ResourceScope): string {
  const verbs = INTERACTION_ORDER.filter((letter) => scope.interactions.has(letter)).map((letter) => VERBS[letter]);
  const action = joinWords(verbs);
  // SMART App Launch 2.2 §Wildcard scopes: a wildcard covers every type, including ones the server adds later; say so.
  const data = scope.resourceType === '*' ? 'all types of data, now and in the future,' : `${humanize(scope.resourceType)} records`;
  const limits = scope.constraints.map((constraint) => describeConstraint(scope.resourceType, constraint));
  const limited = limits.length ? `, only ${joinWords(limits)}` : '';
  return `${action.charAt(0).toUpperCase()}${action.slice(1)} ${data} ${CONTEXT_PHRASES[scope.context]}${limited}.`;
}

function describeConstraint(resourceType: string, { name, value }: ScopeConstraint): string {
  if (name === 'category') {
    const own =
      resourceType === 'Observation' || resourceType === 'Condition'
        ? CATEGORY_ALTERNATIVES[resourceType]
        : [...CATEGORY_ALTERNATIVES.Observation, ...CATEGORY_ALTERNATIVES.Condition];
    const known = own.find((category) => value === `${category.system}|${category.code}` || value === category.code);
    if (known) return `in the category "${known.label}"`;
  }
  return `where ${name} is ${value}`;
}

function humanize(resourceType: string): string {
  return resourceType.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
