// Podman with a store of its own under a temporary folder, so that building or testing the image
// leaves nothing in the user's images and containers, plus the settings machines without systemd
// need (written into a containers.conf that CONTAINERS_CONF points at):
// - runc when it is installed (crun refuses hybrid cgroup hierarchies);
// - cgroupfs as cgroup manager where systemd is not running;
// - ulimits inside the current hard limits: Podman's default raises them, which needs
//   CAP_SYS_RESOURCE, which root in a container lacks. The process limit is capped at 32768 too:
//   measured here, runc is refused even at the hard limit itself, and the mock is one process.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** @import { ExecFileException } from 'node:child_process' */

/**
 * A podman command on a store of its own: `podman(args)` resolves to its stdout and rejects with its
 * stderr (`timeout` in ms, default 120 s); `storageArgs` are the flags that select the store and `env`
 * the environment that selects its containers.conf, for a podman started some other way; `remove()`
 * resets the store and deletes its folder.
 * @typedef {((args: string[], options?: { timeout?: number }) => Promise<string>) & { storageArgs: string[], env: NodeJS.ProcessEnv, remove: () => Promise<void> }} Podman
 */

const run = promisify(execFile);

export const PODMAN_INSTALL = 'sudo apt-get install -y podman runc';

/** @param {string} name */
const onPath = (name) => (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, name)));

/** Whether podman is installed; the image is built and tested only where it is. */
export const hasPodman = () => onPath('podman');

function hardLimits() {
  const text = existsSync('/proc/self/limits') ? readFileSync('/proc/self/limits', 'utf8') : '';
  /** @param {string} label the row of /proc/self/limits */
  const hard = (label) => {
    const limit = new RegExp(`^${label}\\s+\\S+\\s+(\\S+)`, 'm').exec(text)?.[1];
    return limit && /^\d+$/.test(limit) ? Number(limit) : null;
  };
  return { nofile: hard('Max open files'), nproc: hard('Max processes') };
}

/** Whether this host refuses Podman's default limits (nofile 1048576): root without CAP_SYS_RESOURCE. */
export function restrictedLimits() {
  const { nofile } = hardLimits();
  return nofile !== null && nofile < 1048576;
}

/** @param {{ ulimits: boolean }} options whether to write the containers' default ulimits */
function containersConf({ ulimits: withLimits }) {
  const { nofile, nproc } = hardLimits();
  const processes = Math.min(nproc ?? Infinity, 32768);
  const ulimits = [nofile && `"nofile=${nofile}:${nofile}"`, `"nproc=${processes}:${processes}"`].filter(Boolean);
  return [
    ...(withLimits ? ['[containers]', `default_ulimits = [${ulimits.join(', ')}]`] : []),
    '[engine]',
    ...(onPath('runc') ? ['runtime = "runc"'] : []),
    ...(existsSync('/run/systemd/system') ? [] : ['cgroup_manager = "cgroupfs"', 'events_logger = "file"']),
    '',
  ].join('\n');
}

/**
 * A podman whose store lives in `dir` (created here). `podman(args)` resolves to its stdout and
 * rejects with its stderr; `remove()` resets the store and deletes `dir`. `ulimits: false` leaves
 * the containers' limits to Podman's defaults, to run documented commands as a user would.
 * @param {string} dir
 * @param {{ ulimits?: boolean }} [options]
 * @returns {Podman}
 */
export function createPodman(dir, { ulimits = true } = {}) {
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, containersConf({ ulimits }));
  const storage = ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--storage-driver', 'overlay', '--tmpdir', join(dir, 'tmp')];
  const env = { ...process.env, CONTAINERS_CONF: conf };
  /**
   * @param {string[]} args
   * @param {{ timeout?: number }} [options]
   */
  const podman = async (args, { timeout = 120_000 } = {}) => {
    try {
      const { stdout } = await run('podman', [...storage, ...args], { env, timeout, maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch (caught) {
      const error = /** @type {ExecFileException} */ (caught);
      throw new Error(`podman ${args.join(' ')} failed: ${(error.stderr || error.message).trim()}`, { cause: error });
    }
  };
  podman.storageArgs = storage;
  podman.env = env;
  podman.remove = async () => {
    // Unmounts the overlay layers and removes every container and image of this store.
    await podman(['system', 'reset', '--force']).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  return podman;
}
