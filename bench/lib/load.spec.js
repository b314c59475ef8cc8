'use strict';

const { countResponse, measure, measurePair, median, pool, summariseRun, summariseRuns } = require('./load');

const newCounts = () => ({ responses: 0, wrong: 0, samples: [] });
const autocannonResult = (overrides = {}) => ({
  duration: 2,
  errors: 0,
  timeouts: 0,
  non2xx: 0,
  latency: { p50: 3, p99: 9 },
  ...overrides,
});

/** A run as runOnce reports it. */
const run = (overrides = {}) => ({
  rps: 100,
  p50: 1,
  p99: 5,
  errors: 0,
  non2xx: 0,
  responses: 500,
  cpuMicros: 100,
  samples: [],
  exhausted: false,
  ...overrides,
});

describe('median', () => {
  it('takes the middle value of an odd count, whatever the order', () => {
    expect(median([100, 1000, 200])).toBe(200);
    expect(median([5])).toBe(5);
  });

  it('averages the two middle values of an even count', () => {
    expect(median([10, 40, 20, 30])).toBe(25);
  });

  it('sorts numerically, not as strings', () => {
    expect(median([9, 100, 20])).toBe(20);
  });

  it('does not reorder its argument', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('countResponse', () => {
  const plan = (check) => ({ check });

  it('counts a response that passes the check as correct', () => {
    const counts = newCounts();
    expect(
      countResponse(
        counts,
        plan(() => true),
        200,
        '{}',
        {},
      ),
    ).toBe(true);
    expect(counts).toEqual({ responses: 1, wrong: 0, samples: [] });
  });

  it('counts a response that fails the check as wrong and keeps it as a sample', () => {
    const counts = newCounts();
    expect(
      countResponse(
        counts,
        plan(() => false),
        400,
        '{"error":"invalid_client"}',
        {},
      ),
    ).toBe(false);
    expect(counts).toEqual({ responses: 1, wrong: 1, samples: [{ status: 400, body: '{"error":"invalid_client"}' }] });
  });

  it('counts a response whose check throws as wrong', () => {
    const counts = newCounts();
    const throwing = plan(() => {
      throw new Error('unexpected body');
    });
    expect(countResponse(counts, throwing, 200, 'not json', {})).toBe(false);
    expect(counts.wrong).toBe(1);
  });

  it('treats a truthy-but-not-true check result as correct and a falsy one as wrong', () => {
    const counts = newCounts();
    countResponse(
      counts,
      plan(() => 'yes'),
      200,
      '',
      {},
    );
    countResponse(
      counts,
      plan(() => undefined),
      200,
      '',
      {},
    );
    expect(counts).toMatchObject({ responses: 2, wrong: 1 });
  });

  it('hands status, body and headers to the check', () => {
    const check = jest.fn(() => true);
    countResponse(newCounts(), plan(check), 201, 'body', { 'content-type': 'application/json' });
    expect(check).toHaveBeenCalledWith(201, 'body', { 'content-type': 'application/json' });
  });

  it('keeps at most three samples, each body cut to 300 characters', () => {
    const counts = newCounts();
    for (let index = 0; index < 5; index += 1)
      countResponse(
        counts,
        plan(() => false),
        500,
        'x'.repeat(1000),
        {},
      );
    expect(counts.wrong).toBe(5);
    expect(counts.samples).toHaveLength(3);
    expect(counts.samples[0].body).toHaveLength(300);
  });
});

describe('summariseRun', () => {
  const summary = (overrides = {}) =>
    summariseRun({
      counts: { responses: 1000, wrong: 0, samples: [] },
      result: autocannonResult(),
      duration: 5,
      cpuBefore: null,
      cpuAfter: null,
      exhausted: false,
      ...overrides,
    });

  it('computes req/s from correct responses only', () => {
    const result = summary({ counts: { responses: 1000, wrong: 100, samples: [] } });
    expect(result.rps).toBe(450); // (1000 - 100) / 2 s, not 1000 / 2 s
    expect(result.responses).toBe(1000);
  });

  it('counts wrong responses, transport errors and timeouts as errors', () => {
    const result = summary({ counts: { responses: 1000, wrong: 100, samples: [] }, result: autocannonResult({ errors: 7, timeouts: 3 }) });
    expect(result.errors).toBe(110);
  });

  it('divides by the duration autocannon measured, and by the requested one when it reports none', () => {
    expect(summary({ result: autocannonResult({ duration: 4 }) }).rps).toBe(250);
    expect(summary({ result: autocannonResult({ duration: 0 }) }).rps).toBe(200);
    expect(summary({ result: autocannonResult({ duration: undefined }) }).rps).toBe(200);
  });

  it("passes autocannon's p50, p99 and non-2xx through", () => {
    const result = summary({ result: autocannonResult({ latency: { p50: 4, p99: 21 }, non2xx: 12 }) });
    expect(result).toMatchObject({ p50: 4, p99: 21, non2xx: 12 });
  });

  it('gives server CPU per response in microseconds, over all responses', () => {
    expect(summary({ cpuBefore: 10, cpuAfter: 10.5 }).cpuMicros).toBeCloseTo(500);
    expect(summary({ cpuBefore: 10, cpuAfter: 10.5, counts: { responses: 1000, wrong: 900, samples: [] } }).cpuMicros).toBeCloseTo(500);
  });

  it('gives no CPU figure without /proc readings or without responses', () => {
    expect(summary({ cpuBefore: null, cpuAfter: 3 }).cpuMicros).toBeNull();
    expect(summary({ cpuBefore: 3, cpuAfter: null }).cpuMicros).toBeNull();
    expect(summary({ cpuBefore: 0, cpuAfter: 1, counts: { responses: 0, wrong: 0, samples: [] } }).cpuMicros).toBeNull();
  });

  it('reports whether the single-use inputs ran out, and the samples', () => {
    const samples = [{ status: 400, body: 'x' }];
    expect(summary({ exhausted: true, counts: { responses: 10, wrong: 1, samples } })).toMatchObject({ exhausted: true, samples });
  });
});

describe('summariseRuns', () => {
  const warm = { rps: 123.4, errors: 50 };

  it('reports the median run, not the mean, for req/s, p50, p99 and CPU', () => {
    const runs = [
      run({ rps: 100, p50: 1, p99: 30, cpuMicros: 900 }),
      run({ rps: 1000.4, p50: 9, p99: 4, cpuMicros: 100 }),
      run({ rps: 200.6, p50: 2, p99: 10, cpuMicros: 300 }),
    ];
    expect(summariseRuns({ runs, warm, connections: 10 })).toMatchObject({ rps: 201, p50: 2, p99: 10, cpuMicros: 300 });
  });

  it('totals errors and non-2xx over the measured runs, without the warm-up', () => {
    const runs = [run({ errors: 1, non2xx: 4 }), run({ errors: 2, non2xx: 0 }), run({ errors: 3, non2xx: 1 })];
    const result = summariseRuns({ runs, warm, connections: 10 });
    expect(result).toMatchObject({ errors: 6, non2xx: 5, connections: 10 });
    expect(result.warmup).toEqual({ rps: 123, errors: 50 });
  });

  it('gives no CPU figure when one run has none', () => {
    expect(summariseRuns({ runs: [run({ cpuMicros: 100 }), run({ cpuMicros: null })], warm, connections: 10 }).cpuMicros).toBeNull();
  });

  it('lists each run, rounded, with its exhaustion flag', () => {
    const runs = [run({ rps: 99.6, cpuMicros: 10.4, exhausted: true }), run({ cpuMicros: null })];
    expect(summariseRuns({ runs, warm, connections: 10 }).runs).toEqual([
      { rps: 100, p50: 1, p99: 5, errors: 0, non2xx: 0, exhausted: true, cpuMicros: 10 },
      { rps: 100, p50: 1, p99: 5, errors: 0, non2xx: 0, exhausted: false, cpuMicros: null },
    ]);
  });

  it('keeps the first three error samples across runs, and none when there were none', () => {
    const sample = (n) => ({ status: 500, body: String(n) });
    const runs = [run({ samples: [sample(1), sample(2)] }), run({ samples: [sample(3), sample(4)] })];
    expect(summariseRuns({ runs, warm, connections: 10 }).errorSamples).toEqual([sample(1), sample(2), sample(3)]);
    expect(summariseRuns({ runs: [run()], warm, connections: 10 })).not.toHaveProperty('errorSamples');
  });
});

describe('measure (with a stand-in for autocannon)', () => {
  const settings = { warmup: 2, duration: 5, runs: 3, connections: 10 };

  /** A runner that answers the warm-up and then each measured attempt from `results`, in order. */
  function scripted(warmup, results) {
    const queue = [...results];
    const runner = jest.fn(async () => (runner.mock.calls.length === 1 ? warmup : queue.shift()));
    return runner;
  }
  const scenario = (extra = {}) => ({ url: 'http://127.0.0.1:1', pid: 42, prepare: jest.fn(async (count) => ({ count })), ...extra });

  it('warms up, then reports the median of the measured runs only', async () => {
    const runner = scripted(run({ rps: 5000, errors: 99 }), [run({ rps: 100 }), run({ rps: 1000 }), run({ rps: 200 })]);
    const result = await measure(scenario(), settings, undefined, runner);
    expect(runner).toHaveBeenCalledTimes(4);
    expect(result.rps).toBe(200);
    expect(result.errors).toBe(0);
    expect(result.warmup).toEqual({ rps: 5000, errors: 99 });
  });

  it('runs the warm-up for BENCH_WARMUP seconds and each run for BENCH_DURATION, at the scenario connections', async () => {
    const runner = scripted(run(), [run(), run(), run()]);
    const s = scenario({ connections: 50 });
    const result = await measure(s, settings, undefined, runner);
    expect(runner.mock.calls.map(([options]) => [options.duration, options.connections, options.pid, options.url])).toEqual([
      [2, 50, 42, s.url],
      [5, 50, 42, s.url],
      [5, 50, 42, s.url],
      [5, 50, 42, s.url],
    ]);
    expect(result.connections).toBe(50);
  });

  it('sizes the warm-up pool from the initial estimate and each run for twice the rate seen so far', async () => {
    const s = scenario({ initialEstimate: 1000 });
    await measure(s, settings, undefined, scripted(run({ rps: 300 }), [run({ rps: 800 }), run({ rps: 100 }), run({ rps: 100 })]));
    expect(s.prepare.mock.calls.map(([count]) => count)).toEqual([
      1000 * 2 * 1.5 + 10, // warm-up: estimate × BENCH_WARMUP × 1.5 + connections
      300 * 5 * 2 + 40, // warm-up rate × BENCH_DURATION × 2 + 4 × connections
      800 * 5 * 2 + 40, // the faster run raised the estimate
      800 * 5 * 2 + 40, // a slower run does not lower it
    ]);
  });

  it('sizes pools for at least 200 req/s however slow the warm-up was', async () => {
    const s = scenario();
    await measure(s, { ...settings, runs: 1 }, undefined, scripted(run({ rps: 3 }), [run()]));
    expect(s.prepare.mock.calls[1][0]).toBe(200 * 5 * 2 + 40);
  });

  it('hands each attempt the plan prepared for it', async () => {
    const runner = scripted(run(), [run()]);
    const s = scenario();
    await measure(s, { ...settings, runs: 1 }, undefined, runner);
    expect(runner.mock.calls[1][0].plan).toEqual({ count: s.prepare.mock.calls[1][0] });
  });

  it('repeats a run whose single-use inputs ran out with a larger pool, and reports the repeat', async () => {
    const log = jest.fn();
    const s = scenario();
    const runner = scripted(run({ rps: 1000 }), [
      run({ rps: 400, errors: 900, exhausted: true, responses: 25000 }),
      run({ rps: 4000, responses: 20000 }),
    ]);
    const result = await measure(s, { ...settings, runs: 1 }, log, runner);
    expect(runner).toHaveBeenCalledTimes(3);
    const [, first, second] = s.prepare.mock.calls.map(([count]) => count);
    expect(first).toBe(1000 * 5 * 2 + 40);
    // The estimate becomes max(2 × 1000, 25000 responses / 5 s) = 5000 req/s.
    expect(second).toBe(5000 * 5 * 2 + 40);
    expect(result).toMatchObject({ rps: 4000, errors: 0 });
    expect(result.runs).toHaveLength(1);
    expect(result.runs[0].exhausted).toBe(false);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('inputs ran out'));
  });

  it('gives up after three attempts and reports the last one as exhausted', async () => {
    const log = jest.fn();
    const exhausted = run({ rps: 10, errors: 5, exhausted: true });
    const runner = scripted(run(), [exhausted, exhausted, exhausted, run({ rps: 9999 })]);
    const result = await measure(scenario(), { ...settings, runs: 1 }, log, runner);
    expect(runner).toHaveBeenCalledTimes(4); // warm-up + 3 attempts, never a fourth
    expect(result.runs).toEqual([expect.objectContaining({ exhausted: true, rps: 10 })]);
    expect(result.errors).toBe(5);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('(pool exhausted)'));
  });

  it('does not count the errors of a repeated attempt', async () => {
    const runner = scripted(run(), [run({ errors: 500, exhausted: true }), run({ errors: 1 }), run({ errors: 2 }), run({ errors: 3 })]);
    expect((await measure(scenario(), settings, undefined, runner)).errors).toBe(6);
  });
});

describe('pool', () => {
  it('hands out each item once, in order, then nothing', () => {
    const items = pool(['a', 'b']);
    expect([items.take(), items.take(), items.take()]).toEqual(['a', 'b', undefined]);
  });

  it('is not exhausted when exactly every item was used, and is once one more was asked for', () => {
    const items = pool(['a', 'b']);
    items.take();
    items.take();
    expect(items.exhausted()).toBe(false);
    expect(items.used()).toBe(2);
    items.take();
    expect(items.exhausted()).toBe(true);
    expect(items.used()).toBe(2);
  });

  it('an empty pool is exhausted by the first request', () => {
    const items = pool([]);
    expect(items.exhausted()).toBe(false);
    expect(items.take()).toBeUndefined();
    expect(items.exhausted()).toBe(true);
  });
});

describe('measurePair (with a stand-in for autocannon)', () => {
  const settings = { warmup: 1, duration: 1, runs: 3, connections: 2 };
  const result = (rps) => ({ rps, p50: 1, p99: 2, errors: 0, non2xx: 0, responses: rps, exhausted: false, cpuMicros: null, samples: [] });
  const side = (url) => ({ url, prepare: async () => ({}) });

  it('warms both up, then alternates the runs (A B, B A, A B) and reports each side separately', async () => {
    const order = [];
    const runner = async ({ url }) => {
      order.push(url);
      return result(url === 'a' ? 100 : 50 + order.length);
    };
    const [a, b] = await measurePair(side('a'), side('b'), settings, undefined, runner);
    expect(order).toEqual(['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b']);
    expect(a).toMatchObject({ rps: 100 });
    expect(b).toMatchObject({ runs: [{ rps: 54 }, { rps: 55 }, { rps: 58 }] });
  });

  it('a side that fails becomes { error } and the other is still measured', async () => {
    const runner = async ({ url }) => {
      if (url === 'b') throw new Error('peer crashed');
      return result(10);
    };
    const [a, b] = await measurePair(side('a'), side('b'), settings, undefined, runner);
    expect(a).toMatchObject({ rps: 10, runs: [{}, {}, {}] });
    expect(b).toEqual({ error: 'peer crashed' });
  });
});
