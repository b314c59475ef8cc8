import { parseSearchRequest } from './search-request';
import { filterCondition } from './search-filter.conditions';
import { elementPath, referenceCondition, SqlParameters, tokenCondition } from './sql-conditions';

describe('search request parsing', () => {
  it('keeps supported parameters, paging and includes, and ignores unknown ones unless strict', () => {
    const request = parseSearchRequest(
      new URLSearchParams('patient=a&category=x,y&_count=2&_offset=4&_include=Observation:subject&foo=1'),
      false,
    );
    expect(request.filters).toEqual([
      { name: 'patient', values: ['a'] },
      { name: 'category', values: ['x', 'y'] },
    ]);
    expect(request).toMatchObject({ count: 2, offset: 4, include: [{ sourceType: 'Observation', element: 'subject' }] });
    expect(request.canonicalQuery.toString()).toBe('patient=a&category=x%2Cy&_count=2&_include=Observation%3Asubject');
    expect(() => parseSearchRequest(new URLSearchParams('foo=1'), true)).toThrow('not supported');
  });

  it.each(['_count=abc', '_id=a$b', '_include=bad', 'code=', `code=${'x'.repeat(600)}`])('rejects %s', (query) => {
    expect(() => parseSearchRequest(new URLSearchParams(query), false)).toThrow();
  });

  it('caps _count', () => {
    expect(parseSearchRequest(new URLSearchParams('_count=100000'), false).count).toBe(500);
  });
});

describe('SQL conditions', () => {
  it('maps parameter names to quoted jsonpath elements and refuses anything else', () => {
    expect(elementPath('clinical-status')).toBe('$."clinicalStatus"');
    expect(elementPath('_tag')).toBe('$."meta"."tag"');
    expect(elementPath('code:in')).toBeUndefined();
    expect(elementPath("x'); drop table")).toBeUndefined();
  });

  it('binds token values inside one jsonpath parameter, never as SQL text', () => {
    const parameters = new SqlParameters();
    const sql = tokenCondition('$."category"', ["http://evil'|la'b", 'x"y'], parameters);
    expect(sql).toBe('resource @? $1::jsonpath');
    expect(parameters.values).toHaveLength(1);
    expect(parameters.values[0]).toContain(`@."system" == "http://evil'" && @."code" == "la'b"`);
    expect(parameters.values[0]).toContain('@."category" == "x\\"y"');
  });

  it('binds every reference of a parameter in one jsonpath', () => {
    const parameters = new SqlParameters();
    expect(referenceCondition(['subject', 'patient'], ['Patient/a', 'Patient/b'], parameters)).toBe('resource @? $1::jsonpath');
    expect(parameters.values).toEqual([
      'lax $ ? (@."subject"."reference" == "Patient/a" || @."subject"."reference" == "Patient/b" || @."patient"."reference" == "Patient/a" || @."patient"."reference" == "Patient/b")',
    ]);
  });

  it('binds _id values as one array, however many there are', () => {
    const parameters = new SqlParameters();
    const values = Array.from({ length: 100 }, (_, index) => `id-${index}`);
    expect(filterCondition('Observation', { name: '_id', values }, parameters)).toBe('id = ANY($1::text[])');
    expect(parameters.values).toEqual([values]);
  });
});

describe('search bounds', () => {
  const tooCostly = (query: string): void => {
    expect(() => parseSearchRequest(new URLSearchParams(query), false)).toThrow(
      expect.objectContaining({ status: 400, code: 'too-costly' }),
    );
  };

  it('refuses more than 100 values of one parameter', () => {
    expect(parseSearchRequest(new URLSearchParams(`name=${Array(100).fill('ab').join(',')}`), false).filters[0].values).toHaveLength(100);
    tooCostly(`name=${Array(101).fill('ab').join(',')}`);
  });

  it('refuses more than 30 parameters, unknown ones included', () => {
    expect(parseSearchRequest(new URLSearchParams(Array(30).fill('foo=1').join('&')), false).filters).toEqual([]);
    tooCostly(Array(31).fill('foo=1').join('&'));
  });

  it('refuses more than 10 _include and _revinclude parameters together', () => {
    tooCostly([...Array(6).fill('_include=Observation:subject'), ...Array(5).fill('_revinclude=Observation:subject')].join('&'));
  });

  it.each([
    ['name', 'a\u0000b'],
    ['code', 'x\u0000'],
  ])('refuses %s with a NUL character', (name, value) => {
    expect(() => parseSearchRequest(new URLSearchParams([[name, value]]), false)).toThrow(expect.objectContaining({ status: 400 }));
  });
});
