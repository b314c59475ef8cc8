'use strict';

// The targets of issue 7, evaluated from one run's figures. `met` is null when a figure is missing.
function evaluateTargets(report) {
  const row = (id) => report.rows.find((entry) => entry.id === id);
  const ok = (result) => result && !result.error && result.rps > 0;
  const targets = [];
  const ratioTarget = (id, factor, name) => {
    const entry = row(id);
    if (!entry) return;
    const met = ok(entry.ours) && ok(entry.peer) ? entry.ours.rps >= factor * entry.peer.rps : null;
    targets.push({
      name,
      met,
      detail:
        met === null
          ? 'no figure on one side'
          : `ours ${entry.ours.rps}/s vs peer ${entry.peer.rps}/s = ${entry.ratio}× (target ${factor}×)`,
    });
  };
  ratioTarget('cc-basic', 1.5, 'client_credentials (Basic) ≥ 1.5× oidc-provider in-memory');
  ratioTarget('cc-private-key-jwt-rs384', 1.5, 'client_credentials (private_key_jwt RS384) ≥ 1.5× oidc-provider in-memory');
  ratioTarget('introspect-active', 2, 'introspection of an active token ≥ 2× oidc-provider in-memory');

  for (const id of ['cc-basic', 'cc-private-key-jwt-rs384', 'cc-private-key-jwt-es384']) {
    const entry = row(id);
    if (entry && ok(entry.ours)) {
      targets.push({
        name: `p99 < 20 ms at ${entry.connections} connections (${entry.title})`,
        met: entry.ours.p99 < 20,
        detail: `p99 ${entry.ours.p99} ms`,
      });
    }
  }
  for (const id of ['cc-basic-c50', 'cc-private-key-jwt-rs384-c50']) {
    const entry = row(id);
    if (entry && ok(entry.ours)) {
      targets.push({
        name: `p99 < 50 ms at ${entry.connections} connections (${entry.title})`,
        met: entry.ours.p99 < 50,
        detail: `p99 ${entry.ours.p99} ms`,
      });
    }
  }

  const ceiling = report.crypto.find((item) => item.name === 'RS256 sign, one core (sync)');
  const issuance = row('cc-rs256-access-tokens') ?? row('cc-private-key-jwt-rs384');
  if (ceiling && issuance && ok(issuance.ours)) {
    // Per core = 1 s of server CPU / CPU per request (all its threads), when /proc gave the CPU figure.
    const perCore = issuance.ours.cpuMicros ? Math.round(1e6 / issuance.ours.cpuMicros) : issuance.ours.rps;
    const share = perCore / ceiling.opsPerSecond;
    targets.push({
      name: 'token issuance per core ≥ 75% of the RS256 signing ceiling',
      met: share >= 0.75,
      detail: `${issuance.title}: ${perCore} tokens per CPU-second of the server (${issuance.ours.rps}/s measured) vs ${ceiling.opsPerSecond} RS256 signatures/s on one core = ${(share * 100).toFixed(0)}%`,
    });
  }

  const guarded = row('fhir-read');
  const unguarded = row('fhir-read-unguarded');
  if (guarded && unguarded && ok(guarded.ours) && ok(unguarded.ours)) {
    const cost = 1 - guarded.ours.rps / unguarded.ours.rps;
    const cpu = guarded.ours.cpuMicros && unguarded.ours.cpuMicros ? 1 - unguarded.ours.cpuMicros / guarded.ours.cpuMicros : null;
    targets.push({
      name: 'a guarded FHIR read costs ≤ 15% of the unguarded read',
      // Whole per mille, so that exactly 15 % is not lost to floating point (1 - 0.85 > 0.15).
      met: Math.round(cost * 1000) <= 150,
      detail: `${guarded.ours.rps}/s guarded vs ${unguarded.ours.rps}/s unguarded: ${(cost * 100).toFixed(0)}% less throughput${cpu === null ? '' : `; the guard is ${(cpu * 100).toFixed(0)}% of the guarded read's server CPU (${guarded.ours.cpuMicros} vs ${unguarded.ours.cpuMicros} µs)`}`,
    });
  }
  const es384 = row('cc-private-key-jwt-es384');
  if (es384 && ok(es384.ours)) {
    targets.push({
      name: 'ES384 client assertions reported separately from RS384',
      met: true,
      detail: `ours ${es384.ours.rps}/s, p99 ${es384.ours.p99} ms`,
    });
  }
  return targets;
}

module.exports = { evaluateTargets };
