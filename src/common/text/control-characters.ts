const CONTROL = /[\u0000-\u001f\u007f]/;

// Identifiers, names and OAuth parameters are printable text (RFC 6749 Appendix A); PostgreSQL text
// cannot even hold NUL. Anything with control characters is malformed input, never a lookup key.
export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}
