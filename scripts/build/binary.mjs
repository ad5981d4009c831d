#!/usr/bin/env node
// `npm run build:binary`: dist/bin/vlens-mock-linux-x64 and dist/bin/vlens-mock-linux-arm64 (one of
// them with `-- --arch x64` or `-- --arch arm64`), the mock as a Node single executable application
// (https://nodejs.org/api/single-executable-applications.html) that needs no Node, no npm and no
// files: the CLI, Prism 5.14 and the bundled description are inside. Next to it,
// THIRD-PARTY-LICENSES.txt holds the licences of everything inside.
//
// The runtime is the pinned Node 26 LTS (scripts/ensure-node.mjs), not the Node running the build:
// Node 20 is past its end of life, and the preparation blob must come from the same Node version as
// the binary it is injected into. The blob holds the script and the settings only (no code cache, no
// snapshot, which would be CPU-specific), so the x64 Node 26 makes it for the arm64 binary too: the
// arm64 build is the official one from the npm registry, stripped with binutils for aarch64 and
// injected with postject here, with no arm64 machine involved.
//
// The SEA ignores NODE_OPTIONS (the SEA setting `execArgvExtension: "none"`, added by nodejs/node#59560; tested on the Node 26.12 runtime): a
// NODE_OPTIONS meant for the user's own Node (a --require of their tooling, a small heap) must not
// stop or starve the mock.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { NODE_VERSIONS, ensureNode } from '../ensure-node.mjs';
import { licenceNotice } from './licenses.mjs';
import { bundleMock } from './mock-bundle.mjs';

/** @import { ExecFileException } from 'node:child_process' */
/** @import { Metafile } from 'esbuild' */

/** @typedef {'x64' | 'arm64'} Arch a CPU a binary is built for, as Node names it (process.arch) */

/**
 * What buildBinary resolves to: the binary's and the licence notice's paths, the bundle's esbuild
 * metafile, the binary's size in bytes, the Node version inside, and the time of each step in ms.
 * @typedef {{ path: string, arch: Arch, licences: string, metafile: Metafile, bytes: number, nodeVersion: string, timings: Record<string, number> }} BuiltBinary
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN_DIR = join(ROOT, 'dist', 'bin');
/**
 * The CPUs a binary is built for: Node's names (process.arch).
 * @type {Arch[]}
 */
export const ARCHES = ['x64', 'arm64'];
/**
 * Whether `value` names one of ARCHES.
 * @param {string} value
 * @returns {value is Arch}
 */
export const isArch = (value) => /** @type {string[]} */ (ARCHES).includes(value);
/**
 * The path of the binary for `arch`: dist/bin/vlens-mock-linux-<arch> (or in `dir`).
 * @param {string} [arch]
 * @param {string} [dir]
 */
export const binaryPath = (arch = 'x64', dir = BIN_DIR) => join(dir, `vlens-mock-linux-${arch}`);
export const LICENCES_FILE = 'THIRD-PARTY-LICENSES.txt';
export const BINARY_PATH = binaryPath('x64');
export const LICENCES_PATH = join(BIN_DIR, 'THIRD-PARTY-LICENSES.txt');
export const RUNTIME_MAJOR = 26;
/** The SEA configuration besides `main` and `output`, read by ship-mock.test.ts. */
export const SEA_SETTINGS = { disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false, execArgvExtension: 'none' };
// strip from binutils for the host; for arm64 Debian's binutils-aarch64-linux-gnu.
const STRIP = { x64: 'strip', arm64: 'aarch64-linux-gnu-strip' };
// The fuse Node's SEA support looks for (node/src/node_sea.cc); postject flips it when it injects.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const POSTJECT_CLI = join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js');

/**
 * @param {string} path the binary, stripped in place
 * @param {Arch} arch its CPU
 * @param {(line: string) => void} log
 */
async function stripDebugInfo(path, arch, log) {
  const strip = process.arch === arch ? 'strip' : STRIP[arch];
  try {
    await run(strip, [path]);
  } catch (error) {
    // Only the size changes (about 127 MB instead of 100 MB): binutils is not a requirement.
    if (/** @type {ExecFileException} */ (error).code !== 'ENOENT') throw error;
    log(`${strip} (binutils${strip === 'strip' ? '' : '-aarch64-linux-gnu'}) is not installed: the ${arch} binary keeps its debug symbols`);
  }
}

