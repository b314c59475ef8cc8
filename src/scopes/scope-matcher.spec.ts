import {
  isPermitted,
  permittingScopes,
  requiredScopeFor,
  resourceMatchesConstraints,
  resourcePermitted,
  resourceScopeCovers,
} from './scope-matcher';
import { Interaction, ResourceScope, ScopeConstraint } from './smart-scope';
import { parseScope, parseScopes } from './smart-scope.parser';

const OBS_CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';
const COND_CAT = 'http://terminology.hl7.org/CodeSystem/condition-category';

const labObservation = {
  resourceType: 'Observation',
  id: 'lab-1',
  status: 'final',
  category: [{ coding: [{ system: OBS_CAT, code: 'laboratory', display: 'Laboratory' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }], text: 'Glucose' },
  subject: { reference: 'Patient/1' },
};
const vitalObservation = {
  resourceType: 'Observation',
  id: 'vital-1',
  status: 'final',
  category: [{ coding: [{ system: OBS_CAT, code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
};
const multiCategoryObservation = {
  resourceType: 'Observation',
  category: [{ text: 'free text only' }, { coding: [{ code: 'survey' }, { system: OBS_CAT, code: 'social-history' }] }],
};
const uncategorisedObservation = { resourceType: 'Observation', id: 'x', status: 'final' };
const problem = {
  resourceType: 'Condition',
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  category: [{ coding: [{ system: COND_CAT, code: 'problem-list-item' }] }],
  meta: { tag: [{ system: 'urn:tags', code: 'sensitive' }] },
};
const singleCodingCategory = { resourceType: 'Observation', category: { system: OBS_CAT, code: 'laboratory' } };

function scopes(text: string): ResourceScope[] {
  return parseScopes(text).scopes as ResourceScope[];
}

function constraint(name: string, value: string): ScopeConstraint[] {
  return [{ name, value }];
}

describe('permittingScopes / isPermitted', () => {
  const granted = parseScopes(
    'openid launch/patient patient/Observation.rs user/*.r system/Patient.write patient/Condition.rs?category=x|y patient/Encounter.read',
  ).scopes;

  it.each<[string, Interaction, string[]]>([
    ['Observation', 'r', ['patient/Observation.rs', 'user/*.r']],
    ['Observation', 's', ['patient/Observation.rs']],
    ['Observation', 'c', []],
    ['Patient', 'r', ['user/*.r']],
    ['Patient', 'c', ['system/Patient.write']],
    ['Patient', 'u', ['system/Patient.write']],
    ['Patient', 'd', ['system/Patient.write']],
    ['Patient', 's', []],
    ['Condition', 's', ['patient/Condition.rs?category=x|y']],
    ['Encounter', 's', ['patient/Encounter.read']],
    ['Encounter', 'u', []],
    ['Practitioner', 'r', ['user/*.r']],
  ])('%s.%s is permitted by %p', (type, interaction, expected) => {
    expect(permittingScopes(granted, type, interaction).map((s) => s.raw)).toEqual(expected);
    expect(isPermitted(granted, type, interaction)).toBe(expected.length > 0);
  });

  it('limits the search to the given contexts', () => {
    expect(permittingScopes(granted, 'Observation', 'r', ['patient']).map((s) => s.raw)).toEqual(['patient/Observation.rs']);
    expect(permittingScopes(granted, 'Practitioner', 'r', ['patient', 'system'])).toEqual([]);
    expect(isPermitted(granted, 'Patient', 'c', ['user'])).toBe(false);
    expect(isPermitted(granted, 'Patient', 'c', [])).toBe(false);
  });

  it('does not treat write access as read access', () => {
    expect(isPermitted(parseScopes('patient/Observation.c').scopes, 'Observation', 'r')).toBe(false);
  });

  it('permits nothing when no resource scope is granted', () => {
    expect(isPermitted(parseScopes('openid fhirUser launch offline_access').scopes, 'Patient', 'r')).toBe(false);
    expect(isPermitted([], 'Patient', 'r')).toBe(false);
  });
});

describe('resourceMatchesConstraints', () => {
  it.each<[string, Record<string, unknown>, ScopeConstraint[], boolean]>([
    ['system|code matches', labObservation, constraint('category', `${OBS_CAT}|laboratory`), true],
    ['other category does not match', vitalObservation, constraint('category', `${OBS_CAT}|laboratory`), false],
    ['vital-signs matches vital-signs', vitalObservation, constraint('category', `${OBS_CAT}|vital-signs`), true],
    ['wrong system does not match', labObservation, constraint('category', 'http://other|laboratory'), false],
    ['code alone matches any system', labObservation, constraint('category', 'laboratory'), true],
    ['missing category does not match', uncategorisedObservation, constraint('category', `${OBS_CAT}|laboratory`), false],
    ['|code needs a coding without system', multiCategoryObservation, constraint('category', '|survey'), true],
    ['|code rejects a coding with a system', labObservation, constraint('category', '|laboratory'), false],
    ['system-less coding fails a system|code filter', multiCategoryObservation, constraint('category', `${OBS_CAT}|survey`), false],
    ['second CodeableConcept in the array matches', multiCategoryObservation, constraint('category', `${OBS_CAT}|social-history`), true],
    ['system| matches any code of that system', vitalObservation, constraint('category', `${OBS_CAT}|`), true],
    ['a single CodeableConcept (code)', labObservation, constraint('code', 'http://loinc.org|2339-0'), true],
    ['a single Coding element', singleCodingCategory, constraint('category', `${OBS_CAT}|laboratory`), true],
    ['a plain code string', labObservation, constraint('status', 'final'), true],
    ['a plain code string with another value', labObservation, constraint('status', 'amended'), false],
    ['a plain code string cannot match system|code', labObservation, constraint('status', 'x|final'), false],
    ['kebab-case parameter maps to camelCase', problem, constraint('clinical-status', 'active'), true],
    ['Condition category', problem, constraint('category', `${COND_CAT}|problem-list-item`), true],
    ['Condition encounter-diagnosis', problem, constraint('category', `${COND_CAT}|encounter-diagnosis`), false],
    ['_tag looks at meta.tag', problem, constraint('_tag', 'urn:tags|sensitive'), true],
    ['unknown parameter is denied', labObservation, constraint('performer', 'x'), false],
    ['Reference element is denied', labObservation, constraint('subject', 'Patient/1'), false],
    ['boolean element is denied', { resourceType: 'Patient', active: true }, constraint('active', 'true'), false],
    ['modifiers are denied', labObservation, constraint('category:not', 'vital-signs'), false],
    ['chained parameters are denied', labObservation, constraint('subject.name', 'x'), false],
    ['prototype properties are denied', labObservation, constraint('constructor', 'x'), false],
    ['text-only CodeableConcept does not match', { category: { text: 'laboratory' } }, constraint('category', 'laboratory'), false],
    ['no constraints match everything', uncategorisedObservation, [], true],
  ])('%s', (_, resource, constraints, expected) => {
    expect(resourceMatchesConstraints(resource, constraints)).toBe(expected);
  });

  it('ANDs the constraints of one scope', () => {
    const both = [...constraint('category', `${OBS_CAT}|laboratory`), ...constraint('code', 'http://loinc.org|2339-0')];
    expect(resourceMatchesConstraints(labObservation, both)).toBe(true);
    expect(resourceMatchesConstraints(labObservation, [both[0], ...constraint('code', 'http://loinc.org|8867-4')])).toBe(false);
  });

  it('never throws on odd resources', () => {
    const odd = [null, 5, 'x', [], { category: null }, { category: [null, 1, 'x', { coding: 'x' }, { coding: [null] }] }];
    for (const resource of odd) {
      expect(resourceMatchesConstraints(resource as Record<string, unknown>, constraint('category', 'laboratory'))).toBe(false);
    }
  });
});

describe('resourcePermitted', () => {
  const granular = scopes(`patient/Observation.rs?category=${OBS_CAT}|laboratory patient/Observation.rs?category=${OBS_CAT}|survey`);

  it('permits a resource matching ANY scope', () => {
    expect(resourcePermitted(labObservation, granular)).toBe(true);
    expect(resourcePermitted(multiCategoryObservation, scopes(`patient/Observation.rs?category=${OBS_CAT}|social-history`))).toBe(true);
  });

  it('denies a resource matching none', () => {
    expect(resourcePermitted(vitalObservation, granular)).toBe(false);
    expect(resourcePermitted(uncategorisedObservation, granular)).toBe(false);
    expect(resourcePermitted(labObservation, [])).toBe(false);
  });

  it('permits anything when one scope is resource-level', () => {
    expect(resourcePermitted(vitalObservation, [...granular, ...scopes('patient/Observation.read')])).toBe(true);
    expect(resourcePermitted(uncategorisedObservation, scopes('patient/*.rs'))).toBe(true);
  });

  it('ignores scopes for another resource type', () => {
    expect(resourcePermitted(labObservation, scopes('patient/Condition.rs'))).toBe(false);
  });
});

describe('resourceScopeCovers', () => {
  const of = (token: string) => parseScope(token) as ResourceScope;
  it.each([
    ['patient/*.rs', 'patient/Observation.r', true],
    ['patient/Observation.read', 'patient/Observation.rs', true],
    ['patient/Observation.rs', `patient/Observation.rs?category=${OBS_CAT}|laboratory`, true],
    [`patient/Observation.rs?category=${OBS_CAT}|laboratory`, 'patient/Observation.rs', false],
    ['patient/Observation.r', 'patient/Observation.rs', false],
    ['user/Observation.rs', 'patient/Observation.rs', false],
    ['patient/Observation.rs', 'patient/*.rs', false],
  ])('%s covers %s: %p', (granting, candidate, expected) => {
    expect(resourceScopeCovers(of(granting), of(candidate))).toBe(expected);
  });
});

describe('requiredScopeFor', () => {
  it.each<[string, Interaction, 'patient' | 'user' | 'system', string]>([
    ['Observation', 'r', 'patient', 'patient/Observation.r'],
    ['Patient', 's', 'user', 'user/Patient.s'],
    ['Group', 'c', 'system', 'system/Group.c'],
  ])('%s %s %s → %s', (type, interaction, context, expected) => {
    expect(requiredScopeFor(type, interaction, context)).toBe(expected);
  });
});
