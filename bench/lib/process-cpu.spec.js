'use strict';

const { parseCpuSeconds, processCpuSeconds } = require('./process-cpu');

// /proc/<pid>/stat of a node process: utime (field 14) 250 and stime (field 15) 50 ticks; the fields around
// them (majflt 12, cmajflt 13, cutime 16, cstime 17) hold different values so that an off-by-one shows.
const statOf = (comm) =>
  `4242 (${comm}) S 1 4242 4242 0 -1 4194560 12345 0 7 9 250 50 31 17 20 0 11 0 67605 1234567890 12345 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n`;

describe('parseCpuSeconds', () => {
  it('adds utime and stime and converts ticks to seconds (100 per second)', () => {
    expect(parseCpuSeconds(statOf('node'), 100)).toBe(3);
  });

  it('finds the fields after a command name with spaces and parentheses', () => {
    expect(parseCpuSeconds(statOf('node (worker) x'), 100)).toBe(3);
    expect(parseCpuSeconds(statOf(') ) )'), 100)).toBe(3);
  });

  it('uses the given clock rate', () => {
    expect(parseCpuSeconds(statOf('node'), 1000)).toBeCloseTo(0.3);
  });
});

describe('processCpuSeconds', () => {
  it('is null without a pid or for a process that does not exist', () => {
    expect(processCpuSeconds(undefined)).toBeNull();
    expect(processCpuSeconds(0)).toBeNull();
    expect(processCpuSeconds(2 ** 30)).toBeNull();
  });

  const linux = process.platform === 'linux' ? it : it.skip;
  linux("reads this process's user + system CPU time, as process.cpuUsage() reports it", () => {
    const start = Date.now();
    while (Date.now() - start < 50); // use some CPU
    const seconds = ({ user, system }) => (user + system) / 1e6;
    const before = seconds(process.cpuUsage());
    const fromProc = processCpuSeconds(process.pid);
    const after = seconds(process.cpuUsage());
    // /proc truncates utime and stime to 10 ms ticks each; other threads may run between the readings.
    expect(fromProc).toBeGreaterThanOrEqual(before - 0.025);
    expect(fromProc).toBeLessThanOrEqual(after + 0.005);
  });
});
