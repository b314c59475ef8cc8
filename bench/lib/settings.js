'use strict';

// Every knob of the benchmark, read once from the environment.
function positiveNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

function positiveInteger(name, fallback) {
  const value = Math.round(positiveNumber(name, fallback));
  if (value < 1) throw new Error(`${name} must be at least 1, got ${JSON.stringify(process.env[name])}`);
  return value;
}

function list(name) {
  return (process.env[name] ?? '')
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);
}

function readSettings() {
  return {
    /** Seconds per measured run; each figure is the median of `runs` runs. */
    duration: positiveNumber('BENCH_DURATION', 5),
    warmup: positiveNumber('BENCH_WARMUP', 2),
    runs: positiveInteger('BENCH_RUNS', 3),
    connections: positiveInteger('BENCH_CONNECTIONS', 10),
    /** Connections of the high-concurrency client_credentials row (p99 target under 50 ms). */
    highConnections: positiveInteger('BENCH_HIGH_CONNECTIONS', 50),
    pipelining: 1,
    processes: positiveInteger('BENCH_PROCESSES', 1),
    only: list('BENCH_ONLY'),
    /** Also run the search-at-scale rows (loads 200,000 Observations into the database). */
    large: process.env.BENCH_LARGE === '1' || process.env.BENCH_LARGE === 'true',
    skipPeer: process.env.BENCH_SKIP_PEER === 'true',
    logLevel: process.env.BENCH_LOG_LEVEL || 'warn',
    accessTokenAlg: process.env.BENCH_ACCESS_TOKEN_ALG || 'ES256',
    databaseUrl: process.env.DATABASE_URL || undefined,
    resultsDir: process.env.BENCH_RESULTS_DIR || require('node:path').join(__dirname, '..', 'results'),
    cpuProfileDir: process.env.BENCH_CPU_PROF_DIR || undefined,
  };
}

module.exports = { readSettings };
