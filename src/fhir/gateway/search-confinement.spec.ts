import { accessRulesFor, SmartContextValue } from '../../fhir-auth';
import { parseScopes } from '../../scopes';
import { confineQuery } from './search-confinement';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const VITALS = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';

function rules(scope: string, extra: Partial<SmartContextValue> = {}, type = 'Observation') {
  const context: SmartContextValue = { clientId: 'c', subject: 's', jti: 'j', expiresAt: 0, scopes: parseScopes(scope).scopes, ...extra };
  return accessRulesFor(context, type, 's');
}

describe('gateway search confinement', () => {
  it('adds the token patient, or _id for Patient searches', () => {
    expect(confineQuery('Observation', new URLSearchParams('code=x'), rules('patient/Observation.rs', { patient: 'a' }))?.toString()).toBe('code=x&patient=a');
    expect(confineQuery('Patient', new URLSearchParams(), rules('patient/Patient.rs', { patient: 'a' }, 'Patient'))?.toString()).toBe('_id=a');
  });

  it('adds the granted categories when every rule is a single category constraint', () => {
    const confined = confineQuery('Observation', new URLSearchParams(), rules(`patient/Observation.rs?category=${LAB} patient/Observation.rs?category=${VITALS}`, { patient: 'a' }));
    expect(confined?.getAll('category')).toEqual([`${LAB},${VITALS}`]);
    expect(confined?.get('patient')).toBe('a');
  });

  it('adds nothing for unrestricted rules, and asks nothing when no rule grants anything', () => {
    expect(confineQuery('Observation', new URLSearchParams('a=1'), rules('system/Observation.rs'))?.toString()).toBe('a=1');
    expect(confineQuery('Observation', new URLSearchParams(), rules('patient/Observation.rs'))).toBeUndefined();
  });

  it('does not confine shared types such as Practitioner to a patient', () => {
    expect(confineQuery('Practitioner', new URLSearchParams(), rules('patient/*.rs', { patient: 'a' }, 'Practitioner'))?.toString()).toBe('');
  });
});
