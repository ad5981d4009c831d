#!/usr/bin/env node
// `npm run release`: every artifact of this version in one folder, dist/release/<version>/ (or --out):
//   vlens-digital-identity-<version>.tgz           the npm package (scripts/release/tarball.mjs)
//   vlens-mock-linux-x64, vlens-mock-linux-arm64    the mock as single executables (scripts/build/binary.mjs)
//   THIRD-PARTY-LICENSES.txt                        the licences of everything inside them
//   vlens-mock-<version>.oci.tar                    the image, linux/amd64 + linux/arm64 (scripts/build/image.mjs)
//   vlens-digital-identity.postman_collection.json  the Postman collection (scripts/build/postman.mjs)
//   vlens-mock.postman_environment.json             and its environment
//   vlens-digital-identity-docs-<version>.tar.gz    the docs portal, docs/index.html + docs/sandbox.html
//   vlens-mock-<version>.cdx.json                   the CycloneDX SBOM of the executables and the image
//   SHA256SUMS                                      `sha256sum -c SHA256SUMS` checks all of them
// and release.json (what was built, the image digests, the time of each step), which is not an
// artifact. Same inputs, same bytes: SOURCE_DATE_EPOCH (default: the last commit's time) is the
// time inside every archive and the SBOM; what is and is not reproducible is tested in
// test/ship-release.test.ts and listed in CONTRIBUTING.md.
//
// Runs on Linux x64 with Podman, binutils (and binutils-aarch64-linux-gnu) and Debian's arm64
// packages enabled: what .ci/run installs, and the release workflow's container.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { ARCHES, LICENCES_FILE, RUNTIME_MAJOR, binaryPath, buildBinary } from '../build/binary.mjs';
import { creationTime, buildImage, reproducibleTar } from '../build/image.mjs';
import { bundledPackages } from '../build/licenses.mjs';
import { buildPostman } from '../build/postman.mjs';
import { buildDocs, buildSandboxDocs } from '../docs/build.mjs';
import { NODE_VERSIONS, nodePackageName } from '../ensure-node.mjs';
import { buildSbom } from './sbom.mjs';
import { packTarball } from './tarball.mjs';

/** @import { Metafile } from 'esbuild' */
/** @import { Arch } from '../build/binary.mjs' */

/**
 * release.json: the version, SOURCE_DATE_EPOCH (seconds), every file's SHA-256 (hex) by name, the
 * image's name and digests (null without the image), and the time of each step in ms.
 * @typedef {object} ReleaseManifest
 * @property {string} version
 * @property {number} epoch
 * @property {Record<string, string>} files
 * @property {{ name: string, digest: string, platforms: { platform: string, digest: string }[] } | null} image
 * @property {Record<string, number>} timings
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** @type {{ name: string, version: string, license: string }} */
const project = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

export const RELEASE_DIR = join(ROOT, 'dist', 'release', project.version);
/** The artifacts' file names, in the order SHA256SUMS lists them (sorted). */
export const ARTIFACTS = {
  tarball: `${project.name}-${project.version}.tgz`,
  binaries: /** @type {Record<Arch, string>} */ (Object.fromEntries(ARCHES.map((arch) => [arch, `vlens-mock-linux-${arch}`]))),
  licences: LICENCES_FILE,
  image: `vlens-mock-${project.version}.oci.tar`,
  collection: 'vlens-digital-identity.postman_collection.json',
  environment: 'vlens-mock.postman_environment.json',
  docs: `${project.name}-docs-${project.version}.tar.gz`,
  sbom: `vlens-mock-${project.version}.cdx.json`,
};
export const SUMS_FILE = 'SHA256SUMS';

/** @param {string} path */
const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * The docs portal as a .tar.gz: sorted entries, one time, owner 0, gzip without a name or time.
 * @param {string} work a folder of its own
 * @param {string} output the archive's path
 * @param {number} epoch every entry's time, in seconds since the epoch
 */
async function docsArchive(work, output, epoch) {
  const dir = join(work, 'docs');
  await Promise.all([buildDocs({ outFile: join(dir, 'index.html') }), buildSandboxDocs({ outFile: join(dir, 'sandbox.html') })]);
  const tar = join(work, 'docs.tar');
  await reproducibleTar(work, tar, epoch, ['docs']);
  await run('gzip', ['--no-name', '--best', tar]);
  copyFileSync(`${tar}.gz`, output);
}

