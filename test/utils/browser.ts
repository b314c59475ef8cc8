import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Browser, chromium } from 'playwright-core';

const SYSTEM_BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const FLAGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * A headless Chromium for the browser tests: CHROMIUM_PATH when set, else the system's Chromium, else the one
 * @sparticuz/chromium carries inside the npm package, so `npm test` needs nothing installed beforehand. A browser
 * that cannot start fails the test with the reason; no browser test is ever skipped.
 */
export async function launchChromium(): Promise<Browser> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured} does not exist`);
    return chromium.launch({ executablePath: configured, args: FLAGS });
  }
  const system = SYSTEM_BROWSERS.find((path) => existsSync(path) && runs(path));
  if (system) return chromium.launch({ executablePath: system, args: FLAGS });
  return launchPackaged();
}

async function launchPackaged(): Promise<Browser> {
  // The package unpacks the shared libraries its build expects (NSS and friends) only on an Amazon Linux 2023
  // image; a bare Debian or Ubuntu machine lacks them too, so the same unpacking is asked for here.
  process.env.CODEBUILD_BUILD_IMAGE ??= 'nodejs20';
  const packaged = (await import('@sparticuz/chromium')).default;
  const executablePath = await packaged.executablePath();
  return chromium.launch({ executablePath, args: packaged.args });
}

function runs(path: string): boolean {
  try {
    execFileSync(path, ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