/**
 * Builds the binary for `arch` (x64 or arm64) and the licence file; resolves to
 * `{ path, licences, bytes, nodeVersion, timings }` (timings in ms per step). Runs on Linux x64.
 * @param {{ arch?: string, dir?: string, log?: (line: string) => void }} [options] `dir`: where the
 *   binary and the notice go (default dist/bin); `log`: the lines about what is fetched or skipped
 * @returns {Promise<BuiltBinary>}
 * @throws {Error} on another machine than Linux x64, for another CPU than ARCHES', or when a step fails
 */
export async function buildBinary({ arch = 'x64', dir = BIN_DIR, log = (line) => console.error(line) } = {}) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`build:binary runs on Linux x64 only (this is ${process.platform}-${process.arch})`);
  }
  if (!isArch(arch)) throw new Error(`build:binary makes ${ARCHES.join(' and ')} executables, not ${arch}`);
  /** @type {Record<string, number>} */
  const timings = {};
  /**
   * @template T
   * @param {string} step
   * @param {() => Promise<T>} work
   * @returns {Promise<T>}
   */
  const time = async (step, work) => {
    const started = performance.now();
    const result = await work();
    timings[step] = Math.round(performance.now() - started);
    return result;
  };
  // The blob comes from the Node that runs here; the binary is the one for `arch`.
  const [node, target] = await time('node', () => Promise.all([ensureNode(RUNTIME_MAJOR, { log }), ensureNode(RUNTIME_MAJOR, { arch, log })]));
  const nodeDir = dirname(dirname(target));
  const work = mkdtempSync(join(tmpdir(), 'vlens-binary-'));
  try {
    const main = join(work, 'vlens-mock.cjs');
    const metafile = await time('bundle', () => bundleMock({ outfile: main }));
    const blob = join(work, 'sea-prep.blob');
    // Relative paths: the blob keeps `main` as written, and a temporary folder's name would make every
    // build's bytes differ.
    writeFileSync(join(work, 'sea-config.json'), JSON.stringify({ main: 'vlens-mock.cjs', output: 'sea-prep.blob', ...SEA_SETTINGS }));
    await time('blob', () => run(node, ['--experimental-sea-config', 'sea-config.json'], { cwd: work }));

    const binary = join(work, 'vlens-mock');
    copyFileSync(target, binary);
    chmodSync(binary, 0o755);
    await time('strip', () => stripDebugInfo(binary, arch, log));
    // postject's CLI in a child process: LIEF prints a warning per ELF note it cannot name (harmless),
    // which would otherwise go straight to this process's stderr.
    await time('inject', () => run(process.execPath, [POSTJECT_CLI, binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]));

    mkdirSync(dir, { recursive: true });
    const path = binaryPath(arch, dir);
    const licences = join(dir, LICENCES_FILE);
    renameSync(binary, path);
    // One notice for both binaries: the same bundle, and Node's LICENSE is the same file on every CPU.
    const notice = licenceNotice({ metafile, root: ROOT, projectLicence: readFileSync(join(ROOT, 'LICENSE'), 'utf8'), nodeDir, nodeVersion: NODE_VERSIONS[RUNTIME_MAJOR] });
    writeFileSync(licences, notice);
    const { size } = statSync(path);
    return { path, arch, licences, metafile, bytes: size, nodeVersion: NODE_VERSIONS[RUNTIME_MAJOR], timings };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { values } = parseArgs({ options: { arch: { type: 'string', multiple: true } } });
    // One after the other: each step is CPU-bound, and both write the same licence file.
    for (const arch of values.arch ?? ARCHES) {
      const { path, bytes, nodeVersion, timings } = await buildBinary({ arch });
      const steps = Object.entries(timings)
        .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`)
        .join(', ');
      console.log(`${path} (${(bytes / 1e6).toFixed(1)} MB, Node ${nodeVersion}; ${steps})`);
    }
    console.log(LICENCES_PATH);
  } catch (error) {
    console.error(`build:binary: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
