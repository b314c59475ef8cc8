import { isFhirDateTime, parseFhirDateTime } from './fhir-date';

describe('FHIR dates', () => {
  it.each(['2024', '2024-02', '2024-02-29', '2000-02-29', '2024-03-04T09:00:00Z', '2024-03-04T09:00:00.5-05:00', '0001-01-01'])(
    'accepts %s',
    (value) => {
      expect(isFhirDateTime(value)).toBe(true);
    },
  );

  it.each([
    '',
    '24',
    '2023-02-29',
    '1900-02-29',
    '2024-13',
    '2024-00-10',
    '2024-04-31',
    '2024-03-04T09:00:00',
    '2024-03-04T25:00:00Z',
    '-100000-01-01',
    '+275760-09-13T00:00:00Z',
    '0000-01-01',
    'yesterday',
    5,
  ])('refuses %s', (value) => {
    expect(isFhirDateTime(value)).toBe(false);
  });

  it('parses partial dates as UTC instants', () => {
    expect(parseFhirDateTime('2024')?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(parseFhirDateTime('2024-03')?.toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(parseFhirDateTime('2024-03-04T10:00:00+02:00')?.toISOString()).toBe('2024-03-04T08:00:00.000Z');
    expect(parseFhirDateTime('-271821-04-20T00:00:00Z')).toBeUndefined();
  });
});
