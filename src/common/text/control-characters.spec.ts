import { hasControlCharacters, isStorableText } from './control-characters';

describe('text checks', () => {
  it.each(['abc', 'a b', 'Zoë ✓', '😀', 'jti-123_~.'])('%j is storable', (value) => {
    expect(isStorableText(value)).toBe(true);
    expect(hasControlCharacters(value)).toBe(false);
  });

  it.each(['a\u0000b', 'tab\t', 'line\n', 'del\u007f'])('%j has control characters and is not storable', (value) => {
    expect(hasControlCharacters(value)).toBe(true);
    expect(isStorableText(value)).toBe(false);
  });

  it.each(['\uD800', 'a\uDC00', '\uDBFFx', 'x\uDFFF\uD800'])('%j (a lone surrogate) is not storable', (value) => {
    expect(isStorableText(value)).toBe(false);
  });
});
