import { accessRulesFor, SmartContextValue } from '../../fhir-auth';
import { parseScopes } from '../../scopes';
import { confineQuery, historyIsExact } from './search-confinement';
import { UpstreamLinks } from './upstream-links';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const VITALS = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';

function rules(scope: string, extra: Partial<SmartContextValue> = {}, type = 'Observation') {
  const context: SmartContextValue = { clientId: 'c', subject: 's', jti: 'j', expiresAt: 0, scopes: parseScopes(scope).scopes, ...extra };
  return accessRulesFor(context, type, 's');
}

describe('gateway search confinement', () => {
  it('adds the token patient, or _id for Patient searches', () => {
    expect(
      confineQuery('Observation', new URLSearchParams('code=x'), rules('patient/Observation.rs', { patient: 'a' }))?.query.toString(),
    ).toBe('code=x&patient=a');
    expect(confineQuery('Patient', new URLSearchParams(), rules('patient/Patient.rs', { patient: 'a' }, 'Patient'))?.query.toString()).toBe(
      '_id=a',
    );
  });

  it('adds the granted categories when every rule is a single category constraint', () => {
    const confined = confineQuery(
      'Observation',
      new URLSearchParams(),
      rules(`patient/Observation.rs?category=${LAB} patient/Observation.rs?category=${VITALS}`, { patient: 'a' }),
    );
    expect(confined?.query.getAll('category')).toEqual([`${LAB},${VITALS}`]);
    expect(confined?.query.get('patient')).toBe('a');
    expect(confined?.exact).toBe(true);
  });

  it('confines a restricted practitioner to the allowed patients (OR list)', () => {
    const practitioner = { userRole: 'practitioner' as const, restrictedToPatients: ['a', 'b'] };
    const confined = confineQuery('Observation', new URLSearchParams(), rules('user/Observation.rs', practitioner));
    expect(confined?.query.getAll('patient')).toEqual(['a,b']);
    expect(confined?.exact).toBe(true);
    expect(
      confineQuery('Observation', new URLSearchParams(), rules('user/Observation.rs', { ...practitioner, restrictedToPatients: [] })),
    ).toBeUndefined();
  });

  it('adds nothing for unrestricted rules, and asks nothing when no rule grants anything', () => {
    expect(confineQuery('Observation', new URLSearchParams('a=1'), rules('system/Observation.rs'))?.query.toString()).toBe('a=1');
    expect(confineQuery('Observation', new URLSearchParams('a=1'), rules('system/Observation.rs'))?.exact).toBe(true);
    expect(confineQuery('Observation', new URLSearchParams(), rules('patient/Observation.rs'))).toBeUndefined();
  });

  it('is not exact when the query cannot express the rules (a total would then leak)', () => {
    const mixed = rules('patient/Observation.rs system/Observation.rs?code=x', { patient: 'a' });
    expect(confineQuery('Observation', new URLSearchParams(), mixed)?.exact).toBe(false);
    expect(historyIsExact(rules('patient/Observation.rs', { patient: 'a' }))).toBe(false);
    expect(historyIsExact(rules('system/Observation.rs'))).toBe(true);
  });

  it('does not confine shared types such as Practitioner to a patient', () => {
    expect(
      confineQuery('Practitioner', new URLSearchParams(), rules('patient/*.rs', { patient: 'a' }, 'Practitioner'))?.query.toString(),
    ).toBe('');
  });
});

describe('upstream links', () => {
  const links = new UpstreamLinks('https://ehr.example.org/fhir', 'https://auth.example.org/fhir');

  it('rewrites URLs under the upstream base, relative ones included', () => {
    expect(links.rewrite('https://ehr.example.org/fhir/Observation?_offset=50')).toBe(
      'https://auth.example.org/fhir/Observation?_offset=50',
    );
    expect(links.rewrite('https://ehr.example.org/fhir')).toBe('https://auth.example.org/fhir');
    expect(links.rewrite('Observation/1')).toBe('https://auth.example.org/fhir/Observation/1');
  });

  it('refuses every other place', () => {
    for (const url of [
      'https://evil.example.org/fhir/Observation',
      'https://ehr.example.org/fhirx/Observation',
      'https://ehr.example.org/other',
      'http://ehr.example.org/fhir/Observation',
      'https://ehr.example.org:8443/fhir/Observation',
      'https://user:pw@ehr.example.org/fhir/Observation',
      '//evil.example.org/fhir/Observation',
      '/other/Observation',
      'javascript:alert(1)',
    ])
      expect(links.rewrite(url)).toBeUndefined();
  });

  it('does not let a host-only base prefix-match a longer host', () => {
    const hostOnly = new UpstreamLinks('https://ehr.example.org', 'https://auth.example.org/fhir');
    expect(hostOnly.rewrite('https://ehr.example.org.evil.com/Observation')).toBeUndefined();
    expect(hostOnly.rewrite('https://ehr.example.org/Observation')).toBe('https://auth.example.org/fhir/Observation');
  });
});
