'use strict';

const { chmodSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { randomBytes } = require('node:crypto');
const { freePort, startNode } = require('./child-process');

const ROOT = resolve(__dirname, '..', '..');
// BENCH_SERVER_MAIN runs another build of the server (e.g. to compare a change against this one).
const MAIN = process.env.BENCH_SERVER_MAIN ? resolve(process.env.BENCH_SERVER_MAIN) : join(ROOT, 'dist', 'src', 'main.js');

/**
 * The database every server process of the run shares: DATABASE_URL when set, otherwise an embedded
 * PostgreSQL in a fresh temporary folder (removed afterwards).
 */
async function startDatabase(settings, workDir) {
  if (settings.databaseUrl) return { url: settings.databaseUrl, description: 'DATABASE_URL', stop: async () => undefined };
  // eslint-disable-next-line global-require
  const { startEmbeddedPostgres } = require(join(ROOT, 'dist', 'src', 'database', 'embedded-postgres.js'));
  const dir = join(workDir, 'postgres');
  const embedded = await startEmbeddedPostgres(dir, 'smart_auth_bench');
  return { url: embedded.url, description: `embedded PostgreSQL in ${dir}`, stop: () => embedded.stop() };
}

/**
 * Starts `count` smart-auth processes on one database, one after another (the first applies the
 * migrations). They share PUBLIC_URL, as they would behind one load balancer, so a token, code or
 * client assertion made for one is valid at the other.
 *
 * NODE_ENV=development, not production: production requires an https PUBLIC_URL, and this harness talks
 * plain HTTP over loopback. LOG_LEVEL=warn keeps per-request logs out of the measurement, as a
 * production deployment at warn would. `shared` carries the values of processes started earlier, so that
 * a later group joins them.
 * @param {{ settings: object, databaseUrl: string, workDir: string, count: number, label?: string, extraEnv?: Record<string, string>,
 *   shared?: { publicUrl?: string, adminToken?: string, cookieSecret?: string }, script?: string, readyPath?: string }} options
 */
async function startOurServers({
  settings,
  databaseUrl,
  workDir,
  count,
  label = 'smart-auth',
  extraEnv = {},
  shared = {},
  script = MAIN,
  readyPath = '/health/ready',
}) {
  const ports = [];
  for (let index = 0; index < count; index += 1) ports.push(await freePort());
  const publicUrl = shared.publicUrl ?? `http://127.0.0.1:${ports[0]}`;
  const adminToken = shared.adminToken ?? randomBytes(32).toString('hex');
  // One cookie secret for all processes, so a login session made at one is honoured by the other.
  const cookieSecret = shared.cookieSecret ?? randomBytes(32).toString('hex');
  const servers = [];
  for (const [index, port] of ports.entries()) {
    const args = [];
    if (settings.cpuProfileDir) args.push('--cpu-prof', `--cpu-prof-dir=${settings.cpuProfileDir}`);
    args.push(script);
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      LOG_LEVEL: settings.logLevel,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      DATABASE_URL: databaseUrl,
      ADMIN_TOKEN: adminToken,
      COOKIE_SECRET: cookieSecret,
      REGISTRATION_POLICY: 'open',
      SEED_DEMO_DATA: 'false',
      ACCESS_TOKEN_SIGNING_ALG: settings.accessTokenAlg,
      // Codes are minted in bulk before the runs; the default 60 s would expire them mid-benchmark.
      AUTHORIZATION_CODE_TTL: '1h',
      // The sign-in flood row sends X-Forwarded-For from the harness on loopback to vary the sprayers' addresses.
      TRUST_PROXY: '127.0.0.1',
      // JTI_COMMIT=async measures the opt-in; unset, the server's default (sync).
      ...(process.env.JTI_COMMIT ? { JTI_COMMIT: process.env.JTI_COMMIT } : {}),
      ...(process.env.UV_THREADPOOL_SIZE ? { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE } : {}),
      // A build outside this folder (BENCH_SERVER_MAIN) finds its dependencies through NODE_PATH.
      ...(process.env.NODE_PATH ? { NODE_PATH: process.env.NODE_PATH } : {}),
      ...extraEnv,
    };
    const baseUrl = `http://127.0.0.1:${port}`;
    servers.push({
      baseUrl,
      port,
      handle: await startNode({
        name: `${label} #${index + 1}`,
        args,
        env,
        cwd: ROOT,
        logFile: join(workDir, `${label}-${index + 1}.log`),
        readyUrl: `${baseUrl}${readyPath}`,
      }),
    });
  }
  return { servers, publicUrl, adminToken, cookieSecret, stop: () => Promise.all(servers.map((server) => server.handle.stop())) };
}

function makeWorkDir() {
  const dir = mkdtempSync(join(tmpdir(), 'smart-auth-bench-'));
  // The embedded cluster may run as the `postgres` user (when we are root), which must traverse this folder.
  chmodSync(dir, 0o755);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

module.exports = { ROOT, makeWorkDir, startDatabase, startOurServers };
