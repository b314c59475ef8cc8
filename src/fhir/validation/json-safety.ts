// Content PostgreSQL's jsonb cannot store (NUL, unpaired UTF-16 surrogates) or that recursive code should never
// see (very deep nesting) is refused before anything else looks at a resource (issue 13.6).
export const MAX_JSON_DEPTH = 64;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What makes `value` unstorable, or undefined. Iterative, so any depth is examined without recursion. */
export function jsonSafetyProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number };
    if (typeof item.value === 'string') {
      const problem = stringProblem(item.value);
      if (problem) return problem;
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= maxDepth) return `JSON is nested deeper than ${maxDepth} levels`;
    if (Array.isArray(item.value)) {
      for (const child of item.value) stack.push({ value: child, depth: item.depth + 1 });
      continue;
    }
    for (const [key, child] of Object.entries(item.value)) {
      const problem = stringProblem(key);
      if (problem) return problem;
      stack.push({ value: child, depth: item.depth + 1 });
    }
  }
  return undefined;
}

export function stringProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'Strings may not contain NUL (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'Strings may not contain unpaired UTF-16 surrogates';
  return undefined;
}

/**
 * True when JSON text nests deeper than `limit`, found by one linear scan before JSON.parse: parsing a 1 MB
 * body of nested brackets holds the event loop for over half a second, refusing it first costs milliseconds.
 */
export function jsonTextTooDeep(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > limit) return true;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return false;
}
