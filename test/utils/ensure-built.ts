import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const LOCK = join(ROOT, 'dist', '.build-lock');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

// tsc's incremental build rewrites .tsbuildinfo on every build but leaves unchanged outputs alone.
function builtAt(): number {
  const mtime = (path: string): number => (existsSync(path) ? statSync(path).mtimeMs : 0);
  const main = join(ROOT, 'dist', 'src', 'main.js');
  return existsSync(main) ? Math.max(mtime(main), mtime(join(ROOT, 'dist', '.tsbuildinfo'))) : 0;
}

/** Tests that run the built server or CLI as a child process call this; parallel workers build only once. */
export async function ensureBuilt(): Promise<string> {
  const isStale = (): boolean => builtAt() < Math.max(newestSource(join(ROOT, 'src')), newestSource(join(ROOT, 'migrations')));
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (let attempt = 0; isStale(); attempt++) {
    try {
      mkdirSync(LOCK);
    } catch {
      if (attempt > 240) throw new Error('timed out waiting for another worker to build dist/');
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    try {
      if (isStale())
        execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], {
          stdio: 'pipe',
        });
    } catch (error) {
      const output = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
      throw new Error(`build failed:\n${output.slice(0, 4000)}`);
    } finally {
      rmdirSync(LOCK);
    }
    break;
  }
  return ROOT;
}
