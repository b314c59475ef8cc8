/** Seconds the response says it may be reused: 0 without max-age or with no-store/no-cache (RFC 9111 §5.2.2). */
export function freshnessSeconds(cacheControl: string | null | undefined, age: string | null | undefined = null): number {
  if (!cacheControl) return 0;
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((directive) => directive.trim());
  if (directives.some((directive) => directive === 'no-store' || directive.startsWith('no-cache'))) return 0;
  const maxAge = directives.find((directive) => directive.startsWith('max-age='));
  const seconds = maxAge ? Number(maxAge.slice('max-age='.length).replace(/"/g, '')) : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  const elapsed = age && /^\d+$/.test(age.trim()) ? Number(age) : 0;
  return Math.max(0, Math.floor(seconds) - elapsed);
}

/**
 * How long a fetched document is kept: what the headers allow, but never less than `minimum` (a caller-controlled
 * server cannot make every request refetch) nor more than `maximum` (a long max-age is still re-checked).
 */
export function cacheLifetimeSeconds(
  cacheControl: string | null | undefined,
  age: string | null | undefined,
  bounds: { minimum: number; maximum: number },
): number {
  return Math.min(Math.max(freshnessSeconds(cacheControl, age), bounds.minimum), bounds.maximum);
}
