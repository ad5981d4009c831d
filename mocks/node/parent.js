// Stopping with the processes that started us: `npm start`, `npx vlens-mock` and `npm run docs:serve`
// run their node through `sh -c`, which passes no signal on.
import { readFileSync } from 'node:fs';

// How often one looks whether the processes that started it are still there.
const PARENT_POLL_MS = 100;

/**
 * `npm start` and `npx vlens-mock` run the mock through `sh -c`, which does not pass signals on: killing
 * npm's PID stops npm and its shell and leaves the mock holding the port. Started by npm (which sets
 * npm_lifecycle_event for its scripts and for npx), the mock therefore stops when its parent (the
 * shell) goes away, or its grandparent (npm: `kill -9` leaves the shell behind), where the system
 * tells (/proc). Started any other way (a shell, a service manager, a container) it lives until it
 * is stopped. `npm start` keeps no `exec` in front of node: Windows runs npm scripts with cmd.exe.
 * @param {() => void} stop
 */
export function stopWithParent(stop) {
  if (process.env.npm_lifecycle_event === undefined) return;
  const parent = process.ppid;
  const grandparent = parentOf(parent);
  const watch = setInterval(() => {
    // A /proc read that fails (null) is no evidence: only a parent PID that changed is.
    const grandparentNow = grandparent === null ? null : parentOf(parent);
    if (process.ppid === parent && (grandparentNow === null || grandparentNow === grandparent)) return;
    clearInterval(watch);
    stop();
  }, PARENT_POLL_MS);
  watch.unref();
}

/**
 * The parent PID of a process, from Linux's /proc; null where there is no /proc or no such process.
 * @param {number} pid
 */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (command) state ppid ...": the command may itself contain ") ".
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}
