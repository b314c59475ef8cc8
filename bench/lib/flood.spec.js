'use strict';

const { setImmediate: nextTurn } = require('node:timers/promises');
const { duringFlood, startFlood } = require('./flood');

describe('startFlood', () => {
  it('keeps at most `concurrency` attempts in flight and counts their labels until stopped', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const flood = startFlood({
      concurrency: 3,
      attempt: async (index) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await nextTurn();
        inFlight -= 1;
        return index % 2 === 0 ? 401 : 503;
      },
    });
    for (let turn = 0; turn < 20; turn += 1) await nextTurn();
    const summary = await flood.stop();
    expect(maxInFlight).toBe(3);
    expect(inFlight).toBe(0);
    expect(summary.attempts).toBeGreaterThanOrEqual(6);
    expect(summary.counts['401'] + summary.counts['503']).toBe(summary.attempts);
  });

  it('counts a rejected attempt as an error and carries on', async () => {
    const flood = startFlood({
      concurrency: 1,
      attempt: async (index) => {
        await nextTurn();
        if (index === 0) throw new Error('refused');
        return 200;
      },
    });
    for (let turn = 0; turn < 5; turn += 1) await nextTurn();
    const summary = await flood.stop();
    expect(summary.counts.error).toBe(1);
    expect(summary.counts['200']).toBeGreaterThanOrEqual(1);
  });
});

describe('duringFlood', () => {
  it('runs the work while the flood runs, stops the flood after it, and reports the summary', async () => {
    let attemptsDuringWork = 0;
    /** @type {import('./flood').FloodSummary | null} */
    let summary = null;
    const result = await duringFlood(
      {
        concurrency: 2,
        attempt: async () => {
          await nextTurn();
          attemptsDuringWork += 1;
          return 401;
        },
        onSummary: (value) => (summary = value),
      },
      async () => {
        for (let turn = 0; turn < 10; turn += 1) await nextTurn();
        return 'measured';
      },
    );
    expect(result).toBe('measured');
    expect(attemptsDuringWork).toBeGreaterThan(0);
    expect(summary.counts['401']).toBe(summary.attempts);
  });

  it('stops the flood when the work throws', async () => {
    /** @type {import('./flood').FloodSummary | null} */
    let summary = null;
    await expect(
      duringFlood(
        {
          concurrency: 1,
          attempt: async () => {
            await nextTurn();
            return 401;
          },
          onSummary: (value) => (summary = value),
        },
        async () => {
          throw new Error('run failed');
        },
      ),
    ).rejects.toThrow('run failed');
    expect(summary).not.toBeNull();
  });
});
