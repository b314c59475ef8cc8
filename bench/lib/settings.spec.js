'use strict';

const { join } = require('node:path');
const { readSettings } = require('./settings');

const VARIABLES = [
  'BENCH_DURATION',
  'BENCH_WARMUP',
  'BENCH_RUNS',
  'BENCH_CONNECTIONS',
  'BENCH_HIGH_CONNECTIONS',
  'BENCH_PROCESSES',
  'BENCH_ONLY',
  'BENCH_SKIP_PEER',
  'BENCH_LOG_LEVEL',
  'BENCH_ACCESS_TOKEN_ALG',
  'DATABASE_URL',
  'BENCH_RESULTS_DIR',
  'BENCH_CPU_PROF_DIR',
];
const saved = {};

beforeEach(() => {
  for (const name of VARIABLES) {
    saved[name] = process.env[name];
    delete process.env[name];
  }
});

afterEach(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

const withEnv = (env) => {
  Object.assign(process.env, env);
  return readSettings();
};

describe('readSettings', () => {
  it('has the documented defaults', () => {
    expect(readSettings()).toEqual({
      duration: 5,
      warmup: 2,
      runs: 3,
      connections: 10,
      highConnections: 50,
      pipelining: 1,
      processes: 1,
      only: [],
      large: false,
      skipPeer: false,
      logLevel: 'warn',
      accessTokenAlg: 'ES256',
      databaseUrl: undefined,
      resultsDir: join(__dirname, '..', 'results'),
      cpuProfileDir: undefined,
    });
  });

  it('turns the search-at-scale rows on with BENCH_LARGE=1', () => {
    expect(withEnv({ BENCH_LARGE: '1' })).toMatchObject({ large: true });
    expect(withEnv({ BENCH_LARGE: '0' })).toMatchObject({ large: false });
  });

  it('treats an empty variable as unset', () => {
    expect(withEnv({ BENCH_DURATION: '', BENCH_PROCESSES: '', BENCH_ONLY: '', BENCH_LOG_LEVEL: '', DATABASE_URL: '' })).toMatchObject({
      duration: 5,
      processes: 1,
      only: [],
      logLevel: 'warn',
      databaseUrl: undefined,
    });
  });

  it('reads numbers, keeping fractional seconds and rounding counts', () => {
    expect(
      withEnv({ BENCH_DURATION: '0.5', BENCH_WARMUP: '1.5', BENCH_RUNS: '5', BENCH_CONNECTIONS: '16.4', BENCH_HIGH_CONNECTIONS: '100' }),
    ).toMatchObject({
      duration: 0.5,
      warmup: 1.5,
      runs: 5,
      connections: 16,
      highConnections: 100,
    });
  });

  it.each([
    ['2', 2],
    ['4', 4],
    ['2.4', 2],
    [' 3 ', 3],
  ])('reads BENCH_PROCESSES=%j as %d', (raw, processes) => {
    expect(withEnv({ BENCH_PROCESSES: raw }).processes).toBe(processes);
  });

  it.each(['0', '-1', 'two', 'Infinity', 'NaN', '2x'])('refuses BENCH_PROCESSES=%j', (raw) => {
    process.env.BENCH_PROCESSES = raw;
    expect(() => readSettings()).toThrow(`BENCH_PROCESSES must be a positive number, got ${JSON.stringify(raw)}`);
  });

  it.each(['BENCH_DURATION', 'BENCH_WARMUP', 'BENCH_RUNS', 'BENCH_CONNECTIONS', 'BENCH_HIGH_CONNECTIONS'])(
    'refuses a non-positive %s',
    (name) => {
      process.env[name] = '0';
      expect(() => readSettings()).toThrow(new RegExp(`^${name} must be a positive number`));
      process.env[name] = 'abc';
      expect(() => readSettings()).toThrow(name);
    },
  );

  // 0 < BENCH_RUNS < 0.5 would round to 0 runs (a median of nothing).
  it('refuses a BENCH_RUNS that rounds to no run at all', () => {
    process.env.BENCH_RUNS = '0.4';
    expect(() => readSettings()).toThrow('BENCH_RUNS');
  });

  it.each([
    ['jwks', ['jwks']],
    ['jwks,cc-basic', ['jwks', 'cc-basic']],
    [' jwks , fhir-read ', ['jwks', 'fhir-read']],
    ['jwks fhir-read\tcrypto', ['jwks', 'fhir-read', 'crypto']],
    [',,jwks,,', ['jwks']],
    [' , ', []],
  ])('splits BENCH_ONLY=%j into %j', (raw, only) => {
    expect(withEnv({ BENCH_ONLY: raw }).only).toEqual(only);
  });

  it('skips the peer only for BENCH_SKIP_PEER=true', () => {
    expect(withEnv({ BENCH_SKIP_PEER: 'true' }).skipPeer).toBe(true);
    expect(withEnv({ BENCH_SKIP_PEER: 'false' }).skipPeer).toBe(false);
  });

  it('passes strings through', () => {
    expect(
      withEnv({
        BENCH_LOG_LEVEL: 'info',
        BENCH_ACCESS_TOKEN_ALG: 'RS256',
        DATABASE_URL: 'postgres://u@h/db',
        BENCH_RESULTS_DIR: '/tmp/r',
        BENCH_CPU_PROF_DIR: '/tmp/p',
      }),
    ).toMatchObject({
      logLevel: 'info',
      accessTokenAlg: 'RS256',
      databaseUrl: 'postgres://u@h/db',
      resultsDir: '/tmp/r',
      cpuProfileDir: '/tmp/p',
    });
  });
});
