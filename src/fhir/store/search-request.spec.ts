import { parseSearchRequest } from './search-request';
import { elementPath, SqlParameters, tokenCondition } from './sql-conditions';

describe('search request parsing', () => {
  it('keeps supported parameters, paging and includes, and ignores unknown ones unless strict', () => {
    const request = parseSearchRequest(new URLSearchParams('patient=a&category=x,y&_count=2&_offset=4&_include=Observation:subject&foo=1'), false);
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

  it('binds token values as parameters, never as SQL text', () => {
    const parameters = new SqlParameters();
    const sql = tokenCondition('$."category"', "http://evil'|la'b", parameters);
    expect(sql).not.toContain('evil');
    expect(parameters.values).toEqual([JSON.stringify({ s: "http://evil'", c: "la'b" })]);
  });
});