/**
 * Builds every artifact into `out`; resolves to the manifest written to release.json:
 * `{ version, epoch, files: { name: sha256 }, image: { digest, platforms }, timings: { step: ms } }`.
 * `skipImage`: leave the image out (a machine without Podman); the SBOM then lists no Debian package.
 * @param {{ out?: string, epoch?: number, skipImage?: boolean, log?: (line: string) => void }} [options]
 *   `epoch`: SOURCE_DATE_EPOCH in seconds (default: the environment's, else the last commit's time);
 *   `log`: a line per step with its time
 * @returns {Promise<ReleaseManifest>}
 */
export async function release({ out = RELEASE_DIR, epoch, skipImage = false, log = (line) => console.error(line) } = {}) {
  const sourceDateEpoch = epoch ?? Number(process.env.SOURCE_DATE_EPOCH ?? (await creationTime()));
  // Read by the image build and by every tool that honours it.
  process.env.SOURCE_DATE_EPOCH = String(sourceDateEpoch);
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
    const ms = Math.round(performance.now() - started);
    timings[step] = ms;
    log(`release: ${step} ${(ms / 1000).toFixed(1)} s`);
    return result;
  };
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'vlens-release-'));
  try {
    const binDir = join(work, 'bin');
    // The tarball first: its build (tsc) and the binaries' bundles would compete for the two cores.
    await time('tarball', () => packTarball({ out }));
    /** @type {Metafile | undefined} */
    let metafile;
    for (const arch of ARCHES) {
      ({ metafile } = await time(`binary ${arch}`, () => buildBinary({ arch, dir: binDir, log })));
      copyFileSync(binaryPath(arch, binDir), join(out, ARTIFACTS.binaries[arch]));
    }
    // Both binaries hold the same bundle: the last one's metafile lists what is in each.
    if (!metafile) throw new Error('no binary was built: ARCHES is empty');
    const bundle = metafile;
    copyFileSync(join(binDir, LICENCES_FILE), join(out, ARTIFACTS.licences));
    const image = skipImage ? null : await time('image', () => buildImage({ binDir, output: join(out, ARTIFACTS.image) }));
    await time('postman', async () => {
      const { collection, environment } = await buildPostman();
      writeFileSync(join(out, ARTIFACTS.collection), `${JSON.stringify(collection, null, 2)}\n`);
      writeFileSync(join(out, ARTIFACTS.environment), `${JSON.stringify(environment, null, 2)}\n`);
    });
    await time('docs', () => docsArchive(join(work, 'docs-archive'), join(out, ARTIFACTS.docs), sourceDateEpoch));
    await time('sbom', async () => {
      const files = [...Object.values(ARTIFACTS.binaries), ...(image ? [ARTIFACTS.image] : [])].map((name) => ({ name, sha256: sha256(join(out, name)) }));
      const text = buildSbom({
        project,
        packages: bundledPackages(bundle, ROOT),
        nodes: ARCHES.map((arch) => ({ arch, name: nodePackageName('linux', arch), version: NODE_VERSIONS[RUNTIME_MAJOR] })),
        debian: image ? Object.fromEntries(image.platforms.map(({ arch, packages }) => [arch, packages])) : {},
        files,
        epoch: sourceDateEpoch,
      });
      writeFileSync(join(out, ARTIFACTS.sbom), text);
    });
    const names = readdirSync(out)
      .filter((name) => name !== SUMS_FILE)
      .sort();
    const files = Object.fromEntries(names.map((name) => [name, sha256(join(out, name))]));
    // The format `sha256sum -c` reads: hash, two spaces (text mode), name.
    writeFileSync(join(out, SUMS_FILE), names.map((name) => `${files[name]}  ${name}\n`).join(''));
    const manifest = {
      version: project.version,
      epoch: sourceDateEpoch,
      files,
      image: image && { name: `vlens-mock:${project.version}`, digest: image.digest, platforms: image.platforms.map(({ platform, digest }) => ({ platform, digest })) },
      timings,
    };
    // Beside the folder rather than in it: it holds timings, which differ from run to run.
    writeFileSync(`${resolve(out)}.json`, `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, 'skip-image': { type: 'boolean' } } });
  try {
    const out = values.out ? resolve(values.out) : RELEASE_DIR;
    const { files, image, timings } = await release({ out, skipImage: values['skip-image'] });
    const total = Object.values(timings).reduce((sum, ms) => sum + ms, 0);
    console.log(`${out}: ${Object.keys(files).length} files and ${SUMS_FILE}${image ? `; image ${image.digest}` : ''} (${(total / 1000).toFixed(1)} s)\n${out}.json`);
    if (!existsSync(join(out, SUMS_FILE))) process.exit(1);
  } catch (error) {
    console.error(`release: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
