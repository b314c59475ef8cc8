import { constraintsSubset } from './scope-matcher';
import { MAX_SCOPE_LENGTH, MAX_SCOPE_TOKENS, scopeTooLarge } from './scope-limits';
import { isSubsetOf, narrowScopes, restrictToApproved } from './scope-narrowing';
import { ScopeConstraint } from './smart-scope';
import { parseScopes } from './smart-scope.parser';

// `scope=patient/Observation.rs?category=c0 … c{n}` with n = 20,000 held the event loop for 134 s
// because every comparison was a nested loop. Each case below is quadratic-hard: it took minutes before the
// comparisons were indexed, and takes about a second now on a loaded machine. The bound is generous (a shared CI machine),
// but still an order of magnitude below what a quadratic comparison needs for n = 20,000.
const N = 20_000;
const BOUND_MS = 10_000;

function timed<T>(work: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

function granular(n: number, prefix = 'patient/Observation.rs'): string {
  return Array.from({ length: n }, (_, i) => `${prefix}?category=c${i}`).join(' ');
}

describe('scope comparison on large inputs (linear)', () => {
  const many = parseScopes(granular(N)).scopes;

  it('isSubsetOf: the attack request checked against itself', () => {
    const { value, ms } = timed(() => isSubsetOf(many, many));
    expect(value).toBe(true);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('isSubsetOf: many granular scopes none of which the original grants', () => {
    const original = parseScopes(granular(N, 'patient/Condition.rs')).scopes;
    const { value, ms } = timed(() => isSubsetOf(many, original));
    expect(value).toBe(false);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('narrowScopes: a large request against an equally large ceiling', () => {
    const { value, ms } = timed(() => narrowScopes(many, many));
    expect(value).toHaveLength(N);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('narrowScopes: one resource-level request against a large granular ceiling', () => {
    const { value, ms } = timed(() => narrowScopes(parseScopes('patient/Observation.rs').scopes, many));
    expect(value).toHaveLength(N);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('restrictToApproved: a large request with every item approved (items past the form bound are ignored)', () => {
    const approved = granular(N).split(' ');
    const { value, ms } = timed(() => restrictToApproved(many, approved));
    expect(value).toHaveLength(4 * MAX_SCOPE_TOKENS);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('restrictToApproved: one huge approved item is ignored, not parsed', () => {
    const { value } = timed(() => restrictToApproved(many.slice(0, 3), [granular(N)]));
    expect(value).toEqual([]);
  });

  it('constraintsSubset: one scope with many constraints', () => {
    const constraints: ScopeConstraint[] = Array.from({ length: N }, (_, i) => ({ name: 'category', value: `c${i}` }));
    const { value, ms } = timed(() => constraintsSubset(constraints, [...constraints].reverse()));
    expect(value).toBe(true);
    expect(ms).toBeLessThan(BOUND_MS);
  });
});

describe('scopeTooLarge', () => {
  it('accepts a scope at both limits', () => {
    expect(scopeTooLarge('openid fhirUser patient/*.rs')).toBe(false);
    expect(scopeTooLarge(Array.from({ length: MAX_SCOPE_TOKENS }, () => 'a').join(' '))).toBe(false);
    expect(scopeTooLarge('a'.repeat(MAX_SCOPE_LENGTH))).toBe(false);
  });

  it('refuses a scope over either limit', () => {
    expect(scopeTooLarge('a'.repeat(MAX_SCOPE_LENGTH + 1))).toBe(true);
    expect(scopeTooLarge(Array.from({ length: MAX_SCOPE_TOKENS + 1 }, () => 'a').join(' '))).toBe(true);
    expect(scopeTooLarge(granular(N))).toBe(true);
  });

  it('does not count runs of spaces as tokens', () => {
    expect(scopeTooLarge(`openid${' '.repeat(MAX_SCOPE_LENGTH - 20)}profile`)).toBe(false);
  });
});
