// Stopping and restarting. `npm start` passes SIGTERM on to the server, which drains in-flight
// requests within a bound, writes pending audit events and stops its embedded PostgreSQL; the CLI and a second
// server started in the same checkout share the running embedded cluster instead of dying with `undefined`.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runningCluster } from '../../src/database/embedded-postgres';
import { ensureBuilt } from '../utils/ensure-built';

jest.setTimeout(400_000);

const ADMIN_TOKEN = `admin-${'x'.repeat(40)}`;

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    SEED_DEMO_DATA: 'false',
    ADMIN_TOKEN,
    ...extra,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every process below `pid`, from /proc (`ppid` is the 4th field of /proc/<pid>/stat, after the command in parentheses). */
function descendants(pid: number): Array<{ pid: number; cmdline: string }> {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return [{ pid: Number(name), ppid, cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ') }];
      } catch {
        return [];
      }
    });
  const found: Array<{ pid: number; cmdline: string }> = [];
  const walk = (parent: number): void => {
    for (const entry of all.filter((candidate) => candidate.ppid === parent)) {
      found.push(entry);
      walk(entry.pid);
    }
  };
  walk(pid);
  return found;
}

async function pollUntil(check: () => boolean | Promise<boolean>, limitMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Running {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (chunk) => (text += chunk));
  child.stderr?.on('data', (chunk) => (text += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function waitReady(url: string, server: Running): Promise<void> {
  await pollUntil(
    async () => {
      if (server.child.exitCode !== null) throw new Error(`server exited early:\n${server.output()}`);
      return fetch(`${url}/health/ready`).then(
        (response) => response.ok,
        () => false,
      );
    },
    180_000,
    `server ready\n${server.output()}`,
  );
}

async function exitWithin(server: Running, limitMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`did not exit within ${limitMs} ms:\n${server.output()}`)), limitMs)),
  );
  try {
    return await Promise.race([server.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A POST /token whose body is sent in two parts, so the request is in flight while the server is told to stop. */
// A token request whose headers are sent and whose body is held back. `Expect: 100-continue` makes the server
// answer "100 Continue" once it has parsed the headers (RFC 9110 §10.1.1): only then is the request in flight for
// the server, rather than an idle connection that closing the listener would simply drop.
function slowTokenRequest(
  port: number,
  body: string,
): { socket: Socket; routed: () => boolean; finish: () => void; response: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.write(
    `POST /token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
  );
  let text = '';
  socket.on('data', (chunk) => (text += chunk));
  const response = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(text.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '')));
    socket.on('error', () => undefined);
  });
  return { socket, routed: () => text.startsWith('HTTP/1.1 100 Continue'), finish: () => socket.write(body.slice(10)), response };
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('stopping and restarting', () => {
  let root: string;

  beforeAll(async () => {
    root = await ensureBuilt();
  });

  it('SIGTERM to the `npm start` process stops node and the embedded PostgreSQL', async () => {
    const pgDir = join(mkdtempSync(join(tmpdir(), 'smart-auth-npm-')), 'pg');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // --ignore-scripts skips only the prestart build (ensureBuilt has built dist/); `start` itself still runs.
    const npm = run(
      'npm',
      ['start', '--ignore-scripts'],
      root,
      baseEnv({ PORT: String(port), PUBLIC_URL: url, EMBEDDED_POSTGRES_DIR: pgDir }),
    );
    try {
      await waitReady(url, npm);
      const servers = descendants(npm.child.pid!).filter((entry) => entry.cmdline.includes('dist/src/main.js'));
      expect(servers).toHaveLength(1);
      const cluster = runningCluster(join(pgDir, 'data'));
      expect(cluster).not.toBeNull();

      npm.child.kill('SIGTERM');
      await exitWithin(npm, 30_000);
      const ms = await pollUntil(
        () => !alive(servers[0].pid) && !alive(cluster!.pid) && !existsSync(join(pgDir, 'data', 'postmaster.pid')),
        30_000,
        'node and PostgreSQL gone',
      );
      console.log(`node and PostgreSQL gone ${ms} ms after npm exited`);
      expect(await refusesConnections(cluster!.port)).toBe(true);
    } finally {
      for (const entry of descendants(npm.child.pid!)) process.kill(entry.pid, 'SIGKILL');
      npm.child.kill('SIGKILL');
    }
  });

  it('drains an in-flight request, writes its audit event, shares the cluster with the CLI and a second server, and bounds a stuck shutdown', async () => {
    const pgDir = join(mkdtempSync(join(tmpdir(), 'smart-auth-drain-')), 'pg');
    const dataDir = join(pgDir, 'data');
    const start = async () => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const server = run(
        process.execPath,
        [join(root, 'dist', 'src', 'main.js')],
        root,
        baseEnv({ PORT: String(port), PUBLIC_URL: url, EMBEDDED_POSTGRES_DIR: pgDir }),
      );
      await waitReady(url, server);
      return { ...server, port, url };
    };

    // 1. A request in flight at SIGTERM completes; its audit event (recorded during shutdown) is written.
    let server = await start();
    const clientId = `drain-${Date.now()}`;
    const slow = slowTokenRequest(server.port, `grant_type=client_credentials&client_id=${clientId}&client_secret=not-the-secret`);
    await pollUntil(() => slow.routed(), 5_000, 'headers parsed by the server');
    // A request answered after the slow one's headers were sent: by then the server has routed the slow one.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    server.child.kill('SIGTERM');
    await pollUntil(() => refusesConnections(server.port), 10_000, 'listener closed');
    slow.finish();
    expect(await slow.response).toMatch(/^HTTP\/1\.1 401/);
    expect(await exitWithin(server, 15_000)).toBe(0);
    expect(runningCluster(dataDir)).toBeNull();

    server = await start();
    try {
      const audit = await fetch(`${server.url}/admin/audit?client_id=${clientId}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(audit.status).toBe(200);
      const { events } = (await audit.json()) as { events: Array<{ event: string }> };
      expect(events.map((event) => event.event)).toContain('client_auth_failed');

      // 2. The CLI in the same checkout connects to the running cluster, and leaves it running.
      const cli = spawnSync(process.execPath, [join(root, 'dist', 'src', 'cli', 'main.js'), 'clients:list'], {
        cwd: root,
        env: baseEnv({ EMBEDDED_POSTGRES_DIR: pgDir }),
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(cli.stderr).not.toContain('undefined');
      expect(cli.status).toBe(0);
      expect(Array.isArray(JSON.parse(cli.stdout))).toBe(true);
      expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);

      // 3. So does a second server; stopping it leaves the first one's cluster alone.
      const second = await start();
      expect(second.output()).toContain(`already run by process ${runningCluster(dataDir)!.pid}`);
      second.child.kill('SIGTERM');
      expect(await exitWithin(second, 15_000)).toBe(0);
      expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);

      // 4. A request that never completes cannot hold shutdown open past its bound (10 s).
      const stuck = slowTokenRequest(server.port, `grant_type=client_credentials&client_id=${clientId}&client_secret=x`);
      await pollUntil(() => stuck.routed(), 5_000, 'stuck request parsed by the server');
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      const stopping = Date.now();
      server.child.kill('SIGTERM');
      expect(await exitWithin(server, 25_000)).toBe(1);
      const took = Date.now() - stopping;
      console.log(`stuck shutdown ended after ${took} ms`);
      expect(took).toBeGreaterThanOrEqual(9_000);
      expect(server.output()).toContain('shutdown took longer than 10000 ms');
      await pollUntil(() => runningCluster(dataDir) === null, 15_000, 'cluster stopped');
      stuck.socket.destroy();
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('says what PostgreSQL said when the embedded cluster cannot start, never `undefined`', () => {
    const pgDir = join(mkdtempSync(join(tmpdir(), 'smart-auth-broken-')), 'pg');
    mkdirSync(join(pgDir, 'data'), { recursive: true, mode: 0o700 });
    writeFileSync(join(pgDir, 'data', 'PG_VERSION'), '9\n');
    writeFileSync(join(pgDir, 'credentials.json'), JSON.stringify({ password: 'x' }));
    const result = spawnSync(process.execPath, [join(root, 'dist', 'src', 'cli', 'main.js'), 'clients:list'], {
      cwd: root,
      env: baseEnv({ EMBEDDED_POSTGRES_DIR: pgDir }),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).not.toContain('undefined');
    expect(result.stderr).toContain(`embedded PostgreSQL in ${join(pgDir, 'data')} failed to start`);
    expect(result.stderr.split('\n').filter((line) => line.trim()).length).toBeGreaterThan(1);
  });
});
