import { isSubsetOf, narrowScopes, narrowToCeiling, restrictToApproved } from './scope-narrowing';
import { SmartScope } from './smart-scope';
import { formatScopes, parseScopes } from './smart-scope.parser';

const LAB = 'category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const VITALS = 'category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';

function parse(text: string): SmartScope[] {
  const { scopes, invalid } = parseScopes(text);
  if (invalid.length) throw new Error(`test input has malformed scopes: ${invalid.join(' ')}`);
  return scopes;
}

function narrow(requested: string, ceiling: string): string {
  return formatScopes(narrowScopes(parse(requested), parse(ceiling)));
}

describe('narrowScopes', () => {
  it.each([
    [
      'identical request and ceiling',
      'openid fhirUser launch/patient patient/Observation.rs',
      'openid fhirUser launch/patient patient/Observation.rs',
      'openid fhirUser launch/patient patient/Observation.rs',
    ],
    ['drops simple scopes the ceiling lacks', 'openid fhirUser offline_access profile', 'openid profile', 'openid profile'],
    ['online_access is not offline_access', 'offline_access', 'online_access', ''],
    ['launch needs the same launch type', 'launch launch/patient launch/encounter', 'launch/patient launch', 'launch launch/patient'],
    ['launch role is kept as requested', 'launch/patient?role=https://x.org/r', 'launch/patient', 'launch/patient?role=https://x.org/r'],
    ['other scopes need an exact match', 'urn:x:a __b email', 'urn:x:a __c email', 'urn:x:a email'],
    ['a wildcard ceiling keeps the request', 'patient/Observation.rs', 'patient/*.cruds', 'patient/Observation.rs'],
    ['keeps v1 syntax when fully covered', 'patient/Observation.read', 'patient/*.rs', 'patient/Observation.read'],
    ['keeps v2 syntax when the ceiling is v1', 'patient/Observation.rs', 'patient/Observation.read', 'patient/Observation.rs'],
    ['context must match', 'user/Observation.rs', 'patient/Observation.rs', ''],
    ['type must match', 'patient/Condition.rs', 'patient/Observation.rs', ''],
    ['partial interactions', 'patient/Observation.cruds', 'patient/Observation.rs', 'patient/Observation.rs'],
    [
      'wildcard request narrowed to types',
      'patient/*.rs',
      'patient/Observation.rs patient/Patient.r',
      'patient/Observation.rs patient/Patient.r',
    ],
    ['v1 wildcard narrowed keeps v1', 'patient/*.read', 'patient/Observation.read', 'patient/Observation.read'],
    ['v1 narrowed to r only falls back to v2', 'patient/Observation.read', 'patient/Observation.r', 'patient/Observation.r'],
    ['v1 .* narrowed to read', 'system/*.*', 'system/Patient.rs system/Group.cud', 'system/Patient.read system/Group.write'],
    ['union of ceiling scopes covers the request', 'patient/Observation.rs', 'patient/*.r patient/Observation.s', 'patient/Observation.rs'],
    ['broader ceiling piece absorbs narrower one', 'patient/*.rs', 'patient/*.r patient/Observation.r', 'patient/*.r'],
    [
      'granular request under resource-level ceiling',
      `patient/Observation.rs?${LAB}`,
      'patient/Observation.read',
      `patient/Observation.rs?${LAB}`,
    ],
    [
      'granular request under equal ceiling',
      `patient/Observation.rs?${LAB}`,
      `patient/Observation.rs?${LAB}`,
      `patient/Observation.rs?${LAB}`,
    ],
    ['granular request under other granular ceiling', `patient/Observation.rs?${LAB}`, `patient/Observation.rs?${VITALS}`, ''],
    [
      'resource-level request under granular ceiling',
      'patient/Observation.rs',
      `patient/Observation.rs?${LAB} patient/Observation.r?${VITALS}`,
      `patient/Observation.rs?${LAB} patient/Observation.r?${VITALS}`,
    ],
    [
      'v1 request under granular ceiling uses v2',
      'patient/Observation.read',
      `patient/Observation.cruds?${LAB}`,
      `patient/Observation.rs?${LAB}`,
    ],
    [
      'resource-level ceiling absorbs granular ceiling',
      'patient/Observation.rs',
      `patient/Observation.rs?${LAB} patient/Observation.rs`,
      'patient/Observation.rs',
    ],
    ['no interaction in common', 'patient/Observation.c', 'patient/Observation.rs', ''],
    [
      'keeps request order and removes duplicates',
      'patient/Patient.r openid patient/*.r',
      'patient/Patient.rs openid',
      'patient/Patient.r openid',
    ],
  ])('%s', (_, requested, ceiling, expected) => {
    expect(narrow(requested, ceiling)).toBe(expected);
  });

  it('returns the requested objects when they are fully covered', () => {
    const requested = parse('patient/Observation.read launch');
    const result = narrowScopes(requested, parse('patient/*.* launch'));
    expect(result[0]).toBe(requested[0]);
    expect(result[1]).toBe(requested[1]);
  });

  it('narrowToCeiling mediates backend-service requests the same way', () => {
    const ceiling = parse('system/Patient.read system/Observation.rs system/Group.r');
    expect(formatScopes(narrowToCeiling(parse('system/*.read'), ceiling))).toBe(
      'system/Patient.read system/Observation.read system/Group.r',
    );
    expect(formatScopes(narrowToCeiling(parse('system/Patient.rs system/Encounter.rs'), ceiling))).toBe('system/Patient.rs');
    expect(formatScopes(narrowToCeiling(parse('system/*.rs'), parse('system/*.read')))).toBe('system/*.rs');
  });
});

