#!/usr/bin/env node
// The npm tarball of a release: `npm pack` of a staged copy of the package whose manifest has no
// `prepare` script.
//
// Why: `prepare` (npm run build) is what builds dist/ when the package is installed from git, the
// one way npm documents for that. But npm 11 counts a `prepare` as an install script for every source
// that is not the registry, a tarball file among them: `npm install ./vlens-digital-identity-0.1.0.tgz`
// warns, and fails under --strict-allow-scripts, although dist/ is already inside. The packed manifest
// therefore leaves it out, and the release publishes that very tarball (`npm publish <tarball>`);
// `npm publish` from the folder would pack the manifest as it is, so it is refused (prepublishOnly).
//
//   node scripts/release/tarball.mjs [--out <dir>]   builds dist/, prints the tarball's path
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';

/**
 * What packTarball resolves to: the tarball's path and file name, its integrity (as npm gives it,
 * sha512-<base64>), npm's list of the files in it (`size` in bytes), and the time it took in ms.
 * @typedef {{ path: string, filename: string, integrity: string, files: { path: string, size: number, mode: number }[], ms: number }} PackedTarball
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const npmEnv = { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
/** Scripts npm may run when the package is installed from a tarball or a folder: none may be packed. */
export const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

/**
 * The manifest as packed: package.json without its install scripts (and without the publish guard, which only guards the folder).
 * @template {{ scripts?: Record<string, string> }} Manifest
 * @param {Manifest} manifest package.json
 * @returns {Manifest & { scripts: Record<string, string> }}
 */
export function packedManifest(manifest) {
  const scripts = Object.fromEntries(Object.entries(manifest.scripts ?? {}).filter(([name]) => !INSTALL_SCRIPTS.includes(name) && name !== 'prepublishOnly'));
  return { ...manifest, scripts };
}

/**
 * Stages the files npm would pack, compiles the client and the mock's types into the stage (`tsc -p
 * tsconfig.build.json` and `tsconfig.mocks.json`, the build script's compilers, with the stage as
 * outDir: this folder's dist/ is neither read nor changed, so parallel builds do not meet), packs the
 * stage into `out`; resolves to
 * `{ path, filename, integrity, files, ms }`. npm gives every entry the same time and order, so the
 * same files give the same bytes.
 * @param {{ out?: string }} [options] the folder the tarball goes into (default dist/pack)
 * @returns {Promise<PackedTarball>}
 */
export async function packTarball({ out = join(ROOT, 'dist', 'pack') } = {}) {
  const started = performance.now();
  // The list npm itself would pack from this folder (package.json "files", README, LICENSE), less
  // dist/, which is compiled below.
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, env: npmEnv, maxBuffer: 16 * 1024 * 1024 });
  /** @type {[{ files: { path: string }[] }]} */
  const [dryRun] = JSON.parse(stdout);
  const files = dryRun.files.filter(({ path }) => !path.startsWith('dist/'));
  const stage = mkdtempSync(join(tmpdir(), 'vlens-pack-'));
  try {
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
    await run(tsc, ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], { cwd: ROOT });
    await run(tsc, ['-p', join(ROOT, 'tsconfig.mocks.json'), '--outDir', join(stage, 'dist', 'mocks')], { cwd: ROOT });
    for (const { path } of files) {
      mkdirSync(dirname(join(stage, path)), { recursive: true });
      if (path === 'package.json') {
        writeFileSync(join(stage, path), `${JSON.stringify(packedManifest(JSON.parse(readFileSync(join(ROOT, path), 'utf8'))), null, 2)}\n`);
      } else {
        copyFileSync(join(ROOT, path), join(stage, path));
      }
    }
    mkdirSync(out, { recursive: true });
    const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', resolve(out)], { cwd: stage, env: npmEnv, maxBuffer: 16 * 1024 * 1024 });
    /** @type {[Omit<PackedTarball, 'path' | 'ms'>]} */
    const [info] = JSON.parse(packed.stdout);
    return { path: join(resolve(out), info.filename), filename: info.filename, integrity: info.integrity, files: info.files, ms: Math.round(performance.now() - started) };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, 'refuse-publish': { type: 'boolean' } } });
  if (values['refuse-publish']) {
    const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    console.error(
      `Publish the release tarball, not this folder (its manifest has the prepare script that git installs need):\n  npm run release && npm publish dist/release/${version}/${name}-${version}.tgz`,
    );
    process.exit(1);
  }
  try {
    const { path, files, ms } = await packTarball({ out: values.out });
    console.log(`${path} (${files.length} files, ${(ms / 1000).toFixed(1)} s)`);
  } catch (error) {
    console.error(`tarball: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
