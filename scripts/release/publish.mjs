#!/usr/bin/env node
// The steps of .github/workflows/release.yml that act on a release folder made by `npm run release`:
//
//   node scripts/release/publish.mjs check-tag <tag>
//       exits 1 unless the tag is v<package.json version> (a tag and a package that disagree would
//       publish the wrong version under the tag's name)
//   node scripts/release/publish.mjs push-image <repository> [--dry-run]
//       copies the image index from the release's archive to <repository>:<version> with skopeo
//       (`copy --all --preserve-digests`: both architectures, and the digest the archive has, which
//       the provenance attestation names); writes `name` and `digest` to $GITHUB_OUTPUT.
//       Credentials: REGISTRY_USER and REGISTRY_PASSWORD. --dry-run prints the command instead.
//   node scripts/release/publish.mjs npm [--dry-run]
//       `npm publish <the release tarball> --provenance --access public` (the tarball, not the folder:
//       scripts/release/tarball.mjs says why)
import { execFile, spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { ARTIFACTS, RELEASE_DIR } from './index.mjs';

/** @import { ReleaseManifest } from './index.mjs' */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/**
 * Why `tag` cannot release this package, or null when it is `v<version>`.
 * @param {string} tag
 * @param {string} [packageVersion] default package.json's
 * @returns {string | null}
 */
export function tagProblem(tag, packageVersion = version) {
  if (tag === `v${packageVersion}`) return null;
  return `the tag ${tag} does not name package.json's version ${packageVersion} (expected v${packageVersion}): bump the version (npm version <x.y.z>) or tag v${packageVersion}`;
}

/**
 * The skopeo arguments that push the release's image index to `repository` (lower-cased: registries refuse capitals).
 * @param {string} repository e.g. ghcr.io/<owner>/vlens-mock
 * @param {{ dir?: string }} [options] the release folder (default dist/release/<version>)
 * @returns {{ name: string, args: string[] }} `name`: <repository>:<version>
 */
export function pushImageArgs(repository, { dir = RELEASE_DIR } = {}) {
  const name = `${repository.toLowerCase()}:${version}`;
  const args = ['copy', '--all', '--preserve-digests', '--retry-times', '3'];
  if (process.env.REGISTRY_USER) args.push('--dest-creds', `${process.env.REGISTRY_USER}:${process.env.REGISTRY_PASSWORD ?? ''}`);
  args.push(`oci-archive:${join(dir, ARTIFACTS.image)}`, `docker://${name}`);
  return { name, args };
}

/**
 * Prints `key=value` lines, and appends them to $GITHUB_OUTPUT when the workflow sets it.
 * @param {Record<string, string>} values
 */
function output(values) {
  const lines = Object.entries(values).map(([key, value]) => `${key}=${value}`);
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `${lines.join('\n')}\n`);
  console.log(lines.join('\n'));
}

/**
 * Runs `command` with this process's stdio; resolves when it exits with 0.
 * @param {string} command
 * @param {string[]} args
 * @returns {Promise<void>}
 */
const inherit = (command, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args[0]} exited with ${code}`))));
  });

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values, positionals } = parseArgs({ options: { 'dry-run': { type: 'boolean' }, dir: { type: 'string' } }, allowPositionals: true });
  const [command, target] = positionals;
  const dir = values.dir ?? RELEASE_DIR;
  try {
    if (command === 'check-tag') {
      const problem = tagProblem(target ?? '');
      if (problem) throw new Error(problem);
      console.log(`${target} releases ${version}`);
    } else if (command === 'push-image') {
      if (!target) throw new Error('push-image needs the repository, e.g. ghcr.io/<owner>/vlens-mock');
      /** @type {ReleaseManifest} */
      const manifest = JSON.parse(readFileSync(`${dir}.json`, 'utf8'));
      if (!manifest.image) throw new Error(`${dir}.json names no image: the release was built without one (--skip-image)`);
      const { digest } = manifest.image;
      const { name, args } = pushImageArgs(target, { dir });
      if (values['dry-run']) console.log(`skopeo ${args.map((arg) => (arg.includes(':') && arg.startsWith(process.env.REGISTRY_USER ?? '\0') ? '<credentials>' : arg)).join(' ')}`);
      else await run('skopeo', args, { maxBuffer: 16 * 1024 * 1024 });
      output({ name: name.slice(0, name.lastIndexOf(':')), digest });
    } else if (command === 'npm') {
      const args = ['publish', join(dir, ARTIFACTS.tarball), '--provenance', '--access', 'public', ...(values['dry-run'] ? ['--dry-run'] : [])];
      await inherit('npm', args);
    } else {
      throw new Error('usage: publish.mjs check-tag <tag> | push-image <repository> [--dry-run] | npm [--dry-run]');
    }
  } catch (error) {
    console.error(`publish: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
