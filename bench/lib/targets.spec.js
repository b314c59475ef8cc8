'use strict';

// The targets of issue 7 (bench/README.md, README "Targets of issue 7"), judged from synthetic rows.
const { ratio } = require('./report');
const { evaluateTargets } = require('./targets');

const TITLES = {
  'cc-basic': 'client_credentials, client_secret_basic',
  'cc-private-key-jwt-rs384': 'client_credentials, private_key_jwt RS384',
  'cc-private-key-jwt-es384': 'client_credentials, private_key_jwt ES384',
  'cc-private-key-jwt-rs384-c50': 'client_credentials, private_key_jwt RS384, high concurrency',
  'cc-basic-c50': 'client_credentials, client_secret_basic, high concurrency',
  'cc-rs256-access-tokens': 'client_credentials, private_key_jwt RS384, RS256 access tokens (like the peer)',
  'introspect-active': 'Introspection, active token (client_secret_basic caller)',
  'fhir-read': 'FHIR read through the guard, GET /fhir/Patient/{id}',
  'fhir-read-unguarded': 'Same FHIR read without the guard (bench-only server, same store call)',
};
const RS256_CEILING = 'RS256 sign, one core (sync)';

const figure = (rps, extra = {}) => ({ rps, p50: 2, p99: 10, errors: 0, non2xx: 0, cpuMicros: null, ...extra });
/** A result row as run.js builds it (the ratio through report.ratio). */
const row = (id, ours, peer = null, connections = id.endsWith('-c50') ? 50 : 10) => ({
  id,
  title: TITLES[id],
  connections,
  ours,
  peer,
  ratio: ratio(ours, peer),
  notes: [],
});
const evaluate = (rows, crypto = []) => evaluateTargets({ rows, crypto });
const only = (targets, fragment) => {
  const found = targets.filter((target) => target.name.includes(fragment));
  expect(found).toHaveLength(1);
  return found[0];
};

describe('ratio targets (≥ 1.5× and ≥ 2× oidc-provider)', () => {
  const rs384 = (ours, peer) =>
    only(evaluate([row('cc-private-key-jwt-rs384', figure(ours), figure(peer))]), 'private_key_jwt RS384) ≥ 1.5×');

  it('is MET at exactly 1.5×', () => {
    expect(rs384(1500, 1000).met).toBe(true);
    expect(rs384(2547, 1698).met).toBe(true);
  });

  it('is MISSED just below 1.5×, even where the printed ratio rounds up to 1.5', () => {
    const target = rs384(1499, 1000);
    expect(target.met).toBe(false);
    expect(target.detail).toBe('ours 1499/s vs peer 1000/s = 1.5× (target 1.5×)');
  });

  it('is MISSED when ours is slower than the peer, and MET well above', () => {
    expect(rs384(1537, 1698).met).toBe(false);
    expect(rs384(4000, 1000).met).toBe(true);
  });

  it('judges Basic client_credentials at 1.5× and introspection at 2×', () => {
    const targets = evaluate([row('cc-basic', figure(1500), figure(1000)), row('introspect-active', figure(2000), figure(1000))]);
    expect(only(targets, 'client_credentials (Basic) ≥ 1.5×').met).toBe(true);
    expect(only(targets, 'introspection of an active token ≥ 2×').met).toBe(true);
    const below = evaluate([row('introspect-active', figure(1999), figure(1000))]);
    expect(only(below, 'introspection of an active token ≥ 2×').met).toBe(false);
    expect(only(below, 'introspection of an active token ≥ 2×').detail).toContain('(target 2×)');
  });

  it('is n/a when one side has no figure, failed, or measured no correct response', () => {
    for (const [ours, peer] of [
      [null, figure(2546)], // smart-auth refuses Basic client_credentials by design
      [figure(1500), null],
      [{ error: 'server crashed' }, figure(1000)],
      [figure(1500), { error: 'peer crashed' }],
      [figure(0), figure(1000)],
    ]) {
      const target = only(evaluate([row('cc-basic', ours, peer)]), 'client_credentials (Basic)');
      expect(target).toEqual({
        name: 'client_credentials (Basic) ≥ 1.5× oidc-provider in-memory',
        met: null,
        detail: 'no figure on one side',
      });
    }
  });

  it('is left out when the row did not run (BENCH_ONLY)', () => {
    expect(evaluate([])).toEqual([]);
  });
});

