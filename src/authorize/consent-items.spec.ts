import { parseScopes } from '../scopes';
import { consentItems } from './consent-items';

describe('consentItems', () => {
  const items = (scope: string) => consentItems(parseScopes(scope).scopes);

  it('makes resource and refresh scopes optional, identity and launch scopes fixed', () => {
    const result = items('openid fhirUser launch/patient patient/Patient.rs offline_access online_access');
    expect(result.map((item) => [item.scope, item.optional])).toEqual([
      ['openid', false],
      ['fhirUser', false],
      ['launch/patient', false],
      ['patient/Patient.rs', true],
      ['offline_access', true],
      ['online_access', true],
    ]);
    expect(result.every((item) => item.checked)).toBe(true);
  });

  it('offers unticked category scopes for resource-level Observation and Condition only', () => {
    const [observation, condition, patient] = items('patient/Observation.rs patient/Condition.rs patient/Patient.rs');
    expect(observation.alternatives.map((alternative) => alternative.scope)).toEqual([
      'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
      'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs',
      'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|social-history',
      'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|survey',
      'patient/Observation.rs?category=http://hl7.org/fhir/us/core/CodeSystem/us-core-category|sdoh',
    ]);
    expect(observation.alternatives.every((alternative) => !alternative.checked)).toBe(true);
    expect(observation.alternatives[1].description).toBe('Only vital signs');
    expect(condition.alternatives.map((alternative) => alternative.scope.split('|')[1])).toEqual([
      'problem-list-item',
      'encounter-diagnosis',
      'health-concern',
    ]);
    expect(patient.alternatives).toEqual([]);
  });

  it('does not offer categories for an already granular scope', () => {
    const [granular] = items('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory');
    expect(granular.alternatives).toEqual([]);
  });

  it('says that a wildcard covers future types', () => {
    expect(items('patient/*.rs')[0].description).toMatch(/now and in the future/);
  });
});