describe('restrictToApproved', () => {
  const requested = parse('openid fhirUser launch/patient offline_access patient/Observation.rs patient/Condition.rs patient/*.read');

  function approve(approved: string[], from: SmartScope[] = requested): string {
    return formatScopes(restrictToApproved(from, approved));
  }

  it('keeps requested scopes the user ticked, in request order', () => {
    expect(approve(['patient/Condition.rs', 'openid', 'launch/patient', 'patient/Observation.rs'])).toBe(
      'openid launch/patient patient/Observation.rs patient/Condition.rs',
    );
  });

  it('drops what the user did not tick', () => {
    expect(approve([])).toBe('');
    expect(approve(['fhirUser'])).toBe('fhirUser');
  });

  it('accepts granular category alternatives narrower than a requested scope', () => {
    expect(approve([`patient/Observation.rs?${LAB}`, `patient/Observation.rs?${VITALS}`])).toBe(
      `patient/Observation.rs?${LAB} patient/Observation.rs?${VITALS}`,
    );
    expect(approve([`patient/Observation.r?${LAB}`], parse('patient/Observation.rs'))).toBe(`patient/Observation.r?${LAB}`);
  });

  it('ignores approvals no requested scope covers, and malformed ones', () => {
    expect(approve(['patient/Observation.cruds', 'user/Observation.rs', 'online_access', 'launch', 'patient/.rs', 'urn:x'])).toBe('');
    expect(approve([`patient/Observation.rs?${LAB}`], parse(`patient/Observation.rs?${VITALS}`))).toBe('');
  });

  it('keeps the app syntax for equivalent approvals and v1 syntax for narrower v1-expressible ones', () => {
    expect(approve(['patient/Observation.read'], parse('patient/Observation.rs'))).toBe('patient/Observation.rs');
    expect(approve(['patient/Patient.rs', 'patient/Encounter.r'], parse('patient/*.read'))).toBe(
      'patient/Patient.read patient/Encounter.r',
    );
  });

  it('accepts several approved items in one space-separated string', () => {
    expect(approve(['openid  offline_access'])).toBe('openid offline_access');
  });
});

describe('isSubsetOf', () => {
  const original = parse(
    `openid fhirUser launch/patient offline_access patient/Observation.rs patient/Condition.read user/*.r patient/Encounter.rs?${LAB}`,
  );

  it.each([
    ['the identical set', formatScopes(original), true],
    ['the empty set', '', true],
    ['a strict subset', 'openid patient/Observation.rs', true],
    ['fewer interactions', 'patient/Observation.r', true],
    ['v1 form of a v2 grant', 'patient/Observation.read', true],
    ['v2 form of a v1 grant', 'patient/Condition.rs', true],
    ['a type covered by a wildcard', 'user/Practitioner.r', true],
    ['a granular narrowing of a resource-level grant', `patient/Observation.r?${VITALS}`, true],
    ['an equal granular scope', `patient/Encounter.s?${LAB}`, true],
    ['a superset', `${formatScopes(original)} profile`, false],
    ['an extra interaction', 'patient/Observation.rus', false],
    ['v1 write never granted', 'patient/Observation.write', false],
    ['another context', 'user/Observation.s', false],
    ['a wildcard over a specific grant', 'patient/*.r', false],
    ['resource-level over a granular grant', 'patient/Encounter.r', false],
    ['another granular category', `patient/Encounter.r?${VITALS}`, false],
    ['another launch type', 'launch/encounter', false],
    ['launch with a role not granted', 'launch/patient?role=https://x.org/r', false],
    ['online_access instead of offline_access', 'online_access', false],
    ['an extension scope not granted', 'urn:x:y', false],
  ])('%s → %p', (_, requested, expected) => {
    expect(isSubsetOf(parse(requested), original)).toBe(expected);
  });

  it('uses the union of the original scopes', () => {
    expect(isSubsetOf(parse('patient/Observation.rs'), parse('patient/Observation.r patient/*.s'))).toBe(true);
    expect(isSubsetOf(parse('patient/Observation.read'), parse('patient/Observation.r'))).toBe(false);
  });
});
