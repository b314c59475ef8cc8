import { parseScopes } from '../scopes';
import { accessRulesFor, inPatientCompartment, patientIdOfFhirUser, resourceAllowed } from './access-rules';
import { SmartContext } from './smart-context';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

function context(scope: string, extra: Partial<SmartContext> = {}): SmartContext {
  return { clientId: 'c', subject: 's', jti: 'j', expiresAt: 0, scopes: parseScopes(scope).scopes, ...extra };
}

function observation(patient: string, category: string): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    id: 'o',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
    subject: { reference: `Patient/${patient}` },
  };
}

describe('access rules', () => {
  it('confines patient/ scopes to the token patient, and grants nothing without one', () => {
    const rules = accessRulesFor(context('patient/Observation.rs', { patient: 'a' }), 'Observation', 'r');
    expect(rules.map((rule) => rule.patient)).toEqual(['a']);
    expect(resourceAllowed(observation('a', 'laboratory'), rules)).toBe(true);
    expect(resourceAllowed(observation('b', 'laboratory'), rules)).toBe(false);
    expect(accessRulesFor(context('patient/Observation.rs'), 'Observation', 'r')).toEqual([]);
  });

  it('gives practitioners and system clients every patient, patient users their own compartment', () => {
    expect(accessRulesFor(context('user/Observation.rs', { userRole: 'practitioner' }), 'Observation', 's')[0].patient).toBeUndefined();
    expect(accessRulesFor(context('system/*.rs'), 'Observation', 's')[0].patient).toBeUndefined();
    const patientUser = context('user/Observation.rs', { userRole: 'patient', fhirUser: 'https://ehr.example.org/fhir/Patient/a' });
    expect(accessRulesFor(patientUser, 'Observation', 's')[0].patient).toBe('a');
  });

  it('confines a restricted practitioner to the allowed patients, and user/ scopes without a role to nothing', () => {
    const restricted = context('user/Observation.rs patient/Observation.rs', {
      userRole: 'practitioner',
      restrictedToPatients: ['a', 'b'],
      patient: 'c',
    });
    const rules = accessRulesFor(restricted, 'Observation', 's');
    // patient/ scopes for a patient outside the restriction grant nothing; user/ scopes one rule per allowed patient.
    expect(rules.map((rule) => rule.patient)).toEqual(['a', 'b']);
    expect(resourceAllowed(observation('a', 'laboratory'), rules)).toBe(true);
    expect(resourceAllowed(observation('c', 'laboratory'), rules)).toBe(false);
    expect(accessRulesFor({ ...restricted, restrictedToPatients: [] }, 'Observation', 's')).toEqual([]);
    expect(accessRulesFor(context('user/Observation.rs'), 'Observation', 's')).toEqual([]);
    expect(
      accessRulesFor(context('user/Practitioner.rs', { userRole: 'practitioner', restrictedToPatients: [] }), 'Practitioner', 'r'),
    ).toEqual([]);
  });

  it('applies granular constraints and the interaction letter', () => {
    const token = context(`patient/Observation.rs?category=${LAB}`, { patient: 'a' });
    const rules = accessRulesFor(token, 'Observation', 's');
    expect(resourceAllowed(observation('a', 'laboratory'), rules)).toBe(true);
    expect(resourceAllowed(observation('a', 'vital-signs'), rules)).toBe(false);
    expect(accessRulesFor(token, 'Observation', 'c')).toEqual([]);
  });

  it('lets patient/ scopes read shared resources such as Practitioner but not write them', () => {
    const token = context('patient/*.cruds', { patient: 'a' });
    const practitioner = { resourceType: 'Practitioner', id: 'p' };
    expect(resourceAllowed(practitioner, accessRulesFor(token, 'Practitioner', 'r'))).toBe(true);
    expect(resourceAllowed(practitioner, accessRulesFor(token, 'Practitioner', 'u'))).toBe(false);
  });

  it('recognises compartment membership through subject, patient and beneficiary references', () => {
    expect(inPatientCompartment({ resourceType: 'Patient', id: 'a' }, 'a')).toBe(true);
    expect(inPatientCompartment({ resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/a' } }, 'a')).toBe(true);
    expect(inPatientCompartment({ resourceType: 'Coverage', beneficiary: { reference: 'https://x/fhir/Patient/a' } }, 'a')).toBe(true);
    expect(inPatientCompartment({ resourceType: 'Observation', subject: { reference: 'Patient/ab' } }, 'a')).toBe(false);
    expect(inPatientCompartment({ resourceType: 'Observation', subject: { reference: 'Group/a' } }, 'a')).toBe(false);
  });

  it('reads the patient id of a fhirUser', () => {
    expect(patientIdOfFhirUser('Patient/123')).toBe('123');
    expect(patientIdOfFhirUser('https://ehr/fhir/Patient/x-1')).toBe('x-1');
    expect(patientIdOfFhirUser('https://ehr/fhir/Practitioner/1')).toBeUndefined();
    expect(patientIdOfFhirUser(undefined)).toBeUndefined();
  });
});
