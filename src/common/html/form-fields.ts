// Form bodies (application/x-www-form-urlencoded) arrive as strings, arrays of strings or nothing: these read
// one field the way the page expects it, never trusting its type.

/** A form field that may arrive once or several times. */
export function fieldList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** A form field that must arrive once, as text. */
export function field(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
