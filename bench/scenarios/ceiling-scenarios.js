'use strict';

const { join } = require('node:path');
const { freePort, startNode } = require('../lib/child-process');
const { expectStatus, fixedPlan } = require('../lib/plans');

/** The framework ceiling: a bare NestJS-on-Fastify JSON route in its own process. */
async function startBareNest({ workDir }) {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const handle = await startNode({
    name: 'bare NestJS',
    args: [join(__dirname, '..', 'ceiling', 'bare-nest-server.js'), String(port)],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' },
    cwd: join(__dirname, '..', '..'),
    logFile: join(workDir, 'bare-nest.log'),
    readyUrl: `${baseUrl}/bare`,
  });
  return {
    stop: () => handle.stop(),
    scenario: { url: baseUrl, pid: handle.pid, prepare: fixedPlan({ path: '/bare', check: expectStatus(200) }) },
  };
}

module.exports = { startBareNest };
