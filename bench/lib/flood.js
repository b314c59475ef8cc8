'use strict';

/**
 * Background load beside a measured row: `concurrency` lanes each call `attempt(index)` again and again until
 * `stop()`; no lane ever has more than one attempt in flight. `attempt` resolves to a label (e.g. the HTTP status)
 * that is counted; a rejection counts as `error`. `stop()` waits for the attempts in flight and returns the counts.
 */
function startFlood({ concurrency, attempt }) {
  let stopped = false;
  let next = 0;
  /** @type {Record<string, number>} */
  const counts = {};
  const count = (label) => (counts[label] = (counts[label] ?? 0) + 1);
  const lane = async () => {
    while (!stopped) {
      const index = next;
      next += 1;
      try {
        count(String(await attempt(index)));
      } catch {
        count('error');
      }
    }
  };
  const lanes = Array.from({ length: concurrency }, lane);
  return {
    async stop() {
      stopped = true;
      await Promise.all(lanes);
      return { attempts: next, counts };
    },
  };
}

/** @typedef {{ attempts: number, counts: Record<string, number> }} FloodSummary */

/**
 * Runs `work` with a flood started before it and stopped after it (also when `work` throws).
 * @param {{ concurrency: number, attempt: (index: number) => Promise<unknown>, onSummary?: (summary: FloodSummary) => void }} options
 */
async function duringFlood(options, work) {
  const flood = startFlood(options);
  let result;
  try {
    result = await work();
  } finally {
    const summary = await flood.stop();
    options.onSummary?.(summary);
  }
  return result;
}

module.exports = { duringFlood, startFlood };
