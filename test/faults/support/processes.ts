// Real processes for the fault tests: an embedded PostgreSQL the test can stop and start (a child process, see
// test/utils/embedded-cluster.ts) and smart-auth servers run from the build (`node dist/src/main.js`).
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterProcess, startCluster } from '../../utils/embedded-cluster';
import { ensureBuilt } from '../../utils/ensure-built';
import { pollUntil } from './timing';

export interface WorkDir {
  dir: string;
  remove(): void;
}

export function makeWorkDir(label: string): WorkDir {
  const dir = mkdtempSync(join(tmpdir(), `smart-auth-faults-${label}-`));
  // The embedded cluster may run as the `postgres` user (when we are root), which must traverse this folder.
  chmodSync(dir, 0o755);
  return { dir, remove: () => (process.env.FAULTS_KEEP ? undefined : rmSync(dir, { recursive: true, force: true })) };
}

/** A PostgreSQL cluster in `dir` that can be stopped and started again on the same port (same URL). */
export class Database {
  private constructor(
    private readonly dir: string,
    private readonly name: string,
    private cluster: ClusterProcess | undefined,
    readonly url: string,
    readonly port: number,
  ) {}

  static async start(work: WorkDir, name = 'smart_auth_faults'): Promise<Database> {
    const cluster = await startCluster(join(work.dir, 'pg'), name);
    return new Database(join(work.dir, 'pg'), name, cluster, cluster.url, cluster.port);
  }

  get running(): boolean {
    return this.cluster !== undefined;
  }

  async stop(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    await cluster?.stop();
  }

  async restart(): Promise<void> {
    if (this.cluster) return;
    this.cluster = await startCluster(this.dir, this.name, this.port);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** What every server process of one test shares, as processes behind one load balancer would. */
export interface Deployment {
  databaseUrl: string;
  publicUrl: string;
  adminToken: string;
  cookieSecret: string;
  keyEncryptionSecret: string;
}

export function deployment(databaseUrl: string, publicPort: number): Deployment {
  return {
    databaseUrl,
    publicUrl: `http://127.0.0.1:${publicPort}`,
    adminToken: randomBytes(32).toString('hex'),
    cookieSecret: randomBytes(32).toString('hex'),
    keyEncryptionSecret: randomBytes(32).toString('hex'),
  };
}

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  logFile: string;
  /** Resident set size of the server process, in KiB (Linux /proc). */
  rssKib(): number;
  alive(): boolean;
  /** SIGKILL: no shutdown hook runs, nothing buffered is written. */
  kill9(): Promise<void>;
  /** SIGTERM, SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/**
 * `node dist/src/main.js` on `port`, ready once /health/ready answers 200. NODE_ENV=development because the test
 * talks plain HTTP over loopback (production requires an https PUBLIC_URL); LOG_LEVEL=warn keeps the log small.
 */
export async function startServer(
  shared: Deployment,
  port: number,
  logDir: string,
  extraEnv: Record<string, string> = {},
): Promise<ServerProcess> {
  const root = await ensureBuilt();
  const logFile = join(logDir, `server-${port}-${Date.now()}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: shared.publicUrl,
    DATABASE_URL: shared.databaseUrl,
    ADMIN_TOKEN: shared.adminToken,
    COOKIE_SECRET: shared.cookieSecret,
    KEY_ENCRYPTION_SECRET: shared.keyEncryptionSecret,
    SEED_DEMO_DATA: 'false',
    AUTHORIZATION_CODE_TTL: '10m',
    DATABASE_CONNECT_TIMEOUT_MS: '2000',
    ...extraEnv,
  };
  const child: ChildProcess = spawn(process.execPath, [join(root, 'dist', 'src', 'main.js')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await pollUntil(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`server exited during start-up; see ${logFile}:\n${tail(logFile)}`);
      return fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
        (response) => response.status === 200,
        () => false,
      );
    },
    120_000,
    `server on ${port} ready`,
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    url,
    port,
    pid: child.pid as number,
    logFile,
    rssKib: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN),
    alive,
    kill9: async () => {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function tail(file: string, bytes = 3000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '';
  }
}