describe('latency targets (p99 < 20 ms at 10 connections, < 50 ms at 50)', () => {
  const p99 = (id, value) => evaluate([row(id, figure(1000, { p99: value }))]).filter((target) => target.name.startsWith('p99'));

  it('is MET just under 20 ms and MISSED at exactly 20 ms', () => {
    expect(p99('cc-private-key-jwt-rs384', 19.99)).toEqual([
      { name: 'p99 < 20 ms at 10 connections (client_credentials, private_key_jwt RS384)', met: true, detail: 'p99 19.99 ms' },
    ]);
    expect(p99('cc-private-key-jwt-rs384', 20)[0].met).toBe(false);
    expect(p99('cc-private-key-jwt-es384', 20)[0].met).toBe(false);
    expect(p99('cc-private-key-jwt-es384', 12)[0].met).toBe(true);
    expect(p99('cc-basic', 20)[0].met).toBe(false);
  });

  it('judges the high-concurrency rows against 50 ms, MISSED at exactly 50 ms', () => {
    expect(p99('cc-private-key-jwt-rs384-c50', 30)).toEqual([
      {
        name: 'p99 < 50 ms at 50 connections (client_credentials, private_key_jwt RS384, high concurrency)',
        met: true,
        detail: 'p99 30 ms',
      },
    ]);
    expect(p99('cc-private-key-jwt-rs384-c50', 49.9)[0].met).toBe(true);
    expect(p99('cc-private-key-jwt-rs384-c50', 50)[0].met).toBe(false);
    expect(p99('cc-basic-c50', 50)[0].met).toBe(false);
  });

  it('names the connections the row ran at', () => {
    expect(evaluate([row('cc-private-key-jwt-rs384', figure(1000), null, 16)])[1].name).toBe(
      'p99 < 20 ms at 16 connections (client_credentials, private_key_jwt RS384)',
    );
  });

  it('has no latency target for a row with no figure of ours (Basic is not offered by smart-auth)', () => {
    expect(evaluate([row('cc-basic', null, figure(2546))]).filter((target) => target.name.startsWith('p99'))).toEqual([]);
    expect(evaluate([row('cc-basic-c50', { error: 'failed' })])).toEqual([]);
  });

  it('does not judge rows without a latency target', () => {
    expect(evaluate([row('introspect-active', figure(1000, { p99: 500 }))]).filter((target) => target.name.startsWith('p99'))).toEqual([]);
  });
});

describe('token issuance per core ≥ 75% of the RS256 signing ceiling', () => {
  const ceiling = (opsPerSecond) => [{ name: RS256_CEILING, opsPerSecond, msPerOp: 1000 / opsPerSecond }];
  const issuance = (rows, crypto) => evaluate(rows, crypto).find((target) => target.name.startsWith('token issuance'));

  it('uses the server CPU per token when there is one: MET at exactly 75%', () => {
    // 1e6 / 333 µs ≈ 3003 tokens per CPU-second; 3003 / 4004 = 0.75.
    const target = issuance([row('cc-rs256-access-tokens', figure(1192, { cpuMicros: 333 }))], ceiling(4004));
    expect(target.met).toBe(true);
    expect(target.detail).toBe(
      'client_credentials, private_key_jwt RS384, RS256 access tokens (like the peer): 3003 tokens per CPU-second of the server (1192/s measured) vs 4004 RS256 signatures/s on one core = 75%',
    );
  });

  it('is MISSED just below 75%', () => {
    expect(issuance([row('cc-rs256-access-tokens', figure(1192, { cpuMicros: 334 }))], ceiling(4004)).met).toBe(false); // 2994 / 4004
    expect(issuance([row('cc-rs256-access-tokens', figure(1192, { cpuMicros: 886 }))], ceiling(3450)).met).toBe(false); // 33%
  });

  it('judges CPU per token, not req/s, when the CPU figure exists', () => {
    expect(issuance([row('cc-rs256-access-tokens', figure(500, { cpuMicros: 250 }))], ceiling(4000)).met).toBe(true);
  });

  it('falls back to req/s without a CPU figure', () => {
    expect(issuance([row('cc-rs256-access-tokens', figure(3003))], ceiling(4004)).met).toBe(true);
    expect(issuance([row('cc-rs256-access-tokens', figure(3002))], ceiling(4004)).met).toBe(false);
  });

  it('prefers the RS256-access-token row and falls back to the RS384 row', () => {
    const both = [row('cc-private-key-jwt-rs384', figure(3500)), row('cc-rs256-access-tokens', figure(1000))];
    expect(issuance(both, ceiling(4000)).met).toBe(false);
    expect(issuance([row('cc-private-key-jwt-rs384', figure(3500))], ceiling(4000))).toMatchObject({
      met: true,
      detail: expect.stringContaining(TITLES['cc-private-key-jwt-rs384']),
    });
  });

  it('is left out without the crypto ceiling or without a figure of ours', () => {
    expect(issuance([row('cc-rs256-access-tokens', figure(3000))], [])).toBeUndefined();
    expect(
      issuance([row('cc-rs256-access-tokens', figure(3000))], [{ name: 'RS256 sign, thread pool', opsPerSecond: 10 }]),
    ).toBeUndefined();
    expect(issuance([row('cc-rs256-access-tokens', { error: 'failed' })], ceiling(4000))).toBeUndefined();
  });
});

