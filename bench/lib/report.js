'use strict';

const { mkdirSync, writeFileSync } = require('node:fs');
const { cpus } = require('node:os');
const { join } = require('node:path');

const fmt = (value, digits = 0) => (value === undefined || value === null ? '—' : Number(value).toFixed(digits));
// A side that failed has no rps: no ratio rather than NaN.
const ratio = (ours, peer) =>
  Number.isFinite(ours?.rps) && Number.isFinite(peer?.rps) && peer.rps > 0 ? Number((ours.rps / peer.rps).toFixed(2)) : null;

function machine() {
  const list = cpus();
  return { cpus: list.length, model: list[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}` };
}

function side(result) {
  if (!result) return ['—', '—', '—', '—', '—', '—'];
  if (result.error) return ['failed', '—', '—', '—', '—', '—'];
  return [fmt(result.rps), fmt(result.p50, 1), fmt(result.p99, 1), fmt(result.errors), fmt(result.non2xx), fmt(result.cpuMicros)];
}

function markdownTable(rows) {
  const head =
    '| Scenario | Conns | Ours req/s | p50 ms | p99 ms | errors | non-2xx | CPU µs/req | Peer req/s | p50 ms | p99 ms | errors | non-2xx | CPU µs/req | Ours/peer |';
  const rule = '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const lines = rows.map(
    (row) =>
      `| ${row.title} | ${row.connections ?? '—'} | ${side(row.ours).join(' | ')} | ${side(row.peer).join(' | ')} | ${row.ratio === null ? '—' : `${row.ratio}×`} |`,
  );
  return [head, rule, ...lines].join('\n');
}

function cryptoTable(rows) {
  return [
    '| Operation | ops/s | ms/op |',
    '|---|---:|---:|',
    ...rows.map((row) => `| ${row.name} | ${row.opsPerSecond} | ${row.msPerOp} |`),
  ].join('\n');
}

function twoProcessSection(two) {
  if (!two) return '';
  const lines = [
    `## ${two.processes} server processes on one database`,
    '',
    `| Scenario | Conns per process | One process req/s | ${two.processes} processes, combined req/s | p99 ms per process | errors |`,
    '|---|---:|---:|---:|---:|---:|',
    ...two.rows.map(
      (row) =>
        `| ${row.title} | ${row.connections} | ${fmt(row.single?.rps)} | ${fmt(row.combined)} | ${row.perProcess.map((p) => fmt(p.p99, 1)).join(' / ')} | ${row.errors} |`,
    ),
    '',
    'Correctness across processes (checked while the load above ran):',
    '',
    ...two.checks.map((check) => `- ${check.ok ? 'PASS' : 'FAIL'} — ${check.name}${check.detail ? ` (${check.detail})` : ''}`),
  ];
  return lines.join('\n');
}

function markdown(report) {
  return [
    `# Benchmark results`,
    '',
    `${report.generatedAt} · ${report.machine.cpus} × ${report.machine.model} · Node ${report.machine.node} · command: \`${report.command}\``,
    '',
    `Each figure is the median of ${report.settings.runs} runs of ${report.settings.duration} s after a ${report.settings.warmup} s warm-up; errors and non-2xx are totals over the measured runs. A response with an unexpected status or body counts as an error, never as throughput. CPU µs/req is the server process's CPU time (all threads) per response, from /proc: on a machine whose cores are shared with the load generator and PostgreSQL it is the steadier figure (1,000,000 / CPU µs/req ≈ requests per second per core). It excludes PostgreSQL's own CPU.`,
    '',
    report.rows.length ? markdownTable(report.rows) : '',
    '',
    ...report.notes.map((note) => `- ${note}`),
    '',
    report.targets.length
      ? `## Targets\n\n${report.targets.map((t) => `- ${t.met === null ? 'n/a' : t.met ? 'MET' : 'MISSED'} — ${t.name}: ${t.detail}`).join('\n')}`
      : '',
    '',
    '## Crypto ceiling (this machine)',
    '',
    cryptoTable(report.crypto),
    '',
    twoProcessSection(report.twoProcesses),
    '',
  ].join('\n');
}

/** latest.json / latest.md; a BENCH_PROCESSES=N run writes latest-N-processes.* instead. */
function write(report, dir) {
  mkdirSync(dir, { recursive: true });
  const base = report.twoProcesses ? `latest-${report.twoProcesses.processes}-processes` : 'latest';
  writeFileSync(join(dir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, `${base}.md`), markdown(report));
  return [join(dir, `${base}.json`), join(dir, `${base}.md`)];
}

module.exports = { fmt, machine, markdown, markdownTable, ratio, twoProcessSection, write };
