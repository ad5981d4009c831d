#!/usr/bin/env node
// `npm run build:binary`: dist/bin/vlens-mock-linux-x64, the mock as a Node single executable
// application (https://nodejs.org/api/single-executable-applications.html) that needs no Node, no npm
// and no files: the CLI, Prism 5.14 and the bundled description are inside. Next to it,
// THIRD-PARTY-LICENSES.txt holds the licences of everything inside.
//
// The runtime is the pinned Node 24 LTS (scripts/ensure-node.mjs), not the Node running the build:
// Node 20 is past its end of life, and the preparation blob must come from the same Node as the
// binary it is injected into.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { NODE_VERSIONS, ensureNode } from '../ensure-node.mjs';
import { licenceNotice } from './licenses.mjs';
import { bundleMock } from './mock-bundle.mjs';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN_DIR = join(ROOT, 'dist', 'bin');
export const BINARY_PATH = join(BIN_DIR, 'vlens-mock-linux-x64');
export const LICENCES_PATH = join(BIN_DIR, 'THIRD-PARTY-LICENSES.txt');
export const RUNTIME_MAJOR = 24;
// The fuse Node's SEA support looks for (node/src/node_sea.cc); postject flips it when it injects.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const POSTJECT_CLI = join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js');

async function stripDebugInfo(path, log) {
  try {
    await run('strip', [path]);
  } catch (error) {
    // Only the size changes (about 127 MB instead of 100 MB): binutils is not a requirement.
    if (error.code !== 'ENOENT') throw error;
    log('strip (binutils) is not installed: the binary keeps its debug symbols');
  }
}

/**
 * Builds the binary and its licence file; resolves to `{ path, licences, bytes, nodeVersion, timings }`
 * (timings in ms per step). Linux x64 only: the only target a test runs here.
 */
export async function buildBinary({ log = (line) => console.error(line) } = {}) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`build:binary makes a Linux x64 executable and runs on Linux x64 only (this is ${process.platform}-${process.arch})`);
  }
  const timings = {};
  const time = async (step, work) => {
    const started = performance.now();
    const result = await work();
    timings[step] = Math.round(performance.now() - started);
    return result;
  };
  const node = await time('node', () => ensureNode(RUNTIME_MAJOR, { log }));
  const nodeDir = dirname(dirname(node));
  const work = mkdtempSync(join(tmpdir(), 'vlens-binary-'));
  try {
    const main = join(work, 'vlens-mock.cjs');
    const metafile = await time('bundle', () => bundleMock({ outfile: main }));
    const blob = join(work, 'sea-prep.blob');
    writeFileSync(join(work, 'sea-config.json'), JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true }));
    await time('blob', () => run(node, ['--experimental-sea-config', 'sea-config.json'], { cwd: work }));

    const binary = join(work, 'vlens-mock');
    copyFileSync(node, binary);
    chmodSync(binary, 0o755);
    await time('strip', () => stripDebugInfo(binary, log));
    // postject's CLI in a child process: LIEF prints a warning per ELF note it cannot name (harmless),
    // which would otherwise go straight to this process's stderr.
    await time('inject', () => run(process.execPath, [POSTJECT_CLI, binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]));

    mkdirSync(BIN_DIR, { recursive: true });
    renameSync(binary, BINARY_PATH);
    const notice = licenceNotice({ metafile, root: ROOT, projectLicence: readFileSync(join(ROOT, 'LICENSE'), 'utf8'), nodeDir, nodeVersion: NODE_VERSIONS[RUNTIME_MAJOR] });
    writeFileSync(LICENCES_PATH, notice);
    const { size } = statSync(BINARY_PATH);
    return { path: BINARY_PATH, licences: LICENCES_PATH, bytes: size, nodeVersion: NODE_VERSIONS[RUNTIME_MAJOR], timings };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { path, licences, bytes, nodeVersion, timings } = await buildBinary();
    const steps = Object.entries(timings).map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`).join(', ');
    console.log(`${path} (${(bytes / 1e6).toFixed(1)} MB, Node ${nodeVersion}; ${steps})\n${licences}`);
  } catch (error) {
    console.error(`build:binary: ${error.message}`);
    process.exit(1);
  }
}
