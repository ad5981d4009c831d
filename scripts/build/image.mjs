#!/usr/bin/env node
// `npm run build:image`: dist/image/vlens-mock.oci.tar, one image for linux/amd64 and linux/arm64 (an
// image index, as an OCI layout archive) made from the single executables (dist/bin/vlens-mock-linux-
// x64 and -arm64, made first by `npm run build:binary`), for CI `services:` and for teams without
// Node. FROM scratch: the binary, the loader and shared libraries it links (from Debian's packages
// for its CPU: scripts/build/runtime-libs.mjs), their Debian copyright files, the licences, and a
// passwd entry for the unprivileged user it runs as. With no argument it listens on [::]:4010, IPv6
// and IPv4 (IPv4 alone where the container has no IPv6), and stops on SIGTERM; its HEALTHCHECK runs
// `vlens-mock health`.
//
// Docker image format (application/vnd.docker.distribution.manifest.v2+json, in a manifest list),
// not OCI: the OCI image configuration has no health check, and Podman/Buildah drop HEALTHCHECK
// when they write one. Docker, Podman, containerd and every registry read this format.
//
// Built with Podman in a store of its own, which is removed afterwards; needs no base image and no
// registry. Same inputs, same bytes: the layers' file times and the images' creation time are the
// last commit's (or SOURCE_DATE_EPOCH), and the archive's entries are sorted with fixed times.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { ARCHES, BIN_DIR, LICENCES_FILE, binaryPath, isArch } from './binary.mjs';
import { PODMAN_INSTALL, createPodman, hasPodman } from './podman.mjs';
import { PLATFORMS, placeRuntimeLibraries } from './runtime-libs.mjs';

/** @import { Arch } from './binary.mjs' */
/** @import { DebianPackage } from './runtime-libs.mjs' */

/**
 * An OCI content descriptor, as index.json and a manifest list name a blob (`platform` in a list only).
 * @typedef {{ mediaType?: string, digest: string, size: number, platform?: { os: string, architecture: string } }} Descriptor
 */
/**
 * The parts of an image configuration Buildah fills with what differs from build to build.
 * @typedef {{ container?: string, parent?: string, config?: { Hostname?: string }, container_config?: { Hostname?: string }, history?: { comment?: string }[] }} ImageConfig
 */

/**
 * One architecture of the image: `platform` the OCI name (linux/arm64), `digest` its image
 * manifest's, `libraries` the image paths of the loader and libraries, `packages` their Debian packages.
 * @typedef {{ arch: Arch, platform: string, digest: string, libraries: string[], packages: DebianPackage[] }} ImagePlatform
 */
/**
 * What buildImage resolves to: the archive's path, size in bytes and SHA-256 (hex), the manifest
 * list's digest, each platform, and the time the build took in ms.
 * @typedef {{ path: string, bytes: number, sha256: string, digest: string, platforms: ImagePlatform[], ms: number }} BuiltImage
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

export const IMAGE_PATH = join(ROOT, 'dist', 'image', 'vlens-mock.oci.tar');
export const IMAGE_NAME = `localhost/vlens-mock:${version}`;
export const IMAGE_PORT = 4010;
export const IMAGE_USER = { name: 'vlens', uid: 10001 };
export const BINARY_IN_IMAGE = '/usr/local/bin/vlens-mock';
/** The image's HEALTHCHECK: the probe every 10 s, 5 s each, unhealthy after 3 misses, 30 s to start (arm64 under emulation is slow). */
export const HEALTHCHECK = { interval: '10s', timeout: '5s', startPeriod: '30s', retries: 3, command: [BINARY_IN_IMAGE, 'health'] };

/**
 * @param {string} source
 * @param {string} rootfs the image's root folder
 * @param {string} path inside the image
 * @param {number} [mode] the file mode to set (default: the source's)
 */
function place(source, rootfs, path, mode) {
  const target = join(rootfs, path);
  mkdirSync(dirname(target), { recursive: true });
  try {
    // The binary is about 120 MB: a hard link saves copying it into the build context.
    linkSync(source, target);
  } catch {
    copyFileSync(source, target);
  }
  if (mode) chmodSync(target, mode);
}

/**
 * Writes the image's root folder for `arch`.
 * @param {string} rootfs
 * @param {Arch} arch
 * @param {string} binDir where the binaries and their licence notice are
 * @returns {Promise<{ libraries: string[], packages: DebianPackage[] }>}
 */
