// Content PostgreSQL's jsonb cannot store (NUL, unpaired UTF-16 surrogates) or that recursive code should never
// see (very deep nesting) is refused before anything else looks at a resource.
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
