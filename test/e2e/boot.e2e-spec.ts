import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/database/embedded-postgres';
import { ensureBuilt } from '../utils/ensure-built';

// Builds dist/ when stale and starts real processes; generous limits for a loaded 2-core machine.
jest.setTimeout(300_000);

const MAIN = (root: string): string => join(root, 'dist', 'src', 'main.js');

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...extra };
  return env;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output()}`);
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`server did not become ready:\n${output()}`);
}

function start(root: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [MAIN(root)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (chunk) => (text += chunk));
  child.stderr?.on('data', (chunk) => (text += chunk));
  return { child, output: () => text };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('the built server', () => {
  let root: string;

  beforeAll(async () => {
    root = await ensureBuilt();
  });

  it.each([
    [{ PORT: 'not-a-port' }, 'PORT'],
    [{ PUBLIC_URL: 'ftp://example.org' }, 'PUBLIC_URL'],
    [{ ACCESS_TOKEN_TTL: 'a while' }, 'ACCESS_TOKEN_TTL'],
    [{ NODE_ENV: 'production', PUBLIC_URL: 'http://auth.example.org' }, 'PUBLIC_URL'],
    [{ NODE_ENV: 'production', PUBLIC_URL: 'https://auth.example.org', COOKIE_SECRET: 'c'.repeat(32) }, 'KEY_ENCRYPTION_SECRET'],
  ])('refuses to start with bad configuration %p, naming the variable', (env, variable) => {
    const result = spawnSync(process.execPath, [MAIN(root)], {
      cwd: root,
      env: baseEnv({ DATABASE_URL: process.env.DATABASE_URL as string, ...env }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(variable);
    expect(result.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  });

  it('starts an embedded PostgreSQL when DATABASE_URL is unset, keeps its keys across a restart, and stops cleanly on SIGTERM', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'smart-auth-boot-')), 'pg');
    const jwks: unknown[] = [];
    const secrets: string[] = [];
    for (let run = 0; run < 2; run++) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const server = start(
        root,
        baseEnv({
          PORT: String(port),
          HOST: '127.0.0.1',
          PUBLIC_URL: url,
          EMBEDDED_POSTGRES_DIR: dataDir,
          SEED_DEMO_DATA: 'false',
          LOG_LEVEL: 'info',
        }),
      );
      try {
        await waitForHealth(url, server.child, server.output);
        const discovery = await fetch(`${url}/fhir/.well-known/smart-configuration`);
        expect(discovery.status).toBe(200);
        jwks.push(await (await fetch(`${url}/.well-known/jwks.json`)).json());
        expect(server.output()).toContain('Database: embedded PostgreSQL');
        // KEY_ENCRYPTION_SECRET generated once beside the cluster, readable by its owner only, reused on restart.
        const secretFile = join(dataDir, 'key-encryption-secret');
        expect(statSync(secretFile).mode & 0o777).toBe(0o600);
        secrets.push(readFileSync(secretFile, 'utf8').trim());
      } finally {
        expect(await stop(server.child)).toBe(0);
      }
    }
    expect(jwks[1]).toEqual(jwks[0]);
    expect(secrets[1]).toEqual(secrets[0]);
    expect(secrets[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The keys are sealed under that secret: with another one the server refuses to start.
    writeFileSync(join(dataDir, 'key-encryption-secret'), 'x'.repeat(43));
    const port = await freePort();
    const refused = spawnSync(process.execPath, [MAIN(root)], {
      cwd: root,
      env: baseEnv({
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        EMBEDDED_POSTGRES_DIR: dataDir,
        SEED_DEMO_DATA: 'false',
      }),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('KEY_ENCRYPTION_SECRET does not decrypt the stored signing keys');
  });
});
