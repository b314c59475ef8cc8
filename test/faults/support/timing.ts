/** Polls `check` every 50 ms until it holds; fails after `limitMs`. Resolves with the time it took. */
export async function pollUntil(check: () => boolean | Promise<boolean>, limitMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The q-quantile (0..1) of `values` (nearest rank). */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** A figure for the CI log, on a line of its own so it is easy to find. */
export function report(name: string, value: string): void {
  process.stdout.write(`[faults] ${name}: ${value}\n`);
}
