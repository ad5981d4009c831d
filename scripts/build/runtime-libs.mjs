// The loader and shared libraries a Linux Node binary needs, for an image FROM scratch, taken from
// Debian's packages for the binary's CPU rather than from the build machine: `apt-get download
// libc6:arm64 ...` needs no arm64 machine, and both architectures of the image get their libraries
// the same way, with the same package versions and the packages' own copyright files.
//
// What is copied is the closure of the binary's DT_NEEDED entries (readelf from binutils reads ELF of
// any CPU), found in the unpacked packages, plus the program interpreter at the path the binary asks
// for (PT_INTERP). Nothing else of the packages (locales, gconv, tools) goes in.
//
// The machine needs the foreign architecture enabled once: `dpkg --add-architecture arm64 && apt-get
// update` (.ci/run does it). Downloads are kept in node_modules/.cache/vlens-debs/<arch>/.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** @import { ExecFileException } from 'node:child_process' */
/** @import { Arch } from './binary.mjs' */

/**
 * A Debian package the image takes files from: `version` and `arch` as its control file gives them
 * (Debian's names: amd64, arm64), `file` the downloaded .deb's path, `sha256` its hash in hex.
 * @typedef {{ name: string, version: string, arch: string, file: string, sha256: string }} DebianPackage
 */

/**
 * What placeRuntimeLibraries wrote: the image paths, sorted; the packages they come from; each
 * package's Debian copyright file (`file`: its path in the unpacked packages), one per package.
 * @typedef {{ paths: string[], packages: DebianPackage[], copyrights: { name: string, file: string }[] }} RuntimeLibraries
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEB_CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'vlens-debs');

/**
 * Node's CPU name -> Debian's architecture, the GNU multiarch triplet and the OCI platform.
 * @type {Record<Arch, { debian: string, triplet: string, oci: string }>}
 */
export const PLATFORMS = {
  x64: { debian: 'amd64', triplet: 'x86_64-linux-gnu', oci: 'linux/amd64' },
  arm64: { debian: 'arm64', triplet: 'aarch64-linux-gnu', oci: 'linux/arm64' },
};
/** The packages whose libraries Node's official Linux build links (libc, libm, libstdc++, libgcc_s, libatomic). */
export const RUNTIME_PACKAGES = ['libc6', 'libstdc++6', 'libgcc-s1', 'libatomic1'];

/** @param {string} debianArch Debian's name of the architecture, e.g. arm64 */
export const enableArchitectureHint = (debianArch) => `dpkg --add-architecture ${debianArch} && apt-get update`;

/**
 * Downloads (once) and unpacks the runtime packages for `arch`; resolves to `{ root, packages }`:
 * the folder they are unpacked in, and `[{ name, version, arch, file, sha256 }]` for the SBOM.
 * @param {Arch} arch
 * @returns {Promise<{ root: string, packages: DebianPackage[] }>}
 * @throws {Error} when apt-get cannot download them (naming the command that enables the architecture)
 */
