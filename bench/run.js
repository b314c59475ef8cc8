'use strict';

// Entry point of `npm run bench`. See bench/README.md.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { measureCryptoCeiling } = require('./lib/crypto-ceiling');
const { measure, measurePair } = require('./lib/load');
const { makeWorkDir, ROOT, startDatabase, startOurServers } = require('./lib/our-server');
const { machine, markdownTable, ratio, twoProcessSection, write } = require('./lib/report');
const { readSettings } = require('./lib/settings');
const { evaluateTargets } = require('./lib/targets');
const { startBareNest } = require('./scenarios/ceiling-scenarios');
const { prepareOurs } = require('./scenarios/our-scenarios');
const { startPeer } = require('./scenarios/peer-scenarios');
const { ROWS } = require('./scenarios/rows');
const { runTwoProcesses } = require('./two-processes');

const log = (line) => process.stdout.write(`${line}\n`);

function command(settings) {
  const env = [
    'BENCH_LARGE',
    'BENCH_DURATION',
    'BENCH_WARMUP',
    'BENCH_RUNS',
    'BENCH_CONNECTIONS',
    'BENCH_HIGH_CONNECTIONS',
    'BENCH_ONLY',
    'BENCH_PROCESSES',
    'BENCH_LOG_LEVEL',
    'BENCH_ACCESS_TOKEN_ALG',
    'JTI_COMMIT',
  ]
    .filter((name) => process.env[name])
    .map((name) => `${name}=${process.env[name]}`);
  if (settings.databaseUrl) env.push('DATABASE_URL=…');
  return [...env, 'npm run bench'].join(' ');
}

