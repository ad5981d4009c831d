#!/usr/bin/env node
// Runs before the tests: the docs portal test drives a real Chromium at /usr/bin/chromium. When it
// is missing, installs it from Debian if this process may (root, apt-get present), or stops with the
// exact command to run.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const INSTALL_COMMAND = 'sudo apt-get install -y chromium';

/** @param {string} path */
const isExecutable = (path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** @param {string[]} args */
const runApt = (args) => {
  const result = spawnSync('apt-get', args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
};

/**
 * Resolves to what it did: 'present' or 'installed'. Throws with the install command when it may not
 * install. The environment is a parameter so each branch can be tested.
 * @param {{ path?: string, exists?: (path: string) => boolean, isRoot?: boolean, hasApt?: boolean,
 *           apt?: (args: string[]) => void, log?: (line: string) => void }} [environment]
 * @returns {'present' | 'installed'}
 */
export function ensureChromium({
  path = CHROMIUM_PATH,
  exists = isExecutable,
  isRoot = process.getuid?.() === 0,
  hasApt = isExecutable('/usr/bin/apt-get'),
  apt = runApt,
  log = (/** @type {string} */ line) => console.error(line),
} = {}) {
  if (exists(path)) return 'present';
  if (!isRoot || !hasApt) {
    throw new Error(`Chromium is missing at ${path}; the docs portal test needs it. Install it with:\n  ${INSTALL_COMMAND}`);
  }
  log(`Chromium is missing at ${path}: installing it from Debian (apt-get install -y chromium)...`);
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', 'chromium']);
  if (!exists(path)) throw new Error(`apt-get installed chromium, but ${path} is still missing`);
  return 'installed';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    ensureChromium();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
