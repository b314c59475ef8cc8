import { DEMO_FHIR_RESOURCES } from '../demo/fhir-demo.seeder';
import { resourceProblem } from './resource-problem';
import { STORE_RESOURCE_TYPES, undefinedElements } from './resource-elements';

const patient = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  id: 'p',
  name: [{ family: 'Shaw', given: ['Amy'] }],
  ...extra,
});

describe('resourceProblem', () => {
  it('accepts every demo resource', () => {
    for (const resource of DEMO_FHIR_RESOURCES)
      expect(resourceProblem(String(resource.resourceType), resource as Record<string, unknown>)).toBeUndefined();
  });

  it('refuses top-level elements the type does not define, and allows choice types and primitive extensions', () => {
    expect(resourceProblem('Observation', { resourceType: 'Observation', patient: { reference: 'Patient/x' } })).toMatch(
      /does not define the element "patient"/,
    );
    expect(resourceProblem('Patient', patient({ __proto__x: 1 }))).toMatch(/does not define/);
    expect(
      resourceProblem('Observation', {
        resourceType: 'Observation',
        effectiveTiming: {},
        valueSampledData: {},
        _status: { extension: [] },
      }),
    ).toBeUndefined();
    expect(resourceProblem('Observation', { resourceType: 'Observation', valueAttachment: {} })).toMatch(/valueAttachment/);
    expect(resourceProblem('Observation', { resourceType: 'Observation', _resourceType: {} })).toMatch(/does not define/);
    expect(
      undefinedElements('Patient', { resourceType: 'Patient', deceasedBoolean: false, multipleBirthInteger: 2, _birthDate: {} }),
    ).toEqual([]);
    expect(STORE_RESOURCE_TYPES).toContain('Coverage');
  });

  it.each([
    ['given as a number', patient({ name: [{ given: 5, family: 'Shaw' }] }), /name.given must be an array of strings/],
    ['given with a non-string', patient({ name: [{ given: ['a', {}] }] }), /name.given/],
    ['family as an array', patient({ name: [{ family: ['Shaw'] }] }), /name.family must be a string/],
    ['name not an array', patient({ name: { family: 'Shaw' } }), /name must be an array/],
    ['a contact name', patient({ contact: [{ name: { given: 'x' } }] }), /contact.name.given/],
    ['identifier value as a number', patient({ identifier: [{ system: 'urn:x', value: 1 }] }), /identifier.value must be a string/],
    ['identifier not an array', patient({ identifier: { value: '1' } }), /identifier must be an array/],
    ['reference as an object', { resourceType: 'Observation', subject: { reference: { x: 1 } } }, /subject.reference must be a string/],
    ['a nested reference', { resourceType: 'Observation', performer: [{ reference: 7 }] }, /performer.reference/],
    ['a bad birthDate', patient({ birthDate: '1987-02-30' }), /birthDate must be a FHIR date/],
    ['a dateTime without zone', { resourceType: 'Observation', effectiveDateTime: '2024-03-04T09:00:00' }, /effectiveDateTime/],
    ['a five-digit year', { resourceType: 'Condition', recordedDate: '20240-01-01' }, /recordedDate/],
    ['a bad period', { resourceType: 'Encounter', period: { start: 'yesterday' } }, /period.start/],
    ['a period that is a string', { resourceType: 'Encounter', period: '2024' }, /period must be a Period/],
    ['gender as a number', patient({ gender: 1 }), /gender must be a string/],
    ['meta not an object', patient({ meta: 'x' }), /meta must be an object/],
    ['a NUL', patient({ gender: 'fe\u0000male' }), /NUL/],
    ['a NUL in a key', { resourceType: 'Patient', 'a\u0000': 1 }, /NUL/],
    ['a lone surrogate', patient({ name: [{ text: 'x\uD800y' }] }), /surrogate/],
    ['deep nesting', { resourceType: 'Patient', extension: [nest(70)] }, /deeper than 64/],
  ])('refuses %s', (_label, resource, message) => {
    expect(resourceProblem(String(resource.resourceType), resource as Record<string, unknown>)).toMatch(message);
  });

  it('accepts well-formed dates, names and paired surrogates', () => {
    expect(
      resourceProblem('Patient', patient({ birthDate: '2000-02-29', name: [{ text: 'Emoji \uD83D\uDE00', given: [] }] })),
    ).toBeUndefined();
    expect(
      resourceProblem('Observation', {
        resourceType: 'Observation',
        effectiveDateTime: '2024-03-04T09:00:00.123+14:00',
        issued: '2024',
        meta: { lastUpdated: '2024-03-04T09:00:00Z' },
      }),
    ).toBeUndefined();
    expect(resourceProblem('Organization', { resourceType: 'Organization', name: 'Riverside', alias: ['R'] })).toBeUndefined();
    expect(resourceProblem('Organization', { resourceType: 'Organization', name: ['Riverside'] })).toMatch(/name must be a string/);
  });
});

function nest(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let index = 0; index < depth; index++) value = { extension: [value] };
  return value;
}