async function main() {
  const settings = readSettings();
  if (!existsSync(join(ROOT, 'dist', 'src', 'main.js')))
    throw new Error('dist/src/main.js is missing: run `npm run build` first (npm run bench does)');
  const selected = (id) => settings.only.length === 0 || settings.only.includes(id);
  const rows = ROWS.filter((row) => (row.optional || (row.scale && !settings.large) ? settings.only.includes(row.id) : selected(row.id)));
  const stops = [];
  const work = makeWorkDir();
  const report = {
    generatedAt: new Date().toISOString(),
    machine: machine(),
    command: command(settings),
    settings: { ...settings, databaseUrl: settings.databaseUrl ? '(set)' : undefined },
    notes: [
      'smart-auth runs as `node dist/src/main.js` with NODE_ENV=development (production requires an https PUBLIC_URL; this harness talks HTTP over loopback) and LOG_LEVEL=warn; its state (assertion jtis, codes, refresh tokens, revocations) is durable in PostgreSQL.',
      "The load generator (autocannon, in this process), PostgreSQL and the server share the machine's cores.",
      'The peer is node-oidc-provider with its in-memory adapter (nothing durable), RS256 JWT access tokens; its introspection rows use a second resource with opaque tokens because it does not introspect JWT access tokens.',
    ],
    crypto: [],
    rows: [],
    targets: [],
  };
  try {
    if (selected('crypto')) {
      log('Crypto ceiling …');
      report.crypto = await measureCryptoCeiling(1);
      for (const row of report.crypto) log(`  ${row.name}: ${row.opsPerSecond}/s (${row.msPerOp} ms)`);
    }
    const needDatabase = settings.processes >= 2 || rows.some((row) => !row.ceiling);
    const database = needDatabase ? await startDatabase(settings, work.dir) : null;
    if (database) {
      log(`Database: ${database.description}`);
      stops.push(() => database.stop());
    }

    if (settings.processes >= 2) {
      report.twoProcesses = await runTwoProcesses({ settings, databaseUrl: database.url, workDir: work.dir, log, stops });
    } else {
      const ourRows = rows.filter((row) => !row.ceiling);
      let ourScenarios = null;
      if (ourRows.length) {
        const ours = await startOurServers({ settings, databaseUrl: database.url, workDir: work.dir, count: 1 });
        stops.unshift(() => ours.stop());
        log(`smart-auth at ${ours.servers[0].baseUrl} (log: ${ours.servers[0].handle.logFile})`);
        ourScenarios = await prepareOurs({
          settings,
          server: ours,
          databaseUrl: database.url,
          workDir: work.dir,
          rows: ourRows,
          log,
          stops,
        });
      }
      const needPeer = !settings.skipPeer && rows.some((row) => !row.ceiling);
      const peer = needPeer ? await startPeer({ workDir: work.dir }) : null;
      if (peer) stops.unshift(() => peer.stop());
      const bare = rows.some((row) => row.id === 'bare-nest') ? await startBareNest({ workDir: work.dir }) : null;
      if (bare) stops.unshift(() => bare.stop());

      const peerResults = {};
      // Results of rows measured in alternation with an earlier row (`alternateWith`), by row id.
      const alternated = {};
      for (const row of rows) {
        const connections = row.connections === 'high' ? settings.highConnections : settings.connections;
        const entry = { id: row.id, title: row.title, connections, ours: null, peer: null, ratio: null, notes: [] };
        const run = async (label, scenario) => {
          if (!scenario) return null;
          if (scenario.unavailable) {
            entry.notes.push(`${label}: ${scenario.unavailable}`);
            return null;
          }
          log(`${row.title} — ${label}, ${connections} connections`);
          try {
            // `around` runs background load (the sign-in flood) for exactly the measured row.
            const around = scenario.around ?? ((work) => work());
            return await around(() => measure({ ...scenario, connections }, settings, log));
          } catch (error) {
            log(`    failed: ${error.message}`);
            entry.notes.push(`${label}: failed (${error.message})`);
            return { error: error.message };
          }
        };
        const ourScenario = ourScenarios?.[row.id] ?? { unavailable: 'not prepared' };
        const peerScenario = !row.ceiling && !row.peerFrom ? peer?.scenarios[row.id] : undefined;
        const companion =
          row.alternateWith && rows.some((other) => other.id === row.alternateWith) ? ourScenarios?.[row.alternateWith] : undefined;
        if (row.ceiling) {
          entry.ours = await run('bare NestJS', bare?.scenario);
        } else if (alternated[row.id]) {
          entry.ours = alternated[row.id];
          entry.notes.push('ours: measured in alternation with the row before');
        } else if (companion && !companion.unavailable && !ourScenario.unavailable) {
          log(`${row.title} — in alternation with ${row.alternateWith}, ${connections} connections`);
          [entry.ours, alternated[row.alternateWith]] = await measurePair(
            { ...ourScenario, connections, label: row.id },
            { ...companion, connections, label: row.alternateWith },
            settings,
            log,
          );
        } else if (peerScenario && !ourScenario.unavailable) {
          log(`${row.title} — smart-auth and oidc-provider in alternation, ${connections} connections`);
          [entry.ours, entry.peer] = await measurePair(
            { ...ourScenario, connections, label: 'smart-auth' },
            { ...peerScenario, connections, label: 'oidc-provider' },
            settings,
            log,
          );
          for (const [label, side] of [
            ['smart-auth', entry.ours],
            ['oidc-provider', entry.peer],
          ])
            if (side.error) entry.notes.push(`${label}: failed (${side.error})`);
          peerResults[row.id] = entry.peer;
          if (peerScenario.note) entry.notes.push(peerScenario.note);
          if (ourScenario.note) entry.notes.push(ourScenario.note);
        } else {
          entry.ours = await run('smart-auth', ourScenario);
          if (row.peerFrom) {
            entry.peer = peerResults[row.peerFrom] ?? null;
            if (entry.peer) entry.notes.push(`peer: same figure as "${ROWS.find((r) => r.id === row.peerFrom).title}"`);
          } else if (peer?.scenarios[row.id]) {
            entry.peer = await run('oidc-provider', peer.scenarios[row.id]);
            peerResults[row.id] = entry.peer;
            if (peer.scenarios[row.id].note) entry.notes.push(peer.scenarios[row.id].note);
          }
          if (ourScenarios?.[row.id]?.note) entry.notes.push(ourScenarios[row.id].note);
        }
        entry.ratio = ratio(entry.ours, entry.peer);
        report.rows.push(entry);
      }
      report.targets = evaluateTargets(report);
      for (const entry of report.rows) for (const note of entry.notes) report.notes.push(`${entry.title} — ${note}`);
      log('');
      log(markdownTable(report.rows));
      log('');
      for (const target of report.targets)
        log(`${target.met === null ? 'n/a' : target.met ? 'MET' : 'MISSED'} — ${target.name}: ${target.detail}`);
    }
  } finally {
    for (const stop of stops) await stop().catch((error) => log(`stop failed: ${error.message}`));
    if (process.env.BENCH_KEEP_WORKDIR === 'true') log(`Logs kept in ${work.dir}`);
    else work.remove();
  }
  if (report.twoProcesses) log(`\n${twoProcessSection(report.twoProcesses)}`);
  const files = write(report, settings.resultsDir);
  log(`\nWritten ${files.join(' and ')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