describe('a guarded FHIR read costs ≤ 15% of the unguarded read', () => {
  const guard = (guarded, unguarded) =>
    evaluate([row('fhir-read', guarded), row('fhir-read-unguarded', unguarded)]).find((target) =>
      target.name.startsWith('a guarded FHIR read'),
    );

  it('is MET under 15% and MISSED above', () => {
    expect(guard(figure(9000), figure(10000)).met).toBe(true);
    expect(guard(figure(8400), figure(10000)).met).toBe(false);
    expect(guard(figure(6412), figure(7192)).met).toBe(true); // 11%
  });

  it('is MET when the guarded read is not slower', () => {
    expect(guard(figure(10500), figure(10000)).met).toBe(true);
  });

  // 1 - 8500/10000 is 0.15000000000000002 in floating point.
  it('is MET at exactly 15%', () => {
    expect(guard(figure(8500), figure(10000)).met).toBe(true);
  });

  it('adds the CPU share of the guard when both CPU figures exist', () => {
    expect(guard(figure(6412, { cpuMicros: 118 }), figure(7192, { cpuMicros: 105 })).detail).toBe(
      "6412/s guarded vs 7192/s unguarded: 11% less throughput; the guard is 11% of the guarded read's server CPU (118 vs 105 µs)",
    );
    expect(guard(figure(6412), figure(7192)).detail).toBe('6412/s guarded vs 7192/s unguarded: 11% less throughput');
  });

  it('is left out when either read has no figure', () => {
    expect(guard(figure(9000), null)).toBeUndefined();
    expect(guard({ error: 'failed' }, figure(10000))).toBeUndefined();
    expect(evaluate([row('fhir-read', figure(9000))])).toEqual([]);
  });
});

describe('ES384 client assertions reported separately', () => {
  it('is MET whenever the ES384 row has a figure of ours, and left out otherwise', () => {
    const targets = evaluate([row('cc-private-key-jwt-es384', figure(1018, { p99: 25 }), figure(1070))]);
    expect(targets.find((target) => target.name.startsWith('ES384'))).toEqual({
      name: 'ES384 client assertions reported separately from RS384',
      met: true,
      detail: 'ours 1018/s, p99 25 ms',
    });
    expect(evaluate([row('cc-private-key-jwt-es384', { error: 'failed' })])).toEqual([]);
  });
});

describe('a whole run', () => {
  it('lists the targets in a fixed order', () => {
    const rows = [
      row('cc-basic', null, figure(2546)),
      row('cc-private-key-jwt-rs384', figure(1537, { p99: 25 }), figure(1698)),
      row('cc-private-key-jwt-es384', figure(1018, { p99: 25 }), figure(1070)),
      row('cc-private-key-jwt-rs384-c50', figure(1568, { p99: 64 })),
      row('cc-basic-c50', null, figure(2700)),
      row('cc-rs256-access-tokens', figure(1192, { cpuMicros: 886 }), figure(1698)),
      row('introspect-active', figure(8684), figure(8426)),
      row('fhir-read', figure(6412)),
      row('fhir-read-unguarded', figure(7192)),
    ];
    const targets = evaluate(rows, [{ name: RS256_CEILING, opsPerSecond: 3450, msPerOp: 0.29 }]);
    expect(targets.map((target) => [target.met, target.name])).toEqual([
      [null, 'client_credentials (Basic) ≥ 1.5× oidc-provider in-memory'],
      [false, 'client_credentials (private_key_jwt RS384) ≥ 1.5× oidc-provider in-memory'],
      [false, 'introspection of an active token ≥ 2× oidc-provider in-memory'],
      [false, 'p99 < 20 ms at 10 connections (client_credentials, private_key_jwt RS384)'],
      [false, 'p99 < 20 ms at 10 connections (client_credentials, private_key_jwt ES384)'],
      [false, 'p99 < 50 ms at 50 connections (client_credentials, private_key_jwt RS384, high concurrency)'],
      [false, 'token issuance per core ≥ 75% of the RS256 signing ceiling'],
      [true, 'a guarded FHIR read costs ≤ 15% of the unguarded read'],
      [true, 'ES384 client assertions reported separately from RS384'],
    ]);
  });
});