async function layout(rootfs, arch, binDir) {
  place(binaryPath(arch, binDir), rootfs, BINARY_IN_IMAGE, 0o755);
  const { paths, packages, copyrights } = await placeRuntimeLibraries(binaryPath(arch, binDir), arch, rootfs);
  place(join(ROOT, 'LICENSE'), rootfs, '/licenses/LICENSE');
  place(join(binDir, LICENCES_FILE), rootfs, `/licenses/${LICENCES_FILE}`);
  for (const { name, file } of copyrights) {
    mkdirSync(join(rootfs, 'licenses', 'debian', name), { recursive: true });
    copyFileSync(file, join(rootfs, 'licenses', 'debian', name, 'copyright'));
  }
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  const { name, uid } = IMAGE_USER;
  writeFileSync(join(rootfs, 'etc', 'passwd'), `root:x:0:0:root:/root:/sbin/nologin\n${name}:x:${uid}:${uid}:vlens-mock:/nonexistent:/sbin/nologin\n`);
  writeFileSync(join(rootfs, 'etc', 'group'), `root:x:0:\n${name}:x:${uid}:\n`);
  mkdirSync(join(rootfs, 'tmp'));
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  return { libraries: paths, packages };
}

/** @param {string} created the image's creation time, ISO 8601 */
const containerfile = (created) => `FROM scratch
COPY rootfs/ /
USER ${IMAGE_USER.uid}:${IMAGE_USER.uid}
ENV PORT=${IMAGE_PORT}
EXPOSE ${IMAGE_PORT}
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=${HEALTHCHECK.interval} --timeout=${HEALTHCHECK.timeout} --start-period=${HEALTHCHECK.startPeriod} --retries=${HEALTHCHECK.retries} CMD ${JSON.stringify(HEALTHCHECK.command)}
ENTRYPOINT ["${BINARY_IN_IMAGE}", "--host", "::"]
LABEL org.opencontainers.image.title="vlens-mock" \\
      org.opencontainers.image.description="Mock of the Vlens Digital Identity API (Stoplight Prism 5.14 serving its OpenAPI description)" \\
      org.opencontainers.image.version="${version}" \\
      org.opencontainers.image.licenses="MIT" \\
      org.opencontainers.image.created="${created}"
`;

/**
 * Seconds since the epoch: SOURCE_DATE_EPOCH, else the last commit's (a stable creation time), else now outside git.
 * @returns {Promise<number>}
 */
