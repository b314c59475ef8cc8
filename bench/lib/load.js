'use strict';

const autocannon = require('autocannon');
const { processCpuSeconds } = require('./process-cpu');

/**
 * @typedef {object} Plan What one run sends and how its answers are judged.
 * @property {object[]} requests autocannon request objects (a `setupRequest` may hand out pre-built bodies)
 * @property {(status: number, body: string, headers?: object) => boolean} check whether a response is the expected one
 * @property {() => boolean} [exhausted] whether the run used up its single-use inputs
 */

/** @typedef {(line: string) => void} Log */

/**
 * Counts one response into `counts`: a response that fails `plan.check(status, body, headers)` (or whose check
 * throws) is wrong; the first three wrong ones are kept as samples. Returns whether it was the expected one.
 */
function countResponse(counts, plan, status, body, headers) {
  counts.responses += 1;
  let ok;
  try {
    ok = plan.check(status, body, headers);
  } catch {
    ok = false;
  }
  if (!ok) {
    counts.wrong += 1;
    if (counts.samples.length < 3) counts.samples.push({ status, body: String(body).slice(0, 300) });
  }
  return ok;
}

/**
 * One run's figures from the response counts, autocannon's result and the server's CPU seconds before and
 * after: req/s counts correct responses only; errors are wrong responses plus transport errors and timeouts.
 */
function summariseRun({ counts, result, duration, cpuBefore, cpuAfter, exhausted }) {
  const seconds = result.duration || duration;
  const transportErrors = result.errors + result.timeouts;
  const good = counts.responses - counts.wrong;
  return {
    rps: good / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: counts.wrong + transportErrors,
    non2xx: result.non2xx,
    responses: counts.responses,
    // Server CPU (all its threads) per response, in microseconds.
    cpuMicros: cpuBefore !== null && cpuAfter !== null && counts.responses > 0 ? ((cpuAfter - cpuBefore) * 1e6) / counts.responses : null,
    samples: counts.samples,
    exhausted,
  };
}

/**
 * One autocannon run. `plan.requests` are autocannon request objects (their `setupRequest` may hand out
 * pre-built bodies); `plan.check(status, body)` decides whether a response is the expected one. A response
 * that fails the check counts as an error and never as throughput. `amount` (a request count) wins over
 * `duration` (seconds); `pid` is the server's, for its CPU time.
 * @param {{ url: string, connections: number, plan: Plan, duration?: number, amount?: number, pid?: number }} options
 */
async function runOnce({ url, connections, duration, plan, amount, pid }) {
  const counts = { responses: 0, wrong: 0, samples: [] };
  const requests = plan.requests.map((request) => ({
    ...request,
    onResponse(status, body, context, headers) {
      countResponse(counts, plan, status, body, headers);
      request.onResponse?.(status, body, context, headers);
    },
  }));
  const cpuBefore = processCpuSeconds(pid);
  const result = await autocannon({
    url,
    connections,
    pipelining: 1,
    ...(amount ? { amount } : { duration }),
    timeout: 10,
    requests,
  });
  const cpuAfter = processCpuSeconds(pid);
  return summariseRun({ counts, result, duration, cpuBefore, cpuAfter, exhausted: plan.exhausted ? plan.exhausted() : false });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * One scenario's warm-up and measured runs, taken a step at a time so that two scenarios can alternate.
 * @param {Log} [log]
 */
function measurement(scenario, settings, log = () => undefined, runner = runOnce) {
  const connections = scenario.connections ?? settings.connections;
  const prefix = scenario.label ? `${scenario.label} ` : '';
  let estimate = scenario.initialEstimate ?? 4000;
  let warm = null;
  const runs = [];
  return {
    async warmUp() {
      warm = await runner({
        url: scenario.url,
        connections,
        duration: settings.warmup,
        plan: await scenario.prepare(Math.ceil(estimate * settings.warmup * 1.5) + connections),
        pid: scenario.pid,
      });
      estimate = Math.max(warm.rps, 200);
    },
    async run() {
      const index = runs.length;
      let run;
      // Sized for twice the rate seen so far; a run that used up its single-use inputs is repeated with a
      // larger pool rather than reported with the failures of reused inputs.
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        const plan = await scenario.prepare(Math.ceil(estimate * settings.duration * 2) + connections * 4);
        run = await runner({ url: scenario.url, connections, duration: settings.duration, plan, pid: scenario.pid });
        if (!run.exhausted || attempt === 3) break;
        estimate = Math.max(estimate * 2, run.responses / settings.duration);
        log(`    ${prefix}run ${index + 1}: inputs ran out, repeating it with a pool for ${Math.round(estimate * 2)} req/s`);
      }
      runs.push(run);
      estimate = Math.max(estimate, run.rps);
      log(
        `    ${prefix}run ${index + 1}: ${run.rps.toFixed(0)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, errors ${run.errors}${run.cpuMicros === null ? '' : `, server CPU ${run.cpuMicros.toFixed(0)} µs/req`}${run.exhausted ? ' (pool exhausted)' : ''}`,
      );
    },
    result: () => summariseRuns({ runs, warm, connections }),
  };
}

