const CONTROL = /[\u0000-\u001f\u007f]/;

// Identifiers, names and OAuth parameters are printable text (RFC 6749 Appendix A); PostgreSQL text
// cannot even hold NUL. Anything with control characters is malformed input, never a lookup key.
export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text that PostgreSQL stores and returns unchanged: no control characters, no lone UTF-16 surrogates. */
export function isStorableText(value: string): boolean {
  return !CONTROL.test(value) && !LONE_SURROGATE.test(value);
}
