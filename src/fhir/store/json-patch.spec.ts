import { sizeWithin } from './json-measure';
import { applyJsonPatch, JsonPatchError } from './json-patch';

const LIMITS = { maxOperations: 100, maxSize: 10_000 };

function apply(document: unknown, patch: unknown, limits = LIMITS): unknown {
  return applyJsonPatch(structuredClone(document) as never, patch, limits);
}

function failure(document: unknown, patch: unknown, limits = LIMITS): JsonPatchError {
  try {
    apply(document, patch, limits);
  } catch (error) {
    if (error instanceof JsonPatchError) return error;
    throw error;
  }
  throw new Error('the patch applied');
}

describe('applyJsonPatch (RFC 6902)', () => {
  // RFC 6902 Appendix A, the examples that succeed.
  it.each([
    ['A.1 add an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 add an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 remove a member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 remove an element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replace a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'A.6 move a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [
      'A.7 move an array element',
      { foo: ['all', 'grass', 'cows', 'eat'] },
      [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      { foo: ['all', 'cows', 'eat', 'grass'] },
    ],
    [
      'A.8 test succeeds',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    [
      'A.10 add a nested member object',
      { foo: 'bar' },
      [{ op: 'add', path: '/child', value: { grandchild: {} } }],
      { foo: 'bar', child: { grandchild: {} } },
    ],
    [
      'A.11 ignores unrecognized members',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
      { foo: 'bar', baz: 'qux' },
    ],
    ['A.14 ~ escapes', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 add an array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    ['copy a member', { a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: 1 }, c: { b: 1 } }],
    ['replace the root', { a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }], { b: 2 }],
    [
      'test objects regardless of key order',
      { a: { x: 1, y: [1, { z: null }] } },
      [{ op: 'test', path: '/a', value: { y: [1, { z: null }], x: 1 } }],
      { a: { x: 1, y: [1, { z: null }] } },
    ],
  ])('%s', (_name, document, patch, expected) => {
    expect(apply(document, patch)).toEqual(expected);
  });

  it('copies are independent of their source', () => {
    const result = apply({ a: { b: [1] } }, [
      { op: 'copy', from: '/a', path: '/c' },
      { op: 'add', path: '/c/b/-', value: 2 },
    ]);
    expect(result).toEqual({ a: { b: [1] }, c: { b: [1, 2] } });
  });

  // RFC 6902 Appendix A, the examples that fail, and RFC 6901 pointer rules.
  it.each([
    ['A.9 a failing test', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]],
    ['A.12 add to a missing parent', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]],
    ['A.15 a test that compares a string with a number', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }]],
    ['remove of a missing member', { a: 1 }, [{ op: 'remove', path: '/b' }]],
    ['replace of a missing member', { a: 1 }, [{ op: 'replace', path: '/b', value: 1 }]],
    ['an index past the end', { a: [1] }, [{ op: 'add', path: '/a/2', value: 1 }]],
    ['an index with a leading zero', { a: [1, 2] }, [{ op: 'remove', path: '/a/01' }]],
    ['test with extra keys in the document', { a: { x: 1, y: 2 } }, [{ op: 'test', path: '/a', value: { x: 1 } }]],
  ])('%s is unapplicable', (_name, document, patch) => {
    expect(failure(document, patch).kind).toBe('unapplicable');
  });

  it.each([
    ['not an array', { op: 'add', path: '/a', value: 1 }],
    ['an unknown op', [{ op: 'merge', path: '/a', value: 1 }]],
    ['A.13 a missing value', [{ op: 'add', path: '/baz' }]],
    ['a path that is not a pointer', [{ op: 'remove', path: 'a' }]],
    ['an invalid escape', [{ op: 'remove', path: '/a~2' }]],
    ['a move into its own child', [{ op: 'move', from: '/a', path: '/a/b' }]],
    ['a copy into its own child', [{ op: 'copy', from: '/a', path: '/a/b' }]],
    ['a prototype member', [{ op: 'add', path: '/__proto__', value: { polluted: true } }]],
  ])('%s is malformed', (_name, patch) => {
    expect(failure({ a: { b: 1 } }, patch).kind).toBe('malformed');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses more operations than the limit before applying any', () => {
    const patch = Array.from({ length: 101 }, () => ({ op: 'test', path: '', value: {} }));
    expect(failure({}, patch).kind).toBe('too-costly');
  });

  it('refuses a copy from the document root', () => {
    expect(failure({ a: 1 }, [{ op: 'copy', from: '', path: '/x0' }]).kind).toBe('too-costly');
  });

  it('stops a doubling attack at the size limit, before the document outgrows it', () => {
    const document = { resourceType: 'Observation', padding: 'x'.repeat(200) };
    const patch = [
      { op: 'add', path: '/a', value: { copy: document } },
      ...Array.from({ length: 20 }, (_, index) => ({ op: 'copy', from: '/a', path: `/a${index}` })),
    ];
    const error = failure(document, patch, { maxOperations: 100, maxSize: 2_000 });
    expect(error.kind).toBe('too-large');
  });

  it('counts the estimated size as the serialized size for plain data', () => {
    const value = { a: [1, 'two', null, true, { b: 'c' }], d: {} };
    expect(sizeWithin(value, Infinity)).toBe(JSON.stringify(value).length);
  });

  it('bounds the total work of repeated copies and removals of a large member', () => {
    const document = { big: 'x'.repeat(4_000) };
    const patch = Array.from({ length: 50 }, (_, index) =>
      index % 2 === 0 ? { op: 'copy', from: '/big', path: '/tmp' } : { op: 'remove', path: '/tmp' },
    );
    expect(failure(document, patch).kind).toBe('too-costly');
  });

  it('keeps a resource that stays under the limit when members are replaced and removed', () => {
    const document = { big: 'x'.repeat(6_000) };
    const result = apply(document, [
      { op: 'replace', path: '/big', value: 'small' },
      { op: 'add', path: '/other', value: 'y'.repeat(6_000) },
    ]);
    expect(result).toEqual({ big: 'small', other: 'y'.repeat(6_000) });
  });
});