export async function runtimePackages(arch) {
  const { debian } = PLATFORMS[arch];
  const dir = join(DEB_CACHE_DIR, debian);
  const debs = join(dir, 'debs');
  /** @param {string} name */
  const fileOf = (name) => (existsSync(debs) ? readdirSync(debs).find((file) => file.startsWith(`${name}_`) && file.endsWith(`_${debian}.deb`)) : undefined);
  /** @param {string} name a package downloaded already */
  const downloaded = (name) => {
    const file = fileOf(name);
    if (!file) throw new Error(`apt-get download left no ${name}_*_${debian}.deb in ${debs}`);
    return file;
  };
  /**
   * @param {string} file
   * @param {...string} names control fields
   */
  const field = async (file, ...names) => (await run('dpkg-deb', ['--field', join(debs, file), ...names])).stdout;
  /** @param {string[]} names */
  const download = async (names) => {
    const missing = names.filter((name) => !fileOf(name));
    if (!missing.length) return;
    const staging = `${debs}.downloading-${process.pid}`;
    mkdirSync(staging, { recursive: true });
    try {
      await run('apt-get', ['download', ...missing.map((name) => `${name}:${debian}`)], { cwd: staging });
    } catch (caught) {
      const error = /** @type {ExecFileException} */ (caught);
      rmSync(staging, { recursive: true, force: true });
      const reason = error.code === 'ENOENT' ? 'apt-get is not installed (a Debian or Ubuntu machine builds the image)' : (error.stderr || error.message).trim().split('\n').pop();
      throw new Error(`apt-get download of ${missing.join(', ')} for ${debian} failed: ${reason}. Enable the architecture first: ${enableArchitectureHint(debian)}`, {
        cause: error,
      });
    }
    mkdirSync(debs, { recursive: true });
    // Each file moved on its own: a parallel build that downloaded the same file replaces it with the same bytes.
    for (const file of readdirSync(staging)) renameSync(join(staging, file), join(debs, file));
    rmSync(staging, { recursive: true, force: true });
    rmSync(join(dir, 'root'), { recursive: true, force: true });
  };
  await download(RUNTIME_PACKAGES);
  // GCC's runtime libraries keep their copyright file in gcc-<N>-base, which they depend on.
  const depends = await Promise.all(RUNTIME_PACKAGES.map((name) => field(downloaded(name), 'Depends')));
  const bases = [...new Set(depends.flatMap((text) => text.match(/\bgcc-\d+-base\b/g) ?? []))];
  await download(bases);
  /** @type {DebianPackage[]} */
  const packages = [];
  for (const name of [...RUNTIME_PACKAGES, ...bases]) {
    const file = downloaded(name);
    const [, version = '', architecture = ''] = (await field(file, 'Package', 'Version', 'Architecture'))
      .trim()
      .split('\n')
      .map((line) => line.split(': ')[1]);
    packages.push({
      name,
      version,
      arch: architecture,
      file: join(debs, file),
      sha256: createHash('sha256')
        .update(readFileSync(join(debs, file)))
        .digest('hex'),
    });
  }
  const root = join(dir, 'root');
  if (!existsSync(root)) {
    const staging = `${root}.unpacking-${process.pid}`;
    for (const { file } of packages) await run('dpkg-deb', ['--extract', file, staging]);
    try {
      renameSync(staging, root);
    } catch (error) {
      // Another build unpacked the same packages first.
      if (!['ENOTEMPTY', 'EEXIST'].includes(/** @type {NodeJS.ErrnoException} */ (error).code ?? '')) throw error;
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return { root, packages };
}

/**
 * `path` (absolute, inside the image) resolved inside `root`, following symlinks as the image would.
 * @param {string} root
 * @param {string} path
 * @returns {string | null} null when nothing is there
 */
function resolveInside(root, path) {
  let current = path;
  for (let hops = 0; hops < 16; hops += 1) {
    const onDisk = join(root, current);
    if (!existsSync(onDisk) && !isSymlink(onDisk)) return null;
    if (!isSymlink(onDisk)) return onDisk;
    const link = readlinkSync(onDisk);
    current = isAbsolute(link) ? link : join(dirname(current), link);
  }
  throw new Error(`too many symbolic links resolving ${path}`);
}

/** @param {string} path */
function isSymlink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * @param {string} path an ELF file of any CPU
 * @returns {Promise<{ interpreter: string | null, needed: string[] }>} its PT_INTERP and DT_NEEDED entries
 */
async function elfInfo(path) {
  const { stdout } = await run('readelf', ['--wide', '--program-headers', '--dynamic', path], { maxBuffer: 16 * 1024 * 1024 });
  return {
    interpreter: /\[Requesting program interpreter: ([^\]]+)\]/.exec(stdout)?.[1] ?? null,
    // The group is not optional: every match has it.
    needed: [...stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((match) => /** @type {string} */ (match[1])),
  };
}

/**
 * Copies into `rootfs` what `binary` (an ELF of `arch`) needs to start: its interpreter at the path
 * it names, and each needed library (transitively) in /lib/<triplet>/. Resolves to the list of image
 * paths written and the packages they came from.
 * @param {string} binary
 * @param {Arch} arch
 * @param {string} rootfs the image's root folder
 * @returns {Promise<RuntimeLibraries>}
 * @throws {Error} when the binary is not dynamically linked or needs a library none of RUNTIME_PACKAGES has
 */
export async function placeRuntimeLibraries(binary, arch, rootfs) {
  const { triplet } = PLATFORMS[arch];
  const { root, packages } = await runtimePackages(arch);
  const { interpreter, needed } = await elfInfo(binary);
  if (!interpreter) throw new Error(`${binary} names no program interpreter: not a dynamically linked executable`);
  /** @type {string[]} */
  const written = [];
  /**
   * @param {string} source
   * @param {string} path inside the image
   */
  const put = (source, path) => {
    mkdirSync(dirname(join(rootfs, path)), { recursive: true });
    copyFileSync(source, join(rootfs, path));
    written.push(path);
  };
  const loader = resolveInside(root, interpreter);
  if (!loader) throw new Error(`the program interpreter ${interpreter} is in none of ${RUNTIME_PACKAGES.join(', ')} (${arch})`);
  put(loader, interpreter);
  const seen = new Set();
  const queue = [...needed];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (seen.has(name)) continue;
    seen.add(name);
    // The loader itself is loaded already; glibc matches the NEEDED entry by its soname.
    if (interpreter.endsWith(`/${name}`)) continue;
    const source = [`/lib/${triplet}/${name}`, `/usr/lib/${triplet}/${name}`].map((path) => resolveInside(root, path)).find(Boolean);
    if (!source) throw new Error(`${name}, needed by the ${arch} binary, is in none of ${RUNTIME_PACKAGES.join(', ')}: add its Debian package to RUNTIME_PACKAGES`);
    put(source, `/lib/${triplet}/${name}`);
    queue.push(...(await elfInfo(source)).needed);
  }
  // libstdc++6 and the other GCC libraries link their doc folder to gcc-<N>-base's: one copy each.
  const copyrights = packages
    .filter(({ name }) => !isSymlink(join(root, 'usr', 'share', 'doc', name)))
    .map(({ name }) => ({ name, file: join(root, 'usr', 'share', 'doc', name, 'copyright') }))
    .filter(({ file }) => existsSync(file));
  return { paths: written.sort(), packages, copyrights };
}
