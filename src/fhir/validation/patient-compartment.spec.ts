import { compartmentWriteProblem, patientReferences } from './patient-compartment';

const BASE = 'https://auth.example.org/fhir';
const observation = (extra: Record<string, unknown>) => ({ resourceType: 'Observation', subject: { reference: 'Patient/me' }, ...extra });

describe('compartmentWriteProblem', () => {
  it('accepts resources whose every Patient reference is the own record, relative or under this base', () => {
    expect(compartmentWriteProblem(observation({}), 'me', BASE)).toBeUndefined();
    expect(compartmentWriteProblem(observation({ subject: { reference: `${BASE}/Patient/me` } }), 'me', BASE)).toBeUndefined();
    expect(
      compartmentWriteProblem(
        observation({ performer: [{ reference: 'Patient/me/_history/2' }, { reference: 'Practitioner/x' }] }),
        'me',
        BASE,
      ),
    ).toBeUndefined();
    expect(
      compartmentWriteProblem({ resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/me' } }, 'me', BASE),
    ).toBeUndefined();
    expect(
      compartmentWriteProblem({ resourceType: 'Patient', id: 'me', generalPractitioner: [{ reference: 'Practitioner/1' }] }, 'me', BASE),
    ).toBeUndefined();
  });

  it.each([
    ['a second patient element', observation({ focus: [{ reference: 'Patient/other' }] })],
    [
      'an array with another patient',
      { resourceType: 'Condition', subject: [{ reference: 'Patient/me' }, { reference: 'Patient/other' }] },
    ],
    ['an absolute reference to another server', observation({ subject: { reference: 'https://elsewhere.example/fhir/Patient/me' } })],
    ['a reference in an extension', observation({ extension: [{ url: 'x', valueReference: { reference: 'Patient/other' } }] })],
    ['a typed logical reference', observation({ subject: { type: 'Patient', identifier: { value: 'MRN-1' } } })],
    ['a conditional reference', observation({ subject: { reference: 'Patient?identifier=MRN-1' } })],
    ['a contained Patient', observation({ contained: [{ resourceType: 'Patient', id: 'c' }] })],
    ['no compartment element', { resourceType: 'Observation', code: {} }],
    ['a shared type', { resourceType: 'Practitioner', id: 'x' }],
    ['another Patient record', { resourceType: 'Patient', id: 'other' }],
    ['a new Patient record', { resourceType: 'Patient' }],
    [
      'a Patient linking another',
      { resourceType: 'Patient', id: 'me', link: [{ other: { reference: 'Patient/other' }, type: 'seealso' }] },
    ],
  ])('refuses %s', (_label, resource) => {
    expect(compartmentWriteProblem(resource as Record<string, unknown>, 'me', BASE)).toBeDefined();
  });

  it('finds Patient references anywhere', () => {
    expect(patientReferences({ a: [{ b: { reference: 'Patient/1' } }], c: { reference: 'Group/1' } })).toEqual(['Patient/1']);
  });
});
