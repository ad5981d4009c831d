#!/usr/bin/env node
// `npm run build:image`: dist/image/vlens-mock.oci.tar, an OCI image archive of the single executable
// (dist/bin/vlens-mock-linux-x64, made first by `npm run build:binary`), for CI `services:` and
// for teams without Node. FROM scratch: the binary, the shared libraries it links (from ldd), their
// Debian copyright files, the licences, and a passwd entry for the unprivileged user it runs as.
// It listens on 0.0.0.0:4010 with no argument and stops on SIGTERM. Built with Podman in a store of
// its own, which is removed afterwards; needs no base image and no registry.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { BINARY_PATH, LICENCES_PATH } from './binary.mjs';
import { PODMAN_INSTALL, createPodman, hasPodman } from './podman.mjs';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

export const IMAGE_PATH = join(ROOT, 'dist', 'image', 'vlens-mock.oci.tar');
export const IMAGE_NAME = `localhost/vlens-mock:${version}`;
export const IMAGE_PORT = 4010;
export const IMAGE_USER = { name: 'vlens', uid: 10001 };
const BINARY_IN_IMAGE = '/usr/local/bin/vlens-mock';

/** The shared libraries the binary loads, as absolute paths (ldd's list; the vDSO has no file). */
export async function sharedLibraries(binary) {
  const { stdout } = await run('ldd', [binary]);
  return [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/g)].map((match) => match[1]);
}

/** Debian's copyright file of the package that installed `path`, or null (not Debian, not found). */
async function debianCopyright(path) {
  try {
    const { stdout } = await run('dpkg', ['-S', path]);
    const pkg = stdout.split(':')[0];
    const file = `/usr/share/doc/${pkg}/copyright`;
    return existsSync(file) ? { pkg, file } : null;
  } catch {
    return null;
  }
}

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

async function layout(rootfs) {
  place(BINARY_PATH, rootfs, BINARY_IN_IMAGE, 0o755);
  const notices = new Map();
  for (const library of await sharedLibraries(BINARY_PATH)) {
    // Copied to the path the binary's loader and ldd use; copyFileSync follows symlinks.
    const target = join(rootfs, library);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(library, target);
    const copyright = await debianCopyright(library);
    if (copyright) notices.set(copyright.pkg, copyright.file);
  }
  place(join(ROOT, 'LICENSE'), rootfs, '/licenses/LICENSE');
  place(LICENCES_PATH, rootfs, '/licenses/THIRD-PARTY-LICENSES.txt');
  for (const [pkg, file] of notices) {
    mkdirSync(join(rootfs, 'licenses', 'debian', pkg), { recursive: true });
    copyFileSync(file, join(rootfs, 'licenses', 'debian', pkg, 'copyright'));
  }
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  const { name, uid } = IMAGE_USER;
  writeFileSync(join(rootfs, 'etc', 'passwd'), `root:x:0:0:root:/root:/sbin/nologin\n${name}:x:${uid}:${uid}:vlens-mock:/nonexistent:/sbin/nologin\n`);
  writeFileSync(join(rootfs, 'etc', 'group'), `root:x:0:\n${name}:x:${uid}:\n`);
  mkdirSync(join(rootfs, 'tmp'));
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  return [...notices.keys()];
}

const containerfile = (created) => `FROM scratch
COPY rootfs/ /
USER ${IMAGE_USER.uid}:${IMAGE_USER.uid}
ENV PORT=${IMAGE_PORT}
EXPOSE ${IMAGE_PORT}
STOPSIGNAL SIGTERM
ENTRYPOINT ["${BINARY_IN_IMAGE}", "--host", "0.0.0.0"]
LABEL org.opencontainers.image.title="vlens-mock" \\
      org.opencontainers.image.description="Mock of the Vlens Digital Identity API (Stoplight Prism 5.14 serving its OpenAPI description)" \\
      org.opencontainers.image.version="${version}" \\
      org.opencontainers.image.licenses="MIT" \\
      org.opencontainers.image.created="${created}"
`;

/** Seconds since the epoch of the last commit (a stable creation time), or now outside git. */
async function creationTime() {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  try {
    return Number((await run('git', ['log', '-1', '--format=%ct'], { cwd: ROOT })).stdout.trim());
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

/** Builds the archive from the binary already built; resolves to `{ path, bytes, libraries, ms }`. */
export async function buildImage({ work = mkdtempSync(join(tmpdir(), 'vlens-image-')) } = {}) {
  if (!hasPodman()) throw new Error(`build:image needs Podman, which is not installed. Install it with:\n  ${PODMAN_INSTALL}`);
  if (!existsSync(BINARY_PATH)) throw new Error(`${BINARY_PATH} is missing: run npm run build:binary first`);
  const started = performance.now();
  const podman = createPodman(join(work, 'podman'));
  try {
    const context = join(work, 'context');
    const licensed = await layout(join(context, 'rootfs'));
    const created = await creationTime();
    writeFileSync(join(context, 'Containerfile'), containerfile(new Date(created * 1000).toISOString()));
    await podman(['build', '--quiet', '--timestamp', String(created), '--tag', IMAGE_NAME, '--file', join(context, 'Containerfile'), context]);
    mkdirSync(dirname(IMAGE_PATH), { recursive: true });
    rmSync(IMAGE_PATH, { force: true });
    await podman(['save', '--quiet', '--format', 'oci-archive', '--output', IMAGE_PATH, IMAGE_NAME]);
    return { path: IMAGE_PATH, bytes: statSync(IMAGE_PATH).size, libraries: licensed, ms: Math.round(performance.now() - started) };
  } finally {
    await podman.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { path, bytes, ms } = await buildImage();
    console.log(`${path} (${(bytes / 1e6).toFixed(1)} MB, ${IMAGE_NAME}, ${(ms / 1000).toFixed(1)} s)`);
  } catch (error) {
    console.error(`build:image: ${error.message}`);
    process.exit(1);
  }
}
