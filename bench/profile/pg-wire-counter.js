'use strict';

const { createServer, connect } = require('node:net');

/**
 * A loopback TCP relay in front of PostgreSQL that reads the frontend side of the wire protocol and counts
 * round trips (Sync and simple Query messages) and statements (Parse and Query texts). Diagnostic only:
 * it adds a hop, so throughput is never measured through it.
 */
async function startWireCounter(databaseUrl) {
  const target = new URL(databaseUrl);
  const counts = { roundTrips: 0, statements: new Map() };
  const record = (text) => {
    const normalised = text.replace(/\s+/g, ' ').trim().slice(0, 160);
    counts.statements.set(normalised, (counts.statements.get(normalised) ?? 0) + 1);
  };
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    let buffer = Buffer.alloc(0);
    let started = false;
    client.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          // SSLRequest (80877103) is followed by the real startup message.
          if (buffer.readInt32BE(4) !== 80877103) started = true;
          buffer = buffer.subarray(length);
          continue;
        }
        if (buffer.length < 5) return;
        const type = String.fromCharCode(buffer[0]);
        const length = buffer.readInt32BE(1);
        if (buffer.length < length + 1) return;
        const body = buffer.subarray(5, length + 1);
        if (type === 'Q') {
          counts.roundTrips += 1;
          record(body.toString('utf8', 0, body.indexOf(0)));
        } else if (type === 'P') {
          const nameEnd = body.indexOf(0);
          record(body.toString('utf8', nameEnd + 1, body.indexOf(0, nameEnd + 1)));
        } else if (type === 'S') {
          counts.roundTrips += 1;
        }
        buffer = buffer.subarray(length + 1);
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const proxied = new URL(databaseUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(/** @type {import('node:net').AddressInfo} */ (server.address()).port);
  return {
    url: proxied.toString(),
    reset() {
      counts.roundTrips = 0;
      counts.statements.clear();
    },
    snapshot: () => ({ roundTrips: counts.roundTrips, statements: [...counts.statements].sort((a, b) => b[1] - a[1]) }),
    stop: async () => {
      server.close();
    },
  };
}

module.exports = { startWireCounter };
