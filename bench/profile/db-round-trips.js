'use strict';

// Counts PostgreSQL round trips and statements per request for each smart-auth scenario, by putting a
// wire-protocol counter between the server and the database. Usage (after `npm run build`):
//   node bench/profile/db-round-trips.js            (BENCH_ONLY selects scenarios; BENCH_ROUND_TRIP_REQUESTS, default 200)
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { runOnce } = require('../lib/load');
const { makeWorkDir, startDatabase, startOurServers } = require('../lib/our-server');
const { readSettings } = require('../lib/settings');
const { prepareOurs } = require('../scenarios/our-scenarios');
const { ROWS } = require('../scenarios/rows');
const { startWireCounter } = require('./pg-wire-counter');

const log = (line) => process.stdout.write(`${line}\n`);

async function main() {
  const settings = readSettings();
  const requests = Number(process.env.BENCH_ROUND_TRIP_REQUESTS || 200);
  const rows = ROWS.filter(
    (row) =>
      !row.ceiling && !row.connections && !row.peerFrom && !row.optional && (settings.only.length === 0 || settings.only.includes(row.id)),
  );
  const work = makeWorkDir();
  const stops = [];
  const lines = [
    `# PostgreSQL round trips per request`,
    '',
    `${requests} sequential requests per scenario, one connection; \`node bench/profile/db-round-trips.js\`.`,
    '',
  ];
  try {
    const database = await startDatabase(settings, work.dir);
    stops.push(() => database.stop());
    const counter = await startWireCounter(database.url);
    stops.unshift(() => counter.stop());
    const ours = await startOurServers({ settings, databaseUrl: counter.url, workDir: work.dir, count: 1 });
    stops.unshift(() => ours.stop());
    const scenarios = await prepareOurs({ settings, server: ours, databaseUrl: counter.url, workDir: work.dir, rows, log, stops });
    for (const row of rows) {
      const scenario = scenarios[row.id];
      if (!scenario || scenario.unavailable) continue;
      const plan = await scenario.prepare(requests + 20);
      counter.reset();
      const result = await runOnce({ url: scenario.url, connections: 1, amount: requests, plan });
      const { roundTrips, statements } = counter.snapshot();
      const answered = result.responses || 1;
      lines.push(
        `## ${row.title}`,
        '',
        `${(roundTrips / answered).toFixed(2)} round trips per request (${answered} responses, ${result.errors} errors)`,
        '',
      );
      lines.push('| per request | statement |', '|---:|---|');
      for (const [text, count] of statements.slice(0, 12))
        lines.push(`| ${(count / answered).toFixed(2)} | \`${text.replace(/\|/g, '\\|')}\` |`);
      lines.push('');
      log(`${row.title}: ${(roundTrips / answered).toFixed(2)} round trips/request`);
    }
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    work.remove();
  }
  mkdirSync(settings.resultsDir, { recursive: true });
  writeFileSync(join(settings.resultsDir, 'db-round-trips.md'), `${lines.join('\n')}\n`);
  log(`Written ${join(settings.resultsDir, 'db-round-trips.md')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
