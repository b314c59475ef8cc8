import { CATEGORY_ALTERNATIVES, categoryAlternatives, describeScope } from './scope-description';
import { resourceMatchesConstraints } from './scope-matcher';
import { ResourceScope, SmartScope } from './smart-scope';
import { parseScope } from './smart-scope.parser';

const OBS_CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';

function scope(token: string): SmartScope {
  const parsed = parseScope(token);
  if (!parsed) throw new Error(`${token} is malformed`);
  return parsed;
}

describe('describeScope', () => {
  it.each([
    ['patient/*.rs', 'Read and search all types of data, now and in the future, for the selected patient.'],
    ['user/*.cruds', 'Create, read, update, delete and search all types of data, now and in the future, that you are allowed to access.'],
    ['patient/Observation.read', 'Read and search observation records for the selected patient.'],
    ['patient/AllergyIntolerance.r', 'Read allergy intolerance records for the selected patient.'],
    ['user/MedicationRequest.write', 'Create, update and delete medication request records that you are allowed to access.'],
    ['system/Group.s', 'Search group records that this app is pre-authorized to access, without a user.'],
    [
      `patient/Observation.rs?category=${OBS_CAT}|laboratory`,
      'Read and search observation records for the selected patient, only in the category "Laboratory results".',
    ],
    [
      'patient/Condition.rs?category=http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern',
      'Read and search condition records for the selected patient, only in the category "Health concerns".',
    ],
    [
      'patient/Observation.r?category=laboratory&code=http://loinc.org|2339-0',
      'Read observation records for the selected patient, only in the category "Laboratory results" and where code is http://loinc.org|2339-0.',
    ],
    ['offline_access', 'Keep access to the data you allow even after you leave or close the app, until you revoke it.'],
    ['online_access', 'Keep access to the data you allow while you stay signed in; the access ends when you sign out.'],
    ['launch/patient', 'Know which patient is selected.'],
    ['launch/encounter', 'Know which encounter (visit) is selected.'],
    ['launch/imagingstudy?role=https://x.org/r', 'Know which imagingstudy is selected (in the role https://x.org/r).'],
    ['launch', 'Use the patient, encounter or other context the EHR opened the app with.'],
    ['openid', 'Confirm your identity when you sign in.'],
    ['fhirUser', 'Know who you are (your user record, such as your Patient or Practitioner record).'],
    ['profile', 'See your basic profile information, such as your name.'],
    ['urn:example:extra', 'Use the additional permission "urn:example:extra".'],
  ])('describes %s', (token, expected) => {
    expect(describeScope(scope(token))).toBe(expected);
  });
});

describe('CATEGORY_ALTERNATIVES', () => {
  it('lists the (g)(10) Observation and Condition categories', () => {
    expect(CATEGORY_ALTERNATIVES.Observation.map((c) => `${c.system}|${c.code}`)).toEqual([
      `${OBS_CAT}|laboratory`,
      `${OBS_CAT}|vital-signs`,
      `${OBS_CAT}|social-history`,
      `${OBS_CAT}|survey`,
      'http://hl7.org/fhir/us/core/CodeSystem/us-core-category|sdoh',
    ]);
    expect(CATEGORY_ALTERNATIVES.Condition.map((c) => `${c.system}|${c.code}`)).toEqual([
      'http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item',
      'http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis',
      'http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern',
    ]);
  });
});

describe('categoryAlternatives', () => {
  it('offers one v2 granular scope per Observation category with the same context and interactions', () => {
    const alternatives = categoryAlternatives(scope('patient/Observation.read') as ResourceScope);
    expect(alternatives.map((a) => a.raw)).toEqual([
      `patient/Observation.rs?category=${OBS_CAT}|laboratory`,
      `patient/Observation.rs?category=${OBS_CAT}|vital-signs`,
      `patient/Observation.rs?category=${OBS_CAT}|social-history`,
      `patient/Observation.rs?category=${OBS_CAT}|survey`,
      'patient/Observation.rs?category=http://hl7.org/fhir/us/core/CodeSystem/us-core-category|sdoh',
    ]);
    expect(alternatives.every((a) => a.version === 'v2' && a.context === 'patient' && a.resourceType === 'Observation')).toBe(true);
    expect(parseScope(alternatives[0].raw)).toEqual(alternatives[0]);
  });

  it('offers the Condition categories', () => {
    expect(categoryAlternatives(scope('user/Condition.r') as ResourceScope).map((a) => a.raw)).toEqual([
      'user/Condition.r?category=http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item',
      'user/Condition.r?category=http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis',
      'user/Condition.r?category=http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern',
    ]);
  });

  it('produces scopes that match resources of that category only', () => {
    const [lab, vitals] = categoryAlternatives(scope('patient/Observation.rs') as ResourceScope);
    const labResult = { resourceType: 'Observation', category: [{ coding: [{ system: OBS_CAT, code: 'laboratory' }] }] };
    expect(resourceMatchesConstraints(labResult, lab.constraints)).toBe(true);
    expect(resourceMatchesConstraints(labResult, vitals.constraints)).toBe(false);
  });

  it.each(['patient/Patient.rs', 'patient/*.rs', `patient/Observation.rs?category=${OBS_CAT}|laboratory`])(
    'offers nothing for %s',
    (token) => {
      expect(categoryAlternatives(scope(token) as ResourceScope)).toEqual([]);
    },
  );
});
