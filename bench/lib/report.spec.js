'use strict';

const { mkdtempSync, readFileSync, rmSync, existsSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { fmt, markdown, markdownTable, ratio, twoProcessSection, write } = require('./report');

/** The cells of one Markdown table line. */
const cells = (line) =>
  line
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());

const figure = (overrides = {}) => ({ rps: 1537, p50: 4.25, p99: 25, errors: 0, non2xx: 0, cpuMicros: 621, ...overrides });

describe('fmt', () => {
  it('prints "—" for a missing value and rounds to the given digits', () => {
    expect(fmt(undefined)).toBe('—');
    expect(fmt(null)).toBe('—');
    expect(fmt(0)).toBe('0');
    expect(fmt(1536.6)).toBe('1537');
    expect(fmt(4.25, 1)).toBe('4.3');
    expect(fmt('12')).toBe('12');
  });
});

describe('ratio', () => {
  it('is ours / peer req/s, rounded to two decimals', () => {
    expect(ratio({ rps: 1537 }, { rps: 1698 })).toBe(0.91);
    expect(ratio({ rps: 2000 }, { rps: 1000 })).toBe(2);
    expect(ratio({ rps: 1000 }, { rps: 3000 })).toBe(0.33);
    expect(ratio({ rps: 0 }, { rps: 1000 })).toBe(0);
  });

  it('is null when a side is missing, failed or measured nothing on the peer', () => {
    expect(ratio(null, { rps: 1000 })).toBeNull();
    expect(ratio({ rps: 1000 }, null)).toBeNull();
    expect(ratio({ rps: 1000 }, { error: 'peer failed' })).toBeNull();
    expect(ratio({ rps: 1000 }, { rps: 0 })).toBeNull();
  });

  // A failed run has no rps; the table must not print "NaN×".
  it('is null when our side failed', () => {
    expect(ratio({ error: 'server crashed' }, { rps: 1000 })).toBeNull();
  });
});

describe('markdownTable', () => {
  const rows = [
    {
      title: 'client_credentials, private_key_jwt RS384',
      connections: 10,
      ours: figure(),
      peer: figure({ rps: 1698, p50: 5, p99: 11.04, cpuMicros: 827, errors: 2, non2xx: 1 }),
      ratio: 0.91,
    },
    { title: 'client_credentials, client_secret_basic', connections: 10, ours: null, peer: figure({ rps: 2546 }), ratio: null },
    { title: 'authorization_code exchange', connections: 10, ours: figure({ cpuMicros: null }), peer: null, ratio: null },
    { title: 'FHIR read', ours: { error: 'boom' }, peer: null, ratio: null },
  ];
  const lines = markdownTable(rows).split('\n');

  it('has a header, a rule and one line per row, all with the same 15 columns', () => {
    expect(lines).toHaveLength(2 + rows.length);
    expect(cells(lines[0])).toEqual([
      'Scenario',
      'Conns',
      'Ours req/s',
      'p50 ms',
      'p99 ms',
      'errors',
      'non-2xx',
      'CPU µs/req',
      'Peer req/s',
      'p50 ms',
      'p99 ms',
      'errors',
      'non-2xx',
      'CPU µs/req',
      'Ours/peer',
    ]);
    expect(cells(lines[1])).toEqual(['---', ...Array(14).fill('---:')]);
    for (const line of lines.slice(2)) expect(cells(line)).toHaveLength(15);
  });

  it('prints both sides and the ratio of a measured row', () => {
    expect(cells(lines[2])).toEqual([
      'client_credentials, private_key_jwt RS384',
      '10',
      '1537',
      '4.3',
      '25.0',
      '0',
      '0',
      '621',
      '1698',
      '5.0',
      '11.0',
      '2',
      '1',
      '827',
      '0.91×',
    ]);
  });

  it('prints "—" for a side with no figure, for a missing CPU figure and for a missing ratio', () => {
    expect(cells(lines[3]).slice(2, 8)).toEqual(Array(6).fill('—'));
    expect(cells(lines[3])[14]).toBe('—');
    expect(cells(lines[4])[7]).toBe('—');
    expect(cells(lines[4]).slice(8, 14)).toEqual(Array(6).fill('—'));
  });

  it('prints "failed" for a side whose run failed, and "—" for missing connections', () => {
    expect(cells(lines[5]).slice(1, 8)).toEqual(['—', 'failed', '—', '—', '—', '—', '—']);
  });
});

