'use strict';

// CPU used by all PostgreSQL processes on this machine, per second, sampled from /proc (Linux). Run it beside
// a benchmark and divide by the req/s of the run to get PostgreSQL CPU µs per request. Usage:
//   node bench/profile/postgres-cpu.js [seconds=20]
const { readdirSync, readFileSync } = require('node:fs');
const { parseCpuSeconds } = require('../lib/process-cpu');

const TICKS = Number(process.env.BENCH_CLK_TCK ?? 100);

function postgresCpuSeconds() {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/^\d+ \(postgres\)/.test(stat)) total += parseCpuSeconds(stat, TICKS) ?? 0;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}

async function main() {
  const seconds = Number(process.argv[2] ?? 20);
  let previous = postgresCpuSeconds();
  for (let second = 1; second <= seconds; second += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = postgresCpuSeconds();
    // A process that exited takes its CPU time with it; a negative step is reported as unknown.
    const used = now - previous;
    process.stdout.write(`${second}s ${used >= 0 ? `${(used * 1000).toFixed(0)} ms CPU` : 'unknown (a process exited)'}\n`);
    previous = now;
  }
}

main();
