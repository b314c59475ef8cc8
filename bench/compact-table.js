'use strict';

// Prints a compact Markdown table of a results file (for the README's Performance section):
//   node bench/compact-table.js [bench/results/latest.json]
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { fmt } = require('./lib/report');

const file = process.argv[2] ?? join(__dirname, 'results', 'latest.json');
const report = JSON.parse(readFileSync(file, 'utf8'));
const cell = (result, key, digits = 0) => (result && !result.error ? fmt(result[key], digits) : '—');
const lines = [
  '| Scenario | Conns | smart-auth req/s | p99 ms | CPU µs/req | errors | oidc-provider req/s | p99 ms | CPU µs/req | errors | ratio |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...report.rows.map(
    (row) =>
      `| ${row.title} | ${row.connections} | ${cell(row.ours, 'rps')} | ${cell(row.ours, 'p99')} | ${cell(row.ours, 'cpuMicros')} | ${cell(row.ours, 'errors')} | ${cell(row.peer, 'rps')} | ${cell(row.peer, 'p99')} | ${cell(row.peer, 'cpuMicros')} | ${cell(row.peer, 'errors')} | ${row.ratio === null ? '—' : `${row.ratio}×`} |`,
  ),
];
console.log(lines.join('\n'));