describe('twoProcessSection', () => {
  const two = {
    processes: 2,
    rows: [
      {
        title: 'client_credentials, private_key_jwt RS384',
        connections: 10,
        single: { rps: 1500.4 },
        combined: 1611,
        perProcess: [
          { rps: 800, p99: 31.26 },
          { rps: 811, p99: 29 },
        ],
        errors: 0,
      },
      {
        title: 'FHIR read through the guard',
        connections: 10,
        single: null,
        combined: 6000,
        perProcess: [{ p99: 4 }, { p99: 5 }],
        errors: 3,
      },
    ],
    checks: [
      { name: 'a code redeemed at process A is refused at process B', ok: true, detail: 'B: 400 invalid_grant' },
      {
        name: 'an access token revoked at A is inactive at B',
        ok: false,
        detail: 'B still honoured the token 5000 ms after the revocation',
      },
      { name: 'no detail', ok: true },
    ],
  };
  const text = twoProcessSection(two);
  const lines = text.split('\n');

  it('is empty without a multi-process run', () => {
    expect(twoProcessSection(undefined)).toBe('');
    expect(twoProcessSection(null)).toBe('');
  });

  it('has a heading and a table naming the process count', () => {
    expect(lines[0]).toBe('## 2 server processes on one database');
    expect(cells(lines[2])).toEqual([
      'Scenario',
      'Conns per process',
      'One process req/s',
      '2 processes, combined req/s',
      'p99 ms per process',
      'errors',
    ]);
  });

  it('prints one process alone, the combined figure and p99 of each process', () => {
    expect(cells(lines[4])).toEqual(['client_credentials, private_key_jwt RS384', '10', '1500', '1611', '31.3 / 29.0', '0']);
    expect(cells(lines[5])).toEqual(['FHIR read through the guard', '10', '—', '6000', '4.0 / 5.0', '3']);
  });

  it('lists each cross-process check as PASS or FAIL with its detail', () => {
    expect(text).toContain('- PASS — a code redeemed at process A is refused at process B (B: 400 invalid_grant)');
    expect(text).toContain(
      '- FAIL — an access token revoked at A is inactive at B (B still honoured the token 5000 ms after the revocation)',
    );
    expect(lines[lines.length - 1]).toBe('- PASS — no detail');
  });
});

describe('markdown and write', () => {
  const report = (extra = {}) => ({
    generatedAt: '2026-11-22T07:02:00.000Z',
    machine: { cpus: 2, model: 'AMD EPYC', node: 'v20.20.2', platform: 'linux-x64' },
    command: 'npm run bench',
    settings: { runs: 3, duration: 5, warmup: 2 },
    rows: [{ title: 'JWKS', connections: 10, ours: figure({ rps: 29658 }), peer: figure({ rps: 16190 }), ratio: 1.83 }],
    notes: ['a note'],
    targets: [
      { name: 'ratio target', met: true, detail: 'd1' },
      { name: 'p99 target', met: false, detail: 'd2' },
      { name: 'basic target', met: null, detail: 'no figure on one side' },
    ],
    crypto: [{ name: 'RS256 sign, one core (sync)', opsPerSecond: 3450, msPerOp: 0.29 }],
    ...extra,
  });

  it('states the method, and labels targets MET, MISSED or n/a', () => {
    const text = markdown(report());
    expect(text).toContain('median of 3 runs of 5 s after a 2 s warm-up');
    expect(text).toContain('| JWKS | 10 | 29658 |');
    expect(text).toContain('- a note');
    expect(text).toContain(
      '## Targets\n\n- MET — ratio target: d1\n- MISSED — p99 target: d2\n- n/a — basic target: no figure on one side',
    );
    expect(text).toContain('| RS256 sign, one core (sync) | 3450 | 0.29 |');
    expect(text).not.toContain('server processes on one database');
  });

  it('leaves out the Targets section when there are none, and adds the multi-process section when there is one', () => {
    const text = markdown(report({ targets: [], rows: [], twoProcesses: { processes: 3, rows: [], checks: [] } }));
    expect(text).not.toContain('## Targets');
    expect(text).toContain('## 3 server processes on one database');
  });

  it('writes latest.* for one process and latest-N-processes.* for N', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    try {
      expect(write(report(), dir)).toEqual([join(dir, 'latest.json'), join(dir, 'latest.md')]);
      expect(JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')).rows[0].ratio).toBe(1.83);
      expect(readFileSync(join(dir, 'latest.md'), 'utf8')).toBe(markdown(report()));
      const two = report({ twoProcesses: { processes: 2, rows: [], checks: [] } });
      expect(write(two, dir)).toEqual([join(dir, 'latest-2-processes.json'), join(dir, 'latest-2-processes.md')]);
      expect(existsSync(join(dir, 'latest-2-processes.md'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
