'use strict';

// bench/compact-table.js is a script: run it on a fixture results file and read what it prints.
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const cells = (line) =>
  line
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());

describe('compact-table.js', () => {
  let lines;

  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-compact-'));
    try {
      const file = join(dir, 'results.json');
      writeFileSync(
        file,
        JSON.stringify({
          rows: [
            {
              title: 'JWKS',
              connections: 10,
              ours: { rps: 29657.6, p99: 1.4, cpuMicros: 30, errors: 0 },
              peer: { rps: 16190, p99: 5, cpuMicros: 68, errors: 2 },
              ratio: 1.83,
            },
            {
              title: 'client_credentials, client_secret_basic',
              connections: 10,
              ours: null,
              peer: { rps: 2546, p99: 9, cpuMicros: 585, errors: 0 },
              ratio: null,
            },
            { title: 'FHIR read', connections: 50, ours: { error: 'server crashed' }, peer: null, ratio: null },
            { title: 'no CPU figure', connections: 10, ours: { rps: 100, p99: 3, cpuMicros: null, errors: 7 }, peer: null, ratio: null },
          ],
        }),
      );
      lines = execFileSync(process.execPath, [join(__dirname, 'compact-table.js'), file], { encoding: 'utf8' })
        .trimEnd()
        .split('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints a header, a rule and one line per row, all with 11 columns', () => {
    expect(cells(lines[0])).toEqual([
      'Scenario',
      'Conns',
      'smart-auth req/s',
      'p99 ms',
      'CPU µs/req',
      'errors',
      'oidc-provider req/s',
      'p99 ms',
      'CPU µs/req',
      'errors',
      'ratio',
    ]);
    expect(cells(lines[1])).toEqual(['---', ...Array(10).fill('---:')]);
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(cells(line)).toHaveLength(11);
  });

  it('prints both sides, rounded, and the ratio', () => {
    expect(cells(lines[2])).toEqual(['JWKS', '10', '29658', '1', '30', '0', '16190', '5', '68', '2', '1.83×']);
  });

  it('prints "—" for a side with no figure or a failed run, a missing CPU figure and a missing ratio', () => {
    expect(cells(lines[3])).toEqual(['client_credentials, client_secret_basic', '10', '—', '—', '—', '—', '2546', '9', '585', '0', '—']);
    expect(cells(lines[4])).toEqual(['FHIR read', '50', '—', '—', '—', '—', '—', '—', '—', '—', '—']);
    expect(cells(lines[5])).toEqual(['no CPU figure', '10', '100', '3', '—', '7', '—', '—', '—', '—', '—']);
  });
});