export async function creationTime() {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  try {
    return Number((await run('git', ['log', '-1', '--format=%ct'], { cwd: ROOT })).stdout.trim());
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

/** @param {string} path */
const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * Writes `dir` (an OCI layout) as a tar archive with sorted entries, owner 0 and the same time on
 * every entry, so that the same layout gives the same bytes (Podman's own oci-archive uses the time
 * of writing).
 * @param {string} dir
 * @param {string} output the archive's path
 * @param {number} epoch every entry's time, in seconds since the epoch
 * @param {string[]} [entries] what of `dir` goes in, relative to it
 * @returns {Promise<void>}
 */
export async function reproducibleTar(dir, output, epoch, entries = ['oci-layout', 'index.json', 'blobs']) {
  await run('tar', [
    '--create',
    '--file',
    output,
    '--directory',
    dir,
    '--sort=name',
    `--mtime=@${epoch}`,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mode=u+rw,go+r,go-w',
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    ...entries,
  ]);
}

/**
 * Makes an OCI layout of Docker-format images reproducible: Buildah writes the build container's
 * random id (`container`), its hostname and the ids of the intermediate images (`parent`, the
 * history's "FROM <id>" comments) into each image configuration, the only bytes that differ between
 * two builds of the same inputs. Removes them, then rewrites the digests that name them
 * (configuration -> image manifest -> manifest list -> index.json) and removes the blobs replaced.
 * @param {string} dir the OCI layout, changed in place
 */
export function normalizeLayout(dir) {
  /** @param {string} digest */
  const blobPath = (digest) => join(dir, 'blobs', ...digest.split(':'));
  /** @param {string} text */
  const write = (text) => {
    const digest = `sha256:${createHash('sha256').update(text).digest('hex')}`;
    writeFileSync(blobPath(digest), text);
    return { digest, size: Buffer.byteLength(text) };
  };
  /**
   * @param {string} old the digest of the blob `text` replaces
   * @param {string} text
   */
  const replace = (old, text) => {
    const written = write(text);
    if (written.digest !== old) rmSync(blobPath(old));
    return written;
  };
  const indexPath = join(dir, 'index.json');
  /** @type {{ manifests: Descriptor[] }} */
  const index = JSON.parse(readFileSync(indexPath, 'utf8'));
  for (const entry of index.manifests) {
    /** @type {{ manifests: Descriptor[] }} */
    const list = JSON.parse(readFileSync(blobPath(entry.digest), 'utf8'));
    for (const platform of list.manifests) {
      /** @type {{ config: Descriptor }} */
      const manifest = JSON.parse(readFileSync(blobPath(platform.digest), 'utf8'));
      /** @type {ImageConfig} */
      const config = JSON.parse(readFileSync(blobPath(manifest.config.digest), 'utf8'));
      delete config.container;
      delete config.parent;
      for (const part of [config.config, config.container_config]) if (part) part.Hostname = '';
      for (const step of config.history ?? []) if (/^FROM [0-9a-f]+$/.test(step.comment ?? '')) delete step.comment;
      Object.assign(manifest.config, replace(manifest.config.digest, JSON.stringify(config)));
      Object.assign(platform, replace(platform.digest, JSON.stringify(manifest)));
    }
    Object.assign(entry, replace(entry.digest, JSON.stringify(list)));
  }
  writeFileSync(indexPath, JSON.stringify(index));
}

/**
 * Builds the image index from the binaries already built; resolves to
 * `{ path, bytes, digest, platforms: [{ arch, platform, digest, libraries }], packages, ms }`:
 * `digest` is the manifest list's (what a registry pushed with `skopeo copy --all` names), each
 * platform's the digest of its image manifest; `packages` the Debian packages per architecture.
 * @param {{ arches?: string[], binDir?: string, work?: string, output?: string }} [options] `arches`:
 *   Node's names of the CPUs (default ARCHES); `binDir`: where the binaries are; `work`: a
 *   temporary folder, removed afterwards; `output`: the archive's path
 * @returns {Promise<BuiltImage>}
 * @throws {Error} without Podman, without a binary, for a CPU not in ARCHES, or when a step fails
 */
export async function buildImage({ arches = ARCHES, binDir = BIN_DIR, work = mkdtempSync(join(tmpdir(), 'vlens-image-')), output = IMAGE_PATH } = {}) {
  if (!hasPodman()) throw new Error(`build:image needs Podman, which is not installed. Install it with:\n  ${PODMAN_INSTALL}`);
  /** @type {Arch[]} */
  const targets = [];
  for (const arch of arches) {
    if (!existsSync(binaryPath(arch, binDir))) throw new Error(`${binaryPath(arch, binDir)} is missing: run npm run build:binary -- --arch ${arch} first`);
    if (!isArch(arch)) throw new Error(`build:image makes images for ${ARCHES.join(' and ')}, not ${arch}`);
    targets.push(arch);
  }
  const started = performance.now();
  const podman = createPodman(join(work, 'podman'));
  try {
    const created = await creationTime();
    await podman(['manifest', 'create', IMAGE_NAME]);
    const built = [];
    // One after the other: both write to the same manifest list.
    for (const arch of targets) {
      const context = join(work, `context-${arch}`);
      const { libraries, packages } = await layout(join(context, 'rootfs'), arch, binDir);
      writeFileSync(join(context, 'Containerfile'), containerfile(new Date(created * 1000).toISOString()));
      await podman([
        'build',
        '--quiet',
        '--layers=false',
        '--format',
        'docker',
        '--platform',
        PLATFORMS[arch].oci,
        '--timestamp',
        String(created),
        '--manifest',
        IMAGE_NAME,
        '--file',
        join(context, 'Containerfile'),
        context,
      ]);
      built.push({ arch, platform: PLATFORMS[arch].oci, libraries, packages });
    }
    const layoutDir = join(work, 'layout');
    await podman(['manifest', 'push', '--quiet', '--all', '--format', 'v2s2', IMAGE_NAME, `oci:${layoutDir}:${IMAGE_NAME}`]);
    normalizeLayout(layoutDir);
    mkdirSync(dirname(output), { recursive: true });
    rmSync(output, { force: true });
    await reproducibleTar(layoutDir, output, created);
    /** @type {{ manifests: Descriptor[] }} */
    const index = JSON.parse(readFileSync(join(layoutDir, 'index.json'), 'utf8'));
    const [listDescriptor] = index.manifests;
    if (!listDescriptor) throw new Error(`podman manifest push wrote no manifest list into ${layoutDir}`);
    const { digest } = listDescriptor;
    /** @type {{ manifests: Descriptor[] }} */
    const list = JSON.parse(readFileSync(join(layoutDir, 'blobs', ...digest.split(':')), 'utf8'));
    const platforms = built.map((entry) => {
      const manifest = list.manifests.find(({ platform }) => `${platform?.os}/${platform?.architecture}` === entry.platform);
      if (!manifest) throw new Error(`the manifest list ${digest} has no image for ${entry.platform}`);
      return { ...entry, digest: manifest.digest };
    });
    return { path: output, bytes: statSync(output).size, sha256: sha256(output), digest, platforms, ms: Math.round(performance.now() - started) };
  } finally {
    await podman.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { values } = parseArgs({ options: { arch: { type: 'string', multiple: true } } });
    const { path, bytes, digest, platforms, ms } = await buildImage({ arches: values.arch ?? ARCHES });
    console.log(`${path} (${(bytes / 1e6).toFixed(1)} MB, ${IMAGE_NAME} ${digest}: ${platforms.map((entry) => entry.platform).join(', ')}; ${(ms / 1000).toFixed(1)} s)`);
  } catch (error) {
    console.error(`build:image: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
