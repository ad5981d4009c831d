// Runs one of the contract commands the way `npm run contract:*` does, with a clean VLENS_*
// environment (a developer's real credentials must never reach a test run), and returns its exit
// code and everything it printed.
import { spawn } from 'node:child_process';
import { ROOT } from '../../../scripts/lib/description.mjs';

/**
 * @param {string} script the script's path from the repository's root
 * @param {Record<string, string>} [env] VLENS_* and other variables for it
 * @param {string[]} [args]
 * @returns {Promise<{ code: number | null, output: string }>} `code` is null when a signal ended it
 */
export function runScript(script, env = {}, args = []) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VLENS_')));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}${script}`, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    /** @type {Buffer[]} */
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** A made-up secret, unique per call. @param {string} label */
export const secret = (label) => `${label}-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