/**
 * Warm-up, then `runs` measured runs. rps, p50 and p99 are medians over the measured runs; errors and
 * non-2xx are totals over them. `scenario.prepare(estimate)` builds a fresh plan per run, sized for
 * `estimate` requests (pools of single-use assertions, codes, ...). `runner` is `runOnce` except in the specs.
 * @param {Log} [log]
 */
async function measure(scenario, settings, log = () => undefined, runner = runOnce) {
  const steps = measurement(scenario, settings, log, runner);
  await steps.warmUp();
  for (let index = 0; index < settings.runs; index += 1) await steps.run();
  return steps.result();
}

/**
 * Two scenarios measured in alternation (A1 B1, B2 A2, A3 B3, …) rather than one after the other: on a
 * machine whose speed drifts over tens of seconds (shared cores, a neighbour's load), both sides of a ratio
 * then see the same conditions. A side that throws ends as `{ error }` without stopping the other.
 * @param {Log} [log]
 */
async function measurePair(first, second, settings, log = () => undefined, runner = runOnce) {
  const sides = [first, second].map((scenario) => ({ steps: measurement(scenario, settings, log, runner), error: null }));
  const step = async (side, action) => {
    if (side.error) return;
    try {
      await side.steps[action]();
    } catch (error) {
      side.error = error;
      log(`    failed: ${error.message}`);
    }
  };
  for (const side of sides) await step(side, 'warmUp');
  for (let index = 0; index < settings.runs; index += 1) {
    for (const side of index % 2 === 0 ? sides : [...sides].reverse()) await step(side, 'run');
  }
  return sides.map((side) => (side.error ? { error: side.error.message } : side.steps.result()));
}

/** rps, p50, p99 and CPU µs/req are medians over the measured runs; errors and non-2xx are totals over them. */
function summariseRuns({ runs, warm, connections }) {
  const samples = runs.flatMap((run) => run.samples).slice(0, 3);
  return {
    rps: Math.round(median(runs.map((run) => run.rps))),
    p50: median(runs.map((run) => run.p50)),
    p99: median(runs.map((run) => run.p99)),
    cpuMicros: runs.every((run) => run.cpuMicros !== null) ? Math.round(median(runs.map((run) => run.cpuMicros))) : null,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    connections,
    runs: runs.map(({ rps, p50, p99, errors, non2xx, exhausted, cpuMicros }) => ({
      rps: Math.round(rps),
      p50,
      p99,
      errors,
      non2xx,
      exhausted,
      cpuMicros: cpuMicros === null ? null : Math.round(cpuMicros),
    })),
    warmup: { rps: Math.round(warm.rps), errors: warm.errors },
    ...(samples.length ? { errorSamples: samples } : {}),
  };
}

/** Hands out the items of a pre-built array one per request; reports exhaustion instead of reusing. */
function pool(items) {
  let next = 0;
  return {
    take() {
      if (next < items.length) return items[next++];
      next += 1;
      return undefined;
    },
    exhausted: () => next > items.length,
    used: () => Math.min(next, items.length),
  };
}

module.exports = { countResponse, measure, measurePair, median, pool, runOnce, summariseRun, summariseRuns };
